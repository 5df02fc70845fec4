"""Benchmark the data path: synthetic generation, CSV writing and loading, with wall time and peak memory.

    flock /tmp/heavy.lock .venv/bin/python -m benchmarks.bench_data --scale 1.0

Peak memory is the process's maximum resident set size so far (getrusage ru_maxrss), printed after each step.
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from custom_model import schema
from entry_points import synthetic


def peak_rss_gb() -> float:
    """Maximum resident set size of this process so far, in GB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _step(label: str, started: float) -> float:
    elapsed = time.perf_counter() - started
    print(f"{label:<10} {elapsed:7.1f} s   peak RSS so far {peak_rss_gb():5.2f} GB", flush=True)
    return elapsed


def main(argv: list[str] | None = None) -> None:
    """Generate → write → load once at --scale and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--output-dir", type=Path, default=None, help="default: a temporary folder, removed after"
    )
    parser.add_argument("--skip-load", action="store_true", help="do not read the files back")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench_data_"))
    output_dir = args.output_dir or workdir / "data"
    print(f"python {platform.python_version()}, scale={args.scale}, seed={args.seed}, output={output_dir}")
    total = time.perf_counter()
    try:
        started = time.perf_counter()
        data = synthetic.generate_tables(args.scale, args.seed, progress=lambda _: None)
        _step("generate", started)
        started = time.perf_counter()
        synthetic.write_tables(data, output_dir)
        _step("write", started)
        rows = {name: len(frame) for name, frame in data.tables.items()}
        del data
        if not args.skip_load:
            from custom_model.io import load_tables

            started = time.perf_counter()
            tables = load_tables(output_dir)
            _step("load", started)
            loaded = {name: len(tables.get(name)) for name in tables.present()}
            if loaded != rows:
                print(f"WARNING: loaded row counts differ from generated ones: {loaded}")
            del tables
        _step("total", total)
        size = sum(p.stat().st_size for p in output_dir.iterdir()) / 1024**3
        print(f"files: {size:.2f} GB on disk")
        for name, count in rows.items():
            real = schema.REAL_ROW_COUNTS[name]
            print(f"  {name:<24} {count:>12,} rows  ({count / real:.4f} × real {real:,})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Time the full feature build (read + per-table features + assembly + preprocessing) and report peak memory.

Usage:
    python -m benchmarks.bench_features --data-dir data/scale1            # a generated or real data folder
    python -m benchmarks.bench_features --scale 0.05 --output-dir /tmp/x  # generate first, then measure
    python -m benchmarks.bench_features --data-dir data/scale1 --buckets 8       # history by buckets
    python -m benchmarks.bench_features --data-dir data/scale1 --side-by-side 8  # one pass, then buckets

Prints the wall time of each step, the total, the peak resident memory of the process (``ru_maxrss``) and the
feature count before and after `FeaturePreprocessor` (dummies). ``--buckets K`` builds the history
features with `streamed_history` (each block's tables read only for that block, K buckets of clients);
``--side-by-side K`` runs the one-pass build and the K-bucket build each in a fresh process, one after the
other, and prints both totals (peak memory is per process, so each way needs its own).
Run heavy scales under ``flock /tmp/heavy.lock``.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from custom_model import schema
from custom_model.features.application import application_features
from custom_model.features.assemble import HISTORY_BLOCKS, HISTORY_DTYPE
from custom_model.features.buckets import streamed_history
from custom_model.io import Tables, load_tables
from custom_model.preprocessing import FeaturePreprocessor


def _peak_gb() -> float:
    """Peak resident memory of this process so far, in GB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _row_count(tables: Tables) -> int:
    """Rows over the child tables (the scale-1.0 target is about 58 million)."""
    return sum(len(tables.get(n)) for n in tables.present() if n in schema.CHILD_TABLES)


def run(data_dir: Path, cache_dir: Path | None, buckets: int = 0) -> None:
    """Load ``data_dir`` and build every feature block, printing a line per step."""
    if buckets:
        run_streamed(data_dir, cache_dir, buckets)
        return
    total_start = time.perf_counter()
    started = time.perf_counter()
    tables = load_tables(data_dir, cache_dir=cache_dir)
    print(f"read            {time.perf_counter() - started:7.1f} s  child rows {_row_count(tables):,}")
    timings: dict[str, float] = {}

    started = time.perf_counter()
    application = application_features(_applications(tables))
    timings["application"] = time.perf_counter() - started
    blocks = [application]
    for name, build in HISTORY_BLOCKS:
        started = time.perf_counter()
        block = build(tables)
        timings[name] = time.perf_counter() - started
        if block is not None:
            blocks.append(block.astype(HISTORY_DTYPE).reindex(application.index))  # as history_features
        # each child table is dropped once aggregated, as a long-running job would
        tables = dataclasses.replace(tables, **_released(name))
        print(f"{name:<22} {timings[name]:7.1f} s  peak {_peak_gb():5.2f} GB")
    started = time.perf_counter()
    frame = pd.concat(blocks, axis=1)
    timings["assemble"] = time.perf_counter() - started
    _finish(frame, timings, total_start)


def run_streamed(data_dir: Path, cache_dir: Path | None, buckets: int) -> None:
    """Bounded memory: each block's tables read, built by bucket and freed; then the applications."""
    total_start = time.perf_counter()
    timings: dict[str, float] = {}
    applications = load_tables(data_dir, tables=(), cache_dir=cache_dir)
    ids = _applications(applications)[schema.ID_CURR]
    started = time.perf_counter()
    history = streamed_history(data_dir, ids, buckets=buckets, cache_dir=cache_dir)
    print(
        f"history, read + {buckets} buckets {time.perf_counter() - started:7.1f} s  peak {_peak_gb():5.2f} GB"
    )
    started = time.perf_counter()
    application = application_features(_applications(applications))
    timings["application"] = time.perf_counter() - started
    del applications
    started = time.perf_counter()
    frame = with_leading_columns(history, application)
    timings["assemble"] = time.perf_counter() - started
    del history, application
    _finish(frame, timings, total_start)


def with_leading_columns(history: pd.DataFrame, application: pd.DataFrame) -> pd.DataFrame:
    """``application``'s columns then ``history``'s (same index), without copying the history array.

    `pd.concat` would copy the history's float array into one block with the application's floats: at the
    real data size that is 0.9 GB more at the peak. Inserting the application's columns adds blocks instead.
    """
    frame = history.copy(deep=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)  # "highly fragmented": on purpose
        for position, column in enumerate(application.columns):
            frame.insert(position, column, application[column])
    return frame


def _applications(tables: Tables) -> pd.DataFrame:
    """Training (TARGET apart) then production applications, as one frame."""
    return pd.concat([tables.application_train.drop(columns=[schema.TARGET]), tables.application_test])


def _finish(frame: pd.DataFrame, timings: dict[str, float], total_start: float) -> None:
    """Preprocess the assembled frame and print the remaining steps and the totals."""
    started = time.perf_counter()
    matrix = FeaturePreprocessor().fit(frame).transform(frame)
    timings["preprocess"] = time.perf_counter() - started
    total = time.perf_counter() - total_start
    for step in ("application", "assemble", "preprocess"):
        if step in timings:
            print(f"{step:<22} {timings[step]:7.1f} s")
    print(
        f"clients {len(frame):,}  features before encoding {frame.shape[1]}  model features {matrix.shape[1]}"
    )
    print(f"TOTAL wall {total:.1f} s  peak RSS {_peak_gb():.2f} GB")


def _released(name: str) -> dict[str, None]:
    """Fields of Tables to set to None after the block of ``name`` is built."""
    if name == schema.BUREAU:
        return {"bureau": None, "bureau_balance": None}
    return {name.lower(): None}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate data when asked, then run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, help="folder with the seven tables (CSV or parquet)")
    parser.add_argument("--scale", type=float, help="generate synthetic data at this scale first")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output-dir", type=Path, help="where to generate (with --scale)")
    parser.add_argument("--cache-dir", type=Path, help="parquet cache of the validated raw tables")
    parser.add_argument("--buckets", type=int, default=0, help="build the history by K client buckets")
    parser.add_argument("--side-by-side", type=int, default=0, metavar="K", help="one-pass, then K buckets")
    args = parser.parse_args(argv)
    if args.scale is not None:
        from entry_points.synthetic import generate_tables, write_tables

        output = args.output_dir or Path(f"data/bench-{args.scale}-{args.seed}")
        started = time.perf_counter()
        write_tables(generate_tables(args.scale, args.seed), output)
        print(f"generate        {time.perf_counter() - started:7.1f} s  -> {output}")
        args.data_dir = output
    if args.data_dir is None:
        parser.error("give --data-dir or --scale")
    if args.side_by_side:
        side_by_side(args.data_dir, args.cache_dir, args.side_by_side)
    else:
        run(args.data_dir, args.cache_dir, args.buckets)
    return 0


def side_by_side(data_dir: Path, cache_dir: Path | None, buckets: int) -> None:
    """Run the one-pass and the bucketed build, each in a fresh process, and print their totals together."""
    totals = {}
    for way in (0, buckets):
        command = [sys.executable, "-m", "benchmarks.bench_features", "--data-dir", str(data_dir)]
        command += ["--buckets", str(way)] + (["--cache-dir", str(cache_dir)] if cache_dir else [])
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print(output, end="")
        totals[way] = next(line for line in output.splitlines() if line.startswith("TOTAL"))
    for way, line in totals.items():
        print(f"{'one pass' if way == 0 else f'{way} buckets':<10} {line}")


if __name__ == "__main__":
    sys.exit(main())

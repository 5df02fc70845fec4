"""Job: write the synthetic Home Credit tables and oracle.csv into a folder (MLproject entry generate_data).

python -m entry_points.generate_data --scale 0.05 --seed 42 --output-dir data/demo [--mechanism recency]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from custom_model.contract import DEMO_DATA_DIR
from entry_points import synthetic
from entry_points._cli import DEBUG_EPILOG, configure_logging, int_param, run_entry_point
from entry_points.synthetic.mechanisms import DEFAULT_MECHANISM, MECHANISMS

logger = logging.getLogger(__name__)


def scale_param(text: str) -> float:
    """Parse --scale and check it lies in the accepted range."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    try:
        synthetic.validate_scale(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def seed_param(text: str) -> int:
    """Parse --seed: a non-negative integer, also accepted as ``42.0`` (MLflow passes floats)."""
    value = int_param(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the job."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=DEBUG_EPILOG)
    parser.add_argument(
        "--scale",
        type=scale_param,
        default=0.05,
        help=f"fraction of the real row counts, {synthetic.MIN_SCALE}–{synthetic.MAX_SCALE} (default 0.05)",
    )
    parser.add_argument("--seed", type=seed_param, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--mechanism",
        choices=sorted(MECHANISMS),
        default=DEFAULT_MECHANISM,
        help=f"planted default mechanism (default {DEFAULT_MECHANISM}); the tables themselves do not change",
    )
    parser.add_argument("--output-dir", type=Path, default=DEMO_DATA_DIR, help="folder to (re)create")
    return parser.parse_args(argv)


def validate_written(output_dir: Path) -> None:
    """Load the folder back with the project's loader (when available) and log one line per table."""
    try:
        from custom_model.io import load_tables
    except ImportError:
        logger.info("custom_model.io.load_tables not available yet; skipped the read-back check")
        return
    tables = load_tables(output_dir)
    for name in tables.present():
        frame = tables.get(name)
        logger.info("read back %s: %d rows × %d columns", name, len(frame), frame.shape[1])


def main(argv: list[str] | None = None) -> int:
    """Generate, write atomically, read back; an error is one line and exit code 1 (traceback: --debug)."""
    return run_entry_point("generate_data", _main, argv)


def _main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_logging()
    started = time.perf_counter()
    data = synthetic.generate_tables(args.scale, args.seed, mechanism=args.mechanism)
    logger.info("generated in %.1f s; writing to %s", time.perf_counter() - started, args.output_dir)
    synthetic.write_tables(data, args.output_dir)
    validate_written(args.output_dir)
    logger.info("done in %.1f s: %s", time.perf_counter() - started, args.output_dir.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())

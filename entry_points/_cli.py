"""Small helpers shared by the entry points: MLflow-style numeric parameters and logging set-up."""

from __future__ import annotations

import argparse
import logging
import sys


def int_param(text: str) -> int:
    """Parse an integer given as ``7`` or ``7.0`` (MLflow's MLproject types numbers as float)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    return int(value)


def configure_logging(level: int = logging.INFO) -> None:
    """Send library logs to stderr with timestamps; called only by entry points."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )

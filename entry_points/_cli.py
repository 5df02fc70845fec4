"""Small helpers shared by the entry points: MLflow-style numeric parameters, logging, error reporting."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from custom_model.errors import CreditScoringError

#: Accepted by every entry point: show the traceback of an error as well.
DEBUG_FLAG = "--debug"
DEBUG_EPILOG = (
    f"{DEBUG_FLAG}: on an error, also print its traceback (by default: one line naming the problem)"
)


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


def run_entry_point(
    name: str, body: Callable[[list[str]], int], argv: Sequence[str] | None, *, error_code: int = 1
) -> int:
    """Run ``body`` on the arguments (without --debug); a CreditScoringError is one line and ``error_code``.

    Our errors already name the file, column, line or client: a traceback around them only hides the message,
    so it is shown with --debug only. Any other exception is a bug and keeps its traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in args
    try:
        return body([a for a in args if a != DEBUG_FLAG])
    except CreditScoringError as error:
        message = " ".join(str(error).splitlines())
        logging.getLogger(f"entry_points.{name}").error("%s: error: %s", name, message, exc_info=debug)
        return error_code

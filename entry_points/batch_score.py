"""Score clients in batch on Apache Spark with the registered model: `mlflow run . -e batch_score`.

Reads the tables with the project's loader (validated as for training), sends each client's request
(SK_ID_CURR + application fields) through `mlflow.pyfunc.spark_udf`, writes the answers as parquet (temporary
folder renamed at the end) and a summary (rows, accepted, refused, failed, seconds). `--master` is any Spark
master URL.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from custom_model.contract import DEFAULT_TOP_K, MAX_TOP_K, model_uri
from custom_model.errors import ParameterError
from custom_model.io import load_tables
from entry_points._cli import DEBUG_EPILOG, configure_logging, int_param, run_entry_point
from entry_points._mlflow import connect
from entry_points.batch.scoring import (
    BatchSummary,
    Progress,
    request_rows,
    score,
    summarize,
    to_spark,
    write_atomically,
)
from entry_points.batch.session import SparkSettings, start_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger("entry_points.batch_score")


@dataclass(frozen=True)
class BatchSettings:
    """Parameters of one batch run (the MLproject `batch_score` entry point)."""

    data_dir: Path
    output: Path
    model_uri: str = model_uri()
    master: str = "local[*]"
    explain: bool = False
    top_k: int = DEFAULT_TOP_K
    ids: tuple[int, ...] = ()
    partitions: int = 0
    ui_port: int = 0


def bool_param(text: str) -> bool:
    """``true``/``false`` (any case; also 1/0, yes/no): MLproject has no boolean parameter type."""
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def ids_param(text: str) -> tuple[int, ...]:
    """Comma-separated client ids; empty (also MLflow's quoted ``''``): every application_test client."""
    cleaned = text.replace(" ", "").strip("'\"")
    try:
        return tuple(int(part) for part in cleaned.split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated client ids, got {text!r}") from None


def parse_args(argv: Sequence[str] | None) -> BatchSettings:
    """Read the command line (numbers accept MLflow's `5.0`)."""
    d = BatchSettings(data_dir=Path(), output=Path())
    p = argparse.ArgumentParser(
        prog="python -m entry_points.batch_score", description=__doc__.splitlines()[0], epilog=DEBUG_EPILOG
    )
    p.add_argument("--data-dir", type=Path, required=True, help="tables (CSV folder, zip or parquet folder)")
    p.add_argument("--output", type=Path, required=True, help="new folder for the parquet answers")
    p.add_argument("--model-uri", default=d.model_uri, help="model to score with (default: the champion)")
    p.add_argument(
        "--master", default=d.master, help="Spark master URL: local[*], spark://host:7077, yarn..."
    )
    p.add_argument("--explain", type=bool_param, default=d.explain, help="true: reasons as array<struct>")
    p.add_argument("--top-k", type=int_param, default=d.top_k, help="reasons per side when explaining")
    p.add_argument(
        "--ids", type=ids_param, default=d.ids, help="comma-separated ids; empty: application_test"
    )
    p.add_argument(
        "--partitions", type=int_param, default=d.partitions, help="0: Spark's default parallelism"
    )
    p.add_argument("--ui-port", type=int_param, default=d.ui_port, help="Spark UI port; 0: no UI")
    args = p.parse_args(argv)
    if not 1 <= args.top_k <= MAX_TOP_K:
        p.error(f"--top-k must be between 1 and {MAX_TOP_K}; got {args.top_k}")
    if args.partitions < 0 or args.ui_port < 0:
        p.error("--partitions and --ui-port must be ≥ 0")
    return BatchSettings(**vars(args))


def run(settings: BatchSettings, *, spark: SparkSession | None = None) -> BatchSummary:
    """Load → requests → Spark → score → write → summary; a session given by the caller is left running."""
    started = time.perf_counter()
    if settings.output.exists():
        raise ParameterError(f"{settings.output}: already exists; choose a new output folder or remove it")
    tables = load_tables(settings.data_dir, tables=())
    requests = request_rows(tables, np.asarray(settings.ids, dtype=np.int64) if settings.ids else None)
    logger.info("%d clients to score from %s", len(requests), settings.data_dir)
    session = spark or start_spark(SparkSettings(master=settings.master, ui_port=settings.ui_port))
    try:
        partitions = settings.partitions or session.sparkContext.defaultParallelism
        frame = to_spark(session, requests, partitions=partitions)
        answers = score(
            session, frame, model_uri=settings.model_uri, explain=settings.explain, top_k=settings.top_k
        )
        logger.info("scoring %d rows in %d partitions with %s", len(requests), partitions, settings.model_uri)
        with Progress(session):
            write_atomically(answers, settings.output)
        summary = summarize(session, settings.output, time.perf_counter() - started)
    finally:
        if spark is None:
            session.stop()
    logger.info("summary: %s", asdict(summary))
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: an error is one line and exit code 1 (traceback with --debug)."""
    return run_entry_point("batch_score", _main, argv)


def _main(argv: list[str]) -> int:
    configure_logging()
    settings = parse_args(argv)
    connect()
    summary = run(settings)
    print(
        f"batch_score: {summary.rows} rows ({summary.accepted} accepted, {summary.refused} refused, "
        f"{summary.failed} failed) in {summary.seconds:.1f} s → {summary.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

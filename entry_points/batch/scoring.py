"""Batch scoring on Spark: the registered pyfunc run by `mlflow.pyfunc.spark_udf`, parquet written atomically.

The rows sent are the served model's requests (SK_ID_CURR + the application fields), so every answer equals
what the HTTP API or the pyfunc called in pandas gives for the same row: the model's own validation, snapshot
lookup, feature code and decision rule run inside the Spark workers.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from custom_model.contract import (
    ANSWER_SCHEMA,
    ID_COLUMN,
    PARAM_EXPLAIN,
    PARAM_TOP_K,
    REASON_KEYS,
    Decision,
)
from custom_model.errors import CreditScoringError
from custom_model.io import Tables
from custom_model.request import RAW_COLUMN_NAMES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

#: Spark SQL type of each MLflow column type of the answer.
_SPARK_TYPES = {"long": "bigint", "double": "double", "string": "string"}
#: Spark SQL type of one reason of the `explanation` column when written as structs (keys from the contract).
REASON_TYPE = "struct<{}>".format(
    ",".join(f"{k}:{t}" for k, t in zip(REASON_KEYS, ("string", "string", "double", "double"), strict=True))
)
#: Summary written beside the parquet part files (Spark readers skip names starting with "_").
SUMMARY_FILE = "_summary.json"


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run wrote: rows, decisions, rows without an answer, and how long it took."""

    rows: int
    accepted: int
    refused: int
    failed: int
    seconds: float
    output: str


def answer_ddl() -> str:
    """The answer columns of custom_model/contract.py as a Spark DDL struct (spark_udf's result_type)."""
    return ", ".join(f"{name} {_SPARK_TYPES[kind]}" for name, kind, _ in ANSWER_SCHEMA)


def request_rows(tables: Tables, ids: np.ndarray | None = None) -> pd.DataFrame:
    """Requests of the clients to score: application_test rows (id + fields); other ids are by-id rows.

    Without ``ids``: every application_test client, in file order. With ``ids``: those clients in that order;
    an id absent from application_test is sent alone, so the model answers it from its client snapshot (or
    with its "unknown client id" error), exactly as the API would.
    """
    app = tables.application_test[[ID_COLUMN, *RAW_COLUMN_NAMES]]
    if ids is None:
        return app.reset_index(drop=True)
    wanted = pd.DataFrame({ID_COLUMN: np.asarray(ids, dtype=np.int64)})
    return wanted.merge(app, on=ID_COLUMN, how="left", validate="many_to_one")


def to_spark(spark: SparkSession, requests: pd.DataFrame, *, partitions: int) -> DataFrame:
    """The request rows as a Spark frame of ``partitions`` partitions (text columns stay text, nulls null).

    Arrow already slices a pandas frame into the default parallelism's partitions; any other count costs a
    shuffle of every request row, so it is only asked for when it differs.
    """
    frame = requests.astype({c: object for c in requests.columns if not _is_numeric(requests[c])})
    created = spark.createDataFrame(frame)
    return created if created.rdd.getNumPartitions() == partitions else created.repartition(partitions)


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def score(
    spark: SparkSession, requests: DataFrame, *, model_uri: str, explain: bool, top_k: int
) -> DataFrame:
    """Answer every request row with the registered model (one answer column per contract column).

    The pyfunc has no input schema, so the columns reach it as one struct; `result_type` must be the whole
    answer struct (a plain type would return the first column only).
    """
    import mlflow.pyfunc
    from pyspark.sql import functions as sf

    udf = mlflow.pyfunc.spark_udf(
        spark,
        model_uri,
        result_type=answer_ddl(),
        env_manager="local",
        params={PARAM_EXPLAIN: explain, PARAM_TOP_K: top_k},
    )
    answers = _restore_nulls(
        requests.select(udf(sf.struct(*requests.columns)).alias("answer")).select("answer.*")
    )
    if explain:
        answers = answers.withColumn("explanation", sf.from_json("explanation", f"array<{REASON_TYPE}>"))
    return answers


def _restore_nulls(answers: DataFrame) -> DataFrame:
    """Put back the answer's missing values that spark_udf turned into text "None" or NaN.

    MLflow 3.17 casts a struct field with `astype(np.str_)` (None becomes "None") and `astype(float64)` (None
    becomes NaN) whenever the batch has one value; no answer column ever holds the text "None" or a NaN.
    """
    from pyspark.sql import functions as sf

    restored = []
    for name, kind, _ in ANSWER_SCHEMA:
        column = sf.col(name)
        if kind == "string":
            column = sf.when(column != "None", column)
        elif kind == "double":
            column = sf.when(~sf.isnan(column), column)
        restored.append(column.alias(name))
    return answers.select(*restored)


def write_atomically(answers: DataFrame, output: Path) -> None:
    """Write parquet into a temporary folder beside ``output``, then rename it: no reader sees half a run."""
    if output.exists():
        raise CreditScoringError(f"{output}: already exists; choose a new output folder or remove it first")
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        answers.write.parquet(temporary.as_uri())
        temporary.rename(output)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def summarize(spark: SparkSession, output: Path, seconds: float) -> BatchSummary:
    """Count what was written (read back from the parquet) and save the summary beside it."""
    from pyspark.sql import functions as sf

    counts = (
        spark.read.parquet(output.as_uri())
        .agg(
            sf.count("*").alias("rows"),
            sf.sum((sf.col("decision") == Decision.ACCEPTED).cast("long")).alias("accepted"),
            sf.sum((sf.col("decision") == Decision.REFUSED).cast("long")).alias("refused"),
            sf.sum(sf.col("decision").isNull().cast("long")).alias("failed"),
        )
        .first()
    )
    summary = BatchSummary(
        **{k: int(counts[k] or 0) for k in ("rows", "accepted", "refused", "failed")},
        seconds=round(seconds, 3),
        output=str(output),
    )
    (output / SUMMARY_FILE).write_text(json.dumps(asdict(summary), indent=2))
    return summary


class Progress:
    """Log the share of Spark tasks done every ``every`` seconds while a job runs (Spark's bar is off)."""

    def __init__(self, spark: SparkSession, *, every: float = 10.0) -> None:
        self._tracker = spark.sparkContext.statusTracker()
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="spark-progress", daemon=True)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            stages = [self._tracker.getStageInfo(s) for s in self._tracker.getActiveStageIds()]
            done = sum(s.numCompletedTasks for s in stages if s is not None)
            total = sum(s.numTasks for s in stages if s is not None)
            if total:
                logger.info("scoring: %d/%d tasks of the running stage(s) done", done, total)

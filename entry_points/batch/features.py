"""The history feature build on Spark by client bucket: the project's own pandas block code in each bucket.

Each child table travels with its bucket (``SK_ID_CURR % buckets``; bureau_balance through bureau's
SK_ID_BUREAU) and its source row number; each block runs `custom_model.features.buckets.block_of` on one
bucket's rows (`groupBy(...).applyInPandas`, or `cogroup` for bureau + bureau_balance), rows sorted back into
source order first, so the result equals `history_features(tables, ids=ids)` cell for cell.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from custom_model import schema
from custom_model.features.assemble import HISTORY_BLOCKS, HISTORY_DTYPE, client_index
from custom_model.features.buckets import BLOCK_TABLES, block_columns, block_of, restore_dtypes, row_buckets
from custom_model.io import Tables

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)
ID_CURR, ID_BUREAU = schema.ID_CURR, schema.ID_BUREAU
BUCKET, ROW = "_bucket", "_row"


def spark_history(spark: SparkSession, tables: Tables, ids: pd.Index, *, buckets: int) -> pd.DataFrame:
    """History features of exactly ``ids`` (same frame as `history_features`), built on Spark by bucket."""
    index = client_index(ids)
    keyed = _keyed_tables(tables, buckets)
    blocks = []
    for name, _ in HISTORY_BLOCKS:
        present = [t for t in BLOCK_TABLES[name] if t in keyed]
        if name not in present:
            continue
        started = time.perf_counter()
        frames = [spark.createDataFrame(keyed[t]) for t in present]
        block = _run_block(name, present, frames).toPandas().set_index(ID_CURR)
        block.index = client_index(block.index)
        blocks.append(block.astype(HISTORY_DTYPE).reindex(index))
        logger.info("%s on Spark: %d buckets in %.1f s", name, buckets, time.perf_counter() - started)
    result = pd.concat(blocks, axis=1) if blocks else pd.DataFrame(index=index)
    result.index.name = ID_CURR
    return result


def _keyed_tables(tables: Tables, buckets: int) -> dict[str, pd.DataFrame]:
    """Each present child table with its bucket and source row number; text as plain strings for Arrow.

    A bureau_balance row travels to each bucket of its credit's clients, or to none (`row_buckets`).
    """
    keyed = {}
    for name, rows in row_buckets(tables, buckets).items():
        out = tables.get(name).take(rows.row).assign(**{BUCKET: rows.bucket, ROW: rows.row})
        text = [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]
        out[text] = out[text].astype(object).where(out[text].notna(), None)
        keyed[name] = out
    return keyed


def _run_block(name: str, present: list[str], frames: list[DataFrame]) -> DataFrame:
    """The block's features of every bucket, as a Spark frame (SK_ID_CURR + the block's float columns)."""
    from pyspark.sql.types import DoubleType, LongType, StructField, StructType

    columns = list(block_columns(name))
    out_schema = StructType(
        [StructField(ID_CURR, LongType()), *(StructField(c, DoubleType()) for c in columns)]
    )
    build = _bucket_function(name, present, columns)
    grouped = [frame.groupBy(BUCKET) for frame in frames]
    if len(grouped) == 1:
        return grouped[0].applyInPandas(build, schema=out_schema)
    return grouped[0].cogroup(grouped[1]).applyInPandas(build, schema=out_schema)


def _bucket_function(name: str, present: list[str], columns: list[str]) -> Callable[..., pd.DataFrame]:
    """Closure run by Spark on one bucket: one frame per table read (Spark checks the arity, not *args)."""

    def build(parts: tuple[pd.DataFrame, ...]) -> pd.DataFrame:
        frames = {
            table: restore_dtypes(
                part.sort_values(ROW, kind="stable").drop(columns=[BUCKET, ROW]).reset_index(drop=True), table
            )
            for table, part in zip(present, parts, strict=True)
        }
        return block_of(name, frames).reset_index()[[ID_CURR, *columns]]

    def one(table: pd.DataFrame) -> pd.DataFrame:
        return build((table,))

    def two(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
        return build((left, right))

    return one if len(present) == 1 else two

"""History features for a set of clients, and the same build by client buckets (bounded memory, or on Spark).

Every history feature is an aggregate over one client's rows, so the clients can be split into buckets
(``SK_ID_CURR % buckets``) and built one bucket at a time. The pandas block code is the same three ways: on
all clients at once (`history_features`, today's build, or with ``ids`` for a set of clients), in this
process on each bucket's rows in turn (`bucketed_history`, bounded memory), or inside Spark on each bucket's
rows (entry_points/batch/features.py); `block_of` runs one block on one bucket. Rows keep their source order
within a bucket, so float sums are bit-identical whichever way the build runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.features.assemble import HISTORY_BLOCKS, HISTORY_DTYPE, client_index
from custom_model.io import Tables, loaded_dtypes, read_tables

logger = logging.getLogger(__name__)
ID_CURR, ID_BUREAU = schema.ID_CURR, schema.ID_BUREAU

#: Tables each history block reads (bureau_balance reaches its client through bureau's SK_ID_BUREAU).
BLOCK_TABLES: Mapping[str, tuple[str, ...]] = {
    name: (name, schema.BUREAU_BALANCE) if name == schema.BUREAU else (name,) for name, _ in HISTORY_BLOCKS
}


def client_bucket(ids: object, buckets: int) -> np.ndarray:
    """Bucket of each client id: ``SK_ID_CURR % buckets`` (ids are non-negative)."""
    return np.asarray(ids, dtype=np.int64) % buckets


def bucketed_history(tables: Tables, ids: pd.Index, *, buckets: int) -> pd.DataFrame:
    """The frame of `history_features(tables, ids=ids)`, built block by block and, in each, bucket by bucket.

    Only one bucket's rows of one block and their intermediates are in memory at a time, beside the tables and
    the result: the peak of the one-pass build comes from those intermediates.
    """
    return _history_by_bucket(lambda name: tables, ids, buckets=buckets)


def streamed_history(
    source: Path, ids: pd.Index, *, buckets: int, cache_dir: Path | None = None
) -> pd.DataFrame:
    """`bucketed_history` reading each block's tables from ``source`` only for that block.

    In memory: the tables of one block (bureau with bureau_balance, then each other child table; never the
    application tables), one bucket's intermediates and the result: for data larger than the one-pass build
    fits. The same frame, tested.
    """
    return _history_by_bucket(
        lambda name: block_tables(read_tables(source, BLOCK_TABLES[name], cache_dir=cache_dir)),
        ids,
        buckets=buckets,
    )


def _history_by_bucket(tables_for: Callable[[str], Tables], ids: pd.Index, *, buckets: int) -> pd.DataFrame:
    """Every block's features of ``ids``, each bucket's rows written in place into one float array.

    Writing in place spares the copies that joining the buckets, then the blocks, would make (the array is
    `HISTORY_DTYPE`, as the one-pass build's); the blocks' columns are fixed (`block_columns`), and a block
    whose table is absent contributes none.
    """
    asked = client_index(ids)
    index = asked.unique()
    columns = {name: block_columns(name) for name, _ in HISTORY_BLOCKS}
    values = np.full((len(index), sum(len(c) for c in columns.values())), np.nan, dtype=HISTORY_DTYPE)
    kept: list[int] = []
    start = 0
    for name, _ in HISTORY_BLOCKS:
        width = len(columns[name])
        if _fill_block(tables_for(name), name, index, values[:, start : start + width], buckets=buckets):
            kept += range(start, start + width)
        start += width
    names = [column for block in columns.values() for column in block]
    result = pd.DataFrame(values, index=index, columns=names, copy=False)
    result = result if len(kept) == len(names) else result.iloc[:, kept]
    return result if len(index) == len(asked) else result.reindex(asked)  # an id asked twice: its row twice


def _fill_block(tables: Tables, name: str, index: pd.Index, out: np.ndarray, *, buckets: int) -> bool:
    """Write one block's features of the clients of ``index`` into ``out``, bucket by bucket (rows of
    clients without history stay missing); False when the block's table is absent."""
    if tables.get(name) is None:
        return False
    started = time.perf_counter()
    columns = block_columns(name)
    of_row = row_buckets(tables, buckets, names=BLOCK_TABLES[name])
    for bucket in range(buckets):
        part = block_of(name, {t: tables.get(t).take(rows.rows_of(bucket)) for t, rows in of_row.items()})
        where = index.get_indexer(part.index)
        found = where >= 0  # clients of the tables that were not asked for (orphans) are left out
        out[where[found]] = part[columns].to_numpy(dtype=HISTORY_DTYPE)[found]
    logger.info(
        "%s: %d features, %d buckets in %.1f s", name, out.shape[1], buckets, time.perf_counter() - started
    )
    return True


@dataclass(frozen=True)
class BucketedRows:
    """Which rows of one child table go to which bucket: entry i is source row ``row[i]`` in ``bucket[i]``.

    ``row`` is ascending, so each bucket's rows keep their source order; a row may appear in several buckets
    (a bureau credit listed under clients of different buckets) or in none (a credit absent from bureau).
    """

    row: np.ndarray
    bucket: np.ndarray

    def rows_of(self, bucket: int) -> np.ndarray:
        """Source rows of one bucket, ascending."""
        return self.row[self.bucket == bucket]


def row_buckets(
    tables: Tables, buckets: int, *, names: Iterable[str] = schema.CHILD_TABLES
) -> dict[str, BucketedRows]:
    """The bucketed rows of each present child table (of ``names``).

    Rows with SK_ID_CURR go to their client's bucket. bureau_balance rows go to the bucket of every client
    their SK_ID_BUREAU is listed under in bureau (the one-pass build joins them to each), and to none when
    the credit is absent from bureau.
    """
    keyed = {}
    for name in names:
        frame = tables.get(name)
        if frame is None or name == schema.BUREAU_BALANCE:
            continue
        keyed[name] = BucketedRows(np.arange(len(frame)), client_bucket(frame[ID_CURR], buckets))
    balance, bureau = tables.bureau_balance, tables.bureau
    if schema.BUREAU_BALANCE in names and balance is not None and bureau is not None:
        keyed[schema.BUREAU_BALANCE] = _balance_rows(balance[ID_BUREAU], bureau, buckets)
    return keyed


def _balance_rows(credits: pd.Series, bureau: pd.DataFrame, buckets: int) -> BucketedRows:
    """bureau_balance rows in the bucket(s) of their credit's client(s) (see `row_buckets`)."""
    owners = pd.DataFrame(
        {ID_BUREAU: bureau[ID_BUREAU].to_numpy(), "b": client_bucket(bureau[ID_CURR], buckets)}
    )
    owners = owners.drop_duplicates()
    first, more = owners.drop_duplicates(ID_BUREAU), owners[owners.duplicated(ID_BUREAU)]
    credit = pd.Index(first[ID_BUREAU]).get_indexer(credits)
    row = np.flatnonzero(credit >= 0)
    bucket = first["b"].to_numpy()[credit[row]]
    if len(more):
        extra = pd.DataFrame({ID_BUREAU: credits.to_numpy(), "row": np.arange(len(credits))})
        extra = extra[extra[ID_BUREAU].isin(more[ID_BUREAU])].merge(more, on=ID_BUREAU)
        row, bucket = np.concatenate([row, extra["row"]]), np.concatenate([bucket, extra["b"]])
        order = np.argsort(row, kind="stable")
        row, bucket = row[order], bucket[order]
    return BucketedRows(row, bucket)


def block_columns(name: str) -> pd.Index:
    """Feature columns of one history block (fixed per block: computed on empty tables)."""
    return block_of(name, {table: empty_table(table) for table in BLOCK_TABLES[name]}).columns


def empty_table(name: str) -> pd.DataFrame:
    """A table with no rows and the loader's columns and dtypes."""
    return restore_dtypes(pd.DataFrame(columns=list(loaded_dtypes(name))), name)


def restore_dtypes(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Give a table that travelled (Arrow, Spark) the loader's dtypes back: numbers, declared levels."""
    table = schema.table(name)
    out = frame.astype({c: t for c, t in loaded_dtypes(name).items() if t != "category" and c in frame})
    for column in table.categorical():
        if not table.required and column.name in out:
            values = out[column.name].astype("category")
            unknown = sorted(set(values.cat.categories) - set(column.levels))
            out[column.name] = values.cat.set_categories([*column.levels, *unknown])
    return out


def block_tables(frames: Mapping[str, pd.DataFrame | None]) -> Tables:
    """Child tables by name as `Tables` (empty application tables: the history blocks never read them)."""
    apps = empty_table(schema.APPLICATION_TEST)
    children = {table.lower(): frame for table, frame in frames.items()}
    return Tables(application_train=apps, application_test=apps, **children)


def block_of(name: str, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One history block computed on the given tables' rows (one row per client found in them)."""
    return dict(HISTORY_BLOCKS)[name](block_tables(frames))

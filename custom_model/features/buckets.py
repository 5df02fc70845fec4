"""History features for a set of clients, and the same build by client buckets (bounded memory, or on Spark).

Every history feature is an aggregate over one client's rows, so the clients can be split into buckets
(``SK_ID_CURR % buckets``) and built one bucket at a time: `client_history` is the one function, called on all
clients at once (`history_features`, today's build), on each bucket in turn (`bucketed_history`), or inside
Spark on each bucket's rows (entry_points/batch/features.py). Rows keep their source order within a bucket, so
float sums are bit-identical whichever way the build runs.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.features.assemble import HISTORY_BLOCKS, client_index, history_features
from custom_model.io import Tables, loaded_dtypes

logger = logging.getLogger(__name__)
ID_CURR, ID_BUREAU = schema.ID_CURR, schema.ID_BUREAU

#: Tables each history block reads (bureau_balance reaches its client through bureau's SK_ID_BUREAU).
BLOCK_TABLES: Mapping[str, tuple[str, ...]] = {
    name: (name, schema.BUREAU_BALANCE) if name == schema.BUREAU else (name,) for name, _ in HISTORY_BLOCKS
}


def client_bucket(ids: object, buckets: int) -> np.ndarray:
    """Bucket of each client id: ``SK_ID_CURR % buckets`` (ids are non-negative)."""
    return np.asarray(ids, dtype=np.int64) % buckets


def restrict(tables: Tables, ids: pd.Index) -> Tables:
    """The child tables cut to the rows of ``ids`` (source order kept); application tables unchanged."""
    wanted = client_index(ids)
    cut: dict[str, pd.DataFrame | None] = {}
    for name in schema.CHILD_TABLES:
        frame = tables.get(name)
        if frame is None or name == schema.BUREAU_BALANCE:
            continue
        cut[name.lower()] = frame[frame[ID_CURR].isin(wanted)]
    balance, bureau = tables.bureau_balance, cut.get(schema.BUREAU.lower())
    if balance is not None:
        known = bureau[ID_BUREAU] if bureau is not None else pd.Series([], dtype=np.int64)
        cut[schema.BUREAU_BALANCE.lower()] = balance[balance[ID_BUREAU].isin(known)]
    return dataclasses.replace(tables, **cut)


def client_history(tables: Tables, ids: pd.Index) -> pd.DataFrame:
    """History features of exactly ``ids``, in that order, from their own rows only."""
    return history_features(restrict(tables, ids), ids=ids)


def bucketed_history(tables: Tables, ids: pd.Index, *, buckets: int) -> pd.DataFrame:
    """`client_history` one bucket at a time: the same frame, with one bucket's intermediates in memory."""
    index = client_index(ids)
    of = client_bucket(index, buckets)
    parts = []
    for bucket in range(buckets):
        parts.append(client_history(tables, index[of == bucket]))
        logger.info("bucket %d/%d: %d clients", bucket + 1, buckets, len(parts[-1]))
    return pd.concat(parts).reindex(index)


def block_columns(name: str) -> pd.Index:
    """Feature columns of one history block (fixed per block: computed on empty tables)."""
    build = dict(HISTORY_BLOCKS)[name]
    empty = {table.lower(): empty_table(table) for table in BLOCK_TABLES[name]}
    apps = empty_table(schema.APPLICATION_TEST)
    return build(Tables(application_train=apps, application_test=apps, **empty)).columns


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


def block_of(name: str, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One history block computed on the given tables' rows (one row per client found in them)."""
    apps = empty_table(schema.APPLICATION_TEST)
    children = {table.lower(): frame for table, frame in frames.items()}
    tables = Tables(application_train=apps, application_test=apps, **children)
    return dict(HISTORY_BLOCKS)[name](tables)

"""Generated tables with planted orphans, for the by-bucket feature builds (in-process and on Spark)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from custom_model import schema
from custom_model.features.assemble import client_index
from custom_model.io import Tables, load_tables
from entry_points.synthetic import generate_tables, write_tables

ID_CURR = schema.ID_CURR
#: Child tables keyed by SK_ID_CURR (the generator's orphans are in bureau_balance only at small scales).
HAS_CLIENT = [n for n in schema.CHILD_TABLES if n != schema.BUREAU_BALANCE]


def history_tables(folder: Path, *, scale: float = 0.002, seed: int = 3) -> Tables:
    """Generated tables read back by the loader (its dtypes), plus orphan rows in every client-keyed table.

    Clients without history come from the generator (at the real rates); bureau_balance has its own orphans.
    """
    write_tables(generate_tables(scale, seed), folder)
    tables = load_tables(folder)
    return dataclasses.replace(
        tables, **{name.lower(): _with_orphans(tables.get(name)) for name in HAS_CLIENT}
    )


def _with_orphans(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its first rows repeated, interleaved, for clients that are in no application table."""
    orphans = frame.iloc[:3].assign(**{ID_CURR: [990_000_001, 990_000_002, 990_000_001]})
    return pd.concat([frame.iloc[:5], orphans, frame.iloc[5:]], ignore_index=True)


def all_clients(tables: Tables) -> pd.Index:
    """Training then production clients, as the training build asks for them."""
    return client_index(pd.concat([tables.application_train[ID_CURR], tables.application_test[ID_CURR]]))


def with_a_shared_credit(tables: Tables) -> Tables:
    """The tables with one bureau credit also listed, first, under three other clients (an SK_ID_BUREAU that
    is not unique): the one-pass build joins its bureau_balance rows to each of them."""
    bureau = tables.bureau
    others = bureau[schema.ID_CURR].drop_duplicates().iloc[1:4].to_numpy()
    credit = int(bureau[schema.ID_BUREAU].iloc[0])
    shared = bureau[bureau[schema.ID_CURR].isin(others)].assign(**{schema.ID_BUREAU: credit})
    return dataclasses.replace(tables, bureau=pd.concat([shared, bureau], ignore_index=True))

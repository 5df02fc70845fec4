"""Small factories: complete, schema-shaped tables built from a few hand-written rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from custom_model import schema

#: Plausible values for one applicant; every other numeric column defaults to 0, text to its first level.
APPLICATION_DEFAULTS: dict[str, Any] = {
    "AMT_INCOME_TOTAL": 100_000.0,
    "AMT_CREDIT": 200_000.0,
    "AMT_ANNUITY": 10_000.0,
    "AMT_GOODS_PRICE": 180_000.0,
    "CNT_FAM_MEMBERS": 2.0,
    "DAYS_BIRTH": -10_000,
    "DAYS_EMPLOYED": -2_000,
    "EXT_SOURCE_1": 0.2,
    "EXT_SOURCE_2": 0.4,
    "EXT_SOURCE_3": 0.6,
    "OWN_CAR_AGE": np.nan,
    "FLAG_DOCUMENT_3": 1,
}


def make_table(
    name: str, rows: Sequence[dict[str, Any]], defaults: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Return a frame with every declared column of ``name`` in file order: ``rows`` first, then defaults."""
    table = schema.table(name)
    defaults = defaults or {}
    data = {}
    for column in table.columns:
        fallback = defaults.get(column.name, column.levels[0] if column.levels else 0)
        values = [row.get(column.name, fallback) for row in rows]
        if column.is_numeric:
            series = pd.Series(values, dtype="float64")
            if column.dtype == "int64" and series.notna().all():
                series = series.astype("int64")
        else:
            series = pd.Series(values, dtype=object)
        data[column.name] = series
    return pd.DataFrame(data)


@pytest.fixture
def table_factory() -> Callable[..., pd.DataFrame]:
    """Build a schema-complete table from a few rows (only the fields under test are written)."""
    return make_table


def make_application(rows: Sequence[dict[str, Any]], *, train: bool = True) -> pd.DataFrame:
    """Return an application table (train with TARGET 0 by default, or test) from a few rows."""
    name = schema.APPLICATION_TRAIN if train else schema.APPLICATION_TEST
    return make_table(name, rows, APPLICATION_DEFAULTS)


@pytest.fixture
def application_factory() -> Callable[..., pd.DataFrame]:
    """Build an application table with plausible defaults from a few rows."""
    return make_application

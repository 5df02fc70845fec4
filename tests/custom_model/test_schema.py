"""The declared schema matches the real files: byte-identical headers, pandas dtypes, category levels."""

from __future__ import annotations

import pandas as pd
import pytest

from custom_model import schema


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_header_is_byte_identical_to_real_sample(samples_dir, name):
    table = schema.table(name)
    header = (samples_dir / table.filename).read_bytes().split(b"\n", 1)[0]
    assert header == ",".join(table.column_names).encode()


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_dtypes_match_real_sample(samples_dir, name):
    table = schema.table(name)
    frame = pd.read_csv(samples_dir / table.filename)
    assert {c: str(d) for c, d in frame.dtypes.items()} == table.dtypes


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_real_categories_are_declared_levels(samples_dir, name):
    table = schema.table(name)
    frame = pd.read_csv(samples_dir / table.filename)
    for col in table.categorical():
        unknown = set(frame[col.name].dropna()) - set(col.levels)
        assert not unknown, f"{name}.{col.name}: undeclared levels {unknown}"


def test_row_counts_and_keys():
    assert schema.table(schema.APPLICATION_TEST).column_names == tuple(
        c for c in schema.table(schema.APPLICATION_TRAIN).column_names if c != schema.TARGET
    )
    assert sum(schema.REAL_ROW_COUNTS.values()) == 58_489_893
    assert schema.CHILD_TABLES == (
        "bureau",
        "bureau_balance",
        "previous_application",
        "POS_CASH_balance",
        "installments_payments",
        "credit_card_balance",
    )
    with pytest.raises(KeyError, match=r"unknown table 'bureau\.csv'"):
        schema.table("bureau.csv")

"""pos_cash_features: hand-computed monthly statistics, status shares and the last-12-months window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.features.pos_cash import pos_cash_features


@pytest.fixture
def pos(table_factory) -> pd.DataFrame:
    """Client 1: loan 10 (months −1, −2; 5 days past due once), loan 11 (month −20); client 2: month −30."""
    return table_factory(
        schema.POS_CASH_BALANCE,
        [
            {"SK_ID_PREV": 10, "SK_ID_CURR": 1, "MONTHS_BALANCE": -1, "SK_DPD": 0, "SK_DPD_DEF": 0,
             "NAME_CONTRACT_STATUS": "Active", "CNT_INSTALMENT": 12.0, "CNT_INSTALMENT_FUTURE": 4.0},
            {"SK_ID_PREV": 10, "SK_ID_CURR": 1, "MONTHS_BALANCE": -2, "SK_DPD": 5, "SK_DPD_DEF": 2,
             "NAME_CONTRACT_STATUS": "Active", "CNT_INSTALMENT": 12.0, "CNT_INSTALMENT_FUTURE": 5.0},
            {"SK_ID_PREV": 11, "SK_ID_CURR": 1, "MONTHS_BALANCE": -20, "SK_DPD": 0, "SK_DPD_DEF": 0,
             "NAME_CONTRACT_STATUS": "Completed", "CNT_INSTALMENT": 6.0, "CNT_INSTALMENT_FUTURE": 0.0},
            {"SK_ID_PREV": 20, "SK_ID_CURR": 2, "MONTHS_BALANCE": -30, "SK_DPD": 0, "SK_DPD_DEF": 0,
             "NAME_CONTRACT_STATUS": None},
        ],
    )  # fmt: skip


def test_client_statistics(pos):
    one = pos_cash_features(pos).loc[1]
    assert (one["POS_COUNT"], one["POS_LOAN_COUNT"]) == (3.0, 2.0)
    assert one["POS_MONTHS_BALANCE_MEAN"] == pytest.approx(-23 / 3)
    assert (one["POS_MONTHS_BALANCE_MIN"], one["POS_MONTHS_BALANCE_MAX"]) == (-20.0, -1.0)
    assert (one["POS_SK_DPD_MAX"], one["POS_SK_DPD_MEAN"]) == (5.0, pytest.approx(5 / 3))
    assert one["POS_SK_DPD_DEF_MEAN"] == pytest.approx(2 / 3)
    assert one["POS_DPD_POSITIVE_MEAN"] == pytest.approx(1 / 3)
    assert one["POS_CNT_INSTALMENT_FUTURE_MIN"] == 0.0
    assert one["POS_NAME_CONTRACT_STATUS_Active_MEAN"] == pytest.approx(2 / 3)
    assert one["POS_NAME_CONTRACT_STATUS_Completed_MEAN"] == pytest.approx(1 / 3)
    assert one["POS_NAME_CONTRACT_STATUS_nan_MEAN"] == 0.0


def test_last_12_months_window(pos):
    out = pos_cash_features(pos)
    assert out.loc[1, "POS_LAST12M_COUNT"] == 2.0
    assert out.loc[1, "POS_LAST12M_SK_DPD_MEAN"] == 2.5
    # client 2 has history but nothing recent: count 0 (the truth), statistics missing
    assert out.loc[2, "POS_LAST12M_COUNT"] == 0.0
    assert np.isnan(out.loc[2, "POS_LAST12M_SK_DPD_MAX"])
    assert out.loc[2, "POS_NAME_CONTRACT_STATUS_nan_MEAN"] == 1.0


def test_columns_stable_on_empty_input(pos, table_factory):
    empty = pos_cash_features(table_factory(schema.POS_CASH_BALANCE, []))
    assert list(empty.columns) == list(pos_cash_features(pos).columns)

"""bureau_features: hand-computed statistics per client, status shares per credit then per client, splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.errors import SchemaError
from custom_model.features.bureau import balance_per_credit, bureau_features


@pytest.fixture
def bureau(table_factory) -> pd.DataFrame:
    """Client 1: an active and a closed credit; client 2: one active credit with no limit reported."""
    return table_factory(
        schema.BUREAU,
        [
            {"SK_ID_CURR": 1, "SK_ID_BUREAU": 11, "CREDIT_ACTIVE": "Active", "DAYS_CREDIT": -100,
             "AMT_CREDIT_SUM": 1000.0, "AMT_CREDIT_SUM_DEBT": 500.0, "AMT_CREDIT_SUM_LIMIT": 10.0},
            {"SK_ID_CURR": 1, "SK_ID_BUREAU": 12, "CREDIT_ACTIVE": "Closed", "DAYS_CREDIT": -300,
             "AMT_CREDIT_SUM": 3000.0, "AMT_CREDIT_SUM_DEBT": 0.0, "AMT_CREDIT_SUM_LIMIT": np.nan,
             "CREDIT_TYPE": "Car loan"},
            {"SK_ID_CURR": 2, "SK_ID_BUREAU": 21, "CREDIT_ACTIVE": "Active", "DAYS_CREDIT": -50,
             "AMT_CREDIT_SUM": 0.0, "AMT_CREDIT_SUM_DEBT": 0.0, "AMT_CREDIT_SUM_LIMIT": np.nan,
             "CREDIT_TYPE": "a type nobody declared"},
        ],
    )  # fmt: skip


@pytest.fixture
def balance(table_factory) -> pd.DataFrame:
    """Credit 11: months 0/-1/-2 in status 0/1/C; credit 12: none; credit 21: two months X; 99: orphan."""
    return table_factory(
        schema.BUREAU_BALANCE,
        [
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": 0, "STATUS": "0"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -1, "STATUS": "1"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -2, "STATUS": "C"},
            {"SK_ID_BUREAU": 21, "MONTHS_BALANCE": 0, "STATUS": "X"},
            {"SK_ID_BUREAU": 21, "MONTHS_BALANCE": -1, "STATUS": "X"},
            {"SK_ID_BUREAU": 99, "MONTHS_BALANCE": 0, "STATUS": "5"},
        ],
    )


def test_balance_summary_per_credit(balance):
    per_credit = balance_per_credit(balance)
    assert per_credit.loc[
        11, ["MONTHS_BALANCE_MIN", "MONTHS_BALANCE_MAX", "MONTHS_BALANCE_SIZE"]
    ].tolist() == [
        -2.0,
        0.0,
        3.0,
    ]
    assert per_credit.loc[11, "STATUS_0_MEAN"] == pytest.approx(1 / 3)
    assert per_credit.loc[11, "STATUS_1_MEAN"] == pytest.approx(1 / 3)
    assert per_credit.loc[11, "STATUS_C_MEAN"] == pytest.approx(1 / 3)
    assert per_credit.loc[11, "STATUS_LATE_MEAN"] == pytest.approx(1 / 3)
    assert per_credit.loc[21, "STATUS_X_MEAN"] == 1.0
    assert per_credit.loc[21, "STATUS_LATE_MEAN"] == 0.0


def test_client_statistics_are_hand_computed(bureau, balance):
    out = bureau_features(bureau, balance)
    assert out.index.tolist() == [1, 2]
    one = out.loc[1]
    assert one["BURO_COUNT"] == 2.0
    assert one["BURO_DAYS_CREDIT_MEAN"] == -200.0
    assert one["BURO_DAYS_CREDIT_VAR"] == pytest.approx(20_000.0)  # (100² + 100²) / (2 − 1)
    assert one["BURO_AMT_CREDIT_SUM_SUM"] == 4000.0
    assert one["BURO_DEBT_CREDIT_RATIO"] == pytest.approx(0.125)
    assert one["BURO_CREDIT_ACTIVE_Active_MEAN"] == 0.5
    assert one["BURO_CREDIT_TYPE_Car loan_MEAN"] == 0.5
    # credit 12 has no monthly history: the client's share averages credit 11 only.
    assert one["BURO_STATUS_1_MEAN_MEAN"] == pytest.approx(1 / 3)
    assert one["BURO_MONTHS_BALANCE_SIZE_SUM"] == 3.0
    assert one["BURO_MONTHS_BALANCE_MIN_MIN"] == -2.0
    assert one["ACTIVE_COUNT"] == 1.0 and one["ACTIVE_DAYS_CREDIT_MEAN"] == -100.0
    assert one["CLOSED_COUNT"] == 1.0 and one["CLOSED_DAYS_CREDIT_MEAN"] == -300.0
    assert one["ACTIVE_DEBT_CREDIT_RATIO"] == 0.5
    assert "ACTIVE_DAYS_ENDDATE_FACT_MEAN" not in out.columns  # always missing for an active credit
    assert "CLOSED_DAYS_ENDDATE_FACT_MEAN" in out.columns


def test_single_credit_zero_total_and_no_closed_credit_give_missing(bureau, balance):
    two = bureau_features(bureau, balance).loc[2]
    assert np.isnan(two["BURO_DAYS_CREDIT_VAR"])  # one credit: variance undefined
    assert np.isnan(two["BURO_DEBT_CREDIT_RATIO"])  # 0 / 0
    assert np.isnan(two["BURO_AMT_CREDIT_SUM_LIMIT_SUM"])  # nothing reported is not 0
    assert two["CLOSED_COUNT"] == 0.0  # the truth: no closed credit
    assert np.isnan(two["CLOSED_DAYS_CREDIT_MEAN"])
    assert two["BURO_CREDIT_TYPE_nan_MEAN"] == 1.0  # undeclared level counted as missing/other
    assert two["BURO_STATUS_X_MEAN_MEAN"] == 1.0


def test_columns_are_stable_and_balance_is_optional(bureau, balance, table_factory):
    full = bureau_features(bureau, balance)
    empty = bureau_features(table_factory(schema.BUREAU, []), table_factory(schema.BUREAU_BALANCE, []))
    assert list(empty.columns) == list(full.columns) and empty.empty
    without = bureau_features(bureau)
    assert not any("STATUS_" in c or "MONTHS_BALANCE" in c for c in without.columns)
    assert set(without.columns) < set(full.columns)
    assert not np.isinf(full.to_numpy()).any()


def test_missing_column_is_named(bureau):
    with pytest.raises(SchemaError, match=r"bureau\.csv.*DAYS_CREDIT_UPDATE"):
        bureau_features(bureau.drop(columns=["DAYS_CREDIT_UPDATE"]))


def test_categorical_input_gives_the_same_values(bureau, balance):
    as_category = bureau.astype({"CREDIT_ACTIVE": "category", "CREDIT_TYPE": "category"})
    status = balance.astype({"STATUS": pd.CategoricalDtype(["C", "0", "X", "1", "5", "2", "3", "4"])})
    pd.testing.assert_frame_equal(bureau_features(as_category, status), bureau_features(bureau, balance))


def test_months_since_the_last_late_month_and_late_share_extremes(bureau, balance, table_factory):
    per_credit = balance_per_credit(balance)
    assert per_credit.loc[11, "MONTHS_SINCE_LATE"] == 1.0  # status 1 one month before the application
    assert np.isnan(per_credit.loc[21, "MONTHS_SINCE_LATE"])  # never late
    assert per_credit.loc[99, "MONTHS_SINCE_LATE"] == 0.0
    one, two = bureau_features(bureau, balance).loc[1], bureau_features(bureau, balance).loc[2]
    assert one["BURO_MONTHS_SINCE_LATE_MIN"] == 1.0
    assert one["ACTIVE_MONTHS_SINCE_LATE_MIN"] == 1.0 and np.isnan(one["CLOSED_MONTHS_SINCE_LATE_MIN"])
    # credit 11 late 1/3 of its months, credit 12 has no monthly history
    assert (one["BURO_STATUS_LATE_MEAN_MIN"], one["BURO_STATUS_LATE_MEAN_MAX"]) == pytest.approx(
        (1 / 3, 1 / 3)
    )
    assert (two["BURO_STATUS_LATE_MEAN_MAX"], np.isnan(two["BURO_MONTHS_SINCE_LATE_MIN"])) == (0.0, True)
    # two late months: the most recent counts
    later = table_factory(
        schema.BUREAU_BALANCE,
        [
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -7, "STATUS": "3"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -4, "STATUS": "2"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -1, "STATUS": "0"},
        ],
    )
    assert balance_per_credit(later).loc[11, "MONTHS_SINCE_LATE"] == 4.0

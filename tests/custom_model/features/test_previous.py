"""previous_features: hand-computed PREV_/APPROVED_/REFUSED_ statistics, cleaned 365243 dates, windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.features.previous import previous_features

S = schema.DAYS_SENTINEL
NO_DATES = dict.fromkeys(
    (
        "DAYS_FIRST_DRAWING",
        "DAYS_FIRST_DUE",
        "DAYS_LAST_DUE_1ST_VERSION",
        "DAYS_LAST_DUE",
        "DAYS_TERMINATION",
    ),
    np.nan,
)


@pytest.fixture
def prev(table_factory) -> pd.DataFrame:
    """Client 1: approved (sentinel dates), refused (credit 0), approved, canceled; client 2: one canceled."""
    return table_factory(
        schema.PREVIOUS_APPLICATION,
        [
            {"SK_ID_PREV": 101, "SK_ID_CURR": 1, "NAME_CONTRACT_STATUS": "Approved", "DAYS_DECISION": -100,
             "AMT_APPLICATION": 900.0, "AMT_CREDIT": 1000.0, "AMT_ANNUITY": 100.0, "CNT_PAYMENT": 12.0,
             "DAYS_FIRST_DRAWING": S, "DAYS_FIRST_DUE": -400.0, "DAYS_LAST_DUE_1ST_VERSION": -40.0,
             "DAYS_LAST_DUE": S, "DAYS_TERMINATION": -50.0},
            {"SK_ID_PREV": 102, "SK_ID_CURR": 1, "NAME_CONTRACT_STATUS": "Refused", "DAYS_DECISION": -200,
             "AMT_APPLICATION": 500.0, "AMT_CREDIT": 0.0, "AMT_ANNUITY": np.nan, "CNT_PAYMENT": np.nan,
             **NO_DATES},
            {"SK_ID_PREV": 103, "SK_ID_CURR": 1, "NAME_CONTRACT_STATUS": "Approved", "DAYS_DECISION": -300,
             "AMT_APPLICATION": 2000.0, "AMT_CREDIT": 2000.0, "AMT_ANNUITY": 200.0, "CNT_PAYMENT": 12.0,
             "DAYS_FIRST_DRAWING": -900.0, "DAYS_FIRST_DUE": -860.0, "DAYS_LAST_DUE_1ST_VERSION": -500.0,
             "DAYS_LAST_DUE": -500.0, "DAYS_TERMINATION": -490.0},
            {"SK_ID_PREV": 104, "SK_ID_CURR": 1, "NAME_CONTRACT_STATUS": "Canceled", "DAYS_DECISION": -400,
             "AMT_APPLICATION": 100.0, "AMT_CREDIT": 100.0, "AMT_ANNUITY": np.nan, "CNT_PAYMENT": np.nan,
             **NO_DATES},
            {"SK_ID_PREV": 201, "SK_ID_CURR": 2, "NAME_CONTRACT_STATUS": "Canceled", "DAYS_DECISION": -10,
             "AMT_APPLICATION": 0.0, "AMT_CREDIT": 0.0, **NO_DATES},
        ],
    )  # fmt: skip


def test_all_applications_statistics(prev):
    one = previous_features(prev).loc[1]
    assert (one["PREV_COUNT"], one["APPROVED_COUNT"], one["REFUSED_COUNT"]) == (4.0, 2.0, 1.0)
    # asked / granted = 0.9, NaN (granted 0), 1.0, 1.0
    assert one["PREV_APP_CREDIT_PERC_MEAN"] == pytest.approx(2.9 / 3)
    assert one["PREV_APP_CREDIT_PERC_MIN"] == pytest.approx(0.9)
    assert one["PREV_APP_CREDIT_PERC_VAR"] == pytest.approx(0.02 / 3 / 2)
    assert one["PREV_AMT_CREDIT_MEAN"] == pytest.approx(3100 / 4)
    assert one["PREV_CNT_PAYMENT_SUM"] == 24.0
    assert one["PREV_NAME_CONTRACT_STATUS_Approved_MEAN"] == 0.5
    assert one["PREV_NAME_CONTRACT_STATUS_Refused_MEAN"] == 0.25


def test_sentinel_dates_are_missing_and_aggregated(prev):
    one = previous_features(prev).loc[1]
    assert one["PREV_DAYS_LAST_DUE_MEAN"] == -500.0  # 365243 dropped, only application 103 left
    assert one["PREV_DAYS_LAST_DUE_MAX"] == -500.0
    assert (one["PREV_DAYS_FIRST_DRAWING_MIN"], one["PREV_DAYS_FIRST_DRAWING_MAX"]) == (-900.0, -900.0)
    assert one["PREV_DAYS_TERMINATION_MEAN"] == pytest.approx(-270.0)
    assert one["APPROVED_DAYS_TERMINATION_MAX"] == -50.0
    # shift = first planned last due − actual last due: 103 → 0; 101 → unknown (sentinel)
    assert one["PREV_DAYS_LAST_DUE_SHIFT_MEAN"] == 0.0


def test_approved_refused_splits_and_interest(prev):
    out = previous_features(prev)
    one = out.loc[1]
    assert one["APPROVED_AMT_CREDIT_MEAN"] == 1500.0
    assert one["REFUSED_AMT_CREDIT_MEAN"] == 0.0
    assert np.isnan(one["REFUSED_APP_CREDIT_PERC_MEAN"])  # 500 / 0 is not inf
    # 100 × 12 / 1000 − 1 = 0.2 and 200 × 12 / 2000 − 1 = 0.2
    assert one["APPROVED_SIMPLE_INTEREST_MEAN"] == pytest.approx(0.2)
    assert "REFUSED_DAYS_LAST_DUE_MEAN" not in out.columns  # refused applications never have these dates
    two = out.loc[2]
    assert two["APPROVED_COUNT"] == 0.0 and np.isnan(two["APPROVED_AMT_CREDIT_MEAN"])
    assert not np.isinf(out.to_numpy()).any()


def test_last_applications_by_decision_date(prev):
    shuffled = prev.sample(frac=1.0, random_state=3)
    one = previous_features(shuffled).loc[1]
    # last 3 = decisions −100, −200, −300 (101, 102, 103); last 5 = all four
    assert one["PREV_LAST3_AMT_CREDIT_MEAN"] == pytest.approx(1000.0)
    assert one["PREV_LAST3_IS_REFUSED_MEAN"] == pytest.approx(1 / 3)
    assert one["PREV_LAST3_DAYS_DECISION_MIN"] == -300.0
    assert one["PREV_LAST5_AMT_CREDIT_MEAN"] == pytest.approx(775.0)
    assert one["PREV_LAST5_IS_APPROVED_MEAN"] == 0.5


def test_columns_stable_on_empty_input(prev, table_factory):
    empty = previous_features(table_factory(schema.PREVIOUS_APPLICATION, []))
    assert list(empty.columns) == list(previous_features(prev).columns)

"""credit_card_features: hand-computed statistics, utilisation with a zero limit, status shares, window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.features.credit_card import NUMERIC_COLUMNS, credit_card_features


@pytest.fixture
def cc(table_factory) -> pd.DataFrame:
    """Client 1, card 10: months −1, −2 (active), −15 (completed, zero limit)."""
    return table_factory(
        schema.CREDIT_CARD_BALANCE,
        [
            {"SK_ID_PREV": 10, "SK_ID_CURR": 1, "MONTHS_BALANCE": -1, "AMT_BALANCE": 500.0,
             "AMT_CREDIT_LIMIT_ACTUAL": 1000, "SK_DPD": 0, "AMT_PAYMENT_CURRENT": 100.0,
             "AMT_INST_MIN_REGULARITY": 50.0, "NAME_CONTRACT_STATUS": "Active"},
            {"SK_ID_PREV": 10, "SK_ID_CURR": 1, "MONTHS_BALANCE": -2, "AMT_BALANCE": 1000.0,
             "AMT_CREDIT_LIMIT_ACTUAL": 1000, "SK_DPD": 3, "AMT_PAYMENT_CURRENT": 0.0,
             "AMT_INST_MIN_REGULARITY": 0.0, "NAME_CONTRACT_STATUS": "Active"},
            {"SK_ID_PREV": 10, "SK_ID_CURR": 1, "MONTHS_BALANCE": -15, "AMT_BALANCE": 0.0,
             "AMT_CREDIT_LIMIT_ACTUAL": 0, "SK_DPD": 0, "AMT_PAYMENT_CURRENT": 50.0,
             "AMT_INST_MIN_REGULARITY": 25.0, "NAME_CONTRACT_STATUS": "Completed"},
        ],
    )  # fmt: skip


def test_kernel_statistics_of_every_numeric_column(cc):
    out = credit_card_features(cc)
    for column in NUMERIC_COLUMNS:
        for stat in ("MIN", "MAX", "MEAN", "SUM", "VAR"):
            assert f"CC_{column}_{stat}" in out.columns
    one = out.loc[1]
    assert (one["CC_COUNT"], one["CC_CARD_COUNT"]) == (3.0, 1.0)
    assert (one["CC_AMT_BALANCE_SUM"], one["CC_AMT_BALANCE_VAR"]) == (1500.0, 250_000.0)
    assert (one["CC_SK_DPD_MEAN"], one["CC_SK_DPD_VAR"]) == (1.0, 3.0)
    assert one["CC_NAME_CONTRACT_STATUS_Active_MEAN"] == pytest.approx(2 / 3)


def test_ratios_ignore_zero_denominators(cc):
    one = credit_card_features(cc).loc[1]
    # utilisation 0.5, 1.0, and 0 / 0 → missing
    assert (one["CC_UTILIZATION_MEAN"], one["CC_UTILIZATION_MAX"]) == (0.75, 1.0)
    # payment / minimum 2.0, missing (0 / 0), 2.0
    assert one["CC_PAYMENT_MIN_RATIO_MEAN"] == 2.0


def test_last_12_months_window(cc):
    one = credit_card_features(cc).loc[1]
    assert one["CC_LAST12M_COUNT"] == 2.0
    assert one["CC_LAST12M_AMT_BALANCE_MEAN"] == 750.0
    assert one["CC_LAST12M_SK_DPD_MAX"] == 3.0


def test_no_inf_and_stable_columns(cc, table_factory):
    out = credit_card_features(cc)
    assert not np.isinf(out.to_numpy()).any()
    empty = credit_card_features(table_factory(schema.CREDIT_CARD_BALANCE, []))
    assert list(empty.columns) == list(out.columns)

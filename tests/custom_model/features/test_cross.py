"""cross_features: history amounts over the applicant's income, credit and annuity, hand-computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model.features.cross import CROSS_RATIOS, cross_features, with_cross_features


def _frame(**columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.Index([1, 2], name="SK_ID_CURR"))


def test_ratios_are_history_over_the_application() -> None:
    frame = _frame(
        AMT_INCOME_TOTAL=[100_000.0, 0.0],
        AMT_CREDIT=[200_000.0, 50_000.0],
        AMT_ANNUITY=[10_000.0, np.nan],
        BURO_AMT_CREDIT_SUM_DEBT_SUM=[50_000.0, 1_000.0],
        ACTIVE_AMT_CREDIT_SUM_DEBT_SUM=[25_000.0, np.nan],
        INSTAL_AMT_INSTALMENT_MEAN=[2_500.0, 300.0],
    )
    out = cross_features(frame)
    assert out.loc[1, "BURO_DEBT_TO_INCOME"] == 0.5
    assert out.loc[1, "ACTIVE_DEBT_TO_CREDIT"] == 0.125
    assert out.loc[1, "INSTAL_INSTALMENT_TO_ANNUITY"] == 0.25
    assert np.isnan(out.loc[2, "BURO_DEBT_TO_INCOME"])  # income 0: no ±inf
    assert np.isnan(out.loc[2, "ACTIVE_DEBT_TO_INCOME"])  # no active debt reported
    assert np.isnan(out.loc[2, "INSTAL_INSTALMENT_TO_ANNUITY"])  # annuity unknown
    # a history table not provided: its ratios are not made at all (a stable set per source)
    assert list(out.columns) == [
        "BURO_DEBT_TO_INCOME",
        "ACTIVE_DEBT_TO_INCOME",
        "ACTIVE_DEBT_TO_CREDIT",
        "INSTAL_INSTALMENT_TO_ANNUITY",
    ]


def test_history_is_divided_as_the_float32_snapshot_stores_it() -> None:
    debt = 123_456.789  # not exact in float32
    frame = _frame(AMT_INCOME_TOTAL=[3.0, 3.0], BURO_AMT_CREDIT_SUM_DEBT_SUM=[debt, debt])
    served = frame.astype({"BURO_AMT_CREDIT_SUM_DEBT_SUM": np.float32})
    assert cross_features(frame).equals(cross_features(served))
    assert cross_features(frame).loc[1, "BURO_DEBT_TO_INCOME"] == pytest.approx(debt / 3, rel=1e-7)


def test_appended_after_every_column_and_every_ratio_is_declared() -> None:
    frame = _frame(AMT_INCOME_TOTAL=[1.0, 2.0], CC_AMT_BALANCE_MEAN=[4.0, 4.0])
    out = with_cross_features(frame)
    assert list(out.columns) == [*frame.columns, "CC_BALANCE_TO_INCOME"]
    assert out["CC_BALANCE_TO_INCOME"].tolist() == [4.0, 2.0]
    assert len(set(CROSS_RATIOS)) == len(CROSS_RATIOS)

"""installments_features: split payments, unpaid instalments (late, not on time), zero instalments, window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.features.installments import installments_features, instalment_rows


def payment(
    number: int, due: float, paid_on: float, amount: float, paid: float, version: float = 1.0
) -> dict:
    """One payment event of client 1's loan 10."""
    return {
        "SK_ID_PREV": 10,
        "SK_ID_CURR": 1,
        "NUM_INSTALMENT_VERSION": version,
        "NUM_INSTALMENT_NUMBER": number,
        "DAYS_INSTALMENT": due,
        "DAYS_ENTRY_PAYMENT": paid_on,
        "AMT_INSTALMENT": amount,
        "AMT_PAYMENT": paid,
    }


@pytest.fixture
def inst(table_factory) -> pd.DataFrame:
    """#1 paid early in two parts, #2 paid 10 days late, #3 unpaid, #4 (version 2) an instalment of 0."""
    return table_factory(
        schema.INSTALLMENTS_PAYMENTS,
        [
            payment(1, due=-100.0, paid_on=-105.0, amount=100.0, paid=40.0),
            payment(1, due=-100.0, paid_on=-102.0, amount=100.0, paid=60.0),
            payment(2, due=-70.0, paid_on=-60.0, amount=100.0, paid=100.0),
            payment(3, due=-40.0, paid_on=np.nan, amount=100.0, paid=np.nan),
            payment(4, due=-500.0, paid_on=-500.0, amount=0.0, paid=0.0, version=2.0),
        ],
    )


def test_split_payments_are_one_instalment(inst):
    rows = instalment_rows(inst).set_index("NUM_INSTALMENT_NUMBER")
    assert len(rows) == 4
    first = rows.loc[1]
    assert (first["AMT_PAYMENT"], first["DAYS_ENTRY_PAYMENT"], first["PAYMENT_EVENTS"]) == (
        100.0,
        -102.0,
        2.0,
    )
    assert (first["DPD"], first["DBD"], first["PAYMENT_PERC"], first["PAYMENT_DIFF"]) == (0.0, 2.0, 1.0, 0.0)


def test_unpaid_instalment_is_late_and_unpaid_not_on_time(inst):
    unpaid = instalment_rows(inst).set_index("NUM_INSTALMENT_NUMBER").loc[3]
    assert unpaid["UNPAID"] == 1.0
    assert unpaid["DPD"] == 40.0  # due 40 days before the application, still unpaid (kernel: 0, "on time")
    assert unpaid["DBD"] == 0.0 and unpaid["LATE"] == 1.0
    assert (unpaid["AMT_PAYMENT"], unpaid["PAYMENT_PERC"], unpaid["PAYMENT_DIFF"]) == (0.0, 0.0, 100.0)


def test_client_statistics(inst):
    one = installments_features(inst).loc[1]
    assert (one["INSTAL_COUNT"], one["INSTAL_PAYMENT_EVENTS_SUM"], one["INSTAL_UNPAID_SUM"]) == (
        4.0,
        5.0,
        1.0,
    )
    assert one["INSTAL_NUM_INSTALMENT_VERSION_NUNIQUE"] == 2.0
    # DPD per instalment 0, 10, 40, 0; DBD 2, 0, 0, 0
    assert (one["INSTAL_DPD_MAX"], one["INSTAL_DPD_MEAN"], one["INSTAL_DPD_SUM"]) == (40.0, 12.5, 50.0)
    assert (one["INSTAL_DBD_SUM"], one["INSTAL_DBD_MEAN"]) == (2.0, 0.5)
    assert one["INSTAL_LATE_MEAN"] == 0.5
    # PAYMENT_PERC 1, 1, 0, NaN (instalment of 0: no inf)
    assert one["INSTAL_PAYMENT_PERC_MEAN"] == pytest.approx(2 / 3)
    assert one["INSTAL_PAYMENT_PERC_MAX"] == 1.0
    assert (one["INSTAL_PAYMENT_DIFF_SUM"], one["INSTAL_PAYMENT_DIFF_MEAN"]) == (100.0, 25.0)
    assert (one["INSTAL_AMT_PAYMENT_SUM"], one["INSTAL_AMT_PAYMENT_MIN"]) == (200.0, 0.0)
    assert one["INSTAL_AMT_INSTALMENT_SUM"] == 300.0
    assert one["INSTAL_DAYS_ENTRY_PAYMENT_MAX"] == -60.0
    assert one["INSTAL_DAYS_ENTRY_PAYMENT_MEAN"] == pytest.approx(-662 / 3)


def test_last_365_days_window(inst):
    one = installments_features(inst).loc[1]
    assert one["INSTAL_LAST365D_COUNT"] == 3.0  # the −500 instalment is out
    assert one["INSTAL_LAST365D_DPD_MEAN"] == pytest.approx(50 / 3)
    assert one["INSTAL_LAST365D_LATE_MEAN"] == pytest.approx(2 / 3)
    assert one["INSTAL_LAST365D_UNPAID_SUM"] == 1.0


def test_no_inf_and_stable_columns(inst, table_factory):
    out = installments_features(inst)
    assert not np.isinf(out.to_numpy()).any()
    empty = installments_features(table_factory(schema.INSTALLMENTS_PAYMENTS, []))
    assert list(empty.columns) == list(out.columns)


def test_late_over_thresholds_and_underpaid_shares(inst):
    # days late per instalment 0, 10, 40, 0; share paid 1, 1, 0, missing (instalment of 0)
    one = installments_features(inst).loc[1]
    assert one["INSTAL_LATE_5_MEAN"] == 0.5
    assert one["INSTAL_LATE_30_MEAN"] == 0.25
    assert one["INSTAL_UNDERPAID_MEAN"] == pytest.approx(1 / 3)  # the unpaid one, of three with an amount due


def test_trends_are_least_squares_slopes_per_year(inst, table_factory):
    one = installments_features(inst).loc[1]
    # due days −100, −70, −40, −500 → mean −177.5; days late 0, 10, 40, 0 → mean 12.5
    # Σ dx·dy = 77.5·(−12.5) + 107.5·(−2.5) + 137.5·27.5 + (−322.5)·(−12.5) = 6575; Σ dx² = 140475
    assert one["INSTAL_DPD_TREND"] == pytest.approx(6575 / 140475 * 365)
    # share paid 1, 1, 0 at −100, −70, −40 (the instalment of 0 has none): slope −1/60 per day
    assert one["INSTAL_PAYMENT_PERC_TREND"] == pytest.approx(-365 / 60)
    single = installments_features(table_factory(schema.INSTALLMENTS_PAYMENTS, [payment(1, -10, -9, 5, 5)]))
    assert np.isnan(single.loc[1, "INSTAL_DPD_TREND"])  # one point has no slope


def test_last_ten_instalments_window(table_factory):
    # 12 monthly instalments; only the two oldest were paid late (by 20 days)
    rows = [
        payment(k, due=-30.0 * k, paid_on=-30.0 * k + (20 if k > 10 else -1), amount=50.0, paid=50.0)
        for k in range(1, 13)
    ]
    one = installments_features(table_factory(schema.INSTALLMENTS_PAYMENTS, rows)).loc[1]
    assert one["INSTAL_LAST10_COUNT"] == 10.0
    assert (one["INSTAL_LAST10_LATE_MEAN"], one["INSTAL_LAST10_DPD_MAX"]) == (0.0, 0.0)
    assert one["INSTAL_LATE_MEAN"] == pytest.approx(2 / 12)
    assert one["INSTAL_DPD_TREND"] < 0  # later payments are the old ones: paying earlier lately

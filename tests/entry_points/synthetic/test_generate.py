"""Synthetic generator (entry_points/synthetic/generate.py and the table modules): key structure, row counts
and parameters, real-data rules."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from entry_points import synthetic
from entry_points.synthetic.shares import BUILDING_NAN, BUREAU_WITH_BALANCE, EXT_SOURCE_NAN


def _t(data: synthetic.SyntheticData, name: str) -> pd.DataFrame:
    return data.tables[name]


def _all_ids(data: synthetic.SyntheticData) -> np.ndarray:
    return np.concatenate(
        [
            _t(data, schema.APPLICATION_TRAIN)[schema.ID_CURR],
            _t(data, schema.APPLICATION_TEST)[schema.ID_CURR],
        ]
    )


# --- key structure --------------------------------------------------------------------------------
def test_train_and_test_share_one_interleaved_id_space(data: synthetic.SyntheticData) -> None:
    train = _t(data, schema.APPLICATION_TRAIN)[schema.ID_CURR]
    test = _t(data, schema.APPLICATION_TEST)[schema.ID_CURR]
    ids = _all_ids(data)
    assert len(np.unique(ids)) == len(ids)
    assert 100_001 <= ids.min() < 100_001 + 1_000
    assert train.is_monotonic_increasing and test.is_monotonic_increasing
    assert test.min() < train.median() < test.max()


@pytest.mark.parametrize("name", [n for n in schema.CHILD_TABLES if n != schema.BUREAU_BALANCE])
def test_every_child_client_is_an_application_client(data: synthetic.SyntheticData, name: str) -> None:
    assert _t(data, name)[schema.ID_CURR].isin(_all_ids(data)).all()


def test_parent_ids_are_unique(data: synthetic.SyntheticData) -> None:
    assert _t(data, schema.BUREAU)[schema.ID_BUREAU].is_unique
    assert _t(data, schema.PREVIOUS_APPLICATION)[schema.ID_PREV].is_unique


@pytest.mark.parametrize(
    ("name", "key"),
    [
        (schema.BUREAU_BALANCE, [schema.ID_BUREAU, "MONTHS_BALANCE"]),
        (schema.POS_CASH_BALANCE, [schema.ID_PREV, "MONTHS_BALANCE"]),
        (schema.CREDIT_CARD_BALANCE, [schema.ID_PREV, "MONTHS_BALANCE"]),
    ],
)
def test_monthly_keys_are_unique_and_months_are_past(
    data: synthetic.SyntheticData, name: str, key: list[str]
) -> None:
    frame = _t(data, name)
    assert not frame.duplicated(key).any()
    assert frame["MONTHS_BALANCE"].between(-97, 0).all()


@pytest.mark.parametrize(
    ("name", "parent", "parent_key", "low", "high"),
    [
        (schema.BUREAU_BALANCE, schema.BUREAU, schema.ID_BUREAU, 0.03, 0.08),
        (schema.POS_CASH_BALANCE, schema.PREVIOUS_APPLICATION, schema.ID_PREV, 0.02, 0.06),
        (schema.INSTALLMENTS_PAYMENTS, schema.PREVIOUS_APPLICATION, schema.ID_PREV, 0.02, 0.06),
        (schema.CREDIT_CARD_BALANCE, schema.PREVIOUS_APPLICATION, schema.ID_PREV, 0.07, 0.15),
    ],
)
def test_orphan_rates_are_those_of_the_real_data(
    data: synthetic.SyntheticData, name: str, parent: str, parent_key: str, low: float, high: float
) -> None:
    keys = _t(data, name)[parent_key].unique()
    orphan_share = 1 - np.isin(keys, _t(data, parent)[parent_key]).mean()
    assert low <= orphan_share <= high


def test_share_of_bureau_credits_with_a_monthly_history(data: synthetic.SyntheticData) -> None:
    bureau_ids = _t(data, schema.BUREAU)[schema.ID_BUREAU]
    share = bureau_ids.isin(_t(data, schema.BUREAU_BALANCE)[schema.ID_BUREAU]).mean()
    assert share == pytest.approx(BUREAU_WITH_BALANCE, abs=0.03)


@pytest.mark.parametrize(
    ("name", "expected", "tolerance"),
    [
        (schema.BUREAU, 0.142, 0.03),
        (schema.PREVIOUS_APPLICATION, 0.049, 0.02),
        (schema.POS_CASH_BALANCE, 0.065, 0.035),
        (schema.INSTALLMENTS_PAYMENTS, 0.05, 0.025),
        (schema.CREDIT_CARD_BALANCE, 0.71, 0.04),
    ],
)
def test_share_of_clients_without_history(
    data: synthetic.SyntheticData, name: str, expected: float, tolerance: float
) -> None:
    ids = _all_ids(data)
    without = 1 - np.isin(ids, _t(data, name)[schema.ID_CURR]).mean()
    assert without == pytest.approx(expected, abs=tolerance)


@pytest.mark.parametrize("name", [schema.BUREAU, schema.PREVIOUS_APPLICATION, schema.INSTALLMENTS_PAYMENTS])
def test_rows_per_client_are_right_skewed(data: synthetic.SyntheticData, name: str) -> None:
    per_client = _t(data, name)[schema.ID_CURR].value_counts()
    assert per_client.mean() > per_client.median()
    assert per_client.quantile(0.95) > 2 * per_client.median()


def test_split_payments_sum_to_the_instalment(data: synthetic.SyntheticData) -> None:
    inst = _t(data, schema.INSTALLMENTS_PAYMENTS)
    key = [schema.ID_PREV, "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]
    shared = inst.duplicated(key, keep=False)
    assert 0.05 <= shared.mean() <= 0.14
    groups = (
        inst[shared]
        .groupby(key)
        .agg(lo=("AMT_INSTALMENT", "min"), hi=("AMT_INSTALMENT", "max"), paid=("AMT_PAYMENT", "sum"))
    )
    assert (groups["lo"] == groups["hi"]).all()
    assert np.isclose(groups["paid"], groups["lo"], rtol=1e-9, atol=0.01).mean() > 0.85
    # Re-versioned schedules: the same instalment number under two versions.
    versions = inst.drop_duplicates(key).groupby([schema.ID_PREV, "NUM_INSTALMENT_NUMBER"]).size()
    assert (versions > 1).mean() > 0.02


# --- row counts and parameters --------------------------------------------------------------------
def test_scale_one_targets_the_real_row_counts() -> None:
    assert synthetic.target_row_counts(1.0) == schema.REAL_ROW_COUNTS


@pytest.mark.parametrize("scale", [0.002, 0.004])
def test_row_counts_scale_linearly(scale: float) -> None:
    generated = synthetic.generate_tables(scale, 1, progress=lambda _: None)
    for name, real in schema.REAL_ROW_COUNTS.items():
        assert len(generated.tables[name]) == round(real * scale), name


@pytest.mark.parametrize("scale", [0.0, -1.0, 1.5, math.nan, synthetic.MIN_SCALE / 2])
def test_bad_scale_is_refused_with_the_accepted_range(scale: float) -> None:
    with pytest.raises(ValueError, match=r"scale must be between 0\.001 and 1\.0"):
        synthetic.generate_tables(scale, 1)


def test_negative_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer; got -3"):
        synthetic.generate_tables(0.002, -3)


def test_same_seed_gives_identical_files_and_another_seed_different_data(tmp_path: Path) -> None:
    for folder, seed in (("a", 3), ("b", 3), ("c", 4)):
        synthetic.write_tables(
            synthetic.generate_tables(0.002, seed, progress=lambda _: None), tmp_path / folder
        )
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    assert (tmp_path / "a" / "application_train.csv").read_bytes() != (
        tmp_path / "c" / "application_train.csv"
    ).read_bytes()


def test_progress_reports_every_table() -> None:
    messages: list[str] = []
    synthetic.generate_tables(0.002, 1, progress=messages.append)
    text = "\n".join(messages)
    for name in schema.TABLE_NAMES:
        assert name.split("_")[0] in text or name in text


# --- real-data rules -------------------------------------------------------------------------------
def test_days_employed_sentinel_is_exactly_the_not_employed(data: synthetic.SyntheticData) -> None:
    app = pd.concat([_t(data, schema.APPLICATION_TRAIN), _t(data, schema.APPLICATION_TEST)])
    sentinel = app["DAYS_EMPLOYED"] == schema.DAYS_SENTINEL
    assert (sentinel == app["NAME_INCOME_TYPE"].isin(["Pensioner", "Unemployed"])).all()
    assert (sentinel == (app["ORGANIZATION_TYPE"] == "XNA")).all()
    assert (app.loc[sentinel, "FLAG_EMP_PHONE"] == 0).all() and (
        app.loc[~sentinel, "FLAG_EMP_PHONE"] == 1
    ).all()
    assert app.loc[sentinel, "OCCUPATION_TYPE"].isna().all()
    assert sentinel.mean() == pytest.approx(0.18, abs=0.02)
    assert (app.loc[~sentinel, "DAYS_EMPLOYED"] < 0).all()


def test_co_missing_blocks(data: synthetic.SyntheticData) -> None:
    app = _t(data, schema.APPLICATION_TRAIN)
    assert (app["OWN_CAR_AGE"].isna() == (app["FLAG_OWN_CAR"] == "N")).all()
    for feature in ("APARTMENTS", "COMMONAREA", "YEARS_BUILD", "LIVINGAREA"):
        mask = app[f"{feature}_AVG"].isna()
        assert (app[f"{feature}_MODE"].isna() == mask).all() and (app[f"{feature}_MEDI"].isna() == mask).all()
        assert mask.mean() == pytest.approx(BUILDING_NAN[feature], abs=0.04)
    req = app[[c for c in app.columns if c.startswith("AMT_REQ_CREDIT_BUREAU_")]].isna()
    assert req.shape[1] == 6 and (req.nunique(axis=1) == 1).all()
    assert req.iloc[:, 0].mean() == pytest.approx(0.135, abs=0.025)
    for col, rate in EXT_SOURCE_NAN.items():
        assert app[col].isna().mean() == pytest.approx(rate, abs=0.03)


def test_revolving_loans_pay_five_percent_and_are_rare_in_test(data: synthetic.SyntheticData) -> None:
    train = _t(data, schema.APPLICATION_TRAIN)
    test = _t(data, schema.APPLICATION_TEST)
    revolving = train[train["NAME_CONTRACT_TYPE"] == "Revolving loans"]
    assert np.allclose(revolving["AMT_ANNUITY"], 0.05 * revolving["AMT_CREDIT"])
    assert (train["NAME_CONTRACT_TYPE"] == "Revolving loans").mean() == pytest.approx(0.095, abs=0.015)
    assert (test["NAME_CONTRACT_TYPE"] == "Revolving loans").mean() < 0.03


def test_previous_application_date_block(data: synthetic.SyntheticData) -> None:
    prev = _t(data, schema.PREVIOUS_APPLICATION)
    block = prev[
        [
            "DAYS_FIRST_DRAWING",
            "DAYS_FIRST_DUE",
            "DAYS_LAST_DUE_1ST_VERSION",
            "DAYS_LAST_DUE",
            "DAYS_TERMINATION",
            "NFLAG_INSURED_ON_APPROVAL",
        ]
    ].isna()
    assert (block.nunique(axis=1) == 1).all()
    assert block.iloc[:, 0][prev["NAME_CONTRACT_STATUS"] != "Approved"].all()
    assert block.iloc[:, 0].mean() == pytest.approx(0.403, abs=0.06)
    drawing = prev["DAYS_FIRST_DRAWING"].dropna()
    assert (drawing == schema.DAYS_SENTINEL).mean() > 0.8
    assert (prev["CODE_REJECT_REASON"] == "XAP").mean() == pytest.approx(0.81, abs=0.04)
    refused = prev["NAME_CONTRACT_STATUS"] == "Refused"
    assert (
        prev.loc[~refused & (prev["NAME_CONTRACT_STATUS"] != "Unused offer"), "CODE_REJECT_REASON"] == "XAP"
    ).all()


def test_bureau_rules(data: synthetic.SyntheticData) -> None:
    bureau = _t(data, schema.BUREAU)
    active = bureau["CREDIT_ACTIVE"] == "Active"
    assert (bureau["DAYS_ENDDATE_FACT"].isna() == active).all()
    assert (bureau["AMT_CREDIT_SUM_DEBT"] < 0).sum() > 0
    assert (bureau["DAYS_CREDIT"] < 0).all() and (bureau["DAYS_CREDIT"] >= -2922).all()
    assert active.mean() == pytest.approx(0.367, abs=0.03)


def test_payment_behaviour_shares(data: synthetic.SyntheticData) -> None:
    inst = _t(data, schema.INSTALLMENTS_PAYMENTS)
    delay = inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]
    assert (delay > 0).mean() == pytest.approx(0.084, abs=0.03)
    assert (inst["AMT_PAYMENT"].isna() == inst["DAYS_ENTRY_PAYMENT"].isna()).all()
    pos = _t(data, schema.POS_CASH_BALANCE)
    assert (pos["SK_DPD"] > 0).mean() == pytest.approx(0.0295, abs=0.015)
    assert (pos["SK_DPD_DEF"] <= pos["SK_DPD"]).all()
    status = _t(data, schema.BUREAU_BALANCE)["STATUS"].value_counts(normalize=True)
    assert status["C"] == pytest.approx(0.5, abs=0.08) and status["X"] > 0.1

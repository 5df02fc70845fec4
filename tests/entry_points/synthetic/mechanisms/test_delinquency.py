"""Mechanism `delinquency` (the default): target rate, oracle file, planted signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from custom_model import schema
from entry_points import synthetic
from entry_points.synthetic.mechanisms.delinquency import application_logit


def _t(data: synthetic.SyntheticData, name: str) -> pd.DataFrame:
    return data.tables[name]


def _all_ids(data: synthetic.SyntheticData) -> np.ndarray:
    return np.concatenate(
        [
            _t(data, schema.APPLICATION_TRAIN)[schema.ID_CURR],
            _t(data, schema.APPLICATION_TEST)[schema.ID_CURR],
        ]
    )


# --- target, oracle and planted signal ------------------------------------------------------------
def test_target_rate_is_about_eight_percent(data: synthetic.SyntheticData) -> None:
    assert _t(data, schema.APPLICATION_TRAIN)[schema.TARGET].mean() == pytest.approx(0.0807, abs=0.015)
    assert schema.TARGET not in _t(data, schema.APPLICATION_TEST).columns


def test_oracle_covers_every_client_with_a_probability(data: synthetic.SyntheticData, written: Path) -> None:
    oracle = pd.read_csv(written / "oracle.csv")
    assert list(oracle.columns) == list(synthetic.ORACLE_COLUMNS)
    assert sorted(oracle[schema.ID_CURR]) == sorted(_all_ids(data))
    p = oracle["PROBABILITY_DEFAULT"]
    assert ((p > 0) & (p < 1)).all()
    assert p[oracle["SPLIT"] == "train"].mean() == pytest.approx(0.0807, abs=0.01)
    test_ids = set(_t(data, schema.APPLICATION_TEST)[schema.ID_CURR])
    assert set(oracle.loc[oracle["SPLIT"] == "test", schema.ID_CURR]) == test_ids
    for name in schema.TABLE_NAMES:
        assert "PROBABILITY_DEFAULT" not in _t(data, name).columns


@pytest.fixture(scope="module")
def signal_data() -> synthetic.SyntheticData:
    return synthetic.generate_tables(0.05, 11, progress=lambda _: None)


def test_oracle_auc_is_in_the_real_data_band(signal_data: synthetic.SyntheticData) -> None:
    train = signal_data.tables[schema.APPLICATION_TRAIN]
    oracle = signal_data.oracle.set_index(schema.ID_CURR)["PROBABILITY_DEFAULT"]
    auc = roc_auc_score(train[schema.TARGET], oracle.loc[train[schema.ID_CURR]])
    assert 0.79 <= auc <= 0.84


def test_history_carries_signal_beyond_the_application(signal_data: synthetic.SyntheticData) -> None:
    train = signal_data.tables[schema.APPLICATION_TRAIN]
    y = train[schema.TARGET]
    app_auc = roc_auc_score(y, application_logit(train))
    oracle = signal_data.oracle.set_index(schema.ID_CURR)["PROBABILITY_DEFAULT"]
    oracle_auc = roc_auc_score(y, oracle.loc[train[schema.ID_CURR]])
    assert 0.72 <= app_auc <= 0.79
    assert oracle_auc > app_auc + 0.04
    inst = signal_data.tables[schema.INSTALLMENTS_PAYMENTS]
    late = (inst["DAYS_ENTRY_PAYMENT"] > inst["DAYS_INSTALMENT"]).groupby(inst[schema.ID_CURR]).mean()
    share = late.reindex(train[schema.ID_CURR]).to_numpy()
    assert y[share > 0.25].mean() > 2 * y[share == 0].mean()
    refused = signal_data.tables[schema.PREVIOUS_APPLICATION]
    n_refused = (refused["NAME_CONTRACT_STATUS"] == "Refused").groupby(refused[schema.ID_CURR]).sum()
    n_refused = n_refused.reindex(train[schema.ID_CURR]).fillna(0).to_numpy()
    assert y[n_refused >= 2].mean() > 1.3 * y[n_refused == 0].mean()


def test_known_default_patterns(signal_data: synthetic.SyntheticData) -> None:
    train = signal_data.tables[schema.APPLICATION_TRAIN]
    y = train[schema.TARGET]
    assert train["EXT_SOURCE_3"].corr(y) < -0.08 and train["EXT_SOURCE_2"].corr(y) < -0.08
    assert train["DAYS_BIRTH"].corr(y) > 0.03
    sentinel = train["DAYS_EMPLOYED"] == schema.DAYS_SENTINEL
    assert y[sentinel].mean() < y[~sentinel].mean()


@pytest.mark.slow
def test_lightgbm_application_only_vs_all_tables() -> None:
    calibrate = pytest.importorskip("benchmarks.calibrate_generator")
    report = calibrate.signal_report(synthetic.generate_tables(0.05, 5, progress=lambda _: None), seed=5)
    assert 0.71 <= report.application_only <= 0.79
    assert report.all_tables > report.application_only + 0.03
    assert 0.79 <= report.oracle <= 0.85

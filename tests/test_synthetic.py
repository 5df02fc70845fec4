"""Synthetic generator: CSV format of the real samples, key structure, real-data rules, planted signal."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from custom_model import schema
from custom_model.errors import DataSourceError
from custom_model.io import load_tables
from entry_points import synthetic

SCALE = 0.01
SEED = 7


@pytest.fixture(scope="module")
def data() -> synthetic.SyntheticData:
    return synthetic.generate_tables(SCALE, SEED, progress=lambda _: None)


@pytest.fixture(scope="module")
def written(data: synthetic.SyntheticData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "data"
    synthetic.write_tables(data, out)
    return out


def _t(data: synthetic.SyntheticData, name: str) -> pd.DataFrame:
    return data.tables[name]


def _all_ids(data: synthetic.SyntheticData) -> np.ndarray:
    return np.concatenate(
        [
            _t(data, schema.APPLICATION_TRAIN)[schema.ID_CURR],
            _t(data, schema.APPLICATION_TEST)[schema.ID_CURR],
        ]
    )


# --- files, headers, dtypes, CSV format -----------------------------------------------------------
def test_writes_the_eight_tables_and_the_oracle_beside_them(written: Path) -> None:
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted([schema.table(n).filename for n in schema.TABLE_NAMES] + ["oracle.csv"])
    assert not [p for p in written.parent.iterdir() if p.name.startswith(".")], "temporary folder left behind"


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_header_is_byte_identical_to_the_real_sample(written: Path, samples_dir: Path, name: str) -> None:
    filename = schema.table(name).filename
    ours = (written / filename).read_bytes().split(b"\n", 1)[0]
    real = (samples_dir / filename).read_bytes().split(b"\n", 1)[0]
    assert ours == real


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_read_back_dtypes_equal_the_real_samples_and_the_schema(
    written: Path, samples_dir: Path, name: str
) -> None:
    filename = schema.table(name).filename
    ours = pd.read_csv(written / filename)
    real = pd.read_csv(samples_dir / filename)
    assert {c: str(t) for c, t in ours.dtypes.items()} == schema.table(name).dtypes
    assert list(ours.dtypes.astype(str)) == list(real.dtypes.astype(str))


def test_smallest_scale_still_reads_back_with_the_schema_dtypes(tmp_path: Path) -> None:
    synthetic.write_tables(
        synthetic.generate_tables(synthetic.MIN_SCALE, 2, progress=lambda _: None), tmp_path / "d"
    )
    for name in schema.TABLE_NAMES:
        frame = pd.read_csv(tmp_path / "d" / schema.table(name).filename)
        assert {c: str(t) for c, t in frame.dtypes.items()} == schema.table(name).dtypes, name


def test_csv_writer_matches_pandas_on_tricky_values(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "A": pd.Categorical(["Stone, brick", None, 'say "hi"', "Panel"]),
            "B": [202500.0, np.nan, 0.1 + 0.2, -153.0],
            "C": np.array([1, -2, 365243, 0], dtype=np.int64),
            "D": [0.0001, 117000000.0, 1700.325, 0.08303696739132256],
        }
    )
    path = tmp_path / "t.csv"
    synthetic.write_csv(frame, path)
    assert path.read_bytes() == (
        b'A,B,C,D\n"Stone, brick",202500.0,1,0.0001\n,,-2,117000000.0\n'
        b'"say ""hi""",0.30000000000000004,365243,1700.325\nPanel,-153.0,0,0.08303696739132256\n'
    )
    assert path.read_bytes() == frame.to_csv(index=False, lineterminator="\n").encode()


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_written_file_is_byte_identical_to_pandas_to_csv(
    data: synthetic.SyntheticData, written: Path, name: str
) -> None:
    expected = _t(data, name).to_csv(index=False, lineterminator="\n").encode()
    assert (written / schema.table(name).filename).read_bytes() == expected


def test_quotes_only_fields_that_need_it(written: Path) -> None:
    text = (written / "application_train.csv").read_text()
    assert '"Stone, brick"' in text
    assert '"Cash loans"' not in text and ",Cash loans," in text
    assert "\r" not in text


def test_in_memory_tables_equal_what_the_loader_reads_back(
    data: synthetic.SyntheticData, written: Path
) -> None:
    loaded = load_tables(written)
    in_memory = data.to_tables()
    for name in schema.TABLE_NAMES:
        pd.testing.assert_frame_equal(in_memory.get(name), loaded.get(name), check_exact=True)


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
    assert share == pytest.approx(synthetic.BUREAU_WITH_BALANCE, abs=0.03)


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


def test_rewriting_a_generated_folder_replaces_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    synthetic.write_tables(synthetic.generate_tables(0.002, 1, progress=lambda _: None), out)
    first = (out / "bureau.csv").read_bytes()
    synthetic.write_tables(synthetic.generate_tables(0.002, 2, progress=lambda _: None), out)
    assert (out / "bureau.csv").read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_replace_a_folder_with_foreign_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(DataSourceError, match=r"notes\.txt"):
        synthetic.write_tables(synthetic.generate_tables(0.002, 1, progress=lambda _: None), out)
    assert (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


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
        assert mask.mean() == pytest.approx(synthetic.BUILDING_NAN[feature], abs=0.04)
    req = app[[c for c in app.columns if c.startswith("AMT_REQ_CREDIT_BUREAU_")]].isna()
    assert req.shape[1] == 6 and (req.nunique(axis=1) == 1).all()
    assert req.iloc[:, 0].mean() == pytest.approx(0.135, abs=0.025)
    for col, rate in synthetic.EXT_SOURCE_NAN.items():
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
    app_auc = roc_auc_score(y, synthetic.application_logit(train))
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

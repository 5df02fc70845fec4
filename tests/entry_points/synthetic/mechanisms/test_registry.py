"""The mechanism parameter: names, unknown ones refused, what changes (TARGET, oracle) and what does not."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from custom_model import schema
from custom_model.contract import ORACLE_PROBABILITY, ORACLE_SPLIT
from custom_model.errors import CreditScoringError, ParameterError
from entry_points import synthetic
from entry_points.synthetic.mechanisms import DEFAULT_MECHANISM, MECHANISMS, get_mechanism
from entry_points.synthetic.mechanisms.base import intercept_for_rate, max_per_client, sum_per_client
from entry_points.synthetic.shares import TARGET_RATE

PROJECT_DIR = Path(__file__).resolve().parents[4]
SCALE, SEED = 0.05, 42


@pytest.fixture(scope="module")
def generated() -> dict[str, synthetic.SyntheticData]:
    return {name: synthetic.generate_tables(SCALE, SEED, mechanism=name) for name in MECHANISMS}


def _log_odds(data: synthetic.SyntheticData) -> np.ndarray:
    p = data.oracle[ORACLE_PROBABILITY].to_numpy()
    return np.log(p / (1 - p))


def test_three_mechanisms_and_the_default_is_todays() -> None:
    assert sorted(MECHANISMS) == ["affordability", "delinquency", "recency"]
    assert DEFAULT_MECHANISM == "delinquency"
    assert all(get_mechanism(name).name == name and get_mechanism(name).summary for name in MECHANISMS)


def test_an_unknown_mechanism_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ParameterError, match=r"affordability, delinquency, recency; got 'income'") as caught:
        synthetic.generate_tables(0.002, 1, mechanism="income")
    assert isinstance(caught.value, CreditScoringError) and isinstance(caught.value, ValueError)


def test_the_job_refuses_an_unknown_mechanism(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "entry_points.generate_data",
            "--mechanism",
            "income",
            "--output-dir",
            str(tmp_path),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "invalid choice: 'income'" in result.stderr


def test_the_job_writes_the_chosen_mechanism(tmp_path: Path) -> None:
    from entry_points import generate_data

    out = tmp_path / "data"
    assert (
        generate_data.main(
            ["--scale", "0.002", "--seed", "3", "--mechanism", "recency", "--output-dir", str(out)]
        )
        == 0
    )
    expected = synthetic.generate_tables(0.002, 3, mechanism="recency").oracle
    written = pd.read_csv(out / "oracle.csv", float_precision="round_trip")
    np.testing.assert_array_equal(written[ORACLE_PROBABILITY], expected[ORACLE_PROBABILITY])


def test_only_target_and_oracle_depend_on_the_mechanism(
    generated: dict[str, synthetic.SyntheticData],
) -> None:
    reference = generated[DEFAULT_MECHANISM]
    for name, data in generated.items():
        for table, frame in data.tables.items():
            expected = reference.tables[table]
            if table == schema.APPLICATION_TRAIN:
                frame, expected = frame.drop(columns=schema.TARGET), expected.drop(columns=schema.TARGET)
            pd.testing.assert_frame_equal(frame, expected, check_exact=True, obj=f"{name}: {table}")
        assert data.oracle[ORACLE_SPLIT].equals(reference.oracle[ORACLE_SPLIT])


@pytest.mark.parametrize("name", sorted(MECHANISMS))
def test_each_mechanism_plants_about_eight_percent_defaults(
    generated: dict[str, synthetic.SyntheticData], name: str
) -> None:
    data = generated[name]
    train = data.tables[schema.APPLICATION_TRAIN]
    oracle = data.oracle.set_index(schema.ID_CURR)[ORACLE_PROBABILITY]
    # the intercept makes the mean true probability of train clients the real rate; TARGET is drawn from it
    assert oracle.loc[train[schema.ID_CURR]].mean() == pytest.approx(TARGET_RATE, abs=1e-6)
    assert train[schema.TARGET].mean() == pytest.approx(TARGET_RATE, abs=0.006)
    auc = roc_auc_score(train[schema.TARGET], oracle.loc[train[schema.ID_CURR]])
    assert 0.79 <= auc <= 0.87, f"{name}: oracle AUC {auc:.3f} outside the real-data band"


def test_mechanisms_are_distinct(generated: dict[str, synthetic.SyntheticData]) -> None:
    """Their true log-odds agree only partly (measured correlations 0.33-0.50): a model fitted to one
    mechanism's quirks does not get the others for free."""
    for a, b in itertools.combinations(sorted(generated), 2):
        r = np.corrcoef(_log_odds(generated[a]), _log_odds(generated[b]))[0, 1]
        assert r < 0.7, f"{a} and {b}: log-odds correlation {r:.2f}"


def test_per_client_helpers_and_the_intercept_on_hand_computed_values() -> None:
    client = np.array([0, 0, 2, 2, 2])
    values = np.array([1.0, 3.0, -1.0, 5.0, 2.0])
    np.testing.assert_array_equal(sum_per_client(client, values, 4), [4.0, 0.0, 6.0, 0.0])
    np.testing.assert_array_equal(max_per_client(client, values, 4, empty=-9.0), [3.0, -9.0, 5.0, -9.0])
    # mean(sigmoid(0 + b)) = 0.5 ⇔ b = 0; a symmetric logit keeps the intercept at 0
    assert intercept_for_rate(np.array([-1.0, 1.0]), 0.5) == pytest.approx(0.0, abs=1e-12)
    b = intercept_for_rate(np.zeros(3), 0.2)
    assert 1 / (1 + np.exp(-b)) == pytest.approx(0.2, abs=1e-12)

"""Fairness figures by group, on hand-built holdouts whose answers are computed by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from custom_model.contract import REGISTERED_MODEL_NAME, Alias
from entry_points.synthetic import generate_tables, write_tables
from entry_points.train import TrainSettings, run
from entry_points.training import fairness
from entry_points.training.fairness import age_band, fairness_table, group_approval_ratio
from tests.support.mlflow_state import using_tracking_uri

YEAR = 365.25


def test_age_bands_follow_the_stated_limits() -> None:
    days = pd.Series(
        [-24.9 * YEAR, -25 * YEAR, -39.9 * YEAR, -40 * YEAR, -59.9 * YEAR, -60 * YEAR, -80 * YEAR]
    )
    assert age_band(days).tolist() == ["< 25", "25–40", "25–40", "40–60", "40–60", "≥ 60", "≥ 60"]


def _holdout(n_per_group: int = 40) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """40 women and 40 men, all aged 30; women refused 10 times in 40, men 20 times in 40.

    Refused = probability 0.9 (≥ threshold 0.5). Women: the 10 refused are 5 defaulters + 5 good payers, the
    30 accepted hold 1 defaulter. Men: the 20 refused are 4 defaulters + 16 good payers, 0 accepted defaulter.
    """
    gender = ["F"] * n_per_group + ["M"] * n_per_group
    raw = pd.DataFrame({"CODE_GENDER": gender, "DAYS_BIRTH": [int(-30 * YEAR)] * (2 * n_per_group)})
    women_y = [1] * 5 + [0] * 5 + [1] + [0] * 29
    women_p = [0.9] * 10 + [0.1] * 30
    men_y = [1] * 4 + [0] * 16 + [0] * 20
    men_p = [0.9] * 20 + [0.1] * 20
    return raw, np.array(women_y + men_y), np.array(women_p + men_p)


def test_approval_disparate_impact_rates_and_cost_by_group() -> None:
    raw, y, proba = _holdout()
    result = fairness_table(raw, y, proba, threshold=0.5, cost_fn=10, cost_fp=1)
    gender = result.table[result.table["attribute"] == "gender"].set_index("group")
    assert gender.loc["F", "approval_rate"] == pytest.approx(30 / 40)
    assert gender.loc["M", "approval_rate"] == pytest.approx(20 / 40)
    assert gender.loc["F", "disparate_impact"] == pytest.approx(1.0)
    assert gender.loc["M", "disparate_impact"] == pytest.approx((20 / 40) / (30 / 40))
    assert gender.loc["F", "tpr"] == pytest.approx(5 / 6) and gender.loc["F", "fpr"] == pytest.approx(5 / 34)
    assert gender.loc["M", "tpr"] == pytest.approx(1.0) and gender.loc["M", "fpr"] == pytest.approx(16 / 36)
    # cost per client: women 1 missed defaulter × 10 + 5 good payers refused × 1, over 40
    assert gender.loc["F", "cost_per_client"] == pytest.approx((10 * 1 + 5) / 40)
    assert gender.loc["M", "cost_per_client"] == pytest.approx(16 / 40)
    assert gender.loc["F", "default_rate"] == pytest.approx(6 / 40)
    assert gender.loc["F", "mean_probability"] == pytest.approx((10 * 0.9 + 30 * 0.1) / 40)
    assert result.min_disparate_impact == {"gender": pytest.approx(2 / 3), "age": pytest.approx(1.0)}
    assert result.flagged() == ["gender"]
    assert result.metrics() == {"fairness_di_min_gender": pytest.approx(2 / 3), "fairness_di_min_age": 1.0}


def test_a_small_group_is_reported_but_not_judged() -> None:
    raw, y, proba = _holdout()
    raw.loc[0, "CODE_GENDER"] = "XNA"  # one client alone: approval 0 would give a ratio of 0
    proba[0] = 0.9
    result = fairness_table(raw, y, proba, threshold=0.5, cost_fn=10, cost_fp=1)
    table = result.table.set_index(["attribute", "group"])
    assert table.loc[("gender", "XNA"), "n"] == 1 and table.loc[("gender", "XNA"), "disparate_impact"] == 0
    assert result.min_disparate_impact["gender"] == pytest.approx((20 / 40) / (30 / 39))
    assert fairness.MIN_GROUP_SIZE > 1


def test_the_disparate_impact_judges_only_groups_large_enough() -> None:
    groups = pd.Series(["F"] * 40 + ["M"] * 40 + ["XNA"])
    refused = np.array([False] * 30 + [True] * 10 + [False] * 20 + [True] * 20 + [True])
    assert group_approval_ratio(groups, refused) == pytest.approx((20 / 40) / (30 / 40))
    assert group_approval_ratio(groups[:40], refused[:40]) == 1.0  # one group: nothing to compare


def _plant_gender_bias(source: Path, target: Path, *, seed: int = 0) -> None:
    """Copy tables, then make defaulters men 9 times in 10 and good payers 15 times in 100."""
    shutil.copytree(source, target)
    path = target / "application_train.csv"
    train = pd.read_csv(path)
    rng = np.random.default_rng(seed)
    share_men = np.where(train["TARGET"] == 1, 0.9, 0.15)
    train["CODE_GENDER"] = np.where(rng.random(len(train)) < share_men, "M", "F")
    train.to_csv(path, index=False)


def _train(data_dir: Path, workdir: Path):
    settings = TrainSettings(
        data_dir=data_dir, max_evals=2, n_folds=2, seed=0, families=("lightgbm",), max_rounds=100
    )
    with using_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}"):
        result = run(settings, project_dir=workdir)
        tags = MlflowClient().get_model_version(REGISTERED_MODEL_NAME, result.version).tags
    return result, tags


@pytest.mark.slow
def test_a_model_refusing_men_more_is_kept_from_champion_and_a_fair_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    write_tables(generate_tables(0.01, 4), tmp_path / "fair")
    _plant_gender_bias(tmp_path / "fair", tmp_path / "unfair")

    fair, fair_tags = _train(tmp_path / "fair", tmp_path / "fair-run")
    assert fair.alias.alias == Alias.CHAMPION and fair_tags["promotion"].startswith("no champion yet")

    unfair, unfair_tags = _train(tmp_path / "unfair", tmp_path / "unfair-run")
    assert unfair.alias.alias == Alias.CHALLENGER
    assert "validation failed" in unfair.alias.reason and "disparate_impact_gender" in unfair.alias.reason
    assert unfair_tags["promotion"] == unfair.alias.reason


@pytest.mark.slow
def test_a_sensitive_attribute_kept_out_of_the_model_is_still_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    write_tables(generate_tables(0.01, 4), tmp_path / "fair")
    _plant_gender_bias(tmp_path / "fair", tmp_path / "unfair")
    settings = TrainSettings(
        data_dir=tmp_path / "unfair",
        max_evals=2,
        n_folds=2,
        seed=0,
        families=("lightgbm",),
        max_rounds=100,
        exclude_features=("CODE_GENDER",),
    )
    with using_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        result = run(settings, project_dir=tmp_path)
        run_id = result.run_id
        features = mlflow.artifacts.load_text(f"runs:/{run_id}/features.txt").split()
        metrics = MlflowClient().get_run(run_id).data.metrics
    assert not [f for f in features if f.startswith("CODE_GENDER")]
    assert "fairness_di_min_gender" in metrics  # measured on the data, though not a model input
    # with gender out of the model, the planted bias no longer drives refusals by gender as strongly
    assert result.alias.alias == Alias.CHAMPION, result.alias.reason

"""The training entry point end to end on tiny generated data, against a temporary sqlite tracking store.

Three invocations share one store: (1) all families → version 1 @champion; (2) the same seed again → the same
choice and figures, version 2 @challenger (not strictly better); (3) only the dummy → version 3 @challenger,
the champion stays version 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from custom_model import schema
from custom_model.contract import REGISTERED_MODEL_NAME, Alias
from custom_model.features.assemble import build_features
from custom_model.io import load_tables
from custom_model.model import load_artifacts
from entry_points.synthetic import generate_tables, write_tables
from tests.support.mlflow_state import using_tracking_uri

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARGS = ["--max-evals", "3", "--n-folds", "2", "--seed", "5", "--max-rounds", "100"]
TIMING = "seconds"  # timing metrics are the only ones allowed to differ


@dataclass(frozen=True)
class Trained:
    uri: str
    data_dir: Path
    outputs: tuple[str, ...]


def _train(data_dir: Path, uri: str, families: str, tmp: Path) -> str:
    """Run `python -m entry_points.train` as MLflow would, returning its stdout."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "CREDIT_SCORING_PREDICTION_LOG": "none"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "entry_points.train",
            "--data-dir",
            str(data_dir),
            "--families",
            families,
            *ARGS,
        ],
        cwd=tmp,
        env={**env, "PYTHONPATH": str(PROJECT_DIR)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    tmp = tmp_path_factory.mktemp("train")
    data_dir = tmp / "data"
    write_tables(generate_tables(0.005, 11), data_dir)
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    outputs = tuple(
        _train(data_dir, uri, families, tmp)
        for families in ("dummy,logreg,lightgbm", "dummy,logreg,lightgbm", "dummy")
    )
    with using_tracking_uri(uri):
        yield Trained(uri, data_dir, outputs)


def p_int(params: dict, name: str) -> int:
    return int(float(params[name]))


def _parents(client: MlflowClient) -> list:
    """Parent (training) runs, oldest first."""
    exp = client.get_experiment_by_name("credit-scoring/data")
    runs = client.search_runs(
        [exp.experiment_id], "tags.kind = 'training'", order_by=["attributes.start_time ASC"]
    )
    return list(runs)


def test_parent_family_and_trial_runs_are_nested(trained: Trained) -> None:
    client = MlflowClient()
    parent = _parents(client)[0]
    exp_id = parent.info.experiment_id
    families = client.search_runs(
        [exp_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}' and tags.kind = 'family'"
    )
    assert sorted(r.data.tags["family"] for r in families) == ["dummy", "lightgbm", "logreg"]
    for family in families:
        trials = client.search_runs([exp_id], f"tags.mlflow.parentRunId = '{family.info.run_id}'")
        expected = 1 if family.data.tags["family"] == "dummy" else 3
        # A family that cannot reach the leader stops early, and its run says why.
        stopped = family.data.tags.get("search_stopped", "")
        assert len(trials) == expected or (len(trials) < expected and "cannot reach the leader" in stopped)
        assert family.data.metrics["n_trials"] == len(trials)
        for trial in trials:
            assert trial.data.tags["kind"] == "trial"
            assert {
                "cv_cost",
                "threshold",
                "cv_auc",
                "cv_accuracy",
                "cv_recall",
                "cv_precision",
                "cv_brier",
                "fit_seconds",
            } <= set(trial.data.metrics)
            assert "imbalance" in trial.data.params
            # the run lasts as long as the trial's cross-validation, not the few ms of logging it
            duration_s = (trial.info.end_time - trial.info.start_time) / 1000
            assert duration_s == pytest.approx(trial.data.metrics["fit_seconds"], abs=0.002)
            assert family.info.start_time <= trial.info.start_time <= trial.info.end_time
        if family.data.tags["family"] != "dummy":
            # class weights and undersampling are both tried (the first two trials) and compared
            assert {"best_cost_imbalance_class_weight", "best_cost_imbalance_undersample"} <= set(
                family.data.metrics
            )
            assert family.data.metrics["cv_cost"] == min(t.data.metrics["cv_cost"] for t in trials)


def test_one_name_per_figure_and_per_parameter_on_every_level(trained: Trained) -> None:
    """One column of the MLflow UI compares parent, family and trial runs."""
    client = MlflowClient()
    parent = _parents(client)[0]
    experiment = client.get_experiment(parent.info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    runs = client.search_runs([parent.info.experiment_id], "tags.kind != 'training'")
    chosen = parent.data.tags["chosen_family"]
    family = next(
        r
        for r in runs
        if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id and r.data.tags.get("family") == chosen
    )
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == family.info.run_id]
    best = min(trials, key=lambda r: r.data.metrics["cv_cost"])
    for level in (parent, family, best):
        metrics, params = level.data.metrics, level.data.params
        assert {"cv_cost", "cv_auc", "threshold"} <= set(metrics), level.info.run_name
        assert not any(k.startswith(("oof_", "best_num", "chosen_")) for k in [*metrics, *params])
        assert set(best.data.params) - {"best_iterations"} <= set(params), level.info.run_name
    # the family run carries its best trial's figures and configuration under the same names
    assert family.data.metrics["cv_cost"] == best.data.metrics["cv_cost"]
    assert {k: family.data.params[k] for k in best.data.params if k != "best_iterations"} == {
        k: v for k, v in best.data.params.items() if k != "best_iterations"
    }


def test_parent_run_metrics_params_dataset_and_artifacts(trained: Trained) -> None:
    client = MlflowClient()
    parent = _parents(client)[0]
    m, p = parent.data.metrics, parent.data.params
    assert p["cost_fn"] == "10" and p["cost_fp"] == "1" and p["families"] == "dummy,logreg,lightgbm"
    for key in (
        "cv_cost",
        "cv_auc",
        "threshold",
        "holdout_cost",
        "holdout_auc",
        "holdout_accuracy",
        "holdout_brier",
        "holdout_ece",
        "bayes_threshold",
        "holdout_cost_accept_all",
        "oracle_holdout_auc",
        "oracle_holdout_cost",
    ):
        assert key in m, key
    assert 0 <= m["threshold"] <= 1
    assert m["bayes_threshold"] == pytest.approx(1 / 11)
    assert p["calibration"] in ("platt", "none") and 0 <= m["holdout_ece"] <= 1
    if p["calibration"] == "platt":
        assert m["cv_log_loss"] < m["cv_log_loss_uncalibrated"]
    assert m["holdout_cost"] <= m["holdout_cost_accept_all"] * 1.25
    steps = {k.removeprefix("step_seconds_"): v for k, v in m.items() if k.startswith("step_seconds_")}
    assert {"features", "feature_selection", "search", "final_fit", "holdout", "register"} <= set(steps)
    assert all(v > 0 for v in steps.values()) and sum(steps.values()) <= m["total_seconds"]
    assert parent.inputs.dataset_inputs, "the training dataset is logged with mlflow.log_input"
    names = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {
        "model_card.md",
        "global_importance.csv",
        "global_importance.png",
        "reference_sample.parquet",
        "roc_curve.png",
        "cost_vs_threshold.png",
        "confusion_matrix.png",
        "calibration_curve.png",
        "family_comparison.csv",
        "features.txt",
        "fairness.csv",
        "current_applicants.csv",
    } <= names
    local = Path(
        mlflow.artifacts.download_artifacts(run_id=parent.info.run_id, artifact_path="", dst_path=None)
    )
    importance = pd.read_csv(local / "global_importance.csv")
    assert list(importance.columns) == ["feature", "label", "mean_abs_contribution"]
    assert importance["mean_abs_contribution"].is_monotonic_decreasing
    features = (local / "features.txt").read_text().split()
    assert schema.TARGET not in features and not any(f.startswith("SK_ID") for f in features)
    sample = pd.read_parquet(local / "reference_sample.parquet")
    assert {schema.ID_CURR, "probability_default", "decision", schema.TARGET} <= set(sample.columns)
    assert set(sample["decision"]) <= {"accepted", "refused"}
    card = (local / "model_card.md").read_text()
    assert "Chosen model" in card and f"{m['threshold']:.3f}" in card and "Limits" in card
    fair = pd.read_csv(local / "fairness.csv")
    assert set(fair["attribute"]) == {"gender", "age"} and fair["n"].sum() == 2 * p_int(p, "n_holdout_rows")
    judged = fair[fair["n"] >= 30]
    for attribute in ("gender", "age"):
        rows = judged[judged["attribute"] == attribute]
        assert m[f"fairness_di_min_{attribute}"] == pytest.approx(rows["disparate_impact"].min())
        assert rows["disparate_impact"].max() == pytest.approx(1.0)  # relative to the most-approved group
    assert "## Fairness (holdout)" in card and "four-fifths rule" in card
    comparison = pd.read_csv(local / "family_comparison.csv")
    assert sorted(comparison["family"]) == ["dummy", "lightgbm", "logreg"]
    assert comparison["oof_cost"].is_monotonic_increasing


def test_alias_rules_and_printed_outcome(trained: Trained) -> None:
    client = MlflowClient()
    first, second, third = trained.outputs
    assert f"version 1 → @{Alias.CHAMPION}" in first and "run id:" in first
    assert f"version 2 → @{Alias.CHALLENGER}" in second
    assert f"version 3 → @{Alias.CHALLENGER}" in third
    aliases = {k: str(v) for k, v in client.get_registered_model(REGISTERED_MODEL_NAME).aliases.items()}
    assert aliases == {Alias.CHAMPION: "1", Alias.CHALLENGER: "3"}
    dummy_run = _parents(client)[2]
    # the dummy was compared with the champion on the same holdout rows and lost
    assert dummy_run.data.metrics["champion_holdout_cost"] < dummy_run.data.metrics["holdout_cost"]
    assert dummy_run.data.tags["alias"] == Alias.CHALLENGER


def test_same_seed_gives_the_same_model_and_figures(trained: Trained) -> None:
    first, second = _parents(MlflowClient())[:2]
    assert first.data.params == second.data.params
    same = {k: v for k, v in first.data.metrics.items() if TIMING not in k}
    again = {k: v for k, v in second.data.metrics.items() if TIMING not in k and k != "champion_holdout_cost"}
    assert same == again
    # the second run's champion comparison scored version 1 through the registry: same cost as its own
    assert second.data.metrics["champion_holdout_cost"] == pytest.approx(second.data.metrics["holdout_cost"])


def test_champion_serves_the_estimators_own_probabilities(
    trained: Trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED_MODEL_NAME}@{Alias.CHAMPION}")
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{REGISTERED_MODEL_NAME}@{Alias.CHAMPION}"))
    artifacts = load_artifacts(local / "artifacts" / "scoring")
    features = build_features(load_tables(trained.data_dir)).production
    X = artifacts.preprocessor.transform(features)
    expected = artifacts.model.predict_proba(X.to_numpy(dtype=np.float64))
    answer = model.predict(pd.DataFrame({schema.ID_CURR: X.index.to_numpy()}), params={"explain": False})
    assert answer["error"].isna().all()
    np.testing.assert_allclose(answer["probability_default"].to_numpy(dtype=float), expected, rtol=1e-9)
    np.testing.assert_array_equal(
        answer["decision"].to_numpy(), np.where(expected >= artifacts.threshold, "refused", "accepted")
    )

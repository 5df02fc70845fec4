"""Small pure pieces of the training job: CLI, store and experiment names, alias rule, card, importance."""

from __future__ import annotations

import argparse
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from custom_model import CHALLENGER_ALIAS, CHAMPION_ALIAS
from entry_points.train import parse_args, parse_families
from entry_points.training.data import check_no_forbidden_features
from entry_points.training.importance import global_importance
from entry_points.training.model_card import markdown_table
from entry_points.training.registry import decide_alias, decisions_cost
from entry_points.training.tracking import experiment_name, tracking_uri


def test_mlflow_style_float_parameters_are_accepted() -> None:
    settings = parse_args(["--data-dir", "", "--max-evals", "7.0", "--n-folds", "4.0", "--seed", "3.0"])
    assert (
        settings.data_dir is None and settings.max_evals == 7 and settings.n_folds == 4 and settings.seed == 3
    )
    assert parse_args(["--data-dir", "data/raw"]).data_dir == Path("data/raw")
    # `mlflow run` shell-quotes an empty string parameter inside the MLproject's own quotes
    assert parse_args(["--data-dir", "''"]).data_dir is None


def test_families_are_validated_and_ordered_simple_to_complex() -> None:
    assert parse_families("lightgbm, dummy") == ("dummy", "lightgbm")
    with pytest.raises(argparse.ArgumentTypeError, match="xgboost"):
        parse_families("dummy,xgboost")


def test_tracking_store_defaults_to_the_project_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri(Path("/srv/project")) == "sqlite:////srv/project/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert tracking_uri(Path("/srv/project")) == "http://127.0.0.1:5000"


def test_one_experiment_per_data_source() -> None:
    assert experiment_name(None, scale=0.05, seed=42) == "credit-scoring/synthetic-scale0.05-seed42"
    assert experiment_name(Path("/data/home-credit"), scale=0.05, seed=42) == "credit-scoring/home-credit"


def test_alias_moves_only_on_a_strictly_lower_cost() -> None:
    assert decide_alias(0.50, None) == CHAMPION_ALIAS
    assert decide_alias(0.49, 0.50) == CHAMPION_ALIAS
    assert decide_alias(0.50, 0.50) == CHALLENGER_ALIAS  # a tie keeps the serving model
    assert decide_alias(0.60, 0.50) == CHALLENGER_ALIAS


def test_cost_of_decisions() -> None:
    # y = 1 1 0 0, refused = 1 0 1 0 → FN 1, FP 1 → (10 + 1) / 4
    assert decisions_cost(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]), cost_fn=10, cost_fp=1) == 11 / 4


def test_target_and_ids_can_never_be_features() -> None:
    check_no_forbidden_features(["AMT_CREDIT", "EXT_SOURCE_2"])
    for leak in ("TARGET", "SK_ID_CURR", "SK_ID_BUREAU"):
        with pytest.raises(AssertionError, match=leak):
            check_no_forbidden_features(["AMT_CREDIT", leak])


def test_markdown_table() -> None:
    frame = pd.DataFrame({"family": ["a|b"], "cost": [0.123456], "auc": [float("nan")]})
    assert markdown_table(frame) == "| family | cost | auc |\n|---|---|---|\n| a\\|b | 0.1235 | – |"


def test_global_importance_is_the_mean_absolute_treeshap_value() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"strong": rng.normal(size=2000), "noise": rng.normal(size=2000)})
    y = (rng.random(2000) < 1 / (1 + np.exp(-3 * X["strong"]))).astype(int)
    params = {"objective": "binary", "verbosity": -1, "num_threads": 1, "seed": 0, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=20)
    table = global_importance(booster, X, label=str.lower)
    assert list(table["feature"]) == ["strong", "noise"] and list(table["label"]) == ["strong", "noise"]
    contrib = booster.predict(X, pred_contrib=True)
    assert table.loc[0, "mean_abs_contribution"] == pytest.approx(np.abs(contrib[:, 0]).mean())

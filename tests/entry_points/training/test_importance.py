"""Global importance: the mean absolute TreeSHAP value per feature."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from custom_model.families.lightgbm import LightGBM
from entry_points.training.importance import global_importance


def _planted(n: int, seed: int) -> tuple[pd.DataFrame, lgb.Booster]:
    """A feature that drives the default and one that is noise, and a booster fitted on them."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"strong": rng.normal(size=n), "noise": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-3 * X["strong"]))).astype(int)
    params = {"objective": "binary", "verbosity": -1, "num_threads": 1, "seed": 0, "deterministic": True}
    return X, lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=20)


def test_global_importance_is_the_mean_absolute_treeshap_value() -> None:
    X, booster = _planted(2000, seed=0)
    table = global_importance(LightGBM.from_booster(booster), X, labels=["strong", "noise"])
    assert list(table["feature"]) == ["strong", "noise"] and list(table["label"]) == ["strong", "noise"]
    contrib = booster.predict(X, pred_contrib=True)
    assert table.loc[0, "mean_abs_contribution"] == pytest.approx(np.abs(contrib[:, 0]).mean())


def test_beyond_max_rows_the_importance_is_the_mean_over_a_seeded_sample_of_rows() -> None:
    X, booster = _planted(3000, seed=1)
    model = LightGBM.from_booster(booster)
    table = global_importance(model, X, labels=["strong", "noise"], max_rows=500, seed=3)
    rows = np.sort(np.random.default_rng(3).permutation(3000)[:500])
    contrib = booster.predict(X.iloc[rows], pred_contrib=True)
    assert table.loc[0, "mean_abs_contribution"] == pytest.approx(np.abs(contrib[:, 0]).mean())
    assert table.equals(global_importance(model, X, labels=["strong", "noise"], max_rows=500, seed=3))
    assert list(table["feature"]) == list(global_importance(model, X, labels=["strong", "noise"])["feature"])

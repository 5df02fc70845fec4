"""Global importance: the mean absolute TreeSHAP value per feature."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from custom_model.families.lightgbm import LightGBM
from entry_points.training.importance import global_importance


def test_global_importance_is_the_mean_absolute_treeshap_value() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"strong": rng.normal(size=2000), "noise": rng.normal(size=2000)})
    y = (rng.random(2000) < 1 / (1 + np.exp(-3 * X["strong"]))).astype(int)
    params = {"objective": "binary", "verbosity": -1, "num_threads": 1, "seed": 0, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=20)
    table = global_importance(LightGBM.from_booster(booster), X, labels=["strong", "noise"])
    assert list(table["feature"]) == ["strong", "noise"] and list(table["label"]) == ["strong", "noise"]
    contrib = booster.predict(X, pred_contrib=True)
    assert table.loc[0, "mean_abs_contribution"] == pytest.approx(np.abs(contrib[:, 0]).mean())

"""Model-selection core on hand-built and planted-signal feature matrices (no MLflow)."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from entry_points.training.search import (
    SearchConfig,
    cv_folds,
    evaluate_config,
    predict_proba,
    refit,
    refit_rounds,
    search_family,
    split_holdout,
    undersample,
)

CONFIG = SearchConfig(n_folds=3, max_evals=4, seed=7, max_rounds=200, early_stopping_rounds=20)


def planted(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Features where only f0 (linear) and f1·f2 (interaction) drive the default log-odds; ≈ 10 % defaults."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"f{i}" for i in range(8)])
    X.loc[rng.random(n) < 0.1, "f5"] = np.nan  # missing values must be handled by every family
    logit = -2.6 + 1.2 * X["f0"] + 1.5 * X["f1"] * X["f2"]
    proba = 1 / (1 + np.exp(-logit.to_numpy()))
    y = pd.Series((rng.random(n) < proba).astype(int), name="TARGET")
    return X, y, proba


def test_undersample_keeps_every_default_and_as_many_non_defaults() -> None:
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    kept = undersample(np.arange(10), y, seed=1)
    # 2 defaults (rows 0 and 4) are kept, plus 2 of the 8 non-defaults, in the original order
    assert {0, 4} <= set(kept) and len(kept) == 4 and list(kept) == sorted(kept)
    assert y[kept].sum() == 2
    np.testing.assert_array_equal(kept, undersample(np.arange(10), y, seed=1))


def test_undersample_restricted_to_the_training_fold_rows() -> None:
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    fold = np.array([0, 1, 2, 3, 5, 6])  # one default (row 0) in this fold
    kept = undersample(fold, y, seed=3)
    assert set(kept) <= set(fold) and len(kept) == 2 and 0 in kept


def test_holdout_and_folds_are_stratified_and_disjoint() -> None:
    X, y, _ = planted()
    split = split_holdout(X, y, holdout=0.2, seed=1)
    assert len(split.X_holdout) == 600 and not set(split.X_holdout.index) & set(split.X_train.index)
    assert split.y_holdout.mean() == pytest.approx(y.mean(), abs=0.005)
    folds = cv_folds(split.y_train, n_folds=3, seed=1)
    valid = np.concatenate([v for _, v in folds])
    assert sorted(valid) == list(range(len(split.y_train)))  # every row is predicted out-of-fold exactly once
    for train_idx, valid_idx in folds:
        assert not set(train_idx) & set(valid_idx)
        assert split.y_train.iloc[valid_idx].mean() == pytest.approx(split.y_train.mean(), abs=0.01)


def test_too_few_defaults_for_the_folds_is_refused() -> None:
    with pytest.raises(ValueError, match="2 defaults cannot fill 3"):
        cv_folds(pd.Series([1, 1, 0, 0, 0, 0]), n_folds=3, seed=0)


def test_dummy_has_no_skill_and_costs_the_cheaper_reference_policy() -> None:
    X, y, _ = planted()
    folds = cv_folds(y, n_folds=3, seed=0)
    result = evaluate_config("dummy", {"imbalance": "none"}, X, y, folds, config=CONFIG)
    assert result.metrics["auc"] == pytest.approx(0.5)
    assert result.cost == pytest.approx(min(result.search.cost_accept_all, result.search.cost_refuse_all))


def test_logreg_finds_the_linear_signal_but_not_the_interaction() -> None:
    X, y, proba = planted()
    folds = cv_folds(y, n_folds=3, seed=0)
    result = evaluate_config("logreg", {"C": 1.0, "imbalance": "none"}, X, y, folds, config=CONFIG)
    linear_only = 1.2 * X["f0"]  # the best a linear model can rank: the interaction has no linear part
    from sklearn.metrics import roc_auc_score

    assert result.metrics["auc"] == pytest.approx(roc_auc_score(y, linear_only), abs=0.03)
    assert result.metrics["auc"] < roc_auc_score(y, proba) - 0.05


def test_lightgbm_search_beats_logreg_on_a_planted_interaction() -> None:
    X, y, proba = planted()
    folds = cv_folds(y, n_folds=3, seed=0)
    lgbm = search_family("lightgbm", X, y, folds, config=CONFIG)
    logreg = search_family("logreg", X, y, folds, config=CONFIG)
    assert len(lgbm.trials) == CONFIG.max_evals and len(logreg.trials) == CONFIG.max_evals
    assert lgbm.best.cost < logreg.best.cost
    from sklearn.metrics import roc_auc_score

    assert lgbm.best.metrics["auc"] > roc_auc_score(y, proba) - 0.05
    assert all(len(t.best_iterations) == 3 for t in lgbm.trials)


def test_every_imbalance_method_is_tried_first() -> None:
    X, y, _ = planted(n=1500)
    folds = cv_folds(y, n_folds=2, seed=0)
    result = search_family("logreg", X, y, folds, config=CONFIG)
    assert [t.params["imbalance"] for t in result.trials[:3]] == ["class_weight", "undersample", "none"]


def test_class_weights_inflate_probabilities_and_move_the_threshold_up() -> None:
    # Balanced weights multiply the odds by ≈ n_neg / n_pos ≈ 9, so the cost-optimal threshold moves from
    # ≈ 1/11 (calibrated) towards ≈ 0.5.
    X, y, _ = planted()
    folds = cv_folds(y, n_folds=3, seed=0)
    plain = evaluate_config("logreg", {"C": 1.0, "imbalance": "none"}, X, y, folds, config=CONFIG)
    weighted = evaluate_config("logreg", {"C": 1.0, "imbalance": "class_weight"}, X, y, folds, config=CONFIG)
    assert plain.search.threshold < 0.2 < weighted.search.threshold
    assert weighted.oof.mean() > 2 * plain.oof.mean()


def test_same_seed_same_search() -> None:
    X, y, _ = planted(n=1500)
    folds = cv_folds(y, n_folds=2, seed=0)
    a = search_family("lightgbm", X, y, folds, config=CONFIG)
    b = search_family("lightgbm", X, y, folds, config=CONFIG)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    assert [t.metrics["auc"] for t in a.trials] == [t.metrics["auc"] for t in b.trials]
    np.testing.assert_array_equal(a.best.oof, b.best.oof)


def test_refit_gives_servable_estimators() -> None:
    X, y, _ = planted(n=1500)
    folds = cv_folds(y, n_folds=2, seed=0)
    params = {
        "learning_rate": 0.1,
        "num_leaves": 15,
        "min_child_samples": 20,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.9,
        "lambda_l2": 1.0,
        "imbalance": "none",
    }
    trial = evaluate_config("lightgbm", params, X, y, folds, config=CONFIG)
    booster = refit(trial, X, y, config=CONFIG)
    assert isinstance(booster, lgb.Booster)
    assert booster.current_iteration() == refit_rounds(trial) == round(np.mean(trial.best_iterations))
    dummy = evaluate_config("dummy", {"imbalance": "none"}, X, y, folds, config=CONFIG)
    prior = refit(dummy, X, y, config=CONFIG)
    assert isinstance(prior, Pipeline)
    # the servable dummy is an intercept-only logistic regression: its probability is the default rate
    np.testing.assert_allclose(predict_proba(prior, X), y.mean(), rtol=1e-9)

"""Model-selection core on hand-built and planted-signal feature matrices (no MLflow)."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from custom_model.families.base import FinalFit, undersample
from custom_model.families.dummy import Dummy
from custom_model.families.lightgbm import LightGBM
from entry_points.training.search import (
    CANNOT_WIN_MARGIN,
    Budget,
    SearchConfig,
    cv_folds,
    evaluate_config,
    finalize,
    refit,
    search_family,
    split_holdout,
    unused_features,
)

CONFIG = SearchConfig(n_folds=3, max_evals=4, seed=7, max_rounds=200, early_stopping_rounds=20)
BASE = {
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_child_samples": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.9,
    "lambda_l2": 1.0,
}


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
    model = refit(trial, X, y, config=CONFIG)
    assert isinstance(model, LightGBM)
    # refitted without early stopping, for the mean early-stopping round of the CV folds
    assert model.booster_.current_iteration() == model.rounds == round(np.mean(trial.best_iterations))
    dummy = evaluate_config("dummy", {"imbalance": "none"}, X, y, folds, config=CONFIG)
    prior = refit(dummy, X, y, config=CONFIG)
    assert isinstance(prior, Dummy)
    # the servable dummy predicts the default rate; its explanation is the prior's log-odds alone
    np.testing.assert_allclose(prior.predict_proba(X), y.mean(), rtol=1e-9)
    contrib = prior.contributions(X)
    assert not contrib[:, :-1].any()
    np.testing.assert_allclose(contrib[:, -1], np.log(y.mean() / (1 - y.mean())), rtol=1e-9)


@pytest.mark.parametrize("family", ["logreg", "lightgbm"])
def test_folds_fitted_in_parallel_give_the_same_search(family: str) -> None:
    X, y, _ = planted()
    folds = cv_folds(y, n_folds=3, seed=2)
    params = (
        {"C": 0.1, "imbalance": "undersample"} if family == "logreg" else dict(BASE, imbalance="undersample")
    )
    one = evaluate_config(family, params, X, y, folds, config=CONFIG)
    two = evaluate_config(family, params, X, y, folds, config=replace(CONFIG, workers=2))
    np.testing.assert_array_equal(one.oof, two.oof)
    assert one.best_iterations == two.best_iterations and one.cost == two.cost


def test_binned_fold_reused_by_every_trial_equals_a_fresh_fit() -> None:
    X, y, _ = planted()
    (train_idx, valid_idx), *_ = cv_folds(y, n_folds=3, seed=2)
    y_arr = y.to_numpy()
    X_tr, X_va = X.iloc[train_idx], X.iloc[valid_idx]
    fold = LightGBM.prepare_fold(X_tr, y_arr[train_idx], X_va, y_arr[valid_idx], settings=CONFIG.fit)
    for imbalance in ("none", "class_weight"):  # all rows: the same bins as a Dataset built for the fit
        params = dict(BASE, imbalance=imbalance, min_child_samples=10 if imbalance == "none" else 100)
        fresh = LightGBM(params, settings=CONFIG.fit).fit(
            X_tr, y_arr[train_idx], valid=(X_va, y_arr[valid_idx])
        )
        reused = LightGBM(params, settings=CONFIG.fit).fit_fold(fold)
        assert reused.rounds == fresh.rounds
        np.testing.assert_allclose(reused.predict_fold(fold), fresh.predict_proba(X_va), rtol=0, atol=1e-12)


def test_a_family_that_cannot_reach_the_leader_stops_after_its_first_configurations() -> None:
    X, y, _ = planted()
    folds = cv_folds(y, n_folds=3, seed=2)
    config = replace(CONFIG, max_evals=8)
    leader = search_family("lightgbm", X, y, folds, config=config).best.cost
    behind = search_family("logreg", X, y, folds, config=config, budget=Budget(leader_cost=leader))
    free = search_family("logreg", X, y, folds, config=config)
    assert len(free.trials) == 8
    assert len(behind.trials) == 3  # its three seeded configurations (one per imbalance method), then stop
    assert behind.best.cost > leader * (1 + CANNOT_WIN_MARGIN)
    assert [t.params for t in behind.trials] == [t.params for t in free.trials[:3]]
    assert "cannot reach the leader" in behind.stopped and free.stopped == ""


def test_the_time_budget_stops_the_search_after_its_seeded_configurations() -> None:
    X, y, _ = planted()
    folds = cv_folds(y, n_folds=3, seed=2)
    result = search_family(
        "lightgbm", X, y, folds, config=replace(CONFIG, max_evals=8), budget=Budget(deadline=time.monotonic())
    )
    assert len(result.trials) == 3  # hyperopt runs the seeded configurations as one batch, then stops
    assert result.stopped == "time budget (max_minutes) used up"


def test_the_final_fit_serves_the_fold_models_whose_out_of_fold_cost_it_reports() -> None:
    X, y, _ = planted()
    folds = cv_folds(y, n_folds=3, seed=2)
    searched = search_family("lightgbm", X, y, folds, config=CONFIG).best
    final = finalize(searched, X, y, folds, config=CONFIG, final=FinalFit(learning_rate=0.05, patience=100))
    assert final.kind == "fold_average" and final.trial.cost < searched.cost  # (0.5393 searched here)
    assert final.trial.params == {**searched.params, "learning_rate": 0.05}
    assert len(final.model.members) == 3
    for (_, valid_idx), member in zip(folds, final.model.members, strict=True):
        np.testing.assert_array_equal(member.predict_proba(X.iloc[valid_idx]), final.trial.oof[valid_idx])
    assert min(final.trial.best_iterations) > max(searched.best_iterations)  # slower rate, more rounds


def test_a_final_fit_that_does_not_win_leaves_the_searched_configuration_refitted() -> None:
    X, y, _ = planted()
    folds = cv_folds(y, n_folds=3, seed=2)
    searched = search_family("lightgbm", X, y, folds, config=CONFIG).best
    worse = FinalFit(learning_rate=0.5, max_rounds=3, patience=1)  # three big steps cannot beat the search
    final = finalize(searched, X, y, folds, config=CONFIG, final=worse)
    assert final.kind == "refit" and final.trial is searched
    assert final.model.rounds == round(np.mean(searched.best_iterations))
    logreg = search_family("logreg", X, y, folds, config=CONFIG).best
    assert finalize(logreg, X, y, folds, config=CONFIG, final=FinalFit()).kind == "refit"  # no slower variant


def test_features_no_tree_ever_splits_on_are_the_unused_ones() -> None:
    X, y, _ = planted()
    X = X.assign(constant=1.0, empty=np.nan, flag_once=0.0)
    X.loc[0, "flag_once"] = 1.0  # one client differs: below LightGBM's minimum leaf size, never a split
    folds = cv_folds(y, n_folds=3, seed=2)
    unused = unused_features(X, y, folds, config=CONFIG)
    assert {"constant", "empty", "flag_once"} <= set(unused)
    assert not {"f0", "f1", "f2"} & set(unused)  # the planted signal is kept

"""Model selection on a feature matrix: holdout split, stratified CV, hyperopt TPE per family, refit.

Every candidate is judged on the out-of-fold business cost at its own tuned threshold, so that a model
is preferred for what its decisions cost the company, not for its accuracy.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from hyperopt import STATUS_OK, fmin, hp, tpe
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from custom_model.cost import ThresholdSearch, tune_threshold

logger = logging.getLogger(__name__)

#: Model families, from the simplest to the most complex.
FAMILIES = ("dummy", "logreg", "lightgbm")
#: How the 8 % minority of defaults is handled: nothing, class weights, or undersampling of the majority.
IMBALANCE_METHODS = ("class_weight", "undersample", "none")


@dataclass(frozen=True)
class SearchConfig:
    """Budget and business settings of one search."""

    cost_fn: float = 10.0
    cost_fp: float = 1.0
    n_folds: int = 3
    max_evals: int = 10
    seed: int = 42
    num_threads: int = 1
    max_rounds: int = 300
    early_stopping_rounds: int = 20


@dataclass(frozen=True)
class TrialResult:
    """One configuration evaluated by cross-validation."""

    family: str
    number: int
    params: dict[str, Any]
    search: ThresholdSearch
    metrics: dict[str, float]
    fit_seconds: float
    best_iterations: tuple[int, ...] = ()
    oof: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    @property
    def cost(self) -> float:
        """Out-of-fold cost per client at the tuned threshold (the search loss)."""
        return self.search.cost


@dataclass(frozen=True)
class FamilyResult:
    """All trials of one family and the best of them."""

    family: str
    trials: tuple[TrialResult, ...]

    @property
    def best(self) -> TrialResult:
        """Lowest out-of-fold cost; the earliest trial on ties."""
        return min(self.trials, key=lambda t: (t.cost, t.number))


@dataclass(frozen=True)
class Split:
    """Rows used for selection (train) and the stratified holdout kept aside until the final evaluation."""

    X_train: pd.DataFrame
    y_train: pd.Series
    X_holdout: pd.DataFrame
    y_holdout: pd.Series


def split_holdout(X: pd.DataFrame, y: pd.Series, *, holdout: float, seed: int) -> Split:
    """Set a stratified share of rows aside; the rest is for cross-validated selection."""
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be a fraction in (0, 1); got {holdout!r}")
    X_tr, X_ho, y_tr, y_ho = train_test_split(X, y, test_size=holdout, stratify=y, random_state=seed)
    return Split(X_tr, y_tr, X_ho, y_ho)


def cv_folds(y: pd.Series, *, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified, shuffled, seeded K-fold index pairs."""
    if n_folds < 2:
        raise ValueError(f"n_folds must be >= 2; got {n_folds}")
    if int(y.sum()) < n_folds:
        raise ValueError(f"{int(y.sum())} defaults cannot fill {n_folds} stratified folds; lower n_folds")
    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(skf.split(np.zeros(len(y)), y.to_numpy()))


def undersample(index: np.ndarray, y: np.ndarray, *, seed: int) -> np.ndarray:
    """Keep every default and as many randomly drawn non-defaults (1:1), in the original order."""
    labels = y[index]
    pos, neg = index[labels == 1], index[labels == 0]
    if neg.size <= pos.size:
        return index
    kept = np.random.default_rng(seed).choice(neg, size=pos.size, replace=False)
    return np.sort(np.concatenate([pos, kept]))


def logreg_pipeline(*, C: float, class_weight: str | None, seed: int) -> Pipeline:
    """Impute and scale inside one sklearn Pipeline so that CV folds never leak statistics.

    Categoricals arrive already one-hot encoded by `FeaturePreprocessor`; all-missing columns are kept (as 0
    after scaling) so that the served model can explain every input column with coefficient × value.
    """
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=C, class_weight=class_weight, max_iter=300, random_state=seed)),
        ]
    )


def numeric_matrix(X: pd.DataFrame) -> np.ndarray:
    """Float matrix of an all-numeric feature frame (the served model passes arrays, not frames)."""
    text = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if text:
        raise ValueError(
            f"feature frame: columns {text[:5]} are not numeric; encode them (FeaturePreprocessor)"
        )
    return X.to_numpy(dtype=np.float64)


def lightgbm_params(params: dict[str, Any], *, y: np.ndarray, config: SearchConfig) -> dict[str, Any]:
    """Full, deterministic LightGBM parameters for one configuration of the search space."""
    out = {
        "objective": "binary",
        "metric": "auc",
        "learning_rate": float(params["learning_rate"]),
        "num_leaves": int(params["num_leaves"]),
        "min_child_samples": int(params["min_child_samples"]),
        "feature_fraction": float(params["feature_fraction"]),
        "bagging_fraction": float(params["bagging_fraction"]),
        "bagging_freq": 1,
        "lambda_l2": float(params["lambda_l2"]),
        "max_bin": 63,
        "seed": config.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": config.num_threads,
        "verbosity": -1,
    }
    if params["imbalance"] == "class_weight":
        out["scale_pos_weight"] = float((y == 0).sum() / max((y == 1).sum(), 1))
    return out


def fit_estimator(
    family: str,
    params: dict[str, Any],
    X: pd.DataFrame,
    y: pd.Series,
    *,
    config: SearchConfig,
    valid: tuple[pd.DataFrame, pd.Series] | None = None,
    num_boost_round: int | None = None,
) -> tuple[object, int]:
    """Fit one family on (X, y) with its imbalance handling; return the estimator and its boosting rounds."""
    y_arr = y.to_numpy()
    rows = np.arange(len(y_arr))
    if params.get("imbalance") == "undersample":
        rows = undersample(rows, y_arr, seed=config.seed)
    X_fit, y_fit = X.iloc[rows], y_arr[rows]
    if family == "dummy":
        return DummyClassifier(strategy="prior").fit(X_fit, y_fit), 0
    if family == "logreg":
        weight = "balanced" if params["imbalance"] == "class_weight" else None
        pipe = logreg_pipeline(C=float(params["C"]), class_weight=weight, seed=config.seed)
        return pipe.fit(numeric_matrix(X_fit), y_fit), 0
    if family == "lightgbm":
        lgb_params = lightgbm_params(params, y=y_fit, config=config)
        train_set = lgb.Dataset(X_fit, label=y_fit, free_raw_data=True)
        if valid is None:
            booster = lgb.train(lgb_params, train_set, num_boost_round=num_boost_round or config.max_rounds)
            return booster, booster.current_iteration()
        valid_set = lgb.Dataset(valid[0], label=valid[1].to_numpy(), reference=train_set)
        booster = lgb.train(
            lgb_params,
            train_set,
            num_boost_round=config.max_rounds,
            valid_sets=[valid_set],
            callbacks=[
                lgb.early_stopping(config.early_stopping_rounds, verbose=False),
                lgb.log_evaluation(0),
            ],
        )
        return booster, booster.best_iteration or booster.current_iteration()
    raise ValueError(f"unknown model family {family!r}; expected one of {', '.join(FAMILIES)}")


def predict_proba(estimator: object, X: pd.DataFrame) -> np.ndarray:
    """Probability of default from any family's estimator."""
    if isinstance(estimator, lgb.Booster):
        best = estimator.best_iteration or None
        return np.asarray(estimator.predict(X, num_iteration=best), dtype=float)
    return np.asarray(estimator.predict_proba(numeric_matrix(X))[:, 1], dtype=float)  # type: ignore[attr-defined]


def control_metrics(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, float]:
    """AUC, accuracy, recall, precision and Brier score, logged beside the cost for control."""
    refused = (proba >= threshold).astype(int)
    return {
        "auc": float(roc_auc_score(y, proba)) if len(np.unique(y)) == 2 else float("nan"),
        "accuracy": float(accuracy_score(y, refused)),
        "recall": float(recall_score(y, refused, zero_division=0)),
        "precision": float(precision_score(y, refused, zero_division=0)),
        "brier": float(brier_score_loss(y, proba)),
        "refusal_rate": float(refused.mean()),
    }


def evaluate_config(
    family: str,
    params: dict[str, Any],
    X: pd.DataFrame,
    y: pd.Series,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    config: SearchConfig,
    number: int = 0,
) -> TrialResult:
    """Cross-validate one configuration; tune the threshold on its out-of-fold probabilities."""
    oof = np.zeros(len(y))
    iterations: list[int] = []
    start = time.perf_counter()
    for train_idx, valid_idx in folds:
        X_va, y_va = X.iloc[valid_idx], y.iloc[valid_idx]
        estimator, rounds = fit_estimator(
            family, params, X.iloc[train_idx], y.iloc[train_idx], config=config, valid=(X_va, y_va)
        )
        oof[valid_idx] = predict_proba(estimator, X_va)
        iterations.append(rounds)
    seconds = time.perf_counter() - start
    y_arr = y.to_numpy()
    search = tune_threshold(y_arr, oof, cost_fn=config.cost_fn, cost_fp=config.cost_fp)
    metrics = {**control_metrics(y_arr, oof, search.threshold), **search.as_metrics(), "fit_seconds": seconds}
    return TrialResult(
        family=family,
        number=number,
        params=dict(params),
        search=search,
        metrics=metrics,
        fit_seconds=seconds,
        best_iterations=tuple(iterations) if family == "lightgbm" else (),
        oof=oof,
    )


def search_space(family: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Hyperopt space of a family and the seed points that try every imbalance method with default values."""
    if family == "logreg":
        space = {
            "C": hp.loguniform("C", math.log(1e-3), math.log(1.0)),
            "imbalance": hp.choice("imbalance", IMBALANCE_METHODS),
        }
        seeds = [{"C": 0.1, "imbalance": i} for i in range(len(IMBALANCE_METHODS))]
        return space, seeds
    if family == "lightgbm":
        space = {
            "learning_rate": hp.loguniform("learning_rate", math.log(0.05), math.log(0.3)),
            "num_leaves": hp.quniform("num_leaves", 7, 63, 1),
            "min_child_samples": hp.quniform("min_child_samples", 10, 200, 5),
            "feature_fraction": hp.uniform("feature_fraction", 0.2, 0.9),
            "bagging_fraction": hp.uniform("bagging_fraction", 0.6, 1.0),
            "lambda_l2": hp.loguniform("lambda_l2", math.log(1e-3), math.log(30.0)),
            "imbalance": hp.choice("imbalance", IMBALANCE_METHODS),
        }
        default = {
            "learning_rate": 0.1,
            "num_leaves": 15,
            "min_child_samples": 50,
            "feature_fraction": 0.5,
            "bagging_fraction": 0.8,
            "lambda_l2": 1.0,
        }
        return space, [{**default, "imbalance": i} for i in range(len(IMBALANCE_METHODS))]
    raise ValueError(f"family {family!r} has no search space")


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    """Hyperopt floats for integer parameters become ints; everything else is kept."""
    ints = {"num_leaves", "min_child_samples"}
    return {
        k: int(v) if k in ints else (float(v) if isinstance(v, float | np.floating) else v)
        for k, v in params.items()
    }


def search_family(
    family: str,
    X: pd.DataFrame,
    y: pd.Series,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    config: SearchConfig,
    on_trial: Callable[[TrialResult, float], None] | None = None,
) -> FamilyResult:
    """Run the TPE search of one family (the dummy has a single configuration) and report every trial."""
    results: list[TrialResult] = []

    def run(params: dict[str, Any]) -> TrialResult:
        result = evaluate_config(family, _clean(params), X, y, folds, config=config, number=len(results))
        results.append(result)
        best = min(r.cost for r in results)
        logger.info(
            "%s trial %d/%d: cost %.4f at threshold %.3f, AUC %.4f (best cost so far %.4f) in %.1fs",
            family,
            len(results),
            n_trials,
            result.cost,
            result.search.threshold,
            result.metrics["auc"],
            best,
            result.fit_seconds,
        )
        if on_trial is not None:
            on_trial(result, best)
        return result

    if family == "dummy":
        n_trials = 1
        run({"imbalance": "none"})
        return FamilyResult(family, tuple(results))

    space, seeds = search_space(family)
    n_trials = max(config.max_evals, 1)
    # hyperopt runs len(points_to_evaluate) + max_evals trials and needs max_evals >= 1.
    first = seeds[: min(len(seeds), n_trials - 1)]
    fmin(
        fn=lambda p: {"loss": run(p).cost, "status": STATUS_OK},
        space=space,
        algo=tpe.suggest,
        max_evals=n_trials - len(first),
        rstate=np.random.default_rng(config.seed),
        points_to_evaluate=first or None,
        show_progressbar=False,
    )
    return FamilyResult(family, tuple(results))


def refit_rounds(trial: TrialResult) -> int:
    """Boosting rounds of the final model: the mean early-stopping round over the CV folds."""
    return max(1, round(float(np.mean(trial.best_iterations)))) if trial.best_iterations else 0


def prior_pipeline(X: pd.DataFrame, y: pd.Series, *, seed: int) -> Pipeline:
    """The dummy's constant prior as an intercept-only logistic regression, the servable Pipeline form."""
    pipe = logreg_pipeline(C=1.0, class_weight=None, seed=seed).fit(numeric_matrix(X), y.to_numpy())
    prior = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    pipe[-1].coef_[:] = 0.0
    pipe[-1].intercept_[:] = math.log(prior / (1 - prior))
    return pipe


def refit(trial: TrialResult, X: pd.DataFrame, y: pd.Series, *, config: SearchConfig) -> object:
    """Fit the chosen configuration on all selection rows (no early stopping: rounds come from CV).

    The dummy is refitted as its equivalent intercept-only logistic regression so that it can be served.
    """
    if trial.family == "dummy":
        return prior_pipeline(X, y, seed=config.seed)
    estimator, _ = fit_estimator(
        trial.family, trial.params, X, y, config=config, num_boost_round=refit_rounds(trial) or None
    )
    return estimator

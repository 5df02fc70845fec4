"""Model selection on a feature matrix: holdout split, stratified CV, hyperopt TPE per family, refit.

Every candidate is judged on the out-of-fold business cost at its own tuned threshold, so that a model
is preferred for what its decisions cost the company, not for its accuracy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from hyperopt import STATUS_OK, fmin, tpe
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from custom_model.cost import DEFAULT_COST_FN, DEFAULT_COST_FP, ThresholdSearch, is_refused, tune_threshold
from custom_model.families import (
    FinalFit,
    FitSettings,
    FoldAverage,
    ModelFamily,
    family_class,
    feature_selector,
)
from custom_model.families.base import FoldData

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchConfig:
    """Budget and business settings of one search; the training job builds it from `TrainSettings`."""

    n_folds: int
    max_evals: int
    seed: int
    max_rounds: int
    cost_fn: float = DEFAULT_COST_FN
    cost_fp: float = DEFAULT_COST_FP
    num_threads: int = 1
    early_stopping_rounds: int = 20
    #: CV folds fitted at the same time (Python threads; LightGBM and BLAS release the GIL). Results do not
    #: depend on it: each fold's fit is single-threaded and independent.
    workers: int = 1
    #: Configurations evaluated at once by hyperopt's SparkTrials on the Spark session; 1: serial Trials.
    parallelism: int = 1

    @property
    def fit(self) -> FitSettings:
        """The fixed settings every fit of the search uses."""
        return FitSettings(
            seed=self.seed,
            num_threads=self.num_threads,
            max_rounds=self.max_rounds,
            early_stopping_rounds=self.early_stopping_rounds,
        )


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
    #: When its cross-validation started (epoch seconds), so that its MLflow run shows its real duration.
    started_at: float = 0.0
    oof: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    #: The fold models, kept only when asked (the final fit's, to be averaged).
    models: tuple[ModelFamily, ...] = field(default=(), repr=False, compare=False)

    @property
    def cost(self) -> float:
        """Out-of-fold cost per client at the tuned threshold (the search loss)."""
        return self.search.cost


@dataclass(frozen=True)
class FamilyResult:
    """All trials of one family and the best of them."""

    family: str
    trials: tuple[TrialResult, ...]
    stopped: str = ""  # why the search ended before its max_evals (empty: it ran them all)

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


def control_metrics(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, float]:
    """AUC, accuracy, recall, precision and Brier score, logged beside the cost for control."""
    refused = is_refused(proba, threshold).astype(int)
    return {
        "auc": float(roc_auc_score(y, proba)) if len(np.unique(y)) == 2 else float("nan"),
        "accuracy": float(accuracy_score(y, refused)),
        "recall": float(recall_score(y, refused, zero_division=0)),
        "precision": float(precision_score(y, refused, zero_division=0)),
        "brier": float(brier_score_loss(y, proba)),
        "refusal_rate": float(refused.mean()),
    }


def prepare_folds(
    cls: type[ModelFamily],
    X: pd.DataFrame,
    y: pd.Series,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    config: SearchConfig,
) -> list[FoldData]:
    """Each fold's data in the family's fastest form, built once for all the trials of its search."""
    y_arr = y.to_numpy()
    return [
        cls.prepare_fold(
            X.iloc[train_idx], y_arr[train_idx], X.iloc[valid_idx], y_arr[valid_idx], settings=config.fit
        )
        for train_idx, valid_idx in folds
    ]


def _fit_folds(
    cls: type[ModelFamily], params: dict[str, Any], prepared: Sequence[FoldData], *, config: SearchConfig
) -> list[tuple[np.ndarray, ModelFamily]]:
    """Fit one configuration on every fold, ``config.workers`` folds at a time: (validation probabilities,
    fitted model) per fold, in fold order."""

    def one(fold: FoldData) -> tuple[np.ndarray, ModelFamily]:
        model = cls(params, settings=config.fit).fit_fold(fold)
        return model.predict_fold(fold), model

    if config.workers <= 1 or len(prepared) <= 1:
        return [one(fold) for fold in prepared]
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        return list(pool.map(one, prepared))


def evaluate_config(
    family: str,
    params: dict[str, Any],
    X: pd.DataFrame,
    y: pd.Series,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    config: SearchConfig,
    number: int = 0,
    prepared: Sequence[FoldData] | None = None,
    keep_models: bool = False,
) -> TrialResult:
    """Cross-validate one configuration; tune the threshold on its out-of-fold probabilities.

    ``prepared`` are the folds as `prepare_folds` made them for this family (built here when not given).
    """
    cls = family_class(family)
    y_arr = y.to_numpy()
    oof = np.zeros(len(y))
    iterations: list[int] = []
    started_at, start = time.time(), time.perf_counter()
    if prepared is None:
        prepared = prepare_folds(cls, X, y, folds, config=config)
    fitted = _fit_folds(cls, params, prepared, config=config)
    for (_, valid_idx), (proba, model) in zip(folds, fitted, strict=True):
        oof[valid_idx] = proba
        iterations.append(model.rounds)
    seconds = time.perf_counter() - start
    search = tune_threshold(y_arr, oof, cost_fn=config.cost_fn, cost_fp=config.cost_fp)
    metrics = {**control_metrics(y_arr, oof, search.threshold), **search.as_metrics(), "fit_seconds": seconds}
    return TrialResult(
        family=family,
        number=number,
        params=dict(params),
        search=search,
        metrics=metrics,
        fit_seconds=seconds,
        best_iterations=tuple(iterations) if any(iterations) else (),
        started_at=started_at,
        oof=oof,
        models=tuple(model for _, model in fitted) if keep_models else (),
    )


def unused_features(
    X: pd.DataFrame, y: pd.Series, folds: Sequence[tuple[np.ndarray, np.ndarray]], *, config: SearchConfig
) -> list[str]:
    """Features that no fold model of the selecting family's first configuration uses (importance 0).

    A column a boosted model never splits on in any fold adds nothing but width: dropping it before the
    search makes every trial and the served model faster, and the explanations shorter.
    """
    cls = feature_selector()
    if cls is None:
        return []
    space = cls.search_space()
    trial = evaluate_config(
        cls.name, space.clean(dict(space.seeds[0])), X, y, folds, config=config, keep_models=True
    )
    used = np.sum([model.structural_importance() for model in trial.models], axis=0) > 0
    return [column for column, keep in zip(X.columns, used, strict=True) if not keep]


#: A family whose best out-of-fold cost, after its first configurations, is this much above the best family
#: searched before it cannot win: its search stops there (logged), the rest of the budget goes elsewhere.
CANNOT_WIN_MARGIN = 0.02


@dataclass(frozen=True)
class Budget:
    """When a family's search must stop: a clock deadline and the cost to beat (None: no limit)."""

    deadline: float | None = None
    leader_cost: float | None = None

    def stop_reason(self, costs: Sequence[float], n_seeds: int) -> str | None:
        """Why the search stops after these trials, or None to go on."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "time budget (max_minutes) used up"
        behind = self.leader_cost is not None and min(costs) > self.leader_cost * (1 + CANNOT_WIN_MARGIN)
        if behind and len(costs) >= n_seeds:
            return f"best cost {min(costs):.4f} cannot reach the leader's {self.leader_cost:.4f}"
        return None


def _eta(results: Sequence[TrialResult], n_trials: int, deadline: float | None) -> str:
    """Remaining time of a family's search from its mean trial time, capped by the deadline."""
    left = (n_trials - len(results)) * float(np.mean([r.fit_seconds for r in results]))
    if deadline is not None:
        left = min(left, max(deadline - time.monotonic(), 0.0))
    return f"{int(left // 60)}:{int(left % 60):02d}"


def search_family(
    family: str,
    X: pd.DataFrame,
    y: pd.Series,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    config: SearchConfig,
    on_trial: Callable[[TrialResult, float], None] | None = None,
    budget: Budget = Budget(),
) -> FamilyResult:
    """Run the TPE search of one family (one configuration when it has no space); report each trial.

    Its seeded configurations always run (hyperopt evaluates them as one batch); then it stops early when
    ``budget`` says so: at its deadline, or when it cannot reach the leader's cost.
    """
    space = family_class(family).search_space()
    prepared = prepare_folds(family_class(family), X, y, folds, config=config)
    n_trials = 1 if space.space is None else max(config.max_evals, 1)
    results: list[TrialResult] = []
    stopped: list[str] = []

    def run(params: dict[str, Any]) -> TrialResult:
        result = evaluate_config(
            family, space.clean(params), X, y, folds, config=config, number=len(results), prepared=prepared
        )
        results.append(result)
        best = min(r.cost for r in results)
        logger.info(
            "%s trial %d/%d: cost %.4f at threshold %.3f, AUC %.4f (best %.4f) in %.1fs, ETA %s",
            family,
            len(results),
            n_trials,
            result.cost,
            result.search.threshold,
            result.metrics["auc"],
            best,
            result.fit_seconds,
            _eta(results, n_trials, budget.deadline),
        )
        if on_trial is not None:
            on_trial(result, best)
        return result

    if space.space is None:
        run(dict(space.seeds[0]))
        return FamilyResult(family, tuple(results))
    # hyperopt runs len(points_to_evaluate) + max_evals trials and needs max_evals >= 1.
    first = [dict(p) for p in space.seeds[: min(len(space.seeds), n_trials - 1)]]

    def early_stop(_trials: object, *args: object) -> tuple[bool, tuple]:
        reason = budget.stop_reason([r.cost for r in results], n_seeds=len(first))
        if reason is not None:
            logger.info("%s search stopped after %d trials: %s", family, len(results), reason)
            stopped.append(reason)
        return reason is not None, args

    if config.parallelism > 1:
        return _parallel_search(family, space, X, y, folds, config, first, n_trials, on_trial, budget)
    fmin(
        fn=lambda p: {"loss": run(p).cost, "status": STATUS_OK},
        space=dict(space.space),
        algo=tpe.suggest,
        max_evals=n_trials - len(first),
        rstate=np.random.default_rng(config.seed),
        points_to_evaluate=first or None,
        show_progressbar=False,
        early_stop_fn=early_stop,
    )
    return FamilyResult(family, tuple(results), stopped=stopped[0] if stopped else "")


def _parallel_search(
    family: str,
    space: Any,
    X: pd.DataFrame,
    y: pd.Series,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    config: SearchConfig,
    first: list[dict],
    n_trials: int,
    on_trial: Callable[[TrialResult, float], None] | None,
    budget: Budget,
) -> FamilyResult:
    """The search with SparkTrials: trials run in Spark tasks, reported here afterwards in hyperopt's order.

    TPE proposes each configuration from the trials finished when it is asked, which depends on timing, and
    does not see the seeded ones: the configurations tried are not reproducible beyond the seeded ones; each
    one's loss is (the same fold code). The budget's cannot-win rule does not apply; its deadline does.
    """
    from hyperopt import SparkTrials, space_eval

    from entry_points.batch.session import start_spark

    def objective(params: dict[str, Any]) -> dict[str, Any]:
        result = evaluate_config(family, space.clean(params), X, y, folds, config=config)
        return {"loss": result.cost, "status": STATUS_OK, "trial": result}

    spark = start_spark()
    # SparkTrials ignores points_to_evaluate: the seeded configurations (hyperopt's raw form, choice indices)
    # run first, as one Spark job.
    points = [space_eval(dict(space.space), p) for p in first]
    seeded = spark.sparkContext.parallelize(points, len(points)).map(objective).collect() if points else []
    timeout = None if budget.deadline is None else max(int(budget.deadline - time.monotonic()), 1)
    trials = SparkTrials(parallelism=config.parallelism, timeout=timeout, spark_session=spark)
    fmin(
        fn=objective,
        space=dict(space.space),
        algo=tpe.suggest,
        max_evals=n_trials - len(first),
        rstate=np.random.default_rng(config.seed),
        trials=trials,
        show_progressbar=False,
    )
    done = sorted(
        (t for t in trials.trials if t["result"].get("status") == STATUS_OK), key=lambda t: t["tid"]
    )
    results: list[TrialResult] = []
    for number, answer in enumerate([*seeded, *(t["result"] for t in done)]):
        results.append(replace(answer["trial"], number=number))
        if on_trial is not None:
            on_trial(results[-1], min(r.cost for r in results))
    logger.info("%s: %d trials on Spark, %d at a time", family, len(results), config.parallelism)
    return FamilyResult(family, tuple(results))


def refit(trial: TrialResult, X: pd.DataFrame, y: pd.Series, *, config: SearchConfig) -> ModelFamily:
    """Fit the chosen configuration on all selection rows (no early stopping: rounds come from CV)."""
    model = family_class(trial.family)(trial.params, settings=config.fit)
    return model.for_refit(trial.best_iterations).fit(X, y.to_numpy())


@dataclass(frozen=True)
class FinalModel:
    """The model to serve and the cross-validation that judged it (its OOF threshold and figures)."""

    model: ModelFamily
    trial: TrialResult
    kind: str  # "fold_average" (the final fit's fold models) or "refit" (the searched configuration)


def finalize(
    trial: TrialResult,
    X: pd.DataFrame,
    y: pd.Series,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    config: SearchConfig,
    final: FinalFit,
) -> FinalModel:
    """Fit the chosen configuration slowly on each CV fold and serve the fold average if its OOF cost wins.

    The fold models are exactly the ones whose out-of-fold probabilities were scored, so the threshold tuned
    on them is the served model's own; a refit on all rows would have no out-of-fold estimate of its own.
    """
    params = family_class(trial.family)(trial.params, settings=config.fit).final_params(final)
    if params is not None:
        slow = replace(config, max_rounds=final.max_rounds, early_stopping_rounds=final.patience)
        result = evaluate_config(trial.family, params, X, y, folds, config=slow, keep_models=True)
        logger.info(
            "final fit of %s at learning rate %s: OOF cost %.4f (searched %.4f), AUC %.4f, rounds %s, %.0fs",
            trial.family,
            params.get("learning_rate"),
            result.cost,
            trial.cost,
            result.metrics["auc"],
            result.best_iterations,
            result.fit_seconds,
        )
        if result.cost < trial.cost:
            return FinalModel(FoldAverage(result.models), result, "fold_average")
    return FinalModel(refit(trial, X, y, config=config), trial, "refit")

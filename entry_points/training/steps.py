"""The steps of the training job, small functions with frozen results: `entry_points.train.run` chains them.

source → data (tables + features) → split and encode → search (a nested run per family and trial) → refit →
evaluate on the holdout → log figures and tables → register the pyfunc and set its alias.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from custom_model import schema
from custom_model.contract import MODEL_ARTIFACT, MONITORED_FEATURES, REGISTERED_MODEL_NAME, Artifact
from custom_model.cost import bayes_threshold, business_cost, confusion, tune_threshold
from custom_model.families import IMBALANCE_METHODS, ModelFamily, family_class
from custom_model.features.application import RAW_COLUMNS
from custom_model.features.assemble import client_snapshot
from custom_model.labels import model_feature_labels
from custom_model.preprocessing import FeaturePreprocessor
from entry_points.training import descriptions, plots
from entry_points.training.calibration import Calibration, calibrate, expected_calibration_error
from entry_points.training.data import TrainingData, check_no_forbidden_features, generate_demo
from entry_points.training.fairness import DISPARATE_IMPACT_FLOOR, Fairness, fairness_table
from entry_points.training.importance import global_importance, reference_sample
from entry_points.training.model_card import REAL_DATA_AUC_ALARM, CardFacts, render_model_card
from entry_points.training.registry import AliasDecision, assign_alias
from entry_points.training.search import (
    Budget,
    FamilyResult,
    FinalModel,
    TrialResult,
    control_metrics,
    cv_folds,
    refit,
    search_family,
    split_holdout,
    unused_features,
)
from entry_points.training.search import finalize as finalize_model
from entry_points.training.settings import NO_SELECTION, TrainSettings
from entry_points.training.tracking import (
    HOLDOUT_PREFIX,
    cv_metrics,
    experiment_name,
    log_csv,
    log_figure,
    log_parquet,
    log_trial,
    loggable_params,
)

logger = logging.getLogger(__name__)

REFERENCE_SAMPLE_SIZE = 5000
TOP_FEATURES_IN_SAMPLE = 20


@dataclass(frozen=True)
class Source:
    """Where the tables are and the experiment their runs go to."""

    data_dir: Path
    experiment: str


@dataclass(frozen=True)
class Prepared:
    """Encoded selection rows (cross-validated) and holdout rows (kept aside until the final evaluation)."""

    preprocessor: FeaturePreprocessor
    X_sel: pd.DataFrame
    y_sel: pd.Series
    X_hold: pd.DataFrame
    y_hold: pd.Series


@dataclass(frozen=True)
class Selection:
    """Every family's trials, their comparison (best first) and the chosen configuration.

    After `finalize`, ``chosen`` is the cross-validation of the model to serve (``final``), whose threshold
    and out-of-fold figures are reported; the comparison keeps the search's figures.
    """

    results: dict[str, FamilyResult]
    comparison: pd.DataFrame
    chosen: TrialResult
    folds: list[tuple[np.ndarray, np.ndarray]] = field(repr=False, default_factory=list)
    final: FinalModel | None = None
    calibration: Calibration | None = None


@dataclass(frozen=True)
class Evaluation:
    """The final model and its holdout figures, beside the other families' and the oracle's."""

    model: ModelFamily
    threshold: float
    proba_hold: np.ndarray = field(repr=False)
    holdout: dict[str, float]
    oracle: dict[str, float]
    oracle_selection: dict[str, float]
    comparison: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class Explanations:
    """Global importance, the monitored features and the reference sample the client and drift job read."""

    importance: pd.DataFrame
    monitored: tuple[str, ...]
    sample: pd.DataFrame
    raw_hold: pd.DataFrame
    fairness: Fairness


@dataclass(frozen=True)
class Registration:
    """The registered version and the alias it received."""

    version: str
    alias: AliasDecision


def resolve_source(settings: TrainSettings, project_dir: Path) -> Source:
    """The given folder, or demo data generated (once) for the settings' scale and seed."""
    if settings.data_dir is None:
        demo = {"scale": settings.scale, "seed": settings.seed, "mechanism": settings.mechanism}
        return Source(generate_demo(project_dir, **demo), experiment_name(None, **demo))
    return Source(
        settings.data_dir, experiment_name(settings.data_dir, scale=settings.scale, seed=settings.seed)
    )


def split_and_encode(data: TrainingData, settings: TrainSettings) -> Prepared:
    """Stratified holdout aside, category levels learned on the selection rows only, both sides encoded."""
    split = split_holdout(
        data.features.train, data.features.target, holdout=settings.holdout, seed=settings.seed
    )
    preprocessor = FeaturePreprocessor().fit(split.X_train)
    if settings.exclude_features:
        preprocessor = preprocessor.select(
            [name for name in preprocessor.encoded_names_ if not excluded(name, settings.exclude_features)]
        )
    X_sel, X_hold = preprocessor.transform(split.X_train), preprocessor.transform(split.X_holdout)
    check_no_forbidden_features(X_sel.columns)
    return Prepared(preprocessor, X_sel, split.y_train, X_hold, split.y_holdout)


def excluded(feature: str, columns: tuple[str, ...]) -> bool:
    """Whether a model feature is one of ``columns`` or one of their encoded levels (CODE_GENDER_F)."""
    return any(feature == column or feature.startswith(f"{column}_") for column in columns)


def select_features(prepared: Prepared, settings: TrainSettings) -> Prepared:
    """Drop, before the search, the features no model uses (``feature_selection``: zero-importance | none).

    The CV folds are the search's own (same seed), and only selection rows are looked at.
    """
    if settings.feature_selection == NO_SELECTION:
        return prepared
    folds = cv_folds(prepared.y_sel, n_folds=settings.n_folds, seed=settings.seed)
    started = time.perf_counter()
    unused = set(unused_features(prepared.X_sel, prepared.y_sel, folds, config=settings.search))
    kept = [column for column in prepared.X_sel.columns if column not in unused]
    if not kept:  # no split at all (a data set without signal): nothing tells what to drop
        return prepared
    logger.info(
        "feature selection: %d of %d features kept (%d never used) in %.1f s",
        len(kept),
        prepared.X_sel.shape[1],
        len(unused),
        time.perf_counter() - started,
    )
    return replace(
        prepared,
        preprocessor=prepared.preprocessor.select(kept),
        X_sel=prepared.X_sel[kept],
        X_hold=prepared.X_hold[kept],
    )


def log_inputs(source: Source, data: TrainingData, prepared: Prepared, settings: TrainSettings) -> None:
    """Parameters, tags, the training dataset, the feature list and the current applicants' ids."""
    mlflow.set_tags({"kind": "training", "data_dir": str(source.data_dir), "synthetic": str(data.synthetic)})
    params = {
        "data_dir": str(source.data_dir),
        "scale": settings.scale if settings.data_dir is None else "n/a",
        "mechanism": settings.mechanism if settings.data_dir is None else "n/a",
        "cost_fn": settings.cost_fn,
        "cost_fp": settings.cost_fp,
        "max_evals": settings.max_evals,
        "n_folds": settings.n_folds,
        "holdout": settings.holdout,
        "seed": settings.seed,
        "families": ",".join(settings.families),
        "feature_selection": settings.feature_selection,
        "exclude_features": ",".join(settings.exclude_features) or "none",
        "n_features_encoded": len(prepared.preprocessor.encoded_names_),
        "n_features": prepared.X_sel.shape[1],
        "n_selection_rows": len(prepared.X_sel),
        "n_holdout_rows": len(prepared.X_hold),
    }
    mlflow.log_params(loggable_params(params))
    # the threshold a perfectly calibrated model would use: compare with the tuned `threshold`
    mlflow.log_metric("bayes_threshold", bayes_threshold(settings.cost_fn, settings.cost_fp))
    train = data.tables.application_train
    dataset = mlflow.data.from_pandas(
        train,
        source=str(source.data_dir.resolve()),
        targets=schema.TARGET,
        name=source.data_dir.resolve().name,
    )
    mlflow.log_input(dataset, context="training")
    mlflow.log_text("\n".join(prepared.X_sel.columns), Artifact.FEATURES)
    log_csv(data.tables.application_test[[schema.ID_CURR]], Artifact.CURRENT_APPLICANTS)


def search(prepared: Prepared, settings: TrainSettings, *, synthetic: bool) -> Selection:
    """One nested run per family (its trials nested below); the lowest out-of-fold cost is chosen.

    The most complex family is searched first: it sets the cost a simpler family must approach to go on
    searching, and the time budget is shared by each family's `search_weight`.
    """
    folds = cv_folds(prepared.y_sel, n_folds=settings.n_folds, seed=settings.seed)
    order = sorted(settings.families, key=lambda f: -family_class(f).search_weight)
    deadline = time.monotonic() + settings.max_minutes * 60 if settings.max_minutes > 0 else None
    results: dict[str, FamilyResult] = {}
    for position, family in enumerate(order):
        leader = min((r.best.cost for r in results.values()), default=None)
        budget = Budget(deadline=_family_deadline(order[position:], deadline), leader_cost=leader)
        results[family] = _family_run(family, prepared, folds, settings, budget)
    results = {family: results[family] for family in settings.families}
    warn_if_too_good(max(r.best.metrics["auc"] for r in results.values()), synthetic=synthetic)
    comparison = comparison_table(results)
    chosen = results[comparison.loc[0, "family"]].best
    logger.info("chosen: %s %s (out-of-fold cost %.4f)", chosen.family, chosen.params, chosen.cost)
    return Selection(results, comparison, chosen, folds)


def finalize(selection: Selection, prepared: Prepared, settings: TrainSettings) -> Selection:
    """The chosen configuration's final fit (`search.finalize`) and calibration: the served model, its CV."""
    final = finalize_model(
        selection.chosen,
        prepared.X_sel,
        prepared.y_sel,
        selection.folds,
        config=settings.search,
        final=settings.final,
    )
    final, calibration = calibrate(final, prepared.y_sel.to_numpy(), config=settings.search)
    logger.info(
        "serving the %s of %s, calibration %s (out-of-fold log loss %.4f → %.4f, cost %.4f)",
        final.kind,
        final.trial.family,
        calibration.method,
        calibration.log_loss_before,
        calibration.log_loss_after,
        final.trial.cost,
    )
    return replace(selection, chosen=final.trial, final=final, calibration=calibration)


def _family_deadline(families_left: list[str], deadline: float | None) -> float | None:
    """The first family's share of the time left, by search weight (what it leaves unused rolls over)."""
    if deadline is None:
        return None
    weights = [family_class(f).search_weight for f in families_left]
    share = weights[0] / sum(weights) if sum(weights) > 0 else 1.0
    now = time.monotonic()
    return now + max(deadline - now, 0.0) * share


def _family_run(
    family: str,
    prepared: Prepared,
    folds: list[tuple[np.ndarray, np.ndarray]],
    settings: TrainSettings,
    budget: Budget,
) -> FamilyResult:
    """Search one family inside its nested run; the best trial's figures go on the family run."""
    with mlflow.start_run(run_name=f"family-{family}", nested=True):
        mlflow.set_tags({"family": family, "kind": "family"})
        started = time.perf_counter()
        result = search_family(
            family,
            prepared.X_sel,
            prepared.y_sel,
            folds,
            config=settings.search,
            on_trial=log_trial,
            budget=budget,
        )
        best = result.best
        mlflow.log_params(loggable_params(best.params))
        mlflow.log_metrics({**cv_metrics(best.metrics), "n_trials": len(result.trials)})
        mlflow.log_metric("search_seconds", time.perf_counter() - started)
        if result.stopped:
            mlflow.set_tag("search_stopped", result.stopped)
        for method in IMBALANCE_METHODS:
            costs = [t.cost for t in result.trials if t.params.get("imbalance") == method]
            if costs:
                mlflow.log_metric(f"best_cost_imbalance_{method}", min(costs))
    return result


def warn_if_too_good(auc: float, *, synthetic: bool) -> None:
    """The brief's overfitting alarm: real Home Credit data does not give AUC > 0.82."""
    if not synthetic and auc > REAL_DATA_AUC_ALARM:
        logger.warning(
            "!!! CV AUC %.4f > %.2f on REAL data: better than the Kaggle winners (≈ 0.806). "
            "Suspect a leak (TARGET-derived or future feature) before trusting this model. !!!",
            auc,
            REAL_DATA_AUC_ALARM,
        )


def comparison_table(results: dict[str, FamilyResult]) -> pd.DataFrame:
    """One row per family: its best configuration's out-of-fold figures, lowest cost first."""
    rows = []
    for family, result in results.items():
        best = result.best
        rows.append(
            {
                "family": family,
                "imbalance": best.params.get("imbalance", "none"),
                "trials": len(result.trials),
                "oof_cost": best.cost,
                "threshold": best.search.threshold,
                "oof_auc": best.metrics["auc"],
                "oof_accuracy": best.metrics["accuracy"],
                "oof_recall": best.metrics["recall"],
                "oof_precision": best.metrics["precision"],
                "oof_brier": best.metrics["brier"],
                "fit_seconds": best.fit_seconds,
            }
        )
    return pd.DataFrame(rows).sort_values(["oof_cost", "family"], ignore_index=True)


def _served_model(
    selection: Selection, family: str, prepared: Prepared, settings: TrainSettings
) -> tuple[TrialResult, ModelFamily]:
    """The family's model for the holdout: the final (calibrated) one when chosen, else its best refitted."""
    if selection.final is not None and family == selection.chosen.family:
        return selection.final.trial, selection.final.model
    best = selection.results[family].best
    return best, refit(best, prepared.X_sel, prepared.y_sel, config=settings.search)


def refit_and_evaluate(
    selection: Selection, prepared: Prepared, data: TrainingData, settings: TrainSettings
) -> Evaluation:
    """Refit every family's best on all selection rows; the chosen one is evaluated once on the holdout.

    The other families' holdout costs are for the comparison table only: the choice was made on out-of-fold
    costs, before any holdout row was scored.
    """
    y_hold = prepared.y_hold.to_numpy()
    comparison = selection.comparison.copy()
    models, probas, costs, aucs = {}, {}, [], []
    for family in comparison["family"]:
        best, models[family] = _served_model(selection, family, prepared, settings)
        probas[family] = models[family].predict_proba(prepared.X_hold)
        costs.append(business_cost(y_hold, probas[family], best.search.threshold, **settings.costs))
        aucs.append(control_metrics(y_hold, probas[family], 0.5)["auc"])
    comparison["holdout_cost"], comparison["holdout_auc"] = costs, aucs
    chosen = selection.chosen
    threshold = chosen.search.threshold
    proba = probas[chosen.family]
    return Evaluation(
        model=models[chosen.family],
        threshold=threshold,
        proba_hold=proba,
        holdout=holdout_metrics(y_hold, proba, threshold=threshold, settings=settings),
        oracle=oracle_metrics(data.oracle, prepared.X_hold.index, y_hold, settings),
        oracle_selection=oracle_metrics(
            data.oracle, prepared.X_sel.index, prepared.y_sel.to_numpy(), settings
        ),
        comparison=comparison,
    )


def holdout_metrics(y: np.ndarray, proba: np.ndarray, *, threshold: float, settings: TrainSettings) -> dict:
    """Cost at the OOF-tuned threshold plus references and control metrics, all on the holdout."""
    reference = tune_threshold(y, proba, cost_fn=settings.cost_fn, cost_fp=settings.cost_fp)
    return {
        "cost": business_cost(y, proba, threshold, cost_fn=settings.cost_fn, cost_fp=settings.cost_fp),
        "cost_at_0_5": reference.cost_at_half,
        "cost_accept_all": reference.cost_accept_all,
        "cost_refuse_all": reference.cost_refuse_all,
        "cost_at_bayes_threshold": reference.cost_at_bayes,
        **control_metrics(y, proba, threshold),
        "mean_proba": float(np.mean(proba)),
        "default_rate": float(np.mean(y)),
        "ece": expected_calibration_error(y, proba),
    }


def oracle_metrics(oracle: pd.Series | None, ids: pd.Index, y: np.ndarray, settings: TrainSettings) -> dict:
    """The generator's true probabilities on the given clients: AUC and cost at the Bayes threshold."""
    if oracle is None:
        return {}
    proba = oracle.reindex(ids).to_numpy()
    threshold = bayes_threshold(settings.cost_fn, settings.cost_fp)
    return {
        "auc": control_metrics(y, proba, threshold)["auc"],
        "cost": business_cost(y, proba, threshold, cost_fn=settings.cost_fn, cost_fp=settings.cost_fp),
    }


def log_evaluation(selection: Selection, evaluation: Evaluation) -> None:
    """The comparison table and the chosen model's out-of-fold, holdout and oracle figures."""
    log_csv(evaluation.comparison, Artifact.FAMILY_COMPARISON)
    print(evaluation.comparison.to_string(index=False, float_format=lambda v: f"{v:.4f}"), flush=True)
    chosen = selection.chosen
    mlflow.log_metrics({f"oracle_selection_{k}": v for k, v in evaluation.oracle_selection.items()})
    mlflow.set_tag("chosen_family", chosen.family)
    mlflow.log_params(loggable_params(chosen.params))
    if evaluation.model.rounds:
        mlflow.log_param("num_boost_round", evaluation.model.rounds)
    if selection.final is not None:
        mlflow.log_param("final_model", selection.final.kind)
    if selection.calibration is not None:
        calibration = selection.calibration
        mlflow.log_params(
            {"calibration": calibration.method, "calibration_slope": f"{calibration.slope:.6g}"}
        )
        mlflow.log_params({"calibration_intercept": f"{calibration.intercept:.6g}"})
        mlflow.log_metrics(calibration.metrics())
    mlflow.log_metrics(cv_metrics(chosen.metrics))
    holdout = {f"{HOLDOUT_PREFIX}{k}": v for k, v in evaluation.holdout.items()}
    mlflow.log_metrics({"threshold": evaluation.threshold, **holdout})
    mlflow.log_metrics({f"oracle_holdout_{k}": v for k, v in evaluation.oracle.items()})


def explain(
    evaluation: Evaluation, prepared: Prepared, data: TrainingData, settings: TrainSettings
) -> Explanations:
    """Global importance (mean |SHAP| on the holdout), monitored features, reference sample, fairness."""
    labels = model_feature_labels(prepared.X_hold.columns, prepared.preprocessor.feature_labels_)
    importance = global_importance(evaluation.model, prepared.X_hold, labels=labels, seed=settings.seed)
    top = importance["feature"].head(TOP_FEATURES_IN_SAMPLE).tolist()
    raw_hold = data.tables.application_train.set_index(schema.ID_CURR).loc[
        prepared.X_hold.index, list(RAW_COLUMNS)
    ]
    sample = reference_sample(
        raw_hold,
        prepared.X_hold,
        prepared.y_hold,
        evaluation.proba_hold,
        threshold=evaluation.threshold,
        top_features=top,
        size=REFERENCE_SAMPLE_SIZE,
        seed=settings.seed,
    )
    monitored = tuple(importance["feature"].head(MONITORED_FEATURES))
    fair = fairness_table(
        raw_hold,
        prepared.y_hold.to_numpy(),
        evaluation.proba_hold,
        threshold=evaluation.threshold,
        **settings.costs,
    )
    return Explanations(importance, monitored, sample, raw_hold, fair)


def drift_reference(X_sel: pd.DataFrame, X_hold: pd.DataFrame, monitored: tuple[str, ...]) -> pd.DataFrame:
    """Model inputs of the monitored features for every training client, in SK_ID_CURR order.

    The drift job compares production against them without the tables or a feature rebuild.
    """
    frame = pd.concat([X_sel[list(monitored)], X_hold[list(monitored)]]).sort_index()
    return frame.rename_axis(schema.ID_CURR).reset_index()


def log_figures(selection: Selection, evaluation: Evaluation, prepared: Prepared, data: TrainingData) -> None:
    """ROC curves, cost curve, holdout confusion matrix and calibration curve."""
    y_sel, y_hold = prepared.y_sel.to_numpy(), prepared.y_hold.to_numpy()
    curves = {f"{f} out-of-fold": (y_sel, r.best.oof) for f, r in selection.results.items()}
    curves[f"{selection.chosen.family} holdout"] = (y_hold, evaluation.proba_hold)
    if data.oracle is not None:
        curves["oracle holdout"] = (y_hold, data.oracle.reindex(prepared.X_hold.index).to_numpy())
    log_figure(plots.roc_figure(curves), Artifact.ROC_CURVE)
    log_figure(plots.cost_figure(selection.chosen.search), Artifact.COST_CURVE)
    matrix = confusion(y_hold, evaluation.proba_hold, evaluation.threshold)
    log_figure(
        plots.confusion_figure(matrix, threshold=evaluation.threshold, title="Holdout"),
        Artifact.CONFUSION_MATRIX,
    )
    log_figure(plots.calibration_figure(y_hold, evaluation.proba_hold), Artifact.CALIBRATION_CURVE)


def log_explanations(explanations: Explanations, prepared: Prepared) -> None:
    """Global importance (table and figure), the drift reference, the reference sample and fairness."""
    log_csv(explanations.importance, Artifact.GLOBAL_IMPORTANCE)
    log_parquet(
        drift_reference(prepared.X_sel, prepared.X_hold, explanations.monitored), Artifact.DRIFT_REFERENCE
    )
    log_figure(plots.importance_figure(explanations.importance), Artifact.GLOBAL_IMPORTANCE_FIGURE)
    log_parquet(explanations.sample, Artifact.REFERENCE_SAMPLE)
    log_csv(explanations.fairness.table, Artifact.FAIRNESS)
    mlflow.log_metrics(explanations.fairness.metrics())
    for attribute in explanations.fairness.flagged():
        logger.warning(
            "fairness: by %s, a group is approved at %.2f of the most-approved group's rate (below %.1f)",
            attribute,
            explanations.fairness.min_disparate_impact[attribute],
            DISPARATE_IMPACT_FLOOR,
        )


def log_model_card(
    source: Source,
    data: TrainingData,
    prepared: Prepared,
    selection: Selection,
    evaluation: Evaluation,
    explanations: Explanations,
    settings: TrainSettings,
) -> None:
    """model_card.md: what the model is, how it was chosen, how good it is and where it stops."""
    chosen = selection.chosen
    card = CardFacts(
        data_source=str(source.data_dir),
        synthetic=data.synthetic,
        n_train=len(prepared.X_sel),
        n_holdout=len(prepared.X_hold),
        default_rate=float(data.features.target.mean()),
        tables=data.table_names,
        n_features=prepared.X_sel.shape[1],
        top_features=tuple(explanations.importance["feature"].head(10)),
        comparison=evaluation.comparison,
        family=chosen.family,
        params=chosen.params,
        threshold=evaluation.threshold,
        cost_fn=settings.cost_fn,
        cost_fp=settings.cost_fp,
        oof=chosen.metrics,
        holdout=evaluation.holdout,
        oracle=evaluation.oracle,
        oracle_selection=evaluation.oracle_selection,
        n_folds=settings.n_folds,
        max_evals=settings.max_evals,
        seed=settings.seed,
        fairness=explanations.fairness.table,
        calibration=selection.calibration.method if selection.calibration else "none",
    )
    mlflow.log_text(render_model_card(card), Artifact.MODEL_CARD)


def register(
    evaluation: Evaluation,
    explanations: Explanations,
    prepared: Prepared,
    data: TrainingData,
    settings: TrainSettings,
) -> Registration:
    """Log and register the pyfunc; @champion only if MLflow's evaluation finds it better, and fair."""
    version = log_scoring_model_version(evaluation, explanations, prepared, data, settings)
    decision = assign_alias(
        MlflowClient(),
        REGISTERED_MODEL_NAME,
        version,
        raw_rows=explanations.raw_hold.reset_index(),
        y=prepared.y_hold.to_numpy(),
        cost_fn=settings.cost_fn,
        cost_fp=settings.cost_fp,
    )
    mlflow.set_tags({"registered_version": version, "alias": decision.alias, "promotion": decision.reason})
    if decision.champion_cost is not None:
        mlflow.log_metric("champion_holdout_cost", decision.champion_cost)
    describe(version, decision, evaluation, prepared)
    return Registration(version, decision)


def describe(version: str, decision: AliasDecision, evaluation: Evaluation, prepared: Prepared) -> None:
    """Write the headline figures as the run's and the version's descriptions (the MLflow UI shows them)."""
    run_id = mlflow.active_run().info.run_id
    family = MlflowClient().get_run(run_id).data.tags["chosen_family"]  # set by log_evaluation
    chosen = evaluation.comparison.set_index("family").loc[family]
    lines = descriptions.headline(
        family=family,
        threshold=evaluation.threshold,
        holdout=evaluation.holdout,
        oof={"cost": float(chosen["oof_cost"]), "auc": float(chosen["oof_auc"])},
        oracle=evaluation.oracle,
        n_selection=len(prepared.y_sel),
        n_holdout=len(prepared.y_hold),
    )
    reason = decision.reason
    mlflow.set_tag(
        descriptions.RUN_DESCRIPTION_TAG,
        descriptions.run_description(lines, version=version, alias=decision.alias, reason=reason),
    )
    MlflowClient().update_model_version(
        REGISTERED_MODEL_NAME,
        version,
        description=descriptions.version_description(
            lines, run_id=run_id, alias=decision.alias, reason=reason
        ),
    )


def log_scoring_model_version(
    evaluation: Evaluation,
    explanations: Explanations,
    prepared: Prepared,
    data: TrainingData,
    settings: TrainSettings,
) -> str:
    """Log the pyfunc (preprocessing + model + threshold + snapshot), register it, return the version."""
    from custom_model.model import ScoringArtifacts, log_scoring_model

    # The holdout clients are bundled beside the production clients so that a later model can be compared
    # with this one on exactly the same rows, through the served interface.
    ids = pd.Index(data.tables.application_test[schema.ID_CURR]).append(prepared.X_hold.index).unique()
    artifacts = ScoringArtifacts(
        preprocessor=prepared.preprocessor,
        model=evaluation.model,
        threshold=evaluation.threshold,
        cost_fn=settings.cost_fn,
        cost_fp=settings.cost_fp,
        snapshot=client_snapshot(data.tables, ids=ids, features=data.features),
        monitored_features=explanations.monitored,
    )
    example = data.tables.application_test[[schema.ID_CURR, *RAW_COLUMNS]].head(2)
    # JSON rows may carry null in any field: integer fields are declared as floats (SK_ID_CURR stays an int)
    ints = [c for c in RAW_COLUMNS if pd.api.types.is_integer_dtype(example[c])]
    example = example.astype(dict.fromkeys(ints, "float64"))
    info = log_scoring_model(
        artifacts, name=MODEL_ARTIFACT, registered_model_name=REGISTERED_MODEL_NAME, input_example=example
    )
    return str(info.registered_model_version)

"""Train, compare and register the credit-scoring model: `mlflow run . -e train` (or python -m).

Steps: data (given folder, or demo data generated at `scale`) → features → stratified holdout kept aside →
hyperopt TPE per family on the out-of-fold business cost → refit of the best → one evaluation on the holdout →
MLflow parent run (figures, tables, model card, reference sample) → registered pyfunc → alias.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient
from threadpoolctl import threadpool_limits

from custom_model import DRIFT_REFERENCE_FILE, MONITORED_FEATURES, REGISTERED_MODEL_NAME, schema
from custom_model.cost import (
    DEFAULT_COST_FN,
    DEFAULT_COST_FP,
    bayes_threshold,
    business_cost,
    confusion,
    tune_threshold,
)
from custom_model.features.application import RAW_COLUMNS
from custom_model.features.assemble import client_snapshot
from custom_model.labels import feature_label
from custom_model.preprocessing import FeaturePreprocessor
from entry_points._cli import configure_logging, int_param
from entry_points.training import plots
from entry_points.training.data import (
    TrainingData,
    check_no_forbidden_features,
    generate_demo,
    load_training_data,
)
from entry_points.training.importance import global_importance, reference_sample
from entry_points.training.model_card import CardFacts, render_model_card
from entry_points.training.registry import AliasDecision, assign_alias
from entry_points.training.search import (
    FAMILIES,
    IMBALANCE_METHODS,
    FamilyResult,
    SearchConfig,
    control_metrics,
    cv_folds,
    predict_proba,
    refit,
    refit_rounds,
    search_family,
    split_holdout,
)
from entry_points.training.tracking import (
    experiment_name,
    log_csv,
    log_figure,
    log_parquet,
    log_trial,
    loggable_params,
    tracking_uri,
    use_experiment,
)

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[1]
#: Out-of-fold AUC above which real-data results are suspicious (best Kaggle solutions ≈ 0.80).
REAL_DATA_AUC_ALARM = 0.82
REFERENCE_SAMPLE_SIZE = 5000
TOP_FEATURES_IN_SAMPLE = 20


@dataclass(frozen=True)
class TrainSettings:
    """Parameters of one training invocation (the MLproject `train` entry point)."""

    data_dir: Path | None
    scale: float = 0.05
    cost_fn: float = DEFAULT_COST_FN
    cost_fp: float = DEFAULT_COST_FP
    max_evals: int = 10
    n_folds: int = 3
    holdout: float = 0.2
    seed: int = 42
    families: tuple[str, ...] = FAMILIES
    num_threads: int = 1
    max_rounds: int = 300


@dataclass(frozen=True)
class TrainResult:
    """What a training invocation produced."""

    run_id: str
    experiment: str
    family: str
    params: dict
    threshold: float
    oof_metrics: dict[str, float]
    holdout_metrics: dict[str, float]
    oracle_metrics: dict[str, float]
    oracle_selection_metrics: dict[str, float]
    version: str
    alias: AliasDecision
    seconds: float
    comparison: pd.DataFrame = field(repr=False, compare=False)


def parse_families(text: str) -> tuple[str, ...]:
    """Comma-separated family names, validated, in the canonical simple-to-complex order."""
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FAMILIES]
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(
            f"families must be a comma-separated subset of {','.join(FAMILIES)}; got {text!r}"
        )
    return tuple(f for f in FAMILIES if f in wanted)


def _data_dir(text: str) -> Path | None:
    """Folder given on the command line; empty means "generate demo data".

    MLflow already shell-quotes string parameters, so the MLproject's `--data-dir "{data_dir}"` passes an
    empty value as the two characters `''`: treat it as empty too.
    """
    cleaned = text.strip()
    return None if cleaned in ("", "''", '""') else Path(cleaned)


def parse_args(argv: Sequence[str] | None) -> TrainSettings:
    """Read the command line into TrainSettings (ints accept MLflow's `7.0`)."""
    p = argparse.ArgumentParser(prog="python -m entry_points.train", description=__doc__.splitlines()[0])
    p.add_argument(
        "--data-dir", default="", help="folder of the tables; empty: generate demo data at --scale"
    )
    p.add_argument(
        "--scale", type=float, default=0.05, help="demo data size as a share of the real row counts"
    )
    p.add_argument("--cost-fn", type=float, default=DEFAULT_COST_FN, help="cost of accepting a defaulter")
    p.add_argument("--cost-fp", type=float, default=DEFAULT_COST_FP, help="cost of refusing a good client")
    p.add_argument("--max-evals", type=int_param, default=10, help="hyperopt trials per family")
    p.add_argument("--n-folds", type=int_param, default=3, help="stratified CV folds")
    p.add_argument(
        "--holdout", type=float, default=0.2, help="share of clients kept aside for the final test"
    )
    p.add_argument("--seed", type=int_param, default=42)
    p.add_argument("--families", type=parse_families, default=FAMILIES, help="e.g. dummy,logreg,lightgbm")
    p.add_argument(
        "--num-threads", type=int_param, default=1, help="LightGBM/BLAS threads (fixed: determinism)"
    )
    p.add_argument("--max-rounds", type=int_param, default=300, help="cap on LightGBM boosting rounds")
    a = p.parse_args(argv)
    return TrainSettings(
        data_dir=_data_dir(a.data_dir),
        scale=a.scale,
        cost_fn=a.cost_fn,
        cost_fp=a.cost_fp,
        max_evals=a.max_evals,
        n_folds=a.n_folds,
        holdout=a.holdout,
        seed=a.seed,
        families=a.families,
        num_threads=a.num_threads,
        max_rounds=a.max_rounds,
    )


def plain_label(feature: str, preprocessor: FeaturePreprocessor) -> str:
    """Plain words for a model feature; a one-hot column reads "<label of its column> = <level>"."""
    readable = preprocessor.feature_labels_.get(feature, feature)
    column, sep, level = readable.partition(" = ")
    return f"{feature_label(column)} = {level}" if sep else feature_label(readable)


def _warn_if_too_good(auc: float, *, synthetic: bool) -> None:
    """The brief's overfitting alarm: real Home Credit data does not give AUC > 0.82."""
    if not synthetic and auc > REAL_DATA_AUC_ALARM:
        logger.warning(
            "!!! CV AUC %.4f > %.2f on REAL data: better than the Kaggle winners (≈ 0.806). "
            "Suspect a leak (TARGET-derived or future feature) before trusting this model. !!!",
            auc,
            REAL_DATA_AUC_ALARM,
        )


def _family_runs(
    X: pd.DataFrame, y: pd.Series, settings: TrainSettings, config: SearchConfig
) -> dict[str, FamilyResult]:
    """One nested run per family with its trials nested below; the best trial's figures on the family run."""
    folds = cv_folds(y, n_folds=settings.n_folds, seed=settings.seed)
    results: dict[str, FamilyResult] = {}
    for family in settings.families:
        with mlflow.start_run(run_name=f"family-{family}", nested=True):
            mlflow.set_tags({"family": family, "kind": "family"})
            started = time.perf_counter()
            result = search_family(family, X, y, folds, config=config, on_trial=log_trial)
            best = result.best
            mlflow.log_params(loggable_params(best.params, prefix="best_"))
            mlflow.log_metrics({**best.metrics, "n_trials": len(result.trials)})
            mlflow.log_metric("search_seconds", time.perf_counter() - started)
            for method in IMBALANCE_METHODS:
                costs = [t.cost for t in result.trials if t.params.get("imbalance") == method]
                if costs:
                    mlflow.log_metric(f"best_cost_imbalance_{method}", min(costs))
            results[family] = result
    return results


def _comparison(results: dict[str, FamilyResult]) -> pd.DataFrame:
    """One row per family: its best configuration's out-of-fold figures."""
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


def _holdout_metrics(y: np.ndarray, proba: np.ndarray, *, threshold: float, settings: TrainSettings) -> dict:
    """Cost at the OOF-tuned threshold plus references and control metrics, all on the holdout."""
    reference = tune_threshold(y, proba, cost_fn=settings.cost_fn, cost_fp=settings.cost_fp)
    c = confusion(y, proba, threshold)
    return {
        "cost": (settings.cost_fn * c.fn + settings.cost_fp * c.fp) / c.n,
        "cost_at_0_5": reference.cost_at_half,
        "cost_accept_all": reference.cost_accept_all,
        "cost_refuse_all": reference.cost_refuse_all,
        "cost_at_bayes_threshold": reference.cost_at_bayes,
        **control_metrics(y, proba, threshold),
        "mean_proba": float(np.mean(proba)),
        "default_rate": float(np.mean(y)),
    }


def _oracle_metrics(oracle: pd.Series | None, ids: pd.Index, y: np.ndarray, settings: TrainSettings) -> dict:
    """The generator's true probabilities on the given clients: AUC and cost at the Bayes threshold."""
    if oracle is None:
        return {}
    proba = oracle.reindex(ids).to_numpy()
    threshold = bayes_threshold(settings.cost_fn, settings.cost_fp)
    return {
        "auc": control_metrics(y, proba, threshold)["auc"],
        "cost": business_cost(y, proba, threshold, cost_fn=settings.cost_fn, cost_fp=settings.cost_fp),
    }


def _log_dataset(data: TrainingData, name: str) -> None:
    """Record the training table (application_train with TARGET) as the run's input dataset."""
    train = data.tables.application_train
    dataset = mlflow.data.from_pandas(
        train, source=str(data.data_dir.resolve()), targets=schema.TARGET, name=name
    )
    mlflow.log_input(dataset, context="training")


def drift_reference(X_sel: pd.DataFrame, X_hold: pd.DataFrame, monitored: tuple[str, ...]) -> pd.DataFrame:
    """Model inputs of the monitored features for every training client, in SK_ID_CURR order.

    The drift job compares production against them without the tables or a feature rebuild.
    """
    frame = pd.concat([X_sel[list(monitored)], X_hold[list(monitored)]]).sort_index()
    return frame.rename_axis(schema.ID_CURR).reset_index()


def _log_scoring_model(
    preprocessor: FeaturePreprocessor,
    estimator: object,
    *,
    threshold: float,
    data: TrainingData,
    holdout_ids: pd.Index,
    monitored: tuple[str, ...],
    settings: TrainSettings,
) -> str:
    """Log the pyfunc (preprocessing + estimator + threshold + snapshot), register it, return the version."""
    from custom_model.model import ScoringArtifacts, log_scoring_model

    # The holdout clients are bundled beside the production clients so that a later model can be compared
    # with this one on exactly the same rows, through the served interface.
    ids = pd.Index(data.tables.application_test[schema.ID_CURR]).append(holdout_ids).unique()
    artifacts = ScoringArtifacts(
        preprocessor=preprocessor,
        estimator=estimator,
        threshold=threshold,
        cost_fn=settings.cost_fn,
        cost_fp=settings.cost_fp,
        snapshot=client_snapshot(data.tables, ids=ids),
        monitored_features=monitored,
    )
    example = data.tables.application_test[[schema.ID_CURR, *RAW_COLUMNS]].head(2)
    # JSON rows may carry null in any field: integer fields are declared as floats (SK_ID_CURR stays an int)
    ints = [c for c in RAW_COLUMNS if pd.api.types.is_integer_dtype(example[c])]
    example = example.astype(dict.fromkeys(ints, "float64"))
    info = log_scoring_model(
        artifacts, name="model", registered_model_name=REGISTERED_MODEL_NAME, input_example=example
    )
    return str(info.registered_model_version)


def run(settings: TrainSettings, *, project_dir: Path = PROJECT_DIR) -> TrainResult:
    """Run the whole training job against the tracking store already configured.

    BLAS/OpenMP threads are capped at ``num_threads``: on a shared 2-core machine a second spinning thread
    made LightGBM and the logistic regression 3-10x slower, not faster.
    """
    with threadpool_limits(settings.num_threads):
        return _run(settings, project_dir=project_dir)


def _run(settings: TrainSettings, *, project_dir: Path) -> TrainResult:
    """Body of `run`."""
    started = time.perf_counter()
    if settings.data_dir is None:
        data_dir = generate_demo(project_dir, scale=settings.scale, seed=settings.seed)
        experiment = experiment_name(None, scale=settings.scale, seed=settings.seed)
    else:
        data_dir = settings.data_dir
        experiment = experiment_name(data_dir, scale=settings.scale, seed=settings.seed)
    data = load_training_data(data_dir)
    split = split_holdout(
        data.features.train, data.features.target, holdout=settings.holdout, seed=settings.seed
    )
    preprocessor = FeaturePreprocessor().fit(split.X_train)
    X_sel, X_hold = preprocessor.transform(split.X_train), preprocessor.transform(split.X_holdout)
    check_no_forbidden_features(X_sel.columns)
    y_sel, y_hold = split.y_train, split.y_holdout.to_numpy()
    config = SearchConfig(
        cost_fn=settings.cost_fn,
        cost_fp=settings.cost_fp,
        n_folds=settings.n_folds,
        max_evals=settings.max_evals,
        seed=settings.seed,
        num_threads=settings.num_threads,
        max_rounds=settings.max_rounds,
    )
    use_experiment(experiment)
    with mlflow.start_run(run_name=f"train-{'-'.join(settings.families)}") as parent:
        mlflow.set_tags({"kind": "training", "data_dir": str(data_dir), "synthetic": str(data.synthetic)})
        mlflow.log_params(
            loggable_params(
                {
                    "data_dir": str(data_dir),
                    "scale": settings.scale if settings.data_dir is None else "n/a",
                    "cost_fn": settings.cost_fn,
                    "cost_fp": settings.cost_fp,
                    "max_evals": settings.max_evals,
                    "n_folds": settings.n_folds,
                    "holdout": settings.holdout,
                    "seed": settings.seed,
                    "families": ",".join(settings.families),
                    "n_features": X_sel.shape[1],
                    "n_selection_rows": len(X_sel),
                    "n_holdout_rows": len(X_hold),
                }
            )
        )
        _log_dataset(data, name=data_dir.resolve().name)
        mlflow.log_text("\n".join(X_sel.columns), "features.txt")

        results = _family_runs(X_sel, y_sel, settings, config)
        _warn_if_too_good(max(r.best.metrics["auc"] for r in results.values()), synthetic=data.synthetic)
        comparison = _comparison(results)
        chosen = results[comparison.loc[0, "family"]].best
        logger.info("chosen: %s %s (out-of-fold cost %.4f)", chosen.family, chosen.params, chosen.cost)
        # Every family's best is refitted and costed on the holdout for the comparison table only:
        # the choice above was made on out-of-fold costs, before any holdout row was scored.
        estimators = {f: refit(results[f].best, X_sel, y_sel, config=config) for f in comparison["family"]}
        probas = {f: predict_proba(e, X_hold) for f, e in estimators.items()}
        comparison["holdout_cost"] = [
            business_cost(
                y_hold,
                probas[f],
                results[f].best.search.threshold,
                cost_fn=settings.cost_fn,
                cost_fp=settings.cost_fp,
            )
            for f in comparison["family"]
        ]
        comparison["holdout_auc"] = [
            control_metrics(y_hold, probas[f], 0.5)["auc"] for f in comparison["family"]
        ]
        log_csv(comparison, "family_comparison.csv")
        print(comparison.to_string(index=False, float_format=lambda v: f"{v:.4f}"), flush=True)

        estimator = estimators[chosen.family]
        threshold = chosen.search.threshold
        proba_hold = probas[chosen.family]
        holdout = _holdout_metrics(y_hold, proba_hold, threshold=threshold, settings=settings)
        oracle = _oracle_metrics(data.oracle, X_hold.index, y_hold, settings)
        oracle_oof = _oracle_metrics(data.oracle, X_sel.index, y_sel.to_numpy(), settings)
        mlflow.log_metrics({f"oracle_selection_{k}": v for k, v in oracle_oof.items()})
        mlflow.set_tag("chosen_family", chosen.family)
        mlflow.log_params(loggable_params(chosen.params, prefix="chosen_"))
        if chosen.family == "lightgbm":
            mlflow.log_param("chosen_num_boost_round", refit_rounds(chosen))
        mlflow.log_metrics({f"oof_{k}": v for k, v in chosen.metrics.items()})
        mlflow.log_metrics({"threshold": threshold, **{f"holdout_{k}": v for k, v in holdout.items()}})
        mlflow.log_metrics({f"oracle_holdout_{k}": v for k, v in oracle.items()})

        importance = global_importance(estimator, X_hold, label=lambda f: plain_label(f, preprocessor))
        log_csv(importance, "global_importance.csv")
        monitored = tuple(importance["feature"].head(MONITORED_FEATURES))
        log_parquet(drift_reference(X_sel, X_hold, monitored), DRIFT_REFERENCE_FILE)
        log_figure(plots.importance_figure(importance), "global_importance.png")
        curves = {
            f"{f} out-of-fold": (y_sel.to_numpy(), r.best.oof) for f, r in results.items() if f != "dummy"
        }
        curves[f"{chosen.family} holdout"] = (y_hold, proba_hold)
        if data.oracle is not None:
            curves["oracle holdout"] = (y_hold, data.oracle.reindex(X_hold.index).to_numpy())
        log_figure(plots.roc_figure(curves), "roc_curve.png")
        log_figure(plots.cost_figure(chosen.search), "cost_vs_threshold.png")
        log_figure(
            plots.confusion_figure(
                confusion(y_hold, proba_hold, threshold), threshold=threshold, title="Holdout"
            ),
            "confusion_matrix.png",
        )
        log_figure(plots.calibration_figure(y_hold, proba_hold), "calibration_curve.png")
        top = importance["feature"].head(TOP_FEATURES_IN_SAMPLE).tolist()
        raw_hold = data.tables.application_train.set_index(schema.ID_CURR).loc[
            X_hold.index, list(RAW_COLUMNS)
        ]
        sample = reference_sample(
            raw_hold,
            X_hold,
            split.y_holdout,
            proba_hold,
            threshold=threshold,
            top_features=top,
            size=REFERENCE_SAMPLE_SIZE,
            seed=settings.seed,
        )
        log_parquet(sample, "reference_sample.parquet")
        card = CardFacts(
            data_source=str(data_dir),
            synthetic=data.synthetic,
            n_train=len(X_sel),
            n_holdout=len(X_hold),
            default_rate=float(data.features.target.mean()),
            tables=data.tables.present(),
            n_features=X_sel.shape[1],
            top_features=tuple(top[:10]),
            comparison=comparison,
            family=chosen.family,
            params=chosen.params,
            threshold=threshold,
            cost_fn=settings.cost_fn,
            cost_fp=settings.cost_fp,
            oof=chosen.metrics,
            holdout=holdout,
            oracle=oracle,
            oracle_selection=oracle_oof,
            n_folds=settings.n_folds,
            max_evals=settings.max_evals,
            seed=settings.seed,
        )
        mlflow.log_text(render_model_card(card), "model_card.md")

        version = _log_scoring_model(
            preprocessor,
            estimator,
            threshold=threshold,
            data=data,
            holdout_ids=X_hold.index,
            monitored=monitored,
            settings=settings,
        )
        decision = assign_alias(
            MlflowClient(),
            REGISTERED_MODEL_NAME,
            version,
            new_cost=holdout["cost"],
            raw_rows=raw_hold.reset_index(),
            y=y_hold,
            cost_fn=settings.cost_fn,
            cost_fp=settings.cost_fp,
        )
        mlflow.set_tags({"registered_version": version, "alias": decision.alias})
        if decision.champion_cost is not None:
            mlflow.log_metric("champion_holdout_cost", decision.champion_cost)
        seconds = time.perf_counter() - started
        mlflow.log_metric("total_seconds", seconds)
    return TrainResult(
        run_id=parent.info.run_id,
        experiment=experiment,
        family=chosen.family,
        params=chosen.params,
        threshold=threshold,
        oof_metrics=chosen.metrics,
        holdout_metrics=holdout,
        oracle_metrics=oracle,
        oracle_selection_metrics=oracle_oof,
        version=version,
        alias=decision,
        seconds=seconds,
        comparison=comparison,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry: configure logging and the tracking store, train, print the outcome and how to serve it."""
    configure_logging()
    for noisy in ("hyperopt", "mlflow.utils.environment", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = parse_args(argv)
    uri = tracking_uri(PROJECT_DIR)
    mlflow.set_tracking_uri(uri)
    logger.info("tracking store: %s", uri)
    # `mlflow run` opens a launcher run in the experiment of its choice and passes it via the environment;
    # the training run goes to the experiment of its data source instead, and the launcher points to it.
    launcher = os.environ.pop("MLFLOW_RUN_ID", None)
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    result = run(settings)
    if launcher:
        tags = {"training_run_id": result.run_id, "training_experiment": result.experiment}
        tags |= {"registered_version": result.version, "alias": result.alias.alias}
        for key, value in tags.items():
            MlflowClient().set_tag(launcher, key, value)
    h, o = result.holdout_metrics, result.oracle_metrics
    print(f"run id:    {result.run_id}  (experiment {result.experiment})")
    print(f"model:     {result.family} {result.params}")
    print(f"threshold: {result.threshold:.3f}")
    print(f"holdout:   cost {h['cost']:.4f} per client, AUC {h['auc']:.4f}, accuracy {h['accuracy']:.4f}")
    if o:
        print(f"oracle:    cost {o['cost']:.4f} per client, AUC {o['auc']:.4f} (true probabilities)")
    decision = result.alias
    print(
        f"registered {REGISTERED_MODEL_NAME} version {result.version} → @{decision.alias} ({decision.reason})"
    )
    print(f"time:      {result.seconds:.0f} s")
    print(
        f"serve:     MLFLOW_TRACKING_URI={uri} mlflow models serve "
        f"-m models:/{REGISTERED_MODEL_NAME}@champion --env-manager local -h 127.0.0.1 -p 5001"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

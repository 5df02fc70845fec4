"""Train, compare and register the credit-scoring model: `mlflow run . -e train` (or python -m).

Steps (entry_points/training/steps.py): data (given folder, or demo data generated at `scale`) → features →
stratified holdout kept aside → hyperopt TPE per family on the out-of-fold business cost → refit of the best →
one evaluation on the holdout → MLflow parent run (figures, tables, model card, reference sample) → registered
pyfunc → alias.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import mlflow
import pandas as pd
from threadpoolctl import threadpool_limits

from custom_model.contract import PROJECT_DIR, REGISTERED_MODEL_NAME, Alias, model_uri
from custom_model.families import family_names
from custom_model.features.application import RAW_COLUMNS
from entry_points._cli import DEBUG_EPILOG, configure_logging, int_param, run_entry_point
from entry_points._mlflow import connect, detach_launcher_run, link_launcher_run, use_experiment
from entry_points.synthetic.mechanisms import MECHANISMS
from entry_points.training import steps
from entry_points.training.data import load_training_data
from entry_points.training.registry import AliasDecision
from entry_points.training.settings import DEFAULTS, FEATURE_SELECTIONS, TrainSettings

logger = logging.getLogger(__name__)
T = TypeVar("T")


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
    known = family_names()
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in known]
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(
            f"families must be a comma-separated subset of {','.join(known)}; got {text!r}"
        )
    return tuple(f for f in known if f in wanted)


def _add_scale_out_and_fairness_options(p: argparse.ArgumentParser, d: TrainSettings) -> None:
    """Options of parallel work (fold workers, SparkTrials), bounded memory and sensitive attributes."""
    p.add_argument(
        "--workers", type=int_param, default=d.workers, help="CV folds fitted at once (results unchanged)"
    )
    p.add_argument(
        "--parallelism",
        type=int_param,
        default=d.parallelism,
        help="configurations tried at once with hyperopt's SparkTrials (needs Java); 1: serial, no Spark",
    )
    p.add_argument(
        "--feature-buckets",
        type=int_param,
        default=d.feature_buckets,
        help="build the history features by this many client buckets, reading one table at a time (less "
        "memory, same features); 0: one pass",
    )
    p.add_argument(
        "--exclude-features",
        type=parse_columns,
        default=d.exclude_features,
        help="raw columns kept out of the model, comma-separated (e.g. CODE_GENDER); fairness still measured",
    )


def parse_columns(text: str) -> tuple[str, ...]:
    """Comma-separated raw application columns (MLflow passes an empty string as '' or "")."""
    names = tuple(c.strip() for c in text.strip("'\"").split(",") if c.strip())
    unknown = [c for c in names if c not in RAW_COLUMNS]
    if unknown:
        raise argparse.ArgumentTypeError(f"not raw application columns: {unknown}; e.g. CODE_GENDER")
    return names


def _data_dir(text: str) -> Path | None:
    """Folder given on the command line; empty means "generate demo data".

    MLflow already shell-quotes string parameters, so the MLproject's `--data-dir "{data_dir}"` passes an
    empty value as the two characters `''`: treat it as empty too.
    """
    cleaned = text.strip()
    return None if cleaned in ("", "''", '""') else Path(cleaned)


def parse_args(argv: Sequence[str] | None) -> TrainSettings:
    """Read the command line into TrainSettings (defaults from `DEFAULTS`; ints accept MLflow's `7.0`)."""
    d = DEFAULTS
    p = argparse.ArgumentParser(
        prog="python -m entry_points.train", description=__doc__.splitlines()[0], epilog=DEBUG_EPILOG
    )
    p.add_argument(
        "--data-dir", default="", help="folder of the tables; empty: generate demo data at --scale"
    )
    p.add_argument("--scale", type=float, default=d.scale, help="demo data size as a share of the real rows")
    p.add_argument(
        "--mechanism",
        choices=sorted(MECHANISMS),
        default=d.mechanism,
        help="planted default mechanism of demo data",
    )
    p.add_argument("--cost-fn", type=float, default=d.cost_fn, help="cost of accepting a defaulter")
    p.add_argument("--cost-fp", type=float, default=d.cost_fp, help="cost of refusing a good client")
    p.add_argument("--max-evals", type=int_param, default=d.max_evals, help="hyperopt trials per family")
    p.add_argument("--n-folds", type=int_param, default=d.n_folds, help="stratified CV folds")
    p.add_argument(
        "--holdout", type=float, default=d.holdout, help="share of clients kept for the final test"
    )
    p.add_argument("--seed", type=int_param, default=d.seed)
    p.add_argument("--families", type=parse_families, default=d.families, help="e.g. dummy,logreg,lightgbm")
    p.add_argument(
        "--num-threads", type=int_param, default=d.num_threads, help="LightGBM/BLAS threads (determinism)"
    )
    p.add_argument("--max-rounds", type=int_param, default=d.max_rounds, help="cap on LightGBM rounds")
    p.add_argument(
        "--max-minutes", type=float, default=d.max_minutes, help="time budget of the whole search; 0: none"
    )
    p.add_argument(
        "--feature-selection",
        choices=FEATURE_SELECTIONS,
        default=d.feature_selection,
        help="drop the features the first LightGBM configuration never uses, before the search",
    )
    p.add_argument(
        "--final-learning-rate",
        type=float,
        default=d.final_learning_rate,
        help="learning rate of the chosen model's final fit (early stopping on each CV fold)",
    )
    p.add_argument("--final-max-rounds", type=int_param, default=d.final_max_rounds, help=argparse.SUPPRESS)
    p.add_argument("--final-patience", type=int_param, default=d.final_patience, help=argparse.SUPPRESS)
    _add_scale_out_and_fairness_options(p, d)
    a = p.parse_args(argv)
    if a.parallelism < 1 or a.feature_buckets < 0:
        p.error(
            f"--parallelism must be ≥ 1 and --feature-buckets ≥ 0; got {a.parallelism}, {a.feature_buckets}"
        )
    return TrainSettings(
        data_dir=_data_dir(a.data_dir),
        scale=a.scale,
        mechanism=a.mechanism,
        cost_fn=a.cost_fn,
        cost_fp=a.cost_fp,
        max_evals=a.max_evals,
        n_folds=a.n_folds,
        holdout=a.holdout,
        seed=a.seed,
        families=a.families,
        num_threads=a.num_threads,
        max_rounds=a.max_rounds,
        max_minutes=a.max_minutes,
        feature_selection=a.feature_selection,
        final_learning_rate=a.final_learning_rate,
        final_max_rounds=a.final_max_rounds,
        final_patience=a.final_patience,
        workers=a.workers,
        parallelism=a.parallelism,
        feature_buckets=a.feature_buckets,
        exclude_features=a.exclude_features,
    )


def run(settings: TrainSettings, *, project_dir: Path = PROJECT_DIR) -> TrainResult:
    """Run the whole training job against the tracking store already configured.

    BLAS/OpenMP threads are capped at ``num_threads``: on a shared 2-core machine a second spinning thread
    made LightGBM and the logistic regression 3-10x slower, not faster. Each step's wall time is logged as it
    ends and recorded on the run (``step_seconds_<step>``), so a slow job shows where its time went.
    """
    started = time.perf_counter()
    clock = StepClock()
    with threadpool_limits(settings.num_threads):
        source = steps.resolve_source(settings, project_dir)
        data = clock("features", load_training_data, source.data_dir, buckets=settings.feature_buckets)
        prepared = clock("encode", steps.split_and_encode, data, settings)
        prepared = clock("feature_selection", steps.select_features, prepared, settings)
        use_experiment(source.experiment)
        with mlflow.start_run(run_name=f"train-{'-'.join(settings.families)}") as parent:
            steps.log_inputs(source, data, prepared, settings)
            selection = clock("search", steps.search, prepared, settings, synthetic=data.synthetic)
            selection = clock("final_fit", steps.finalize, selection, prepared, settings)
            evaluation = clock("holdout", steps.refit_and_evaluate, selection, prepared, data, settings)
            steps.log_evaluation(selection, evaluation)
            explanations = clock("explanations", steps.explain, evaluation, prepared, data, settings)
            steps.log_explanations(explanations, prepared)
            clock("figures", steps.log_figures, selection, evaluation, prepared, data)
            steps.log_model_card(source, data, prepared, selection, evaluation, explanations, settings)
            registration = clock(
                "register", steps.register, evaluation, explanations, prepared, data, settings
            )
            seconds = time.perf_counter() - started
            mlflow.log_metrics({**clock.metrics(), "total_seconds": seconds})
    chosen = selection.chosen
    return TrainResult(
        run_id=parent.info.run_id,
        experiment=source.experiment,
        family=chosen.family,
        params=chosen.params,
        threshold=evaluation.threshold,
        oof_metrics=chosen.metrics,
        holdout_metrics=evaluation.holdout,
        oracle_metrics=evaluation.oracle,
        oracle_selection_metrics=evaluation.oracle_selection,
        version=registration.version,
        alias=registration.alias,
        seconds=seconds,
        comparison=evaluation.comparison,
    )


class StepClock:
    """Run a step, log its wall time when it ends and keep it for the run's metrics."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, step: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.seconds[step] = time.perf_counter() - started
        logger.info("step %s done in %.1f s", step, self.seconds[step])
        return result

    def metrics(self) -> dict[str, float]:
        """``step_seconds_<step>`` per step, for MLflow."""
        return {f"step_seconds_{step}": seconds for step, seconds in self.seconds.items()}


def _print_outcome(result: TrainResult, uri: str) -> None:
    """The run, the model and its figures, the alias decision and how to serve it."""
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
        f"-m {model_uri(Alias.CHAMPION)} --env-manager local -h 127.0.0.1 -p 5001"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry: train, print the outcome; an error is one line and exit code 1 (traceback: --debug)."""
    return run_entry_point("train", _main, argv)


def _main(argv: list[str]) -> int:
    """Configure logging and the tracking store, train, print the outcome and how to serve it."""
    configure_logging()
    for noisy in ("hyperopt", "mlflow.utils.environment", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = parse_args(argv)
    uri = connect()
    logger.info("tracking store: %s", uri)
    launcher = detach_launcher_run()
    result = run(settings)
    tags = {"training_run_id": result.run_id, "training_experiment": result.experiment}
    link_launcher_run(launcher, tags | {"registered_version": result.version, "alias": result.alias.alias})
    _print_outcome(result, uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""MLflow plumbing of the training job: store location, experiment names, nested trial runs, artifacts."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import mlflow
import pandas as pd
from matplotlib.figure import Figure
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

from entry_points._mlflow import EXPERIMENT_PREFIX
from entry_points.synthetic.mechanisms import DEFAULT_MECHANISM
from entry_points.training.search import TrialResult


def experiment_name(
    data_dir: Path | None, *, scale: float, seed: int, mechanism: str = DEFAULT_MECHANISM
) -> str:
    """One experiment per data source, so that runs on different data are never compared by accident."""
    if data_dir is None:
        suffix = "" if mechanism == DEFAULT_MECHANISM else f"-{mechanism}"
        return f"{EXPERIMENT_PREFIX}/synthetic-scale{scale:g}-seed{seed}{suffix}"
    return f"{EXPERIMENT_PREFIX}/{data_dir.resolve().name}"


def loggable_params(params: dict[str, Any]) -> dict[str, str]:
    """Stringify parameter values compactly (floats to 6 significant digits) for mlflow.log_params."""
    return {k: (f"{v:.6g}" if isinstance(v, float) else str(v)) for k, v in params.items()}


#: Figures that are not cross-validation estimates keep their own name on every run.
UNPREFIXED = frozenset({"threshold", "fit_seconds"})
CV_PREFIX, HOLDOUT_PREFIX = "cv_", "holdout_"


def cv_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """Out-of-fold figures under one name on trial, family and parent runs (`cv_cost`, `cv_auc`, ...).

    One name per figure lets a single column of the MLflow UI compare the three levels.
    """
    return {(k if k in UNPREFIXED else f"{CV_PREFIX}{k}"): v for k, v in metrics.items()}


def log_trial(result: TrialResult, best_cost: float) -> None:
    """One nested run per trial, under the active family run, timed as the trial really ran.

    Trials are logged once they are done (one after another, or after a parallel search), so the run is
    created with the trial's own start and end times instead of the few ms logging takes.
    """
    parent = mlflow.active_run()
    client = MlflowClient()
    run = client.create_run(
        parent.info.experiment_id,
        start_time=int(result.started_at * 1000),
        run_name=f"{result.family}-trial-{result.number + 1:03d}",
        tags={
            MLFLOW_PARENT_RUN_ID: parent.info.run_id,
            "family": result.family,
            "kind": "trial",
            "trial": str(result.number + 1),
        },
    )
    params = loggable_params(result.params)
    if result.best_iterations:
        params["best_iterations"] = ",".join(map(str, result.best_iterations))
    metrics = {**cv_metrics(result.metrics), f"best_{CV_PREFIX}cost_so_far": best_cost}
    timestamp = int(time.time() * 1000)
    client.log_batch(
        run.info.run_id,
        metrics=[Metric(k, float(v), timestamp, 0) for k, v in metrics.items()],
        params=[Param(k, v) for k, v in params.items()],
    )
    end = int((result.started_at + result.fit_seconds) * 1000)
    client.set_terminated(run.info.run_id, end_time=max(end, run.info.start_time))


def log_figure(fig: Figure, artifact_file: str) -> None:
    """Log a matplotlib figure and free it."""
    mlflow.log_figure(fig, artifact_file)
    plt.close(fig)


def log_csv(frame: pd.DataFrame, artifact_file: str) -> None:
    """Log a table as a CSV artifact."""
    mlflow.log_text(frame.to_csv(index=False), artifact_file)


def log_parquet(frame: pd.DataFrame, artifact_file: str) -> None:
    """Log a table as a parquet artifact at the run's root."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / artifact_file
        frame.to_parquet(path, index=False)
        mlflow.log_artifact(str(path))

"""MLflow plumbing of the training job: store location, experiment names, nested trial runs, artifacts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import mlflow
import pandas as pd
from matplotlib.figure import Figure

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


def loggable_params(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Stringify parameter values compactly (floats to 6 significant digits) for mlflow.log_params."""
    return {f"{prefix}{k}": (f"{v:.6g}" if isinstance(v, float) else str(v)) for k, v in params.items()}


def log_trial(result: TrialResult, best_cost: float) -> None:
    """One nested run per trial, under the active family run: params, metrics, fit time."""
    with mlflow.start_run(run_name=f"{result.family}-trial-{result.number + 1:03d}", nested=True):
        mlflow.set_tags({"family": result.family, "kind": "trial", "trial": str(result.number + 1)})
        mlflow.log_params(loggable_params(result.params))
        if result.best_iterations:
            mlflow.log_param("best_iterations", ",".join(map(str, result.best_iterations)))
        mlflow.log_metrics({**result.metrics, "best_cost_so_far": best_cost})


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

"""MLflow plumbing of the training job: store location, experiment names, nested trial runs, artifacts."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import mlflow
import pandas as pd
from matplotlib.figure import Figure
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from entry_points.training.search import TrialResult

EXPERIMENT_PREFIX = "credit-scoring"


def tracking_uri(project_dir: Path) -> str:
    """MLFLOW_TRACKING_URI when set, else the project's sqlite store (MLflow 3 refuses a bare ./mlruns)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(project_dir / 'mlflow.db').resolve()}"


def experiment_name(data_dir: Path | None, *, scale: float, seed: int) -> str:
    """One experiment per data source, so that runs on different data are never compared by accident."""
    if data_dir is None:
        return f"{EXPERIMENT_PREFIX}/synthetic-scale{scale:g}-seed{seed}"
    return f"{EXPERIMENT_PREFIX}/{data_dir.resolve().name}"


def artifact_location(uri: str, experiment: str) -> str | None:
    """Artifacts beside a sqlite store (``<db folder>/mlruns/<experiment>``), not in the current directory."""
    if not uri.startswith("sqlite:///"):
        return None
    folder = Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlruns" / experiment.replace("/", "_")
    return folder.as_uri()


def use_experiment(name: str) -> str:
    """Create the experiment (artifacts beside the store) when missing, make it active, return its id."""
    client = MlflowClient()
    existing = client.get_experiment_by_name(name)
    if existing is None:
        location = artifact_location(mlflow.get_tracking_uri(), name)
        with contextlib.suppress(MlflowException):  # created meanwhile by a concurrent run
            client.create_experiment(name, artifact_location=location)
    return mlflow.set_experiment(name).experiment_id


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

"""MLflow plumbing shared by the jobs (training, drift): tracking store and experiments with their artifacts.

Both jobs create their experiments here, so artifacts always land beside a sqlite store, never in the
current directory.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from custom_model.contract import default_tracking_uri

#: Every experiment of the project is named ``credit-scoring/<something>``.
EXPERIMENT_PREFIX = "credit-scoring"
#: The MLflow UI opens an experiment on its GenAI traces view unless it carries this tag: ours are runs.
EXPERIMENT_KIND_TAG, EXPERIMENT_KIND = "mlflow.experimentKind", "custom_model_development"


def connect() -> str:
    """Point MLflow at the project's tracking store (MLFLOW_TRACKING_URI, else the project's sqlite file)."""
    uri = default_tracking_uri()
    mlflow.set_tracking_uri(uri)
    return uri


def artifact_location(uri: str, experiment: str) -> str | None:
    """Artifacts beside a sqlite store (``<db folder>/mlruns/<experiment>``), not in the current directory."""
    if not uri.startswith("sqlite:///"):
        return None
    folder = Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlruns" / experiment.replace("/", "_")
    return folder.as_uri()


def use_experiment(name: str) -> str:
    """Create the experiment (artifacts beside the store) when missing, make it active, return its id.

    The experiment is tagged as custom model development, so the MLflow UI opens on its runs table.
    """
    client = MlflowClient()
    if client.get_experiment_by_name(name) is None:
        location = artifact_location(mlflow.get_tracking_uri(), name)
        with contextlib.suppress(MlflowException):  # created meanwhile by a concurrent run
            client.create_experiment(name, artifact_location=location)
    experiment = mlflow.set_experiment(name)
    if experiment.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:
        client.set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    return experiment.experiment_id


def detach_launcher_run() -> str | None:
    """Take the run `mlflow run` opened out of the environment and return its id (None outside `mlflow run`).

    `mlflow run` passes its own run (MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID, in the experiment it chose), which
    `mlflow.start_run` would resume and which clashes with a job's own experiment; our jobs log their run in
    the experiment of their data (training) or of the drift monitoring instead, and point the launcher to it.
    """
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    return os.environ.pop("MLFLOW_RUN_ID", None)


def link_launcher_run(launcher: str | None, tags: Mapping[str, str]) -> None:
    """Tag the launcher run of `mlflow run` (if any) with where the job's own run is."""
    if launcher:
        client = MlflowClient()
        for key, value in tags.items():
            client.set_tag(launcher, key, value)

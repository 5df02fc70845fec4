"""Shared fixtures: paths to the real-data samples in ../shared (read only, never copied into the project)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking._model_registry import utils as registry_utils
from mlflow.tracking._tracking_service import utils as tracking_utils

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"
SAMPLES_DIR = SHARED_DIR / "homecredit" / "samples"

# mlflow.set_experiment() exports MLFLOW_EXPERIMENT_ID into os.environ: a later `mlflow run` subprocess on
# another store then fails with "No Experiment with id=1 exists". Each test starts from the session's values.
_MLFLOW_ENV = ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID", "MLFLOW_TRACKING_URI")
_SESSION_ENV = {name: os.environ.get(name) for name in _MLFLOW_ENV}


@pytest.fixture(autouse=True)
def _isolated_mlflow_globals() -> Iterator[None]:
    """Restore MLflow's process-wide state (env, active run and experiment, tracking URI) after a test."""
    tracking_uri = tracking_utils._tracking_uri
    registry_uri = registry_utils._registry_uri
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    for name, value in _SESSION_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    mlflow.tracking.fluent._active_experiment_id = None
    tracking_utils._tracking_uri = tracking_uri
    registry_utils._registry_uri = registry_uri


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """Folder of the small real Home Credit samples (200 lines per table)."""
    if not SAMPLES_DIR.is_dir():
        pytest.fail(f"real-data samples not found at {SAMPLES_DIR}; ../shared must sit beside the project")
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory):
    """One tiny champion for the session, trained by the real training code into a temporary sqlite store.

    Read-only for its users: tests that register more versions or move aliases train their own.
    """
    from tests.support.tiny_model import train_tiny_model

    return train_tiny_model(tmp_path_factory.mktemp("tiny_model"))

"""Register scoring artifacts as models:/credit-scoring@champion in a temporary SQLite store (no training)."""

from __future__ import annotations

from pathlib import Path

import mlflow
from mlflow import MlflowClient

from custom_model.contract import REGISTERED_MODEL_NAME, Alias
from custom_model.model import ScoringArtifacts, log_scoring_model
from tests.support.mlflow_state import using_tracking_uri


def register_champion(artifacts: ScoringArtifacts, folder: Path) -> str:
    """Log and register ``artifacts`` as the champion in ``folder/mlflow.db``; return the tracking URI.

    The process-wide tracking URI is restored afterwards.
    """
    tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
    with using_tracking_uri(tracking_uri):
        experiment = mlflow.create_experiment("serving", artifact_location=str(folder / "artifacts"))
        with mlflow.start_run(experiment_id=experiment):
            info = log_scoring_model(artifacts, registered_model_name=REGISTERED_MODEL_NAME)
        MlflowClient().set_registered_model_alias(
            REGISTERED_MODEL_NAME, Alias.CHAMPION, str(info.registered_model_version)
        )
    return tracking_uri


def register_version(artifacts: ScoringArtifacts, tracking_uri: str, *, alias: str) -> str:
    """Log ``artifacts`` as a new version in the store ``register_champion`` made; give it ``alias``."""
    with using_tracking_uri(tracking_uri):
        experiment = MlflowClient().get_experiment_by_name("serving").experiment_id
        with mlflow.start_run(experiment_id=experiment):
            info = log_scoring_model(artifacts, registered_model_name=REGISTERED_MODEL_NAME)
        version = str(info.registered_model_version)
        MlflowClient().set_registered_model_alias(REGISTERED_MODEL_NAME, alias, version)
    return version

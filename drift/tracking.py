"""Log a drift analysis to MLflow on a run linked to the champion version it monitored."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from drift.alerts import Alert
from drift.report import DriftSummary
from drift.sources import Champion

logger = logging.getLogger(__name__)


def log_drift_run(
    summary: DriftSummary,
    champion: Champion,
    *,
    experiment_id: str,
    files: list[Path],
    params: Mapping[str, object],
    alerts: tuple[Alert, ...],
    source: str,
) -> str:
    """Record figures, report files and alert state in a new run; tag the model version with its id."""
    client = MlflowClient()
    tags = {
        "kind": "drift",
        "source": source,
        "model_name": champion.name,
        "model_version": champion.version,
        "model_run_id": champion.run_id,
        "alert": "fired" if alerts else "none",
    }
    name = f"drift-{source}-{champion.name}-v{champion.version}"
    with mlflow.start_run(experiment_id=experiment_id, run_name=name, tags=tags) as run:
        mlflow.log_params({k: str(v) for k, v in params.items()})
        metrics = {
            "drift_share": summary.drift_share,
            "n_features_tested": len(summary.tested_features),
            "n_features_drifted": len(summary.drifted_features),
            "n_columns_skipped": len(summary.skipped),
            "n_reference": summary.n_reference,
            "n_current": summary.n_current,
            "n_alerts": len(alerts),
        }
        if summary.score_stability is not None:
            metrics["score_psi"] = summary.score_stability.psi
        mlflow.log_metrics(metrics)
        for path in files:
            mlflow.log_artifact(str(path))
    try:
        client.set_model_version_tag(champion.name, champion.version, "drift_last_run_id", run.info.run_id)
        client.set_model_version_tag(champion.name, champion.version, "drift_last_alert", tags["alert"])
    except MlflowException as error:
        logger.warning("could not tag %s v%s with the drift run: %s", champion.name, champion.version, error)
    return run.info.run_id

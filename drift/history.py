"""Monitoring history: every drift and shadow run is also an evidently snapshot in a local Workspace.

`evidently ui --workspace reports/evidently-workspace` shows the project "credit-scoring" with a dashboard of
these figures over time: share of drifted features, score PSI, approval rate, latency, shadow agreement. Each
snapshot holds one run's figures as `MeanValue` metrics of a one-row dataset (the evidently way to chart a
number over time); the HTML and JSON reports and the MLflow runs stay the detailed record.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.metrics import MeanValue
from evidently.sdk.panels import PanelMetric, line_plot_panel
from evidently.ui.workspace import Project, Workspace

from custom_model.contract import REGISTERED_MODEL_NAME

logger = logging.getLogger(__name__)

PROJECT = REGISTERED_MODEL_NAME
#: Folder name of the workspace inside a reports folder.
WORKSPACE_DIR = "evidently-workspace"
#: Figure name → dashboard panel title, in the dashboard's order.
PANELS = {
    "drift_share": "Share of drifted features",
    "score_psi": "Score PSI (predicted probability)",
    "approval_rate": "Approval rate",
    "latency_ms_p50": "Latency p50 (ms)",
    "shadow_agreement": "Shadow challenger: agreement with the champion",
}


def monitoring_snapshot(figures: dict[str, float], *, kind: str, timestamp: datetime):
    """A snapshot whose metrics are ``figures`` (one MeanValue per figure), tagged with the run's kind."""
    names = [name for name, value in figures.items() if value is not None]
    data = pd.DataFrame({name: [float(figures[name])] for name in names})
    dataset = Dataset.from_pandas(data, data_definition=DataDefinition(numerical_columns=names))
    report = Report([MeanValue(column=name) for name in names])
    return report.run(
        current_data=dataset, timestamp=timestamp, tags=[kind], name=f"{kind} {timestamp:%Y-%m-%d}"
    )


def open_project(workspace: Workspace) -> Project:
    """The workspace's "credit-scoring" project, created with its dashboard the first time."""
    found = workspace.search_project(PROJECT)
    if found:
        return found[0]
    project = workspace.create_project(
        PROJECT, description="Credit scoring monitoring: drift and shadow runs"
    )
    for name, title in PANELS.items():
        metric = PanelMetric(legend=title, metric="MeanValue", metric_labels={"column": name})
        project.dashboard.add_panel(line_plot_panel(title=title, values=[metric]))
    return project


def record(figures: dict[str, float], folder: Path, *, kind: str, timestamp: datetime) -> Path:
    """Add one run's figures as a snapshot to the workspace in ``folder``; return the snapshot's file."""
    workspace = Workspace.create(str(folder))
    project = open_project(workspace)
    ref = workspace.add_run(project.id, monitoring_snapshot(figures, kind=kind, timestamp=timestamp))
    logger.info("evidently workspace %s: %s snapshot added to project %s", folder, kind, PROJECT)
    return Path(ref.url)


def snapshot_figures(workspace_dir: Path) -> list[dict[str, float]]:
    """The figures of every snapshot of the project, oldest first (what the dashboard charts)."""
    workspace = Workspace.create(str(workspace_dir))
    found = workspace.search_project(PROJECT)
    if not found:
        return []
    runs = [workspace.get_run(found[0].id, ref).dict() for ref in workspace.list_runs(found[0].id)]
    runs.sort(key=lambda run: run["timestamp"])
    return [
        {
            r["metric_value_location"]["metric"]["params"]["column"]: r["value"]
            for r in run["metric_results"].values()
        }
        for run in runs
    ]

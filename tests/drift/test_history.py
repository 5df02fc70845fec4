"""The monitoring history: snapshots in a real evidently workspace, charted by the project's dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evidently.ui.workspace import Workspace

from drift.history import PANELS, PROJECT, record, snapshot_figures


def test_runs_become_snapshots_of_one_project_with_a_dashboard(tmp_path: Path) -> None:
    first = record(
        {"drift_share": 0.02, "score_psi": 0.005, "approval_rate": 0.73, "latency_ms_p50": None},
        tmp_path,
        kind="drift-test",
        timestamp=datetime(2026, 12, 1, tzinfo=UTC),
    )
    second = record(
        {"shadow_agreement": 0.97, "approval_rate": 0.71},
        tmp_path,
        kind="shadow",
        timestamp=datetime(2026, 12, 8, tzinfo=UTC),
    )
    workspace = Workspace.create(str(tmp_path))
    (project,) = workspace.search_project(PROJECT)
    assert len(workspace.list_runs(project.id)) == 2
    assert first.is_file() and second.is_file() and first != second
    dashboard = workspace.get_dashboard(project.id)
    assert [p.title for p in dashboard.panels] == list(PANELS.values())
    charted = {p.values[0].metric_labels["column"] for p in dashboard.panels}
    assert charted == set(PANELS)
    assert snapshot_figures(tmp_path) == [
        {"drift_share": 0.02, "score_psi": 0.005, "approval_rate": 0.73},  # no latency: not charted
        {"shadow_agreement": 0.97, "approval_rate": 0.71},
    ]

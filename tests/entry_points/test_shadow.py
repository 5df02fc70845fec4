"""The shadow job on a log written by a real model server: it reports exactly the planted differences.

Two registered versions share one model and differ only by their threshold (0.30 champion, 0.15 challenger):
the clients whose logged probability lies in [0.15, 0.30) are exactly those the challenger would refuse
instead of accepting, and the expected costs follow from a truth the test writes itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests
from mlflow.tracking import MlflowClient

from custom_model.contract import ORACLE_FILE, PREDICTION_LOG_ENV, Alias, model_uri
from drift.history import WORKSPACE_DIR, snapshot_figures
from tests.conftest import PROJECT_DIR
from tests.support.registered import register_champion, register_version
from tests.support.scoring_data import build_tiny_scoring
from tests.support.server import model_server

pytestmark = pytest.mark.slow

CHAMPION_THRESHOLD, CHALLENGER_THRESHOLD = 0.30, 0.15


def test_mlflow_run_shadow_reports_the_planted_flips_agreement_and_expected_costs(tmp_path: Path) -> None:
    tiny = build_tiny_scoring(seed=3, threshold=CHAMPION_THRESHOLD)
    tracking_uri = register_champion(tiny.artifacts, tmp_path)
    register_version(
        replace(tiny.artifacts, threshold=CHALLENGER_THRESHOLD), tracking_uri, alias=Alias.CHALLENGER
    )
    sink = f"sqlite:///{tmp_path / 'events.db'}"
    ids = [int(i) for i in tiny.production_ids]
    with model_server(model_uri(), tracking_uri, env={PREDICTION_LOG_ENV: sink}, cwd=tmp_path) as url:
        body = {"dataframe_records": [{"SK_ID_CURR": i} for i in ids], "params": {"explain": False}}
        answered = requests.post(f"{url}/invocations", json=body, timeout=60)
        raw = {"dataframe_records": [{"SK_ID_CURR": 999_999, "AMT_INCOME_TOTAL": 90000.0}]}
        assert requests.post(f"{url}/invocations", json=raw, timeout=60).status_code == 200
    assert answered.status_code == 200, answered.text
    served = pd.DataFrame(answered.json()["predictions"])
    p = served.set_index("SK_ID_CURR")["probability_default"]
    flips = sorted(int(i) for i in p.index[(p >= CHALLENGER_THRESHOLD) & (p < CHAMPION_THRESHOLD)])
    assert flips, "the tiny model must put some clients between the two thresholds"
    truth = pd.Series(np.linspace(0.02, 0.6, len(ids)), index=ids)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    truth.rename("PROBABILITY_DEFAULT").rename_axis("SK_ID_CURR").reset_index().assign(SPLIT="test").to_csv(
        data_dir / ORACLE_FILE, index=False
    )

    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, PREDICTION_LOG_ENV: sink}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.pop("MLFLOW_EXPERIMENT_ID", None)
    done = subprocess.run(
        [sys.executable, "-m", "mlflow", "run", str(PROJECT_DIR), "-e", "shadow", "--env-manager", "local",
         "-P", "window_days=1", "-P", f"data_dir={data_dir}", "-P", f"output_dir={tmp_path / 'reports'}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "reports" / "shadow.json").read_text())
    n = len(ids)
    assert (
        report["n_clients"] == n and report["n_not_replayable"] == 1 and report["challenger_version"] == "2"
    )
    assert [f["SK_ID_CURR"] for f in report["flips"]] == flips
    assert report["n_flips_to_refused"] == len(flips) and report["n_flips_to_accepted"] == 0
    assert report["agreement"] == pytest.approx(1 - len(flips) / n)
    assert report["champion_refusal_rate"] == pytest.approx(float((p >= CHAMPION_THRESHOLD).mean()))
    assert report["challenger_refusal_rate"] == pytest.approx(float((p >= CHALLENGER_THRESHOLD).mean()))
    t = truth.reindex(p.index).to_numpy()
    for side, threshold in (("champion", CHAMPION_THRESHOLD), ("challenger", CHALLENGER_THRESHOLD)):
        refused = p.to_numpy() >= threshold
        expected = np.mean(np.where(refused, 1.0 * (1 - t), 10.0 * t))
        assert report[f"expected_cost_{side}"] == pytest.approx(expected)
    assert "would flip" in (tmp_path / "reports" / "shadow.html").read_text()
    (figures,) = snapshot_figures(tmp_path / "reports" / WORKSPACE_DIR)
    assert figures["shadow_agreement"] == pytest.approx(report["agreement"])
    assert figures["approval_rate"] == pytest.approx(1 - report["champion_refusal_rate"])
    client = MlflowClient(tracking_uri)
    (launcher,) = client.search_runs(
        [e.experiment_id for e in client.search_experiments()], "tags.shadow_run_id != ''"
    )
    shadow_run = client.get_run(launcher.data.tags["shadow_run_id"])
    assert shadow_run.data.metrics["agreement"] == pytest.approx(report["agreement"])

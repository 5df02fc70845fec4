"""The drift job end to end on the tiny champion: reports, MLflow links, alerts, the served event log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import requests
import sqlalchemy as sa
from mlflow.tracking import MlflowClient

from custom_model.contract import MONITORED_FEATURES, REGISTERED_MODEL_NAME, Artifact
from drift.history import WORKSPACE_DIR, snapshot_figures
from drift.sources import SCORE_COLUMN, load_champion, top_features, training_reference
from entry_points import drift as job
from entry_points.drift import EXPERIMENT
from tests.conftest import PROJECT_DIR
from tests.drift.conftest import Receiver, copy_tables
from tests.support.server import model_server
from tests.support.tiny_model import TinyModel

pytestmark = pytest.mark.slow


def _report(output_dir) -> dict:
    return json.loads((output_dir / "data_drift.json").read_text())


def test_job_writes_reports_and_links_its_run_to_the_champion(
    tiny_store: TinyModel, tmp_path, capsys
) -> None:
    out = tmp_path / "reports"
    code = job.main(
        ["--data-dir", str(tiny_store.data_dir), "--output-dir", str(out), "--top-n", "50.0",
         "--max-drift-share", "0.99", "--psi-alert-band", "none"]
    )  # fmt: skip
    assert code == job.EXIT_OK
    report = _report(out)
    assert report["context"]["model_version"] == tiny_store.version
    assert report["context"]["model_run_id"] == tiny_store.run_id
    assert report["score_column"] == "probability_default"
    assert report["n_features_tested"] > 0
    assert report["score_stability"]["n_current"] == report["n_current"]
    assert (out / "data_drift.html").stat().st_size > 10_000
    (figures,) = snapshot_figures(out / WORKSPACE_DIR)  # the run is also in the evidently history
    assert figures["drift_share"] == pytest.approx(report["drift_share"])
    assert figures["score_psi"] == pytest.approx(report["score_stability"]["psi"])
    assert 0 < figures["approval_rate"] < 1
    page = (out / "data_drift.html").read_text()
    assert f"credit-scoring version {tiny_store.version}" in page and tiny_store.run_id in page
    assert "production applicants of" in page and "Score stability (PSI)" in page
    printed = capsys.readouterr().out
    assert "Data drift:" in printed and "No alert rule fired." in printed

    client = MlflowClient(tiny_store.tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    (run,) = client.search_runs([experiment.experiment_id], max_results=1, order_by=["start_time DESC"])
    assert run.data.tags["model_version"] == tiny_store.version
    assert run.data.tags["model_run_id"] == tiny_store.run_id
    assert run.data.tags["alert"] == "none"
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"data_drift.html", "data_drift.json"}
    version = client.get_model_version(REGISTERED_MODEL_NAME, tiny_store.version)
    assert version.tags["drift_last_run_id"] == run.info.run_id


def test_planted_production_shift_fires_the_alert_and_the_webhook(
    tiny_store: TinyModel, tmp_path, webhook_receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    data = copy_tables(tiny_store.data_dir, tmp_path / "shifted")
    test = pd.read_csv(data / "application_test.csv")
    # production clients with much worse external scores and 15 years younger: the model's top signals move
    for column in ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"):
        test[column] = test[column] * 0.5
    test["DAYS_BIRTH"] = test["DAYS_BIRTH"] + 15 * 365
    test.to_csv(data / "application_test.csv", index=False)
    out = tmp_path / "reports"
    code = job.main(
        ["--data-dir", str(data), "--output-dir", str(out), "--max-drift-share", "0.1",
         "--psi-alert-band", "act", "--webhook-url", webhook_receiver.url]
    )  # fmt: skip
    assert code == job.EXIT_ALERT
    report = _report(out)
    drifted = report["drifted_features"]
    assert any(name.startswith("EXT_SOURCE") for name in drifted), drifted
    assert report["score_stability"]["band"] == "act"
    assert "DRIFT ALERT [max_drift_share]" in caplog.text
    (request,) = webhook_receiver.received
    body = request["json"]
    assert {a["rule"] for a in body["alerts"]} == {"max_drift_share", "psi_alert_band"}
    assert [f["feature"] for f in body["drifted_features"]] == drifted
    assert body["context"]["model_version"] == tiny_store.version
    html = (out / "data_drift.html").read_text()
    assert all(name in html for name in drifted)


def test_production_drift_reads_the_log_written_by_the_real_server(tiny_store: TinyModel, tmp_path) -> None:
    log_url = f"sqlite:///{tmp_path / 'predictions.db'}"
    ids = pd.read_csv(tiny_store.data_dir / "application_test.csv", usecols=["SK_ID_CURR"])[
        "SK_ID_CURR"
    ].tolist()
    with model_server(
        tiny_store.model_uri, tiny_store.tracking_uri, env={"CREDIT_SCORING_PREDICTION_LOG": log_url}
    ) as url:
        answer = requests.post(
            f"{url}/invocations",
            json={
                "dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[i] for i in ids]},
                "params": {"explain": False},
            },
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        served = pd.DataFrame(answer.json()["predictions"])
        engine = sa.create_engine(log_url)
        deadline = time.monotonic() + 30
        count = 0
        while time.monotonic() < deadline and count < len(ids):
            time.sleep(0.2)
            with engine.connect() as connection:
                if sa.inspect(connection).has_table("prediction_events"):
                    count = connection.execute(sa.text("select count(*) from prediction_events")).scalar()
        engine.dispose()
    assert count == len(ids)
    out = tmp_path / "reports"
    code = job.main(
        ["--source", "log", "--prediction-log", log_url, "--window-days", "1",
         "--data-dir", str(tmp_path / "no-tables-here"), "--output-dir", str(out),
         "--max-drift-share", "0.99", "--psi-alert-band", "none"]
    )  # fmt: skip
    assert code == job.EXIT_OK  # the reference comes from the training run, not from tables
    report = _report(out)
    assert report["n_current"] == len(ids)
    assert report["n_reference"] == len(pd.read_csv(tiny_store.data_dir / "application_train.csv"))
    assert any(Artifact.DRIFT_REFERENCE in note for note in report["context"]["notes"])
    assert report["context"]["source"] == "log"
    assert report["n_features_tested"] > 0
    assert any("scored prediction events" in note for note in report["context"]["notes"])
    # the log's scores are the served ones
    assert report["score_stability"]["current_mean"] == pytest.approx(served["probability_default"].mean())
    (figures,) = snapshot_figures(out / WORKSPACE_DIR)  # the log gives the served latency to the history
    assert figures["latency_ms_p50"] > 0
    refused = (served["decision"] == "refused").mean()
    assert figures["approval_rate"] == pytest.approx(1 - refused)
    # the served model logs the features the drift job tests: none is missing from the log
    assert not [note for note in report["context"]["notes"] if "not recorded in the log" in note]
    assert report["n_features_tested"] + len(report["skipped"]) >= MONITORED_FEATURES


def test_job_without_champion_exits_2_with_a_clear_message(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'empty.db'}")
    code = job.main(["--data-dir", str(tmp_path), "--output-dir", str(tmp_path / "reports")])
    assert code == job.EXIT_ERROR
    assert "no credit-scoring@champion" in caplog.text


def test_stored_reference_equals_the_one_rebuilt_from_the_tables(tiny_store: TinyModel) -> None:
    champion = load_champion()
    columns, _ = top_features(champion.importance, MONITORED_FEATURES)
    stored, stored_notes = training_reference(tiny_store.data_dir, None, champion, columns)
    rebuilt, rebuilt_notes = training_reference(
        tiny_store.data_dir, None, replace(champion, drift_reference=None), columns
    )
    assert Artifact.DRIFT_REFERENCE in stored_notes[0] and str(tiny_store.data_dir) in rebuilt_notes[0]
    assert list(stored.columns) == [*columns, SCORE_COLUMN]
    pd.testing.assert_frame_equal(stored, rebuilt.sort_index())


def test_mlflow_run_of_the_entry_point_logs_the_drift_run_and_links_the_launcher(
    tiny_store: TinyModel, tmp_path
) -> None:
    """As `make demo` runs it: `mlflow run` opens its own run, which the job must not try to resume."""
    out = tmp_path / "reports"
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": tiny_store.tracking_uri,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("MLFLOW_EXPERIMENT_ID", None)
    done = subprocess.run(
        [sys.executable, "-m", "mlflow", "run", str(PROJECT_DIR), "-e", "drift", "--env-manager", "local",
         "-P", f"data_dir={tiny_store.data_dir}", "-P", f"output_dir={out}",
         "-P", "max_drift_share=0.99", "-P", "psi_alert_band=none"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "No alert rule fired." in done.stdout
    client = MlflowClient(tiny_store.tracking_uri)
    (launcher,) = client.search_runs(
        [e.experiment_id for e in client.search_experiments()], "tags.drift_run_id != ''"
    )
    drift_run = client.get_run(launcher.data.tags["drift_run_id"])
    assert client.get_experiment(drift_run.info.experiment_id).name == EXPERIMENT
    assert drift_run.data.tags["model_version"] == tiny_store.version
    assert (out / "data_drift.json").is_file()

"""The serving image's entrypoint (custom_model/serve.py), run for real outside any container.

The image runs ``python -m custom_model.serve``: it must become the server itself (exec, so SIGTERM reaches
uvicorn), listen where PORT / CREDIT_SCORING_HOST say, and refuse unusable settings with one clear line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from custom_model.contract import (
    HOST_ENV,
    IMAGE_HOST,
    IMAGE_MODEL_DIR,
    IMAGE_PORT,
    MODEL_URI_ENV,
    PORT_ENV,
    PREDICTION_LOG_DISABLED,
    PREDICTION_LOG_ENV,
    STATE_DIR_ENV,
    WORKERS_ENV,
)
from custom_model.serve import ServeSettings, ServeSettingsError, server_command, settings_from
from tests.support.mlflow_state import using_tracking_uri
from tests.support.server import VENV_BIN, free_port, stop_process
from tests.support.tiny_model import TinyModel


def test_settings_default_to_the_baked_model_on_all_interfaces_port_8080():
    assert settings_from({}) == ServeSettings(
        model_uri=IMAGE_MODEL_DIR, host=IMAGE_HOST, port=IMAGE_PORT, workers=1
    )
    given = {MODEL_URI_ENV: "models:/m@a", HOST_ENV: "127.0.0.1", PORT_ENV: "5001", WORKERS_ENV: "2"}
    assert settings_from(given) == ServeSettings(
        model_uri="models:/m@a", host="127.0.0.1", port=5001, workers=2
    )


@pytest.mark.parametrize(
    ("name", "value"), [(PORT_ENV, "0"), (PORT_ENV, "65536"), (PORT_ENV, "80a"), (WORKERS_ENV, "-1")]
)
def test_an_unusable_port_or_worker_count_is_refused_by_name(name, value):
    with pytest.raises(ServeSettingsError, match=f"^environment variable {name} must be an integer in 1.."):
        settings_from({name: value})


def test_the_command_is_the_uvicorn_server_mlflow_serve_runs(tmp_path):
    argv, env = server_command(ServeSettings("unused", "127.0.0.1", 5005, 3), str(tmp_path))
    assert argv[0] == "uvicorn"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "5005"
    assert argv[argv.index("--workers") + 1] == "3"
    assert any(str(tmp_path) in value for value in env.values()), "the server is told where the model is"


def _model_dir(tiny_model: TinyModel, into: Path) -> str:
    import mlflow

    with using_tracking_uri(tiny_model.tracking_uri):
        return mlflow.artifacts.download_artifacts(artifact_uri=tiny_model.model_uri, dst_path=str(into))


def test_the_entrypoint_becomes_the_server_and_stops_gracefully_on_sigterm(tiny_model, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        MODEL_URI_ENV: _model_dir(tiny_model, tmp_path / "model"),
        HOST_ENV: "127.0.0.1",
        PORT_ENV: str(port),
        STATE_DIR_ENV: str(tmp_path / "state"),
        PREDICTION_LOG_ENV: PREDICTION_LOG_DISABLED,
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "custom_model.serve"],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        assert process.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        body = {"dataframe_records": [{"SK_ID_CURR": 1}]}
        answer = requests.post(f"http://127.0.0.1:{port}/invocations", json=body, timeout=30)
        assert answer.status_code == 200 and len(answer.json()["predictions"]) == 1
        # exec: the process we started is uvicorn itself, so the signal reaches the server
        assert "uvicorn" in Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        stop_process(process)
        log.close()
    text = (tmp_path / "serve.log").read_text()
    assert "Application shutdown complete." in text, text[-3000:]
    assert (tmp_path / "state").is_dir(), "the server runs from the state folder"


def test_a_bad_setting_exits_with_one_line_and_code_2(tmp_path):
    env = {**os.environ, PORT_ENV: "http", STATE_DIR_ENV: str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "custom_model.serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    expected = f"environment variable {PORT_ENV} must be an integer in 1..65535; got 'http'"
    assert line.endswith(f"ERROR __main__: {expected}")

"""The app when the API is unreachable or slow, or no champion is registered: a message and a retry.

A 127.0.0.1 stub stands in for the model server ONLY to be slow (a real server cannot be made slow on demand);
every journey runs against a real server in test_journeys.py.
"""

from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import mlflow
import pytest
from streamlit.testing.v1 import AppTest

from tests.streamlit_client.conftest import APP_PATH, ServedModel


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def empty_registry(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real, empty MLflow sqlite store: no champion registered yet."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('empty-registry') / 'mlflow.db'}"
    mlflow.MlflowClient(tracking_uri=uri).search_experiments()  # creates the tables
    return uri


class _Slow(BaseHTTPRequestHandler):
    """Counts requests and answers each one too late."""

    calls = 0
    delay_s = 2.0

    def do_POST(self) -> None:
        type(self).calls += 1
        time.sleep(self.delay_s)
        body = json.dumps({"predictions": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def slow_api() -> Iterator[type[_Slow]]:
    _Slow.calls = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _Slow.url = f"http://127.0.0.1:{server.server_address[1]}"
        yield _Slow
    finally:
        server.shutdown()
        server.server_close()


def _run(client_id: str) -> AppTest:
    at = AppTest.from_file(str(APP_PATH), default_timeout=30)
    at.query_params["view"] = "decision"
    at.query_params["client"] = client_id
    return at.run()


def test_unreachable_api_shows_a_message_and_a_retry_button(
    empty_registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_API_URL", f"http://127.0.0.1:{_free_port()}")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", empty_registry)
    at = _run("100001")
    assert not at.exception
    assert len(at.error) == 1
    assert "The scoring service cannot be reached right now (3 attempts)" in at.error[0].value
    assert "tell IT support" in at.error[0].value and "mlflow" not in at.error[0].value
    assert [b.label for b in at.button if b.label == "Retry"] == ["Retry"]
    assert "has no version of 'credit-scoring' with alias 'champion'" in at.warning[0].value
    assert not at.metric


def test_slow_api_times_out_with_a_message_and_retry_calls_again(
    slow_api: type[_Slow], empty_registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_API_URL", slow_api.url)
    monkeypatch.setenv("CREDIT_SCORING_API_TIMEOUT", "0.5")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", empty_registry)
    at = _run("100002")
    assert not at.exception
    assert at.error[0].value.startswith("The scoring service did not answer within 0.5 s. Please try again")
    assert f"(service address {slow_api.url})" in at.error[0].value
    assert slow_api.calls == 1
    next(b for b in at.button if b.label == "Retry").click().run()
    assert not at.exception
    assert slow_api.calls == 2  # a failure is never cached: retry really asks again
    assert "did not answer within 0.5 s" in at.error[0].value


def test_sidebar_url_overrides_the_environment(empty_registry: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_SCORING_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", empty_registry)
    at = _run("100003")
    other = f"http://127.0.0.1:{_free_port()}"
    at.sidebar.text_input[0].set_value(other).run()
    assert not at.exception
    assert f"(service address {other})" in at.error[0].value


def test_the_client_imports_no_model_or_job_code() -> None:
    imported: set[str] = set()
    for path in Path(APP_PATH).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    assert "streamlit_client.api" in imported and "requests" in imported
    ours = {m for m in imported if m.split(".")[0] in {"custom_model", "entry_points", "drift"}}
    assert ours == {"custom_model.contract"}  # the one shared file the client image copies


def test_loading_every_client_module_loads_no_model_code() -> None:
    modules = [f"streamlit_client.{p.stem}" for p in Path(APP_PATH).parent.glob("*.py") if p.stem != "app"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "streamlit_client.api" in loaded and "custom_model.contract" in loaded
    assert not {m for m in loaded if m.startswith(("custom_model.", "entry_points", "drift"))} - {
        "custom_model.contract"
    }
    assert not loaded & {"lightgbm", "sklearn", "hyperopt", "evidently", "shap"}


def test_lookup_still_works_when_the_registry_has_no_champion(
    served_model: ServedModel, empty_registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_API_URL", served_model.url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", empty_registry)
    row = served_model.reference.iloc[0]
    at = _run(str(int(row["SK_ID_CURR"])))
    assert not at.exception
    assert "comparisons with other clients are disabled" in at.warning[0].value
    assert at.metric[0].value == f"{100 * float(row['probability_default']):.1f} %"
    at.sidebar.radio(key="view").set_value("compare").run()
    assert "Comparisons need the reference sample" in at.info[0].value

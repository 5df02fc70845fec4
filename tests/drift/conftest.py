"""Drift-test fixtures: a webhook receiver on 127.0.0.1 and the tiny champion trained by the real code."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.mlflow_state import using_tracking_uri
from tests.support.tiny_model import TinyModel, train_tiny_model


@dataclass
class Receiver:
    """A running webhook receiver: its URL, what it received, and how it answers."""

    url: str
    received: list[dict] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    """Serve POSTs on a free 127.0.0.1 port in a thread; always shut down at the end of the test."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            content_type = self.headers.get("Content-Type")
            receiver.received.append(
                {"path": self.path, "content_type": content_type, "json": json.loads(body)}
            )
            time.sleep(receiver.delay_s)
            self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/SECRET-TOKEN"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def drift_tiny_model(tmp_path_factory: pytest.TempPathFactory) -> TinyModel:
    """The tiny LightGBM champion (real training code path, sqlite store in a temporary folder).

    Trained from inside its folder: MLflow puts a new experiment's artifacts in ./mlruns of the cwd.
    """
    workdir = tmp_path_factory.mktemp("drift-tiny-model")
    previous = Path.cwd()
    os.chdir(workdir)
    try:
        return train_tiny_model(workdir)
    finally:
        os.chdir(previous)


@pytest.fixture
def tiny_store(drift_tiny_model: TinyModel, monkeypatch: pytest.MonkeyPatch) -> Iterator[TinyModel]:
    """Point the tracking URI (process and env) at the tiny model's store for one test; restore both after.

    The working folder is the tiny model's: a new experiment puts its artifacts in ./mlruns of the cwd.
    """
    monkeypatch.chdir(drift_tiny_model.data_dir.parent)
    with using_tracking_uri(drift_tiny_model.tracking_uri):
        yield drift_tiny_model


def copy_tables(source: Path, target: Path) -> Path:
    """Copy the CSV tables of ``source`` to ``target`` (to edit one of them without touching the original)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.csv"):
        (target / path.name).write_bytes(path.read_bytes())
    return target

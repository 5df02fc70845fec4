"""Start a real `mlflow models serve` subprocess on 127.0.0.1 for tests, and always stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

VENV_BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 90.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen) -> None:
    """Terminate the server's whole process group (uvicorn workers included), then kill if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def group_alive(pgid: int) -> bool:
    """Whether a live (non-zombie) process of the group remains (`mlflow models serve` forks uvicorn)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                return True
    return False


def wait_group_gone(process: subprocess.Popen, timeout: float = 120.0) -> None:
    """Wait until the server and every process it started have exited (a drain runs in the uvicorn child)."""
    process.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while group_alive(process.pid):
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes of group {process.pid} still running after {timeout:.0f} s")
        time.sleep(0.1)


def _wait_ready(process: subprocess.Popen, url: str, log_path: Path) -> None:
    """Poll /ping until 200; RuntimeError with the server log tail when it exits or times out."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"model server exited with code {process.returncode}:\n{log_path.read_text()[-4000:]}"
            )
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/ping", timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(
        f"model server not ready after {READY_TIMEOUT_S:.0f} s:\n{log_path.read_text()[-4000:]}"
    )


@contextlib.contextmanager
def model_server(
    model_uri: str, tracking_uri: str, *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[str]:
    """Serve ``model_uri`` on a free 127.0.0.1 port; yield the base URL; stop the process group on exit.

    The server runs in ``cwd`` (default: a fresh temporary folder, so side files such as the default
    predictions.db never land in the project) and logs to ``<cwd>/model_server_<port>.log``.
    """
    with contextlib.ExitStack() as stack:
        workdir = cwd or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="model-server-")))
        yield stack.enter_context(_serve(model_uri, tracking_uri, env or {}, workdir))


@dataclass(frozen=True)
class Running:
    """A started server: its base URL, its process (to signal it) and its log file."""

    url: str
    process: subprocess.Popen
    log_path: Path


@contextlib.contextmanager
def _serve(model_uri: str, tracking_uri: str, env: dict[str, str], workdir: Path) -> Iterator[str]:
    """Run the server subprocess in ``workdir`` until the context exits."""
    with running_server(model_uri, tracking_uri, env=env, workdir=workdir) as running:
        yield running.url


@contextlib.contextmanager
def running_server(
    model_uri: str, tracking_uri: str, *, env: dict[str, str], workdir: Path
) -> Iterator[Running]:
    """Run the server subprocess in ``workdir``; yield it once /ping answers; stop its group on exit."""
    port = free_port()
    log_path = workdir / f"model_server_{port}.log"
    full_env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": tracking_uri,
        **env,
    }
    command = [
        str(VENV_BIN / "mlflow"),
        "models",
        "serve",
        "-m",
        model_uri,
        "--env-manager",
        "local",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, env=full_env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_ready(process, url, log_path)
            yield Running(url, process, log_path)
        finally:
            stop_process(process)

"""A real PostgreSQL server for tests: Debian's binaries (`make postgres`), a fresh cluster on 127.0.0.1.

The cluster lives in a temporary folder outside pytest's (those are private to the user running the tests,
while PostgreSQL refuses to run as root: under root the server runs as the `postgres` user the Debian package
creates). Trust authentication on 127.0.0.1 only; the server and its folder are removed on exit.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import free_port

BIN_GLOB = "/usr/lib/postgresql/*/bin"
DATABASE = "events"
START_TIMEOUT_S = 30.0


def postgres_bin() -> Path:
    """Folder of Debian's PostgreSQL binaries; fail (never skip) when `make postgres` was not run."""
    found = sorted(Path("/").glob(BIN_GLOB.lstrip("/")))
    if not found or not (found[-1] / "initdb").is_file():
        pytest.fail("PostgreSQL is not installed: run `make postgres` (apt-get install postgresql)")
    return found[-1]


def _as_server_user(command: list[str]) -> list[str]:
    """The command as the `postgres` user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class PostgresServer:
    """One running cluster: its URL, and `stop`/`start` to take the sink down and bring it back."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.bin = postgres_bin()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            _as_server_user([str(a) for a in args]), check=True, capture_output=True, timeout=timeout
        )

    def init(self) -> None:
        data = self.folder / "data"
        self._run(
            self.bin / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        self.start()
        self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._run(
            self.bin / "pg_ctl", "-D", self.folder / "data", "-l", self.folder / "server.log", "-o", options,
            "-w", "-t", str(int(START_TIMEOUT_S)), "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.folder / "data", "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.folder / "data" / "postmaster.pid").exists()


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a fresh cluster on a free 127.0.0.1 port; stop it and delete its folder on exit."""
    folder = Path(tempfile.mkdtemp(prefix="credit-scoring-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    server = PostgresServer(folder, free_port())
    try:
        server.init()
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            if server.running():
                server.stop()
        deadline = time.monotonic() + 10
        while server.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)

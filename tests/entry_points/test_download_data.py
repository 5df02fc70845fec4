"""download_data against a real HTTP server on 127.0.0.1: success extracts and validates; truncation, corrupt
zips, HTTP errors, refused connections and timeouts fail cleanly and leave nothing in the output folder."""

from __future__ import annotations

import contextlib
import io as stdio
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from custom_model import schema
from custom_model.errors import DataSourceError, SchemaError
from custom_model.io import load_tables
from entry_points import download_data
from tests.conftest import PROJECT_DIR

ROWS = 5


@dataclass(frozen=True)
class Route:
    """What the test server answers on one path."""

    status: int = 200
    body: bytes = b""
    content_length: int | None = None  # None: the true body length
    delay_s: float = 0.0


def tiny_zip(samples_dir: Path, *, prefix: str = "", names=schema.TABLE_NAMES, extra=None) -> bytes:
    """A zip of the first ROWS rows of each real sample table (plus extra members), built in memory."""
    buffer = stdio.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            lines = (samples_dir / f"{name}.csv").read_text().splitlines(keepends=True)[: ROWS + 1]
            zf.writestr(f"{prefix}{name}.csv", "".join(lines))
        for member, text in (extra or {}).items():
            zf.writestr(member, text)
    return buffer.getvalue()


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, Route]]]:
    """A threaded HTTP server on an ephemeral 127.0.0.1 port serving ``routes``; always shut down."""
    routes: dict[str, Route] = {}
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path, Route(status=404, body=b"not found"))
            if route.delay_s and stop.wait(route.delay_s):
                return
            self.send_response(route.status)
            self.send_header("Content-Type", "application/zip")
            length = len(route.body) if route.content_length is None else route.content_length
            self.send_header("Content-Length", str(length))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def files_in(folder: Path) -> list[str]:
    """Every file and folder left in ``folder``, hidden ones included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ------------------------------------------------------------------------------------------------ success


def test_download_extracts_and_validates(server, samples_dir, tmp_path):
    url, routes = server
    junk = {"HomeCredit_columns_description.csv": "Table,Row\n", "sample_submission.csv": "SK_ID_CURR\n"}
    routes["/data.zip"] = Route(body=tiny_zip(samples_dir, prefix="home-credit/", extra=junk))
    out = tmp_path / "raw"
    paths = download_data.run(f"{url}/data.zip", out, timeout=5)
    assert sorted(p.name for p in paths) == sorted(f"{n}.csv" for n in schema.TABLE_NAMES)
    assert files_in(out) == sorted([download_data.ARCHIVE_NAME, *(f"{n}.csv" for n in schema.TABLE_NAMES)])
    tables = load_tables(out)
    assert tables.present() == schema.TABLE_NAMES
    assert tables.application_train.shape == (ROWS, 122)
    expected = pd.read_csv(samples_dir / "application_train.csv", nrows=ROWS)
    assert tables.application_train["SK_ID_CURR"].tolist() == expected["SK_ID_CURR"].tolist()
    assert (out / download_data.ARCHIVE_NAME).read_bytes() == routes["/data.zip"].body


def test_download_logs_progress(server, samples_dir, tmp_path, caplog, monkeypatch):
    url, routes = server
    body = tiny_zip(samples_dir)
    routes["/data.zip"] = Route(body=body)
    monkeypatch.setattr(download_data, "_CHUNK", len(body) // 4 + 1)  # four chunks: 25 %, 50 %, 75 %, 100 %
    with caplog.at_level("INFO", logger="entry_points.download_data"):
        download_data.download(f"{url}/data.zip", tmp_path / "data.zip", timeout=5)
    percents = [r.getMessage().split(" %")[0] for r in caplog.records if " %" in r.getMessage()]
    assert percents == ["25", "50", "75", "100"]


def test_cli_subprocess_success_and_http_error(server, samples_dir, tmp_path):
    url, routes = server
    routes["/data.zip"] = Route(
        body=tiny_zip(samples_dir, names=(schema.APPLICATION_TRAIN, "application_test"))
    )
    command = [sys.executable, "-m", "entry_points.download_data", "--output-dir", str(tmp_path / "raw")]
    ok = subprocess.run(
        [*command, "--url", f"{url}/data.zip"], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "2 tables ready" in ok.stdout
    missing = subprocess.run(
        [*command, "--url", f"{url}/nope.zip"], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert missing.returncode == 1
    assert f"download_data: error: {url}/nope.zip: HTTP 404" in missing.stderr
    assert "Traceback" not in missing.stderr


# ------------------------------------------------------------------------------------------------ failures


def test_http_404_is_a_clear_error(server, tmp_path):
    url, _ = server
    with pytest.raises(DataSourceError, match=r"/missing.zip: HTTP 404 Not Found"):
        download_data.run(f"{url}/missing.zip", tmp_path / "raw", timeout=5)
    assert files_in(tmp_path / "raw") == []


def test_content_length_larger_than_body_is_truncation(server, samples_dir, tmp_path):
    url, routes = server
    body = tiny_zip(samples_dir)
    routes["/data.zip"] = Route(body=body[:1000], content_length=len(body))
    with pytest.raises(
        DataSourceError,
        match=rf"truncated download: the connection broke before the {len(body):,} announced bytes arrived "
        r".*1000 bytes read",
    ):
        download_data.run(f"{url}/data.zip", tmp_path / "raw", timeout=5)
    assert files_in(tmp_path / "raw") == []


def test_zip_cut_in_half_is_rejected(server, samples_dir, tmp_path):
    url, routes = server
    body = tiny_zip(samples_dir)
    routes["/data.zip"] = Route(body=body[: len(body) // 2])  # honest Content-Length, broken archive
    with pytest.raises(DataSourceError, match=r"downloaded file is not a valid zip"):
        download_data.run(f"{url}/data.zip", tmp_path / "raw", timeout=5)
    assert files_in(tmp_path / "raw") == []


def test_zip_with_bad_crc_is_rejected(server, samples_dir, tmp_path):
    url, routes = server
    body = bytearray(tiny_zip(samples_dir))
    with zipfile.ZipFile(stdio.BytesIO(bytes(body))) as zf:
        info = zf.getinfo("bureau.csv")
    start = info.header_offset + 30 + len(info.filename) + 20
    body[start : start + 8] = bytes(8)
    routes["/data.zip"] = Route(body=bytes(body))
    with pytest.raises(DataSourceError, match=r"(not a valid zip|bureau\.csv fails its CRC)"):
        download_data.run(f"{url}/data.zip", tmp_path / "raw", timeout=5)
    assert files_in(tmp_path / "raw") == []


def test_zip_without_application_table_extracts_nothing(server, samples_dir, tmp_path):
    url, routes = server
    routes["/data.zip"] = Route(body=tiny_zip(samples_dir, names=("application_train", "bureau")))
    out = tmp_path / "raw"
    with pytest.raises(DataSourceError, match=r"missing application_test\.csv"):
        download_data.run(f"{url}/data.zip", out, timeout=5)
    assert files_in(out) == [download_data.ARCHIVE_NAME]  # the complete download is kept, no CSV


def test_invalid_table_is_not_moved_into_place(server, samples_dir, tmp_path):
    url, routes = server
    bad = "SK_ID_BUREAU,MONTHS_BALANCE,STATUS\n1,0,C\n2,oops,X\n"
    body = tiny_zip(
        samples_dir, names=("application_train", "application_test"), extra={"bureau_balance.csv": bad}
    )
    routes["/data.zip"] = Route(body=body)
    out = tmp_path / "raw"
    with pytest.raises(
        SchemaError, match=r"bureau_balance.csv: column MONTHS_BALANCE must be numeric; got 'oops' on line 3"
    ):
        download_data.run(f"{url}/data.zip", out, timeout=5)
    assert files_in(out) == [download_data.ARCHIVE_NAME]


def test_connection_refused(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DataSourceError, match=rf"127.0.0.1:{port}/data.zip: connection failed"):
        download_data.run(f"http://127.0.0.1:{port}/data.zip", tmp_path / "raw", timeout=2)
    assert files_in(tmp_path / "raw") == []


def test_timeout_is_bounded(server, tmp_path):
    url, routes = server
    routes["/slow.zip"] = Route(body=b"x", delay_s=10)
    with pytest.raises(DataSourceError, match=r"/slow.zip: no answer within 0.3 s"):
        download_data.run(f"{url}/slow.zip", tmp_path / "raw", timeout=0.3)
    assert files_in(tmp_path / "raw") == []

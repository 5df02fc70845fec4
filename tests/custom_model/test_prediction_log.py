"""Prediction event log in-process: rows in a real SQLite file, a failing sink retried, the budget counted.

Crash replay and torn records use a real child process killed with SIGKILL (its spool is then an orphan).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from custom_model.contract import PREDICTION_LOG_ENV, SPOOL_DIR_ENV, SPOOL_MAX_MB_ENV, STATE_DIR_ENV
from custom_model.errors import CreditScoringError
from custom_model.prediction_log import (
    MB,
    EventBatch,
    PredictionLog,
    now_utc,
    settings_from_env,
    sink_url_from_env,
)


def _batch(ids: list[int]) -> EventBatch:
    n = len(ids)
    probabilities = np.linspace(0.1, 0.9, n)
    probabilities[-1] = np.nan
    return EventBatch(
        timestamp=now_utc(),
        model_name="credit-scoring",
        model_version="3",
        threshold=0.5,
        latency_ms=4.5,
        ids=np.asarray(ids, dtype=np.int64),
        is_raw=np.array([False] * (n - 1) + [True]),
        probabilities=probabilities,
        decisions=["accepted"] * (n - 1) + [None],
        errors=[None] * (n - 1) + ["unknown client id 9"],
        feature_names=["EXT_SOURCE_2", "PAYMENT_RATE"],
        feature_values=np.array([[0.5, np.nan]] * n),
    )


def _count(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("select count(*) from prediction_events")).scalar_one()
    finally:
        engine.dispose()


def test_events_are_written_one_row_per_answered_client(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    log = PredictionLog(url, spool_dir=tmp_path / "spool")
    log.record(_batch([1, 2, 9]))
    log.record(_batch([4, 5]), timed_out=True)
    assert log.flush(10)
    events = pd.read_sql_table("prediction_events", sa.create_engine(url))
    log.close()
    assert events["sk_id_curr"].tolist() == [1, 2, 9, 4, 5]
    assert events["input_kind"].tolist() == ["id", "id", "raw", "id", "raw"]
    assert events["status"].tolist() == ["answered"] * 3 + ["timed_out"] * 2
    assert events["event_id"].is_unique
    assert events["probability_default"].tolist()[:2] == [0.1, 0.5]
    assert pd.isna(events["probability_default"].iloc[2])
    assert events["error"].tolist()[:3] == [None, None, "unknown client id 9"]
    assert json.loads(events["features"].iloc[0]) == {"EXT_SOURCE_2": 0.5, "PAYMENT_RATE": None}
    assert events["features"].iloc[2] is None
    status = log.status()
    assert (status.written_events, status.pending_events, status.timed_out_events) == (5, 0, 2)
    # everything delivered: the spool folder holds nothing of this process any more
    assert list((tmp_path / "spool").iterdir()) == []


def test_a_failing_sink_keeps_the_events_pending_then_delivers_them(tmp_path: Path) -> None:
    folder = tmp_path / "not_yet"
    url = f"sqlite:///{folder / 'events.db'}"
    log = PredictionLog(url, spool_dir=tmp_path / "spool", max_failing_s=0.5)
    log.record(_batch([1, 2]))
    log.record(_batch([3, 4, 5]))
    assert not log.flush(1.5)
    status = log.status()
    assert (status.pending_events, status.written_events, status.failed_events) == (5, 0, 0)
    assert not status.ready and "sink failing" in status.reason
    assert "OperationalError" in status.last_error
    folder.mkdir()  # the sink comes back
    assert log.flush(20)
    status = log.status()
    log.close()
    assert (status.pending_events, status.written_events, status.ready) == (0, 5, True)
    assert _count(url) == 5


def test_past_the_disk_budget_events_are_dropped_and_counted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'events.db'}"
    log = PredictionLog(url, spool_dir=tmp_path / "spool", budget_bytes=4000)
    for i in range(40):
        log.record(_batch([10 * i + 1, 10 * i + 2]))
    status = log.status()
    log.close(timeout=0.5)
    assert status.dropped_events > 0
    assert status.pending_events + status.dropped_events == 80
    assert status.spool_bytes <= 4000
    assert not status.ready and "disk budget" in status.reason


_CHILD = """
import os, signal, sys
import numpy as np
from tests.custom_model.test_prediction_log import _batch
from custom_model.prediction_log import PredictionLog
log = PredictionLog(sys.argv[1], spool_dir=__import__("pathlib").Path(sys.argv[2]))
for i in range(int(sys.argv[3])):
    log.record(_batch([3 * i + 1, 3 * i + 2, 3 * i + 3]))
if sys.argv[4] == "torn":
    spool = sorted(p for p in log.spool.directory.iterdir() if p.suffix == ".spool")[-1]
    with spool.open("ab") as handle:
        handle.write(b"0123abcd 7 {\\"token\\": \\"cut")
os.kill(os.getpid(), signal.SIGKILL)
"""


def _killed_child(url: str, spool: Path, requests: int, tail: str = "clean") -> None:
    """A process that spools ``requests`` × 3 events for a sink that is down, then dies by SIGKILL."""
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, url, str(spool), str(requests), tail],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=60,
    )
    assert completed.returncode == -signal.SIGKILL, completed.stderr.decode()[-2000:]


def test_a_killed_process_spool_is_replayed_once_by_the_next_start(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    _killed_child(f"sqlite:///{tmp_path / 'down' / 'x.db'}", spool, requests=50)
    url = f"sqlite:///{tmp_path / 'events.db'}"
    log = PredictionLog(url, spool_dir=spool)
    deadline = time.monotonic() + 20
    while log.status().written_events < 150 and time.monotonic() < deadline:
        time.sleep(0.05)
    status = log.status()
    log.close()
    assert (status.recovered_events, status.written_events, status.lost_events) == (150, 150, 0)
    assert _count(url) == 150
    assert list(spool.iterdir()) == []
    # a second start finds nothing to replay and writes no duplicate
    again = PredictionLog(url, spool_dir=spool)
    assert again.flush(5)
    again.close()
    assert again.status().recovered_events == 0 and _count(url) == 150


def test_a_torn_last_record_is_counted_as_lost(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    _killed_child(f"sqlite:///{tmp_path / 'down' / 'x.db'}", spool, requests=4, tail="torn")
    url = f"sqlite:///{tmp_path / 'events.db'}"
    log = PredictionLog(url, spool_dir=spool)
    deadline = time.monotonic() + 20
    while log.status().written_events < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    status = log.status()
    log.close()
    assert (status.recovered_events, status.written_events, status.lost_events) == (12, 12, 7)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(PREDICTION_LOG_ENV, raising=False)
    monkeypatch.delenv(SPOOL_DIR_ENV, raising=False)
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path / "state"))
    # the default is absolute (the state folder), whatever the working directory
    assert sink_url_from_env() == f"sqlite:///{tmp_path / 'state' / 'predictions.db'}"
    settings = settings_from_env()
    assert settings.spool_dir.parent == tmp_path / "state" / "spool"
    assert settings.budget_bytes == 256 * MB
    monkeypatch.setenv(SPOOL_DIR_ENV, str(tmp_path / "mine"))
    monkeypatch.setenv(SPOOL_MAX_MB_ENV, "8")
    assert (settings_from_env().spool_dir, settings_from_env().budget_bytes) == (tmp_path / "mine", 8 * MB)
    monkeypatch.setenv(SPOOL_MAX_MB_ENV, "lots")
    with pytest.raises(
        CreditScoringError, match="CREDIT_SCORING_SPOOL_MAX_MB must be a number ≥ 0; got 'lots'"
    ):
        settings_from_env()
    monkeypatch.delenv(SPOOL_MAX_MB_ENV)
    monkeypatch.setenv(PREDICTION_LOG_ENV, "postgresql+psycopg://u:p@db/x")
    assert sink_url_from_env() == "postgresql+psycopg://u:p@db/x"
    monkeypatch.setenv(PREDICTION_LOG_ENV, "none")
    assert sink_url_from_env() is None and settings_from_env() is None
    assert os.environ[PREDICTION_LOG_ENV] == "none"

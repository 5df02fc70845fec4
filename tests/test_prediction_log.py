"""Prediction event log: rows written to a real SQLite file; a broken sink is counted, never raised."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from custom_model.prediction_log import (
    SINK_ENV,
    EventBatch,
    PredictionLog,
    now_utc,
    open_log_from_env,
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


def test_events_are_written_one_row_per_answered_client(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    log = PredictionLog(url)
    log.record(_batch([1, 2, 9]))
    assert log.flush(10)
    events = pd.read_sql_table("prediction_events", sa.create_engine(url))
    log.close()
    assert events["sk_id_curr"].tolist() == [1, 2, 9]
    assert events["input_kind"].tolist() == ["id", "id", "raw"]
    assert events["model_version"].tolist() == ["3"] * 3
    assert events["probability_default"].tolist()[:2] == [0.1, 0.5]
    assert pd.isna(events["probability_default"].iloc[2])
    assert events["decision"].tolist()[:2] == ["accepted", "accepted"]
    assert events["error"].tolist() == [None, None, "unknown client id 9"]
    assert json.loads(events["features"].iloc[0]) == {"EXT_SOURCE_2": 0.5, "PAYMENT_RATE": None}
    assert events["features"].iloc[2] is None
    assert (events["latency_ms"] == 4.5).all()
    assert log.written_events == 3 and log.failed_events == 0


def test_a_broken_sink_is_logged_and_counted_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'no_such_folder' / 'events.db'}"
    log = PredictionLog(url)
    with caplog.at_level(logging.ERROR, logger="custom_model.prediction_log"):
        log.record(_batch([1, 2]))
        log.record(_batch([3, 4, 5]))
        assert log.flush(10)
    log.close()
    assert log.failed_events == 5
    assert log.written_events == 0
    assert "5 events failed so far" in caplog.text


def test_a_full_queue_drops_and_counts_instead_of_blocking(tmp_path: Path) -> None:
    log = PredictionLog(f"sqlite:///{tmp_path / 'events.db'}", max_pending=1)
    for _ in range(50):
        log.record(_batch([1, 2]))
    log.close()
    assert log.dropped_events + log.written_events == 100
    assert log.dropped_events > 0


def test_sink_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SINK_ENV, raising=False)
    assert sink_url_from_env() == "sqlite:///predictions.db"
    monkeypatch.setenv(SINK_ENV, "postgresql://u:p@db/x")
    assert sink_url_from_env() == "postgresql://u:p@db/x"
    monkeypatch.setenv(SINK_ENV, "none")
    assert sink_url_from_env() is None
    assert open_log_from_env() is None

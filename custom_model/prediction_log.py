"""Prediction event log: one row per answered client, written to any SQLAlchemy URL by a background thread.

The drift job reads this table. Writing never fails or slows a prediction: the scoring thread only puts one
batch object on a bounded queue (dropped and counted when full); a daemon thread turns batches into rows and
inserts them; a sink error is logged and counted (`failed_events`), never raised. Events are written as
soon as they arrive, and `close()` (also registered at exit) drains the queue.

Table `prediction_events`: id, timestamp (UTC), model_name, model_version, sk_id_curr, input_kind ('id' or
'raw'), probability_default, decision, threshold, latency_ms (whole request, per row), features (JSON object
of the model's top global features as used for this row), error (null when the row was scored).
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa

logger = logging.getLogger(__name__)

#: Environment variable holding the sink URL; "none" disables the log.
SINK_ENV = "CREDIT_SCORING_PREDICTION_LOG"
DEFAULT_SINK_URL = "sqlite:///predictions.db"
DISABLED = "none"
TABLE_NAME = "prediction_events"

_metadata = sa.MetaData()
EVENTS = sa.Table(
    TABLE_NAME,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("timestamp", sa.DateTime, nullable=False, index=True),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(50), nullable=False),
    sa.Column("sk_id_curr", sa.BigInteger, nullable=False),
    sa.Column("input_kind", sa.String(10), nullable=False),
    sa.Column("probability_default", sa.Float, nullable=True),
    sa.Column("decision", sa.String(20), nullable=True),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("features", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)


@dataclass(frozen=True)
class EventBatch:
    """Everything about one answered request, kept as arrays so the scoring thread does no per-row work."""

    timestamp: datetime
    model_name: str
    model_version: str
    threshold: float
    latency_ms: float
    ids: np.ndarray
    is_raw: np.ndarray
    probabilities: np.ndarray
    decisions: Sequence[str | None]
    errors: Sequence[str | None]
    feature_names: Sequence[str]
    feature_values: np.ndarray

    def rows(self) -> list[dict]:
        """One insertable dict per answered row."""
        rows = []
        for i in range(len(self.ids)):
            probability = float(self.probabilities[i])
            scored = self.errors[i] is None and not math.isnan(probability)
            features = (
                json.dumps(
                    {
                        n: (None if math.isnan(v) else v)
                        for n, v in zip(self.feature_names, self.feature_values[i].tolist(), strict=True)
                    }
                )
                if scored
                else None
            )
            rows.append(
                {
                    "timestamp": self.timestamp,
                    "model_name": self.model_name,
                    "model_version": self.model_version,
                    "sk_id_curr": int(self.ids[i]),
                    "input_kind": "raw" if self.is_raw[i] else "id",
                    "probability_default": probability if scored else None,
                    "decision": self.decisions[i] if scored else None,
                    "threshold": self.threshold,
                    "latency_ms": self.latency_ms,
                    "features": features,
                    "error": self.errors[i],
                }
            )
        return rows


def sink_url_from_env() -> str | None:
    """Return the sink URL from CREDIT_SCORING_PREDICTION_LOG (default local SQLite), None when disabled."""
    url = os.environ.get(SINK_ENV, "").strip() or DEFAULT_SINK_URL
    return None if url.lower() == DISABLED else url


def now_utc() -> datetime:
    """Naive UTC timestamp (SQLite has no time zones; every timestamp in the table is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


class PredictionLog:
    """Asynchronous writer of prediction events; never raises into the caller."""

    def __init__(self, url: str, *, max_pending: int = 1000) -> None:
        self.url = url
        self.written_events = 0
        self.failed_events = 0
        self.dropped_events = 0
        self._queue: queue.Queue[EventBatch | None] = queue.Queue(maxsize=max_pending)
        self._engine: sa.Engine | None = None
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def record(self, batch: EventBatch) -> None:
        """Queue one request's events; when the queue is full they are dropped and counted."""
        try:
            self._queue.put_nowait(batch)
        except queue.Full:
            self.dropped_events += len(batch.ids)
            logger.warning("prediction log queue full: %d events dropped so far", self.dropped_events)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event is written or failed; False on timeout."""
        done = threading.Event()
        waiter = threading.Thread(target=lambda: (self._queue.join(), done.set()), daemon=True)
        waiter.start()
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Drain the queue and stop the writer thread."""
        if not self._thread.is_alive():
            return
        self.flush(timeout)
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        """Writer loop: one insert per request batch."""
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                self._write(batch)
            finally:
                self._queue.task_done()

    def _write(self, batch: EventBatch) -> None:
        """Insert one batch; log and count any failure."""
        try:
            rows = batch.rows()
            with self._connect().begin() as connection:
                connection.execute(EVENTS.insert(), rows)
            self.written_events += len(rows)
        except Exception as error:
            self.failed_events += len(batch.ids)
            self._engine = None
            logger.error(
                "prediction log: could not write %d events to %s (%s: %s); %d events failed so far",
                len(batch.ids),
                _safe_url(self.url),
                type(error).__name__,
                error,
                self.failed_events,
            )

    def _connect(self) -> sa.Engine:
        """Create the engine and the table on first use."""
        if self._engine is None:
            engine = sa.create_engine(self.url)
            _metadata.create_all(engine, checkfirst=True)
            self._engine = engine
        return self._engine


def _safe_url(url: str) -> str:
    """URL without its password, for logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def open_log_from_env() -> PredictionLog | None:
    """Start the event log configured by CREDIT_SCORING_PREDICTION_LOG; None when disabled."""
    url = sink_url_from_env()
    if url is None:
        logger.info("prediction log disabled (%s=%s)", SINK_ENV, DISABLED)
        return None
    logger.info("prediction log: writing events to %s, table %s", _safe_url(url), TABLE_NAME)
    return PredictionLog(url)

"""Prediction event log, delivered at least once: one row per answered client, in the table drift reads.

Path of an event: the scoring thread appends the request's events to this process's local spool before the
answer leaves (`custom_model.spool`: append-only, fsynced in groups a few ms apart); a background writer reads
the spool in order and inserts into the sink (`custom_model.event_sink`: any SQLAlchemy URL, idempotent on a
unique event id). So:

- a slow or failing sink never slows or fails a prediction: the spool grows (back-pressure) and the writer
  retries with back-off; past the spool's disk budget new events are refused, counted as dropped and reported;
- a crash or `kill -9` loses no answered row: the next process using the same spool folder replays the dead
  process's spool at start-up (a torn last record, only possible on a machine crash, is counted as lost);
- SIGTERM and a normal exit deliver what is in the spool within a time limit (under the scoring server: its
  shutdown handler, `custom_model.log_status`; elsewhere `install_shutdown_drain`);
- the state (pending, written, failed, dropped, ...) is exposed by `status()`, served on /health and /metrics.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import math
import os
import signal
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from custom_model.contract import (
    DEFAULT_LOG_DRAIN_TIMEOUT_S,
    DEFAULT_LOG_MAX_FAILING_S,
    DEFAULT_SPOOL_MAX_MB,
    LOG_DRAIN_TIMEOUT_ENV,
    LOG_MAX_FAILING_ENV,
    PREDICTION_LOG_DISABLED,
    PREDICTION_LOG_ENV,
    SPOOL_DIR_ENV,
    SPOOL_MAX_MB_ENV,
    EventStatus,
    default_prediction_log_url,
    state_dir,
)
from custom_model.errors import CreditScoringError
from custom_model.event_sink import (
    EVENTS,
    TABLE_NAME,
    TRANSIENT_ERRORS,
    create_engine,
    ensure_table,
    insert_each,
    insert_rows,
    safe_url,
)
from custom_model.spool import (
    Position,
    Record,
    Spool,
    adopt_orphans,
    encode_record,
    iter_orphan_records,
    write_checkpoint,
)

__all__ = ["EVENTS", "TABLE_NAME", "EventBatch", "LogSettings", "LogStatus", "PredictionLog"]

logger = logging.getLogger(__name__)

MB = 1024 * 1024
#: Events per sink transaction (a bigger request is one transaction of its own).
BATCH_EVENTS = 2000
#: Longest wait between two attempts while the sink fails.
RETRY_MAX_S = 10.0
#: At most one "still failing" / "spool full" log line per this many seconds.
REPORT_EVERY_S = 30.0


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

    def payload(self, *, token: str, first: int, status: EventStatus) -> dict[str, Any]:
        """The spool record of this request; event ids are ``<token>-<first + row>``."""
        return {
            "token": token,
            "first": first,
            "status": str(status),
            "timestamp": self.timestamp.isoformat(),
            "model_name": self.model_name,
            "model_version": self.model_version,
            "threshold": float(self.threshold),
            "latency_ms": float(self.latency_ms),
            "ids": np.asarray(self.ids, dtype=np.int64).tolist(),
            "raw": np.asarray(self.is_raw, dtype=bool).tolist(),
            "probabilities": np.asarray(self.probabilities, dtype=np.float64).tolist(),
            "decisions": list(self.decisions),
            "errors": list(self.errors),
            "feature_names": list(self.feature_names),
            "feature_values": np.asarray(self.feature_values, dtype=np.float64).tolist(),
        }


def rows_from_payload(payload: dict[str, Any]) -> list[dict]:
    """Insertable rows of one spool record (features as a JSON object, NaN → null)."""
    timestamp = datetime.fromisoformat(payload["timestamp"])
    rows = []
    for i, client in enumerate(payload["ids"]):
        probability = payload["probabilities"][i]
        error = payload["errors"][i]
        scored = error is None and not math.isnan(probability)
        values = payload["feature_values"][i]
        features = (
            json.dumps(
                {
                    n: None if math.isnan(v) else v
                    for n, v in zip(payload["feature_names"], values, strict=True)
                }
            )
            if scored
            else None
        )
        rows.append(
            {
                "event_id": f"{payload['token']}-{payload['first'] + i}",
                "timestamp": timestamp,
                "model_name": payload["model_name"],
                "model_version": payload["model_version"],
                "sk_id_curr": int(client),
                "input_kind": "raw" if payload["raw"][i] else "id",
                "status": payload["status"],
                "probability_default": probability if scored else None,
                "decision": payload["decisions"][i] if scored else None,
                "threshold": payload["threshold"],
                "latency_ms": payload["latency_ms"],
                "features": features,
                "error": error,
            }
        )
    return rows


def sink_url_from_env() -> str | None:
    """The sink URL from CREDIT_SCORING_PREDICTION_LOG (default: SQLite in the state folder); None = off."""
    url = os.environ.get(PREDICTION_LOG_ENV, "").strip() or default_prediction_log_url()
    return None if url.lower() == PREDICTION_LOG_DISABLED else url


@contextlib.contextmanager
def prediction_log_disabled() -> Iterator[None]:
    """Keep the scoring done by training (input-example check, champion comparison) out of the log.

    The drift job reads the log as production traffic.
    """
    previous = os.environ.get(PREDICTION_LOG_ENV)
    os.environ[PREDICTION_LOG_ENV] = PREDICTION_LOG_DISABLED
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PREDICTION_LOG_ENV, None)
        else:
            os.environ[PREDICTION_LOG_ENV] = previous


def now_utc() -> datetime:
    """Naive UTC timestamp (SQLite has no time zones; every timestamp in the table is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def default_spool_dir(url: str) -> Path:
    """Spool folder of a sink: one per sink URL, so a replay never goes to another sink."""
    return state_dir() / "spool" / hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LogSettings:
    """How the served model's event log runs; read from the environment once, when the model loads."""

    url: str
    spool_dir: Path
    budget_bytes: int = DEFAULT_SPOOL_MAX_MB * MB
    max_failing_s: float = DEFAULT_LOG_MAX_FAILING_S
    drain_timeout_s: float = DEFAULT_LOG_DRAIN_TIMEOUT_S


def _env_number(name: str, default: float) -> float:
    """A number ≥ 0 from the environment; CreditScoringError naming the variable otherwise."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or math.isinf(value):
        raise CreditScoringError(f"{name} must be a number ≥ 0; got {text!r}")
    return value


def settings_from_env() -> LogSettings | None:
    """The log's settings from the CREDIT_SCORING_* variables (README); None when the log is off."""
    url = sink_url_from_env()
    if url is None:
        return None
    spool = os.environ.get(SPOOL_DIR_ENV, "").strip()
    return LogSettings(
        url=url,
        spool_dir=Path(spool).expanduser().resolve() if spool else default_spool_dir(url),
        budget_bytes=int(_env_number(SPOOL_MAX_MB_ENV, DEFAULT_SPOOL_MAX_MB) * MB),
        max_failing_s=_env_number(LOG_MAX_FAILING_ENV, DEFAULT_LOG_MAX_FAILING_S),
        drain_timeout_s=_env_number(LOG_DRAIN_TIMEOUT_ENV, DEFAULT_LOG_DRAIN_TIMEOUT_S),
    )


@dataclass(frozen=True)
class LogStatus:
    """The log's state since this process started (the status endpoint serves it as JSON and metrics)."""

    sink: str
    ready: bool
    reason: str
    pending_events: int
    written_events: int
    failed_events: int
    dropped_events: int
    timed_out_events: int
    recovered_events: int
    lost_events: int
    spool_bytes: int
    spool_budget_bytes: int
    sink_failing_for_s: float
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready)."""
        return asdict(self)


class PredictionLog:
    """At-least-once writer of prediction events; never raises into the scoring thread."""

    def __init__(
        self,
        url: str,
        *,
        spool_dir: Path | None = None,
        budget_bytes: int = DEFAULT_SPOOL_MAX_MB * MB,
        max_failing_s: float = DEFAULT_LOG_MAX_FAILING_S,
        drain_timeout_s: float = DEFAULT_LOG_DRAIN_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.max_failing_s = max_failing_s
        self.drain_timeout_s = drain_timeout_s
        self.spool = Spool(spool_dir or default_spool_dir(url), budget_bytes=budget_bytes)
        self.accepted_events = self.written_events = self.failed_events = self.dropped_events = 0
        self.timed_out_events = self.recovered_events = self.lost_events = 0
        self._next_event = 0
        self._counts = threading.Condition()
        self._failing_since: float | None = None
        self._last_error: str | None = None
        self._last_report = 0.0
        self._engine: sa.Engine | None = None
        self._stopping = threading.Event()
        self._deadline = math.inf
        self._closed = False
        self._refusing = False
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()
        _OPEN_LOGS.add(self)

    # --- scoring side ------------------------------------------------------------------------------------
    def record(self, batch: EventBatch, *, timed_out: bool = False) -> None:
        """Append one request's events to the spool (durable once this returns); count them if refused."""
        n = len(batch.ids)
        with self._counts:
            first, self._next_event = self._next_event, self._next_event + n
        status = EventStatus.TIMED_OUT if timed_out else EventStatus.ANSWERED
        line = encode_record(batch.payload(token=self.spool.token, first=first, status=status), n)
        accepted = self.spool.append(line)
        with self._counts:
            self._refusing = not accepted
            if accepted:
                self.accepted_events += n
                self.timed_out_events += n if timed_out else 0
                return
            self.dropped_events += n
            dropped = self.dropped_events
        self._report(
            logging.ERROR,
            "prediction log: spool %s over its budget of %.1f MB (sink %s behind): %d events dropped so far",
            self.spool.directory,
            self.spool.budget_bytes / MB,
            safe_url(self.url),
            dropped,
        )

    @property
    def pending_events(self) -> int:
        """Events in the spool not yet written to the sink (nor refused by it)."""
        with self._counts:
            return self._pending_locked()

    def _pending_locked(self) -> int:
        return self.accepted_events + self.recovered_events - self.written_events - self.failed_events

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every spooled event reached the sink (or was refused by it); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._counts:
            while self._pending_locked() > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._counts.wait(min(remaining, 0.5))
        return True

    def close(self, timeout: float | None = None) -> None:
        """Deliver the spool (at most ``timeout`` s, default the drain timeout) and stop the writer.

        Whatever could not be delivered stays in the spool folder and is replayed by the next start.
        """
        with self._counts:
            if self._closed:
                return
            self._closed = True
        limit = self.drain_timeout_s if timeout is None else timeout
        self._deadline = time.monotonic() + limit
        self._stopping.set()
        self._thread.join(limit + 2.0)
        pending = self.pending_events
        delivered = not self._thread.is_alive() and pending == 0
        self.spool.close(remove=delivered)
        _OPEN_LOGS.discard(self)
        if delivered:
            logger.info(
                "prediction log closed: %d events written to %s", self.written_events, safe_url(self.url)
            )
        else:
            logger.error(
                "prediction log closed, %d events not delivered to %s; they stay in %s for the next start",
                pending,
                safe_url(self.url),
                self.spool.directory,
            )

    def status(self) -> LogStatus:
        """The current counters and the readiness verdict."""
        failing_for = 0.0 if self._failing_since is None else time.monotonic() - self._failing_since
        spool_bytes = self.spool.pending_bytes
        ready, reason = True, "ok"
        if not self._thread.is_alive() and not self._closed:
            ready, reason = False, "the log writer thread stopped"
        elif self.max_failing_s > 0 and failing_for > self.max_failing_s:
            ready, reason = False, f"sink failing for {failing_for:.0f} s (limit {self.max_failing_s:g} s)"
        elif self._refusing or spool_bytes >= self.spool.budget_bytes * 0.95:
            ready, reason = False, "spool at its disk budget: new events are being dropped"
        with self._counts:
            return LogStatus(
                sink=safe_url(self.url),
                ready=ready,
                reason=reason,
                pending_events=self._pending_locked(),
                written_events=self.written_events,
                failed_events=self.failed_events,
                dropped_events=self.dropped_events,
                timed_out_events=self.timed_out_events,
                recovered_events=self.recovered_events,
                lost_events=self.lost_events,
                spool_bytes=spool_bytes,
                spool_budget_bytes=self.spool.budget_bytes,
                sink_failing_for_s=round(failing_for, 3),
                last_error=self._last_error,
            )

    # --- writer side -------------------------------------------------------------------------------------
    def _run(self) -> None:
        """Writer loop: replay dead processes' spools, then follow this process's spool."""
        try:
            self._replay_orphans()
            position = Position(0, 0)
            while True:
                records = self.spool.read(position, max_events=BATCH_EVENTS)
                if not records:
                    if self._stopping.is_set():
                        return
                    self.spool.wait_written(position, 0.5)
                    continue
                if not self._deliver(records):
                    return
                position = records[-1].end
                self.spool.deliver(position)
        except Exception:
            logger.exception("prediction log: writer stopped")

    def _replay_orphans(self) -> None:
        """Deliver the spools of processes that died before delivering them, then delete those spools."""
        for orphan in adopt_orphans(self.spool.directory, self.spool.token):
            replayed = lost = 0
            for result in iter_orphan_records(orphan, max_events=BATCH_EVENTS):
                events = sum(record.events for record in result.records)
                with self._counts:
                    self.recovered_events += events
                    self.lost_events += result.torn_events
                lost += result.torn_events
                if result.records and not self._deliver(result.records):
                    orphan.release()
                    return
                write_checkpoint(orphan.directory, orphan.token, result.end)
                replayed += events
            orphan.remove()
            level = logging.WARNING if replayed or lost else logging.INFO
            logger.log(
                level,
                "prediction log: replayed %d events left by a stopped process (spool %s); %d lost (torn)",
                replayed,
                orphan.token,
                lost,
            )

    def _deliver(self, records: list[Record]) -> bool:
        """Write the records' rows, retrying while the sink fails; False when stopping ran out of time."""
        rows = self._rows(records)
        delay = 0.2
        while True:
            try:
                self._insert(rows)
                self._sink_ok()
                return True
            except Exception as error:
                self._sink_failed(error, len(rows))
            if self._stopping.is_set():
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    return False
                time.sleep(min(0.2, remaining))
            else:
                self._stopping.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    def _rows(self, records: list[Record]) -> list[dict]:
        """Rows of the records; a record that cannot be turned into rows is counted as failed."""
        rows = []
        for record in records:
            try:
                rows.extend(rows_from_payload(record.payload))
            except (KeyError, TypeError, ValueError, IndexError) as error:
                with self._counts:
                    self.failed_events += record.events
                logger.error(
                    "prediction log: unreadable spool record of %d events (%s)", record.events, error
                )
        return rows

    def _insert(self, rows: list[dict]) -> None:
        """Insert rows (idempotent); rows the sink refuses one by one are counted as failed, not retried."""
        if not rows:
            return
        engine = self._connect()
        try:
            insert_rows(engine, rows)
            refused: list = []
        except TRANSIENT_ERRORS:
            self._engine = None
            raise
        except Exception:
            refused = insert_each(engine, rows)
        self._sink_ok()  # before the counters move: whoever sees the events written sees the sink back
        with self._counts:
            self.written_events += len(rows) - len(refused)
            self.failed_events += len(refused)
            self._counts.notify_all()
        if refused:
            row, error = refused[0]
            logger.error(
                "prediction log: the sink refused %d events (first: client %s, %s: %s)",
                len(refused),
                row["sk_id_curr"],
                type(error).__name__,
                str(error)[:300],
            )

    def _connect(self) -> sa.Engine:
        """Create the engine and the table on first use (and after a failure)."""
        if self._engine is None:
            engine = create_engine(self.url)
            try:
                ensure_table(engine)
            except Exception:
                engine.dispose()
                raise
            self._engine = engine
        return self._engine

    def _sink_ok(self) -> None:
        """Back to normal after a failure: say so once."""
        if self._failing_since is not None:
            logger.warning(
                "prediction log: sink %s back after %.1f s; %d events pending",
                safe_url(self.url),
                time.monotonic() - self._failing_since,
                self.pending_events,
            )
        self._failing_since = None
        self._last_error = None

    def _sink_failed(self, error: Exception, rows: int) -> None:
        """Note a failed attempt; log the first one and then at most every REPORT_EVERY_S."""
        self._engine = None
        first = self._failing_since is None
        if first:
            self._failing_since = time.monotonic()
            self._last_report = 0.0
        self._last_error = f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"
        self._report(
            logging.ERROR,
            "prediction log: cannot write %d events to %s (%s); failing for %.1f s, %d events in the spool",
            rows,
            safe_url(self.url),
            self._last_error,
            time.monotonic() - self._failing_since,
            self.pending_events,
        )

    def _report(self, level: int, message: str, *args: object) -> None:
        """Log at most once per REPORT_EVERY_S (a failing sink must not flood the server log)."""
        now = time.monotonic()
        if now - self._last_report >= REPORT_EVERY_S:
            self._last_report = now
            logger.log(level, message, *args)


#: Logs open in this process, drained by the shutdown handlers.
_OPEN_LOGS: weakref.WeakSet[PredictionLog] = weakref.WeakSet()
_shutdown = {"installed": False}


def close_all() -> None:
    """Deliver and close every open log (at exit and on SIGTERM)."""
    for log in list(_OPEN_LOGS):
        log.close()


def install_shutdown_drain() -> None:
    """Deliver the spool at a normal exit and on SIGTERM in a plain Python process; once per process.

    Under `mlflow models serve`, uvicorn owns SIGTERM (it loads the model after installing its handler and
    re-raises the signal after its graceful shutdown, so neither this handler nor `atexit` would run): there
    the drain is the server's shutdown handler (`custom_model.log_status`). Here SIGTERM is only taken when
    nobody else handles it (the default action), then re-raised so the process still ends by signal 15.
    """
    if _shutdown["installed"] or threading.current_thread() is not threading.main_thread():
        return
    _shutdown["installed"] = True
    atexit.register(close_all)
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def on_sigterm(signum: int, frame: object) -> None:
        close_all()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, on_sigterm)


def open_log(settings: LogSettings) -> PredictionLog:
    """Start the event log described by ``settings``."""
    if settings.url == default_prediction_log_url():
        state_dir().mkdir(parents=True, exist_ok=True)
    log = PredictionLog(
        settings.url,
        spool_dir=settings.spool_dir,
        budget_bytes=settings.budget_bytes,
        max_failing_s=settings.max_failing_s,
        drain_timeout_s=settings.drain_timeout_s,
    )
    logger.info(
        "prediction log: events to %s, table %s, spool %s (budget %d MB)",
        safe_url(settings.url),
        TABLE_NAME,
        settings.spool_dir,
        settings.budget_bytes // MB,
    )
    return log

"""The prediction log inside MLflow's scoring server: a truthful /health, /metrics, a shutdown drain, a clock.

Why patch the server: MLflow's `/health` is its `/ping` ("the model object exists"), and the scoring server
builds its FastAPI app only after our model has loaded (`scoring_server.init(model)`). `install`, called by
`load_context` inside the server, makes that app (the next FastAPI app of the process) also have:

- `GET /health`: the log's state as JSON (pending, written, failed, dropped, ... since start); 200 while the
  log delivers, 503 when the sink has failed for longer than CREDIT_SCORING_LOG_MAX_FAILING_S, the writer
  stopped or the spool is at its disk budget (the readiness probe). `GET /ping` stays MLflow's (liveness);
- `GET /metrics`: the same counters in the Prometheus text format;
- a shutdown handler: uvicorn runs it after the last in-flight answer left, before it re-raises SIGTERM,
  so the spool is delivered to the sink then (an `atexit` or signal handler never runs there);
- the request's outcome, settled outside every middleware when the status line leaves: `predict` hands its
  events to `when_answered`; they are spooled as `answered` before a 200 leaves, or as `timed_out` once
  MLflow's timeout middleware answered 504 (its `wait_for` only stops waiting: `predict` runs on in its
  thread, and Starlette lets that late answer go nowhere). Deciding from the status sent, not from a clock
  inside `predict`, also covers the time MLflow spends turning the answer into JSON.

If a future MLflow builds its app otherwise, /health stays MLflow's; the real-server tests then fail.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from custom_model.prediction_log import LogStatus, PredictionLog

logger = logging.getLogger(__name__)

_MARK = "__credit_scoring_log_status__"


class RequestOutcome:
    """How one HTTP request ended (answered or timed out) and the event records waiting for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timed_out: bool | None = None
        self._waiting: list[Callable[[bool], None]] = []

    def when_settled(self, record: Callable[[bool], None]) -> None:
        """Call ``record(timed_out)`` now if the outcome is known, else when it is settled."""
        with self._lock:
            if self._timed_out is None:
                self._waiting.append(record)
                return
            timed_out = self._timed_out
        record(timed_out)

    def settle(self, *, timed_out: bool) -> list[Callable[[bool], None]]:
        """Fix the outcome (the first call wins); return the records that waited for it, for `run`."""
        with self._lock:
            if self._timed_out is None:
                self._timed_out = timed_out
            waiting, self._waiting = self._waiting, []
        return waiting

    def run(self, waiting: list[Callable[[bool], None]]) -> None:
        """Run records returned by `settle` with the settled outcome."""
        for record in waiting:
            record(bool(self._timed_out))


#: The status MLflow's timeout middleware answers with (`MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT`).
HTTP_TIMEOUT = 504
_OUTCOME: contextvars.ContextVar[RequestOutcome | None] = contextvars.ContextVar(
    "request_outcome", default=None
)

_METRICS = (
    # (field of LogStatus, metric name, type, help)
    ("pending_events", "credit_scoring_log_pending_events", "gauge", "events spooled, not yet in the sink"),
    ("written_events", "credit_scoring_log_written_events_total", "counter", "events written to the sink"),
    ("failed_events", "credit_scoring_log_failed_events_total", "counter", "events the sink refused (lost)"),
    ("dropped_events", "credit_scoring_log_dropped_events_total", "counter", "dropped: spool full (lost)"),
    ("timed_out_events", "credit_scoring_log_timed_out_events_total", "counter", "events of 504 answers"),
    ("recovered_events", "credit_scoring_log_recovered_events_total", "counter", "events replayed at start"),
    ("lost_events", "credit_scoring_log_lost_events_total", "counter", "events in torn spool records (lost)"),
    ("spool_bytes", "credit_scoring_log_spool_bytes", "gauge", "bytes in the spool not yet delivered"),
    ("spool_budget_bytes", "credit_scoring_log_spool_budget_bytes", "gauge", "disk budget of the spool"),
    ("sink_failing_for_s", "credit_scoring_log_sink_failing_seconds", "gauge", "sink failing for"),
    ("ready", "credit_scoring_log_ready", "gauge", "1 while the log delivers (readiness)"),
)


def render_metrics(status: LogStatus) -> str:
    """Prometheus text exposition of a status."""
    values = status.as_dict()
    lines = []
    for field, name, kind, text in _METRICS:
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {float(values[field]):g}"]
    return "\n".join(lines) + "\n"


def when_answered(record: Callable[[bool], None]) -> None:
    """Run ``record(timed_out)`` once the current request's outcome is known; at once outside a request."""
    outcome = _OUTCOME.get()
    if outcome is None:
        record(False)
    else:
        outcome.when_settled(record)


def install(events: PredictionLog, drain: Callable[[], None]) -> bool:
    """Make the next FastAPI app of this process (the scoring server's) serve the log; False if not there.

    `scoring_server.app` evaluates `scoring_server.init` before it loads the model, so wrapping `init` from
    `load_context` would come too late; `init` imports `fastapi.FastAPI` when it runs, after the model loaded.
    The class is swapped for one instantiation only: routes and middleware registered in the constructor
    come first, so this /health answers before MLflow's own (Starlette serves the first matching route).
    """
    try:
        import fastapi
    except ImportError:
        logger.warning("prediction log /health not installed: fastapi is not importable")
        return False
    original = fastapi.FastAPI
    if getattr(original, _MARK, False):
        return True

    class WithPredictionLog(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            fastapi.FastAPI = original
            super().__init__(*args, **kwargs)
            add_routes(self, events.status, drain)

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await super().__call__(scope, receive, send)
                return
            outcome = RequestOutcome()
            token = _OUTCOME.set(outcome)
            try:
                await super().__call__(scope, receive, settling(outcome, send))
            finally:
                _OUTCOME.reset(token)
                # no status line left (client gone, server error): rows computed still count as answered
                waiting = outcome.settle(timed_out=False)
                if waiting:
                    await asyncio.to_thread(outcome.run, waiting)

    setattr(WithPredictionLog, _MARK, True)
    fastapi.FastAPI = WithPredictionLog
    return True


def settling(outcome: RequestOutcome, send: Callable[[dict], Awaitable[None]]) -> Callable:
    """`send` that settles the outcome (504: timed out) and spools what waited before the status leaves."""

    async def send_settled(message: dict) -> None:
        if message["type"] == "http.response.start":
            waiting = outcome.settle(timed_out=message["status"] == HTTP_TIMEOUT)
            if waiting:
                await asyncio.to_thread(outcome.run, waiting)
        await send(message)

    return send_settled


def add_routes(app: Any, source: Callable[[], LogStatus], drain: Callable[[], None]) -> None:
    """Add /health (ahead of MLflow's), /metrics and the shutdown drain to an app."""
    from fastapi.responses import Response

    async def health() -> Response:
        status = source()
        body = json.dumps(status.as_dict())
        return Response(content=body, status_code=200 if status.ready else 503, media_type="application/json")

    async def metrics() -> Response:
        return Response(content=render_metrics(source()), media_type="text/plain; version=0.0.4")

    async def on_shutdown() -> None:
        await asyncio.to_thread(drain)

    app.get("/health")(health)
    app.get("/metrics")(metrics)
    app.router.on_shutdown.append(on_shutdown)
    logger.info("prediction log: /health (readiness) and /metrics installed; the spool drains at shutdown")

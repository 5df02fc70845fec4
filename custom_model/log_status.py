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
- a middleware noting when each request arrived, so `predict` can tell a request MLflow has already
  answered with 504 (its timeout counts from arrival, including the wait for a free thread).

If a future MLflow builds its app otherwise, /health stays MLflow's; the real-server tests then fail.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from custom_model.prediction_log import LogStatus, PredictionLog

logger = logging.getLogger(__name__)

_MARK = "__credit_scoring_log_status__"
_ARRIVED: contextvars.ContextVar[float | None] = contextvars.ContextVar("request_arrived", default=None)

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


def request_arrived() -> float | None:
    """`time.monotonic()` when the current HTTP request reached the server; None outside a request."""
    return _ARRIVED.get()


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

    setattr(WithPredictionLog, _MARK, True)
    fastapi.FastAPI = WithPredictionLog
    return True


def add_routes(app: Any, source: Callable[[], LogStatus], drain: Callable[[], None]) -> None:
    """Add /health (ahead of MLflow's), /metrics, the shutdown drain and the arrival clock to an app."""
    from fastapi import Request
    from fastapi.responses import Response

    async def health() -> Response:
        status = source()
        body = json.dumps(status.as_dict())
        return Response(content=body, status_code=200 if status.ready else 503, media_type="application/json")

    async def metrics() -> Response:
        return Response(content=render_metrics(source()), media_type="text/plain; version=0.0.4")

    async def on_shutdown() -> None:
        await asyncio.to_thread(drain)

    async def note_arrival(request: Request, call_next: Callable) -> Any:
        _ARRIVED.set(time.monotonic())
        return await call_next(request)

    app.get("/health")(health)
    app.get("/metrics")(metrics)
    app.router.on_shutdown.append(on_shutdown)
    app.middleware("http")(note_arrival)
    logger.info("prediction log: /health (readiness) and /metrics installed; the spool drains at shutdown")

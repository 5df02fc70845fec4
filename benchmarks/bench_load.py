"""Answered vs logged rows under load, shutdown, crash and sink outage, against a real `mlflow models serve`.

Run from the project folder, with MLFLOW_TRACKING_URI pointing at a registry that holds the model:
`python -m benchmarks.bench_load --data-dir data/demo [--seconds 60] [--scenarios by_id,batches,...]`
(wrap it in `flock /tmp/heavy.lock` on a shared machine). Everything runs on 127.0.0.1; each scenario starts
its own server with a fresh SQLite sink and spool in a temporary folder (sink_down_up: a PostgreSQL cluster
from `make postgres`, stopped and started under the load). Goal: 0 answered rows missing from the sink in
every scenario; after kill -9 the restart replays the dead process's spool and reports the count.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import requests
import sqlalchemy as sa

from custom_model import schema
from custom_model.contract import (
    LOG_DRAIN_TIMEOUT_ENV,
    LOG_MAX_FAILING_ENV,
    PREDICTION_LOG_ENV,
    SPOOL_DIR_ENV,
    Alias,
    model_uri,
)
from custom_model.event_sink import TABLE_NAME
from tests.support.postgres import postgres_server
from tests.support.server import Running, running_server, wait_group_gone

#: Seconds the sink may fail before /health answers 503 in these runs (the default is 300).
MAX_FAILING_S = 2.0
SETTLE_TIMEOUT_S = 120.0


@dataclass
class Load:
    """What the clients saw: rows answered 200, requests refused or cut, rows answered 504."""

    answered_rows: int = 0
    answered_requests: int = 0
    failed_requests: int = 0
    timed_out_rows: int = 0


@dataclass(frozen=True)
class Outcome:
    """One scenario: what the clients were answered and what the sink holds at the end."""

    name: str
    load: Load
    logged_rows: int
    timed_out_logged: int
    recovered_events: int
    lost_reported: int
    note: str = ""

    @property
    def missing(self) -> int:
        """Answered rows absent from the sink (the goal is 0)."""
        return max(0, self.load.answered_rows - (self.logged_rows - self.timed_out_logged))


def by_id_body(ids: np.ndarray, rows: int, rng: np.random.Generator) -> dict:
    """A by-id request for ``rows`` random known clients."""
    chosen = rng.choice(ids, size=rows)
    return {"dataframe_split": {"columns": [schema.ID_CURR], "data": [[int(i)] for i in chosen]}}


def run_load(
    url: str, ids: np.ndarray, *, clients: int, seconds: float, rows: int, stop: threading.Event | None = None
) -> Load:
    """``clients`` threads posting ``rows``-row requests for ``seconds`` (or until ``stop``); count them."""
    total = Load()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    stop = stop or threading.Event()

    def client(seed: int) -> None:
        rng = np.random.default_rng(seed)
        session = requests.Session()
        while time.monotonic() < deadline and not stop.is_set():
            try:
                response = session.post(f"{url}/invocations", json=by_id_body(ids, rows, rng), timeout=60)
                code = response.status_code
            except requests.RequestException:
                code = 0
                time.sleep(0.05)
            with lock:
                if code == 200:
                    total.answered_rows += rows
                    total.answered_requests += 1
                elif code == 504:
                    total.timed_out_rows += rows
                else:
                    total.failed_requests += 1

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total


def sink_counts(url: str) -> tuple[int, int]:
    """(rows, rows marked timed_out) in the sink's event table."""
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table(TABLE_NAME):
            return 0, 0
        with engine.connect() as connection:
            query = sa.text(
                f"select count(*), sum(case when status = 'timed_out' then 1 else 0 end) from {TABLE_NAME}"
            )
            rows, timed_out = connection.execute(query).one()
    finally:
        engine.dispose()
    return int(rows), int(timed_out or 0)


def health(url: str) -> tuple[int, dict]:
    """Status code and JSON of the log's /health (code 0 when the server does not answer)."""
    try:
        response = requests.get(f"{url}/health", timeout=5)
        return response.status_code, response.json()
    except (requests.RequestException, ValueError):
        return 0, {}


def settled(url: str, timeout: float = SETTLE_TIMEOUT_S) -> dict:
    """Wait until the log has nothing pending; return its last /health JSON."""
    deadline = time.monotonic() + timeout
    while True:
        code, state = health(url)
        if (code == 200 and state.get("pending_events") == 0) or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


@dataclass(frozen=True)
class Setup:
    """Where the model comes from and where a scenario's files go."""

    model_uri: str
    tracking_uri: str
    ids: np.ndarray
    folder: Path

    def env(self, sink_url: str) -> dict[str, str]:
        return {
            PREDICTION_LOG_ENV: sink_url,
            SPOOL_DIR_ENV: str(self.folder / "spool"),
            LOG_MAX_FAILING_ENV: str(MAX_FAILING_S),
            LOG_DRAIN_TIMEOUT_ENV: "60",
        }

    @contextlib.contextmanager
    def server(self, sink_url: str) -> Iterator[Running]:
        with running_server(
            self.model_uri, self.tracking_uri, env=self.env(sink_url), workdir=self.folder
        ) as r:
            yield r


def steady(setup: Setup, name: str, *, clients: int, seconds: float, rows: int) -> Outcome:
    """Load for a while, let the log settle, count."""
    sink = f"sqlite:///{setup.folder / 'events.db'}"
    with setup.server(sink) as server:
        load = run_load(server.url, setup.ids, clients=clients, seconds=seconds, rows=rows)
        state = settled(server.url)
    logged, timed_out = sink_counts(sink)
    return Outcome(
        name, load, logged, timed_out, state.get("recovered_events", 0), state.get("lost_events", 0)
    )


def _signal_group(process: object, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def interrupted(setup: Setup, name: str, *, signum: int, clients: int, seconds: float, rows: int) -> Outcome:
    """Load, send ``signum`` to the server mid-load; after SIGKILL start it again on the same spool."""
    sink = f"sqlite:///{setup.folder / 'events.db'}"
    stop = threading.Event()
    loads: list[Load] = []
    with setup.server(sink) as server:
        worker = threading.Thread(
            target=lambda: loads.append(
                run_load(server.url, setup.ids, clients=clients, seconds=seconds * 3, rows=rows, stop=stop)
            )
        )
        worker.start()
        time.sleep(seconds)
        _signal_group(server.process, signum)
        wait_group_gone(server.process)
        stop.set()
        worker.join()
    before, _ = sink_counts(sink)
    recovered = lost = 0
    note = f"{before:,} rows in the sink when the server was gone"
    if signum == signal.SIGKILL:
        with setup.server(sink) as again:
            state = settled(again.url)
        recovered, lost = state.get("recovered_events", 0), state.get("lost_events", 0)
        note += f"; the restart replayed {recovered:,} events, {lost:,} lost (torn)"
    logged, timed_out = sink_counts(sink)
    return Outcome(name, loads[0], logged, timed_out, recovered, lost, note)


def outage(url: str, seconds: float) -> tuple[int, dict]:
    """Watch /health for ``seconds`` while the sink is down; the first 503 seen (else the last answer)."""
    deadline = time.monotonic() + seconds
    code, state = health(url)
    while time.monotonic() < deadline:
        code, state = health(url)
        if code == 503:
            time.sleep(max(0.0, deadline - time.monotonic()))
            break
        time.sleep(0.25)
    return code, state


def sink_down_up(setup: Setup, name: str, *, clients: int, seconds: float, rows: int) -> Outcome:
    """PostgreSQL sink stopped after a third of the load for a third (≥ MAX_FAILING_S + 3 s), then started."""
    with postgres_server() as postgres, setup.server(postgres.url) as server:
        stop = threading.Event()
        loads: list[Load] = []
        worker = threading.Thread(
            target=lambda: loads.append(
                run_load(server.url, setup.ids, clients=clients, seconds=seconds, rows=rows, stop=stop)
            )
        )
        worker.start()
        time.sleep(seconds / 3)
        postgres.stop()
        code, down = outage(server.url, max(seconds / 3, MAX_FAILING_S + 3))
        postgres.start()
        worker.join()
        state = settled(server.url)
        logged, timed_out = sink_counts(postgres.url)
    pending = down.get("pending_events")
    note = f"during the outage /health answered {code} ({down.get('reason')}, {pending} pending)"
    return Outcome(name, loads[0], logged, timed_out, 0, state.get("lost_events", 0), note)


SCENARIOS: dict[str, Callable[[Setup, float], Outcome]] = {
    "by_id": lambda s, t: steady(s, "50 clients x 1 id", clients=50, seconds=t, rows=1),
    "batches": lambda s, t: steady(s, "10 clients x 100-row batches", clients=10, seconds=t, rows=100),
    "sigterm": lambda s, t: interrupted(
        s, "SIGTERM mid-load (20 clients x 10 ids)", signum=signal.SIGTERM, clients=20, seconds=t / 2, rows=10
    ),
    "kill9": lambda s, t: interrupted(
        s, "kill -9 mid-load, restart (20 x 10)", signum=signal.SIGKILL, clients=20, seconds=t / 2, rows=10
    ),
    "sink_down_up": lambda s, t: sink_down_up(
        s, "PostgreSQL down then up (20 x 10)", clients=20, seconds=t, rows=10
    ),
}


def print_outcome(outcome: Outcome) -> None:
    """One line per scenario."""
    load = outcome.load
    print(
        f"{outcome.name:40s} answered {load.answered_rows:>8,} rows ({load.answered_requests:,} requests, "
        f"{load.failed_requests:,} refused or cut, {load.timed_out_rows:,} rows 504)"
        f" | logged {outcome.logged_rows:>8,} ({outcome.timed_out_logged:,} timed_out)"
        f" | missing {outcome.missing:,}" + (f" | {outcome.note}" if outcome.note else ""),
        flush=True,
    )


def main() -> None:
    """Run the chosen scenarios and print answered vs logged rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", required=True, help="folder with application_test.csv (the clients' ids)"
    )
    parser.add_argument("--model-uri", default=model_uri(Alias.CHAMPION))
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration of each scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    tracking = os.environ.get("MLFLOW_TRACKING_URI")
    if not tracking:
        parser.error("set MLFLOW_TRACKING_URI to the registry holding the model")
    ids = pd.read_csv(Path(args.data_dir) / "application_test.csv", usecols=[schema.ID_CURR])[schema.ID_CURR]
    for name in args.scenarios.split(","):
        with tempfile.TemporaryDirectory(prefix=f"bench-load-{name}-") as tmp:
            setup = Setup(args.model_uri, tracking, ids.to_numpy(dtype=np.int64), Path(tmp))
            print_outcome(SCENARIOS[name](setup, args.seconds))


if __name__ == "__main__":
    main()

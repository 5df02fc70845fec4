"""At-least-once prediction log through the real `mlflow models serve` (short runs of bench_load.py).

Each test starts its own server (tiny model, fresh sink and spool in tmp_path) and checks that every row
answered 200 is in the sink: under steady load, after SIGTERM mid-load (uvicorn's shutdown drains the spool),
after kill -9 and a restart (the spool is replayed, the count reported on /health), with the sink down then up
(SQLite and PostgreSQL), and that rows MLflow answered with 504 are logged as `timed_out`.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from benchmarks.bench_load import (
    MAX_FAILING_S,
    Setup,
    health,
    interrupted,
    print_outcome,
    run_load,
    settled,
    sink_counts,
    sink_down_up,
    steady,
)
from custom_model.contract import model_uri
from tests.support.registered import register_champion
from tests.support.scoring_data import TinyScoring, build_tiny_scoring
from tests.support.server import running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def champion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TinyScoring, str]]:
    tiny = build_tiny_scoring(seed=5)
    yield tiny, register_champion(tiny.artifacts, tmp_path_factory.mktemp("registry"))


@pytest.fixture
def setup(champion: tuple[TinyScoring, str], tmp_path: Path) -> Setup:
    tiny, tracking_uri = champion
    return Setup(model_uri(), tracking_uri, tiny.production_ids, tmp_path)


def test_steady_load_by_id_and_in_batches_logs_every_answered_row(setup: Setup) -> None:
    by_id = steady(setup, "by id", clients=8, seconds=3, rows=1)
    assert by_id.load.answered_rows > 50 and by_id.load.failed_requests == 0
    batches = steady(setup, "batches", clients=4, seconds=3, rows=100)
    print_outcome(by_id)  # shown by `pytest -rP`
    print_outcome(batches)
    assert batches.load.answered_rows >= 400
    assert by_id.missing == batches.missing == 0
    # one sink for both servers: exactly the rows answered, no duplicate
    assert batches.logged_rows == by_id.load.answered_rows + batches.load.answered_rows


def test_sigterm_mid_load_delivers_the_spool_before_the_process_ends(setup: Setup) -> None:
    outcome = interrupted(setup, "sigterm", signum=signal.SIGTERM, clients=8, seconds=2, rows=10)
    print_outcome(outcome)
    assert outcome.load.answered_rows > 100
    assert outcome.missing == 0, outcome
    # the shutdown handler closed the log: everything delivered, this process's spool files deleted
    assert list((setup.folder / "spool").iterdir()) == []


def test_kill_9_mid_load_then_restart_replays_the_spool(setup: Setup) -> None:
    outcome = interrupted(setup, "kill9", signum=signal.SIGKILL, clients=8, seconds=2, rows=10)
    print_outcome(outcome)
    assert outcome.load.answered_rows > 100
    assert outcome.missing == 0, outcome
    assert outcome.lost_reported == 0
    before = int(outcome.note.split(" rows")[0].replace(",", ""))
    assert outcome.recovered_events > 0 and before + outcome.recovered_events >= outcome.load.answered_rows
    logs = "".join(path.read_text() for path in setup.folder.glob("model_server_*.log"))
    assert f"replayed {outcome.recovered_events} events left by a stopped process" in logs


def test_postgres_down_then_up_loses_nothing_and_readiness_says_so(setup: Setup) -> None:
    outcome = sink_down_up(setup, "pg", clients=4, seconds=6, rows=10)
    print_outcome(outcome)
    assert outcome.load.answered_rows > 100 and outcome.load.failed_requests == 0
    assert outcome.missing == 0, outcome
    assert "/health answered 503 (sink failing for" in outcome.note


def test_sqlite_sink_down_then_up_health_and_metrics(setup: Setup) -> None:
    folder = setup.folder / "later"
    sink = f"sqlite:///{folder / 'events.db'}"
    with setup.server(sink) as server:
        load = run_load(server.url, setup.ids, clients=2, seconds=1, rows=5)
        assert load.answered_rows > 0 and load.failed_requests == 0
        time.sleep(MAX_FAILING_S + 0.5)
        code, down = health(server.url)
        metrics = requests.get(f"{server.url}/metrics", timeout=5).text
        assert requests.get(f"{server.url}/ping", timeout=5).status_code == 200
        folder.mkdir()
        state = settled(server.url, timeout=30)
        code_up, _ = health(server.url)
    assert code == 503 and "sink failing for" in down["reason"] and "OperationalError" in down["last_error"]
    assert down["pending_events"] == load.answered_rows and down["written_events"] == 0
    assert f"credit_scoring_log_pending_events {load.answered_rows}" in metrics
    assert "credit_scoring_log_ready 0" in metrics
    assert code_up == 200 and state["written_events"] == load.answered_rows and state["ready"]
    assert sink_counts(sink) == (load.answered_rows, 0)


def test_rows_answered_504_are_logged_as_timed_out(setup: Setup) -> None:
    sink = f"sqlite:///{setup.folder / 'events.db'}"
    env = {**setup.env(sink), "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT": "1"}
    rows, requests_sent = 3000, 24
    body = {
        "dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[int(setup.ids[0])]] * rows},
        "params": {"explain": True, "top_k": 3},
    }
    codes: list[int] = []

    def post() -> None:
        codes.append(requests.post(f"{url}/invocations", json=body, timeout=120).status_code)

    with running_server(setup.model_uri, setup.tracking_uri, env=env, workdir=setup.folder) as server:
        url = server.url
        threads = [threading.Thread(target=post) for _ in range(requests_sent)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # after a 504 the computation goes on: wait for its rows too
        deadline = time.monotonic() + 90
        while sink_counts(sink)[0] < rows * requests_sent and time.monotonic() < deadline:
            time.sleep(0.5)
    logged, timed_out = sink_counts(sink)
    answered, late = codes.count(200), codes.count(504)
    assert late > 0 and answered + late == requests_sent, codes
    assert logged == rows * requests_sent
    assert timed_out == rows * late

"""The prediction log against a real PostgreSQL server (Debian's, `make postgres`) on 127.0.0.1.

The server is stopped under the writer and started again: the events wait in the spool and arrive once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from custom_model.event_sink import create_engine, ensure_table, insert_rows
from custom_model.prediction_log import PredictionLog, rows_from_payload
from tests.custom_model.test_prediction_log import _batch
from tests.support.postgres import PostgresServer, postgres_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


def _events(url: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    try:
        return pd.read_sql_query(sa.text("select * from prediction_events order by id"), engine)
    finally:
        engine.dispose()


def test_events_reach_postgres_once_even_when_inserted_twice(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    log = PredictionLog(postgres.url, spool_dir=tmp_path / "spool")
    log.record(_batch([1, 2, 9]), timed_out=True)
    assert log.flush(20)
    log.close()
    engine = create_engine(postgres.url)
    ensure_table(engine)
    insert_rows(engine, rows_from_payload(_batch([1]).payload(token="x", first=0, status="answered")) * 2)
    engine.dispose()
    events = _events(postgres.url)
    assert events["sk_id_curr"].tolist() == [1, 2, 9, 1]
    assert events["status"].tolist() == ["timed_out"] * 3 + ["answered"]
    assert events["event_id"].is_unique


def test_postgres_down_then_up_loses_nothing(postgres: PostgresServer, tmp_path: Path) -> None:
    before = len(_events(postgres.url))
    log = PredictionLog(postgres.url, spool_dir=tmp_path / "spool", max_failing_s=1.0)
    postgres.stop()
    try:
        for i in range(20):
            log.record(_batch([100 + 2 * i, 101 + 2 * i]))
        assert not log.flush(3)
        down = log.status()
    finally:
        postgres.start()
    assert log.flush(30)
    up = log.status()
    log.close()
    assert (down.pending_events, down.written_events, down.ready) == (40, 0, False)
    assert "sink failing" in down.reason and down.last_error
    assert (up.pending_events, up.written_events, up.ready, up.last_error) == (0, 40, True, None)
    assert len(_events(postgres.url)) == before + 40

"""The SQL side of the event log: idempotent inserts, refused rows isolated, URLs without passwords."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from custom_model.event_sink import create_engine, ensure_table, insert_each, insert_rows, safe_url
from custom_model.prediction_log import rows_from_payload
from tests.custom_model.test_prediction_log import _batch


def _count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("select count(*) from prediction_events")).scalar()


def test_inserting_the_same_events_twice_keeps_one_copy(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'events.db'}")
    ensure_table(engine)
    rows = rows_from_payload(_batch([1, 2, 9]).payload(token="t", first=0, status="answered"))
    insert_rows(engine, rows)
    insert_rows(engine, rows[1:])  # a replay after a crash
    assert _count(engine) == 3


def test_a_row_the_sink_refuses_is_isolated_and_the_others_are_written(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'events.db'}")
    ensure_table(engine)
    rows = rows_from_payload(_batch([1, 2, 3]).payload(token="t", first=0, status="answered"))
    rows[1]["model_name"] = None  # NOT NULL column: this row cannot be stored
    refused = insert_each(engine, rows)
    assert [row["sk_id_curr"] for row, _ in refused] == [2]
    assert isinstance(refused[0][1], sa.exc.IntegrityError)
    assert _count(engine) == 2


def test_urls_in_messages_never_show_the_password() -> None:
    shown = safe_url("postgresql+psycopg://scoring:s3cret@db:5432/events")
    assert "s3cret" not in shown and "scoring" in shown and "db:5432/events" in shown
    assert safe_url("not a url") == "<unparsable URL>"

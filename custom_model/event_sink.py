"""The SQL side of the prediction log: table `prediction_events`, idempotent inserts, error classes.

Any SQLAlchemy URL works; SQLite (default) and PostgreSQL (`postgresql+psycopg://`, the driver ships with the
served model) use `INSERT ... ON CONFLICT (event_id) DO NOTHING`, so replaying a spool after a crash never
duplicates a row. Other dialects fall back to row-by-row inserts that skip duplicates.

Table `prediction_events`: id, event_id (unique: spool token + sequence number), timestamp (UTC),
model_name, model_version, sk_id_curr, input_kind ('id' or 'raw'), status ('answered', or 'timed_out' when
MLflow had already answered 504), probability_default, decision, threshold, latency_ms (predict time of the
request, per row), features (JSON object of the monitored features as used for this row), error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

logger = logging.getLogger(__name__)

TABLE_NAME = "prediction_events"

_metadata = sa.MetaData()
EVENTS = sa.Table(
    TABLE_NAME,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(40), nullable=True),
    sa.Column("timestamp", sa.DateTime, nullable=False, index=True),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(50), nullable=False),
    sa.Column("sk_id_curr", sa.BigInteger, nullable=False),
    sa.Column("input_kind", sa.String(10), nullable=False),
    sa.Column("status", sa.String(12), nullable=True),
    sa.Column("probability_default", sa.Float, nullable=True),
    sa.Column("decision", sa.String(20), nullable=True),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("features", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)
EVENT_ID_INDEX = sa.Index(f"ux_{TABLE_NAME}_event_id", EVENTS.c.event_id, unique=True)
#: Columns added after the first release; an older table gets them with ALTER TABLE.
_ADDED_COLUMNS = ("event_id", "status")

#: Errors that mean "the sink is unreachable or busy": retry the same rows later.
TRANSIENT_ERRORS = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)


def safe_url(url: str) -> str:
    """URL without its password, for logs and the status endpoint."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def create_engine(url: str) -> sa.Engine:
    """Engine with a short connect timeout on PostgreSQL (a closed port must not hang the writer)."""
    options: dict = {"pool_pre_ping": True}
    if sa.make_url(url).get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": 5}
    return sa.create_engine(url, **options)


def ensure_table(engine: sa.Engine) -> None:
    """Create the table, or bring an older one up to date (event_id, status, the unique index)."""
    _metadata.create_all(engine, checkfirst=True)
    present = {column["name"] for column in sa.inspect(engine).get_columns(TABLE_NAME)}
    with engine.begin() as connection:
        for name in _ADDED_COLUMNS:
            if name not in present:
                column = EVENTS.c[name]
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(sa.text(f"ALTER TABLE {TABLE_NAME} ADD COLUMN {name} {kind}"))
                logger.info("prediction log: added column %s to %s", name, TABLE_NAME)
    EVENT_ID_INDEX.create(engine, checkfirst=True)


def _idempotent_insert(dialect: str) -> sa.Insert | None:
    """INSERT that ignores rows whose event_id is already there, where the dialect has one."""
    if dialect == "sqlite":
        return sqlite.insert(EVENTS).on_conflict_do_nothing(index_elements=["event_id"])
    if dialect == "postgresql":
        return postgresql.insert(EVENTS).on_conflict_do_nothing(index_elements=["event_id"])
    return None


def insert_rows(engine: sa.Engine, rows: Sequence[dict]) -> None:
    """Insert rows in one transaction, ignoring those already present (same event_id)."""
    statement = _idempotent_insert(engine.dialect.name)
    if statement is not None:
        with engine.begin() as connection:
            connection.execute(statement, list(rows))
        return
    for row in rows:
        try:
            with engine.begin() as connection:
                connection.execute(EVENTS.insert(), [row])
        except sa.exc.IntegrityError:
            with engine.connect() as connection:
                found = connection.execute(
                    sa.select(EVENTS.c.id).where(EVENTS.c.event_id == row["event_id"])
                ).first()
            if found is None:
                raise


def insert_each(engine: sa.Engine, rows: Sequence[dict]) -> list[tuple[dict, Exception]]:
    """Insert rows one by one (to isolate rows the sink refuses); return the refused rows with their error.

    A transient error (the sink went down meanwhile) is raised, not returned: those rows are retried.
    """
    refused = []
    for row in rows:
        try:
            insert_rows(engine, [row])
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            refused.append((row, error))
    return refused

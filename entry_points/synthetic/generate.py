"""Orchestration: draw every table from its own random stream, plant the defaults, split train and test."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.contract import ORACLE_PROBABILITY, ORACLE_SPLIT
from custom_model.errors import ParameterError
from custom_model.io import Tables
from entry_points.synthetic import applications, balances, bureau, previous
from entry_points.synthetic.mechanisms import DEFAULT_MECHANISM, Drawn, default_probability, get_mechanism
from entry_points.synthetic.shares import LOANS, ORPHAN_LOANS

logger = logging.getLogger(__name__)

MAX_SCALE = 1.0
#: Below this the smallest tables would have a handful of rows and rare categories would vanish.
MIN_SCALE = 0.001
ORACLE_COLUMNS = (schema.ID_CURR, ORACLE_PROBABILITY, ORACLE_SPLIT)
#: Independent random streams: one per table group, so a change in one table leaves the others as they were.
_STREAMS = 8


@dataclass(frozen=True)
class SyntheticData:
    """Generated tables (keys = schema table names) and the true default probability of every client."""

    tables: dict[str, pd.DataFrame]
    oracle: pd.DataFrame

    def to_tables(self) -> Tables:
        """The tables as `custom_model.io.load_tables` returns them (application text columns as object)."""
        frames = {}
        for name, frame in self.tables.items():
            if schema.table(name).required:
                text = [c.name for c in schema.table(name).categorical()]
                frame = frame.astype({c: object for c in text})
            frames[name.lower()] = frame
        return Tables(**frames)


def target_row_counts(scale: float) -> dict[str, int]:
    """Row count of each table at `scale` (linear in the real counts)."""
    return {name: max(round(count * scale), 1) for name, count in schema.REAL_ROW_COUNTS.items()}


def validate_scale(scale: float) -> None:
    """Refuse scales outside [MIN_SCALE, MAX_SCALE] with a message saying what is accepted."""
    if not np.isfinite(scale) or scale < MIN_SCALE or scale > MAX_SCALE:
        raise ParameterError(
            f"scale must be between {MIN_SCALE} and {MAX_SCALE} (1.0 = the real row counts, "
            f"{schema.REAL_ROW_COUNTS[schema.APPLICATION_TRAIN]:,} train applications); got {scale!r}"
        )


def generate_tables(
    scale: float,
    seed: int,
    *,
    mechanism: str = DEFAULT_MECHANISM,
    progress: Callable[[str], None] | None = None,
) -> SyntheticData:
    """Generate the seven tables (train and test apart) and the oracle default probabilities, reproducibly.

    The tables depend on (scale, seed) only; `mechanism` chooses how the defaults are planted in them.
    """
    validate_scale(scale)
    if seed < 0:
        raise ParameterError(f"seed must be a non-negative integer; got {seed!r}")
    planted = get_mechanism(mechanism)
    report = progress or (lambda message: logger.info(message))
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(_STREAMS)]
    drawn = draw_tables(scale, streams, report)
    probability = default_probability(planted, drawn)
    target = (streams[7].random(probability.size) < probability).astype(np.int64)
    data = split_train_test(drawn, probability, target)
    train_target = data.tables[schema.APPLICATION_TRAIN][schema.TARGET]
    report(
        f"target ({planted.name} mechanism): {train_target.mean():.2%} defaults among "
        f"{len(train_target):,} train clients"
    )
    return data


def draw_tables(scale: float, streams: list[np.random.Generator], report: Callable[[str], None]) -> Drawn:
    """Draw the tables at `scale`, each group from its stream (applications, bureau, balance, previous,
    POS, instalments, cards)."""
    counts = target_row_counts(scale)
    apps = applications.generate(
        streams[0], counts[schema.APPLICATION_TRAIN], counts[schema.APPLICATION_TEST]
    )
    clients = apps.clients
    report(f"applications: {clients.ids.size:,} clients ({int(clients.is_test.sum()):,} test)")

    credits = bureau.generate(streams[1], clients, counts[schema.BUREAU])
    balance = bureau.generate_balance(streams[2], credits, counts[schema.BUREAU_BALANCE])
    credits.frame[schema.ID_BUREAU] = balance.credit_ids
    report(f"bureau: {len(credits.frame):,} rows; bureau_balance: {len(balance.frame):,} rows")

    n_orphans = {table: round(LOANS[table] * scale * ORPHAN_LOANS[table]) for table in LOANS}
    prev = previous.generate(
        streams[3],
        clients,
        counts[schema.PREVIOUS_APPLICATION],
        n_card_orphans=n_orphans["card"],
        n_loan_orphans=n_orphans["installments"],
    )
    report(f"previous_application: {len(prev.frame):,} rows")

    pos = balances.pos_cash_balance(
        streams[4],
        prev,
        clients,
        n_linked=round(LOANS["pos"] * scale) - n_orphans["pos"],
        orphan_ids=prev.loan_orphan_ids[: n_orphans["pos"]],
        n_rows=counts[schema.POS_CASH_BALANCE],
    )
    report(f"POS_CASH_balance: {len(pos.frame):,} rows")
    inst = balances.installments_payments(
        streams[5],
        prev,
        clients,
        n_linked=round(LOANS["installments"] * scale) - n_orphans["installments"],
        orphan_ids=prev.loan_orphan_ids,
        n_rows=counts[schema.INSTALLMENTS_PAYMENTS],
    )
    report(f"installments_payments: {len(inst.frame):,} rows")
    card = balances.credit_card_balance(
        streams[6], prev, clients, orphan_ids=prev.card_orphan_ids, n_rows=counts[schema.CREDIT_CARD_BALANCE]
    )
    report(f"credit_card_balance: {len(card.frame):,} rows")
    return Drawn(apps, credits, balance, prev, pos, inst, card)


def split_train_test(drawn: Drawn, probability: np.ndarray, target: np.ndarray) -> SyntheticData:
    """application_train (with TARGET) and application_test apart, the other tables as drawn, the oracle."""
    app, clients = drawn.applications.frame, drawn.applications.clients
    is_test = clients.is_test
    train = app.loc[~is_test].reset_index(drop=True)
    train.insert(1, schema.TARGET, target[~is_test])
    test = app.loc[is_test].reset_index(drop=True)
    oracle = pd.DataFrame(
        copy=False,
        data={
            ORACLE_COLUMNS[0]: clients.ids,
            ORACLE_COLUMNS[1]: probability,
            ORACLE_COLUMNS[2]: pd.Categorical.from_codes(
                is_test.astype(np.int8), categories=["train", "test"]
            ),
        },
    )
    tables = {
        schema.APPLICATION_TRAIN: train,
        schema.APPLICATION_TEST: test,
        schema.BUREAU: drawn.bureau.frame,
        schema.BUREAU_BALANCE: drawn.balance.frame,
        schema.PREVIOUS_APPLICATION: drawn.previous.frame,
        schema.POS_CASH_BALANCE: drawn.pos.frame,
        schema.INSTALLMENTS_PAYMENTS: drawn.installments.frame,
        schema.CREDIT_CARD_BALANCE: drawn.card.frame,
    }
    return SyntheticData(tables=tables, oracle=oracle)

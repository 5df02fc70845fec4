"""bureau (credits reported by other institutions) and bureau_balance (their monthly statuses)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custom_model import schema
from entry_points.synthetic import draws
from entry_points.synthetic.applications import Clients
from entry_points.synthetic.draws import Columns
from entry_points.synthetic.shares import (
    BUREAU_BALANCE_ORPHANS,
    BUREAU_SHARES,
    BUREAU_WITH_BALANCE,
    FIRST_ID_BUREAU,
    NO_HISTORY,
    WINDOW_DAYS,
    WINDOW_MONTHS,
)

_NAME = schema.BUREAU


@dataclass(frozen=True)
class Bureau:
    """Bureau credits (SK_ID_BUREAU still 0: the ids are drawn with bureau_balance) and, per credit, its
    client index, its badness (the client's discipline plus noise) and whether it is closed."""

    frame: pd.DataFrame
    client: np.ndarray
    badness: np.ndarray
    closed: np.ndarray


@dataclass(frozen=True)
class BureauBalance:
    """Monthly statuses, the SK_ID_BUREAU of every bureau credit, and per credit its late months (1-5)."""

    frame: pd.DataFrame
    credit_ids: np.ndarray
    late_months: np.ndarray


def generate(rng: np.random.Generator, clients: Clients, n_rows: int) -> Bureau:
    """Bureau credits: right-skewed count per client, 14 % of clients unknown to the bureau."""
    n_clients = clients.ids.size
    counts = draws.neg_binomial_counts(rng, n_clients, 5.61, dispersion=1.6)
    counts[rng.random(n_clients) < NO_HISTORY["bureau"]] = 0
    counts = draws.match_total(rng, counts, n_rows)
    client, _ = draws.fan_out(counts)
    n = client.size
    badness = clients.u_beh[client] + 0.6 * rng.standard_normal(n)
    cols: Columns = {"SK_ID_CURR": clients.ids[client], "SK_ID_BUREAU": np.zeros(n, dtype=np.int64)}
    closed = _status_and_dates(rng, badness, cols)
    _amounts(rng, badness, closed, cols)
    _type_limit_update(rng, closed, cols)
    frame = pd.DataFrame({c: cols[c] for c in schema.table(_NAME).column_names}, copy=False)
    return Bureau(frame=frame, client=client, badness=badness, closed=closed)


def _status_and_dates(rng: np.random.Generator, badness: np.ndarray, cols: Columns) -> np.ndarray:
    """CREDIT_ACTIVE (bad credits are sold), DAYS_CREDIT, the end dates; add them to `cols`, return closed."""
    n = badness.size
    active_p = np.array(BUREAU_SHARES["CREDIT_ACTIVE"]) / 100
    p_bad = 0.0038 * np.exp(0.9 * badness) / np.exp(0.9**2 / 2 * 1.36)
    state = np.where(rng.random(n) < active_p[1] / (active_p[0] + active_p[1]), 1, 0)
    sold = rng.random(n) < p_bad
    state[sold] = np.where(rng.random(int(sold.sum())) < 0.003, 3, 2)
    closed = state != 1
    days_credit = -np.round(WINDOW_DAYS * rng.random(n) ** np.where(closed, 0.85, 1.6)).astype(np.int64)
    days_credit = np.minimum(days_credit, -1)
    duration = np.round(np.exp(rng.normal(np.log(700), 0.8, n)))
    enddate = (days_credit + duration).astype(float)
    enddate[rng.random(n) < 0.0615] = np.nan
    fact = np.where(
        closed, np.minimum(days_credit + np.round(duration * rng.uniform(0.3, 1.1, n)), -1), np.nan
    )
    cols["CREDIT_ACTIVE"] = draws.codes_to_cat(_NAME, "CREDIT_ACTIVE", state)
    cols["DAYS_CREDIT"] = days_credit
    cols["DAYS_CREDIT_ENDDATE"] = enddate
    cols["DAYS_ENDDATE_FACT"] = np.maximum(fact, days_credit)
    return closed


def _amounts(rng: np.random.Generator, badness: np.ndarray, closed: np.ndarray, cols: Columns) -> None:
    """Overdue days and amounts (commoner for bad credits), credit sum and debt (some < 0), into `cols`."""
    n = badness.size
    overdue_now = (~closed) & (rng.random(n) < 0.004 * np.exp(1.3 * badness))
    day_overdue = np.where(overdue_now, np.round(rng.exponential(60, n)) + 1, 0).astype(np.int64)
    amount = np.round(np.exp(rng.normal(np.log(125_000), 1.05, n)), 1)
    amount[rng.random(n) < 7.6e-6] = np.nan
    debt = np.where(closed, 0.0, np.round(amount * rng.beta(2, 1.4, n), 2))
    negative = rng.random(n) < 0.0049
    debt[negative] = -np.round(rng.exponential(3000, int(negative.sum())) + 0.01, 2)
    debt[rng.random(n) < 0.15] = np.nan
    max_overdue = np.where(
        rng.random(n) < 0.12 * np.exp(0.8 * badness) / np.exp(0.32 * 1.36),
        np.round(rng.exponential(8000, n), 3),
        0.0,
    )
    max_overdue[rng.random(n) < 0.655] = np.nan
    cols["CREDIT_DAY_OVERDUE"] = day_overdue
    cols["AMT_CREDIT_MAX_OVERDUE"] = max_overdue
    cols["AMT_CREDIT_SUM"] = amount
    cols["AMT_CREDIT_SUM_DEBT"] = debt
    cols["AMT_CREDIT_SUM_OVERDUE"] = np.where(
        overdue_now, np.round(amount * rng.uniform(0.01, 0.2, n), 2), 0.0
    )


def _type_limit_update(rng: np.random.Generator, closed: np.ndarray, cols: Columns) -> None:
    """Credit type, card limits, last update, annuity (mostly missing), currency, prolongation: `cols`."""
    n = closed.size
    amount = np.asarray(cols["AMT_CREDIT_SUM"])
    days_credit = np.asarray(cols["DAYS_CREDIT"])
    fact = np.asarray(cols["DAYS_ENDDATE_FACT"])
    credit_type = draws.categorical(rng, _NAME, "CREDIT_TYPE", n, BUREAU_SHARES["CREDIT_TYPE"])
    is_card = credit_type.codes == 1
    limit = np.where(is_card & (rng.random(n) < 0.5), draws.round_to(amount * rng.uniform(0, 1, n), 0.5), 0.0)
    limit[rng.random(n) < 0.345] = np.nan
    update = (
        np.where(
            closed,
            np.maximum(np.nan_to_num(fact, nan=-1) + rng.integers(0, 60, n), days_credit),
            -rng.integers(0, 45, n),
        )
        .clip(days_credit, 0)
        .astype(np.int64)
    )
    cols["CREDIT_TYPE"] = credit_type
    cols["AMT_CREDIT_SUM_LIMIT"] = limit
    cols["DAYS_CREDIT_UPDATE"] = update
    cols["AMT_ANNUITY"] = np.where(
        rng.random(n) < 0.715, np.nan, np.round(amount / rng.choice([12, 24, 36], n), 1)
    )
    cols["CREDIT_CURRENCY"] = draws.categorical(
        rng, _NAME, "CREDIT_CURRENCY", n, BUREAU_SHARES["CREDIT_CURRENCY"]
    )
    cols["CNT_CREDIT_PROLONG"] = np.where(rng.random(n) < 0.005, rng.integers(1, 4, n), 0).astype(np.int64)


def generate_balance(rng: np.random.Generator, bureau: Bureau, n_rows: int) -> BureauBalance:
    """Monthly statuses of 45 % of the bureau credits plus ~5 % orphan credits, and every credit's id."""
    n_bureau = len(bureau.frame)
    with_history = rng.random(n_bureau) < BUREAU_WITH_BALANCE
    n_hist = int(with_history.sum())
    n_orphans = round(n_hist * BUREAU_BALANCE_ORPHANS)
    ids = draws.unique_ids(rng, FIRST_ID_BUREAU, n_bureau + n_orphans, spread=1.07)
    orphan_slots = np.zeros(ids.size, dtype=bool)
    orphan_slots[rng.choice(ids.size, n_orphans, replace=False)] = True
    credit_ids = ids[~orphan_slots]

    # One history per credit with history and per orphan; months run back from 0 to the credit's opening.
    days_credit = bureau.frame["DAYS_CREDIT"].to_numpy()
    hist_idx = np.flatnonzero(with_history)
    hist_ids = np.concatenate([credit_ids[hist_idx], ids[orphan_slots]])
    n_h = hist_ids.size
    natural = np.concatenate(
        [
            np.minimum(-days_credit[hist_idx] // 30 + 1, WINDOW_MONTHS + 1),
            rng.integers(1, WINDOW_MONTHS + 1, n_orphans),
        ]
    )
    lengths = draws.match_total(rng, natural, n_rows, maximum=WINDOW_MONTHS + 1)
    owner, pos = draws.fan_out(lengths)
    h_bad = np.concatenate([bureau.badness[hist_idx], rng.standard_normal(n_orphans)])
    h_closed = np.concatenate([bureau.closed[hist_idx], rng.random(n_orphans) < 0.63])
    closed_months = np.where(h_closed, np.round(lengths * rng.uniform(0.55, 1.0, n_h)), 0)
    all_x = rng.random(n_h) < 0.2
    status = _statuses(rng, h_bad[owner], all_x=all_x[owner], closed=pos < closed_months[owner])

    frame = pd.DataFrame(
        copy=False,
        data={
            "SK_ID_BUREAU": hist_ids[owner],
            "MONTHS_BALANCE": (-pos).astype(np.int64),
            "STATUS": draws.codes_to_cat(schema.BUREAU_BALANCE, "STATUS", status),
        },
    )
    is_late = (status >= _status("1")) & (status != _status("X"))
    late_months = np.zeros(n_bureau)
    late_months[hist_idx] = np.bincount(owner, weights=is_late, minlength=n_h)[: hist_idx.size]
    return BureauBalance(frame=frame, credit_ids=credit_ids, late_months=late_months)


def _status(value: str) -> int:
    return draws.level(schema.BUREAU_BALANCE, "STATUS", value)


def _statuses(
    rng: np.random.Generator, badness: np.ndarray, *, all_x: np.ndarray, closed: np.ndarray
) -> np.ndarray:
    """STATUS level of every month: late (1-5) more often for bad credits, X (unknown) and C (closed)."""
    m = badness.size
    status = np.full(m, _status("0"), dtype=np.int16)
    late = rng.random(m) < np.clip(0.03 * np.exp(1.1 * badness) / np.exp(0.6), 0, 0.6)
    severity = rng.choice(5, int(late.sum()), p=[0.66, 0.07, 0.024, 0.016, 0.23])
    status[late] = np.array([_status(s) for s in "12345"])[severity]
    status[rng.random(m) < 0.17] = _status("X")
    status[all_x] = _status("X")
    status[closed] = _status("C")
    return status

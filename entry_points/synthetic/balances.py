"""Monthly and payment tables of previous loans: POS_CASH_balance, installments_payments, credit_card_balance.

Each is drawn for a set of loans (approved previous applications plus a few % orphan ids absent from
previous_application, as in the real files); late payments and days past due follow each loan's badness.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from custom_model import schema
from entry_points.synthetic import draws
from entry_points.synthetic.applications import Clients
from entry_points.synthetic.draws import Columns
from entry_points.synthetic.previous import Previous
from entry_points.synthetic.shares import WINDOW_DAYS, WINDOW_MONTHS


@dataclass(frozen=True)
class PosCash:
    """POS_CASH_balance rows and each row's client index."""

    frame: pd.DataFrame
    client: np.ndarray


@dataclass(frozen=True)
class Installments:
    """Payment events, each row's client index, and per instalment its client index and whether it was
    under-paid or left unpaid."""

    frame: pd.DataFrame
    client: np.ndarray
    instalment_client: np.ndarray
    underpaid: np.ndarray


@dataclass(frozen=True)
class CreditCard:
    """Monthly card balances, each row's client index and its utilisation (balance / limit; 0 if no limit)."""

    frame: pd.DataFrame
    client: np.ndarray
    utilisation: np.ndarray


@dataclass(frozen=True)
class _Loans:
    """Loans that have monthly or payment histories (linked previous applications and orphans)."""

    sk_id_prev: np.ndarray
    client: np.ndarray
    decision: np.ndarray
    term: np.ndarray
    annuity: np.ndarray
    revolving: np.ndarray
    badness: np.ndarray


@dataclass(frozen=True)
class _Months:
    """Monthly rows of the loans: loan index, MONTHS_BALANCE (≤ −1) and the month's rank within its loan."""

    loan: np.ndarray
    months: np.ndarray
    rank: np.ndarray


@dataclass(frozen=True)
class _Schedule:
    """One entry per instalment: its loan, number, due day, version, and how it was paid."""

    loan: np.ndarray
    number: np.ndarray
    due: np.ndarray
    version: np.ndarray
    reversion: np.ndarray
    amount: np.ndarray
    paid_share: np.ndarray
    delay: np.ndarray
    underpaid: np.ndarray
    unpaid: np.ndarray


def _approved_and_contract(previous: Previous) -> tuple[np.ndarray, np.ndarray]:
    frame = previous.frame
    return frame["NAME_CONTRACT_STATUS"].to_numpy() == "Approved", frame["NAME_CONTRACT_TYPE"].to_numpy()


def pos_cash_balance(
    rng: np.random.Generator,
    previous: Previous,
    clients: Clients,
    *,
    n_linked: int,
    orphan_ids: np.ndarray,
    n_rows: int,
) -> PosCash:
    """POS_CASH_balance of `n_linked` approved instalment loans (one per client first) plus the orphans."""
    approved, contract = _approved_and_contract(previous)
    rows = draws.pick(
        rng, np.flatnonzero(approved & (contract != "Revolving loans")), previous.client, n_linked
    )
    loans = _loans(rng, previous, rows, orphan_ids, clients)
    name = schema.POS_CASH_BALANCE
    monthly = _months(rng, loans, n_rows)
    loan, rank = monthly.loan, monthly.rank
    m = loan.size
    term = loans.term[loan]
    cnt = np.where(term > 0, term, 12.0)
    future = np.maximum(cnt - rank, 0).astype(float)
    missing = rng.random(m) < 0.0026
    status = np.zeros(m, dtype=np.int16)
    status[(future == 0) & (rank >= cnt)] = draws.level(name, "NAME_CONTRACT_STATUS", "Completed")
    status[(rank == 0) & (rng.random(m) < 0.08)] = draws.level(name, "NAME_CONTRACT_STATUS", "Signed")
    rare = rng.random(m) < 0.0018
    status[rare] = rng.choice([3, 4, 5, 6, 7, 8], int(rare.sum()), p=[0.35, 0.27, 0.27, 0.1, 0.009, 0.001])
    dpd = _dpd(rng, loans.badness[loan], rank, base=0.034)
    dpd_def = np.where(dpd > 30, dpd, np.where(rng.random(m) < 0.3, dpd, 0)).astype(np.int64)
    frame = pd.DataFrame(
        copy=False,
        data={
            "SK_ID_PREV": loans.sk_id_prev[loan],
            "SK_ID_CURR": clients.ids[loans.client[loan]],
            "MONTHS_BALANCE": monthly.months,
            "CNT_INSTALMENT": np.where(missing, np.nan, cnt),
            "CNT_INSTALMENT_FUTURE": np.where(missing, np.nan, future),
            "NAME_CONTRACT_STATUS": draws.codes_to_cat(name, "NAME_CONTRACT_STATUS", status),
            "SK_DPD": dpd,
            "SK_DPD_DEF": dpd_def,
        },
    )
    return PosCash(frame=frame, client=loans.client[loan])


def installments_payments(
    rng: np.random.Generator,
    previous: Previous,
    clients: Clients,
    *,
    n_linked: int,
    orphan_ids: np.ndarray,
    n_rows: int,
) -> Installments:
    """Payment events of `n_linked` approved loans plus the orphans: split payments, re-versioned schedules,
    late and under-paid instalments."""
    approved, _ = _approved_and_contract(previous)
    rows = draws.pick(rng, np.flatnonzero(approved), previous.client, n_linked)
    loans = _loans(rng, previous, rows, orphan_ids, clients)
    # ≈ 9.5 % of rows share their key (split payments), ≈ 5.5 % are re-versioned copies of an instalment.
    schedule = _schedule(rng, loans, round(n_rows / 1.10))
    events = _events(rng, schedule, n_rows)
    return _payment_rows(rng, loans, schedule, events, clients.ids)


def credit_card_balance(
    rng: np.random.Generator,
    previous: Previous,
    clients: Clients,
    *,
    orphan_ids: np.ndarray,
    n_rows: int,
) -> CreditCard:
    """Monthly balances of the card loans; some carry an orphan id (absent from previous_application)."""
    card_linked = np.flatnonzero(previous.card_row)
    n_cards = card_linked.size
    orphan_take = min(orphan_ids.size, n_cards)
    swapped = rng.choice(n_cards, orphan_take, replace=False)
    loans = _loans(rng, previous, card_linked, np.empty(0, dtype=np.int64), clients)
    card_ids = loans.sk_id_prev.copy()
    card_ids[swapped] = orphan_ids[:orphan_take]
    loans = replace(loans, sk_id_prev=card_ids, revolving=np.ones(n_cards, dtype=bool))
    return _card_months(rng, loans, clients.ids, n_rows)


def _loans(
    rng: np.random.Generator, previous: Previous, rows: np.ndarray, orphan_ids: np.ndarray, clients: Clients
) -> _Loans:
    """Loans with a history: the given previous applications plus orphans (ids absent from previous)."""
    prev, prev_client = previous.frame, previous.client
    n_orphans = orphan_ids.size
    with_prev = np.unique(prev_client)
    orphan_client = (
        with_prev[rng.integers(0, with_prev.size, n_orphans)]
        if with_prev.size
        else np.zeros(n_orphans, dtype=np.int64)
    )
    term = prev["CNT_PAYMENT"].to_numpy()[rows]
    term = np.where(np.isnan(term), 12.0, term)
    return _Loans(
        sk_id_prev=np.concatenate([prev["SK_ID_PREV"].to_numpy()[rows], orphan_ids]),
        client=np.concatenate([prev_client[rows], orphan_client]),
        decision=np.concatenate(
            [prev["DAYS_DECISION"].to_numpy()[rows], -rng.integers(30, WINDOW_DAYS, n_orphans)]
        ),
        term=np.concatenate([term, rng.choice([6.0, 12.0, 24.0, 36.0], n_orphans)]),
        annuity=np.concatenate(
            [
                np.nan_to_num(prev["AMT_ANNUITY"].to_numpy()[rows], nan=5000.0),
                np.round(np.exp(rng.normal(np.log(9000), 0.7, n_orphans)), 3),
            ]
        ),
        revolving=np.concatenate(
            [
                prev["NAME_CONTRACT_TYPE"].to_numpy()[rows] == "Revolving loans",
                np.zeros(n_orphans, dtype=bool),
            ]
        ),
        badness=np.concatenate(
            [previous.badness[rows], clients.u_beh[orphan_client] + 0.5 * rng.standard_normal(n_orphans)]
        ),
    )


def _months(rng: np.random.Generator, loans: _Loans, n_rows: int) -> _Months:
    """Monthly rows of each loan, from its start (at most 96 months back) to −1 at the latest."""
    start = np.maximum(loans.decision // 30, -WINDOW_MONTHS)
    span = -start
    # Finished instalment loans keep reporting "Completed" for a few months.
    natural = np.where(
        loans.revolving | (loans.term == 0),
        span,
        np.minimum(loans.term + 1 + rng.integers(0, 4, loans.term.size), span),
    )
    lengths = draws.match_total(rng, np.maximum(natural, 1).astype(np.int64), n_rows, maximum=WINDOW_MONTHS)
    loan, rank = draws.fan_out(lengths)
    first = np.maximum(start, -WINDOW_MONTHS)
    last = np.minimum(first + lengths - 1, -1)
    first = last - lengths + 1
    return _Months(loan=loan, months=(first[loan] + rank).astype(np.int64), rank=rank)


def _dpd(rng: np.random.Generator, badness: np.ndarray, rank: np.ndarray, base: float) -> np.ndarray:
    """Days past due per month: mostly 0, 1-30 for slips, a running counter for written-off loans."""
    m = badness.size
    slip = rng.random(m) < np.clip(base * np.exp(1.2 * badness) / np.exp(0.9), 0, 0.7)
    dpd = np.where(slip, rng.integers(1, 31, m), 0)
    longer = slip & (rng.random(m) < 0.06)
    dpd = np.where(longer, rng.integers(31, 120, m), dpd)
    written_off = (rng.random(m) < 0.009 * np.exp(0.8 * badness) / np.exp(0.5)) & (rank > 3)
    return np.where(written_off, 365 + 30 * rank + rng.integers(0, 30, m), dpd).astype(np.int64)


def _schedule(rng: np.random.Generator, loans: _Loans, n_instalments: int) -> _Schedule:
    """Instalments of every loan (one every 30 days, the last before today) and how each was paid."""
    start = np.maximum(loans.decision, -WINDOW_DAYS) + 30
    natural = np.where(loans.revolving, -start // 30, np.minimum(loans.term, -start // 30)).clip(1)
    per_loan = draws.match_total(rng, natural.astype(np.int64), n_instalments)
    loan, rank = draws.fan_out(per_loan)
    k = loan.size
    number = rank + 1
    due = np.minimum(start[loan] + 30 * rank, -1 - (per_loan[loan] - number)).astype(float)
    version = np.where(loans.revolving[loan], 0.0, 1.0)
    reversion = (~loans.revolving[loan]) & (rng.random(k) < 0.055)
    amount = np.round(loans.annuity[loan] * np.where(rng.random(k) < 0.03, rng.uniform(0.2, 1.5, k), 1.0), 3)
    bad = loans.badness[loan]
    underpaid = rng.random(k) < np.clip(0.025 * np.exp(1.1 * bad) / np.exp(0.6), 0, 0.8)
    paid_share = np.where(underpaid, np.round(rng.uniform(0.0, 0.9, k), 2), 1.0)
    late = rng.random(k) < np.clip(0.085 * np.exp(1.0 * bad) / np.exp(0.5), 0, 0.9)
    delay = np.where(
        late,
        np.where(rng.random(k) < 0.035, rng.integers(31, 200, k), rng.integers(1, 31, k)),
        -np.round(rng.exponential(8, k)),
    )
    recent = due > -60
    unpaid = recent & (rng.random(k) < np.clip(0.002 * np.exp(1.2 * bad), 0, 0.5))
    return _Schedule(
        loan=loan,
        number=number,
        due=due,
        version=version,
        reversion=reversion,
        amount=amount,
        paid_share=paid_share,
        delay=delay,
        underpaid=underpaid,
        unpaid=unpaid,
    )


def _events(rng: np.random.Generator, schedule: _Schedule, n_rows: int) -> np.ndarray:
    """Payment events per instalment: 1 or 2-3 split payments, +1 for a re-versioned copy; `n_rows` in all."""
    k = schedule.loan.size
    unpaid, reversion = schedule.unpaid, schedule.reversion
    events = np.where(rng.random(k) < 0.045, rng.integers(2, 4, k), 1)
    events = np.where(unpaid, 1, events)
    events = events + reversion
    extra = n_rows - int(events.sum())
    if extra > 0:
        np.add.at(events, rng.choice(np.flatnonzero(~unpaid), extra), 1)
    elif extra < 0:
        take = rng.choice(
            np.flatnonzero(events > 1 + reversion),
            min(-extra, int((events > 1 + reversion).sum())),
            replace=False,
        )
        events[take] -= 1
    return events


def _payment_rows(
    rng: np.random.Generator, loans: _Loans, schedule: _Schedule, events: np.ndarray, ids: np.ndarray
) -> Installments:
    """One row per payment event; split payments are equal parts, the last part closing the sum exactly."""
    s = schedule
    # Built column by column, freeing temporaries early: at scale 1.0 this is the generator's memory peak.
    inst, event = draws.fan_out(events)
    row_loan = s.loan[inst]
    row_client = loans.client[row_loan]
    cols: dict[str, np.ndarray] = {
        "SK_ID_PREV": loans.sk_id_prev[row_loan],
        "SK_ID_CURR": ids[row_client],
    }
    del row_loan
    is_reversion_row = s.reversion[inst] & (event == events[inst] - 1)
    cols["NUM_INSTALMENT_VERSION"] = np.where(is_reversion_row, 2.0, s.version[inst])
    cols["NUM_INSTALMENT_NUMBER"] = s.number[inst].astype(np.int64)
    cols["DAYS_INSTALMENT"] = s.due[inst]
    entry = s.due[inst]
    entry += s.delay[inst]
    entry += event * rng.integers(0, 3, inst.size)
    np.minimum(entry, -1.0, out=entry)
    row_unpaid = s.unpaid[inst]
    entry[row_unpaid] = np.nan
    cols["DAYS_ENTRY_PAYMENT"] = entry
    owed = s.amount[inst] * s.paid_share[inst]
    n_split = (events - s.reversion)[inst]
    payment = np.round(owed / n_split, 3)
    last = event == n_split - 1
    payment[last] = np.round(owed[last] - payment[last] * (n_split[last] - 1), 3)
    del owed, n_split, last, event
    row_amount = s.amount[inst]
    half = np.round(row_amount[is_reversion_row] * 0.5, 3)
    row_amount[is_reversion_row] = half
    payment[is_reversion_row] = half
    payment[row_unpaid] = np.nan
    cols["AMT_INSTALMENT"] = row_amount
    cols["AMT_PAYMENT"] = payment
    del inst, is_reversion_row, row_unpaid, half
    return Installments(
        frame=pd.DataFrame(cols, copy=False),
        client=row_client,
        instalment_client=loans.client[s.loan],
        underpaid=s.underpaid | s.unpaid,
    )


def _card_months(rng: np.random.Generator, loans: _Loans, ids: np.ndarray, n_rows: int) -> CreditCard:
    """Monthly card rows: limit per card, utilisation driven by badness, drawings, payments, status, DPD."""
    name = schema.CREDIT_CARD_BALANCE
    monthly = _months(rng, loans, n_rows)
    loan, rank = monthly.loan, monthly.rank
    m = loan.size
    bad = loans.badness[loan]
    limit_per_card = np.where(
        rng.random(loans.client.size) < 0.05,
        0,
        rng.choice([45_000, 67_500, 90_000, 135_000, 180_000, 225_000, 270_000, 450_000], loans.client.size),
    )
    limit = limit_per_card[loan].astype(np.int64)
    use = np.clip(
        draws.sigmoid(-1.0 + 1.1 * bad + 0.8 * rng.standard_normal(m))
        * np.where(rng.random(m) < 0.35, 0, 1.2),
        0,
        1.1,
    )
    balance = np.round(limit * use, 3)
    cols: Columns = {
        "SK_ID_PREV": loans.sk_id_prev[loan],
        "SK_ID_CURR": ids[loans.client[loan]],
        "MONTHS_BALANCE": monthly.months,
        "AMT_BALANCE": balance,
        "AMT_CREDIT_LIMIT_ACTUAL": limit,
    }
    cols.update(_card_drawings_and_payments(rng, limit, balance, rank))
    cols["AMT_RECEIVABLE_PRINCIPAL"] = np.round(balance * 0.95, 3)
    cols["AMT_RECIVABLE"] = balance
    cols["AMT_TOTAL_RECEIVABLE"] = balance
    status = np.zeros(m, dtype=np.int16)
    is_last = np.r_[loan[1:] != loan[:-1], True]
    status[is_last & (rng.random(m) < 0.3)] = draws.level(name, "NAME_CONTRACT_STATUS", "Completed")
    status[(rank == 0) & (rng.random(m) < 0.1)] = draws.level(name, "NAME_CONTRACT_STATUS", "Signed")
    rare = rng.random(m) < 0.0006
    status[rare] = rng.choice([3, 4, 5, 6], int(rare.sum()), p=[0.75, 0.2, 0.04, 0.01])
    dpd = _dpd(rng, bad, rank, base=0.03)
    cols["NAME_CONTRACT_STATUS"] = draws.codes_to_cat(name, "NAME_CONTRACT_STATUS", status)
    cols["SK_DPD"] = dpd
    cols["SK_DPD_DEF"] = np.where(dpd > 30, dpd, 0).astype(np.int64)
    frame = pd.DataFrame({c: cols[c] for c in schema.table(name).column_names}, copy=False)
    return CreditCard(frame=frame, client=loans.client[loan], utilisation=np.where(limit > 0, use, 0.0))


def _card_drawings_and_payments(
    rng: np.random.Generator, limit: np.ndarray, balance: np.ndarray, rank: np.ndarray
) -> Columns:
    """ATM / POS / other drawings and their counts (the split missing on 19.5 % of months), minimum
    instalment and payments, matured instalments."""
    m = limit.size
    atm = np.where(rng.random(m) < 0.15, draws.round_to(limit * rng.uniform(0, 0.3, m), 4500), 0.0)
    pos = np.where(rng.random(m) < 0.25, np.round(limit * rng.uniform(0, 0.2, m), 2), 0.0)
    other = np.where(rng.random(m) < 0.004, np.round(limit * rng.uniform(0, 0.2, m), 2), 0.0)
    cnt_atm = np.where(atm > 0, rng.integers(1, 5, m), 0)
    cnt_pos = np.where(pos > 0, rng.integers(1, 12, m), 0)
    cnt_other = (other > 0).astype(int)
    no_split = rng.random(m) < 0.195
    min_regular = np.round(balance * 0.05, 3)
    payment_total = np.round(np.where(rng.random(m) < 0.7, min_regular * rng.uniform(1, 3, m), 0.0), 3)
    payment_current = np.where(no_split | (rng.random(m) < 0.006), np.nan, payment_total)
    no_mature = rng.random(m) < 0.0795
    return {
        "AMT_DRAWINGS_ATM_CURRENT": np.where(no_split, np.nan, atm),
        "AMT_DRAWINGS_CURRENT": np.round(atm + pos + other, 3),
        "AMT_DRAWINGS_OTHER_CURRENT": np.where(no_split, np.nan, other),
        "AMT_DRAWINGS_POS_CURRENT": np.where(no_split, np.nan, pos),
        "AMT_INST_MIN_REGULARITY": np.where(no_mature, np.nan, min_regular),
        "AMT_PAYMENT_CURRENT": payment_current,
        "AMT_PAYMENT_TOTAL_CURRENT": payment_total,
        "CNT_DRAWINGS_ATM_CURRENT": np.where(no_split, np.nan, cnt_atm.astype(float)),
        "CNT_DRAWINGS_CURRENT": (cnt_atm + cnt_pos + cnt_other).astype(np.int64),
        "CNT_DRAWINGS_OTHER_CURRENT": np.where(no_split, np.nan, cnt_other.astype(float)),
        "CNT_DRAWINGS_POS_CURRENT": np.where(no_split, np.nan, cnt_pos.astype(float)),
        "CNT_INSTALMENT_MATURE_CUM": np.where(no_mature, np.nan, rank.astype(float)),
    }

"""Mechanism `recency`: the signal is in how recent events are, in trends and in interactions.

Months since the last late bureau month, days since the last late instalment, refusals and new bureau credits
of the last two years (older ones do not count), days past due in the last six months of POS and card loans,
a worsening late-payment share (last year against the years before), recent changes of employment, ID and
registration, and interactions (recent delinquency weighs more with a short employment; a low external score
weighs more on the young). Counts and means over the whole history see little of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custom_model import schema
from entry_points.synthetic import draws
from entry_points.synthetic.mechanisms.base import (
    Drawn,
    Mechanism,
    any_per_client,
    balance_client,
    days_late,
    max_per_client,
    standardise,
    sum_per_client,
)

#: Spread (standard deviation) of the log-odds: sets how well the truth separates defaults (oracle AUC ≈ 0.8).
LOGIT_SD = 1.25
#: Events of the last this-many days count as recent (refusals, new bureau credits).
RECENT_DAYS = 730
#: Months of POS and card history that count for recent days past due.
RECENT_MONTHS = 6
#: Recency assumed for a client who never was late (beyond the 96-month window).
NEVER = 1e6


@dataclass(frozen=True)
class Recency:
    """Per-client recencies, recent counts and trends the mechanism reads."""

    months_since_bureau_late: np.ndarray
    days_since_late_payment: np.ndarray
    recent_refusals: np.ndarray
    recent_credits: np.ndarray
    recent_dpd: np.ndarray
    late_trend: np.ndarray
    years_employed: np.ndarray
    employed: np.ndarray
    new_id: np.ndarray
    ext3: np.ndarray
    age: np.ndarray


def observe(drawn: Drawn) -> Recency:
    """Recency of the client's last bad events, recent counts and the late-payment trend."""
    n = drawn.n_clients
    app = drawn.applications.frame
    employed_days = app["DAYS_EMPLOYED"].to_numpy()
    employed = employed_days != schema.DAYS_SENTINEL
    prev = drawn.previous.frame
    refused_recent = (prev["NAME_CONTRACT_STATUS"].to_numpy() == "Refused") & (
        prev["DAYS_DECISION"].to_numpy() >= -RECENT_DAYS
    )
    opened_recent = drawn.bureau.frame["DAYS_CREDIT"].to_numpy() >= -RECENT_DAYS
    return Recency(
        months_since_bureau_late=_months_since_bureau_late(drawn),
        days_since_late_payment=_days_since_late_payment(drawn),
        recent_refusals=sum_per_client(drawn.previous.client, refused_recent.astype(float), n),
        recent_credits=sum_per_client(drawn.bureau.client, opened_recent.astype(float), n),
        recent_dpd=_recent_dpd(drawn),
        late_trend=_late_trend(drawn),
        years_employed=np.where(employed, -employed_days / 365.25, 0.0),
        employed=employed,
        new_id=app["DAYS_ID_PUBLISH"].to_numpy() > -365,
        ext3=np.nan_to_num(app["EXT_SOURCE_3"].to_numpy(), nan=0.51),
        age=-app["DAYS_BIRTH"].to_numpy() / 365.25,
    )


def _months_since_bureau_late(drawn: Drawn) -> np.ndarray:
    """Months since the client's last bureau month with status 1-5 (NEVER without one)."""
    client = balance_client(drawn)
    codes = drawn.balance.frame["STATUS"].cat.codes.to_numpy()
    late_codes = [draws.level(schema.BUREAU_BALANCE, "STATUS", s) for s in "12345"]
    late = np.isin(codes, late_codes) & (client >= 0)
    months = drawn.balance.frame["MONTHS_BALANCE"].to_numpy()[late].astype(float)
    return -max_per_client(client[late], months, drawn.n_clients, empty=-NEVER)


def _days_since_late_payment(drawn: Drawn) -> np.ndarray:
    """Days since the due date of the client's last instalment paid late or unpaid (NEVER without one)."""
    inst = drawn.installments
    late = ~(days_late(drawn) <= 0)
    due = inst.frame["DAYS_INSTALMENT"].to_numpy()[late]
    return -max_per_client(inst.client[late], due, drawn.n_clients, empty=-NEVER)


def _recent_dpd(drawn: Drawn) -> np.ndarray:
    """Whether a POS or card month of the last RECENT_MONTHS months was past due."""
    n = drawn.n_clients
    out = np.zeros(n, dtype=bool)
    for table in (drawn.pos, drawn.card):
        recent = table.frame["MONTHS_BALANCE"].to_numpy() >= -RECENT_MONTHS
        out |= any_per_client(table.client, recent & (table.frame["SK_DPD"].to_numpy() > 0), n)
    return out


def _late_trend(drawn: Drawn) -> np.ndarray:
    """Late share of the last 365 days minus late share before (0 unless both periods have instalments)."""
    n = drawn.n_clients
    inst = drawn.installments
    late = (~(days_late(drawn) <= 0)).astype(float)
    recent = inst.frame["DAYS_INSTALMENT"].to_numpy() >= -365
    shares = []
    for rows in (recent, ~recent):
        count = np.bincount(inst.client[rows], minlength=n)
        shares.append((sum_per_client(inst.client[rows], late[rows], n), count))
    (late_new, n_new), (late_old, n_old) = shares
    both = (n_new > 0) & (n_old > 0)
    return np.where(both, late_new / np.maximum(n_new, 1) - late_old / np.maximum(n_old, 1), 0.0)


def logit(drawn: Drawn) -> np.ndarray:
    """Default log-odds before the intercept: decaying recencies, recent counts, trend, interactions."""
    r = observe(drawn)
    bureau_recent = np.exp(-r.months_since_bureau_late / 12)
    payment_recent = np.exp(-r.days_since_late_payment / 365)
    short_job = r.employed & (r.years_employed < 2)
    raw = (
        1.3 * bureau_recent
        + 1.2 * payment_recent
        + 0.9 * (bureau_recent + payment_recent) * short_job
        + 0.5 * np.minimum(r.recent_refusals, 3)
        + 0.3 * np.minimum(r.recent_credits, 4)
        + 0.8 * r.recent_dpd
        + 1.5 * np.clip(r.late_trend, 0, 0.5)
        + 0.5 * short_job
        + 0.35 * r.new_id
        - 2.5 * (r.ext3 - 0.5) * np.where(r.age < 30, 1.6, 1.0)
    )
    return LOGIT_SD * standardise(raw)


MECHANISM = Mechanism(
    name="recency",
    summary="months since the last late bureau month and days since the last late instalment, refusals and "
    "new credits of the last two years, recent days past due, a worsening late share, interactions",
    logit=logit,
)

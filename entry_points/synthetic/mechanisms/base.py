"""What every planted mechanism shares: the drawn tables it observes, its form, and the calibration to 8 %.

A mechanism turns OBSERVED quantities of the drawn tables (never the latent traits) into default log-odds;
TARGET ~ Bernoulli(sigmoid(log-odds + b)) with b set so that the mean probability of the train clients is the
real default rate, and the oracle file holds that probability.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from custom_model import schema
from entry_points.synthetic import draws
from entry_points.synthetic.applications import Applications
from entry_points.synthetic.balances import CreditCard, Installments, PosCash
from entry_points.synthetic.bureau import Bureau, BureauBalance
from entry_points.synthetic.previous import Previous
from entry_points.synthetic.shares import TARGET_RATE


@dataclass(frozen=True)
class Drawn:
    """Every table as drawn, with each row's client index: what a mechanism may observe."""

    applications: Applications
    bureau: Bureau
    balance: BureauBalance
    previous: Previous
    pos: PosCash
    installments: Installments
    card: CreditCard

    @property
    def n_clients(self) -> int:
        return int(self.applications.clients.ids.size)


@dataclass(frozen=True)
class Mechanism:
    """A planted default mechanism: its name (the `mechanism` parameter), one line on where its signal is,
    and its log-odds per client before the intercept (one value per row of the combined application frame)."""

    name: str
    summary: str
    logit: Callable[[Drawn], np.ndarray]


def default_probability(mechanism: Mechanism, drawn: Drawn) -> np.ndarray:
    """True default probability of every client, the intercept set for an 8.07 % default rate in train."""
    is_test = drawn.applications.clients.is_test
    logit = mechanism.logit(drawn)
    logit += intercept_for_rate(logit[~is_test], TARGET_RATE)
    return draws.sigmoid(logit)


def intercept_for_rate(logit: np.ndarray, rate: float) -> float:
    """Intercept b such that mean(sigmoid(logit + b)) equals `rate` (bisection)."""
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if draws.sigmoid(logit + mid).mean() > rate:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def standardise(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit standard deviation (a constant stays constant)."""
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def any_per_client(client: np.ndarray, flag: np.ndarray, n: int) -> np.ndarray:
    """Whether each of the n clients has at least one flagged row."""
    return np.bincount(client[flag], minlength=n) > 0


def sum_per_client(client: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of `values` per client (0 for clients without rows)."""
    return np.bincount(client, weights=values, minlength=n)


def max_per_client(client: np.ndarray, values: np.ndarray, n: int, *, empty: float) -> np.ndarray:
    """Maximum of `values` per client (`empty` for clients without rows)."""
    out = np.full(n, -np.inf)
    np.maximum.at(out, client, values)
    return np.where(np.isneginf(out), empty, out)


def balance_client(drawn: Drawn) -> np.ndarray:
    """Client index of every bureau_balance row (−1 for the orphan credits, which belong to nobody)."""
    credit = pd.Index(drawn.bureau.frame[schema.ID_BUREAU].to_numpy()).get_indexer(
        drawn.balance.frame[schema.ID_BUREAU].to_numpy()
    )
    return np.where(credit >= 0, drawn.bureau.client[np.maximum(credit, 0)], -1)


def days_late(drawn: Drawn) -> np.ndarray:
    """Days between due date and payment of every instalment payment row (NaN when unpaid)."""
    inst = drawn.installments.frame
    return inst["DAYS_ENTRY_PAYMENT"].to_numpy() - inst["DAYS_INSTALMENT"].to_numpy()

"""Reasons in percentage points: the model's log-odds contributions turned into changes of the probability.

The API explains a score in log-odds (exact TreeSHAP: base value + all contributions = the model's log-odds).
A person reads a probability, and log-odds do not convert factor by factor: the same +0.5 log-odds adds
1.7 points to a 5 % risk but 12 points to a 40 % risk. So the conversion is itself a Shapley value, of the
game "risk when only these factors are applied to the base value":

    v(S) = sigmoid(base value + sum of the log-odds of the factors in S)

The players are the strongest factors (by |log-odds|) plus one player "all other factors" that carries the
rest of the log-odds (logit(p) − base − the factors shown). Shapley's efficiency makes the points add up
EXACTLY to p − p_base, where p_base = sigmoid(base value) is the risk of a client the model knows nothing
about; since the sigmoid increases, every factor keeps the sign of its log-odds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from streamlit_client.api import Contribution

#: Factors given their own points (plus "all other factors"); 2^(n+1) coalitions are evaluated exactly.
MAX_FACTORS = 10
_EPSILON = 1e-12


@dataclass(frozen=True)
class Reason:
    """One factor of one client's score: its value, its log-odds and its percentage points (> 0 raises)."""

    feature: str
    label: str
    value: Any
    log_odds: float
    points: float


@dataclass(frozen=True)
class Attribution:
    """A client's risk split into the base risk, the strongest factors and all other factors (in points)."""

    base_probability: float
    probability: float
    reasons: tuple[Reason, ...]
    other_points: float

    @property
    def total_points(self) -> float:
        """Sum of every factor's points, equal to 100 × (probability − base probability)."""
        return sum(r.points for r in self.reasons) + self.other_points


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    """Logistic function: log-odds → probability."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def logit(p: float) -> float:
    """Probability → log-odds (clipped away from 0 and 1)."""
    p = min(max(p, _EPSILON), 1.0 - _EPSILON)
    return math.log(p / (1.0 - p))


def shapley_points(base_log_odds: float, log_odds: Sequence[float]) -> np.ndarray:
    """Exact Shapley values (in probability) of the players' log-odds in v(S) = sigmoid(base + Σ_S).

    Every coalition is evaluated (2^n of them), so keep n small (≤ ~16).
    """
    c = np.asarray(log_odds, dtype=float)
    n = len(c)
    if n == 0:
        return np.zeros(0)
    index = np.arange(2**n)
    masks = (index[:, None] >> np.arange(n)[None, :]) & 1
    value = sigmoid(base_log_odds + masks @ c)
    size = masks.sum(axis=1)
    weight = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    result = np.zeros(n)
    for i in range(n):
        without = index[masks[:, i] == 0]  # the coalitions S that do not hold player i
        result[i] = float((weight[size[without]] * (value[without | (1 << i)] - value[without])).sum())
    return result


def attribute(
    contributions: Sequence[Contribution],
    *,
    base_value: float,
    probability: float,
    max_factors: int = MAX_FACTORS,
) -> Attribution:
    """Split probability − sigmoid(base_value) over the strongest factors and "all other factors", in points.

    `contributions` may be a subset of the model's factors (the API lists the top ones); the remaining
    log-odds logit(probability) − base − Σ shown go to "all other factors", so the points always add up.
    """
    strongest = sorted(contributions, key=lambda c: abs(c.contribution), reverse=True)[:max_factors]
    rest = logit(probability) - base_value - sum(c.contribution for c in strongest)
    points = 100.0 * shapley_points(base_value, [*(c.contribution for c in strongest), rest])
    base_probability = float(sigmoid(base_value))
    # The clipping of logit() aside, the points add up to 100 × (p − p_base); put any rounding on "other".
    other = 100.0 * (probability - base_probability) - float(points[:-1].sum())
    reasons = tuple(
        Reason(c.feature, c.label, c.value, c.contribution, float(p))
        for c, p in zip(strongest, points[:-1], strict=True)
    )
    return Attribution(base_probability, probability, reasons, other)


def supporting_order(reasons: Sequence[Reason], decision: str | None) -> list[Reason]:
    """Reasons in the order that explains the decision: what supports it first, strongest first.

    For a refusal the factors that raise the risk come first; for an acceptance those that lower it.
    """
    supports_refusal = decision == "refused"

    def key(reason: Reason) -> tuple[bool, float]:
        supports = (reason.points > 0) == supports_refusal
        return (not supports, -abs(reason.points))

    return sorted((r for r in reasons if r.points != 0), key=key)


#: Feature prefixes of the client's history tables: a missing value there means "nothing on record".
HISTORY_PREFIXES = ("BURO_", "ACTIVE_", "CLOSED_", "PREV_", "APPROVED_", "REFUSED_", "POS_", "INSTAL_", "CC_")
NO_RECORD = "none on record"


def is_missing(value: Any) -> bool:
    """Whether a feature value is missing (null, NaN or not a number the model could read)."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def group_missing_history(contributions: Sequence[Contribution]) -> list[Contribution]:
    """Merge the missing history aggregates of one source into one factor ("Credit bureau: none on record").

    A client without bureau credits has every bureau statistic missing; listing each as a reason would
    repeat one fact many times and split its weight. Their log-odds add up, so the merged factor is exact.
    """
    merged: dict[str, float] = {}
    kept: list[Contribution] = []
    for item in contributions:
        if is_missing(item.value) and item.feature.startswith(HISTORY_PREFIXES):
            source = item.label.split(":")[0].strip()
            merged[source] = merged.get(source, 0.0) + item.contribution
        else:
            kept.append(item)
    groups = [Contribution(f"{source} ({NO_RECORD})", source, NO_RECORD, c) for source, c in merged.items()]
    return [*kept, *groups]

"""The decision rule and the business cost of decisions, declared once for training, serving and the registry.

A client is refused when ``probability_default >= threshold`` (`is_refused`): a tie is refused, the cautious
side for a lender. A false negative (a defaulting client whose credit is accepted) loses the capital; a false
positive (a good client refused) loses the margin. The company weighs them ``cost_fn`` and ``cost_fp`` (brief:
10 and 1). Costs are reported per client so that runs on different sample sizes stay comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from custom_model.contract import Decision

#: Default weights of the brief: a missed default costs ten times a refused good client.
DEFAULT_COST_FN = 10.0
DEFAULT_COST_FP = 1.0
#: Step of the threshold grid searched on out-of-fold probabilities.
GRID_STEP = 0.001


@dataclass(frozen=True)
class Confusion:
    """Counts of the four outcomes at one threshold (positive = default = refused)."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def n(self) -> int:
        """Number of clients."""
        return self.tp + self.fp + self.tn + self.fn


@dataclass(frozen=True)
class ThresholdSearch:
    """Cost-optimal threshold with the reference policies, all costs per client."""

    threshold: float
    cost: float
    cost_at_half: float
    cost_accept_all: float
    cost_refuse_all: float
    bayes_threshold: float
    cost_at_bayes: float
    cost_fn: float
    cost_fp: float
    thresholds: np.ndarray = field(repr=False, compare=False)
    costs: np.ndarray = field(repr=False, compare=False)

    def as_metrics(self, prefix: str = "") -> dict[str, float]:
        """Flat name → value mapping for mlflow.log_metrics."""
        return {
            f"{prefix}cost": self.cost,
            f"{prefix}threshold": self.threshold,
            f"{prefix}cost_at_0_5": self.cost_at_half,
            f"{prefix}cost_accept_all": self.cost_accept_all,
            f"{prefix}cost_refuse_all": self.cost_refuse_all,
            f"{prefix}cost_at_bayes_threshold": self.cost_at_bayes,
        }


def is_refused(probability: np.ndarray | float, threshold: float) -> np.ndarray | bool:
    """The refusal rule: refuse when the probability of default reaches the threshold (ties are refused)."""
    return probability >= threshold


def decisions(probability: np.ndarray, threshold: float) -> np.ndarray:
    """Decision word of each probability (object array of `Decision` values)."""
    return np.where(
        is_refused(probability, threshold), Decision.REFUSED.value, Decision.ACCEPTED.value
    ).astype(object)


def cost_per_client(fn: np.ndarray | int, fp: np.ndarray | int, n: int, *, cost_fn: float, cost_fp: float):
    """The business cost formula: (cost_fn·FN + cost_fp·FP) / n."""
    return (cost_fn * fn + cost_fp * fp) / n


def expected_decisions_cost(
    true_probability: np.ndarray,
    refused: np.ndarray,
    *,
    cost_fn: float = DEFAULT_COST_FN,
    cost_fp: float = DEFAULT_COST_FP,
) -> float:
    """Expected cost per client of decisions when the true default probabilities are known (generated data).

    An accepted client costs cost_fn with its probability of default, a refused one cost_fp with the
    probability that it would have repaid.
    """
    _check_costs(cost_fn, cost_fp)
    p = np.asarray(true_probability, dtype=np.float64)
    refused = np.asarray(refused).astype(bool)
    return float(np.mean(np.where(refused, cost_fp * (1 - p), cost_fn * p)))


def decisions_cost(
    y_true: np.ndarray,
    refused: np.ndarray,
    *,
    cost_fn: float = DEFAULT_COST_FN,
    cost_fp: float = DEFAULT_COST_FP,
) -> float:
    """Cost per client of given accept/refuse decisions (e.g. a served model's own decisions)."""
    _check_costs(cost_fn, cost_fp)
    y = np.asarray(y_true).astype(int)
    refused = np.asarray(refused).astype(bool)
    fn = int(np.sum(~refused & (y == 1)))
    fp = int(np.sum(refused & (y == 0)))
    return float(cost_per_client(fn, fp, y.size, cost_fn=cost_fn, cost_fp=cost_fp))


def bayes_threshold(cost_fn: float = DEFAULT_COST_FN, cost_fp: float = DEFAULT_COST_FP) -> float:
    """Cost-optimal threshold for calibrated probabilities: refuse when p·cost_fn ≥ (1−p)·cost_fp."""
    _check_costs(cost_fn, cost_fp)
    return cost_fp / (cost_fp + cost_fn)


def confusion(y_true: np.ndarray, proba: np.ndarray, threshold: float) -> Confusion:
    """Count outcomes when clients with ``proba >= threshold`` are refused."""
    y, p = _check_inputs(y_true, proba)
    refused = is_refused(p, threshold)
    positive = y == 1
    return Confusion(
        tp=int(np.sum(refused & positive)),
        fp=int(np.sum(refused & ~positive)),
        tn=int(np.sum(~refused & ~positive)),
        fn=int(np.sum(~refused & positive)),
    )


def business_cost(
    y_true: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    *,
    cost_fn: float = DEFAULT_COST_FN,
    cost_fp: float = DEFAULT_COST_FP,
) -> float:
    """Cost per client, (cost_fn·FN + cost_fp·FP) / n, of refusing clients with ``proba >= threshold``."""
    _check_costs(cost_fn, cost_fp)
    c = confusion(y_true, proba, threshold)
    return float(cost_per_client(c.fn, c.fp, c.n, cost_fn=cost_fn, cost_fp=cost_fp))


def cost_curve(
    y_true: np.ndarray,
    proba: np.ndarray,
    thresholds: np.ndarray,
    *,
    cost_fn: float = DEFAULT_COST_FN,
    cost_fp: float = DEFAULT_COST_FP,
) -> np.ndarray:
    """Cost per client at every threshold, from one sort and binary searches (O((n + k) log n))."""
    _check_costs(cost_fn, cost_fp)
    y, p = _check_inputs(y_true, proba)
    t = np.asarray(thresholds, dtype=float)
    pos = np.sort(p[y == 1])
    neg = np.sort(p[y == 0])
    # side="left" counts the probabilities strictly below t (accepted), i.e. `is_refused` for the others
    fn = np.searchsorted(pos, t, side="left")
    fp = neg.size - np.searchsorted(neg, t, side="left")
    return cost_per_client(fn, fp, y.size, cost_fn=cost_fn, cost_fp=cost_fp)


def threshold_grid(step: float = GRID_STEP) -> np.ndarray:
    """Thresholds 0, step, …, 1 (0 refuses everyone)."""
    n_steps = round(1.0 / step)
    if n_steps < 1 or not np.isclose(n_steps * step, 1.0):
        raise ValueError(f"threshold grid step must divide 1 (e.g. 0.001); got {step!r}")
    return np.linspace(0.0, 1.0, n_steps + 1)


def tune_threshold(
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    cost_fn: float = DEFAULT_COST_FN,
    cost_fp: float = DEFAULT_COST_FP,
    step: float = GRID_STEP,
) -> ThresholdSearch:
    """Pick the grid threshold of lowest cost (the lowest such threshold on ties) and the reference costs."""
    y, p = _check_inputs(y_true, proba)
    grid = threshold_grid(step)
    costs = cost_curve(y, p, grid, cost_fn=cost_fn, cost_fp=cost_fp)
    best = int(np.argmin(costs))
    n_pos = int(y.sum())
    bayes = bayes_threshold(cost_fn, cost_fp)
    return ThresholdSearch(
        threshold=float(grid[best]),
        cost=float(costs[best]),
        cost_at_half=business_cost(y, p, 0.5, cost_fn=cost_fn, cost_fp=cost_fp),
        cost_accept_all=float(cost_per_client(n_pos, 0, y.size, cost_fn=cost_fn, cost_fp=cost_fp)),
        cost_refuse_all=float(cost_per_client(0, y.size - n_pos, y.size, cost_fn=cost_fn, cost_fp=cost_fp)),
        bayes_threshold=bayes,
        cost_at_bayes=business_cost(y, p, bayes, cost_fn=cost_fn, cost_fp=cost_fp),
        cost_fn=float(cost_fn),
        cost_fp=float(cost_fp),
        thresholds=grid,
        costs=costs,
    )


def _check_costs(cost_fn: float, cost_fp: float) -> None:
    """Refuse weights that make the cost meaningless."""
    for name, value in (("cost_fn", cost_fn), ("cost_fp", cost_fp)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    if cost_fn + cost_fp == 0:
        raise ValueError("cost_fn and cost_fp cannot both be 0")


def _check_inputs(y_true: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return labels as 0/1 ints and probabilities as floats, or say what is wrong with them."""
    y = np.asarray(y_true)
    p = np.asarray(proba, dtype=float)
    if y.ndim != 1 or p.ndim != 1 or y.shape != p.shape:
        raise ValueError(f"y_true and proba must be 1-D of equal length; got shapes {y.shape} and {p.shape}")
    if y.size == 0:
        raise ValueError("cannot compute a cost on 0 clients")
    labels = set(np.unique(y).tolist())
    if not labels <= {0, 1}:
        raise ValueError(f"y_true must contain only 0 and 1; got values {sorted(labels)[:5]}")
    if np.isnan(p).any() or p.min() < 0 or p.max() > 1:
        raise ValueError(
            f"proba must lie in [0, 1] without NaN; got min {np.nanmin(p)!r}, max {np.nanmax(p)!r}, "
            f"{int(np.isnan(p).sum())} NaN"
        )
    return y.astype(int), p

"""Per-client contributions (log-odds) → the top reasons pushing towards refusal and towards acceptance.

Contributions come from LightGBM's `pred_contrib` (exact TreeSHAP) or, for a logistic regression, from
coefficient × transformed value. Both are in log-odds: for every row the contributions of ALL features plus
the base value equal the model's log-odds. The reasons returned are a subset (top-k each way), so they do not
sum to the log-odds on their own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np


def _side(contributions: np.ndarray, top_k: int, *, positive: bool) -> np.ndarray:
    """Column indices of the top_k largest (positive) or smallest (negative) contributions, best first."""
    signed = -contributions if positive else contributions
    n_features = contributions.shape[1]
    if top_k < n_features:
        part = np.argpartition(signed, top_k - 1, axis=1)[:, :top_k]
    else:
        part = np.tile(np.arange(n_features), (contributions.shape[0], 1))
    order = np.argsort(np.take_along_axis(signed, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _number(value: float) -> float | None:
    """JSON-safe float: missing values become null."""
    return None if math.isnan(value) else value


def top_reasons(
    contributions: np.ndarray,
    values: np.ndarray,
    *,
    feature_names: Sequence[str],
    labels: Sequence[str],
    top_k: int,
) -> list[str]:
    """Return one JSON list per row: up to top_k reasons towards refusal, then up to top_k towards acceptance.

    `contributions` is (rows, features) without the base column; `values` the model inputs of the same shape.
    Each reason is {feature, label, value, contribution}; towards refusal = positive contribution (raises the
    probability of default), sorted by decreasing size; zero contributions are never reasons.
    """
    if top_k < 1 or contributions.shape[0] == 0:
        return ["[]"] * contributions.shape[0]
    k = min(top_k, contributions.shape[1])
    up = _side(contributions, k, positive=True)
    down = _side(contributions, k, positive=False)
    answers = []
    for row in range(contributions.shape[0]):
        reasons = []
        for indices, keep in ((up[row], 1.0), (down[row], -1.0)):
            for j in indices:
                contribution = float(contributions[row, j])
                if contribution * keep <= 0.0:
                    break
                reasons.append(
                    {
                        "feature": feature_names[j],
                        "label": labels[j],
                        "value": _number(float(values[row, j])),
                        "contribution": contribution,
                    }
                )
        answers.append(json.dumps(reasons))
    return answers


def linear_contributions(coef: np.ndarray, intercept: float, transformed: np.ndarray) -> np.ndarray:
    """Return (rows, features + 1) contributions of a linear log-odds model; last column = the intercept."""
    contrib = transformed * coef[np.newaxis, :]
    base = np.full((transformed.shape[0], 1), float(intercept))
    return np.hstack([contrib, base])

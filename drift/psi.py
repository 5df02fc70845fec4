"""Population Stability Index: how far a distribution moved from its reference, with the usual action bands.

Binning (documented because PSI values depend on it):
- numeric: ``bins`` quantile bins of the reference (edges at its 0, 1/bins, …, 1 quantiles, duplicates removed
  so heavily tied values give fewer, wider bins); the outer bins are open-ended so current values outside the
  reference range land in the first/last bin; missing values form one extra bin;
- categorical: one bin per value seen in either sample, missing values as one more bin;
- a bin empty on one side gets the proportion ``eps`` (1e-4) instead of 0, so the logarithm stays finite.

PSI = Σ (p_current − p_reference) · ln(p_current / p_reference).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

Band = Literal["stable", "watch", "act"]

#: Usual credit-risk bands: below WATCH_FROM stable, up to ACT_ABOVE watch, above it act.
WATCH_FROM = 0.10
ACT_ABOVE = 0.25
DEFAULT_BINS = 10
DEFAULT_EPS = 1e-4


@dataclass(frozen=True)
class ScoreStability:
    """PSI of the predicted-probability distribution between reference and current scores."""

    psi: float
    band: Band
    bins: int
    n_reference: int
    n_current: int
    reference_mean: float
    current_mean: float


def psi_band(value: float) -> Band:
    """Name the action band of a PSI value: < 0.10 stable, 0.10–0.25 watch, > 0.25 act."""
    if value < WATCH_FROM:
        return "stable"
    return "watch" if value <= ACT_ABOVE else "act"


def _psi_from_counts(reference: np.ndarray, current: np.ndarray, eps: float) -> float:
    """PSI of two aligned count vectors, empty bins floored at ``eps``."""
    p_ref = np.maximum(reference / reference.sum(), eps)
    p_cur = np.maximum(current / current.sum(), eps)
    return float(np.sum((p_cur - p_ref) * np.log(p_cur / p_ref)))


def quantile_edges(reference: np.ndarray, bins: int) -> np.ndarray:
    """Interior bin edges at the reference quantiles (duplicates removed)."""
    edges = np.unique(np.quantile(reference, np.linspace(0.0, 1.0, bins + 1)))
    return edges[1:-1]


def numeric_psi(
    reference: pd.Series | np.ndarray,
    current: pd.Series | np.ndarray,
    *,
    bins: int = DEFAULT_BINS,
    eps: float = DEFAULT_EPS,
) -> float:
    """PSI of a numeric variable on quantile bins of the reference (missing values as their own bin)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    if ref.size == 0 or cur.size == 0:
        raise ValueError(
            f"PSI needs two non-empty samples; got {ref.size} reference and {cur.size} current values"
        )
    ref_ok, cur_ok = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    edges = quantile_edges(ref_ok, bins) if ref_ok.size else np.empty(0)
    n_bins = edges.size + 1
    ref_counts = np.bincount(np.searchsorted(edges, ref_ok, side="right"), minlength=n_bins)
    cur_counts = np.bincount(np.searchsorted(edges, cur_ok, side="right"), minlength=n_bins)
    ref_counts = np.append(ref_counts, ref.size - ref_ok.size)
    cur_counts = np.append(cur_counts, cur.size - cur_ok.size)
    return _psi_from_counts(ref_counts, cur_counts, eps)


def categorical_psi(reference: pd.Series, current: pd.Series, *, eps: float = DEFAULT_EPS) -> float:
    """PSI of a categorical variable: one bin per value seen in either sample, missing values as one bin."""
    if len(reference) == 0 or len(current) == 0:
        raise ValueError(
            f"PSI needs two non-empty samples; got {len(reference)} reference and {len(current)} "
            "current values"
        )
    ref_counts = reference.astype("object").value_counts(dropna=False)
    cur_counts = current.astype("object").value_counts(dropna=False)
    keys = ref_counts.index.union(cur_counts.index)
    return _psi_from_counts(
        ref_counts.reindex(keys, fill_value=0).to_numpy(float),
        cur_counts.reindex(keys, fill_value=0).to_numpy(float),
        eps,
    )


def score_stability(
    reference: pd.Series | np.ndarray,
    current: pd.Series | np.ndarray,
    *,
    bins: int = DEFAULT_BINS,
    eps: float = DEFAULT_EPS,
) -> ScoreStability:
    """PSI and band of predicted probabilities (reference = training scores, current = production scores)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    value = numeric_psi(ref, cur, bins=bins, eps=eps)
    result = ScoreStability(
        psi=value,
        band=psi_band(value),
        bins=bins,
        n_reference=int(ref.size),
        n_current=int(cur.size),
        reference_mean=float(np.nanmean(ref)) if ref.size else float("nan"),
        current_mean=float(np.nanmean(cur)) if cur.size else float("nan"),
    )
    logger.info(
        "score PSI %.4f (%s) on %d reference vs %d current scores", value, result.band, ref.size, cur.size
    )
    return result

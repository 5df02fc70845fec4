"""Small vectorised draws shared by the table generators: categoricals with the schema's levels, skewed counts
matched to an exact total, parent → child fan-out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custom_model import schema

#: Columns of a table being built, by name, in insertion order.
Columns = dict[str, object]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function: log-odds → probability."""
    return 1.0 / (1.0 + np.exp(-x))


def categorical(
    rng: np.random.Generator,
    table_name: str,
    column: str,
    size: int,
    shares: tuple[float, ...] | None = None,
    *,
    nan: float = 0.0,
    levels: tuple[str, ...] | None = None,
) -> pd.Categorical:
    """Draw a categorical column with the schema's levels; `levels` restricts the draw to a subset."""
    all_levels = schema.table(table_name).column(column).levels
    chosen = levels or all_levels
    p = np.full(len(chosen), 1.0) if shares is None else np.asarray(shares, dtype=float)
    codes = np.array([all_levels.index(x) for x in chosen])[rng.choice(len(chosen), size, p=p / p.sum())]
    if nan:
        codes[rng.random(size) < nan] = -1
    return pd.Categorical.from_codes(codes, categories=list(all_levels))


def codes_to_cat(table_name: str, column: str, codes: np.ndarray) -> pd.Categorical:
    """Wrap level indices (−1 = missing) in a Categorical with the schema's levels."""
    levels = list(schema.table(table_name).column(column).levels)
    return pd.Categorical.from_codes(codes.astype(np.int16), categories=levels)


def level(table_name: str, column: str, value: str) -> int:
    """Index of `value` among the schema's levels of the column."""
    return schema.table(table_name).column(column).levels.index(value)


def neg_binomial_counts(
    rng: np.random.Generator, n: int, mean: float, *, dispersion: float, minimum: int = 1
) -> np.ndarray:
    """Right-skewed counts ≥ minimum with the given mean (a shifted negative binomial)."""
    mu = max(mean - minimum, 1e-6)
    p = dispersion / (dispersion + mu)
    return rng.negative_binomial(dispersion, p, n) + minimum


def match_total(
    rng: np.random.Generator, counts: np.ndarray, target: int, *, minimum: int = 1, maximum: int | None = None
) -> np.ndarray:
    """Rescale positive counts so they sum exactly to `target`, keeping their shape (zeros stay zeros)."""
    counts = counts.astype(np.int64)
    active = np.flatnonzero(counts > 0)
    if active.size == 0 or target <= 0:
        return np.zeros_like(counts)
    factor = target / counts[active].sum()
    scaled = np.floor(counts[active] * factor + rng.random(active.size)).astype(np.int64)
    scaled = np.clip(scaled, minimum, maximum)
    diff = target - int(scaled.sum())
    while diff != 0:
        can = (
            np.flatnonzero(scaled < (maximum or np.iinfo(np.int64).max))
            if diff > 0
            else np.flatnonzero(scaled > minimum)
        )
        if can.size == 0:
            break
        take = rng.choice(can, min(abs(diff), can.size), replace=False)
        scaled[take] += 1 if diff > 0 else -1
        diff = target - int(scaled.sum())
    out = np.zeros_like(counts)
    out[active] = scaled
    return out


def fan_out(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index of every child row and the row's position (0-based) within its parent."""
    parent = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(parent.size) - starts[parent]
    return parent, position


def per_parent_mean(parent: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Mean of `values` per parent index (0 for parents without rows)."""
    total = np.bincount(parent, weights=values, minlength=n)
    count = np.bincount(parent, minlength=n)
    return np.divide(total, count, out=np.zeros(n), where=count > 0)


def round_to(x: np.ndarray, step: float) -> np.ndarray:
    """Round to the nearest multiple of `step` (real amounts are multiples of 4500, 2250, ...)."""
    return np.round(x / step) * step


def unique_ids(rng: np.random.Generator, first: int, count: int, spread: float) -> np.ndarray:
    """`count` distinct increasing ids starting near `first`, spread over `count * spread` values."""
    span = max(int(count * spread), count)
    return first + np.sort(rng.choice(span, count, replace=False))


def pick(rng: np.random.Generator, candidates: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """Sorted random subset of `count` candidates covering as many owners (clients) as possible."""
    if candidates.size <= count:
        return candidates
    shuffled = rng.permutation(candidates)
    _, first = np.unique(owner[shuffled], return_index=True)
    rest = np.setdiff1d(shuffled, shuffled[first])
    chosen = np.concatenate([shuffled[first], rng.permutation(rest)])[:count]
    return np.sort(chosen)

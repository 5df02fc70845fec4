"""Vectorised building blocks of the per-table feature modules: group statistics, category shares, ratios.

Everything here works on whole columns (pandas cython group reductions, numpy bincount); nothing loops over
clients. Output column sets depend only on the spec and the declared category levels, never on the data, so
the same source always yields the same columns (an empty child table gives zero rows, not fewer columns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.core.groupby import DataFrameGroupBy, SeriesGroupBy

from custom_model import schema
from custom_model.errors import SchemaError

ID_CURR = schema.ID_CURR

#: Name of the share column for values that are missing or not among the declared levels (kernel: ``_nan``).
MISSING_LEVEL = "nan"

_STATS: dict[str, Callable[[SeriesGroupBy], pd.Series]] = {
    "min": lambda g: g.min(),
    "max": lambda g: g.max(),
    "mean": lambda g: g.mean(),
    # min_count=1: the sum of only-missing values is missing, not 0.
    "sum": lambda g: g.sum(min_count=1),
    "var": lambda g: g.var(ddof=1),
    "std": lambda g: g.std(ddof=1),
}

Spec = Mapping[str, Sequence[str]]


def require_columns(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Raise SchemaError naming the table and every column the feature code needs but does not find."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{table}: missing column(s) {', '.join(missing)}; got {len(frame.columns)} columns "
            f"({', '.join(map(str, frame.columns[:8]))}{'...' if len(frame.columns) > 8 else ''})"
        )


def numeric(frame: pd.DataFrame, column: str, table: str) -> pd.Series:
    """Return ``column`` as float64 (ints, nullable ints, numbers as text); SchemaError if not numeric."""
    values = frame[column]
    if values.dtype == np.float64:
        return values
    try:
        return values.astype("float64")
    except (TypeError, ValueError):
        bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
        first = values[bad].iloc[0] if bad.any() else None
        raise SchemaError(f"{table}: column {column} must be numeric; got {first!r}") from None


def safe_divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Divide element-wise; a zero or missing denominator gives NaN instead of ±inf."""
    den = denominator.where(denominator != 0)
    return numerator / den


def group_stats(grouped: DataFrameGroupBy, spec: Spec, prefix: str) -> pd.DataFrame:
    """Apply ``spec`` (column → statistics) per group; columns ``<prefix>_<COLUMN>_<STAT>``, float64."""
    out: dict[str, pd.Series] = {}
    for column, stats in spec.items():
        series_group = grouped[column]
        for stat in stats:
            out[f"{prefix}_{column}_{stat.upper()}"] = _STATS[stat](series_group).astype("float64")
    result = pd.DataFrame(out)
    result.index.name = ID_CURR
    return result


def category_codes(values: pd.Series, levels: Sequence[str]) -> np.ndarray:
    """Code each value by its position in ``levels``; missing or undeclared values get ``len(levels)``."""
    if not (isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object):
        values = values.astype("string")
    codes = pd.Categorical(values, categories=list(levels)).codes.astype(np.int64)
    codes[codes < 0] = len(levels)
    return codes


def share_matrix(group_codes: np.ndarray, n_groups: int, codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Share of rows in each level per group (rows: groups, columns: levels), with one bincount."""
    counts = np.bincount(group_codes * n_levels + codes, minlength=n_groups * n_levels)
    counts = counts.reshape(n_groups, n_levels).astype(np.float64)
    sizes = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / sizes


def category_shares(
    frame: pd.DataFrame,
    grouped: DataFrameGroupBy,
    table: str,
    columns: Sequence[str],
    prefix: str,
    *,
    suffix: str = "MEAN",
) -> pd.DataFrame:
    """Share of each declared level (plus ``nan``) of each categorical per group: the mean of its dummies."""
    group_codes = grouped.ngroup().to_numpy()
    index = grouped.size().index
    blocks = []
    for column in columns:
        levels = schema.table(table).column(column).levels
        codes = category_codes(frame[column], levels)
        shares = share_matrix(group_codes, len(index), codes, len(levels) + 1)
        names = [f"{prefix}_{column}_{level}_{suffix}" for level in (*levels, MISSING_LEVEL)]
        blocks.append(pd.DataFrame(shares, index=index, columns=names))
    result = pd.concat(blocks, axis=1) if blocks else pd.DataFrame(index=index)
    result.index.name = ID_CURR
    return result


def counts(grouped: DataFrameGroupBy, name: str) -> pd.DataFrame:
    """Number of rows per group as a float64 column ``name``."""
    result = grouped.size().astype("float64").to_frame(name)
    result.index.name = ID_CURR
    return result


def window_block(
    frame: pd.DataFrame, mask: pd.Series, spec: Spec, prefix: str, clients: pd.Index
) -> pd.DataFrame:
    """Statistics over the rows in ``mask`` (a recent window) plus ``<prefix>_COUNT``.

    Every client of ``clients`` gets a row: the count is 0 when the client has history but none in the window
    (the truth), while the statistics are then missing.
    """
    recent = frame.loc[mask.to_numpy()]
    grouped = recent.groupby(ID_CURR, sort=True)
    block = pd.concat([group_stats(grouped, spec, prefix), counts(grouped, f"{prefix}_COUNT")], axis=1)
    block = block.reindex(clients)
    block[f"{prefix}_COUNT"] = block[f"{prefix}_COUNT"].fillna(0.0)
    block.index.name = ID_CURR
    return block


def group_slope(keys: np.ndarray, x: np.ndarray, y: np.ndarray, index: pd.Index, name: str) -> pd.DataFrame:
    """Least-squares slope of ``y`` on ``x`` per key, for the keys of ``index`` (a trend over time).

    Pairs with a missing x or y are left out; fewer than two points or no spread in x gives NaN.
    """
    keep = ~(np.isnan(x) | np.isnan(y))
    frame = pd.DataFrame({"k": keys[keep], "x": x[keep], "y": y[keep]})
    frame["xy"], frame["xx"] = frame["x"] * frame["y"], frame["x"] * frame["x"]
    sums = frame.groupby("k", sort=True).agg(
        n=("x", "size"), x=("x", "sum"), y=("y", "sum"), xy=("xy", "sum"), xx=("xx", "sum")
    )
    spread = sums["n"] * sums["xx"] - sums["x"] ** 2
    slope = (sums["n"] * sums["xy"] - sums["x"] * sums["y"]) / spread.where(spread > 1e-9 * sums["n"] ** 2)
    result = slope.where(sums["n"] >= 2).astype("float64").reindex(index).to_frame(name)
    result.index.name = ID_CURR
    return result


def last_rows(frame: pd.DataFrame, by: str, order: str, n: int) -> pd.Series:
    """Mask of each ``by`` group's ``n`` rows with the highest ``order`` (the most recent, for DAYS_*)."""
    rank = frame.groupby(by, sort=False)[order].rank(method="first", ascending=False)
    return rank <= n


def join_blocks(blocks: Sequence[pd.DataFrame], index: pd.Index) -> pd.DataFrame:
    """Align per-client blocks on ``index`` and put them side by side."""
    aligned = [b if b.index.equals(index) else b.reindex(index) for b in blocks]
    result = pd.concat(aligned, axis=1) if aligned else pd.DataFrame(index=index)
    result.index.name = ID_CURR
    return result

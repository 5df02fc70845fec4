"""Reference-vs-current data drift with evidently, one explicit distance test per column type.

evidently picks a p-value test on small samples and a distance on large ones, so its verdict flips with
sample size. We always use distances, whose value estimates a property of the two distributions, not of the
sample size:
- numeric columns: Wasserstein distance normed by the reference standard deviation, drift when ≥ 0.1
  (the current distribution moved by a tenth of a reference standard deviation);
- categorical columns (text, bool, numeric with at most two values such as flags and one-hot columns):
  Jensen-Shannon distance (natural log, 0 … 0.83), drift when ≥ 0.1.
Each column also gets a PSI (see `drift.psi`) for readers used to credit-risk bands.

Columns that cannot be compared (absent on one side, all missing, numeric on one side and text on the other,
the same constant on both sides) are skipped with the reason recorded, never a crash.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.metrics import DriftedColumnsCount
from evidently.presets import DataDriftPreset
from evidently.tests import lte

from custom_model.errors import SchemaError
from drift import psi as psi_mod

logger = logging.getLogger(__name__)

Kind = Literal["numeric", "categorical"]

#: Distance tests we allow (drift when statistic ≥ threshold for all of them) and their display names.
DISTANCE_METHODS: dict[str, str] = {
    "wasserstein": "Wasserstein distance (normed)",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "PSI",
    "hellinger": "Hellinger distance (normed)",
}
NUM_METHOD = "wasserstein"
NUM_THRESHOLD = 0.1
CAT_METHOD = "jensenshannon"
CAT_THRESHOLD = 0.1
#: Below this many rows on either side, a distance carries sampling noise of the order of the threshold.
MIN_RELIABLE_ROWS = 1_000
#: Numeric columns with at most this many distinct reference values are compared as categories (flags,
#: one-hot dummies).
MAX_LEVELS_AS_CATEGORY = 2


@dataclass(frozen=True)
class ColumnDrift:
    """Drift verdict of one column, or why it was skipped."""

    column: str
    label: str
    rank: int
    kind: Kind | None
    method: str | None
    statistic: float | None
    threshold: float | None
    drifted: bool
    psi: float | None
    missing_reference: float | None
    missing_current: float | None
    skipped: str | None = None

    @property
    def method_name(self) -> str | None:
        """Human name of the test (e.g. 'Wasserstein distance (normed)')."""
        return DISTANCE_METHODS.get(self.method) if self.method else None


@dataclass(frozen=True)
class DriftSummary:
    """Result of one drift analysis: per-column verdicts, the share of drifted features, the score's PSI."""

    columns: tuple[ColumnDrift, ...]
    n_reference: int
    n_current: int
    score_column: str | None
    score_stability: psi_mod.ScoreStability | None
    sample_size: int | None
    seed: int
    snapshot: Any = field(default=None, repr=False, compare=False)
    #: evidently's test of the drift-share alert rule: True passed, False failed, None not run.
    share_test_passed: bool | None = None

    @property
    def features(self) -> tuple[ColumnDrift, ...]:
        """Verdicts of the model features (the score column excluded)."""
        return tuple(c for c in self.columns if c.column != self.score_column)

    @property
    def tested_features(self) -> tuple[ColumnDrift, ...]:
        """Features that were actually tested (not skipped)."""
        return tuple(c for c in self.features if c.skipped is None)

    @property
    def drifted_features(self) -> tuple[ColumnDrift, ...]:
        """Features whose distance reached the threshold, most important first."""
        return tuple(c for c in self.tested_features if c.drifted)

    @property
    def skipped(self) -> tuple[ColumnDrift, ...]:
        """Columns that could not be compared, with their reason."""
        return tuple(c for c in self.columns if c.skipped is not None)

    @property
    def drift_share(self) -> float:
        """Share of tested features that drifted (0 when nothing could be tested)."""
        tested = self.tested_features
        return len(self.drifted_features) / len(tested) if tested else 0.0

    @property
    def small_sample(self) -> bool:
        """Whether either side is too small for distances to be read against a 0.1 threshold."""
        return min(self.n_reference, self.n_current) < MIN_RELIABLE_ROWS

    @property
    def score_drift(self) -> ColumnDrift | None:
        """Verdict of the predicted-probability column, when it was analysed."""
        return next((c for c in self.columns if c.column == self.score_column), None)


def _is_numeric(series: pd.Series) -> bool:
    """Whether a column holds numbers (bool excluded: it is a category)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _finite(series: pd.Series) -> pd.Series:
    """Values evidently will use: missing and infinite values dropped."""
    if _is_numeric(series):
        return series[np.isfinite(series.to_numpy(dtype=float, na_value=np.nan))]
    return series.dropna()


def _skip_reason(name: str, reference: pd.DataFrame, current: pd.DataFrame) -> str | None:
    """Why a column cannot be compared, or None when it can."""
    absent = [side for side, frame in (("reference", reference), ("current", current)) if name not in frame]
    if absent:
        return f"absent from {' and '.join(absent)} data"
    ref, cur = reference[name], current[name]
    for side, values in (("reference", ref), ("current", cur)):
        if _finite(values).empty:
            return f"all {len(values)} values missing or infinite in {side} data"
    if _is_numeric(ref) != _is_numeric(cur):
        kinds = ["numeric" if _is_numeric(s) else f"text ({s.dtype})" for s in (ref, cur)]
        return f"type mismatch: {kinds[0]} in reference, {kinds[1]} in current"
    ref_levels = pd.unique(_finite(ref))
    cur_levels = pd.unique(_finite(cur))
    if len(ref_levels) == 1 and len(cur_levels) == 1 and ref_levels[0] == cur_levels[0]:
        value = ref_levels[0].item() if isinstance(ref_levels[0], np.generic) else ref_levels[0]
        return f"constant (value {value!r}) in reference and current data: nothing to compare"
    return None


def column_kind(series: pd.Series, *, categorical: bool = False) -> Kind:
    """Numeric or categorical test family for a column (see module docstring)."""
    if categorical or not _is_numeric(series):
        return "categorical"
    return "categorical" if _finite(series).nunique() <= MAX_LEVELS_AS_CATEGORY else "numeric"


def _sample(frame: pd.DataFrame, size: int | None, seed: int) -> pd.DataFrame:
    """Seeded row sample when a frame is larger than ``size``."""
    if size is None or len(frame) <= size:
        return frame
    return frame.sample(n=size, random_state=seed)


def _prepared(frame: pd.DataFrame, kinds: Mapping[str, Kind]) -> pd.DataFrame:
    """Columns to test, categories as text, infinities as missing (what evidently expects)."""
    out = {}
    for name, kind in kinds.items():
        values = frame[name]
        if kind == "categorical":
            # numbers as floats first, so an int 1 in one sample and a float 1.0 in the other are one level
            text = values.astype(float) if _is_numeric(values) else values.astype("object")
            out[name] = text.astype(str).where(values.notna(), None)
        else:
            out[name] = values.astype(float).replace([np.inf, -np.inf], np.nan)
    return pd.DataFrame(out, index=frame.index)


def _run_evidently(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: Mapping[str, Kind],
    *,
    num_method: str,
    num_threshold: float,
    cat_method: str,
    cat_threshold: float,
    drift_share: float,
    labels: Mapping[str, str] | None = None,
) -> tuple[Any, dict[str, float]]:
    """Run evidently's DataDriftPreset with explicit methods; return the snapshot and statistic per column.

    Columns reach evidently under their plain label ("External score 3 (EXT_SOURCE_3)"), so its HTML reads
    in words; the statistics come back under the column names.
    """
    shown = display_names(list(kinds), labels or {})
    kinds = {shown[c]: k for c, k in kinds.items()}
    reference = reference.rename(columns=shown)
    current = current.rename(columns=shown)
    numeric = [c for c, k in kinds.items() if k == "numeric"]
    categorical = [c for c, k in kinds.items() if k == "categorical"]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    preset = DataDriftPreset(
        columns=list(kinds),
        drift_share=drift_share,
        num_method=num_method,
        num_threshold=num_threshold,
        cat_method=cat_method,
        cat_threshold=cat_threshold,
    )
    with warnings.catch_warnings():
        # evidently's correlation widgets divide by a zero std on near-constant columns; drift is unaffected
        warnings.filterwarnings(
            "ignore", message="invalid value encountered in divide", category=RuntimeWarning
        )
        snapshot = Report([preset]).run(
            current_data=Dataset.from_pandas(_prepared(current, kinds), data_definition=definition),
            reference_data=Dataset.from_pandas(_prepared(reference, kinds), data_definition=definition),
        )
    column_of = {v: k for k, v in shown.items()}
    statistics = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config.get("type", "").endswith(":ValueDrift"):
            statistics[column_of[config["column"]]] = float(metric["value"])
    return snapshot, statistics


def share_test_passed(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: Mapping[str, Kind],
    *,
    maximum: float,
    **methods: Any,
) -> bool:
    """evidently's test of the alert rule: share of drifted ``kinds`` columns ≤ ``maximum``, same methods.

    Its own report (not the HTML's preset, whose default tests judge other columns against another share).
    """
    numeric = [c for c, k in kinds.items() if k == "numeric"]
    categorical = [c for c, k in kinds.items() if k == "categorical"]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    metric = DriftedColumnsCount(columns=list(kinds), share_tests=[lte(maximum)], **methods)
    snapshot = Report([metric], include_tests=True).run(
        current_data=Dataset.from_pandas(_prepared(current, kinds), data_definition=definition),
        reference_data=Dataset.from_pandas(_prepared(reference, kinds), data_definition=definition),
    )
    return all(str(test["status"]).endswith("SUCCESS") for test in snapshot.dict()["tests"])


def display_names(columns: Sequence[str], labels: Mapping[str, str]) -> dict[str, str]:
    """Column → the name shown in the HTML: 'label (COLUMN)' when a plain label exists, else the column."""
    return {c: f"{labels[c]} ({c})" if labels.get(c, c) != c else c for c in columns}


def _column_psi(reference: pd.Series, current: pd.Series, kind: Kind) -> float:
    """PSI of one column with the binning of `drift.psi`."""
    if kind == "numeric":
        return psi_mod.numeric_psi(reference, current)
    return psi_mod.categorical_psi(reference, current)


def _check_methods(num_method: str, cat_method: str) -> None:
    """Refuse tests whose verdict is not 'distance ≥ threshold' or that do not fit the column type."""
    if num_method not in DISTANCE_METHODS:
        raise SchemaError(f"num_method must be one of {sorted(DISTANCE_METHODS)}; got {num_method!r}")
    categorical = sorted(set(DISTANCE_METHODS) - {"wasserstein"})
    if cat_method not in categorical:
        raise SchemaError(f"cat_method must be one of {categorical}; got {cat_method!r}")


def _column_result(
    name: str,
    label: str,
    rank: int,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    kind: Kind | None,
    test: tuple[str | None, float | None],
    statistic: float | None,
    skipped: str | None,
    score_psi: float | None,
) -> ColumnDrift:
    """One column's verdict: its test, statistic, threshold and PSI, or the reason it was skipped."""
    present = name in reference and name in current
    missing = (
        (float(reference[name].isna().mean()), float(current[name].isna().mean()))
        if present
        else (None, None)
    )
    if skipped is not None or kind is None:
        return ColumnDrift(name, label, rank, None, None, None, None, False, None, *missing, skipped)
    method, threshold = test
    column_psi = score_psi if score_psi is not None else _column_psi(reference[name], current[name], kind)
    return ColumnDrift(
        name, label, rank, kind, method, statistic, threshold, statistic >= threshold, column_psi, *missing
    )


def _check_sides(reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str]) -> None:
    """Refuse an empty side or an empty column list with a message saying which."""
    if reference.empty or current.empty:
        raise SchemaError(
            f"drift needs rows on both sides; got {len(reference)} reference and {len(current)} current rows"
        )
    if not columns:
        raise SchemaError("drift needs at least one column to compare; got an empty column list")


def _classify(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str], categorical: Sequence[str]
) -> tuple[dict[str, str], dict[str, Kind]]:
    """Columns skipped (with the reason, logged) and the kind of every other column."""
    skipped = {name: reason for name in columns if (reason := _skip_reason(name, reference, current))}
    for name, reason in skipped.items():
        logger.warning("drift: column %s skipped: %s", name, reason)
    kinds: dict[str, Kind] = {
        name: column_kind(reference[name], categorical=name in categorical)
        for name in columns
        if name not in skipped
    }
    return skipped, kinds


def _log_summary(summary: DriftSummary) -> None:
    """One log line with the verdict counts."""
    logger.info(
        "drift: %d of %d tested features drifted (share %.3f), %d skipped",
        len(summary.drifted_features),
        len(summary.tested_features),
        summary.drift_share,
        len(summary.skipped),
    )


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[str],
    labels: Mapping[str, str] | None = None,
    categorical: Sequence[str] = (),
    score_column: str | None = None,
    num_method: str = NUM_METHOD,
    num_threshold: float = NUM_THRESHOLD,
    cat_method: str = CAT_METHOD,
    cat_threshold: float = CAT_THRESHOLD,
    sample_size: int | None = None,
    seed: int = 0,
    html_drift_share: float = 0.5,
    max_drift_share: float | None = None,
) -> DriftSummary:
    """Compare ``columns`` of current vs reference data (ranked by importance, first = most important).

    ``score_column`` (the predicted probability) is tested like the others, kept out of the feature drift
    share, and also gets a score-stability PSI. ``sample_size`` caps each frame to that many rows (seeded).
    ``html_drift_share`` only sets the "dataset drift" headline of evidently's HTML (share of all its
    columns, score included); the alert rules live in `drift.alerts`. ``max_drift_share`` also runs
    evidently's own test of the drift-share rule on the tested features (`DriftSummary.share_test_passed`).
    """
    _check_methods(num_method, cat_method)
    _check_sides(reference, current, columns)
    labels = labels or {}
    reference = _sample(reference, sample_size, seed)
    current = _sample(current, sample_size, seed)
    skipped, kinds = _classify(reference, current, columns, categorical)
    methods = {"num_method": num_method, "num_threshold": num_threshold}
    methods |= {"cat_method": cat_method, "cat_threshold": cat_threshold}
    snapshot, statistics = (None, {})
    if kinds:
        snapshot, statistics = _run_evidently(
            reference, current, kinds, **methods, drift_share=html_drift_share, labels=labels
        )
    features = {c: k for c, k in kinds.items() if c != score_column}
    share_test = (
        share_test_passed(reference, current, features, maximum=max_drift_share, **methods)
        if max_drift_share is not None and features
        else None
    )
    stability = None
    if score_column is not None and score_column not in skipped:
        # scores left missing (reference rows without an unbiased score) are absent, not a bin of their own
        stability = psi_mod.score_stability(reference[score_column].dropna(), current[score_column].dropna())
    tests = {"numeric": (num_method, num_threshold), "categorical": (cat_method, cat_threshold)}
    results = [
        _column_result(
            name,
            labels.get(name, name),
            rank,
            reference,
            current,
            kind=kinds.get(name),
            test=tests.get(kinds.get(name), (None, None)),
            statistic=statistics.get(name),
            skipped=skipped.get(name),
            score_psi=stability.psi if name == score_column and stability is not None else None,
        )
        for rank, name in enumerate(columns, start=1)
    ]
    summary = DriftSummary(
        columns=tuple(results),
        n_reference=len(reference),
        n_current=len(current),
        score_column=score_column,
        score_stability=stability,
        sample_size=sample_size,
        seed=seed,
        snapshot=snapshot,
        share_test_passed=share_test,
    )
    _log_summary(summary)
    return summary

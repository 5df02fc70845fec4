"""What is learned from training data before the model: category levels, the exact LightGBM-safe column list.

`FeaturePreprocessor` follows the scikit-learn estimator contract and pickles (cloudpickle) cleanly, so it is
stored inside the MLflow model: one applicant at serving time yields exactly the training columns.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from custom_model import schema
from custom_model.errors import SchemaError

#: Columns that are never features, whatever the caller passes.
EXCLUDED_COLUMNS: tuple[str, ...] = (schema.TARGET, *schema.ID_COLUMNS, "index")
#: Numeric columns converted at a time in `transform`: each chunk is copied to float64 (32 columns of the real
#: data's 356k clients: 90 MB), so the copy stays small beside the float32 output.
_CHUNK = 32
_UNSAFE = re.compile(r"[^0-9A-Za-z_]+")


def sanitize_names(names: Sequence[str]) -> list[str]:
    """Map names to ``[A-Za-z0-9_]`` (LightGBM refuses JSON characters); ``_2``, ``_3`` on collisions."""
    used: set[str] = set()
    result = []
    for name in names:
        base = _UNSAFE.sub("_", str(name)).strip("_") or "feature"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        result.append(candidate)
    return result


class FeaturePreprocessor(TransformerMixin, BaseEstimator):
    """Encode text categoricals as explicit dummies; return a float frame with the fitted columns, in order.

    Parameters: ``categorical_columns`` (None: every non-numeric column seen in ``fit``), ``dtype`` of the
    output (float32 halves memory and is what LightGBM bins on; the client snapshot stores history in float32
    too). Fitted attributes: ``input_columns_`` (inputs used, in order), ``categories_`` (column → sorted
    levels), ``feature_names_`` (sanitised output names), ``feature_labels_`` (sanitised name → readable name,
    e.g. ``NAME_TYPE_SUITE = Spouse, partner``). Unseen or missing categories give all-zero dummies; a missing
    input column raises SchemaError; ±inf becomes NaN; TARGET and identifiers are never features.
    """

    def __init__(self, categorical_columns: Sequence[str] | None = None, dtype: str = "float32") -> None:
        self.categorical_columns = categorical_columns
        self.dtype = dtype

    def fit(self, X: pd.DataFrame, y: object = None) -> FeaturePreprocessor:
        """Learn the input columns, the levels of each categorical and the output column names."""
        if not isinstance(X, pd.DataFrame):
            raise SchemaError(f"FeaturePreprocessor.fit expects a pandas DataFrame; got {type(X).__name__}")
        duplicated = X.columns[X.columns.duplicated()].tolist()
        if duplicated:
            raise SchemaError(f"feature frame: duplicated column(s) {duplicated}")
        inputs = [c for c in X.columns if c not in EXCLUDED_COLUMNS]
        if self.categorical_columns is None:
            categorical = [c for c in inputs if not (is_numeric_dtype(X[c]) or is_bool_dtype(X[c]))]
        else:
            categorical = list(self.categorical_columns)
            absent = [c for c in categorical if c not in inputs]
            if absent:
                raise SchemaError(f"feature frame: categorical column(s) {absent} not found")
        self.input_columns_ = tuple(inputs)
        self.categories_ = {c: _levels(X[c]) for c in categorical}
        readable = []
        for column in inputs:
            if column in self.categories_:
                readable += [f"{column} = {level}" for level in self.categories_[column]]
            else:
                readable.append(column)
        raw_names = [label.replace(" = ", "_") for label in readable]
        self.feature_names_ = tuple(sanitize_names(raw_names))
        self.feature_labels_ = dict(zip(self.feature_names_, readable, strict=True))
        self.encoded_names_ = self.feature_names_
        self.kept_positions_: np.ndarray | None = None
        return self

    def select(self, names: Sequence[str]) -> FeaturePreprocessor:
        """A copy that outputs only ``names`` (fitted output names, kept in fitted order): feature selection.

        Every input column is still required and encoded; only the output is narrowed, so that the model sees
        exactly the selected columns while requests and the client snapshot keep one shape.
        """
        check_is_fitted(self, "feature_names_")
        unknown = sorted(set(names) - set(self.encoded_names_))
        if unknown:
            raise SchemaError(f"feature selection: unknown feature(s) {unknown[:10]}")
        wanted = set(names)
        positions = [i for i, name in enumerate(self.encoded_names_) if name in wanted]
        selected = copy.copy(self)
        selected.kept_positions_ = np.asarray(positions, dtype=np.int64)
        selected.feature_names_ = tuple(self.encoded_names_[i] for i in positions)
        selected.feature_labels_ = {name: self.feature_labels_[name] for name in selected.feature_names_}
        return selected

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return a ``dtype`` frame with exactly ``feature_names_`` columns (same index as ``X``)."""
        check_is_fitted(self, "feature_names_")
        missing = [c for c in self.input_columns_ if c not in X.columns]
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise SchemaError(
                f"feature frame: missing input column(s) {shown} "
                f"({len(missing)} of {len(self.input_columns_)} expected from fit)"
            )
        out = np.empty((len(X), len(self.encoded_names_)), dtype=self.dtype, order="F")
        numeric_columns, numeric_positions, position = [], [], 0
        for column in self.input_columns_:
            if column in self.categories_:
                levels = self.categories_[column]
                out[:, position : position + len(levels)] = _dummies(X[column], levels)
                position += len(levels)
            else:
                numeric_columns.append(column)
                numeric_positions.append(position)
                position += 1
        # column chunks bound the float64 copy (and the ±inf mask) to a slice of the frame: all of it would
        # be 2 GB for 300k clients x 800 features
        for start in range(0, len(numeric_columns), _CHUNK):
            chunk = slice(start, start + _CHUNK)
            values = _as_float(X[numeric_columns[chunk]])
            values[np.isinf(values)] = np.nan
            out[:, numeric_positions[chunk]] = values
        if self.kept_positions_ is not None:
            out = out[:, self.kept_positions_]
        return pd.DataFrame(out, index=X.index, columns=list(self.feature_names_))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Return the output column names (sklearn API)."""
        check_is_fitted(self, "feature_names_")
        return np.asarray(self.feature_names_, dtype=object)


def _text(values: pd.Series) -> pd.Series:
    """Return non-missing values as str (categories may arrive as numbers in JSON)."""
    as_object = values.astype(object)
    present = as_object.notna().to_numpy()
    text = np.where(present, as_object.astype(str).to_numpy(), None)
    return pd.Series(text, index=values.index, dtype=object)


def _levels(values: pd.Series) -> tuple[str, ...]:
    """Sorted distinct non-missing levels: an explicit order, independent of row order."""
    return tuple(sorted(set(_text(values).dropna())))


def _dummies(values: pd.Series, levels: tuple[str, ...]) -> np.ndarray:
    """One column per level; unseen and missing values give a row of zeros."""
    codes = pd.Categorical(_text(values), categories=list(levels)).codes
    matrix = np.zeros((len(values), len(levels)), dtype=np.float64)
    rows = np.flatnonzero(codes >= 0)
    matrix[rows, codes[rows]] = 1.0
    return matrix


def _as_float(frame: pd.DataFrame) -> np.ndarray:
    """Return numeric columns as one float64 array (None → NaN); SchemaError naming a non-numeric column."""
    try:
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        for column in frame.columns:
            values = frame[column]
            bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
            if not bad.empty:
                raise SchemaError(
                    f"feature frame: column {column} must be numeric; got {bad.iloc[0]!r} for SK_ID_CURR "
                    f"{bad.index[0]!r}"
                ) from None
        raise

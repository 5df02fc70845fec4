"""Application-table features: kernel cleanup and ratios plus the cheap strong extras of the top solutions.

Works row by row, so a 300,000-row training table and one applicant sent as JSON (numbers as float, text as
str) give the same values. Text categoricals stay text: the `FeaturePreprocessor` of
`custom_model.preprocessing` learns their levels on the training data and encodes them explicitly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.errors import SchemaError
from custom_model.features._aggregate import numeric, require_columns

TABLE = schema.APPLICATION_TEST
#: Raw application columns used as inputs (application_test order; no SK_ID_CURR, no TARGET).
RAW_COLUMNS: tuple[str, ...] = tuple(
    c for c in schema.table(TABLE).column_names if c not in (schema.ID_CURR, schema.TARGET)
)
#: Text categoricals left for the preprocessor (the two Y/N flags are turned into 1/0 here).
YES_NO_COLUMNS: tuple[str, ...] = ("FLAG_OWN_CAR", "FLAG_OWN_REALTY")
CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in schema.table(TABLE).categorical() if c.name not in YES_NO_COLUMNS
)
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    c for c in RAW_COLUMNS if c not in CATEGORICAL_COLUMNS and c not in YES_NO_COLUMNS
)
_RATIO_INPUTS = (
    "DAYS_EMPLOYED",
    "DAYS_BIRTH",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "CNT_FAM_MEMBERS",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
)
_EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
_DOCUMENTS = tuple(c for c in RAW_COLUMNS if c.startswith("FLAG_DOCUMENT_"))
#: Derived columns appended after the raw ones, in this order.
DERIVED_COLUMNS: tuple[str, ...] = (
    "DAYS_EMPLOYED_PERC",
    "INCOME_CREDIT_PERC",
    "INCOME_PER_PERSON",
    "ANNUITY_INCOME_PERC",
    "PAYMENT_RATE",
    "CREDIT_TO_GOODS_RATIO",
    "CREDIT_TO_ANNUITY_RATIO",
    "EXT_SOURCES_MEAN",
    "EXT_SOURCES_STD",
    "EXT_SOURCES_PROD",
    "EXT_SOURCES_MIN",
    "EXT_SOURCES_MAX",
    "DOCUMENT_COUNT",
)


def application_features(app: pd.DataFrame) -> pd.DataFrame:
    """Return one row per applicant (index SK_ID_CURR): cleaned raw columns then derived ratios; never TARGET.

    DAYS_EMPLOYED = 365243 ("not employed", pensioners) becomes missing. FLAG_OWN_CAR / FLAG_OWN_REALTY are
    mapped explicitly Y → 1, N → 0 (anything else missing). Every division by zero gives NaN, never ±inf.
    EXT_SOURCES_STD is the sample standard deviation of the available scores (missing with fewer than two);
    EXT_SOURCES_PROD is missing as soon as one score is.
    """
    frame = _indexed(app)
    require_columns(frame, RAW_COLUMNS, f"{TABLE}.csv")
    texts = _texts(frame[list(CATEGORICAL_COLUMNS)])
    yes_no = _texts(frame[list(YES_NO_COLUMNS)]).to_numpy()
    flags = pd.DataFrame(
        np.where(yes_no == "Y", 1.0, np.where(yes_no == "N", 0.0, np.nan)),
        index=frame.index,
        columns=list(YES_NO_COLUMNS),
    )
    numbers = _numbers(frame[list(NUMERIC_COLUMNS)])
    employed = numbers["DAYS_EMPLOYED"].to_numpy()
    # 365243 means "not employed" (pensioners, unemployed) in the source data, not 1000 years of work.
    numbers["DAYS_EMPLOYED"] = np.where(employed == schema.DAYS_SENTINEL, np.nan, employed)
    derived = pd.DataFrame(_derived(numbers), index=frame.index)
    result = pd.concat([numbers, texts, flags], axis=1)[list(RAW_COLUMNS)]
    result = pd.concat([result, derived], axis=1)
    result.index.name = schema.ID_CURR
    return result


def _indexed(app: pd.DataFrame) -> pd.DataFrame:
    """Return ``app`` indexed by SK_ID_CURR (taken from the column, or the index if already named so)."""
    if schema.ID_CURR in app.columns:
        ids = app[schema.ID_CURR]
        if ids.isna().any():
            raise SchemaError(
                f"{TABLE}.csv: column SK_ID_CURR must not be missing; got {int(ids.isna().sum())} NaN"
            )
        frame = app.drop(columns=[schema.ID_CURR])
        frame.index = pd.Index(ids.to_numpy().astype(np.int64), name=schema.ID_CURR)
        return frame
    if app.index.name == schema.ID_CURR:
        return app
    raise SchemaError(
        f"{TABLE}.csv: expected a SK_ID_CURR column or index; got columns {list(app.columns[:5])}..."
    )


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert every numeric column to float64 in one call (cheap for one JSON row); name a bad column."""
    try:
        return frame.astype("float64")
    except (TypeError, ValueError):
        for column in frame.columns:
            numeric(frame, column, f"{TABLE}.csv")
        raise


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Return text columns as Python str (missing → None) whatever dtype they arrived in (JSON, category)."""
    values = frame.to_numpy(dtype=object)
    missing = pd.isna(values)
    is_str = np.frompyfunc(lambda v: isinstance(v, str), 1, 1)(values).astype(bool)
    convert = ~missing & ~is_str
    if convert.any():
        values[convert] = [str(v) for v in values[convert]]
    values[missing] = None
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Divide element-wise; a zero or missing denominator gives NaN instead of ±inf.

    An overflow (two extreme but valid fields) gives ±inf, which the served model reports as a row error.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(denominator == 0, np.nan, numerator / denominator)


def _derived(numbers: pd.DataFrame) -> dict[str, np.ndarray]:
    """Kernel ratios (SPEC §2.2 A6) and cheap extras, in DERIVED_COLUMNS order (numpy: cheap for one row)."""
    col = {c: numbers[c].to_numpy() for c in _RATIO_INPUTS}
    ext = numbers[list(_EXT_SOURCES)].to_numpy()
    documents = numbers[list(_DOCUMENTS)].to_numpy()
    available = (~np.isnan(ext)).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing rows: NaN is the wanted answer
        ext_mean = np.nanmean(ext, axis=1)
        ext_std = np.where(available >= 2, np.nanstd(ext, axis=1, ddof=1), np.nan)
        ext_min, ext_max = np.nanmin(ext, axis=1), np.nanmax(ext, axis=1)
    out = {
        "DAYS_EMPLOYED_PERC": _ratio(col["DAYS_EMPLOYED"], col["DAYS_BIRTH"]),
        "INCOME_CREDIT_PERC": _ratio(col["AMT_INCOME_TOTAL"], col["AMT_CREDIT"]),
        "INCOME_PER_PERSON": _ratio(col["AMT_INCOME_TOTAL"], col["CNT_FAM_MEMBERS"]),
        "ANNUITY_INCOME_PERC": _ratio(col["AMT_ANNUITY"], col["AMT_INCOME_TOTAL"]),
        "PAYMENT_RATE": _ratio(col["AMT_ANNUITY"], col["AMT_CREDIT"]),
        "CREDIT_TO_GOODS_RATIO": _ratio(col["AMT_CREDIT"], col["AMT_GOODS_PRICE"]),
        "CREDIT_TO_ANNUITY_RATIO": _ratio(col["AMT_CREDIT"], col["AMT_ANNUITY"]),
        "EXT_SOURCES_MEAN": ext_mean,
        "EXT_SOURCES_STD": ext_std,
        "EXT_SOURCES_PROD": np.prod(ext, axis=1),
        "EXT_SOURCES_MIN": ext_min,
        "EXT_SOURCES_MAX": ext_max,
        "DOCUMENT_COUNT": np.where(np.isnan(documents).all(axis=1), np.nan, np.nansum(documents, axis=1)),
    }
    return {name: out[name].astype(np.float64) for name in DERIVED_COLUMNS}

"""Validate a scoring request (a DataFrame from MLflow's dataframe_split / dataframe_records) at the edge.

Contract: `SK_ID_CURR` is required on every row; any other column must be an application_test column.
A row is a **raw-fields row** (scored from the fields sent) when at least one raw application field is
non-null; otherwise it is a **by-id row** (the client is looked up in the snapshot bundled with the model; an
unknown id is answered with an error). For a raw-fields row, history features come from the snapshot when the
id is known (else missing), and an application field left null takes the snapshot's value for a known client
(else missing). JSON `null` and a missing key both mean "missing". Rows are numbered from 0 in messages.
A malformed request raises RequestError naming the column, the row and what was expected; nothing is
guessed (no text-to-number conversion, no silent dropping of unknown columns). A well-formed raw-fields row
with a value outside its domain (`custom_model.domains`) gets a per-row error and is not scored; an unknown
category level gets a per-row warning and is scored as missing. Messages quote at most a few short values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from custom_model import domains, schema
from custom_model.contract import (
    DEFAULT_EXPLAIN,
    DEFAULT_TOP_K,
    MAX_REASONS_PER_REQUEST,
    MAX_ROWS_PER_REQUEST,
    MAX_TOP_K,
    PARAM_EXPLAIN,
    PARAM_TOP_K,
    model_uri,
)
from custom_model.errors import RequestError

#: application_test columns a request may carry besides SK_ID_CURR, in file order.
RAW_COLUMNS: tuple[schema.Column, ...] = tuple(
    c for c in schema.table(schema.APPLICATION_TEST).columns if c.name != schema.ID_CURR
)
RAW_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in RAW_COLUMNS)
_RAW_BY_NAME: dict[str, schema.Column] = {c.name: c for c in RAW_COLUMNS}
#: Client ids are non-negative int64 (what the snapshot, the answer and the event log store).
ID_MAX = int(np.iinfo(np.int64).max)
_ID_RANGE = f"from 0 to {ID_MAX} (a client id is a non-negative 64-bit integer)"
_IMPLAUSIBLE = "implausible input, not scored: "


@dataclass(frozen=True)
class ScoringRequest:
    """A validated request: one id per row, which rows carry raw fields, and those rows' fields (or None)."""

    ids: np.ndarray
    is_raw: np.ndarray
    raw: pd.DataFrame | None
    #: Per row: why it is not scored (a value outside its domain), or None.
    errors: tuple[str | None, ...] = ()
    #: Per row: what was scored as missing (unknown category levels), or None.
    warnings: tuple[str | None, ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of rows to answer."""
        return len(self.ids)


def _describe(value: Any) -> str:
    """Short description of an offending value for an error message (long values are cut)."""
    if isinstance(value, np.generic):
        value = value.item()
    kind = "text" if isinstance(value, str) else type(value).__name__
    return f"{domains.quote(value)} ({kind})"


def _first_bad(values: np.ndarray, bad: np.ndarray) -> tuple[int, Any]:
    """Position and value of the first flagged element."""
    pos = int(np.flatnonzero(bad)[0])
    return pos, values[pos]


def _is_number(value: Any) -> bool:
    """Whether a JSON value is a number (booleans are not)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _parse_ids(values: np.ndarray) -> np.ndarray:
    """Return SK_ID_CURR as int64; RequestError naming the first row that is not an id (integer in range)."""
    kind = values.dtype.kind
    if kind in "iu":
        _refuse_ids(values, values > ID_MAX if kind == "u" else values < 0)
        return values.astype(np.int64)
    exact = np.zeros(len(values), dtype=bool)
    if kind == "O":
        numeric = np.array([_is_number(v) for v in values], dtype=bool)
        if not numeric.all():
            pos, value = _first_bad(values, ~numeric)
            shown = "null" if value is None else _describe(value)
            raise RequestError(f"column SK_ID_CURR must hold integers; got {shown} on row {pos}")
        # Python ints are exact at any size: check their range before any conversion to float.
        exact = np.array([isinstance(v, (int, np.integer)) for v in values], dtype=bool)
        _refuse_ids(values, np.array([_int_out_of_range(v) for v in values], dtype=bool))
        floats = np.array([0.0 if e else float(v) for v, e in zip(values, exact, strict=True)])
    elif kind == "f":
        floats = values.astype(np.float64)
    else:
        raise RequestError(f"column SK_ID_CURR must hold integers; got {_describe(values[0])} on row 0")
    bad = ~np.isfinite(floats) | (floats != np.round(floats))
    if bad.any():
        pos, value = _first_bad(floats, bad)
        shown = "null" if np.isnan(value) else _describe(values[pos])
        raise RequestError(f"column SK_ID_CURR must hold integers; got {shown} on row {pos}")
    # 2**63 is the first float beyond int64: a float id must stay below it to convert exactly.
    _refuse_ids(values, (floats < 0) | (floats >= 2.0**63))
    return np.array([int(v) for v in values], dtype=np.int64) if kind == "O" else floats.astype(np.int64)


def _int_out_of_range(value: Any) -> bool:
    """Whether an integer value (not a float) lies outside the id range."""
    return isinstance(value, (int, np.integer)) and not 0 <= int(value) <= ID_MAX


def _refuse_ids(values: np.ndarray, bad: np.ndarray) -> None:
    """RequestError naming the first id outside the non-negative int64 range."""
    if bad.any():
        pos, value = _first_bad(values, bad)
        raise RequestError(f"column SK_ID_CURR must be {_ID_RANGE}; got {domains.quote(value)} on row {pos}")


def _parse_numeric(name: str, values: np.ndarray, *, integral: bool) -> np.ndarray:
    """Return float64 values; RequestError on text, booleans, infinities or (for int columns) fractions."""
    if values.dtype.kind == "O":
        missing = pd.isna(values)
        ok = missing | np.array([_is_number(v) for v in values], dtype=bool)
        if not ok.all():
            pos, value = _first_bad(values, ~ok)
            raise RequestError(f"column {name} must be a number or null; got {_describe(value)} on row {pos}")
        floats = np.where(missing, np.nan, values).astype(np.float64)
    elif values.dtype.kind in "iuf":
        floats = values.astype(np.float64)
    else:
        raise RequestError(f"column {name} must be a number or null; got {_describe(values[0])} on row 0")
    infinite = np.isinf(floats)
    if infinite.any():
        pos, value = _first_bad(floats, infinite)
        raise RequestError(f"column {name} must be a finite number or null; got {value} on row {pos}")
    if integral:
        fraction = ~np.isnan(floats) & (floats != np.round(floats))
        if fraction.any():
            pos, value = _first_bad(floats, fraction)
            raise RequestError(f"column {name} must be a whole number or null; got {value} on row {pos}")
    return floats


def _parse_text(name: str, values: np.ndarray) -> np.ndarray:
    """Return an object array of str / None; RequestError when a value is not text."""
    present = ~pd.isna(values)
    if values.dtype.kind != "O":
        if present.any():
            pos, value = _first_bad(values, present)
            raise RequestError(f"column {name} must be text or null; got {_describe(value)} on row {pos}")
        return np.full(len(values), None, dtype=object)
    ok = ~present | np.array([isinstance(v, str) for v in values], dtype=bool)
    if not ok.all():
        pos, value = _first_bad(values, ~ok)
        raise RequestError(f"column {name} must be text or null; got {_describe(value)} on row {pos}")
    return np.where(present, values, None)


def _names(names: list[Any]) -> str:
    """Column names as a short list for messages (each name cut, at most 10 names)."""
    return "[" + ", ".join(domains.quote(str(n)) for n in names[:10]) + "]"


def _check_columns(frame: pd.DataFrame) -> None:
    """RequestError when SK_ID_CURR is absent, a column repeats or a column is not an application field."""
    names = list(frame.columns)
    duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if duplicated:
        shown = ", ".join(domains.quote(c).strip("'") for c in duplicated[:10])
        raise RequestError(f"columns must be unique; got {shown} more than once")
    if schema.ID_CURR not in names:
        raise RequestError(f"column SK_ID_CURR is required (the client id); got columns {_names(names)}")
    unknown = [str(c) for c in names if c != schema.ID_CURR and c not in _RAW_BY_NAME]
    if unknown:
        raise RequestError(
            f"unknown column(s) {_names(unknown)}; expected SK_ID_CURR plus application_test columns "
            f"(e.g. AMT_CREDIT, AMT_ANNUITY, EXT_SOURCE_2)"
        )


def check_row_count(n_rows: int, *, limit: int = MAX_ROWS_PER_REQUEST) -> None:
    """RequestError when one request holds more rows than the API scores at once."""
    if n_rows > limit:
        raise RequestError(
            f"too many rows: {n_rows:,} in one request; the API scores at most {limit:,} rows per request. "
            f"Send batches of at most {limit:,} rows, or score the whole table offline with batch scoring "
            f"(mlflow.pyfunc.spark_udf on {model_uri()})"
        )


def check_explanation_budget(n_rows: int, top_k: int, *, limit: int = MAX_REASONS_PER_REQUEST) -> None:
    """RequestError when rows × top_k exceeds what one answer may carry (the answer grows with it)."""
    if n_rows * top_k > limit:
        raise RequestError(
            f"too many explanations: {n_rows:,} rows × top_k {top_k} = {n_rows * top_k:,} reasons each way; "
            f"at most {limit:,} per request. Lower top_k (at most {max(1, limit // n_rows)} for {n_rows:,} "
            "rows), send fewer rows, or set explain to false"
        )


def parse_request(frame: pd.DataFrame, *, max_rows: int | None = None) -> ScoringRequest:
    """Validate a request frame and split it into by-id rows and raw-fields rows.

    ``max_rows`` caps the rows of one request (the HTTP API passes MAX_ROWS_PER_REQUEST); it is checked
    before any column is read.
    """
    if not isinstance(frame, pd.DataFrame):
        raise RequestError(
            f"expected a table of clients (dataframe_split or dataframe_records); got {type(frame)}"
        )
    if len(frame) == 0:
        raise RequestError("empty request: expected at least one row with SK_ID_CURR")
    if max_rows is not None:
        check_row_count(len(frame), limit=max_rows)
    _check_columns(frame)
    ids = _parse_ids(frame[schema.ID_CURR].to_numpy())
    parsed: dict[str, np.ndarray] = {}
    for name in (c for c in frame.columns if c != schema.ID_CURR):
        column = _RAW_BY_NAME[name]
        values = frame[name].to_numpy()
        if column.is_numeric:
            parsed[name] = _parse_numeric(name, values, integral=column.dtype == "int64")
        else:
            parsed[name] = _parse_text(name, values)
    is_raw = np.zeros(len(ids), dtype=bool)
    for values in parsed.values():
        is_raw |= ~pd.isna(values)
    raw = _raw_frame(ids[is_raw], {n: v[is_raw] for n, v in parsed.items()}) if is_raw.any() else None
    errors, warnings = _plausibility(parsed, len(ids))
    return ScoringRequest(ids=ids, is_raw=is_raw, raw=raw, errors=errors, warnings=warnings)


def _plausibility(
    parsed: Mapping[str, np.ndarray], n_rows: int
) -> tuple[tuple[str | None, ...], tuple[str | None, ...]]:
    """Per row: the values outside their domain (error), the unknown category levels (warning)."""
    errors: list[list[str]] = [[] for _ in range(n_rows)]
    warnings: list[list[str]] = [[] for _ in range(n_rows)]
    for name, values in parsed.items():
        if domains.DOMAINS[name].is_text:
            for row in np.flatnonzero(domains.unknown_levels(name, values)):
                warnings[row].append(domains.level_message(name, values[row]))
        else:
            for row in np.flatnonzero(domains.out_of_range(name, values)):
                errors[row].append(domains.range_message(name, float(values[row])))
    return (
        tuple(domains.summarise(e, prefix=_IMPLAUSIBLE) if e else None for e in errors),
        tuple(domains.summarise(w, prefix="") if w else None for w in warnings),
    )


def _raw_frame(ids: np.ndarray, parsed: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """application_test-shaped frame of the raw rows: every column present, missing ones null."""
    data: dict[str, Any] = {schema.ID_CURR: ids}
    for column in RAW_COLUMNS:
        if column.name in parsed:
            data[column.name] = parsed[column.name]
        elif column.is_numeric:
            data[column.name] = np.full(len(ids), np.nan)
        else:
            data[column.name] = np.full(len(ids), None, dtype=object)
    return pd.DataFrame(data)


def parse_params(params: Mapping[str, Any] | None) -> tuple[bool, int]:
    """Return (explain, top_k) from the request params, with defaults; RequestError on bad values."""
    params = dict(params or {})
    explain = params.get(PARAM_EXPLAIN, DEFAULT_EXPLAIN)
    top_k = params.get(PARAM_TOP_K, DEFAULT_TOP_K)
    if isinstance(explain, (bool, np.bool_)):
        explain = bool(explain)
    else:
        raise RequestError(f"param explain must be true or false; got {domains.quote(explain)}")
    if isinstance(top_k, (bool, np.bool_)) or not isinstance(top_k, (int, np.integer)):
        raise RequestError(
            f"param top_k must be an integer from 1 to {MAX_TOP_K}; got {domains.quote(top_k)}"
        )
    if not 1 <= int(top_k) <= MAX_TOP_K:
        raise RequestError(f"param top_k must be an integer from 1 to {MAX_TOP_K}; got {top_k}")
    return explain, int(top_k)

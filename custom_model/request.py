"""Validate a scoring request (a DataFrame from MLflow's dataframe_split / dataframe_records) at the edge.

Contract: `SK_ID_CURR` is required on every row; any other column must be an application_test column.
A row is a **raw-fields row** (scored from the fields sent) when at least one raw application field is
non-null; otherwise it is a **by-id row** (the client is looked up in the snapshot bundled with the model; an
unknown id is answered with an error). For a raw-fields row, history features come from the snapshot when the
id is known (else missing), and an application field left null takes the snapshot's value for a known client
(else missing). JSON `null` and a missing key both mean "missing". Rows are numbered from 0 in messages.
A malformed request raises RequestError naming the column, the row and what was expected; nothing is
guessed (no text-to-number conversion, no silent dropping of unknown columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.errors import RequestError

#: application_test columns a request may carry besides SK_ID_CURR, in file order.
RAW_COLUMNS: tuple[schema.Column, ...] = tuple(
    c for c in schema.table(schema.APPLICATION_TEST).columns if c.name != schema.ID_CURR
)
RAW_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in RAW_COLUMNS)
_RAW_BY_NAME: dict[str, schema.Column] = {c.name: c for c in RAW_COLUMNS}

DEFAULT_EXPLAIN = True
DEFAULT_TOP_K = 5
MAX_TOP_K = 100


@dataclass(frozen=True)
class ScoringRequest:
    """A validated request: one id per row, which rows carry raw fields, and those rows' fields (or None)."""

    ids: np.ndarray
    is_raw: np.ndarray
    raw: pd.DataFrame | None

    @property
    def n_rows(self) -> int:
        """Number of rows to answer."""
        return len(self.ids)


def _describe(value: Any) -> str:
    """Short description of an offending value for an error message."""
    if isinstance(value, np.generic):
        value = value.item()
    kind = "text" if isinstance(value, str) else type(value).__name__
    return f"{value!r} ({kind})"


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
    """Return SK_ID_CURR as int64; RequestError naming the first row that is not an integer."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    if values.dtype.kind == "O":
        numeric = np.array([_is_number(v) for v in values], dtype=bool)
        if not numeric.all():
            pos, value = _first_bad(values, ~numeric)
            shown = "null" if value is None else _describe(value)
            raise RequestError(f"column SK_ID_CURR must hold integers; got {shown} on row {pos}")
    elif values.dtype.kind != "f":
        raise RequestError(f"column SK_ID_CURR must hold integers; got {_describe(values[0])} on row 0")
    floats = values.astype(np.float64)
    bad = ~np.isfinite(floats) | (floats != np.round(floats))
    if bad.any():
        pos, value = _first_bad(floats, bad)
        shown = "null" if np.isnan(value) else _describe(values[pos])
        raise RequestError(f"column SK_ID_CURR must hold integers; got {shown} on row {pos}")
    return floats.astype(np.int64)


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


def _check_columns(frame: pd.DataFrame) -> None:
    """RequestError when SK_ID_CURR is absent, a column repeats or a column is not an application field."""
    names = list(frame.columns)
    duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if duplicated:
        raise RequestError(f"columns must be unique; got {', '.join(duplicated)} more than once")
    if schema.ID_CURR not in names:
        raise RequestError(
            f"column SK_ID_CURR is required (the client id); got columns {[str(c) for c in names][:10]}"
        )
    unknown = [str(c) for c in names if c != schema.ID_CURR and c not in _RAW_BY_NAME]
    if unknown:
        raise RequestError(
            f"unknown column(s) {unknown[:10]}; expected SK_ID_CURR plus application_test columns "
            f"(e.g. AMT_CREDIT, AMT_ANNUITY, EXT_SOURCE_2)"
        )


def parse_request(frame: pd.DataFrame) -> ScoringRequest:
    """Validate a request frame and split it into by-id rows and raw-fields rows."""
    if not isinstance(frame, pd.DataFrame):
        raise RequestError(
            f"expected a table of clients (dataframe_split or dataframe_records); got {type(frame)}"
        )
    if len(frame) == 0:
        raise RequestError("empty request: expected at least one row with SK_ID_CURR")
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
    return ScoringRequest(ids=ids, is_raw=is_raw, raw=raw)


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
    explain = params.get("explain", DEFAULT_EXPLAIN)
    top_k = params.get("top_k", DEFAULT_TOP_K)
    if isinstance(explain, (bool, np.bool_)):
        explain = bool(explain)
    else:
        raise RequestError(f"param explain must be true or false; got {explain!r}")
    if isinstance(top_k, (bool, np.bool_)) or not isinstance(top_k, (int, np.integer)):
        raise RequestError(f"param top_k must be an integer from 1 to {MAX_TOP_K}; got {top_k!r}")
    if not 1 <= int(top_k) <= MAX_TOP_K:
        raise RequestError(f"param top_k must be an integer from 1 to {MAX_TOP_K}; got {top_k}")
    return explain, int(top_k)

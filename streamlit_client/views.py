"""Pure helpers behind the pages: client values, labels, what-if fields, uploaded applicants."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from streamlit_client.api import ID_COLUMN, ClientScore
from streamlit_client.errors import InputFileError
from streamlit_client.text import officer_error

BATCH_MAX_ROWS = 10_000
_DAYS_PER_YEAR = 365.25
# Columns a training file may carry that the model does not take as input.
_NEVER_SENT = ("TARGET",)


@dataclass(frozen=True)
class WhatIfField:
    """An application field the what-if lets the user edit, in the unit shown on screen."""

    name: str
    label: str
    unit: str
    step: float
    typical: float
    max_value: float | None = None
    in_days: bool = False

    def to_shown(self, raw: Any) -> float:
        """Raw value → value shown (days before application → years); unknown → the typical value."""
        if raw is None or isinstance(raw, str) or not math.isfinite(float(raw)):
            raw = self.typical
        if self.in_days:
            # Positive day counts only occur as the source's 365243 "not employed" code: 0 years in work.
            return 0.0 if float(raw) > 0 else -float(raw) / _DAYS_PER_YEAR
        return float(raw)

    def from_shown(self, shown: float) -> float | int:
        """Value shown → raw value (years → whole days before application, as the data records them)."""
        return -round(shown * _DAYS_PER_YEAR) if self.in_days else float(shown)


WHAT_IF_FIELDS = (
    WhatIfField("AMT_INCOME_TOTAL", "Annual income", "currency units", 5_000.0, 150_000.0),
    WhatIfField("AMT_CREDIT", "Credit amount", "currency units", 10_000.0, 500_000.0),
    WhatIfField("AMT_ANNUITY", "Loan annuity", "currency units per year", 1_000.0, 25_000.0),
    WhatIfField("AMT_GOODS_PRICE", "Price of the goods", "currency units", 10_000.0, 450_000.0),
    WhatIfField("DAYS_EMPLOYED", "Time in current job", "years", 0.5, -1_500.0, in_days=True),
    WhatIfField("EXT_SOURCE_2", "External score 2", "0 to 1", 0.01, 0.5, max_value=1.0),
    WhatIfField("EXT_SOURCE_3", "External score 3", "0 to 1", 0.01, 0.5, max_value=1.0),
)


def apply_edits(base: dict[str, Any], shown: dict[str, float]) -> dict[str, Any]:
    """Fields to send after the what-if form: only values the user changed replace the known raw values.

    Unchanged fields keep their raw value, so a days → years → days round trip (or the "not employed" code)
    never alters a field the user did not touch.
    """
    fields = dict(base)
    for field in WHAT_IF_FIELDS:
        if field.name in shown and not math.isclose(shown[field.name], field.to_shown(base.get(field.name))):
            fields[field.name] = field.from_shown(shown[field.name])
    return fields


# Application fields sent in a what-if when the model's signature cannot be read (the reference sample's raw
# fields): a raw-fields request may only carry application columns.
CORE_APPLICATION_FIELDS = (
    *(f.name for f in WHAT_IF_FIELDS),
    "NAME_CONTRACT_TYPE",
    "CODE_GENDER",
    "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE",
    "DAYS_BIRTH",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
)


def plain_label(feature: str, label: str) -> str:
    """Adapt a label to the unit shown: DAYS_* values are shown as years, so drop the 'days' wording."""
    if not feature.upper().startswith("DAYS_"):
        return label
    label = re.sub(r"\s*\(days before application\)", "", label)
    return re.sub(r"^Days since", "Time since", label)


def feature_labels(importance: pd.DataFrame | None, reference: pd.DataFrame | None) -> dict[str, str]:
    """Plain label of every feature the app may show (the global importance file carries them)."""
    labels: dict[str, str] = {}
    if reference is not None:
        labels.update({str(c): str(c) for c in reference.columns})
    if importance is not None:
        labels.update(
            {
                str(f): plain_label(str(f), str(lbl))
                for f, lbl in zip(importance["feature"], importance["label"], strict=True)
            }
        )
    return labels


def _is_number(value: Any) -> bool:
    """Whether a value is a finite real number (booleans excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value))


def reference_row(reference: pd.DataFrame | None, client_id: int) -> dict[str, Any]:
    """The client's row of the reference sample as a dict (empty when the client is not in it)."""
    if reference is None:
        return {}
    rows = reference[reference[ID_COLUMN] == client_id]
    if rows.empty:
        return {}
    return {str(k): (v.item() if hasattr(v, "item") else v) for k, v in rows.iloc[0].items()}


def client_values(client: ClientScore, reference: pd.DataFrame | None) -> dict[str, float]:
    """Numeric feature values of the client: the API's explanation first, then the reference sample."""
    values = {k: float(v) for k, v in reference_row(reference, client.client_id).items() if _is_number(v)}
    values.update({c.feature: float(c.value) for c in client.contributions if _is_number(c.value)})
    values.pop(ID_COLUMN, None)
    return values


def what_if_defaults(
    client: ClientScore, reference: pd.DataFrame | None, input_columns: Sequence[str] | None
) -> tuple[dict[str, Any], list[str]]:
    """Raw application fields known for the client, and the what-if fields not known for them.

    Known = the client's reference-sample row and the values the API returned, restricted to the model's input
    columns (when the signature is known) so that the raw-fields request is accepted. An unknown field is not
    invented: the form shows a typical value, and it is sent only if the user changes it (see apply_edits).
    Numbers are taken for the numeric what-if fields only: elsewhere a number may be a model feature that
    shares a raw field's name but is encoded (a Y/N flag as 0/1), which the API rightly refuses as a raw
    field. Fields left out are filled by the API from the client's bundled application row.
    """
    allowed = set(input_columns) if input_columns else set(CORE_APPLICATION_FIELDS)
    allowed.discard(ID_COLUMN)
    editable = {f.name for f in WHAT_IF_FIELDS} & allowed
    known: dict[str, Any] = {
        item.feature: item.value
        for item in client.contributions
        if item.feature in editable and _is_number(item.value)
    }
    for name, value in reference_row(reference, client.client_id).items():
        if name in allowed and (isinstance(value, str) or (name in editable and _is_number(value))):
            known[name] = value
    unknown = [f.name for f in WHAT_IF_FIELDS if f.name not in known]
    return known, unknown


def _numbers_where_possible(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells that read as numbers become numbers, even in a column with a bad cell.

    pandas reads a column holding one 'abc' as text, which would make every row of it a text value that the
    API refuses; converting the others keeps the refusal on the bad cell's row only.
    """
    result = frame.copy()
    for column in result.columns:
        if pd.api.types.is_numeric_dtype(result[column]):
            continue
        numbers = pd.to_numeric(result[column], errors="coerce")
        readable = numbers.notna() | result[column].isna()
        if readable.any() and not readable.all():
            cells = zip(numbers, readable, result[column], strict=True)
            result[column] = [n if ok else v for n, ok, v in cells]
    return result


def read_applicants(
    content: bytes, *, name: str, input_columns: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """Parse an uploaded CSV of applicants; keep SK_ID_CURR + model input columns, report the others."""
    try:
        frame = pd.read_csv(io.BytesIO(content))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{name}: not a readable CSV file ({exc})") from exc
    if ID_COLUMN not in frame.columns:
        raise InputFileError(
            f"{name}: column {ID_COLUMN} is required; got columns {list(frame.columns)[:10]}"
        )
    if frame.empty:
        raise InputFileError(f"{name}: no applicant rows; expected at least one row under the header")
    if len(frame) > BATCH_MAX_ROWS:
        raise InputFileError(
            f"{name}: {len(frame):,} rows; at most {BATCH_MAX_ROWS:,} rows can be scored at once"
        )
    ids = pd.to_numeric(frame[ID_COLUMN], errors="coerce")
    bad = ids.isna() | (ids != ids.round())
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        value = frame[ID_COLUMN].iloc[row]
        shown = value.item() if hasattr(value, "item") else value
        raise InputFileError(
            f"{name}: column {ID_COLUMN} must hold whole numbers; got {shown!r} on line {row + 2}"
        )
    frame[ID_COLUMN] = ids.astype("int64")
    frame = _numbers_where_possible(frame)
    allowed = set(input_columns) if input_columns else None
    dropped = [
        str(c)
        for c in frame.columns
        if c != ID_COLUMN and (c in _NEVER_SENT or (allowed is not None and c not in allowed))
    ]
    return frame.drop(columns=dropped), dropped


#: Plain headers of the batch results shown on screen (the CSV download keeps the API's own columns).
BATCH_HEADERS = {
    "SK_ID_CURR": "Client number",
    "decision": "Decision",
    "probability_default": "Estimated risk",
    "threshold": "Limit",
    "error": "Could not be scored because",
}


def _percent(value: Any) -> str:
    """A probability as a percentage for a table cell (empty when there is none)."""
    return "" if value is None or pd.isna(value) else f"{100 * float(value):.1f} %"


def batch_table(results: pd.DataFrame) -> pd.DataFrame:
    """The batch answers as an officer reads them: decision words, risks in %, plain headers, no 'None'."""
    words = {"accepted": "✔ Accepted", "refused": "✖ Refused"}
    return pd.DataFrame(
        {
            BATCH_HEADERS["SK_ID_CURR"]: results["SK_ID_CURR"].astype("int64"),
            BATCH_HEADERS["decision"]: [words.get(d, "– No decision") for d in results["decision"]],
            BATCH_HEADERS["probability_default"]: [_percent(p) for p in results["probability_default"]],
            BATCH_HEADERS["threshold"]: [_percent(t) for t in results["threshold"]],
            BATCH_HEADERS["error"]: [
                "" if e is None or pd.isna(e) else officer_error(str(e)) for e in results["error"]
            ],
        }
    )


#: Above this absolute correlation two features are two views of one variable (EXT_SOURCE_3 and the lowest
#: external score): a scatter of them shows a diagonal, not a comparison.
SAME_VARIABLE_CORRELATION = 0.8


def second_axis(reference: pd.DataFrame, features: Sequence[str]) -> str:
    """Default vertical axis: the most important feature that is not a near-copy of the first one."""
    first = features[0]
    for candidate in features[1:]:
        pair = reference[[first, candidate]].dropna()
        correlation = pair[first].corr(pair[candidate]) if len(pair) > 2 else 0.0
        if not pd.isna(correlation) and abs(correlation) < SAME_VARIABLE_CORRELATION:
            return candidate
    return features[min(1, len(features) - 1)]


def outcome_words(reference: pd.DataFrame) -> pd.Series:
    """What really happened to each reference client, in the words of the comparison charts."""
    return reference["TARGET"].map({0: "repaid", 1: "had difficulties"})

"""The client's file as a loan officer reads it: key application fields and history summaries, in units.

Values come from what the app can see without model code: the client's row of the reference sample (raw
application fields) and the model inputs the API returned with the explanation. A field that neither shows
is said to be "not available here", which is different from a value the client did not provide.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from streamlit_client.api import ClientScore
from streamlit_client.views import reference_row

_DAYS_PER_YEAR = 365.25
#: The source data's code for "not employed" in DAYS_EMPLOYED.
NOT_EMPLOYED_CODE = 365243
NOT_AVAILABLE = "not available here"


@dataclass(frozen=True)
class FileField:
    """One line of the client's file: the field, its plain label and how its value is written."""

    name: str
    label: str
    kind: str  # money | age | employment | score | count | history_count | share | text


APPLICATION_FIELDS = (
    FileField("AMT_INCOME_TOTAL", "Annual income", "money"),
    FileField("AMT_CREDIT", "Credit amount asked", "money"),
    FileField("AMT_ANNUITY", "Loan annuity (yearly repayment)", "money"),
    FileField("AMT_GOODS_PRICE", "Price of the goods financed", "money"),
    FileField("DAYS_BIRTH", "Age", "age"),
    FileField("DAYS_EMPLOYED", "Time in current job", "employment"),
    FileField("NAME_INCOME_TYPE", "Income type", "text"),
    FileField("NAME_FAMILY_STATUS", "Family status", "text"),
    FileField("CNT_FAM_MEMBERS", "Family size (people)", "count"),
    FileField("CNT_CHILDREN", "Children", "count"),
    FileField("EXT_SOURCE_1", "External score 1", "score"),
    FileField("EXT_SOURCE_2", "External score 2", "score"),
    FileField("EXT_SOURCE_3", "External score 3", "score"),
)
HISTORY_FIELDS = (
    FileField("PREV_COUNT", "Previous applications with us", "history_count"),
    FileField("REFUSED_COUNT", "… of which refused", "history_count"),
    FileField("BURO_COUNT", "Credits known to the credit bureau", "history_count"),
    FileField("ACTIVE_COUNT", "… of which still running", "history_count"),
    FileField("INSTAL_COUNT", "Instalments due on earlier loans", "history_count"),
    FileField("INSTAL_LATE_MEAN", "Instalments paid late or unpaid", "share"),
)


def file_values(client: ClientScore, reference: pd.DataFrame | None) -> dict[str, Any]:
    """Every value the app can show for the client: reference-sample row first, then the API's model inputs.

    Raw fields of the reference sample win (the model inputs of DAYS_EMPLOYED lose the "not employed" code).
    """
    values: dict[str, Any] = {c.feature: c.value for c in client.contributions}
    values.update(reference_row(reference, client.client_id))
    return values


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_field(field: FileField, values: Mapping[str, Any]) -> str:
    """The field's value in words and units; missing and not-available are worded, never shown as numbers."""
    if field.name not in values:
        return NOT_AVAILABLE
    value = values[field.name]
    if _missing(value):
        return "none on record" if field.kind == "history_count" else "not provided"
    if field.kind == "text" or isinstance(value, str):
        return str(value)
    number = float(value)
    if field.kind == "money":
        return f"{number:,.0f}"
    if field.kind == "age":
        return f"{abs(number) / _DAYS_PER_YEAR:.0f} years"
    if field.kind == "employment":
        return "not employed" if number > 0 else f"{abs(number) / _DAYS_PER_YEAR:.1f} years"
    if field.kind == "score":
        return f"{number:.2f} (scale 0 to 1)"
    if field.kind == "share":
        return f"{100 * number:.0f} %"
    return f"{number:,.0f}"


def file_lines(fields: tuple[FileField, ...], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value in words) for each field of a section of the file."""
    return [(f.label, format_field(f, values)) for f in fields]

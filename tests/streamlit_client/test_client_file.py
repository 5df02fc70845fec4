"""The client's file: each field in its unit; missing, none on record and not available told apart."""

from __future__ import annotations

import pandas as pd

from streamlit_client.api import ClientScore, Contribution
from streamlit_client.client_file import (
    APPLICATION_FIELDS,
    HISTORY_FIELDS,
    NOT_AVAILABLE,
    file_lines,
    file_values,
    format_field,
)


def _field(name: str):
    return next(f for f in (*APPLICATION_FIELDS, *HISTORY_FIELDS) if f.name == name)


def test_each_kind_of_field_is_written_in_its_unit() -> None:
    values = {
        "AMT_INCOME_TOTAL": 144000.0,
        "DAYS_BIRTH": -20717.0,
        "DAYS_EMPLOYED": -2941.0,
        "EXT_SOURCE_2": 0.7791,
        "CNT_FAM_MEMBERS": 3.0,
        "INSTAL_LATE_MEAN": 0.25,
        "NAME_FAMILY_STATUS": "Married",
    }
    written = {name: format_field(_field(name), values) for name in values}
    assert written == {
        "AMT_INCOME_TOTAL": "144,000",
        "DAYS_BIRTH": "57 years",
        "DAYS_EMPLOYED": "8.1 years",
        "EXT_SOURCE_2": "0.78 (scale 0 to 1)",
        "CNT_FAM_MEMBERS": "3",
        "INSTAL_LATE_MEAN": "25 %",
        "NAME_FAMILY_STATUS": "Married",
    }


def test_missing_not_employed_none_on_record_and_not_available_are_worded() -> None:
    values = {"EXT_SOURCE_1": None, "DAYS_EMPLOYED": 365243.0, "BURO_COUNT": float("nan")}
    assert format_field(_field("EXT_SOURCE_1"), values) == "not provided"
    assert format_field(_field("DAYS_EMPLOYED"), values) == "not employed"
    assert format_field(_field("BURO_COUNT"), values) == "none on record"
    assert format_field(_field("AMT_CREDIT"), values) == NOT_AVAILABLE


def test_the_reference_row_wins_over_the_model_inputs_of_the_answer() -> None:
    # the model input of DAYS_EMPLOYED has lost the "not employed" code; the raw field still has it
    client = ClientScore(
        7, 0.1, 0.2, "accepted", "1", -2.0,
        (Contribution("DAYS_EMPLOYED", "Time in current job", None, 0.1),
         Contribution("PREV_COUNT", "Previous applications", 4.0, -0.1)),
        None,
    )  # fmt: skip
    reference = pd.DataFrame({"SK_ID_CURR": [7, 8], "DAYS_EMPLOYED": [365243, -10], "AMT_CREDIT": [5e5, 1.0]})
    values = file_values(client, reference)
    lines = dict(file_lines(APPLICATION_FIELDS, values)) | dict(file_lines(HISTORY_FIELDS, values))
    assert lines["Time in current job"] == "not employed"
    assert lines["Credit amount asked"] == "500,000"
    assert lines["Previous applications with us"] == "4"

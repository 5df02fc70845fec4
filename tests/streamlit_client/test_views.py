"""Pure helpers behind the pages: labels, client values, what-if fields, uploaded applicants."""

from __future__ import annotations

import pandas as pd
import pytest

from streamlit_client.api import ClientScore, Contribution
from streamlit_client.errors import InputFileError
from streamlit_client.views import (
    WHAT_IF_FIELDS,
    WhatIfField,
    apply_edits,
    client_values,
    feature_labels,
    plain_label,
    read_applicants,
    what_if_defaults,
)


def _client(client_id: int, *contributions: Contribution) -> ClientScore:
    return ClientScore(client_id, 0.2, 0.5, "accepted", "1", -2.0, contributions, None)


def test_plain_label_drops_the_days_wording_for_values_shown_in_years() -> None:
    assert plain_label("DAYS_BIRTH", "Age (days before application)") == "Age"
    assert (
        plain_label("DAYS_REGISTRATION", "Days since registration changed")
        == "Time since registration changed"
    )
    assert plain_label("AMT_CREDIT", "Credit amount") == "Credit amount"


def test_feature_labels_prefer_the_importance_labels() -> None:
    importance = pd.DataFrame({"feature": ["DAYS_BIRTH"], "label": ["Age (days before application)"]})
    reference = pd.DataFrame({"DAYS_BIRTH": [1], "EXT_SOURCE_2": [0.5]})
    assert feature_labels(importance, reference) == {"DAYS_BIRTH": "Age", "EXT_SOURCE_2": "EXT_SOURCE_2"}


def test_client_values_take_the_api_values_over_the_reference_row() -> None:
    reference = pd.DataFrame({"SK_ID_CURR": [7, 8], "a": [1.0, 2.0], "b": [3.0, None], "c": ["x", "y"]})
    client = _client(7, Contribution("a", "A", 10.0, 0.1), Contribution("d", "D", None, 0.1))
    assert client_values(client, reference) == {"a": 10.0, "b": 3.0}
    assert client_values(_client(9), reference) == {}


def test_what_if_field_converts_days_to_years_and_back() -> None:
    field = WhatIfField("DAYS_EMPLOYED", "Time in current job", "years", 0.5, -1500.0, in_days=True)
    assert field.to_shown(-730.5) == pytest.approx(2.0)
    assert field.from_shown(2.0) == -730
    assert field.to_shown(None) == pytest.approx(1500 / 365.25)


def test_what_if_defaults_use_known_values_and_report_the_typical_ones() -> None:
    reference = pd.DataFrame(
        {
            "SK_ID_CURR": [7],
            "AMT_INCOME_TOTAL": [90000.0],
            "NAME_CONTRACT_TYPE": ["Cash loans"],
            "FLAG_OWN_CAR": [0.0],  # a top feature of the sample: the encoded flag, not the raw Y/N field
            "EXT_X": [1.0],
        }
    )
    client = _client(7, Contribution("AMT_CREDIT", "Credit amount", 300000.0, 0.2))
    allowed = [
        "SK_ID_CURR",
        "AMT_INCOME_TOTAL",
        "AMT_CREDIT",
        "AMT_ANNUITY",
        "NAME_CONTRACT_TYPE",
        "FLAG_OWN_CAR",
        "DAYS_EMPLOYED",
    ]
    fields, typical = what_if_defaults(client, reference, allowed)
    assert fields["AMT_INCOME_TOTAL"] == 90000.0
    assert fields["AMT_CREDIT"] == 300000.0
    assert fields["NAME_CONTRACT_TYPE"] == "Cash loans"
    assert "EXT_X" not in fields and "SK_ID_CURR" not in fields  # not a model input / sent separately
    assert "FLAG_OWN_CAR" not in fields  # encoded value never sent as the raw field; the API fills it in
    assert typical == ["AMT_ANNUITY", "AMT_GOODS_PRICE", "DAYS_EMPLOYED", "EXT_SOURCE_2", "EXT_SOURCE_3"]
    assert "DAYS_EMPLOYED" not in fields  # unknown stays unknown: no invented value is sent


def test_apply_edits_sends_only_the_fields_the_user_changed() -> None:
    base = {"AMT_CREDIT": 300000.0, "DAYS_EMPLOYED": 365243, "NAME_CONTRACT_TYPE": "Cash loans"}
    shown = {f.name: f.to_shown(base.get(f.name)) for f in WHAT_IF_FIELDS}
    assert shown["DAYS_EMPLOYED"] == 0.0  # the source's "not employed" code is shown as 0 years
    assert apply_edits(base, shown) == base  # nothing changed: raw values kept, unknown fields not invented
    shown["AMT_CREDIT"] = 450000.0
    shown["DAYS_EMPLOYED"] = 2.0
    shown["EXT_SOURCE_2"] = 0.7
    assert apply_edits(base, shown) == {
        "AMT_CREDIT": 450000.0,
        "DAYS_EMPLOYED": -730,
        "NAME_CONTRACT_TYPE": "Cash loans",
        "EXT_SOURCE_2": 0.7,
    }


def test_read_applicants_keeps_model_inputs_and_reports_the_other_columns() -> None:
    content = b"SK_ID_CURR,AMT_CREDIT,TARGET,FOO\n100001,1000.5,0,x\n100002,,1,y\n"
    frame, dropped = read_applicants(content, name="a.csv", input_columns=["SK_ID_CURR", "AMT_CREDIT"])
    assert dropped == ["TARGET", "FOO"]
    assert list(frame.columns) == ["SK_ID_CURR", "AMT_CREDIT"]
    assert frame["SK_ID_CURR"].tolist() == [100001, 100002]
    frame, dropped = read_applicants(content, name="a.csv", input_columns=None)
    assert dropped == ["TARGET"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"ID,AMT_CREDIT\n1,2\n",
            r"a.csv: column SK_ID_CURR is required; got columns \['ID', 'AMT_CREDIT'\]",
        ),
        (b"SK_ID_CURR\n", "a.csv: no applicant rows"),
        (b"SK_ID_CURR\n1\nabc\n", "a.csv: column SK_ID_CURR must hold whole numbers; got 'abc' on line 3"),
        (b"SK_ID_CURR\n1.5\n", "a.csv: column SK_ID_CURR must hold whole numbers; got 1.5 on line 2"),
        (b"", "a.csv: not a readable CSV file"),
    ],
)
def test_read_applicants_names_the_file_column_and_line(content: bytes, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        read_applicants(content, name="a.csv", input_columns=None)

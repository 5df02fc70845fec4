"""Request validation: by-id vs raw rows, and a precise RequestError for every malformed request."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model.errors import RequestError
from custom_model.request import RAW_COLUMN_NAMES, parse_params, parse_request


def test_rows_with_only_an_id_are_by_id_and_rows_with_any_field_are_raw() -> None:
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": [1, 2, 3],
            "AMT_CREDIT": [None, 1000.0, None],
            "NAME_CONTRACT_TYPE": [None, None, "Cash loans"],
        }
    )
    request = parse_request(frame)
    assert request.ids.tolist() == [1, 2, 3]
    assert request.ids.dtype == np.int64
    assert request.is_raw.tolist() == [False, True, True]
    assert request.raw["SK_ID_CURR"].tolist() == [2, 3]
    assert list(request.raw.columns) == ["SK_ID_CURR", *RAW_COLUMN_NAMES]
    assert request.raw["AMT_CREDIT"].tolist()[0] == 1000.0
    assert np.isnan(request.raw["AMT_CREDIT"].tolist()[1])
    assert request.raw["NAME_CONTRACT_TYPE"].tolist() == [None, "Cash loans"]
    assert np.isnan(request.raw["EXT_SOURCE_2"]).all()


def test_only_ids_gives_no_raw_rows() -> None:
    request = parse_request(pd.DataFrame({"SK_ID_CURR": [7, 7]}))
    assert request.is_raw.tolist() == [False, False]
    assert request.raw is None


def test_pandas_missing_markers_and_extension_dtypes_mean_missing() -> None:
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": pd.array([1, 2], dtype="Int64"),
            "CNT_CHILDREN": pd.array([pd.NA, 2], dtype="Int64"),
            "CODE_GENDER": pd.array([pd.NA, "F"], dtype="string"),
            "AMT_CREDIT": pd.Series([pd.NA, 5.0], dtype=object),
        }
    )
    request = parse_request(frame)
    assert request.is_raw.tolist() == [False, True]
    assert request.raw["CNT_CHILDREN"].tolist() == [2.0]
    assert request.raw["CODE_GENDER"].tolist() == ["F"]
    assert request.raw["AMT_CREDIT"].tolist() == [5.0]


def test_integral_float_ids_are_accepted() -> None:
    assert parse_request(pd.DataFrame({"SK_ID_CURR": [100001.0]})).ids.tolist() == [100001]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"SK_ID_CURR": []}), "empty request"),
        (pd.DataFrame({"AMT_CREDIT": [1.0]}), r"column SK_ID_CURR is required.*AMT_CREDIT"),
        (pd.DataFrame({"SK_ID_CURR": [1], "TARGET": [0]}), r"unknown column\(s\) \['TARGET'\]"),
        (
            pd.DataFrame({"SK_ID_CURR": [1, 2], "AMT_CREDTI": [1.0, 2.0]}),
            r"unknown column\(s\) \['AMT_CREDTI'\]",
        ),
        (pd.DataFrame({"SK_ID_CURR": [1, 2.5]}), r"SK_ID_CURR must hold integers; got 2\.5 .* on row 1"),
        (pd.DataFrame({"SK_ID_CURR": [1, None]}), r"SK_ID_CURR must hold integers; got null on row 1"),
        (pd.DataFrame({"SK_ID_CURR": [1, "2"]}), r"SK_ID_CURR must hold integers; got '2' \(text\) on row 1"),
        (pd.DataFrame({"SK_ID_CURR": [True]}), r"SK_ID_CURR must hold integers"),
        (
            pd.DataFrame({"SK_ID_CURR": [1, 2], "AMT_CREDIT": [1.0, "abc"]}),
            r"column AMT_CREDIT must be a number or null; got 'abc' \(text\) on row 1",
        ),
        (
            pd.DataFrame({"SK_ID_CURR": [1, 2], "AMT_CREDIT": [1.0, np.inf]}),
            r"column AMT_CREDIT must be a finite number or null; got inf on row 1",
        ),
        (
            pd.DataFrame({"SK_ID_CURR": [1], "AMT_CREDIT": [-np.inf]}),
            r"column AMT_CREDIT must be a finite number",
        ),
        (
            pd.DataFrame({"SK_ID_CURR": [1], "CNT_CHILDREN": [1.5]}),
            r"column CNT_CHILDREN must be a whole number or null; got 1\.5 on row 0",
        ),
        (
            pd.DataFrame({"SK_ID_CURR": [1], "FLAG_MOBIL": [True]}),
            r"column FLAG_MOBIL must be a number or null",
        ),
        (
            pd.DataFrame({"SK_ID_CURR": [1, 2], "CODE_GENDER": ["F", 3]}),
            r"column CODE_GENDER must be text or null; got 3 \(int\) on row 1",
        ),
        (
            pd.DataFrame({"SK_ID_CURR": [1], "CODE_GENDER": [3.0]}),
            r"column CODE_GENDER must be text or null",
        ),
        (
            pd.DataFrame([[1, 2]], columns=["SK_ID_CURR", "SK_ID_CURR"]),
            r"columns must be unique; got SK_ID_CURR more than once",
        ),
    ],
)
def test_malformed_requests_name_the_column_row_and_expectation(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        parse_request(frame)


def test_params_defaults_and_values() -> None:
    assert parse_params(None) == (True, 5)
    assert parse_params({"explain": False, "top_k": 3}) == (False, 3)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"top_k": 0}, "top_k must be an integer from 1 to 100; got 0"),
        ({"top_k": 101}, "got 101"),
        ({"top_k": 2.5}, "got 2.5"),
        ({"top_k": True}, "got True"),
        ({"explain": "yes"}, "explain must be true or false; got 'yes'"),
    ],
)
def test_bad_params_are_refused(params: dict, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        parse_params(params)

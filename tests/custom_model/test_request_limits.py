"""Request limits of custom_model/request.py: id range, row cap, per-row plausibility errors and warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model.contract import MAX_ROWS_PER_REQUEST
from custom_model.errors import RequestError
from custom_model.request import ID_MAX, check_explanation_budget, check_row_count, parse_request


@pytest.mark.parametrize(
    ("ids", "shown"),
    [
        ([1, 2**63], "9223372036854775808 on row 1"),  # uint64 column
        ([2**64], "18446744073709551616 on row 0"),  # Python ints (object column)
        ([1.0, 1e20], "1e+20 on row 1"),
        ([2.0**63], "9.223372036854776e+18 on row 0"),
        ([-1], "-1 on row 0"),
        ([5, -(2**63)], "-9223372036854775808 on row 1"),
        (pd.Series([1, 10**30], dtype=object), "1000000000000000000000000000000 on row 1"),
    ],
)
def test_ids_outside_the_non_negative_int64_range_are_refused(ids: list, shown: str) -> None:
    with pytest.raises(RequestError, match=r"SK_ID_CURR must be from 0 to 9223372036854775807") as caught:
        parse_request(pd.DataFrame({"SK_ID_CURR": ids}))
    assert str(caught.value).endswith(f"got {shown}")


def test_the_largest_int64_id_is_kept_exactly() -> None:
    request = parse_request(pd.DataFrame({"SK_ID_CURR": pd.Series([0, ID_MAX], dtype=object)}))
    assert request.ids.tolist() == [0, ID_MAX]


def test_row_cap_is_checked_first_and_names_the_cap_and_batch_scoring() -> None:
    frame = pd.DataFrame({"SK_ID_CURR": np.arange(MAX_ROWS_PER_REQUEST + 1), "BAD COLUMN": 1})
    with pytest.raises(RequestError) as caught:
        parse_request(frame, max_rows=MAX_ROWS_PER_REQUEST)
    message = str(caught.value)
    assert message.startswith("too many rows: 10,001 in one request; the API scores at most 10,000 rows")
    assert "spark_udf" in message
    assert len(parse_request(frame.drop(columns="BAD COLUMN")).ids) == MAX_ROWS_PER_REQUEST + 1  # no cap
    check_row_count(MAX_ROWS_PER_REQUEST)


def test_rows_outside_their_domain_get_an_error_naming_field_value_and_range() -> None:
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": [1, 2, 3, 4, 5],
            "DAYS_BIRTH": [-15000, 365, -15000, None, -15000],
            "AMT_INCOME_TOTAL": [1e5, 1e30, 1e5, 1e5, None],
            "EXT_SOURCE_2": [0.5, 0.5, 5.0, None, 0.5],
            "AMT_CREDIT": [5e5, 5e5, 5e5, 1.7e308, -1e6],
        }
    )
    request = parse_request(frame)
    assert request.errors[0] is None
    assert request.errors[1] == (
        "implausible input, not scored: DAYS_BIRTH must be from -36525 to -6574.5 (age 18 to 100 years); "
        "got 365.0; AMT_INCOME_TOTAL must be from 0 to 1e+9 (an amount ≥ 0 below the ceiling); got 1e+30"
    )
    assert "EXT_SOURCE_2 must be from 0 to 1 (a normalised value); got 5.0" in request.errors[2]
    assert "AMT_CREDIT must be from 0 to 1e+9" in request.errors[3] and "got 1.7e+308" in request.errors[3]
    assert "got -1000000.0" in request.errors[4]
    assert request.warnings == (None,) * 5


def test_many_bad_fields_in_one_row_list_three() -> None:
    scores = {f"EXT_SOURCE_{i}": [9.0] for i in (1, 2, 3)}
    frame = pd.DataFrame({"SK_ID_CURR": [1], **scores, "FLAG_MOBIL": [7]})
    assert parse_request(frame).errors[0].endswith("(and 1 more)")


def test_unknown_levels_are_warnings_not_errors() -> None:
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": [1, 2, 3],
            "NAME_CONTRACT_TYPE": ["Cash loans", "cash", "Ünïcødé \u202e junk"],
            "CODE_GENDER": [None, "F", "x" * 1_000_000],
        }
    )
    request = parse_request(frame)
    assert request.errors == (None, None, None)
    assert request.warnings[0] is None
    assert request.warnings[1] == (
        "NAME_CONTRACT_TYPE: unknown level 'cash' scored as missing; expected one of 'Cash loans', "
        "'Revolving loans'"
    )
    assert "CODE_GENDER: unknown level 'xxx" in request.warnings[2] and len(request.warnings[2]) < 400


def test_error_messages_cut_long_values_and_names() -> None:
    long_text = "y" * 1_000_000
    with pytest.raises(RequestError) as caught:
        parse_request(pd.DataFrame({"SK_ID_CURR": [1], "AMT_CREDIT": [long_text]}))
    assert len(str(caught.value)) < 200
    with pytest.raises(RequestError) as caught:
        parse_request(pd.DataFrame({"SK_ID_CURR": [1], long_text: [1.0]}))
    assert "unknown column(s)" in str(caught.value) and len(str(caught.value)) < 300


def test_explanations_per_request_are_bounded_by_rows_times_top_k() -> None:
    check_explanation_budget(10_000, 5)
    check_explanation_budget(500, 100)
    with pytest.raises(RequestError) as caught:
        check_explanation_budget(10_000, 100)
    assert str(caught.value) == (
        "too many explanations: 10,000 rows × top_k 100 = 1,000,000 reasons each way; at most 50,000 per "
        "request. Lower top_k (at most 5 for 10,000 rows), send fewer rows, or set explain to false"
    )

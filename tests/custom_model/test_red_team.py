"""Red-team list against the real server: every hostile or broken request gets a clear 4xx or per-row error.

One real `mlflow models serve` for the module (tiny model built by the real feature and preprocessing code).
A refused request must answer 4xx with our short message (no stack trace, no echo of the input); an
implausible row must come back with an error naming the field, the value and the valid range, and no score;
an unknown category level is scored as missing with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from custom_model.contract import (
    MAX_MESSAGE_CHARS,
    MAX_REQUEST_BYTES,
    MAX_ROWS_PER_REQUEST,
    PREDICTION_LOG_DISABLED,
    PREDICTION_LOG_ENV,
    model_uri,
)
from tests.support.registered import register_champion
from tests.support.scoring_data import build_tiny_scoring
from tests.support.server import model_server

pytestmark = pytest.mark.slow

#: A plausible new applicant (unknown id, so scored from these fields only).
APPLICANT = {
    "SK_ID_CURR": 999_000_001,
    "AMT_INCOME_TOTAL": 135_000.0,
    "AMT_CREDIT": 568_800.0,
    "AMT_ANNUITY": 20_560.5,
    "EXT_SOURCE_2": 0.79,
    "DAYS_BIRTH": -19_241,
}
JSON = "application/json"
#: An answer to a refused request stays this small whatever the request (the message cap plus the envelope).
MAX_REFUSAL_BYTES = MAX_MESSAGE_CHARS + 300


@dataclass(frozen=True)
class Served:
    url: str
    known_id: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("red_team")
    tiny = build_tiny_scoring(seed=4)
    tracking_uri = register_champion(tiny.artifacts, folder)
    env = {PREDICTION_LOG_ENV: PREDICTION_LOG_DISABLED}
    with model_server(model_uri(), tracking_uri, env=env, cwd=folder) as url:
        yield Served(url, int(tiny.production_ids[0]))


def records(*rows: dict, **params: Any) -> dict:
    return {"dataframe_records": list(rows), **({"params": params} if params else {})}


def split(*rows: dict) -> dict:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return {"dataframe_split": {"columns": columns, "data": [[row.get(c) for c in columns] for row in rows]}}


def _post(served: Served, body: dict | bytes | str, content_type: str | None = JSON) -> requests.Response:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": content_type} if content_type else {}
    session = requests.Session()
    request = requests.Request("POST", f"{served.url}/invocations", data=data, headers=headers).prepare()
    if content_type is None:
        request.headers.pop("Content-Type", None)
    return session.send(request, timeout=120)


def assert_refused(response: requests.Response, fragment: str, *, status: int = 400) -> None:
    """A 4xx with our message: short, no stack trace."""
    assert response.status_code == status, response.text[:500]
    assert len(response.content) <= MAX_REFUSAL_BYTES, len(response.content)
    assert "Traceback" not in response.text and "stack_trace" not in response.text
    if status == 400:
        payload = response.json()
        assert payload["error_code"] in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST")
        assert fragment in payload["message"], payload["message"]
    else:
        assert fragment in response.text


def answer_rows(response: requests.Response) -> list[dict]:
    assert response.status_code == 200, response.text[:500]
    return response.json()["predictions"]


# --- requests refused as a whole --------------------------------------------------------------------------
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_CELL = b'{"dataframe_records": [{"SK_ID_CURR": 1, "AMT_CREDIT": ' + b"[" * 5_000 + b"]" * 5_000 + b"}]}"
LONG = "x" * 1_000_000
REFUSED: list[Any] = [
    # missing id
    pytest.param(split({"AMT_CREDIT": 1.0}), "column SK_ID_CURR is required", id="split-no-id-column"),
    pytest.param(records({"AMT_CREDIT": 1.0}), "column SK_ID_CURR is required", id="records-no-id-key"),
    pytest.param(
        records({"SK_ID_CURR": 1}, {"AMT_CREDIT": 2.0}), "got null on row 1", id="records-one-id-missing"
    ),
    pytest.param(records({"SK_ID_CURR": None}), "SK_ID_CURR must hold integers; got null", id="id-null"),
    pytest.param(records({}), "column SK_ID_CURR is required", id="records-empty-row"),
    # bad types
    pytest.param(records({"SK_ID_CURR": "abc"}), "got 'abc' (text) on row 0", id="id-text"),
    pytest.param(records({"SK_ID_CURR": "100001"}), "got '100001' (text)", id="id-numeric-text"),
    pytest.param(records({"SK_ID_CURR": 1.5}), "SK_ID_CURR must hold integers", id="id-fraction"),
    pytest.param(records({"SK_ID_CURR": True}), "SK_ID_CURR must hold integers", id="id-boolean"),
    pytest.param(records({"SK_ID_CURR": [1]}), "SK_ID_CURR must hold integers", id="id-list"),
    pytest.param(records({"SK_ID_CURR": {"a": 1}}), "SK_ID_CURR must hold integers", id="id-object"),
    pytest.param(
        records({**APPLICANT, "AMT_CREDIT": "a lot"}), "AMT_CREDIT must be a number or null", id="number-text"
    ),
    pytest.param(
        records({**APPLICANT, "AMT_CREDIT": "1000"}), "AMT_CREDIT must be a number", id="number-as-text"
    ),
    pytest.param(
        records({**APPLICANT, "AMT_CREDIT": True}), "AMT_CREDIT must be a number", id="number-boolean"
    ),
    pytest.param(
        records({**APPLICANT, "CODE_GENDER": 1}), "CODE_GENDER must be text or null", id="text-number"
    ),
    pytest.param(
        records({**APPLICANT, "CNT_CHILDREN": 1.5}), "CNT_CHILDREN must be a whole number", id="int-fraction"
    ),
    # NaN / inf
    pytest.param(
        b'{"dataframe_records": [{"SK_ID_CURR": 1, "AMT_CREDIT": Infinity}]}',
        "AMT_CREDIT must be a finite number or null; got inf on row 0",
        id="infinity",
    ),
    pytest.param(
        b'{"dataframe_records": [{"SK_ID_CURR": 1, "AMT_CREDIT": -Infinity}]}',
        "AMT_CREDIT must be a finite number",
        id="minus-infinity",
    ),
    pytest.param(
        b'{"dataframe_records": [{"SK_ID_CURR": NaN}]}', "holds NaN, which is not JSON", id="id-nan"
    ),
    pytest.param(
        b'{"dataframe_records": [{"SK_ID_CURR": 1, "AMT_CREDIT": NaN}]}',
        "send null for a missing",
        id="field-nan",
    ),
    # extra columns
    pytest.param(
        records({**APPLICANT, "AMT_CREDTI": 5.0}), "unknown column(s) ['AMT_CREDTI']", id="unknown-column"
    ),
    pytest.param(records({"SK_ID_CURR": 1, "TARGET": 1}), "unknown column(s) ['TARGET']", id="target-column"),
    pytest.param(records({"SK_ID_CURR": 1, "SK_ID_BUREAU": 5}), "unknown column(s)", id="other-id-column"),
    pytest.param(
        {"dataframe_split": {"columns": ["SK_ID_CURR", "SK_ID_CURR"], "data": [[1, 1]]}},
        "columns must be unique",
        id="duplicated-column",
    ),
    pytest.param(
        {**records({"SK_ID_CURR": 1}), "extra": 1}, "got keys ['dataframe_records', 'extra']", id="extra-key"
    ),
    # empty
    pytest.param({}, "exactly one of dataframe_split or dataframe_records", id="empty-object"),
    pytest.param(b"", "not valid JSON", id="empty-body"),
    pytest.param(records(), "empty request", id="records-empty"),
    pytest.param(
        {"dataframe_split": {"columns": ["SK_ID_CURR"], "data": []}}, "empty request", id="split-empty"
    ),
    pytest.param({"dataframe_split": {"columns": [], "data": []}}, "empty request", id="split-no-columns"),
    # not JSON
    pytest.param(b"{not json", "not valid JSON: Expecting property name", id="not-json"),
    pytest.param(b"<request><id>1</id></request>", "not valid JSON", id="xml"),
    pytest.param(bytes(range(256)) * 4, "not valid", id="binary"),
    pytest.param(
        b'{"dataframe_records": [{"SK_ID_CURR": 1, "X": "\xff"}]}', "not valid UTF-8", id="bad-utf8"
    ),
    pytest.param(b'"hello"', "got a string", id="json-string"),
    pytest.param(b"[1, 2]", "got a list", id="json-list"),
    pytest.param(b"42", "got a number", id="json-number"),
    pytest.param(b"null", "got a null", id="json-null"),
    pytest.param(b'{"dataframe_records": [{"SK_ID_CURR": 1}]', "not valid JSON", id="truncated-json"),
    # both formats, other formats
    pytest.param(
        {**split({"SK_ID_CURR": 1}), **records({"SK_ID_CURR": 1})}, "exactly one of", id="both-formats"
    ),
    pytest.param({"instances": [{"SK_ID_CURR": 1}]}, "got keys ['instances']", id="instances"),
    pytest.param({"inputs": {"SK_ID_CURR": [1]}}, "got keys ['inputs']", id="inputs"),
    # length mismatch and broken table shapes
    pytest.param(
        {"dataframe_split": {"columns": ["SK_ID_CURR", "AMT_CREDIT"], "data": [[1]]}},
        "2 columns passed, passed data had 1 columns",
        id="split-row-too-short",
    ),
    pytest.param(
        {"dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[1, 2]]}},
        "1 columns passed, passed data had 2 columns",
        id="split-row-too-long",
    ),
    pytest.param(
        {"dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[1], [2, 3]]}}, "columns", id="split-ragged"
    ),
    pytest.param(
        {"dataframe_split": {"columns": "SK_ID_CURR", "data": [[1]]}},
        "not a valid dataframe representation",
        id="split-columns-text",
    ),
    pytest.param(
        {"dataframe_split": {"columns": ["SK_ID_CURR"], "data": 5}},
        "not a valid dataframe representation",
        id="split-data-number",
    ),
    pytest.param({"dataframe_split": [1, 2]}, "split format must be a dictionary", id="split-not-object"),
    pytest.param({"dataframe_records": 5}, "records format must be a list", id="records-not-list"),
    pytest.param({"dataframe_records": [[1, 2]]}, "invalid", id="records-of-lists"),
    pytest.param({"dataframe_records": [1, 2]}, "invalid", id="records-of-numbers"),
    # bad params
    pytest.param(
        records({"SK_ID_CURR": 1}, top_k=0), "top_k must be an integer from 1 to 100; got 0", id="top-k-0"
    ),
    pytest.param(records({"SK_ID_CURR": 1}, top_k=101), "from 1 to 100; got 101", id="top-k-101"),
    pytest.param(records({"SK_ID_CURR": 1}, top_k=10**30), "top_k", id="top-k-huge"),
    pytest.param(records({"SK_ID_CURR": 1}, top_k="5"), "top_k", id="top-k-text"),
    pytest.param(records({"SK_ID_CURR": 1}, top_k=2.5), "top_k", id="top-k-fraction"),
    pytest.param(records({"SK_ID_CURR": 1}, explain="yes"), "explain", id="explain-text"),
    pytest.param(records({"SK_ID_CURR": 1}, explain=[True]), "explain", id="explain-list"),
    pytest.param(
        records({"SK_ID_CURR": 1}, thresold=0.5), "unknown param(s) ['thresold']", id="unknown-param"
    ),
    pytest.param(
        {**records({"SK_ID_CURR": 1}), "params": 5}, "params must be a JSON object", id="params-number"
    ),
    pytest.param(
        {**records({"SK_ID_CURR": 1}), "params": [1]}, "params must be a JSON object", id="params-list"
    ),
    # oversize
    pytest.param(
        split(*({"SK_ID_CURR": i} for i in range(MAX_ROWS_PER_REQUEST + 1))),
        "too many rows: 10,001 in one request; the API scores at most 10,000 rows per request",
        id="rows-over-cap-split",
    ),
    pytest.param(
        records(*({"SK_ID_CURR": i} for i in range(MAX_ROWS_PER_REQUEST + 1))),
        "or score the whole table offline with batch scoring",
        id="rows-over-cap-records",
    ),
    pytest.param(
        b"{" + b" " * MAX_REQUEST_BYTES + b"}", "exceeds the limit of 67,108,864 bytes", id="body-over-cap"
    ),
    pytest.param(b"x" * 50_000_000, "not valid JSON", id="50mb-not-json"),
    pytest.param(
        records({**APPLICANT, "AMT_CREDIT": LONG}), "(1,000,002 characters) (text)", id="1mb-in-number"
    ),
    pytest.param(records({"SK_ID_CURR": 1, LONG: 1}), "unknown column(s)", id="1mb-column-name"),
    pytest.param(records({"SK_ID_CURR": LONG}), "SK_ID_CURR must hold integers", id="1mb-id"),
    # nested
    pytest.param(DEEP, "JSON nested too deeply", id="100k-deep-json"),
    pytest.param(DEEP_CELL, "JSON nested too deeply", id="deep-json-in-a-cell"),
    pytest.param(records({**APPLICANT, "AMT_CREDIT": [1, 2]}), "got [1, 2] (list)", id="cell-list"),
    pytest.param(records({**APPLICANT, "AMT_CREDIT": {"v": 1}}), "(dict)", id="cell-object"),
    pytest.param(
        records({**APPLICANT, "CODE_GENDER": ["F"]}), "CODE_GENDER must be text", id="text-cell-list"
    ),
    pytest.param(
        records({**APPLICANT, "AMT_CREDIT": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}),
        "(list)",
        id="cell-nested-list",
    ),
    # unicode outside values
    pytest.param(
        records({"SK_ID_CURR": 1, "AMT_CRÉDIT": 5.0}), "unknown column(s) ['AMT_CRÉDIT']", id="unicode-name"
    ),
    pytest.param(records({"SK_ID_CURR": "１２３"}), "SK_ID_CURR must hold integers", id="unicode-digits-id"),
    # ids outside int64
    pytest.param(records({"SK_ID_CURR": 2**63}), "got 9223372036854775808 on row 0", id="id-2-pow-63"),
    pytest.param(
        split({"SK_ID_CURR": 2**63}), "must be from 0 to 9223372036854775807", id="id-2-pow-63-split"
    ),
    pytest.param(records({"SK_ID_CURR": 1e20}), "got 1e+20 on row 0", id="id-1e20"),
    pytest.param(
        records({"SK_ID_CURR": 2**64 + 1}), "must be from 0 to 9223372036854775807", id="id-2-pow-64"
    ),
    pytest.param(records({"SK_ID_CURR": -1}), "must be from 0 to", id="id-negative"),
    pytest.param(records({"SK_ID_CURR": -(2**63) - 1}), "must be from 0 to", id="id-below-int64"),
    pytest.param(records({**APPLICANT, "SK_ID_CURR": 2**63}), "must be from 0 to", id="raw-row-id-2-pow-63"),
]


@pytest.mark.parametrize("body, fragment", REFUSED)
def test_broken_requests_are_refused_with_a_short_clear_400(served: Served, body: Any, fragment: str) -> None:
    assert_refused(_post(served, body), fragment)


@pytest.mark.parametrize(
    ("content_type", "body", "status", "fragment"),
    [
        pytest.param("text/plain", records({"SK_ID_CURR": 1}), 415, "only supports", id="text-plain"),
        pytest.param("application/xml", b"<a/>", 415, "only supports", id="xml"),
        pytest.param(
            None, records({"SK_ID_CURR": 1}), 415, "Content-Type header required", id="no-content-type"
        ),
        pytest.param("application/json; charset=latin-1", b"{}", 415, "only supports UTF-8", id="charset"),
        pytest.param("application/json; foo=bar", b"{}", 415, "Unrecognized content type", id="parameter"),
        pytest.param(
            "text/csv", b'SK_ID_CURR,AMT_CREDIT\n1,2,3,4\n"', 400, "Failed to parse", id="broken-csv"
        ),
        pytest.param(
            "text/csv", json.dumps(records({"SK_ID_CURR": 1})).encode(), 400, "empty", id="json-as-csv"
        ),
        pytest.param("text/csv", b"SK_ID_CURR\nabc\n", 400, "SK_ID_CURR must hold integers", id="csv-bad-id"),
        pytest.param("application/vnd.apache.parquet", b"PAR1 junk", 400, "Parquet", id="broken-parquet"),
    ],
)
def test_wrong_content_types_are_refused(
    served: Served, content_type: str | None, body: Any, status: int, fragment: str
) -> None:
    assert_refused(_post(served, body, content_type), fragment, status=status)


# --- rows answered with a per-row error and no score: one rule each, in both request formats --------------
IMPLAUSIBLE = [
    ("DAYS_BIRTH", 10, "DAYS_BIRTH must be from -36525 to -6574.5 (age 18 to 100 years); got 10.0"),
    ("DAYS_BIRTH", -3650, "got -3650.0"),  # 10 years old
    ("DAYS_BIRTH", -43830, "got -43830.0"),  # 120 years old
    ("DAYS_EMPLOYED", 100, "DAYS_EMPLOYED must be from -36525 to 0 (days before the application), or 365243"),
    ("DAYS_EMPLOYED", -40_000, "got -40000.0"),
    ("DAYS_REGISTRATION", 5.0, "DAYS_REGISTRATION must be from -36525 to 0"),
    ("DAYS_ID_PUBLISH", 1, "DAYS_ID_PUBLISH must be from -36525 to 0"),
    ("DAYS_LAST_PHONE_CHANGE", 3.0, "DAYS_LAST_PHONE_CHANGE"),
    (
        "AMT_INCOME_TOTAL",
        1e30,
        "AMT_INCOME_TOTAL must be from 0 to 1e+9 (an amount ≥ 0 below the ceiling); got 1e+30",
    ),
    ("AMT_INCOME_TOTAL", -1.0, "got -1.0"),
    ("AMT_CREDIT", -1e6, "AMT_CREDIT must be from 0 to 1e+9"),
    ("AMT_CREDIT", 1.7e308, "got 1.7e+308"),
    ("AMT_ANNUITY", -5.0, "AMT_ANNUITY"),
    ("AMT_GOODS_PRICE", 2e9, "AMT_GOODS_PRICE"),
    ("EXT_SOURCE_1", -0.1, "EXT_SOURCE_1 must be from 0 to 1 (a normalised value); got -0.1"),
    ("EXT_SOURCE_2", 5, "EXT_SOURCE_2 must be from 0 to 1 (a normalised value); got 5.0"),
    ("EXT_SOURCE_3", 1.5, "EXT_SOURCE_3"),
    ("APARTMENTS_AVG", 2.0, "APARTMENTS_AVG must be from 0 to 1"),
    ("TOTALAREA_MODE", -1.0, "TOTALAREA_MODE"),
    ("REGION_POPULATION_RELATIVE", 3.0, "REGION_POPULATION_RELATIVE"),
    ("CNT_CHILDREN", -1, "CNT_CHILDREN must be from 0 to 25"),
    ("CNT_CHILDREN", 50, "got 50.0"),
    ("CNT_FAM_MEMBERS", 0.0, "CNT_FAM_MEMBERS must be from 1 to 30"),
    ("OWN_CAR_AGE", 500.0, "OWN_CAR_AGE must be from 0 to 100 (years)"),
    ("HOUR_APPR_PROCESS_START", 24, "HOUR_APPR_PROCESS_START must be from 0 to 23"),
    ("FLAG_MOBIL", 2, "FLAG_MOBIL must be 0 or 1; got 2.0"),
    ("FLAG_DOCUMENT_3", -1, "FLAG_DOCUMENT_3 must be 0 or 1"),
    ("REGION_RATING_CLIENT", 0, "REGION_RATING_CLIENT must be 1, 2 or 3; got 0.0"),
    ("REGION_RATING_CLIENT_W_CITY", 7, "REGION_RATING_CLIENT_W_CITY must be -1, 1, 2 or 3"),
    ("OBS_30_CNT_SOCIAL_CIRCLE", -1.0, "OBS_30_CNT_SOCIAL_CIRCLE must be from 0 to 1000"),
    ("AMT_REQ_CREDIT_BUREAU_YEAR", 1e6, "AMT_REQ_CREDIT_BUREAU_YEAR must be from 0 to 1000"),
]


@pytest.mark.parametrize("form", [records, split], ids=["records", "split"])
@pytest.mark.parametrize(
    ("field", "value", "fragment"), IMPLAUSIBLE, ids=[f"{f}={v}" for f, v, _ in IMPLAUSIBLE]
)
def test_each_implausible_value_gets_a_row_error_and_no_score(
    served: Served, form: Any, field: str, value: float, fragment: str
) -> None:
    good = {**APPLICANT, "SK_ID_CURR": 999_000_002}
    bad = {**APPLICANT, field: value}
    rows = answer_rows(_post(served, form(good, bad, {"SK_ID_CURR": served.known_id})))
    assert rows[1]["probability_default"] is None and rows[1]["decision"] is None
    assert rows[1]["explanation"] is None
    assert rows[1]["error"].startswith("implausible input, not scored: ")
    assert fragment in rows[1]["error"]
    for row in (rows[0], rows[2]):
        assert row["error"] is None and 0.0 < row["probability_default"] < 1.0


def test_a_float32_overflow_of_a_derived_feature_is_a_row_error(served: Served) -> None:
    rows = answer_rows(_post(served, records({**APPLICANT, "AMT_CREDIT": 1e9, "AMT_ANNUITY": 1e-300})))
    assert rows[0]["probability_default"] is None
    assert "feature CREDIT_TO_ANNUITY_RATIO = inf exceeds the model's float32 range" in rows[0]["error"]


def test_a_row_with_many_implausible_values_lists_three(served: Served) -> None:
    bad = {**APPLICANT, "DAYS_BIRTH": 10, "AMT_INCOME_TOTAL": 1e30, "EXT_SOURCE_2": 5, "AMT_CREDIT": -1.0}
    rows = answer_rows(_post(served, records(bad)))
    assert rows[0]["error"].endswith("(and 1 more)") and rows[0]["probability_default"] is None


# --- unknown levels and unicode: scored as missing, with a warning --------------------------------------
UNKNOWN_LEVELS = [
    ("NAME_CONTRACT_TYPE", "cash loans"),
    ("ORGANIZATION_TYPE", "Spaceport"),
    ("FLAG_OWN_CAR", "yes"),
    ("CODE_GENDER", "🙂"),
    ("NAME_FAMILY_STATUS", "Married\u0000"),
    ("OCCUPATION_TYPE", "\u202eSecurity staff"),
    ("NAME_HOUSING_TYPE", "Ünïcødé"),
    ("WEEKDAY_APPR_PROCESS_START", "MONDAY "),
    ("NAME_EDUCATION_TYPE", LONG),
]


@pytest.mark.parametrize("form", [records, split], ids=["records", "split"])
@pytest.mark.parametrize(("field", "value"), UNKNOWN_LEVELS, ids=[f for f, _ in UNKNOWN_LEVELS])
def test_unknown_levels_are_scored_as_missing_with_a_warning(
    served: Served, form: Any, field: str, value: str
) -> None:
    response = _post(served, form({**APPLICANT, field: value}, {**APPLICANT, field: None}))
    assert len(response.content) < 20_000  # the 1 MB value is not echoed
    unknown, missing = answer_rows(response)
    assert unknown["error"] is None and missing["error"] is None
    assert unknown["probability_default"] == missing["probability_default"]
    assert (
        unknown["warning"].startswith(f"{field}: unknown level ")
        and "scored as missing" in unknown["warning"]
    )
    assert missing["warning"] is None


def test_explanations_are_bounded_by_rows_times_top_k(served: Served) -> None:
    ids = [{"SK_ID_CURR": served.known_id}] * 501
    assert_refused(_post(served, records(*ids, top_k=100)), "too many explanations: 501 rows × top_k 100")
    assert len(answer_rows(_post(served, records(*ids[:500], top_k=100)))) == 500
    assert len(answer_rows(_post(served, records(*ids, top_k=100, explain=False)))) == 501


def test_a_full_batch_at_the_cap_with_explanations_is_answered(served: Served) -> None:
    rows = answer_rows(
        _post(served, split(*({"SK_ID_CURR": served.known_id} for _ in range(MAX_ROWS_PER_REQUEST))))
    )
    assert len(rows) == MAX_ROWS_PER_REQUEST
    assert all(row["error"] is None and row["explanation"] for row in rows)

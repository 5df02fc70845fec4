"""The request guard around MLflow's scoring server (custom_model/server_guard.py), in-process.

The real server is exercised by test_red_team.py; these tests pin the pieces: JSON decoding, shape and row
checks, message cleaning, and the wrapper around a stand-in for MLflow's `invocations`.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import BAD_REQUEST

from custom_model import server_guard
from custom_model.contract import MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES
from custom_model.errors import RequestError


class Response(NamedTuple):
    response: str
    status: int
    mimetype: str


def test_json_errors_name_the_position_and_never_echo_the_body() -> None:
    body = b"{not json" + b"x" * 10_000_000
    with pytest.raises(RequestError) as caught:
        server_guard.decode_json(body)
    assert str(caught.value) == (
        "request body is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1, column 2"
    )
    with pytest.raises(RequestError, match=r"not valid UTF-8 \(invalid start byte at byte 3\)"):
        server_guard.decode_json(b'{"a\xff": 1}')
    with pytest.raises(RequestError, match="nested too deeply"):
        server_guard.decode_json(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(RequestError, match="holds NaN, which is not JSON"):
        server_guard.decode_json(b'{"a": NaN}')
    assert server_guard.decode_json(b'{"a": Infinity}') == {"a": float("inf")}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1], "got a list"),
        ({}, "got keys []"),
        ({"dataframe_split": {}, "dataframe_records": []}, "exactly one of"),
        ({"dataframe_records": [], "x" * 10_000: 1}, "characters)"),
        ({"dataframe_records": [], "params": "top_k=3"}, "params must be a JSON object; got a string"),
        ({"dataframe_records": [], "params": {"top_k": 3, "seed": 1}}, "unknown param(s) ['seed']"),
    ],
)
def test_only_the_two_table_formats_and_known_params_pass(payload: Any, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        server_guard.check_shape(payload)
    assert message in str(caught.value) and len(str(caught.value)) < 300


def test_rows_are_counted_in_both_formats() -> None:
    server_guard.check_shape({"dataframe_records": [{}], "params": {"explain": False}})
    assert server_guard.rows_in({"dataframe_records": [{}] * 3}) == 3
    assert server_guard.rows_in({"dataframe_split": {"columns": ["a"], "data": [[1]] * 4}}) == 4
    assert server_guard.rows_in({"dataframe_split": {"data": 5}}) == 0


def test_clean_keeps_our_message_and_drops_echo_and_traces() -> None:
    ours = server_guard.ScoringError("invalid request: column X must be a number")
    ours.message = "Failed to predict data '   SK_ID_CURR\n0  1'. \nError: " + ours.message
    assert server_guard.clean(ours).message == "invalid request: column X must be a number"
    theirs = MlflowException("Failed to predict data 'huge table'. \nError: Parameters must be a dictionary.")
    assert server_guard.clean(theirs).message == "Parameters must be a dictionary."
    traced = MlflowException("x" * 100_000, stack_trace="Traceback ...")
    cleaned = server_guard.clean(traced)
    assert len(cleaned.message) == MAX_MESSAGE_CHARS and "stack_trace" not in cleaned.serialize_as_json()


def _guarded(result: Any = None, error: Exception | None = None) -> Any:
    seen: list[Any] = []

    def invocations(data: Any, content_type: str, model: Any, input_schema: Any) -> Any:
        seen.append(data)
        if error is not None:
            raise error
        return result

    wrapped = server_guard.guarded(invocations, response_type=Response)
    wrapped.seen = seen
    return wrapped


def test_the_wrapper_parses_json_once_and_passes_the_decoded_body() -> None:
    wrapped = _guarded(result="answer")
    body = json.dumps({"dataframe_records": [{"SK_ID_CURR": 1}]}).encode()
    assert wrapped(body, "application/json; charset=utf-8", None, None) == "answer"
    assert wrapped.seen == [{"dataframe_records": [{"SK_ID_CURR": 1}]}]
    assert wrapped(b"SK_ID_CURR\n1\n", "text/csv", None, None) == "answer"  # CSV goes to MLflow as bytes
    assert wrapped.seen[-1] == b"SK_ID_CURR\n1\n"


def test_the_wrapper_refuses_before_calling_mlflow() -> None:
    wrapped = _guarded(result="answer")
    assert wrapped(b"{}", None, None, None).status == 415
    with pytest.raises(MlflowException, match="exceeds the limit of 67,108,864 bytes") as caught:
        wrapped(b" " * (MAX_REQUEST_BYTES + 1), "text/csv", None, None)
    assert caught.value.get_http_status_code() == 400
    rows = json.dumps({"dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[1]] * 10_001}}).encode()
    with pytest.raises(MlflowException, match="too many rows: 10,001"):
        wrapped(rows, "application/json", None, None)
    assert wrapped.seen == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            ValueError("2 columns passed, passed data had 1 columns"),
            "could not read it as a table (ValueError",
        ),
        (RecursionError("maximum recursion depth exceeded"), "JSON nested too deeply"),
        (
            MlflowException("Invalid input. " + "y" * 5_000, error_code=BAD_REQUEST, stack_trace="Traceback"),
            "Invalid input. yyy",
        ),
    ],
)
def test_errors_raised_by_mlflow_become_short_400s(error: Exception, message: str) -> None:
    wrapped = _guarded(error=error)
    with pytest.raises(MlflowException) as caught:
        wrapped(b"SK_ID_CURR\n1\n", "text/csv", None, None)
    assert message in caught.value.message and len(caught.value.message) <= MAX_MESSAGE_CHARS
    assert caught.value.get_http_status_code() == 400
    assert "stack_trace" not in caught.value.serialize_as_json()


def test_install_does_nothing_outside_the_scoring_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("__pyfunc_model_path__", raising=False)
    assert not server_guard.in_scoring_server()

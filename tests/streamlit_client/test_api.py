"""Request building, answer parsing and error handling of the HTTP client (errors against 127.0.0.1 stubs)."""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from custom_model.contract import ANSWER_COLUMNS
from streamlit_client import api
from streamlit_client.errors import ApiRequestError, ApiUnavailableError
from tests.streamlit_client.conftest import ServedModel


def test_build_request_turns_missing_values_into_null_and_numpy_into_python() -> None:
    rows = pd.DataFrame(
        {
            "SK_ID_CURR": np.array([100001, 100002], dtype=np.int64),
            "AMT_CREDIT": [1.5, np.nan],
            "X": ["a", None],
        }
    )
    body = api.build_request(rows, explain=False, top_k=7)
    assert body == {
        "dataframe_split": {
            "columns": ["SK_ID_CURR", "AMT_CREDIT", "X"],
            "data": [[100001, 1.5, "a"], [100002, None, None]],
        },
        "params": {"explain": False, "top_k": 7},
    }
    json.dumps(body, allow_nan=False)  # strict JSON: no NaN literal reaches the server


def test_build_request_needs_an_id_column_and_rows() -> None:
    with pytest.raises(ApiRequestError, match="SK_ID_CURR"):
        api.build_request(pd.DataFrame({"AMT_CREDIT": [1.0]}))
    with pytest.raises(ApiRequestError, match="no rows"):
        api.build_request(pd.DataFrame({"SK_ID_CURR": []}))


def test_fields_request_puts_the_id_first_and_ignores_a_second_id() -> None:
    body = api.fields_request(7, {"SK_ID_CURR": 8, "AMT_CREDIT": 10.0, "DAYS_EMPLOYED": -365})
    assert body["dataframe_split"] == {
        "columns": ["SK_ID_CURR", "AMT_CREDIT", "DAYS_EMPLOYED"],
        "data": [[7, 10.0, -365]],
    }


def test_payload_key_is_the_same_for_equal_requests_and_differs_otherwise() -> None:
    assert api.payload_key(api.id_request([1, 2])) == api.payload_key(api.id_request([1, 2]))
    assert api.payload_key(api.id_request([1, 2])) != api.payload_key(api.id_request([1, 3]))
    assert api.payload_key(api.id_request([1], top_k=5)) != api.payload_key(api.id_request([1], top_k=6))


def test_parse_record_reads_the_explanation_json_and_null_error() -> None:
    record = {
        "SK_ID_CURR": 100001,
        "probability_default": 0.25,
        "threshold": 0.4,
        "decision": "accepted",
        "model_version": "3",
        "base_value": -2.0,
        "explanation": json.dumps(
            [
                {"feature": "EXT_SOURCE_2", "label": "External score 2", "value": 0.1, "contribution": 0.5},
                {"feature": "AMT_CREDIT", "label": None, "value": None, "contribution": -0.25},
            ]
        ),
        "error": float("nan"),
    }
    score = api.parse_record(record)
    assert (score.client_id, score.probability, score.threshold, score.decision) == (
        100001,
        0.25,
        0.4,
        "accepted",
    )
    assert score.model_version == "3" and score.base_value == -2.0 and score.error is None
    assert score.contributions == (
        api.Contribution("EXT_SOURCE_2", "External score 2", 0.1, 0.5),
        api.Contribution("AMT_CREDIT", "AMT_CREDIT", None, -0.25),
    )


def test_parse_record_of_an_unknown_client_keeps_the_error_and_no_score() -> None:
    record = {
        "SK_ID_CURR": 5,
        "probability_default": None,
        "threshold": 0.4,
        "decision": None,
        "model_version": "3",
        "base_value": None,
        "explanation": None,
        "error": "unknown SK_ID_CURR 5",
    }
    score = api.parse_record(record)
    assert score.error == "unknown SK_ID_CURR 5"
    assert score.probability is None and score.decision is None and score.contributions == ()


def test_answers_frame_has_the_contract_columns_and_round_trips_the_explanation() -> None:
    score = api.ClientScore(1, 0.5, 0.4, "refused", "2", -1.0, (api.Contribution("A", "a", 1.0, 0.2),), None)
    frame = api.answers_frame([score])
    assert tuple(frame.columns) == ANSWER_COLUMNS
    assert json.loads(frame.loc[0, "explanation"]) == [
        {"feature": "A", "label": "a", "value": 1.0, "contribution": 0.2}
    ]
    assert frame.loc[0, "decision"] == "refused"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_raises_a_clear_error_after_the_retries() -> None:
    settings = api.ApiSettings(url=f"http://127.0.0.1:{_free_port()}", retries=2, backoff_s=0.1)
    started = time.perf_counter()
    with pytest.raises(ApiUnavailableError, match=r"cannot be reached right now \(3 attempts\)"):
        api.post_invocations(api.id_request([1]), settings)
    assert time.perf_counter() - started >= 0.1 + 0.2  # backoff between the 3 attempts


class _SlowHandler(BaseHTTPRequestHandler):
    """Answers /invocations correctly but only after `delay_s`."""

    delay_s = 2.0

    def do_POST(self) -> None:
        time.sleep(self.delay_s)
        body = json.dumps({"predictions": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_slow_server_raises_a_timeout_message_without_retrying(slow_server: str) -> None:
    settings = api.ApiSettings(url=slow_server, read_timeout_s=0.3, retries=2, backoff_s=0.0)
    started = time.perf_counter()
    with pytest.raises(ApiUnavailableError, match=r"did not answer within 0.3 s"):
        api.post_invocations(api.id_request([1]), settings)
    assert time.perf_counter() - started < 1.5  # one attempt, not three


def test_parse_explanation_accepts_an_empty_or_missing_explanation() -> None:
    assert api.parse_explanation(None) == ()
    assert api.parse_explanation("[]") == ()
    assert api.parse_explanation(math.nan) == ()


def test_a_refused_request_is_explained_in_the_officers_words_with_the_apis_reason(
    served_model: ServedModel,
) -> None:
    settings = api.ApiSettings(url=served_model.url)
    payload = api.build_request(pd.DataFrame({"SK_ID_CURR": [1], "AMT_CREDIT": ["twenty thousand"]}))
    with pytest.raises(ApiRequestError) as raised:
        api.score(payload, settings)
    message = str(raised.value)
    assert message.startswith("The scoring service could not score this: ")
    assert "AMT_CREDIT" in message and "twenty thousand" in message  # the API's own reason, naming the cell
    assert message.endswith("tell IT support (HTTP 400).")

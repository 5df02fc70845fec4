"""ci/probe.py: the smoke helper that checks an answer against the contract."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support.delivery import PROJECT_DIR, load_script
from tests.support.mlflow_state import using_tracking_uri

probe = load_script(PROJECT_DIR / "ci" / "probe.py", "ci_probe")


def _answer_row(**overrides) -> dict:
    row = {
        "SK_ID_CURR": 100001,
        "probability_default": 0.12,
        "threshold": 0.09,
        "decision": "refused",
        "model_version": "3",
        "base_value": -2.4,
        "explanation": "[]",
        "error": None,
        "warning": None,
    }
    return {**row, **overrides}


def test_probe_accepts_an_answer_that_follows_the_contract():
    assert probe.answer_problems({"predictions": [_answer_row()]}, [100001]) == []


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_answer_row(probability_default=1.2), "probability_default in [0, 1]; got 1.2"),
        (_answer_row(decision="maybe"), "decision in ('accepted', 'refused'); got 'maybe'"),
        (_answer_row(error="unknown client"), "error null; got 'unknown client'"),
        (_answer_row(SK_ID_CURR=100002), "SK_ID_CURR 100001; got 100002"),
        ({"SK_ID_CURR": 100001}, "missing answer columns ['probability_default'"),
    ],
)
def test_probe_names_what_is_wrong_in_an_answer(row, expected):
    (problem,) = probe.answer_problems({"predictions": [row]}, [100001])
    assert expected in problem


def test_probe_rejects_a_wrong_row_count_and_a_non_prediction_body():
    assert probe.answer_problems({"predictions": []}, [1]) == ["expected 1 prediction rows; got 0"]
    assert "'predictions' list" in probe.answer_problems({"error_code": "BAD_REQUEST"}, [1])[0]


def test_probe_builds_a_dataframe_split_body_from_the_first_clients_of_a_csv(tmp_path):
    csv_path = tmp_path / "application_test.csv"
    csv_path.write_text("SK_ID_CURR,AMT_CREDIT\n100001,5000\n100005,7000\n100013,1\n")
    assert probe.first_client_ids(csv_path, count=2) == [100001, 100005]
    assert probe.request_body([100001]) == {
        "dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[100001]]}
    }
    (tmp_path / "empty.csv").write_text("AMT_CREDIT\n1\n")
    with pytest.raises(ValueError, match=r"empty\.csv: expected a SK_ID_CURR column"):
        probe.first_client_ids(tmp_path / "empty.csv")


def test_probe_takes_client_ids_from_the_models_input_example(tiny_model):

    with using_tracking_uri(tiny_model.tracking_uri):
        ids = probe.example_client_ids(tiny_model.model_uri)
    test_ids = pd.read_csv(tiny_model.data_dir / "application_test.csv", usecols=["SK_ID_CURR"])["SK_ID_CURR"]
    assert ids == [int(test_ids.iloc[0])]

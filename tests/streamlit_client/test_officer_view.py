"""What the loan officer sees (AppTest against a REAL `mlflow models serve` of the tiny champion).

Expected values are computed from outside the app: the server's own answer (direct HTTP), the reference
sample logged by training, and the model's threshold.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import requests
from streamlit.testing.v1 import AppTest

from streamlit_client import text
from streamlit_client.api import Contribution, parse_record
from streamlit_client.attribution import attribute, group_missing_history, supporting_order
from streamlit_client.views import plain_label
from tests.streamlit_client.conftest import APP_PATH, ServedModel


def _app(view: str, client_id: int | None = None) -> AppTest:
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.query_params["view"] = view
    if client_id is not None:
        at.query_params["client"] = str(client_id)
    return at.run()


def _direct(url: str, client_id: int) -> dict:
    payload = {
        "dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[client_id]]},
        "params": {"top_k": 100},
    }
    response = requests.post(f"{url}/invocations", json=payload, timeout=30)
    response.raise_for_status()
    return response.json()["predictions"][0]


def _client(served: ServedModel, decision: str) -> pd.Series:
    rows = served.reference[served.reference["decision"] == decision]
    assert not rows.empty
    return rows.iloc[0]


@pytest.mark.parametrize("decision", ["accepted", "refused"])
def test_reasons_are_in_percentage_points_that_add_up_and_support_the_decision_first(
    app_env: ServedModel, decision: str
) -> None:
    client_id = int(_client(app_env, decision)["SK_ID_CURR"])
    answer = _direct(app_env.url, client_id)
    at = _app("decision", client_id)
    assert not at.exception

    base_probability = 1 / (1 + math.exp(-answer["base_value"]))
    probability = answer["probability_default"]
    score = parse_record(answer)
    factors = group_missing_history(
        [
            Contribution(c.feature, plain_label(c.feature, c.label), c.value, c.contribution)
            for c in score.contributions
        ]
    )
    attribution = attribute(factors, base_value=score.base_value, probability=probability)
    assert attribution.total_points == pytest.approx(100 * (probability - base_probability), abs=1e-9)

    shown = [m.value[2:] for m in at.markdown if m.value.startswith("- ") and "percentage points" in m.value]
    expected = [text.reason_sentence(r) for r in supporting_order(attribution.reasons, decision)[:5]]
    assert shown == expected
    supporting = "▲ raises the risk by" if decision == "refused" else "▼ lowers the risk by"
    assert supporting in shown[0]
    captions = "\n".join(c.value for c in at.caption)
    assert (
        f"The model starts from {100 * base_probability:.1f} % for a client it knows nothing about"
        in captions
    )
    assert f"bring the risk to {100 * probability:.1f} %" in captions
    assert "log-odds" not in "\n".join(m.value for m in at.main.markdown)  # the sidebar holds the model card


def test_the_gauge_runs_from_zero_to_three_times_the_limit_and_says_so_in_words(app_env: ServedModel) -> None:
    row = _client(app_env, "accepted")
    threshold = app_env.model.threshold
    assert row["probability_default"] < 3 * threshold
    at = _app("decision", int(row["SK_ID_CURR"]))
    captions = [c.value for c in at.caption]
    assert (
        f"Gauge in words: the scale runs from 0 % to {300 * threshold:.1f} %. This client's risk, "
        f"{100 * row['probability_default']:.1f} %, is the black bar; the limit, {100 * threshold:.1f} %"
    ) in "\n".join(captions)


def test_the_client_file_shows_the_application_in_units(app_env: ServedModel) -> None:
    row = _client(app_env, "refused")
    at = _app("decision", int(row["SK_ID_CURR"]))
    assert "The client's file" in [s.value for s in at.subheader]
    application = next(m.value for m in at.markdown if m.value.startswith("- Annual income:"))
    assert f"- Annual income: **{row['AMT_INCOME_TOTAL']:,.0f}**" in application
    assert f"- Credit amount asked: **{row['AMT_CREDIT']:,.0f}**" in application
    assert f"- Age: **{abs(row['DAYS_BIRTH']) / 365.25:.0f} years**" in application
    history = next(m.value for m in at.markdown if m.value.startswith("- Previous applications with us:"))
    assert "Instalments paid late or unpaid" in history


def test_understand_the_score_keeps_log_odds_in_the_expert_view_only(app_env: ServedModel) -> None:
    client_id = int(_client(app_env, "refused")["SK_ID_CURR"])
    at = _app("why", client_id)
    assert not at.exception
    (expert,) = [e for e in at.expander if e.label.startswith("Expert view")]
    table = expert.dataframe[0].value
    assert list(table.columns) == ["Factor", "Value", "Contribution (log-odds)", "Percentage points"]
    outside = [m.value for m in at.main.markdown if "log-odds" in m.value]
    assert all("convert them exactly" in m for m in outside)  # the one log-odds sentence is the expert's
    assert any(c.value.startswith("Chart in words: ") for c in at.caption)


def test_settings_sit_behind_the_administration_expander(app_env: ServedModel) -> None:
    at = _app("decision")
    (admin,) = [e for e in at.sidebar.expander if e.label.startswith("Administration")]
    assert [t.label for t in admin.text_input] == ["Scoring API URL", "MLflow tracking URI"]


def test_a_bad_cell_costs_its_row_only_and_results_are_in_percent(app_env: ServedModel) -> None:
    ids = list(app_env.reference["SK_ID_CURR"].head(3))
    csv = f"SK_ID_CURR,AMT_CREDIT\n{ids[0]},\n{ids[1]},abc\n{ids[2]},\n"
    at = _app("batch")
    at.file_uploader(key="batch_file").set_value(("applicants.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    assert at.success[0].value.startswith("Scored 3 applicants:")
    assert at.success[0].value.endswith("1 could not be scored.")
    shown = at.dataframe[0].value
    assert list(shown.columns) == [
        "Client number",
        "Decision",
        "Estimated risk",
        "Limit",
        "Could not be scored because",
    ]
    errors = list(shown["Could not be scored because"])
    assert errors[0] == errors[2] == ""
    assert errors[1].startswith("line 3: column AMT_CREDIT must be a number") and "abc" in errors[1]
    expected = app_env.reference.set_index("SK_ID_CURR")["probability_default"]
    assert shown["Estimated risk"].iloc[0] == f"{100 * expected[ids[0]]:.1f} %"
    assert shown["Estimated risk"].iloc[1] == ""
    assert "None" not in json.dumps(shown.astype(str).to_dict())

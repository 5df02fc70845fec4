"""Each journey of the app driven by AppTest against a REAL `mlflow models serve` of the tiny champion.

Expected values come from outside the app: the reference sample logged by training (holdout clients scored by
the final model) and direct HTTP calls to the same server.
"""

from __future__ import annotations

import logging

import pandas as pd
import pytest
import requests
import streamlit as st
from streamlit.testing.v1 import AppTest

from streamlit_client import api, text
from streamlit_client.neighbours import most_important_features, numeric_features
from streamlit_client.registry import load_champion
from streamlit_client.views import second_axis, what_if_defaults
from tests.streamlit_client.conftest import APP_PATH, ServedModel

TIMEOUT_S = 60


def _app(view: str, client_id: int | None = None) -> AppTest:
    """Run the app once on a journey, pre-selecting a client through the page URL as a user's link would."""
    at = AppTest.from_file(str(APP_PATH), default_timeout=TIMEOUT_S)
    at.query_params["view"] = view
    if client_id is not None:
        at.query_params["client"] = str(client_id)
    return at.run()


def _texts(at: AppTest) -> str:
    """Everything written on the page (markdown, captions, alerts, headers), one element per line."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "subheader", "error", "warning", "info", "success")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def _direct(url: str, payload: dict) -> list[dict]:
    """Call the server without the app, to get the expected answer."""
    response = requests.post(f"{url}/invocations", json=payload, timeout=30)
    response.raise_for_status()
    return response.json()["predictions"]


def _reference_client(served: ServedModel, decision: str) -> pd.Series:
    """First reference client with the given decision (the tiny model has both kinds)."""
    rows = served.reference[served.reference["decision"] == decision]
    assert not rows.empty, f"the tiny model's reference sample has no {decision} client"
    return rows.iloc[0]


@pytest.mark.parametrize("decision", ["accepted", "refused"])
def test_lookup_shows_probability_decision_distance_and_reasons(app_env: ServedModel, decision: str) -> None:
    row = _reference_client(app_env, decision)
    client_id, probability = int(row["SK_ID_CURR"]), float(row["probability_default"])
    threshold = app_env.model.threshold

    at = _app("decision", client_id)

    assert not at.exception
    word = {"accepted": "✔ Accepted", "refused": "✖ Refused"}[decision]
    assert at.subheader[0].value == f"Decision: {word}"
    assert at.metric[0].value == f"{100 * probability:.1f} %"
    page = _texts(at)
    assert text.threshold_sentence(probability, threshold, decision) in page
    side = "above" if decision == "refused" else "below"
    gap = f"{abs(100 * (probability - threshold)):.1f} percentage points {side}"
    assert gap in page
    reasons = [m.value for m in at.markdown if m.value.startswith("- ") and "percentage points" in m.value]
    assert 1 <= len(reasons) <= 5
    supporting = "▲ raises the risk by" if decision == "refused" else "▼ lowers the risk by"
    assert supporting in reasons[0], reasons  # what supports the decision comes first


def test_unknown_and_malformed_client_ids_get_a_clear_message(app_env: ServedModel) -> None:
    at = _app("decision", 999_999_999)
    assert not at.exception
    assert "Client 999999999 could not be scored" in at.error[0].value
    assert "not in the client files the model knows" in at.error[0].value
    assert not at.metric  # no probability shown for an unknown client

    at.text_input(key="typed_id").set_value("12ab").run()
    assert not at.exception
    applicants = pd.read_csv(app_env.model.data_dir / "application_test.csv", usecols=["SK_ID_CURR"])
    example = int(applicants["SK_ID_CURR"].min())  # the first of the list: a real current applicant
    assert at.error[0].value == f"“12ab” is not a client id: expected a whole number such as {example}."


def test_the_list_covers_current_applicants_and_follows_a_typed_id(app_env: ServedModel) -> None:
    applicants = pd.read_csv(app_env.model.data_dir / "application_test.csv", usecols=["SK_ID_CURR"])
    current = sorted(int(i) for i in applicants["SK_ID_CURR"])
    past = sorted(int(i) for i in app_env.reference["SK_ID_CURR"])
    at = _app("decision", current[3])
    picker = at.selectbox(key="picked_id")
    assert list(picker.options[: len(current)]) == [f"{i} — current applicant" for i in current]
    assert f"{past[0]} — past client (reference sample)" in picker.options
    assert picker.value == current[3] and f"**Client {current[3]}** —" in _texts(at)
    # a typed id that the list holds is shown selected; one it does not hold leaves the list empty
    at.text_input(key="typed_id").set_value(str(past[0])).run()
    assert at.selectbox(key="picked_id").value == past[0]
    at.text_input(key="typed_id").set_value("999999999").run()
    assert at.selectbox(key="picked_id").value is None
    # choosing from the list again clears the typed id
    at.selectbox(key="picked_id").set_value(current[0]).run()
    assert at.text_input(key="typed_id").value == "" and at.selectbox(key="picked_id").value == current[0]


def test_understand_the_score_shows_local_contributions_beside_global_importance(
    app_env: ServedModel,
) -> None:
    client_id = int(_reference_client(app_env, "refused")["SK_ID_CURR"])
    at = _app("why", client_id)
    assert not at.exception
    captions = [c.value for c in at.caption]
    local = next(c for c in captions if c.startswith("Chart in words: ") and "percentage points" in c)
    assert "log-odds" not in local
    ranked = app_env.importance.sort_values("mean_abs_contribution", ascending=False)
    first = ranked["label"].iloc[0].split(" (days")[0].replace("Days since", "Time since")
    share = 100 * ranked["mean_abs_contribution"].iloc[0] / ranked["mean_abs_contribution"].sum()
    assert any(
        c.startswith(f"Chart in words: across all clients, the model relies most on {first} {share:.1f} %")
        for c in captions
    )
    assert "log-odds" in _texts(at)  # only in the expert view


def _client_with_default_axes(served: ServedModel, *, known: bool) -> pd.Series:
    """A client whose default scatter axes (as the app picks them) are both known (and accepted), or not."""
    reference = served.reference
    available = numeric_features(reference, exclude=["outcome"])
    ranked = most_important_features(served.importance, available, n=len(available))
    features = ranked + [f for f in available if f not in ranked]
    axes = [features[0], second_axis(reference, features)]
    complete = reference[axes].notna().all(axis=1)
    rows = reference[(complete & (reference["decision"] == "accepted")) if known else ~complete]
    assert not rows.empty, f"the tiny model's reference sample has no client with known={known} axes {axes}"
    return rows.iloc[0]


def test_scatter_says_when_the_client_cannot_be_drawn(app_env: ServedModel) -> None:
    client_id = int(_client_with_default_axes(app_env, known=False)["SK_ID_CURR"])
    at = _app("compare", client_id)
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    assert "The client is not drawn: one of the two values is unknown." in captions
    assert "The client is the large black star." not in captions


def test_compare_shows_distribution_scatter_and_similar_clients(app_env: ServedModel) -> None:
    row = _client_with_default_axes(app_env, known=True)
    client_id = int(row["SK_ID_CURR"])
    at = _app("compare", client_id)
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    n_repaid = int((app_env.reference["TARGET"] == 0).sum())
    n_difficult = int((app_env.reference["TARGET"] == 1).sum())
    assert (
        f"{n_repaid} clients who repaid (blue circles) and {n_difficult} clients who had difficulties "
        "(orange crosses)" in captions
    )  # by default the comparison is with what really happened, not with the model's own decisions
    assert "The client is the large black star." in captions
    assert "of clients who repaid" in captions and "of clients who had difficulties" in captions
    at.radio(key="compare_by").set_value("decision").run()
    by_decision = "\n".join(c.value for c in at.caption)
    n_accepted = int((app_env.reference["decision"] == "accepted").sum())
    n_refused = int((app_env.reference["decision"] == "refused").sum())
    assert f"{n_accepted} accepted clients (blue circles) and {n_refused} refused clients" in by_decision

    table = at.dataframe[0].value
    assert len(table) == 5
    assert client_id not in set(table["Client id"])
    assert set(table["Client id"]) <= set(app_env.reference["SK_ID_CURR"])
    refused = int((table["Decision"] == "✖ Refused").sum())
    assert f"Of the 5 most similar clients, {refused} were refused and {5 - refused} accepted" in captions

    at.slider(key="n_neighbours").set_value(8).run()
    assert len(at.dataframe[0].value) == 8
    assert "Of the 8 most similar clients" in "\n".join(c.value for c in at.caption)

    other = at.selectbox(key="compare_feature").options[1]
    at.selectbox(key="compare_feature").set_value(at.selectbox(key="compare_feature").options[1]).run()
    assert not at.exception
    assert other  # the second most important feature is offered and can be chosen


def test_what_if_rescoring_goes_through_the_api(app_env: ServedModel) -> None:
    client_id = int(_reference_client(app_env, "accepted")["SK_ID_CURR"])
    at = _app("what_if", client_id)
    assert not at.exception
    income = at.number_input(key="what_if_AMT_INCOME_TOTAL")
    credit = at.number_input(key="what_if_AMT_CREDIT")
    original_credit = credit.value
    credit.set_value(original_credit * 4)
    income.set_value(income.value / 4)
    next(b for b in at.button if b.label == "Re-score with my edits").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    before, after = metrics["Risk with the original values"], metrics["Risk with your edits"]

    # The fields the app sends: the client's known application fields (reference sample + API answer).
    champion = load_champion(app_env.model.tracking_uri)
    assert champion.input_columns[0] == "SK_ID_CURR" and "AMT_CREDIT" in champion.input_columns
    lookup = api.score(api.id_request([client_id], top_k=100), api.ApiSettings(url=app_env.url))[0]
    known, _ = what_if_defaults(lookup, champion.reference, champion.input_columns)
    row = app_env.reference[app_env.reference["SK_ID_CURR"] == client_id].iloc[0]
    assert known["AMT_CREDIT"] == row["AMT_CREDIT"] == original_credit
    edited = {**known, "AMT_CREDIT": original_credit * 4, "AMT_INCOME_TOTAL": known["AMT_INCOME_TOTAL"] / 4}
    expected = _direct(
        app_env.url,
        {
            "dataframe_records": [{"SK_ID_CURR": client_id, **known}, {"SK_ID_CURR": client_id, **edited}],
            "params": {"explain": False},
        },
    )
    assert before == text.format_probability(expected[0]["probability_default"])
    assert after == text.format_probability(expected[1]["probability_default"])
    assert f"goes from {before} to {after}" in "\n".join(c.value for c in at.caption)
    decisions = [m.value for m in at.markdown if m.value.startswith("Decision: ")]
    assert decisions == [
        f"Decision: **{text.decision_label(expected[0]['decision'])}**",
        f"Decision: **{text.decision_label(expected[1]['decision'])}**",
    ]


def test_batch_scores_an_uploaded_csv_and_offers_the_results(app_env: ServedModel) -> None:
    sample = app_env.reference.head(4)
    csv = (
        "SK_ID_CURR,AMT_CREDIT,AMT_ANNUITY,TARGET,NOTE\n"
        + "".join(f"{i},,,0,\n" for i in sample["SK_ID_CURR"])
        + "999999999,,,1,x\n123,500000,25000,,y\n"
    )
    at = _app("batch")
    at.file_uploader(key="batch_file").set_value(("applicants.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    assert "Columns the model does not take were left out: TARGET, NOTE" in at.info[0].value
    accepted = int((sample["decision"] == "accepted").sum())
    refused = 4 - accepted
    # The raw-fields applicant (id 123) is scored too; its decision is read from the server directly.
    new = _direct(
        app_env.url,
        {
            "dataframe_records": [{"SK_ID_CURR": 123, "AMT_CREDIT": 500000, "AMT_ANNUITY": 25000}],
            "params": {"explain": False},
        },
    )[0]["decision"]
    accepted += new == "accepted"
    refused += new == "refused"
    assert at.success[0].value == (
        f"Scored 6 applicants: {accepted} ✔ accepted, {refused} ✖ refused, 1 could not be scored."
    )
    shown = at.dataframe[0].value
    assert list(shown["Client number"]) == [*sample["SK_ID_CURR"], 999999999, 123]
    assert (shown["Could not be scored because"] != "").tolist() == [False] * 4 + [True, False]
    assert at.get("download_button")[0].label == "Download the results (CSV)"


def test_widget_changes_reuse_cached_answers(app_env: ServedModel, caplog: pytest.LogCaptureFixture) -> None:
    st.cache_data.clear()
    client_id = int(_reference_client(app_env, "accepted")["SK_ID_CURR"])
    caplog.set_level(logging.INFO, logger="streamlit_client.api")

    def posts() -> int:
        return sum("POST" in r.getMessage() for r in caplog.records if r.name == "streamlit_client.api")

    at = _app("compare", client_id)
    assert posts() == 1
    at.slider(key="n_neighbours").set_value(6).run()
    at.sidebar.radio(key="view").set_value("decision").run()
    at.sidebar.radio(key="view").set_value("why").run()
    assert not at.exception
    assert posts() == 1  # same client, same request: answered from the cache

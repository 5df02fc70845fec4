"""Streamlit client of the credit-scoring API: look a client up, explain, compare, what-if, score a batch.

Run: `streamlit run streamlit_client/app.py` with the model server at CREDIT_SCORING_API_URL and the MLflow
tracking store at MLFLOW_TRACKING_URI. The app talks to the model over HTTP only (streamlit_client.api) and
reads model metadata over the MLflow tracking API (streamlit_client.registry).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

# `streamlit run streamlit_client/app.py` puts only this folder on sys.path; the package lives one level up.
_PROJECT_DIR = str(Path(__file__).resolve().parents[1])
if _PROJECT_DIR not in sys.path:
    sys.path.insert(0, _PROJECT_DIR)

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from streamlit_client import api, charts, text  # noqa: E402
from streamlit_client.errors import ApiRequestError, ApiUnavailableError, ClientAppError  # noqa: E402
from streamlit_client.neighbours import (  # noqa: E402
    most_important_features,
    nearest_neighbours,
    numeric_features,
)
from streamlit_client.registry import Champion, RegistryError, load_champion  # noqa: E402
from streamlit_client.views import (  # noqa: E402
    BATCH_MAX_ROWS,
    WHAT_IF_FIELDS,
    apply_edits,
    client_values,
    feature_labels,
    plain_label,
    read_applicants,
    what_if_defaults,
)

API_URL_ENV = "CREDIT_SCORING_API_URL"
API_TIMEOUT_ENV = "CREDIT_SCORING_API_TIMEOUT"
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
MLFLOW_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}
LOOKUP_TOP_K = 100
BATCH_TOP_K = 3
BATCH_CHUNK_ROWS = 500
NEIGHBOUR_FEATURES = 8

VIEWS = {
    "decision": "1 · Decision and reasons",
    "why": "2 · Understand the score",
    "compare": "3 · Compare with other clients",
    "what_if": "4 · What if…",
    "batch": "5 · Score a file of applicants",
}


@st.cache_data(show_spinner="Asking the scoring API…", ttl=900, max_entries=512)
def _score_cached(url: str, read_timeout_s: float, request_key: str) -> list[api.ClientScore]:
    """Score a request once per (server, request); errors are not cached, so a retry calls again."""
    settings = api.ApiSettings(url=url, read_timeout_s=read_timeout_s)
    return api.score(json.loads(request_key), settings)


@st.cache_data(show_spinner="Reading the model's information from MLflow…", ttl=300, max_entries=8)
def _champion_cached(tracking_uri: str) -> Champion:
    """Read the champion's metadata and artifacts once per tracking URI (refreshed every 5 minutes)."""
    return load_champion(tracking_uri)


def _score(settings: api.ApiSettings, payload: dict) -> list[api.ClientScore] | None:
    """Score through the cache; show a readable error with a retry button instead of raising."""
    try:
        return _score_cached(settings.url, settings.read_timeout_s, api.payload_key(payload))
    except ApiUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        st.button(
            "Retry",
            icon=":material/refresh:",
            key=f"retry-{hashlib.sha1(api.payload_key(payload).encode()).hexdigest()[:16]}",
            type="primary",
        )
    except ApiRequestError as exc:
        st.error(str(exc), icon=":material/error:")
    return None


def _sidebar() -> tuple[api.ApiSettings, str, str]:
    """Settings (API URL, tracking URI) and the journey; defaults from the environment and the page URL."""
    st.sidebar.header("Settings")
    url = st.sidebar.text_input(
        "Scoring API URL",
        value=os.environ.get(API_URL_ENV, api.DEFAULT_API_URL),
        help=f"Base URL of `mlflow models serve` (environment variable {API_URL_ENV}).",
    )
    tracking_uri = st.sidebar.text_input(
        "MLflow tracking URI",
        value=os.environ.get(TRACKING_URI_ENV, DEFAULT_TRACKING_URI),
        help=f"Where the model registry and the champion's artifacts are ({TRACKING_URI_ENV}).",
    )
    keys = list(VIEWS)
    if "view" not in st.session_state:  # first run of the session: the page URL may choose the journey
        wanted = st.query_params.get("view", "decision")
        st.session_state["view"] = wanted if wanted in keys else keys[0]
    view = st.sidebar.radio(
        "What do you want to do?", options=keys, format_func=VIEWS.__getitem__, key="view"
    )
    st.query_params["view"] = view
    timeout = float(os.environ.get(API_TIMEOUT_ENV, api.ApiSettings.read_timeout_s))
    return api.ApiSettings(url=url.strip(), read_timeout_s=timeout), tracking_uri.strip(), view


def _champion(tracking_uri: str) -> Champion | None:
    """Model metadata, or None with a warning: lookups still work without it, comparisons do not."""
    try:
        champion = _champion_cached(tracking_uri)
    except RegistryError as exc:
        st.warning(
            f"Model information is unavailable, so comparisons with other clients are disabled: {exc}",
            icon=":material/info:",
        )
        st.button("Retry reading the model information", icon=":material/refresh:", key="retry-registry")
        return None
    for problem in champion.problems:
        st.warning(f"Part of the model information could not be read: {problem}", icon=":material/info:")
    return champion


def _pick_client(champion: Champion | None) -> int | None:
    """Searchable list of the reference clients plus a free-text id; the page URL can pre-select one."""
    ids = [] if champion is None or champion.reference is None else sorted(champion.reference["SK_ID_CURR"])
    ids = [int(i) for i in ids]
    if "picked_id" not in st.session_state:  # first run of the session: the page URL may pre-select a client
        wanted = st.query_params.get("client", "")
        wanted_id = int(wanted) if wanted.isdigit() else None
        st.session_state["picked_id"] = wanted_id if wanted_id in ids else (ids[0] if ids else None)
        st.session_state["typed_id"] = "" if wanted_id in ids else wanted
    left, right = st.columns(2)
    picked = left.selectbox(
        "Client from the reference sample (type to search)",
        options=ids,
        placeholder="No reference sample available",
        key="picked_id",
    )
    typed = right.text_input("…or type any client id", placeholder="e.g. 100001", key="typed_id").strip()
    if typed:
        if not typed.isdigit():
            st.error(f"“{typed}” is not a client id: expected a whole number such as 100001.")
            return None
        chosen = int(typed)
    else:
        chosen = picked
    if chosen is not None:
        st.query_params["client"] = str(chosen)
    return chosen


def _decision_view(client: api.ClientScore) -> None:
    """Journey 1: probability, gauge with the limit, decision, distance to it, reasons in plain words."""
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(charts.gauge(client.probability, client.threshold), width="stretch", theme=None)
        st.caption(
            "Gauge: the black bar is this client's estimated risk; the thick black line is the limit "
            f"({text.format_probability(client.threshold)}): at or above it the application is refused."
        )
    with right:
        st.subheader(f"Decision: {text.decision_label(client.decision)}")
        st.metric("Estimated risk of repayment difficulties", text.format_probability(client.probability))
        st.write(text.threshold_sentence(client.probability, client.threshold))
        against, in_favour = text.top_reasons(_plain(client.contributions))
        st.markdown("**Main reasons**")
        if not against and not in_favour:
            st.write("The model gave no reasons for this client.")
        for item in [*against, *in_favour]:
            st.markdown(f"- {text.reason_sentence(item)}")


def _plain(contributions: tuple[api.Contribution, ...]) -> list[api.Contribution]:
    """Contributions with labels fit for the units shown (days are shown as years)."""
    return [
        api.Contribution(c.feature, plain_label(c.feature, c.label), c.value, c.contribution)
        for c in contributions
    ]


def _why_view(client: api.ClientScore, champion: Champion | None) -> None:
    """Journey 2: signed local contributions beside the global importance."""
    base = "" if client.base_value is None else f" ({client.base_value:.2f} log-odds)"
    st.write(
        f"Contributions are in **log-odds**: the model starts from the same base value for everyone{base}, "
        "and each factor adds to it (▲ raises the risk) or subtracts from it (▼ lowers the risk)."
    )
    contributions = _plain(client.contributions)
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.contributions_chart(contributions), width="stretch", theme=None)
        st.caption(text.contributions_summary(contributions))
    with right:
        if champion is None or champion.importance is None:
            st.info("Global importance is not available (model information could not be read).")
        else:
            labels = feature_labels(champion.importance, None)
            importance = champion.importance.assign(label=champion.importance["feature"].map(labels))
            st.plotly_chart(charts.importance_chart(importance), width="stretch", theme=None)
            st.caption(text.importance_summary(list(importance["label"])))
    table = pd.DataFrame(
        {
            "Factor": [c.label for c in contributions],
            "Value": [text.format_value(c.feature, c.value) for c in contributions],
            "Contribution (log-odds)": [round(c.contribution, 4) for c in contributions],
            "Effect": ["▲ raises risk" if c.contribution > 0 else "▼ lowers risk" for c in contributions],
        }
    )
    with st.expander("All factors as a table"):
        st.dataframe(table, hide_index=True, width="stretch")


def _compare_view(client: api.ClientScore, champion: Champion | None) -> None:
    """Journey 3: one feature's distribution by decision, a two-feature scatter, and similar clients."""
    if champion is None or champion.reference is None or champion.importance is None:
        st.info("Comparisons need the reference sample and the global importance of the champion model.")
        return
    reference, importance = champion.reference, champion.importance
    labels = feature_labels(importance, reference)
    available = numeric_features(reference)
    ranked = most_important_features(importance, available, n=len(available))
    features = ranked + [f for f in available if f not in ranked]
    if not features:
        st.info("The reference sample has no numeric feature to compare on.")
        return
    values = client_values(client, reference)

    st.subheader("One feature: this client among accepted and refused clients")
    feature = st.selectbox("Feature", options=features, format_func=labels.__getitem__, key="compare_feature")
    shown = charts.to_display(feature, pd.Series([values.get(feature)])).iloc[0]
    client_value = None if pd.isna(shown) else float(shown)
    st.plotly_chart(
        charts.distribution_chart(reference, feature, labels[feature], client_value),
        width="stretch",
        theme=None,
    )
    display = charts.to_display(feature, reference[feature])
    st.caption(
        text.distribution_summary(
            labels[feature],
            text.feature_unit(feature),
            client_value,
            list(display[reference["decision"] == "accepted"].dropna()),
            list(display[reference["decision"] == "refused"].dropna()),
        )
    )

    st.subheader("Two features at once")
    left, right = st.columns(2)
    x = left.selectbox("Horizontal axis", options=features, index=0, format_func=labels.__getitem__, key="x")
    y = right.selectbox(
        "Vertical axis",
        options=features,
        index=min(1, len(features) - 1),
        format_func=labels.__getitem__,
        key="y",
    )
    point = (
        (
            float(charts.to_display(x, pd.Series([values[x]])).iloc[0]),
            float(charts.to_display(y, pd.Series([values[y]])).iloc[0]),
        )
        if values.get(x) is not None and values.get(y) is not None
        else None
    )
    st.plotly_chart(charts.scatter_chart(reference, x, y, labels, point), width="stretch", theme=None)
    counts = reference["decision"].value_counts()
    st.caption(
        text.scatter_summary(
            labels[x],
            labels[y],
            int(counts.get("accepted", 0)),
            int(counts.get("refused", 0)),
            point is not None,
        )
    )

    st.subheader("Similar clients")
    k = st.slider("How many similar clients", min_value=3, max_value=20, value=5, key="n_neighbours")
    on = ranked[:NEIGHBOUR_FEATURES]
    try:
        similar = nearest_neighbours(reference, values, on, k=k, client_id=client.client_id)
    except ClientAppError as exc:
        st.info(f"Similar clients: {exc}", icon=":material/info:")
        return
    st.write(
        "Closest clients on the model's most important features ("
        + ", ".join(labels[f] for f in on if values.get(f) is not None)
        + "), each standardised so that no unit dominates."
    )
    table = pd.DataFrame(
        {
            "Client id": similar["SK_ID_CURR"].astype(int),
            "Decision": [text.decision_label(d) for d in similar["decision"]],
            "Estimated risk": [
                text.format_probability(p) if pd.notna(p) else "not known"
                for p in similar.get("probability_default", pd.Series([None] * len(similar)))
            ],
            "Repaid without difficulty?": [
                "not known" if pd.isna(t) else ("no — had difficulties" if t == 1 else "yes")
                for t in similar.get("TARGET", pd.Series([None] * len(similar)))
            ],
            "Distance (standardised)": similar["distance"].round(2),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    n_refused = int((similar["decision"] == "refused").sum())
    defaults = (
        int((similar["TARGET"] == 1).sum())
        if "TARGET" in similar and similar["TARGET"].notna().any()
        else None
    )
    st.caption(text.neighbours_summary(len(similar), n_refused, defaults))


def _what_if_view(client: api.ClientScore, champion: Champion | None, settings: api.ApiSettings) -> None:
    """Journey 4: edit a few application fields and re-score through the API (raw-fields request)."""
    reference = None if champion is None else champion.reference
    columns_in = None if champion is None else champion.input_columns
    base_fields, typical = what_if_defaults(client, reference, columns_in)
    st.write(
        "Change a few application fields and re-score them with the model. Both scores below come from the "
        "same kind of request (the client id plus the application fields known here), so the difference "
        "shows the effect of your edits only."
    )
    with st.form("what_if"):
        edited: dict[str, float] = {}
        per_row = 4
        for start in range(0, len(WHAT_IF_FIELDS), per_row):
            row = WHAT_IF_FIELDS[start : start + per_row]
            for column, field in zip(st.columns(per_row), row, strict=False):
                edited[field.name] = column.number_input(
                    f"{field.label} ({field.unit})",
                    min_value=0.0,
                    max_value=field.max_value,
                    value=float(field.to_shown(base_fields.get(field.name))),
                    step=field.step,
                    key=f"what_if_{field.name}",
                )
        submitted = st.form_submit_button("Re-score with my edits", type="primary")
    if typical:
        names = ", ".join(f.label for f in WHAT_IF_FIELDS if f.name in typical)
        st.caption(
            f"Not known for this client: {names}. The form shows a typical value; it is sent to the model "
            "only if you change it."
        )
    if not submitted and "what_if_done" not in st.session_state:
        st.info("Edit the fields, then press “Re-score with my edits”.")
        return
    st.session_state["what_if_done"] = True
    changed = apply_edits(base_fields, edited)
    before = _score(settings, api.fields_request(client.client_id, base_fields, top_k=5))
    after = _score(settings, api.fields_request(client.client_id, changed, top_k=5))
    if before is None or after is None:
        return
    old, new = before[0], after[0]
    for answer in (old, new):
        if answer.error:
            st.error(f"The model could not score this scenario: {answer.error}", icon=":material/error:")
            return
    left, right = st.columns(2)
    left.metric("Risk with the original values", text.format_probability(old.probability))
    left.markdown(f"Decision: **{text.decision_label(old.decision)}**")
    delta = 100 * (new.probability - old.probability)
    right.metric(
        "Risk with your edits",
        text.format_probability(new.probability),
        delta=f"{delta:+.1f} points",
        delta_color="inverse",
    )
    right.markdown(f"Decision: **{text.decision_label(new.decision)}**")
    st.plotly_chart(
        charts.what_if_chart(old.probability, new.probability, new.threshold), width="stretch", theme=None
    )
    change = (
        "the decision stays the same"
        if old.decision == new.decision
        else f"the decision changes from {old.decision} to {new.decision}"
    )
    st.caption(
        f"With your edits the estimated risk goes from {text.format_probability(old.probability)} to "
        f"{text.format_probability(new.probability)} ({delta:+.1f} percentage points); {change}."
    )


def _batch_view(settings: api.ApiSettings, champion: Champion | None) -> None:
    """Journey 5: upload a CSV of applicants, score it through the API, download the answers."""
    st.write(
        f"Upload a CSV with a `SK_ID_CURR` column (up to {BATCH_MAX_ROWS:,} rows). Rows with only the id are "
        "looked up; rows with application fields are scored from those fields."
    )
    uploaded = st.file_uploader("Applicants (CSV)", type=["csv"], key="batch_file")
    if uploaded is None:
        return
    try:
        applicants, dropped = read_applicants(
            uploaded.getvalue(),
            name=uploaded.name,
            input_columns=None if champion is None else champion.input_columns,
        )
    except ClientAppError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    if dropped:
        st.info(
            f"Columns the model does not take were left out: {', '.join(dropped[:15])}",
            icon=":material/info:",
        )
    answers: list[api.ClientScore] = []
    for start in range(0, len(applicants), BATCH_CHUNK_ROWS):
        chunk = applicants.iloc[start : start + BATCH_CHUNK_ROWS]
        scored = _score(settings, api.build_request(chunk, top_k=BATCH_TOP_K))
        if scored is None:
            return
        answers.extend(scored)
    results = api.answers_frame(answers)
    n_accepted = int((results["decision"] == "accepted").sum())
    n_refused = int((results["decision"] == "refused").sum())
    n_errors = int(results["error"].notna().sum())
    st.success(
        f"Scored {len(results)} applicants: {n_accepted} ✔ accepted, {n_refused} ✖ refused, "
        f"{n_errors} could not be scored."
    )
    shown = results.drop(columns=["explanation"]).assign(
        decision=[text.decision_label(d) if d else "" for d in results["decision"]]
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(
        "Download the results (CSV)",
        icon=":material/download:",
        data=results.to_csv(index=False).encode("utf-8"),
        file_name="credit_scoring_results.csv",
        mime="text/csv",
        key="batch_download",
    )


def main() -> None:
    """Lay the page out: settings, model information, then the chosen journey."""
    st.set_page_config(
        page_title="Credit scoring — client explorer", page_icon=":material/credit_score:", layout="wide"
    )
    # MLflow retries a remote tracking server for minutes by default; a page must fail within seconds.
    for name, value in MLFLOW_HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)
    settings, tracking_uri, view = _sidebar()
    st.title("Credit scoring — client explorer")
    champion = _champion(tracking_uri)
    if champion is not None:
        st.sidebar.caption(f"Model: {champion.name} version {champion.version} (@{champion.alias})")
        if champion.model_card:
            with st.sidebar.expander("Model card"):
                st.markdown(champion.model_card)
    if view == "batch":
        _batch_view(settings, champion)
        return
    client_id = _pick_client(champion)
    if client_id is None:
        st.info("Choose a client from the list or type a client id.")
        return
    answers = _score(settings, api.id_request([client_id], top_k=LOOKUP_TOP_K))
    if answers is None:
        return
    client = answers[0]
    if client.error:
        st.error(f"Client {client_id} could not be scored — {client.error}", icon=":material/person_off:")
        return
    st.markdown(
        f"**Client {client.client_id}** — {text.decision_label(client.decision)} — estimated risk "
        f"{text.format_probability(client.probability)} (model version {client.model_version})"
    )
    if view == "decision":
        _decision_view(client)
    elif view == "why":
        _why_view(client, champion)
    elif view == "compare":
        _compare_view(client, champion)
    else:
        _what_if_view(client, champion, settings)


main()

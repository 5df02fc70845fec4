"""Streamlit client of the credit-scoring API: look a client up, explain, compare, what-if, score a batch.

Run: `streamlit run streamlit_client/app.py` with the model server at CREDIT_SCORING_API_URL and the MLflow
tracking store at MLFLOW_TRACKING_URI. The app talks to the model over HTTP only (streamlit_client.api) and
reads model metadata over the MLflow tracking API (streamlit_client.registry).
"""

from __future__ import annotations

import hashlib
import json
import os

import pandas as pd
import streamlit as st

from custom_model.contract import API_TIMEOUT_ENV, API_URL_ENV, DEFAULT_API_URL, ID_COLUMN, TRACKING_URI_ENV
from streamlit_client import api, charts, style, text
from streamlit_client.attribution import Attribution, attribute, group_missing_history, supporting_order
from streamlit_client.client_file import APPLICATION_FIELDS, HISTORY_FIELDS, file_lines, file_values
from streamlit_client.errors import ApiRequestError, ApiUnavailableError, ClientAppError
from streamlit_client.neighbours import (
    most_important_features,
    nearest_neighbours,
    numeric_features,
)
from streamlit_client.registry import Champion, RegistryError, load_champion
from streamlit_client.sign_in import signed_in
from streamlit_client.views import (
    BATCH_HEADERS,
    BATCH_MAX_ROWS,
    WHAT_IF_FIELDS,
    apply_edits,
    batch_table,
    client_values,
    feature_labels,
    outcome_words,
    plain_label,
    read_applicants,
    second_axis,
    what_if_defaults,
)

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
    """The journey, then the settings behind an "Administration" expander (defaults from the environment)."""
    keys = list(VIEWS)
    if "view" not in st.session_state:  # first run of the session: the page URL may choose the journey
        wanted = st.query_params.get("view", "decision")
        st.session_state["view"] = wanted if wanted in keys else keys[0]
    view = st.sidebar.radio(
        "What do you want to do?", options=keys, format_func=VIEWS.__getitem__, key="view"
    )
    st.query_params["view"] = view
    admin = st.sidebar.expander("Administration (IT support only)", icon=":material/settings:")
    url = admin.text_input(
        "Scoring API URL",
        value=os.environ.get(API_URL_ENV, DEFAULT_API_URL),
        help=f"Base URL of the scoring service (environment variable {API_URL_ENV}).",
    )
    tracking_uri = admin.text_input(
        "MLflow tracking URI",
        value=os.environ.get(TRACKING_URI_ENV, DEFAULT_TRACKING_URI),
        help=f"Where the model registry and the champion's artifacts are ({TRACKING_URI_ENV}).",
    )
    timeout = float(os.environ.get(API_TIMEOUT_ENV, api.ApiSettings.read_timeout_s))
    return api.ApiSettings(url=url.strip(), read_timeout_s=timeout), tracking_uri.strip(), view


def _champion(tracking_uri: str) -> Champion | None:
    """Model metadata, or None with a warning: lookups still work without it, comparisons do not."""
    try:
        champion = _champion_cached(tracking_uri)
    except RegistryError as exc:
        st.warning(
            "Some model information could not be read, so comparisons with other clients are disabled. "
            f"Details for IT support: {exc}",
            icon=":material/info:",
        )
        st.button("Retry reading the model information", icon=":material/refresh:", key="retry-registry")
        return None
    for problem in champion.problems:
        st.warning(f"Part of the model information could not be read: {problem}", icon=":material/info:")
    return champion


def _known_clients(champion: Champion | None) -> dict[int, str]:
    """Every client the app can list, with what it is: current applicants first, then past clients."""
    if champion is None:
        return {}
    known = {int(i): "current applicant" for i in champion.applicants}
    if champion.reference is not None:
        past = sorted(int(i) for i in champion.reference[ID_COLUMN])
        known |= {i: "past client (reference sample)" for i in past if i not in known}
    return known


def _clear_typed_id() -> None:
    st.session_state["typed_id"] = ""


def _pick_client(champion: Champion | None) -> int | None:
    """One list of the known clients plus a typed id, kept in step; the page URL can pre-select one."""
    known = _known_clients(champion)
    ids = list(known)
    if "picked_id" not in st.session_state:  # first run of the session: the page URL may pre-select a client
        wanted = st.query_params.get("client", "")
        wanted_id = int(wanted) if wanted.isdigit() else None
        st.session_state["picked_id"] = wanted_id if wanted_id in known else (ids[0] if ids else None)
        st.session_state["typed_id"] = "" if wanted_id in known else wanted
    example = ids[0] if ids else None
    left, right = st.columns(2)
    # the typed id first, so that the list shows that client too (or none when it does not hold it)
    typed = right.text_input(
        "…or type any client id", placeholder=f"e.g. {example}" if example else "", key="typed_id"
    ).strip()
    if typed.isdigit():
        st.session_state["picked_id"] = int(typed) if int(typed) in known else None
    picked = left.selectbox(
        "Client: current applicants, then past clients (type to search)",
        options=ids,
        format_func=lambda i: f"{i} — {known[i]}",
        placeholder="the typed id is not in this list" if typed else "No client list available",
        key="picked_id",
        on_change=_clear_typed_id,
    )
    if typed and not typed.isdigit():
        st.error(f"“{typed}” is not a client id: expected a whole number such as {example or 100002}.")
        return None
    chosen = int(typed) if typed else picked
    if chosen is not None:
        st.query_params["client"] = str(chosen)
    return chosen


def _plain(contributions: tuple[api.Contribution, ...]) -> list[api.Contribution]:
    """Contributions with labels fit for the units shown (days are shown as years)."""
    return [
        api.Contribution(c.feature, plain_label(c.feature, c.label), c.value, c.contribution)
        for c in contributions
    ]


def _attribution(client: api.ClientScore) -> Attribution | None:
    """The client's factors in percentage points (None when the answer carries no base value)."""
    if client.base_value is None or client.probability is None:
        return None
    factors = group_missing_history(_plain(client.contributions))
    return attribute(factors, base_value=client.base_value, probability=client.probability)


def _decision_view(client: api.ClientScore, champion: Champion | None) -> None:
    """Journey 1: gauge around the limit, decision, distance to it, reasons in points, the client's file."""
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(charts.gauge(client.probability, client.threshold), width="stretch", theme=None)
        upper = charts.gauge_upper(client.probability, client.threshold)
        st.caption(text.gauge_summary(client.probability, client.threshold, upper))
    with right:
        st.subheader(f"Decision: {text.decision_label(client.decision)}")
        st.metric("Estimated risk of repayment difficulties", text.format_probability(client.probability))
        st.write(text.threshold_sentence(client.probability, client.threshold, client.decision))
        attribution = _attribution(client)
        st.markdown("**Main reasons** (what supports the decision first)")
        reasons = [] if attribution is None else supporting_order(attribution.reasons, client.decision)[:5]
        if not reasons:
            st.write("The model gave no reasons for this client.")
        for item in reasons:
            st.markdown(f"- {text.reason_sentence(item)}")
        if attribution is not None and reasons:
            st.caption(text.base_sentence(attribution))
    _client_file(client, champion)


def _client_file(client: api.ClientScore, champion: Champion | None, *, title: bool = True) -> None:
    """The client's file: key application fields and history summaries, in plain words and units."""
    values = file_values(client, None if champion is None else champion.reference)
    if title:
        st.subheader("The client's file")
    left, right = st.columns(2)
    for column, title, fields in (
        (left, "Application", APPLICATION_FIELDS),
        (right, "History", HISTORY_FIELDS),
    ):
        column.markdown(f"**{title}**")
        column.markdown("\n".join(f"- {label}: **{value}**" for label, value in file_lines(fields, values)))


def _why_view(client: api.ClientScore, champion: Champion | None) -> None:
    """Journey 2: the client's factors in percentage points beside the model's global importance."""
    attribution = _attribution(client)
    st.write(
        "Each bar is how many **percentage points** a factor adds to (▲) or takes from (▼) the estimated "
        "risk. The points add up exactly to the difference between this client's risk and the risk of a "
        "client the model knows nothing about."
    )
    if attribution is None:
        st.info("The model gave no factors for this client.")
    else:
        st.plotly_chart(charts.points_chart(attribution.reasons), width="stretch", theme=None)
        st.caption(text.points_summary(attribution.reasons, attribution))
    if champion is None or champion.importance is None:
        st.info("Global importance is not available (model information could not be read).")
    else:
        labels = feature_labels(champion.importance, None)
        importance = champion.importance.assign(label=champion.importance["feature"].map(labels))
        shares = 100 * importance["mean_abs_contribution"] / importance["mean_abs_contribution"].sum()
        st.plotly_chart(charts.importance_chart(importance), width="stretch", theme=None)
        st.caption(text.importance_summary(list(importance["label"]), list(shares)))
    _expert_view(client, attribution)


def _expert_view(client: api.ClientScore, attribution: Attribution | None) -> None:
    """Log-odds for the data scientist, out of the officer's way."""
    with st.expander("Expert view: the model's log-odds"):
        base = "" if client.base_value is None else f" The base value is {client.base_value:.3f} log-odds."
        st.write(
            "The model adds log-odds; the points above convert them exactly (Shapley values of the "
            f"probability, see the README).{base}"
        )
        points = {} if attribution is None else {r.feature: r.points for r in attribution.reasons}
        contributions = _plain(client.contributions)
        table = pd.DataFrame(
            {
                "Factor": [c.label for c in contributions],
                "Value": [text.format_value(c.feature, c.value, c.label) for c in contributions],
                "Contribution (log-odds)": [round(c.contribution, 4) for c in contributions],
                "Percentage points": [
                    round(points[c.feature], 2) if c.feature in points else None for c in contributions
                ],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")


#: Words of each grouping of the reference clients, good side first (as in charts.GROUPINGS).
GROUP_WORDS = {
    "outcome": ("clients who repaid", "clients who had difficulties"),
    "decision": ("accepted clients", "refused clients"),
}


def _compare_view(client: api.ClientScore, champion: Champion | None) -> None:
    """Journey 3: one feature's distribution by group, a two-feature scatter, and similar clients."""
    if champion is None or champion.reference is None or champion.importance is None:
        st.info("Comparisons need the reference sample and the global importance of the champion model.")
        return
    reference, importance = champion.reference, champion.importance
    labels = feature_labels(importance, reference)
    available = numeric_features(reference, exclude=["outcome"])
    ranked = most_important_features(importance, available, n=len(available))
    features = ranked + [f for f in available if f not in ranked]
    if not features:
        st.info("The reference sample has no numeric feature to compare on.")
        return
    values = client_values(client, reference)
    choices = ["outcome", "decision"] if "TARGET" in reference else ["decision"]
    by = st.radio(
        "Compare with",
        options=choices,
        format_func={
            "outcome": "what really happened (repaid / had difficulties)",
            "decision": "the model's decisions (accepted / refused)",
        }.__getitem__,
        horizontal=True,
        key="compare_by",
    )
    grouped = reference.assign(outcome=outcome_words(reference)) if "TARGET" in reference else reference
    _one_feature_section(grouped, features, labels, values, by)
    _two_features_section(grouped, features, labels, values, by)
    _similar_clients_section(client, reference, ranked, labels, values)


def _one_feature_section(
    reference: pd.DataFrame, features: list[str], labels: dict[str, str], values: dict, by: str
) -> None:
    """One feature's distribution in each group, with this client's value."""
    good, bad = GROUP_WORDS[by]
    st.subheader(f"One feature: this client among {good} and {bad}")
    feature = st.selectbox("Feature", options=features, format_func=labels.__getitem__, key="compare_feature")
    shown = charts.to_display(feature, pd.Series([values.get(feature)])).iloc[0]
    client_value = None if pd.isna(shown) else float(shown)
    st.plotly_chart(
        charts.distribution_chart(reference, feature, labels[feature], client_value, by=by),
        width="stretch",
        theme=None,
    )
    display = charts.to_display(feature, reference[feature])
    levels = charts.GROUPINGS[by][1]
    st.caption(
        text.distribution_summary(
            labels[feature],
            text.feature_unit(feature),
            client_value,
            list(display[reference[by] == levels[0]].dropna()),
            list(display[reference[by] == levels[1]].dropna()),
            GROUP_WORDS[by],
        )
    )


def _two_features_section(
    reference: pd.DataFrame, features: list[str], labels: dict[str, str], values: dict, by: str
) -> None:
    """A two-feature scatter of the reference clients with this client as a star."""
    st.subheader("Two features at once")
    left, right = st.columns(2)
    x = left.selectbox("Horizontal axis", options=features, index=0, format_func=labels.__getitem__, key="x")
    y = right.selectbox(
        "Vertical axis",
        options=features,
        index=features.index(second_axis(reference, features)),
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
    st.plotly_chart(charts.scatter_chart(reference, x, y, labels, point, by=by), width="stretch", theme=None)
    counts = reference[by].value_counts()
    levels = charts.GROUPINGS[by][1]
    st.caption(
        text.scatter_summary(
            labels[x],
            labels[y],
            int(counts.get(levels[0], 0)),
            int(counts.get(levels[1], 0)),
            point is not None,
            GROUP_WORDS[by],
        )
    )


def _similar_clients_section(
    client: api.ClientScore, reference: pd.DataFrame, ranked: list[str], labels: dict[str, str], values: dict
) -> None:
    """The nearest reference clients on the most important features, with their real outcomes."""
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
    with st.expander("The client's file (the form starts from these values)"):
        _client_file(client, champion, title=False)
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
        charts.what_if_chart(old.probability, new.probability, new.threshold, (old.decision, new.decision)),
        width="stretch",
        theme=None,
    )
    change = (
        "the decision stays the same"
        if old.decision == new.decision
        else f"the decision changes from {old.decision} to {new.decision}"
    )
    st.caption(
        "Chart in words: with your edits the estimated risk goes from "
        f"{text.format_probability(old.probability)} to "
        f"{text.format_probability(new.probability)} ({delta:+.1f} percentage points); {change}."
    )


def _score_rows(settings: api.ApiSettings, rows: pd.DataFrame, first_line: int) -> list[api.ClientScore]:
    """Score rows; when the API refuses the request, split it until the refused row stands alone.

    One bad cell then costs that row only (its answer carries the error, naming the file line), and the
    other rows are still scored: about 2 × log2(rows) extra requests per bad row.
    """
    try:
        return _score_cached(
            settings.url, settings.read_timeout_s, api.payload_key(api.build_request(rows, top_k=BATCH_TOP_K))
        )
    except ApiRequestError as exc:
        if len(rows) == 1:
            reason = text.officer_error(str(exc).split(": ", 1)[-1])
            return [api.failed_row(int(rows[ID_COLUMN].iloc[0]), f"line {first_line}: {reason}")]
    half = len(rows) // 2
    return [
        *_score_rows(settings, rows.iloc[:half], first_line),
        *_score_rows(settings, rows.iloc[half:], first_line + half),
    ]


def _batch_view(settings: api.ApiSettings, champion: Champion | None) -> None:
    """Journey 5: upload a CSV of applicants, score it through the API row by row, download the answers."""
    st.write(
        f"Upload a CSV file with one applicant per line and a `{ID_COLUMN}` column (the client number), "
        f"up to {BATCH_MAX_ROWS:,} lines. A line with only the client number is looked up in the client "
        "files; a line with application fields is scored from those fields."
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
    try:
        for start in range(0, len(applicants), BATCH_CHUNK_ROWS):
            chunk = applicants.iloc[start : start + BATCH_CHUNK_ROWS]
            answers.extend(_score_rows(settings, chunk, first_line=start + 2))
    except ApiUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        st.button("Retry", icon=":material/refresh:", key="retry-batch", type="primary")
        return
    results = api.answers_frame(answers)
    n_accepted = int((results["decision"] == "accepted").sum())
    n_refused = int((results["decision"] == "refused").sum())
    n_errors = int(results["error"].notna().sum())
    st.success(
        f"Scored {len(results)} applicants: {n_accepted} ✔ accepted, {n_refused} ✖ refused, "
        f"{n_errors} could not be scored."
    )
    table = batch_table(results)
    failed = table[table[BATCH_HEADERS["error"]] != ""]
    if not failed.empty:
        lines = [
            f"- client {row[BATCH_HEADERS['SK_ID_CURR']]}: {row[BATCH_HEADERS['error']]}"
            for _, row in failed.head(10).iterrows()
        ]
        more = f"\n\n…and {len(failed) - 10} more (see the table)." if len(failed) > 10 else ""
        st.warning("Not scored:\n" + "\n".join(lines) + more, icon=":material/warning:")
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 600))
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
    st.markdown(style.CSS, unsafe_allow_html=True)
    if not signed_in():
        return
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
        st.error(
            f"Client {client_id} could not be scored: {text.officer_error(client.error)}",
            icon=":material/person_off:",
        )
        return
    st.markdown(
        f"**Client {client.client_id}** — {text.decision_label(client.decision)} — estimated risk "
        f"{text.format_probability(client.probability)} (model version {client.model_version})"
    )
    if view == "decision":
        _decision_view(client, champion)
    elif view == "why":
        _why_view(client, champion)
    elif view == "compare":
        _compare_view(client, champion)
    else:
        _what_if_view(client, champion, settings)


main()

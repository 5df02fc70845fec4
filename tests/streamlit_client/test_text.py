"""Plain-language text: hand-written expected sentences."""

from __future__ import annotations

from streamlit_client import text
from streamlit_client.api import Contribution
from streamlit_client.charts import short_labels


def test_threshold_sentence_gives_the_distance_in_percentage_points() -> None:
    assert text.threshold_sentence(0.234, 0.3) == (
        "The estimated risk of repayment difficulties is 23.4 %, 6.6 percentage points below the limit of "
        "30.0 %, so the application is accepted."
    )
    assert text.threshold_sentence(0.5, 0.3).endswith(
        "20.0 percentage points above the limit of 30.0 %, so the application is refused."
    )
    assert text.threshold_sentence(0.3, 0.3).endswith(
        "exactly at the limit of 30.0 %, so the application is refused."
    )


def test_decision_label_carries_an_icon_and_a_word() -> None:
    assert text.decision_label("accepted") == "✔ Accepted"
    assert text.decision_label("refused") == "✖ Refused"
    assert text.decision_label(None) == "– No decision"


def test_format_value_writes_days_as_years_and_amounts_with_separators() -> None:
    assert text.format_value("DAYS_EMPLOYED", -3652.5) == "10.0 years"
    assert text.format_value("AMT_CREDIT", 1234567.8) == "1,234,568"
    assert text.format_value("CNT_CHILDREN", 2.0) == "2"
    assert text.format_value("EXT_SOURCE_2", 0.51234) == "0.512"
    assert text.format_value("EXT_SOURCE_2", None) == "not known"
    assert text.format_value("PREV_DAYS_FIRST_DUE_MAX", -11.0) == "11 days before the application"
    assert text.format_value("INSTAL_DPD_MEAN", 3.5) == "3.5"
    assert text.format_value("NAME_CONTRACT_TYPE", "Cash loans") == "Cash loans"


def test_reason_sentence_says_which_way_the_factor_pushes() -> None:
    up = Contribution("EXT_SOURCE_2", "External score 2", 0.1, 0.8)
    down = Contribution("AMT_INCOME_TOTAL", "Annual income", 250000.0, -0.3)
    assert text.reason_sentence(up) == "External score 2: 0.1 — ▲ this raises the estimated risk."
    assert text.reason_sentence(down) == "Annual income: 250,000 — ▼ this lowers the estimated risk."


def test_top_reasons_orders_by_strength_each_way_and_ignores_zeros() -> None:
    items = [
        Contribution("a", "a", 1, 0.1),
        Contribution("b", "b", 1, 0.9),
        Contribution("c", "c", 1, -0.2),
        Contribution("d", "d", 1, 0.0),
        Contribution("e", "e", 1, -0.7),
        Contribution("f", "f", 1, 0.5),
    ]
    against, in_favour = text.top_reasons(items, n_against=2, n_for=5)
    assert [c.feature for c in against] == ["b", "f"]
    assert [c.feature for c in in_favour] == ["e", "c"]


def test_distribution_summary_counts_the_share_at_or_below_the_client() -> None:
    summary = text.distribution_summary(
        "Annual income", "currency units", 3.0, [1.0, 2.0, 3.0, 4.0], [5.0, 6.0]
    )
    assert summary == (
        "This client's Annual income is 3 currency units; "
        "75 % of accepted clients (median 2.5) are at or below it; "
        "0 % of refused clients (median 5.5) are at or below it."
    )


def test_neighbours_summary_mentions_defaults_only_when_known() -> None:
    assert text.neighbours_summary(5, 2, 1) == (
        "Of the 5 most similar clients, 2 were refused and 3 accepted; "
        "1 of them later had repayment difficulties."
    )
    assert (
        text.neighbours_summary(5, 0, None) == "Of the 5 most similar clients, 0 were refused and 5 accepted."
    )


def test_contributions_summary_names_the_strongest_factor_each_way() -> None:
    items = [Contribution("a", "Age", 1, 0.4), Contribution("b", "Income", 1, -0.1)]
    assert text.contributions_summary(items) == (
        "Bars to the right (▲) raise the risk, bars to the left (▼) lower it; values are in log-odds. "
        "The strongest push towards refusal is Age (+0.40); "
        "the strongest push towards acceptance is Income (-0.10)."
    )


def test_short_labels_stay_distinct_so_no_bars_merge() -> None:
    labels = ["Previous applications: share A", "Previous applications: share B", "Age"]
    assert short_labels(labels, width=20) == [
        "Previous applicatio…",
        "Previous applicatio… (2)",
        "Age",
    ]

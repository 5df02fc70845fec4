"""Plain-language text: hand-written expected sentences."""

from __future__ import annotations

from streamlit_client import text
from streamlit_client.attribution import Attribution, Reason


def test_threshold_sentence_gives_the_distance_in_percentage_points() -> None:
    assert text.threshold_sentence(0.234, 0.3, "accepted") == (
        "The estimated risk of repayment difficulties is 23.4 %, 6.6 percentage points below the limit of "
        "30.0 %, so the application is accepted."
    )
    assert text.threshold_sentence(0.5, 0.3, "refused").endswith(
        "20.0 percentage points above the limit of 30.0 %, so the application is refused."
    )
    assert text.threshold_sentence(0.3, 0.3, "refused").endswith(
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
    assert text.format_value("EXT_SOURCE_2", 0.51234) == "0.51 (scale 0 to 1)"
    assert text.format_value("EXT_SOURCE_2", None) == "not provided"
    assert text.format_value("EXT_SOURCE_2", float("nan")) == "not provided"
    assert text.format_value("CODE_GENDER_F", 1.0, "Gender: F") == "yes"
    assert text.format_value("X_MEAN", 0.25, "Previous applications: share with X") == "25 %"
    assert text.format_value("PREV_DAYS_FIRST_DUE_MAX", -11.0) == "11 days before the application"
    assert text.format_value("INSTAL_DPD_MEAN", 3.5) == "3.5 days"
    assert text.format_value("NAME_CONTRACT_TYPE", "Cash loans") == "Cash loans"


def test_reason_sentence_gives_the_value_in_its_unit_and_the_size_in_points() -> None:
    up = Reason("EXT_SOURCE_2", "External score 2", 0.1, 0.8, 3.44)
    down = Reason("AMT_INCOME_TOTAL", "Annual income", 250000.0, -0.3, -0.04)
    missing = Reason("EXT_SOURCE_1", "External score 1", None, -0.2, -1.2)
    assert text.reason_sentence(up) == (
        "External score 2: 0.10 (scale 0 to 1) — ▲ raises the risk by 3.4 percentage points."
    )
    assert text.reason_sentence(down) == (
        "Annual income: 250,000 — ▼ lowers the risk by less than 0.1 percentage points."
    )
    assert (
        text.reason_sentence(missing)
        == "External score 1: not provided — ▼ lowers the risk by 1.2 percentage points."
    )


def test_distribution_summary_counts_the_share_at_or_below_the_client() -> None:
    summary = text.distribution_summary(
        "Annual income", "currency units", 3.0, [1.0, 2.0, 3.0, 4.0], [5.0, 6.0]
    )
    assert summary == (
        "Chart in words: this client's Annual income is 3 currency units; "
        "50 % of all 6 clients (median 3.5) are at or below it; "
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


def test_points_summary_is_a_text_alternative_of_every_bar_and_adds_up() -> None:
    reasons = (Reason("a", "Age", 1, 0.4, 5.0), Reason("b", "Income", 1, -0.1, -1.0))
    attribution = Attribution(0.10, 0.145, reasons, 0.5)
    assert text.points_summary(reasons, attribution) == (
        "Chart in words: Age raises the risk by 5.0 percentage points; Income lowers the risk by 1.0 "
        "percentage points. The model starts from 10.0 % for a client it knows nothing about; this client's "
        "factors bring the risk to 14.5 % (+4.5 percentage points). All other factors together: +0.5 pts."
    )

"""The drift HTML carries its context: model, run, dates, both sides, the PSI verdict, the conclusion."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from drift.report import display_names, drift_report
from drift.summary import conclusion, with_header, write_outputs
from tests.drift.factories import FEATURES, feature_frame

COLUMNS = [*FEATURES, "probability_default"]
LABELS = {"EXT_SOURCE_3": "External score 3", "DAYS_BIRTH": "Age", "probability_default": "Predicted risk"}
CONTEXT = {
    "model_name": "credit-scoring",
    "model_version": "7",
    "model_run_id": "abc123",
    "model_trained_at": "2026-11-30T08:15+00:00",
    "generated_at": "2026-12-03T10:00:00+00:00",
    "reference": "the model's training clients",
    "current": "the rows the API answered from 2026-11-26 10:00 to 2026-12-03 10:00 UTC",
    "alerts": [],
}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    reference, current = feature_frame(3_000, seed=1), feature_frame(1_500, seed=2, shifted=True)
    summary = drift_report(
        reference, current, columns=COLUMNS, labels=LABELS, score_column="probability_default"
    )
    path, _ = write_outputs(summary, tmp_path_factory.mktemp("reports"), context=CONTEXT)
    return path.read_text(encoding="utf-8"), conclusion(summary)


def test_the_header_names_the_model_its_run_the_dates_and_both_sides(page: tuple[str, str]) -> None:
    document, _ = page
    header = document[document.index("<section id='credit-scoring-context'") :]
    header = header[: header.index("</section>")]
    assert "credit-scoring version 7" in header
    assert "abc123 (trained 2026-11-30T08:15+00:00)" in header
    assert "2026-12-03T10:00:00+00:00" in header
    assert "the model&#x27;s training clients — 3,000 rows" in header
    assert "from 2026-11-26 10:00 to 2026-12-03 10:00 UTC — 1,500 rows" in header
    assert "Score stability (PSI)" in header and "no alert rule fired" in header


def test_the_plain_words_conclusion_is_inside_the_html(page: tuple[str, str]) -> None:
    document, words = page
    assert html.escape(words) in document
    assert words.startswith("Data drift: 3 of 10 tested features drifted")


def test_evidently_shows_columns_under_their_plain_labels(page: tuple[str, str]) -> None:
    document, _ = page
    assert "External score 3 (EXT_SOURCE_3)" in document
    assert "Age (DAYS_BIRTH)" in document
    assert display_names(["EXT_SOURCE_3", "AMT_CREDIT"], LABELS) == {
        "EXT_SOURCE_3": "External score 3 (EXT_SOURCE_3)",
        "AMT_CREDIT": "AMT_CREDIT",
    }


def test_the_header_goes_right_after_the_body_tag() -> None:
    assert with_header("<html><body class='x'><p>a</p></body></html>", "<h1>H</h1>") == (
        "<html><body class='x'><h1>H</h1><p>a</p></body></html>"
    )
    assert with_header("<p>a</p>", "<h1>H</h1>") == "<h1>H</h1><p>a</p>"


def test_labels_do_not_change_the_verdicts() -> None:
    reference, current = feature_frame(3_000, seed=1), feature_frame(1_500, seed=2, shifted=True)
    plain = drift_report(reference, current, columns=COLUMNS, score_column="probability_default")
    labelled = drift_report(
        reference, current, columns=COLUMNS, labels=LABELS, score_column="probability_default"
    )
    assert pd.Series([c.statistic for c in plain.columns]).equals(
        pd.Series([c.statistic for c in labelled.columns])
    )

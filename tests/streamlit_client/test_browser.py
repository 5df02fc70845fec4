"""Real browser: headless Chromium opens the running app (`streamlit run`), looks a client up, sees it.

Needs Debian's Chromium: `apt-get install -y chromium`. Screenshots go to tmp_path, or to the folder named by
CREDIT_SCORING_SCREENSHOTS_DIR (e.g. docs/screenshots) to refresh the README's pictures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamlit_client import text
from tests.streamlit_client.browser import (
    batch_file,
    capture_journeys,
    chromium,
    chromium_path,
    streamlit_app,
)
from tests.streamlit_client.conftest import ServedModel

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def app_url(served_model: ServedModel) -> Iterator[str]:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI: apt-get install -y chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with streamlit_app(served_model.url, served_model.model.tracking_uri) as url:
        yield url


def _shots_dir(tmp_path: Path) -> Path:
    wanted = os.environ.get("CREDIT_SCORING_SCREENSHOTS_DIR")
    return Path(wanted).resolve() if wanted else tmp_path


def test_a_loan_officer_looks_a_client_up_in_a_real_browser(
    app_url: str, served_model: ServedModel, tmp_path: Path
) -> None:
    refused = served_model.reference[served_model.reference["decision"] == "refused"].iloc[0]
    client_id, probability = int(refused["SK_ID_CURR"]), float(refused["probability_default"])
    with chromium() as browser:
        browser.open(f"{app_url}/?view=decision")
        browser.wait_for_text("Main reasons")  # the first reference client is shown by default
        browser.type_into("…or type any client id", str(client_id))
        page = browser.wait_for_text(f"Client {client_id} —")
        shot = browser.screenshot(tmp_path / "lookup.png")
    assert "Decision: ✖ Refused" in page
    assert text.threshold_sentence(probability, served_model.model.threshold, "refused") in page
    assert "▲ raises the risk by" in page and "percentage points." in page
    assert shot.read_bytes().startswith(PNG_MAGIC) and shot.stat().st_size > 20_000


def test_every_journey_shows_the_officer_points_the_file_the_gauge_range_and_chart_texts(
    app_url: str, served_model: ServedModel, tmp_path: Path
) -> None:
    reference = served_model.reference
    refused = reference[reference["decision"] == "refused"].iloc[0]
    client_id, threshold = int(refused["SK_ID_CURR"]), served_model.model.threshold
    batch = batch_file(reference, tmp_path / "applicants.csv")
    with chromium() as browser:
        seen = capture_journeys(browser, app_url, client_id, _shots_dir(tmp_path), batch)
    assert list(seen) == ["1_decision", "2_understand_the_score", "3_compare", "4_what_if", "5_batch"]
    for name, (shot, page, charts) in seen.items():
        assert shot.read_bytes().startswith(PNG_MAGIC), name
        assert page.count("in words:") >= charts, f"{name}: {charts} charts, not all with a text alternative"
        assert "Deploy" not in page and "Scoring API URL" not in page, name  # viewer toolbar, settings hidden

    decision = seen["1_decision"][1]
    assert "Main reasons (what supports the decision first)" in decision
    assert "▲ raises the risk by" in decision and "percentage points" in decision
    assert "The client's file" in decision
    assert f"Annual income: {refused['AMT_INCOME_TOTAL']:,.0f}" in decision
    upper = max(300 * threshold, 115 * float(refused["probability_default"]))
    assert f"Gauge in words: the scale runs from 0 % to {min(upper, 100.0):.1f} %" in decision
    assert "log-odds" not in decision

    why = seen["2_understand_the_score"][1]
    assert "percentage points" in why and "Chart in words:" in why
    assert "Expert view: the model's log-odds" in why

    batch_page = seen["5_batch"][1]
    bad_id = int(reference["SK_ID_CURR"].iloc[9])
    assert f"client {bad_id}: line 11: column AMT_CREDIT must be a number" in batch_page
    assert "Scored 11 applicants:" in batch_page and "1 could not be scored." in batch_page

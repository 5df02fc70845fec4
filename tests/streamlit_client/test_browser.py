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
from tests.streamlit_client.browser import capture_journeys, chromium, chromium_path, streamlit_app
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
    assert text.threshold_sentence(probability, served_model.model.threshold) in page
    assert "▲ this raises the estimated risk" in page
    assert shot.read_bytes().startswith(PNG_MAGIC) and shot.stat().st_size > 20_000


def test_every_journey_renders_in_a_real_browser(
    app_url: str, served_model: ServedModel, tmp_path: Path
) -> None:
    reference = served_model.reference
    refused = reference[reference["decision"] == "refused"]
    client_id = int(refused["SK_ID_CURR"].iloc[0])
    batch = tmp_path / "applicants.csv"
    reference[["SK_ID_CURR"]].head(12).to_csv(batch, index=False)
    with chromium() as browser:
        shots = capture_journeys(browser, app_url, client_id, _shots_dir(tmp_path), batch)
    assert [s.name for s in shots] == [
        "1_decision.png",
        "2_understand_the_score.png",
        "3_compare.png",
        "4_what_if.png",
        "5_batch.png",
    ]
    assert all(s.read_bytes().startswith(PNG_MAGIC) for s in shots)

"""WCAG AA contrast of every text and mark colour the app draws, computed, and the app's Streamlit config."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from streamlit_client import style

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_the_contrast_formula_gives_the_known_ratios() -> None:
    assert style.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert style.contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert style.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the AA grey
    # Streamlit's default caption grey (60 % of #31333F on white) fails AA: the app overrides it.
    assert style.contrast_ratio("#838589", "#FFFFFF") < 4.5


@pytest.mark.parametrize(("foreground", "background", "what"), style.TEXT_PAIRS)
def test_every_text_colour_reaches_wcag_aa(foreground: str, background: str, what: str) -> None:
    assert style.contrast_ratio(foreground, background) >= 4.5, what


@pytest.mark.parametrize(("foreground", "background", "what"), style.GRAPHIC_PAIRS)
def test_every_chart_mark_reaches_the_non_text_contrast(foreground: str, background: str, what: str) -> None:
    assert style.contrast_ratio(foreground, background) >= 3.0, what


def test_the_caption_css_applies_the_checked_colour() -> None:
    assert f"color: {style.CAPTION} !important" in style.CSS
    assert '[data-testid="stCaptionContainer"]' in style.CSS


def test_streamlit_config_hides_the_developer_toolbar_and_uses_the_checked_colours() -> None:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer"
    theme = config["theme"]
    assert (theme["textColor"], theme["backgroundColor"], theme["primaryColor"]) == (
        style.TEXT,
        style.BACKGROUND,
        style.BLUE,
    )

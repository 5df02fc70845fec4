"""The app's colours, declared once, and the CSS that applies them (checked against WCAG AA by the tests).

One meaning per colour everywhere: blue = accepted / lowers the risk, vermillion = refused / raises the risk
(Okabe-Ito, distinguishable with the common colour-vision deficiencies); black = this client and the limit.
"""

from __future__ import annotations

BACKGROUND = "#FFFFFF"
TEXT = "#1A1A1A"
#: Captions and secondary text: 8.6:1 on white (Streamlit's default faded grey is 3.9:1, below AA's 4.5:1).
CAPTION = "#4A4A4A"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
BLACK = "#000000"
GREY = "#595959"
#: Light fills of the gauge's two zones (behind black text and the black bar).
ACCEPT_ZONE = "#CCE3F2"
REFUSE_ZONE = "#F7D9C4"
#: Dark text variants of the two decision colours, for coloured words (≥ 4.5:1 on white).
BLUE_TEXT = "#005A8C"
VERMILLION_TEXT = "#A34700"

#: (foreground, background, what) pairs of text the app draws; all must reach WCAG AA (4.5:1).
TEXT_PAIRS = (
    (TEXT, BACKGROUND, "body text"),
    (CAPTION, BACKGROUND, "captions and chart summaries"),
    (BLUE_TEXT, BACKGROUND, "'lowers the risk' words"),
    (VERMILLION_TEXT, BACKGROUND, "'raises the risk' words"),
    (TEXT, ACCEPT_ZONE, "gauge labels on the acceptance zone"),
    (TEXT, REFUSE_ZONE, "gauge labels on the refusal zone"),
    (BACKGROUND, BLUE, "text on the primary button"),
)
#: Non-text marks (bars, lines, symbols) need 3:1 against their background (WCAG 1.4.11).
GRAPHIC_PAIRS = (
    (BLUE, BACKGROUND, "accepted / lowers-risk marks"),
    (VERMILLION, BACKGROUND, "refused / raises-risk marks"),
    (BLACK, ACCEPT_ZONE, "client's bar and limit line on the gauge"),
    (BLACK, REFUSE_ZONE, "client's bar and limit line on the gauge"),
    (GREY, BACKGROUND, "global importance bars"),
)

CSS = f"""
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: {CAPTION} !important; }}
[data-testid="stWidgetLabel"] p {{ color: {TEXT}; }}
</style>
"""


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

"""Plain-language text: decisions, reasons a client understands, units, and the summary under every chart."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from typing import Any

from streamlit_client.attribution import NO_RECORD, Attribution, Reason

DECISION_WORDS = {"accepted": "Accepted", "refused": "Refused"}
# Icons repeat the meaning carried by colour, so the decision never depends on colour alone; these two
# dingbats are in common system fonts (DejaVu), unlike emoji.
DECISION_ICONS = {"accepted": "✔", "refused": "✖"}
_DAYS_PER_YEAR = 365.25


def format_probability(probability: float) -> str:
    """Show a probability as a percentage with one decimal."""
    return f"{100 * probability:.1f} %"


def decision_label(decision: str | None) -> str:
    """Icon + word for a decision, e.g. '✖ Refused'."""
    if decision not in DECISION_WORDS:
        return "– No decision"
    return f"{DECISION_ICONS[decision]} {DECISION_WORDS[decision]}"


_UNKNOWN_CLIENT = "unknown client id"
_PREFIXES = ("invalid request: ",)


def officer_error(message: str) -> str:
    """The API's message about one row in the officer's words (the technical detail stays when useful)."""
    if message.startswith(_UNKNOWN_CLIENT):
        return (
            "this client number is not in the client files the model knows. Check the number; a new "
            "applicant is scored from the application fields (“Score a file of applicants”)."
        )
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    return re.sub(r" on row \d+$", "", message)


def threshold_sentence(probability: float, threshold: float, decision: str) -> str:
    """Say how far the estimated risk is from the acceptance limit, in percentage points, and the decision.

    The decision is the API's (the refusal rule lives with the model, not in the client).
    """
    gap = 100 * (probability - threshold)
    where = "above" if gap > 0 else "below" if gap < 0 else "exactly at"
    distance = "" if gap == 0 else f"{abs(gap):.1f} percentage points "
    outcome = f"so the application is {decision}"
    return (
        f"The estimated risk of repayment difficulties is {format_probability(probability)}, "
        f"{distance}{where} the limit of {format_probability(threshold)}, {outcome}."
    )


def feature_unit(feature: str) -> str:
    """Unit of a model feature as the charts show it."""
    name = feature.upper()
    if name.startswith("DAYS_"):
        return "years"
    if name.startswith("AMT_") or "_AMT_" in name:
        return "currency units"
    if name.startswith("EXT_SOURCE"):
        return "score from 0 to 1"
    if name.startswith("CNT_") or name.endswith("_COUNT") or name.endswith("_SIZE"):
        return "count"
    if "_DAYS_" in name or name.startswith("DPD") or "_DPD" in name or "_DBD" in name:
        return "days"
    if name.endswith("_PERC") or "_PERC_" in name or name.endswith("_RATIO"):
        return "ratio"
    return "value as recorded"


def display_value(feature: str, value: Any) -> float | None:
    """Convert a raw feature value into the unit of `feature_unit` (DAYS_* become years, always positive)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    if feature.upper().startswith("DAYS_"):
        return abs(number) / _DAYS_PER_YEAR
    return number


def _is_flag(label: str, number: float) -> bool:
    """Whether a value is a yes/no indicator of a category level (label "Gender: F", value 0 or 1)."""
    return number in (0.0, 1.0) and ": " in label and "share" not in label.lower()


def format_value(feature: str, value: Any, label: str = "") -> str:
    """Write a feature value in the unit of its field (amounts with separators, days as years, 0–1 scores).

    A missing value is worded as missing ("not provided"), never as a number.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not provided"
    if isinstance(value, str):
        return value
    number = display_value(feature, value)
    if number is None:
        return str(value)
    unit = feature_unit(feature)
    if _is_flag(label, number):
        return "yes" if number == 1.0 else "no"
    if unit == "years":
        return f"{number:.1f} years"
    if unit == "currency units":
        return f"{number:,.0f}"
    if unit == "score from 0 to 1":
        return f"{number:.2f} (scale 0 to 1)"
    if unit == "days":
        size = f"{abs(number):,.0f}" if float(number).is_integer() else f"{abs(number):,.1f}"
        return f"{size} days before the application" if number < 0 else f"{size} days"
    if "share" in label.lower() and 0.0 <= number <= 1.0:
        return f"{100 * number:.0f} %"
    if unit == "count" and float(number).is_integer():
        return f"{int(number)}"
    return f"{number:.3g}" if abs(number) < 1000 else f"{number:,.0f}"


def format_points(points: float) -> str:
    """Size of a change of risk in percentage points, e.g. '3.4 percentage points' (never '0.0')."""
    size = abs(points)
    return "less than 0.1 percentage points" if size < 0.05 else f"{size:.1f} percentage points"


def signed_points(points: float) -> str:
    """Signed short form for tables and bars: '+3.4 pts', '−1.2 pts'."""
    sign = "+" if points > 0 else "−" if points < 0 else "±"
    return f"{sign}{abs(points):.1f} pts"


def reason_sentence(item: Reason) -> str:
    """One plain sentence for one factor: the client's value and how many points it moves the risk."""
    direction = "▲ raises the risk by" if item.points > 0 else "▼ lowers the risk by"
    return (
        f"{item.label}: {format_value(item.feature, item.value, item.label)} — "
        f"{direction} {format_points(item.points)}."
    )


def base_sentence(attribution: Attribution) -> str:
    """Where the points start from and where they end, so that the list of reasons adds up for the reader."""
    base = format_probability(attribution.base_probability)
    final = format_probability(attribution.probability)
    return (
        f"The model starts from {base} for a client it knows nothing about; this client's factors bring the "
        f"risk to {final} "
        f"({signed_points(attribution.total_points).replace(' pts', ' percentage points')}). "
        f"All other factors together: {signed_points(attribution.other_points)}."
    )


def points_summary(reasons: Sequence[Reason], attribution: Attribution) -> str:
    """Text alternative of the factors chart: every bar, its direction and its size, then where they lead."""
    if not reasons:
        return "The model gave no factors for this client."
    bars = "; ".join(
        f"{r.label}{': ' + NO_RECORD if r.value == NO_RECORD else ''} "
        f"{'raises' if r.points > 0 else 'lowers'} the risk by {format_points(r.points)}"
        for r in sorted(reasons, key=lambda r: -abs(r.points))
    )
    return f"Chart in words: {bars}. {base_sentence(attribution)}"


def gauge_summary(probability: float, threshold: float, upper: float) -> str:
    """Text alternative of the gauge."""
    risk, limit = format_probability(probability), format_probability(threshold)
    return (
        f"Gauge in words: the scale runs from 0 % to {upper:.1f} %. This client's risk, {risk}, is the black "
        f"bar; the limit, {limit}, is the thick black line: at or above it the application is refused."
    )


def importance_summary(labels: Sequence[str], shares: Sequence[float] = ()) -> str:
    """Text alternative of the global importance chart."""
    if not labels:
        return "No global importance is available for this model."
    if shares:
        pairs = zip(labels[:5], shares[:5], strict=False)
        top = "; ".join(f"{label} {share:.1f} %" for label, share in pairs)
        return f"Chart in words: across all clients, the model relies most on {top} of its total weight."
    return f"Across all clients, the model relies most on {', '.join(labels[:3])}."


def distribution_summary(
    label: str,
    unit: str,
    client_value: float | None,
    accepted: Sequence[float],
    refused: Sequence[float],
    groups: tuple[str, str] = ("accepted clients", "refused clients"),
) -> str:
    """Summary under the distribution chart: where the client sits among all clients, then in each group."""
    parts = []
    everyone = sorted(v for v in [*accepted, *refused] if v is not None and math.isfinite(v))
    if client_value is not None and everyone:
        share = 100 * sum(v <= client_value for v in everyone) / len(everyone)
        median, n = statistics.median(everyone), len(everyone)
        parts.append(f"{share:.0f} % of all {n:,} clients (median {median:,.3g}) are at or below it")
    for name, values in ((groups[0], accepted), (groups[1], refused)):
        finite = sorted(v for v in values if v is not None and math.isfinite(v))
        if not finite:
            parts.append(f"none of the {name} has a known value")
            continue
        median = statistics.median(finite)
        if client_value is None:
            parts.append(f"{name} have a median of {median:,.3g} {unit}")
        else:
            share = 100 * sum(v <= client_value for v in finite) / len(finite)
            parts.append(f"{share:.0f} % of {name} (median {median:,.3g}) are at or below it")
    start = (
        f"Chart in words: this client's {label} is not known"
        if client_value is None
        else f"Chart in words: this client's {label} is {client_value:,.3g} {unit}"
    )
    return start + "; " + "; ".join(parts) + "."


def scatter_summary(
    x_label: str,
    y_label: str,
    n_accepted: int,
    n_refused: int,
    client_shown: bool,
    groups: tuple[str, str] = ("accepted clients", "refused clients"),
) -> str:
    """Summary under the two-feature scatter."""
    where = (
        "The client is the large black star."
        if client_shown
        else "The client is not drawn: one of the two values is unknown."
    )
    return (
        f"Chart in words: {n_accepted} {groups[0]} (blue circles) and {n_refused} {groups[1]} "
        "(orange crosses) "
        f"by {x_label} and {y_label}. {where}"
    )


def neighbours_summary(n: int, n_refused: int, n_defaults: int | None) -> str:
    """Summary under the similar-clients table."""
    if n == 0:
        return "No similar client could be found."
    text = f"Of the {n} most similar clients, {n_refused} were refused and {n - n_refused} accepted"
    if n_defaults is not None:
        text += f"; {n_defaults} of them later had repayment difficulties"
    return text + "."

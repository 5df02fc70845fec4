"""Plain-language text: decisions, reasons a client understands, units, and the summary under every chart."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from streamlit_client.api import Contribution

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


def threshold_sentence(probability: float, threshold: float) -> str:
    """Say how far the estimated risk is from the acceptance limit, in percentage points."""
    gap = 100 * (probability - threshold)
    where = "above" if gap > 0 else "below" if gap < 0 else "exactly at"
    distance = "" if gap == 0 else f"{abs(gap):.1f} percentage points "
    outcome = (
        "so the application is refused" if probability >= threshold else "so the application is accepted"
    )
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


def format_value(feature: str, value: Any) -> str:
    """Write a feature value in words a client understands (amounts with separators, days as years)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not known"
    if isinstance(value, str):
        return value
    number = display_value(feature, value)
    if number is None:
        return str(value)
    unit = feature_unit(feature)
    if unit == "years":
        return f"{number:.1f} years"
    if unit == "currency units":
        return f"{number:,.0f}"
    if unit == "days" and number < 0:
        return f"{-number:,.0f} days before the application"
    if unit == "count" and float(number).is_integer():
        return f"{int(number)}"
    return f"{number:.3g}" if abs(number) < 1000 else f"{number:,.0f}"


def reason_sentence(item: Contribution) -> str:
    """One plain sentence for one contribution: what the value is and which way it pushes."""
    direction = (
        "▲ this raises the estimated risk" if item.contribution > 0 else "▼ this lowers the estimated risk"
    )
    return f"{item.label}: {format_value(item.feature, item.value)} — {direction}."


def top_reasons(
    contributions: Sequence[Contribution], *, n_against: int = 3, n_for: int = 2
) -> tuple[list[Contribution], list[Contribution]]:
    """Pick the strongest pushes towards refusal and towards acceptance."""
    against = sorted((c for c in contributions if c.contribution > 0), key=lambda c: -c.contribution)
    in_favour = sorted((c for c in contributions if c.contribution < 0), key=lambda c: c.contribution)
    return against[:n_against], in_favour[:n_for]


def contributions_summary(contributions: Sequence[Contribution]) -> str:
    """Summary under the local contributions chart."""
    against, in_favour = top_reasons(contributions, n_against=1, n_for=1)
    parts = []
    if against:
        parts.append(
            f"the strongest push towards refusal is {against[0].label} (+{against[0].contribution:.2f})"
        )
    if in_favour:
        parts.append(
            f"the strongest push towards acceptance is {in_favour[0].label} ({in_favour[0].contribution:.2f})"
        )
    if not parts:
        return "The model gave no contributions for this client."
    joined = "; ".join(parts)
    return (
        "Bars to the right (▲) raise the risk, bars to the left (▼) lower it; values are in log-odds. "
        f"{joined[0].upper()}{joined[1:]}."
    )


def importance_summary(labels: Sequence[str]) -> str:
    """Summary under the global importance chart."""
    if not labels:
        return "No global importance is available for this model."
    top = ", ".join(labels[:3])
    return f"Across all clients, the model relies most on {top}."


def distribution_summary(
    label: str, unit: str, client_value: float | None, accepted: Sequence[float], refused: Sequence[float]
) -> str:
    """Summary under the distribution chart: where the client sits among accepted and refused clients."""
    parts = []
    for name, values in (("accepted", accepted), ("refused", refused)):
        finite = sorted(v for v in values if v is not None and math.isfinite(v))
        if not finite:
            parts.append(f"no {name} client has a known value")
            continue
        median = statistics.median(finite)
        if client_value is None:
            parts.append(f"{name} clients have a median of {median:,.3g} {unit}")
        else:
            share = 100 * sum(v <= client_value for v in finite) / len(finite)
            parts.append(f"{share:.0f} % of {name} clients (median {median:,.3g}) are at or below it")
    start = (
        f"This client's {label} is not known"
        if client_value is None
        else f"This client's {label} is {client_value:,.3g} {unit}"
    )
    return start + "; " + "; ".join(parts) + "."


def scatter_summary(x_label: str, y_label: str, n_accepted: int, n_refused: int, client_shown: bool) -> str:
    """Summary under the two-feature scatter."""
    where = (
        "The client is the large black star."
        if client_shown
        else "The client is not drawn: one of the two values is unknown."
    )
    return (
        f"{n_accepted} accepted clients (blue circles) and {n_refused} refused clients (orange crosses) "
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

"""Plotly figures in a colour-blind-safe palette (Okabe-Ito); every meaning also carried by shape or text."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from streamlit_client.attribution import NO_RECORD, Reason
from streamlit_client.style import ACCEPT_ZONE, BLACK, BLUE, GREY, REFUSE_ZONE, TEXT, VERMILLION
from streamlit_client.text import feature_unit, signed_points

# One meaning per colour: the good side (accepted, repaid) blue circles, the bad side vermillion crosses.
DECISION_COLOURS = {"accepted": BLUE, "refused": VERMILLION, "repaid": BLUE, "had difficulties": VERMILLION}
DECISION_SYMBOLS = {"accepted": "circle", "refused": "x", "repaid": "circle", "had difficulties": "x"}
DECISION_PATTERNS = {"accepted": "", "refused": "/", "repaid": "", "had difficulties": "/"}
#: How the reference clients can be split: column → (legend title, levels good side first).
GROUPINGS = {
    "outcome": ("Real outcome", ["repaid", "had difficulties"]),
    "decision": ("Decision", ["accepted", "refused"]),
}
FONT = {"size": 14, "color": TEXT, "family": "Source Sans Pro, DejaVu Sans, sans-serif"}


def _layout(fig: go.Figure, *, title: str, height: int = 420) -> go.Figure:
    """Common readable layout: large font, white background, legend inside the figure."""
    fig.update_layout(
        title={"text": title, "font": {"size": 18}},
        font=FONT,
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


def to_display(feature: str, values: pd.Series) -> pd.Series:
    """Convert a feature column into the unit the charts use (DAYS_* become positive years)."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if feature.upper().startswith("DAYS_"):
        return numbers.abs() / 365.25
    return numbers


def axis_title(label: str, feature: str) -> str:
    """Axis title with the unit."""
    return f"{label} ({feature_unit(feature)})"


def gauge_upper(probability: float, threshold: float) -> float:
    """Top of the gauge in %: 3 × the limit (decisions happen near it), higher for a risk above that."""
    return min(100.0, max(3 * 100 * threshold, 1.15 * 100 * probability, 1.0))


def gauge(probability: float, threshold: float) -> go.Figure:
    """Risk on a gauge from 0 to 3 × the limit; the limit a thick black line; ticks at multiples of it."""
    upper = gauge_upper(probability, threshold)
    limit = 100 * threshold
    ticks = sorted({0.0, limit, *(m * limit for m in (2, 3) if m * limit <= upper), upper})
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=100 * probability,
            number={"suffix": " %", "valueformat": ".1f"},
            gauge={
                "axis": {
                    "range": [0, upper],
                    "tickvals": ticks,
                    "ticktext": [f"{t:.1f} %" for t in ticks],
                    "tickfont": {"size": 13},
                },
                "bar": {"color": BLACK, "thickness": 0.3},
                "steps": [
                    {"range": [0, limit], "color": ACCEPT_ZONE},
                    {"range": [limit, upper], "color": REFUSE_ZONE},
                ],
                "threshold": {"line": {"color": BLACK, "width": 5}, "thickness": 0.9, "value": limit},
            },
        )
    )
    fig = _layout(fig, title=f"Estimated risk (%), limit {limit:.1f} %", height=320)
    fig.update_layout(margin={"l": 60, "r": 60, "t": 70, "b": 10})
    return fig


def wrap_label(label: str, width: int = 48) -> str:
    """Break a long label over lines (plotly's <br>) instead of cutting it, so every word stays readable."""
    lines, line = [], ""
    for word in label.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _factor_name(reason: Reason) -> str:
    """A factor's name on a chart; a merged missing history says so ("Credit bureau: none on record")."""
    return f"{reason.label}: {NO_RECORD}" if reason.value == NO_RECORD else reason.label


def points_chart(reasons: Sequence[Reason]) -> go.Figure:
    """Each factor's effect in percentage points (▲ vermillion raises the risk, ▼ blue lowers it)."""
    top = sorted(reasons, key=lambda r: abs(r.points))
    fig = go.Figure(
        go.Bar(
            x=[r.points for r in top],
            y=[wrap_label(f"{'▲' if r.points > 0 else '▼'} {_factor_name(r)}") for r in top],
            orientation="h",
            marker={"color": [VERMILLION if r.points > 0 else BLUE for r in top]},
            text=[signed_points(r.points) for r in top],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:+.2f} percentage points<extra></extra>",
        )
    )
    low, high = min([0.0, *(r.points for r in top)]), max([0.0, *(r.points for r in top)])
    pad = 0.25 * max(high - low, 1.0)  # room for the "+9.9 pts" labels outside the bars
    fig.update_xaxes(
        title="Effect on the risk (percentage points)",
        zeroline=True,
        title_standoff=8,
        range=[low - (pad if low < 0 else 0), high + (pad if high > 0 else 0)],
    )
    fig.update_yaxes(automargin=True)
    return _layout(fig, title="This client's strongest factors", height=120 + 48 * max(len(top), 1))


def importance_chart(importance: pd.DataFrame, *, n: int = 10) -> go.Figure:
    """Global importance: each factor's share of the mean absolute contribution over the holdout clients."""
    share = 100 * importance["mean_abs_contribution"] / importance["mean_abs_contribution"].sum()
    top = importance.assign(share=share).head(n).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=top["share"],
            y=[wrap_label(label) for label in top["label"]],
            orientation="h",
            marker={"color": GREY},
            text=[f"{v:.1f} %" for v in top["share"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.1f} % of the model's total weight<extra></extra>",
        )
    )
    fig.update_xaxes(
        title="Share of the model's total weight (%)", title_standoff=8, range=[0, 1.25 * top["share"].max()]
    )
    fig.update_yaxes(automargin=True)
    return _layout(fig, title="What matters for all clients", height=140 + 52 * len(top))


def distribution_chart(
    reference: pd.DataFrame, feature: str, label: str, client_value: float | None, *, by: str = "decision"
) -> go.Figure:
    """Histogram + box of one feature per group (outcome or decision), the client marked by a dashed line."""
    title, levels = GROUPINGS[by]
    data = pd.DataFrame({"value": to_display(feature, reference[feature]), "decision": reference[by]})
    fig = px.histogram(
        data.dropna(),
        x="value",
        color="decision",
        pattern_shape="decision",
        marginal="box",
        barmode="overlay",
        opacity=0.65,
        color_discrete_map=DECISION_COLOURS,
        pattern_shape_map=DECISION_PATTERNS,
        category_orders={"decision": levels},
        labels={"value": wrap_label(axis_title(label, feature), 60), "decision": title},
    )
    fig.update_yaxes(title="Number of clients", row=1, col=1)
    if client_value is not None:
        fig.add_vline(x=client_value, line={"color": BLACK, "width": 3, "dash": "dash"})
        fig.add_annotation(
            x=client_value,
            y=1.0,
            xref="x",
            yref="paper",
            text=f"This client: {client_value:,.3g}",
            showarrow=False,
            yanchor="bottom",
            bgcolor="white",
        )
    return _layout(fig, title=wrap_label(f"{label}: {levels[0]} vs {levels[1]}", 70), height=520)


def scatter_chart(
    reference: pd.DataFrame,
    x: str,
    y: str,
    labels: dict[str, str],
    client_point: tuple[float, float] | None,
    *,
    by: str = "decision",
) -> go.Figure:
    """Two features of the reference clients by group (colour and symbol); the client is a black star."""
    title, levels = GROUPINGS[by]
    data = pd.DataFrame(
        {
            "x": to_display(x, reference[x]),
            "y": to_display(y, reference[y]),
            "decision": reference[by],
        }
    ).dropna()
    fig = px.scatter(
        data,
        x="x",
        y="y",
        color="decision",
        symbol="decision",
        color_discrete_map=DECISION_COLOURS,
        symbol_map=DECISION_SYMBOLS,
        category_orders={"decision": levels},
        opacity=0.7,
        labels={
            "x": wrap_label(axis_title(labels[x], x), 60),
            "y": wrap_label(axis_title(labels[y], y), 40),
            "decision": title,
        },
    )
    if client_point is not None:
        fig.add_trace(
            go.Scatter(
                x=[client_point[0]],
                y=[client_point[1]],
                mode="markers+text",
                marker={"symbol": "star", "size": 22, "color": BLACK, "line": {"color": "white", "width": 1}},
                text=["This client"],
                textposition="top center",
                name="★ This client",
            )
        )
    return _layout(fig, title=wrap_label(f"{labels[x]} and {labels[y]}", 70), height=520)


def what_if_chart(
    before: float, after: float, threshold: float, decisions: tuple[str | None, str | None]
) -> go.Figure:
    """Probability before and after the edits, coloured by decision (the colours of the whole app)."""
    words = {"accepted": "✔ accepted", "refused": "✖ refused"}
    fig = go.Figure(
        go.Bar(
            x=["Original values", "Your edits"],
            y=[100 * before, 100 * after],
            marker={
                "color": [DECISION_COLOURS.get(d or "", GREY) for d in decisions],
                "pattern": {"shape": [DECISION_PATTERNS.get(d or "", "") for d in decisions]},
            },
            text=[
                f"{100 * p:.1f} % {words.get(d or '', '')}"
                for p, d in zip((before, after), decisions, strict=True)
            ],
            textposition="auto",
        )
    )
    fig.add_hline(
        y=100 * threshold,
        line={"color": BLACK, "dash": "dash", "width": 3},
        annotation_text=f"limit {100 * threshold:.1f} %",
    )
    fig.update_yaxes(title="Estimated risk (%)", range=[0, gauge_upper(max(before, after), threshold)])
    fig.update_xaxes(title="Scenario")
    return _layout(fig, title="What-if: risk before and after your edits", height=380)

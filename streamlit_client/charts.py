"""Plotly figures in a colour-blind-safe palette (Okabe-Ito); every meaning also carried by shape or text."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from streamlit_client.api import Contribution
from streamlit_client.text import feature_unit

# Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficiencies.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
SKY_BLUE = "#56B4E9"
GREY = "#595959"
BLACK = "#000000"
DECISION_COLOURS = {"accepted": BLUE, "refused": VERMILLION}
DECISION_SYMBOLS = {"accepted": "circle", "refused": "x"}
DECISION_PATTERNS = {"accepted": "", "refused": "/"}
DECISION_ORDER = ["accepted", "refused"]
FONT = {"size": 14, "color": "#1a1a1a", "family": "Source Sans Pro, DejaVu Sans, sans-serif"}


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


def short_label(label: str, width: int = 38) -> str:
    """Cut a long label for an axis (the full label stays in the hover text and the summary)."""
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def short_labels(labels: Sequence[str], width: int = 28) -> list[str]:
    """Cut labels for an axis, keeping them distinct (plotly merges equal category names into one bar)."""
    seen: dict[str, int] = {}
    result = []
    for label in labels:
        short = short_label(label, width)
        seen[short] = seen.get(short, 0) + 1
        result.append(short if seen[short] == 1 else f"{short} ({seen[short]})")
    return result


def axis_title(label: str, feature: str) -> str:
    """Axis title with the unit."""
    return f"{label} ({feature_unit(feature)})"


def gauge(probability: float, threshold: float) -> go.Figure:
    """Probability of default as a gauge, with the acceptance limit drawn as a thick black line."""
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=100 * probability,
            number={"suffix": " %", "valueformat": ".1f"},
            gauge={
                "axis": {"range": [0, 100], "ticksuffix": " %"},
                "bar": {"color": BLACK, "thickness": 0.3},
                "steps": [
                    {"range": [0, 100 * threshold], "color": "#cce3f2"},
                    {"range": [100 * threshold, 100], "color": "#f7d9c4"},
                ],
                "threshold": {
                    "line": {"color": BLACK, "width": 5},
                    "thickness": 0.9,
                    "value": 100 * threshold,
                },
            },
        )
    )
    return _layout(fig, title=f"Estimated risk (%), limit {100 * threshold:.1f} %", height=300)


def contributions_chart(contributions: Sequence[Contribution], *, n: int = 10) -> go.Figure:
    """Signed local contributions (log-odds), strongest first; ▲/▼ before each label repeat the colour."""
    top = sorted(contributions, key=lambda c: abs(c.contribution), reverse=True)[:n][::-1]
    fig = go.Figure(
        go.Bar(
            x=[c.contribution for c in top],
            y=[
                f"{'▲' if c.contribution > 0 else '▼'} {short}"
                for c, short in zip(top, short_labels([c.label for c in top]), strict=True)
            ],
            customdata=[c.label for c in top],
            orientation="h",
            marker={"color": [VERMILLION if c.contribution > 0 else BLUE for c in top]},
            hovertemplate="%{customdata}: %{x:+.3f} log-odds<extra></extra>",
        )
    )
    fig.update_xaxes(title="Contribution (log-odds)", zeroline=True, title_standoff=8)
    fig.update_yaxes(automargin=True)
    return _layout(fig, title="This client's strongest factors", height=460)


def importance_chart(importance: pd.DataFrame, *, n: int = 10) -> go.Figure:
    """Global importance: mean absolute contribution over the training clients."""
    top = importance.head(n).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=top["mean_abs_contribution"],
            y=short_labels(list(top["label"])),
            customdata=top["label"],
            orientation="h",
            marker={"color": GREY},
            hovertemplate="%{customdata}: %{x:.3f} log-odds<extra></extra>",
        )
    )
    fig.update_xaxes(title="Mean size (log-odds)", title_standoff=8)
    fig.update_yaxes(automargin=True)
    return _layout(fig, title="What matters for all clients", height=460)


def distribution_chart(
    reference: pd.DataFrame, feature: str, label: str, client_value: float | None
) -> go.Figure:
    """Histogram + box of one feature for accepted and refused clients, the client marked by a dashed line."""
    data = pd.DataFrame({"value": to_display(feature, reference[feature]), "decision": reference["decision"]})
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
        category_orders={"decision": DECISION_ORDER},
        labels={"value": axis_title(short_label(label, 60), feature), "decision": "Decision"},
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
    return _layout(fig, title=f"{short_label(label, 60)}: accepted vs refused clients", height=500)


def scatter_chart(
    reference: pd.DataFrame,
    x: str,
    y: str,
    labels: dict[str, str],
    client_point: tuple[float, float] | None,
) -> go.Figure:
    """Two features of the reference clients by decision (colour and symbol); the client is a black star."""
    data = pd.DataFrame(
        {
            "x": to_display(x, reference[x]),
            "y": to_display(y, reference[y]),
            "decision": reference["decision"],
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
        category_orders={"decision": DECISION_ORDER},
        opacity=0.7,
        labels={
            "x": axis_title(short_label(labels[x], 50), x),
            "y": axis_title(short_label(labels[y], 40), y),
            "decision": "Decision",
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
    return _layout(fig, title=f"{short_label(labels[x])} and {short_label(labels[y])}", height=500)


def what_if_chart(before: float, after: float, threshold: float) -> go.Figure:
    """Probability before and after the edits, with the limit as a dashed line."""
    fig = go.Figure(
        go.Bar(
            x=["Original values", "Your edits"],
            y=[100 * before, 100 * after],
            marker={"color": [SKY_BLUE, GREY]},
            text=[f"{100 * before:.1f} %", f"{100 * after:.1f} %"],
            textposition="auto",
        )
    )
    fig.add_hline(
        y=100 * threshold,
        line={"color": BLACK, "dash": "dash", "width": 3},
        annotation_text=f"limit {100 * threshold:.1f} %",
    )
    fig.update_yaxes(title="Estimated risk (%)", range=[0, 100])
    fig.update_xaxes(title="Scenario")
    return _layout(fig, title="What-if: risk before and after your edits", height=380)

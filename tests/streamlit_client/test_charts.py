"""The plotly figures carry the values, the limit and the colour-blind-safe colours and shapes they are given.

Streamlit shows plotly charts as an untyped element (AppTest cannot read them), so the figure objects are read
here directly; the hand-made inputs make every expected number obvious (3,652.5 days = 10 years).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from streamlit_client.attribution import NO_RECORD, Reason
from streamlit_client.charts import (
    distribution_chart,
    gauge,
    importance_chart,
    points_chart,
    scatter_chart,
    to_display,
    what_if_chart,
    wrap_label,
)
from streamlit_client.style import BLACK, BLUE, GREY, VERMILLION

#: Three reference clients with known ages (10, 20, 30 years) and credits, plus one with an unknown age.
REFERENCE = pd.DataFrame(
    {
        "DAYS_BIRTH": [-3652.5, -7305.0, -10957.5, np.nan],
        "AMT_CREDIT": [100.0, 200.0, 300.0, 400.0],
        "decision": ["accepted", "refused", "accepted", "refused"],
    }
)


def test_days_are_shown_as_positive_years_and_other_features_unchanged() -> None:
    assert to_display("DAYS_BIRTH", pd.Series([-3652.5, 730.5])).tolist() == [10.0, 2.0]
    assert to_display("days_employed", pd.Series([-365.25])).tolist() == [1.0]
    assert to_display("AMT_CREDIT", pd.Series([-5.0, 2.5])).tolist() == [-5.0, 2.5]
    shown = to_display("AMT_CREDIT", pd.Series(["12", "abc", None], dtype=object))
    assert shown.iloc[0] == 12.0 and shown.iloc[1:].isna().all()


def test_long_labels_are_wrapped_whole_in_chart_and_axis_titles() -> None:
    long = {
        "AMT_CREDIT": "Credit amount / price of the goods bought with the loan, as the application states it",
        "EXT_SOURCE_3": "External score 3 (a normalised score from another data source)",
    }
    reference = pd.DataFrame(
        {"AMT_CREDIT": [1.0, 2.0, 3.0], "EXT_SOURCE_3": [0.1, 0.5, 0.9], "decision": ["accepted"] * 3}
    )
    fig = scatter_chart(reference, "AMT_CREDIT", "EXT_SOURCE_3", long, None)
    texts = [fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text]
    assert not any("…" in t for t in texts)
    for label in long.values():  # every word of both labels is in the title, lines broken between words
        assert label in fig.layout.title.text.replace("<br>", " ")
    assert long["AMT_CREDIT"] in fig.layout.xaxis.title.text.replace("<br>", " ")


def test_gauge_runs_to_three_times_the_limit_with_the_limit_between_two_bands() -> None:
    fig = gauge(0.091, 0.089)
    (indicator,) = fig.data
    assert indicator.value == pytest.approx(9.1)
    assert indicator.number.suffix == " %"
    assert indicator.gauge.threshold.value == pytest.approx(8.9)
    assert indicator.gauge.threshold.line.color == BLACK
    assert tuple(indicator.gauge.axis.range) == pytest.approx((0.0, 26.7))
    assert [tuple(step.range) for step in indicator.gauge.steps] == [
        pytest.approx((0.0, 8.9)),
        pytest.approx((8.9, 26.7)),
    ]
    assert list(indicator.gauge.axis.ticktext) == ["0.0 %", "8.9 %", "17.8 %", "26.7 %"]
    assert fig.layout.title.text == "Estimated risk (%), limit 8.9 %"
    # a risk above 3 × the limit stretches the scale so that the bar stays inside it
    (high,) = gauge(0.6, 0.1).data
    assert high.gauge.axis.range[1] == pytest.approx(69.0)


def test_points_chart_draws_every_factor_in_points_with_sign_by_colour_and_arrow() -> None:
    reasons = [
        Reason("F0", "Feature 0", 1, 0.5, 4.0),
        Reason("F1", "Feature 1", 1, -0.9, -6.5),
        Reason("BURO", "Credit bureau", NO_RECORD, 0.2, 1.25),
    ]
    (bars,) = points_chart(reasons).data
    # horizontal bars are drawn bottom-up: the strongest ends last, at the top
    assert list(bars.x) == [1.25, 4.0, -6.5]
    assert list(bars.y) == ["▲ Credit bureau: none on record", "▲ Feature 0", "▼ Feature 1"]
    assert list(bars.marker.color) == [VERMILLION, VERMILLION, BLUE]
    assert list(bars.text) == ["+1.2 pts", "+4.0 pts", "−6.5 pts"]
    assert bars.orientation == "h"


def test_long_labels_are_wrapped_whole_not_cut() -> None:
    long = "Credit bureau, active credits: remaining debt (total over credits)"
    wrapped = wrap_label(long, width=30)
    assert wrapped.replace("<br>", " ") == long
    assert all(len(line) <= 30 for line in wrapped.split("<br>"))


def test_importance_shows_each_factors_share_of_the_total_weight_the_largest_at_the_top() -> None:
    importance = pd.DataFrame(
        {
            "feature": ["EXT_SOURCE_3", "DAYS_BIRTH", "AMT_CREDIT"],
            "label": ["External score 3", "Age", "Credit amount"],
            "mean_abs_contribution": [0.9, 0.6, 0.5],
        }
    )
    (bars,) = importance_chart(importance, n=2).data
    assert list(bars.x) == pytest.approx([30.0, 45.0])
    assert list(bars.y) == ["Age", "External score 3"]
    assert list(bars.text) == ["30.0 %", "45.0 %"]
    assert bars.marker.color == GREY


def test_distribution_splits_clients_by_decision_in_years_and_marks_the_client() -> None:
    fig = distribution_chart(REFERENCE, "DAYS_BIRTH", "Age", 15.0)
    histograms = {t.name: t for t in fig.data if t.type == "histogram"}
    assert list(histograms["accepted"].x) == [10.0, 30.0]
    assert list(histograms["refused"].x) == [20.0]  # the client of unknown age is left out
    assert histograms["accepted"].marker.color == BLUE and histograms["refused"].marker.color == VERMILLION
    assert (
        histograms["accepted"].marker.pattern.shape == ""
        and histograms["refused"].marker.pattern.shape == "/"
    )
    assert {t.name for t in fig.data if t.type == "box"} == {"accepted", "refused"}
    assert {s.x0 for s in fig.layout.shapes} == {15.0} and fig.layout.shapes[0].line.dash == "dash"
    assert [a.text for a in fig.layout.annotations] == ["This client: 15"]
    assert fig.layout.xaxis.title.text == "Age (years)"


def test_distribution_without_a_client_value_draws_no_marker() -> None:
    fig = distribution_chart(REFERENCE, "AMT_CREDIT", "Credit amount", None)
    assert fig.layout.shapes == () and fig.layout.annotations == ()
    assert sorted(x for t in fig.data if t.type == "histogram" for x in t.x) == [100.0, 200.0, 300.0, 400.0]


def test_scatter_gives_each_decision_a_colour_and_a_symbol_and_the_client_a_star() -> None:
    labels = {"DAYS_BIRTH": "Age", "AMT_CREDIT": "Credit amount"}
    fig = scatter_chart(REFERENCE, "DAYS_BIRTH", "AMT_CREDIT", labels, (12.0, 250.0))
    accepted, refused, client = fig.data
    assert (accepted.name, list(accepted.x), list(accepted.y)) == ("accepted", [10.0, 30.0], [100.0, 300.0])
    assert (refused.name, list(refused.x), list(refused.y)) == ("refused", [20.0], [200.0])
    assert (accepted.marker.color, accepted.marker.symbol) == (BLUE, "circle")
    assert (refused.marker.color, refused.marker.symbol) == (VERMILLION, "x")
    assert (list(client.x), list(client.y), client.marker.symbol) == ([12.0], [250.0], "star")
    assert client.text == ("This client",)
    assert fig.layout.xaxis.title.text == "Age (years)"
    assert fig.layout.yaxis.title.text == "Credit amount (currency units)"
    assert len(scatter_chart(REFERENCE, "DAYS_BIRTH", "AMT_CREDIT", labels, None).data) == 2


def test_what_if_colours_each_risk_by_its_decision_against_the_dashed_limit() -> None:
    fig = what_if_chart(0.12, 0.45, 0.3, ("accepted", "refused"))
    (bars,) = fig.data
    assert list(bars.x) == ["Original values", "Your edits"]
    assert list(bars.y) == pytest.approx([12.0, 45.0])
    assert list(bars.text) == ["12.0 % ✔ accepted", "45.0 % ✖ refused"]
    assert list(bars.marker.color) == [BLUE, VERMILLION]
    (limit,) = fig.layout.shapes
    assert (limit.y0, limit.y1, limit.line.dash) == (pytest.approx(30.0), pytest.approx(30.0), "dash")
    assert [a.text for a in fig.layout.annotations] == ["limit 30.0 %"]
    assert tuple(fig.layout.yaxis.range) == pytest.approx((0, 90.0))

"""Percentage points from log-odds: hand-computed Shapley values, exact sums, signs, the decision's order."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamlit_client.api import Contribution
from streamlit_client.attribution import (
    NO_RECORD,
    Reason,
    attribute,
    group_missing_history,
    shapley_points,
    sigmoid,
    supporting_order,
)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_two_opposite_factors_get_the_hand_computed_shapley_values() -> None:
    # v(∅) = 0.5, v({a}) = σ(1), v({b}) = σ(−1), v({a, b}) = 0.5:
    # φa = ½[(σ(1) − 0.5) + (0.5 − σ(−1))] = σ(1) − 0.5, φb = −φa.
    a, b = shapley_points(0.0, [1.0, -1.0])
    assert a == pytest.approx(_sigmoid(1.0) - 0.5, abs=1e-12)
    assert b == pytest.approx(-a, abs=1e-12)


def test_three_factors_match_the_average_over_the_six_orders() -> None:
    base, c = -2.0, [0.8, -0.3, 1.5]
    orders = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
    expected = np.zeros(3)
    for order in orders:
        total = base
        for i in order:
            expected[i] += (_sigmoid(total + c[i]) - _sigmoid(total)) / len(orders)
            total += c[i]
    assert shapley_points(base, c) == pytest.approx(expected, abs=1e-12)


def test_points_add_up_to_the_risk_minus_the_base_risk_and_keep_the_log_odds_sign() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        base = float(rng.normal(-2.5, 0.5))
        log_odds = rng.normal(0, 0.4, size=30)
        probability = _sigmoid(base + log_odds.sum())
        items = [Contribution(f"F{i}", f"Feature {i}", 1.0, float(v)) for i, v in enumerate(log_odds)]
        attribution = attribute(items, base_value=base, probability=probability)
        assert len(attribution.reasons) == 10  # the 10 strongest, the other 20 in "all other factors"
        assert attribution.base_probability == pytest.approx(_sigmoid(base))
        assert attribution.total_points == pytest.approx(100 * (probability - _sigmoid(base)), abs=1e-9)
        assert all(r.points * r.log_odds > 0 for r in attribution.reasons)
        strongest = sorted(abs(v) for v in log_odds)[-10:]
        assert sorted(abs(r.log_odds) for r in attribution.reasons) == pytest.approx(strongest)


def test_the_factors_the_api_did_not_list_go_to_all_other_factors() -> None:
    # the client's log-odds are base + 0.9, but the answer lists only +0.5: +0.4 are "all other factors"
    base = -2.0
    probability = _sigmoid(base + 0.9)
    attribution = attribute([Contribution("A", "A", 1, 0.5)], base_value=base, probability=probability)
    (reason,) = attribution.reasons
    expected_a = 0.5 * (
        (_sigmoid(base + 0.5) - _sigmoid(base)) + (_sigmoid(base + 0.9) - _sigmoid(base + 0.4))
    )
    assert reason.points == pytest.approx(100 * expected_a, abs=1e-9)
    assert attribution.other_points == pytest.approx(100 * (probability - _sigmoid(base)) - reason.points)
    assert attribution.other_points > 0


def test_small_log_odds_convert_at_the_slope_of_the_base_risk() -> None:
    base = -2.0
    slope = _sigmoid(base) * (1 - _sigmoid(base))
    (point,) = shapley_points(base, [1e-4])
    assert point == pytest.approx(slope * 1e-4, rel=1e-3)
    assert float(sigmoid(0.0)) == 0.5


def _reasons() -> list[Reason]:
    return [
        Reason("up_small", "a", 1, 0.1, 1.0),
        Reason("down_big", "b", 1, -0.9, -6.0),
        Reason("up_big", "c", 1, 0.8, 5.0),
        Reason("down_small", "d", 1, -0.2, -2.0),
        Reason("zero", "e", 1, 0.0, 0.0),
    ]


def test_an_accepted_client_sees_what_lowers_the_risk_first() -> None:
    order = [r.feature for r in supporting_order(_reasons(), "accepted")]
    assert order == ["down_big", "down_small", "up_big", "up_small"]


def test_a_refused_client_sees_what_raises_the_risk_first() -> None:
    order = [r.feature for r in supporting_order(_reasons(), "refused")]
    assert order == ["up_big", "up_small", "down_big", "down_small"]


def test_missing_history_aggregates_merge_into_one_factor_per_source() -> None:
    items = [
        Contribution("BURO_DAYS_CREDIT_MAX", "Credit bureau: days since credit opened (highest)", None, 0.3),
        Contribution("BURO_AMT_ANNUITY_MAX", "Credit bureau: loan annuity (highest)", None, -0.1),
        Contribution("BURO_COUNT", "Credit bureau: credits (count)", 2.0, 0.05),
        Contribution("EXT_SOURCE_1", "External score 1", None, -0.4),
    ]
    merged = {c.label: c for c in group_missing_history(items)}
    assert set(merged) == {"Credit bureau", "Credit bureau: credits (count)", "External score 1"}
    assert merged["Credit bureau"].contribution == pytest.approx(0.2)
    assert merged["Credit bureau"].value == NO_RECORD
    assert merged["External score 1"].value is None  # an application field stays: "not provided"

"""Business cost and threshold search on hand-made cases whose optimum is computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from custom_model.cost import (
    bayes_threshold,
    business_cost,
    confusion,
    cost_curve,
    decisions_cost,
    threshold_grid,
    tune_threshold,
)

# 6 clients, 2 defaults. Sorted by probability:
#   p:  0.05 0.20 0.30 0.40 0.70 0.90
#   y:     0    0    1    0    1    0
Y = np.array([0, 0, 1, 0, 1, 0])
P = np.array([0.05, 0.20, 0.30, 0.40, 0.70, 0.90])


def test_confusion_counts_refusals_at_or_above_threshold() -> None:
    # threshold 0.3 refuses 0.30, 0.40, 0.70, 0.90 → TP = 2 (0.30, 0.70), FP = 2 (0.40, 0.90), TN = 2, FN = 0
    c = confusion(Y, P, 0.3)
    assert (c.tp, c.fp, c.tn, c.fn, c.n) == (2, 2, 2, 0, 6)


def test_business_cost_per_client() -> None:
    # threshold 0.5 refuses 0.70, 0.90 → FN = 1 (0.30), FP = 1 (0.90) → (10·1 + 1·1) / 6 = 11/6
    assert business_cost(Y, P, 0.5, cost_fn=10, cost_fp=1) == pytest.approx(11 / 6)
    # with cost_fn = 1 the same decisions cost (1 + 1) / 6
    assert business_cost(Y, P, 0.5, cost_fn=1, cost_fp=1) == pytest.approx(2 / 6)


def test_tune_threshold_finds_hand_computed_optimum_with_10_to_1_costs() -> None:
    # Candidate cut points (refuse p >= t), cost = 10·FN + FP:
    #   t ≤ 0.05 : refuse all      FN 0 FP 4 → 4
    #   t ∈ (0.05, 0.20]           FN 0 FP 3 → 3
    #   t ∈ (0.20, 0.30]           FN 0 FP 2 → 2   ← optimum, lowest grid point 0.201
    #   t ∈ (0.30, 0.40]           FN 1 FP 2 → 12
    #   t ∈ (0.40, 0.70]           FN 1 FP 1 → 11
    #   t ∈ (0.70, 0.90]           FN 2 FP 1 → 21
    #   t > 0.90 : accept all      FN 2 FP 0 → 20
    result = tune_threshold(Y, P, cost_fn=10, cost_fp=1)
    assert result.threshold == pytest.approx(0.201)
    assert result.cost == pytest.approx(2 / 6)
    assert result.cost_at_half == pytest.approx(11 / 6)
    assert result.cost_accept_all == pytest.approx(20 / 6)
    assert result.cost_refuse_all == pytest.approx(4 / 6)
    assert result.bayes_threshold == pytest.approx(1 / 11)
    # 1/11 ≈ 0.0909 falls in (0.05, 0.20] → cost 3/6
    assert result.cost_at_bayes == pytest.approx(3 / 6)


def test_tune_threshold_with_other_cost_ratios() -> None:
    # cost = FN + FP on the same table: t ∈ (0.40, 0.70] gives FN 1 FP 1 → 2; (0.70, 0.90] gives 2 + 1 = 3;
    # (0.20, 0.30] gives 2; (0.05, 0.20] gives 3; accept all gives 2. Lowest threshold of the minimum: 0.201.
    result = tune_threshold(Y, P, cost_fn=1, cost_fp=1)
    assert result.cost == pytest.approx(2 / 6)
    assert result.threshold == pytest.approx(0.201)
    # when refusing good clients costs 5 and missing a default 1, accepting everyone (2/6) is optimal:
    # thresholds above 0.90 → cost 2·1 = 2; the lowest such grid point is 0.901.
    result = tune_threshold(Y, P, cost_fn=1, cost_fp=5)
    assert result.cost == pytest.approx(2 / 6)
    assert result.threshold == pytest.approx(0.901)


def test_perfect_separation_costs_nothing() -> None:
    y = np.array([0, 0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    result = tune_threshold(y, p)
    assert result.cost == 0.0
    assert 0.3 < result.threshold <= 0.8


def test_cost_curve_matches_the_direct_count_on_random_data() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.round(rng.random(500), 2)  # rounded so that many probabilities sit exactly on grid points
    grid = threshold_grid(0.01)
    fast = cost_curve(y, p, grid, cost_fn=7, cost_fp=2)
    slow = np.array([business_cost(y, p, t, cost_fn=7, cost_fp=2) for t in grid])
    np.testing.assert_allclose(fast, slow)


def test_bayes_threshold_of_the_brief() -> None:
    assert bayes_threshold(10, 1) == pytest.approx(1 / 11)
    assert bayes_threshold(1, 1) == pytest.approx(0.5)


def test_calibrated_probabilities_put_the_optimum_near_the_bayes_threshold() -> None:
    # Planted: p ~ U(0, 1), y ~ Bernoulli(p). Expected cost per client at threshold t is
    # ∫_0^t 10·p dp + ∫_t^1 (1 − p) dp, minimised where 10·t = 1 − t, i.e. t = 1/11.
    rng = np.random.default_rng(1)
    p = rng.random(200_000)
    y = (rng.random(200_000) < p).astype(int)
    result = tune_threshold(y, p)
    assert result.threshold == pytest.approx(1 / 11, abs=0.01)


def test_grid_has_fine_steps_and_both_ends() -> None:
    grid = threshold_grid()
    assert grid[0] == 0.0 and grid[-1] == 1.0 and grid.size == 1001
    with pytest.raises(ValueError, match="step"):
        threshold_grid(0.3)


@pytest.mark.parametrize(
    ("y", "p", "match"),
    [
        ([0, 1], [0.1], "equal length"),
        ([], [], "0 clients"),
        ([0, 2], [0.1, 0.2], "only 0 and 1"),
        ([0, 1], [0.1, 1.2], r"\[0, 1\]"),
        ([0, 1], [0.1, np.nan], "NaN"),
    ],
)
def test_bad_inputs_are_refused_with_what_was_received(y: list, p: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tune_threshold(np.array(y), np.array(p, dtype=float))


def test_negative_costs_are_refused() -> None:
    with pytest.raises(ValueError, match="cost_fn"):
        business_cost(Y, P, 0.5, cost_fn=-1)
    with pytest.raises(ValueError, match="both be 0"):
        bayes_threshold(0, 0)


def test_as_metrics_names() -> None:
    metrics = tune_threshold(Y, P).as_metrics("oof_")
    assert metrics["oof_cost"] == pytest.approx(2 / 6)
    assert set(metrics) == {
        "oof_cost",
        "oof_threshold",
        "oof_cost_at_0_5",
        "oof_cost_accept_all",
        "oof_cost_refuse_all",
        "oof_cost_at_bayes_threshold",
    }


def test_cost_of_decisions() -> None:
    # y = 1 1 0 0, refused = 1 0 1 0 → FN 1, FP 1 → (10 + 1) / 4
    assert decisions_cost(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]), cost_fn=10, cost_fp=1) == 11 / 4


def test_expected_cost_of_decisions_under_known_true_probabilities() -> None:
    from custom_model.cost import expected_decisions_cost

    # accepted at p=0.1 costs 10 × 0.1 = 1; refused at p=0.3 costs 1 × 0.7; mean (1 + 0.7) / 2
    assert expected_decisions_cost(np.array([0.1, 0.3]), np.array([False, True])) == pytest.approx(0.85)
    assert expected_decisions_cost(np.array([0.5]), np.array([True]), cost_fn=5, cost_fp=2) == pytest.approx(
        1.0
    )

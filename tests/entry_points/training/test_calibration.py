"""Calibration on out-of-fold probabilities: kept only when it helps, exact on planted miscalibration."""

from __future__ import annotations

import numpy as np
import pytest

from custom_model.families.base import logit, sigmoid
from entry_points.training.calibration import (
    NONE,
    PLATT,
    choose_calibration,
    expected_calibration_error,
)


def _outcomes(true_logit: np.ndarray, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random(len(true_logit)) < sigmoid(true_logit)).astype(int)


def test_platt_recovers_a_planted_over_confident_score() -> None:
    """Scores = 2 × the true log-odds + 1: Platt must find slope 1/2 and intercept −1/2."""
    true_logit = np.random.default_rng(1).normal(-2.5, 1.0, 200_000)
    y = _outcomes(true_logit)
    calibration = choose_calibration(y, sigmoid(2 * true_logit + 1))
    assert calibration.method == PLATT
    assert calibration.slope == pytest.approx(0.5, abs=0.01)
    assert calibration.intercept == pytest.approx(-0.5, abs=0.03)
    assert calibration.log_loss_after < calibration.log_loss_before
    calibrated = calibration.apply(sigmoid(2 * true_logit + 1))
    assert np.mean(np.abs(logit(calibrated) - true_logit)) < 0.03  # back on the true log-odds


def test_a_calibrated_score_is_left_alone_and_a_constant_one_cannot_be_rescaled() -> None:
    true_logit = np.random.default_rng(2).normal(-2.5, 1.0, 50_000)
    y = _outcomes(true_logit, seed=3)
    kept = choose_calibration(y, sigmoid(true_logit))
    assert kept.method == NONE and (kept.slope, kept.intercept) == (1.0, 0.0)
    np.testing.assert_array_equal(kept.apply(np.array([0.2, 0.7])), [0.2, 0.7])
    assert choose_calibration(y, np.full(len(y), 0.08)).method == NONE


def test_expected_calibration_error_by_hand() -> None:
    # bin [0.1, 0.2): 4 clients at 0.15, 1 default (rate 0.25) → |0.25 − 0.15| = 0.10, weight 4/6
    # bin [0.9, 1.0]: 2 clients at 0.95, 2 defaults (rate 1.0) → 0.05, weight 2/6
    y = np.array([1, 0, 0, 0, 1, 1])
    proba = np.array([0.15, 0.15, 0.15, 0.15, 0.95, 0.95])
    assert expected_calibration_error(y, proba) == pytest.approx(4 / 6 * 0.10 + 2 / 6 * 0.05)

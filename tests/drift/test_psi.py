"""PSI on distributions small enough to compute by hand, and the action bands."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from drift.psi import categorical_psi, numeric_psi, psi_band, quantile_edges, score_stability


def test_categorical_psi_matches_hand_computation() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    current = pd.Series(["a"] * 80 + ["b"] * 20)
    # (0.8 − 0.5)·ln(0.8/0.5) + (0.2 − 0.5)·ln(0.2/0.5) = 0.3·0.4700036 + 0.3·0.9162907 = 0.4158883
    # (the missing-value bin is empty on both sides: eps vs eps contributes 0)
    assert categorical_psi(reference, current) == pytest.approx(0.4158883, abs=1e-6)


def test_categorical_psi_counts_new_levels_and_missing_values() -> None:
    reference = pd.Series(["a", "a", "b", "b"])
    current = pd.Series(["a", "a", "c", None])
    # bins a, b, c, missing: ref 0.5, 0.5, eps, eps; cur 0.5, eps, 0.25, 0.25 with eps = 1e-4
    # 0 + (1e-4 − 0.5)·ln(1e-4/0.5) + 2·(0.25 − 1e-4)·ln(0.25/1e-4)
    # = 0.4999·8.5171932 + 0.4998·7.8240460 = 4.2577449 + 3.9104582 = 8.1682031
    assert categorical_psi(reference, current) == pytest.approx(8.1682031, abs=1e-5)


def test_numeric_psi_uses_reference_quantile_bins_and_eps_for_empty_bins() -> None:
    reference = np.arange(100.0)
    # 4 quantile bins of 0..99: interior edges 24.75, 49.5, 74.25 → 25 reference values per bin
    np.testing.assert_allclose(quantile_edges(reference, 4), [24.75, 49.5, 74.25])
    current = np.array([10.0] * 50 + [90.0] * 50)
    # p_ref = 0.25 × 4; p_cur = 0.5, eps, eps, 0.5 (eps = 1e-4)
    # 2·(0.5 − 0.25)·ln(0.5/0.25) + 2·(1e-4 − 0.25)·ln(1e-4/0.25)
    # = 0.3465736 + 2·0.2499·7.8240460 = 0.3465736 + 3.9104582 = 4.2570318
    assert numeric_psi(reference, current, bins=4) == pytest.approx(4.2570318, abs=1e-6)


def test_numeric_psi_puts_out_of_range_values_in_the_outer_bins() -> None:
    reference = np.arange(100.0)
    below = numeric_psi(reference, np.full(100, -1000.0), bins=4)
    at_minimum = numeric_psi(reference, np.zeros(100), bins=4)
    # both place every current value in the first bin: identical PSI
    assert below == pytest.approx(at_minimum)


def test_numeric_psi_gives_missing_values_their_own_bin() -> None:
    reference = np.array([1.0, 2.0, 3.0, 4.0])
    current = np.array([1.0, 2.0, np.nan, np.nan])
    # 2 bins (edge 2.5) + missing: ref 0.5, 0.5, eps; cur 0.5, eps, 0.5
    # 0 + 2·(0.5 − 1e-4)·ln(0.5/1e-4) = 0.9998·8.5171932 = 8.5154898
    assert numeric_psi(reference, current, bins=2) == pytest.approx(8.5154898, abs=1e-6)


def test_identical_samples_have_zero_psi() -> None:
    values = np.random.default_rng(0).normal(size=1000)
    assert numeric_psi(values, values) == pytest.approx(0.0, abs=1e-12)


def test_tied_reference_values_give_fewer_bins_not_an_error() -> None:
    reference = np.array([0.0] * 90 + [1.0] * 10)
    current = np.array([0.0] * 50 + [1.0] * 50)
    # the deciles collapse to unique edges 0, 0.1 (the 90 % quantile), 1 → one interior edge at 0.1:
    # ref 0.9, 0.1; cur 0.5, 0.5
    # (0.5 − 0.9)·ln(0.5/0.9) + (0.5 − 0.1)·ln(0.5/0.1) = 0.4·0.5877867 + 0.4·1.6094379 = 0.8788898
    assert numeric_psi(reference, current, bins=10) == pytest.approx(0.8788898, abs=1e-6)


@pytest.mark.parametrize(
    ("value", "band"),
    [(0.0, "stable"), (0.0999, "stable"), (0.10, "watch"), (0.25, "watch"), (0.2501, "act"), (3.0, "act")],
)
def test_bands(value: float, band: str) -> None:
    assert psi_band(value) == band


def test_score_stability_reports_band_and_means() -> None:
    rng = np.random.default_rng(1)
    reference = rng.beta(2, 18, 20_000)
    shifted = score_stability(reference, rng.beta(4, 16, 5_000))
    same = score_stability(reference, rng.beta(2, 18, 5_000))
    assert shifted.band == "act" and shifted.psi > 0.25
    assert same.band == "stable" and same.psi < 0.02
    assert same.n_reference == 20_000 and same.n_current == 5_000
    assert shifted.current_mean == pytest.approx(0.2, abs=0.01)


def test_empty_sample_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        numeric_psi(np.arange(3.0), np.array([]))
    assert math.isfinite(numeric_psi(np.arange(3.0), np.array([1.0])))

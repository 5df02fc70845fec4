"""Fairness figures by group, on hand-built holdouts whose answers are computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from entry_points.training import fairness
from entry_points.training.fairness import age_band, fairness_table

YEAR = 365.25


def test_age_bands_follow_the_stated_limits() -> None:
    days = pd.Series(
        [-24.9 * YEAR, -25 * YEAR, -39.9 * YEAR, -40 * YEAR, -59.9 * YEAR, -60 * YEAR, -80 * YEAR]
    )
    assert age_band(days).tolist() == ["< 25", "25–40", "25–40", "40–60", "40–60", "≥ 60", "≥ 60"]


def _holdout(n_per_group: int = 40) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """40 women and 40 men, all aged 30; women refused 10 times in 40, men 20 times in 40.

    Refused = probability 0.9 (≥ threshold 0.5). Women: the 10 refused are 5 defaulters + 5 good payers, the
    30 accepted hold 1 defaulter. Men: the 20 refused are 4 defaulters + 16 good payers, 0 accepted defaulter.
    """
    gender = ["F"] * n_per_group + ["M"] * n_per_group
    raw = pd.DataFrame({"CODE_GENDER": gender, "DAYS_BIRTH": [int(-30 * YEAR)] * (2 * n_per_group)})
    women_y = [1] * 5 + [0] * 5 + [1] + [0] * 29
    women_p = [0.9] * 10 + [0.1] * 30
    men_y = [1] * 4 + [0] * 16 + [0] * 20
    men_p = [0.9] * 20 + [0.1] * 20
    return raw, np.array(women_y + men_y), np.array(women_p + men_p)


def test_approval_disparate_impact_rates_and_cost_by_group() -> None:
    raw, y, proba = _holdout()
    result = fairness_table(raw, y, proba, threshold=0.5, cost_fn=10, cost_fp=1)
    gender = result.table[result.table["attribute"] == "gender"].set_index("group")
    assert gender.loc["F", "approval_rate"] == pytest.approx(30 / 40)
    assert gender.loc["M", "approval_rate"] == pytest.approx(20 / 40)
    assert gender.loc["F", "disparate_impact"] == pytest.approx(1.0)
    assert gender.loc["M", "disparate_impact"] == pytest.approx((20 / 40) / (30 / 40))
    assert gender.loc["F", "tpr"] == pytest.approx(5 / 6) and gender.loc["F", "fpr"] == pytest.approx(5 / 34)
    assert gender.loc["M", "tpr"] == pytest.approx(1.0) and gender.loc["M", "fpr"] == pytest.approx(16 / 36)
    # cost per client: women 1 missed defaulter × 10 + 5 good payers refused × 1, over 40
    assert gender.loc["F", "cost_per_client"] == pytest.approx((10 * 1 + 5) / 40)
    assert gender.loc["M", "cost_per_client"] == pytest.approx(16 / 40)
    assert gender.loc["F", "default_rate"] == pytest.approx(6 / 40)
    assert gender.loc["F", "mean_probability"] == pytest.approx((10 * 0.9 + 30 * 0.1) / 40)
    assert result.min_disparate_impact == {"gender": pytest.approx(2 / 3), "age": pytest.approx(1.0)}
    assert result.flagged() == ["gender"]
    assert result.metrics() == {"fairness_di_min_gender": pytest.approx(2 / 3), "fairness_di_min_age": 1.0}


def test_a_small_group_is_reported_but_not_judged() -> None:
    raw, y, proba = _holdout()
    raw.loc[0, "CODE_GENDER"] = "XNA"  # one client alone: approval 0 would give a ratio of 0
    proba[0] = 0.9
    result = fairness_table(raw, y, proba, threshold=0.5, cost_fn=10, cost_fp=1)
    table = result.table.set_index(["attribute", "group"])
    assert table.loc[("gender", "XNA"), "n"] == 1 and table.loc[("gender", "XNA"), "disparate_impact"] == 0
    assert result.min_disparate_impact["gender"] == pytest.approx((20 / 40) / (30 / 39))
    assert fairness.MIN_GROUP_SIZE > 1

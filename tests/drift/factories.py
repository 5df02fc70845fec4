"""Synthetic feature frames for drift tests: realistic names, seeded, with optional planted shifts."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Feature names ranked by importance, as global_importance.csv would list them.
FEATURES = (
    "EXT_SOURCE_3",
    "EXT_SOURCE_2",
    "DAYS_BIRTH",
    "NAME_EDUCATION_TYPE",
    "AMT_ANNUITY",
    "DAYS_EMPLOYED",
    "AMT_CREDIT",
    "FLAG_OWN_CAR",
    "BURO_DAYS_CREDIT_MEAN",
    "INST_PAYMENT_DIFF_MEAN",
)
#: The three important features shifted by `feature_frame(..., shifted=True)`.
PLANTED = ("EXT_SOURCE_3", "DAYS_BIRTH", "NAME_EDUCATION_TYPE")
EDUCATION = ("Secondary / secondary special", "Higher education", "Incomplete higher", "Lower secondary")


def feature_frame(n: int, *, seed: int, shifted: bool = False) -> pd.DataFrame:
    """Return ``n`` clients; with ``shifted`` the PLANTED features move, the others keep their law."""
    rng = np.random.default_rng(seed)
    education_p = [0.45, 0.45, 0.05, 0.05] if shifted else [0.71, 0.24, 0.03, 0.02]
    frame = pd.DataFrame(
        {
            "EXT_SOURCE_3": rng.beta(5, 3, n) - (0.12 if shifted else 0.0),
            "EXT_SOURCE_2": rng.beta(4, 2, n),
            "DAYS_BIRTH": -rng.normal(15_000 if not shifted else 12_500, 4_000, n),
            "NAME_EDUCATION_TYPE": rng.choice(EDUCATION, n, p=education_p),
            "AMT_ANNUITY": rng.gamma(4, 6_000, n),
            "DAYS_EMPLOYED": -rng.exponential(2_000, n),
            "AMT_CREDIT": rng.lognormal(13, 0.6, n),
            "FLAG_OWN_CAR": rng.integers(0, 2, n),
            "BURO_DAYS_CREDIT_MEAN": np.where(rng.random(n) < 0.15, np.nan, -rng.gamma(3, 300, n)),
            "INST_PAYMENT_DIFF_MEAN": rng.normal(0, 500, n),
        }
    )
    frame["probability_default"] = rng.beta(1.5, 16, n)
    return frame

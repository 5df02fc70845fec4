"""A fitted model with Platt scaling of its log-odds, served as one: calibrated probabilities, exact reasons.

The served probability is sigmoid(slope · f(x) + intercept), f = the model's log-odds, with slope and
intercept fitted on the out-of-fold probabilities (entry_points/training/calibration.py). Being affine in
the log-odds, it keeps the explanations exact: every contribution is multiplied by the slope and the base
value becomes slope · base + intercept, so base + contributions is still the served log-odds. Isotonic
regression is not affine in the log-odds: the reasons would no longer add up to the served probability,
so it is not offered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

from custom_model.families.base import CompositeModel, ModelFamily, logit, sigmoid

_META = "calibration.json"
_INNER = "inner"


class PlattCalibrated(CompositeModel):
    """``inner``'s log-odds rescaled: sigmoid(slope · log-odds + intercept), contributions rescaled alike."""

    name = "platt_calibrated"

    def __init__(self, inner: ModelFamily, *, slope: float, intercept: float) -> None:
        if not slope > 0:
            raise ValueError(f"a calibration must keep the order of the scores: slope > 0; got {slope}")
        super().__init__(inner.params, settings=inner.settings)
        self.inner, self.slope, self.intercept = inner, float(slope), float(intercept)

    def predict_proba(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """sigmoid(slope · the inner model's log-odds + intercept)."""
        raw = logit(self.inner.predict_proba(X, num_threads=num_threads))
        return sigmoid(self.slope * raw + self.intercept)

    def contributions(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Inner contributions × slope, base slope · base + intercept: rows sum to the served log-odds."""
        scaled = self.slope * np.asarray(
            self.inner.contributions(X, num_threads=num_threads), dtype=np.float64
        )
        scaled[:, -1] += self.intercept
        return scaled

    def structural_importance(self) -> np.ndarray:
        """The inner model's (a positive rescaling changes no ranking)."""
        return self.inner.structural_importance()

    @property
    def rounds(self) -> int:
        """The inner model's boosting rounds."""
        return self.inner.rounds

    def save(self, directory: Path) -> None:
        """The inner model in a sub-folder (saved by its family), the scaling beside it."""
        (directory / _INNER).mkdir()
        self.inner.save(directory / _INNER)
        meta = {"family": self.inner.name, "slope": self.slope, "intercept": self.intercept}
        (directory / _META).write_text(json.dumps(meta))

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read what `save` wrote (the inner model through its own family)."""
        from custom_model.families import load_model  # the registry imports this module

        meta = json.loads((directory / _META).read_text())
        inner = load_model(meta["family"], directory / _INNER)
        return cls(inner, slope=meta["slope"], intercept=meta["intercept"])

"""The no-skill reference: every client gets the training default rate."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

from custom_model.families.base import IMBALANCE, ModelFamily, SearchSpace

_FILE = "prior.json"


class Dummy(ModelFamily):
    """Predicts the prior; its contributions are all zero and its base value is the prior's log-odds."""

    name = "dummy"
    search_weight = 0.0

    @classmethod
    def search_space(cls) -> SearchSpace:
        """A single configuration: the prior has nothing to tune."""
        return SearchSpace(space=None, seeds=({IMBALANCE: "none"},))

    def fit(self, X: pd.DataFrame, y: np.ndarray, *, valid: object = None) -> Self:
        """Learn the default rate (kept off 0 and 1 so that its log-odds is finite)."""
        rows = self.training_rows(np.asarray(y))
        self.prior_ = float(np.clip(np.mean(np.asarray(y)[rows]), 1e-6, 1 - 1e-6))
        self.n_features_ = X.shape[1]
        return self

    def predict_proba(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """The prior for every row."""
        return np.full(len(X), self.prior_)

    def contributions(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Zero for every feature; the base value is logit(prior)."""
        out = np.zeros((len(X), X.shape[1] + 1))
        out[:, -1] = math.log(self.prior_ / (1 - self.prior_))
        return out

    def structural_importance(self) -> np.ndarray:
        """No feature matters."""
        return np.zeros(self.n_features_)

    def save(self, directory: Path) -> None:
        """Write the prior and the input width as JSON."""
        state = {"params": self.params, "prior": self.prior_, "n_features": self.n_features_}
        (directory / _FILE).write_text(json.dumps(state))

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read what `save` wrote."""
        state = json.loads((directory / _FILE).read_text())
        model = cls(state["params"])
        model.prior_, model.n_features_ = float(state["prior"]), int(state["n_features"])
        return model

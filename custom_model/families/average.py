"""The average of a configuration's CV fold models, in log-odds: the final model when it beats a refit.

The served log-odds is the mean of the fold models' log-odds, so the probability is sigmoid(mean) and the
contributions, the mean of the fold models' contributions, still add up to the served log-odds exactly
(TreeSHAP and coefficient × value are both linear in the model).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

from custom_model.families.base import CompositeModel, ModelFamily, logit, sigmoid

_META = "members.json"


class FoldAverage(CompositeModel):
    """Fitted models of one family (one per CV fold) served as one: mean log-odds, mean contributions."""

    name = "fold_average"

    def __init__(self, members: Sequence[ModelFamily]) -> None:
        if not members:
            raise ValueError("a fold average needs at least one fitted model")
        super().__init__(members[0].params, settings=members[0].settings)
        self.members = tuple(members)

    def predict_proba(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """sigmoid(mean of the members' log-odds)."""
        logits = np.mean([logit(m.predict_proba(X, num_threads=num_threads)) for m in self.members], axis=0)
        return sigmoid(logits)

    def contributions(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Mean of the members' contributions (base value last): each row sums to the served log-odds."""
        return np.mean([m.contributions(X, num_threads=num_threads) for m in self.members], axis=0)

    def structural_importance(self) -> np.ndarray:
        """Mean of the members' structural importances."""
        return np.mean([m.structural_importance() for m in self.members], axis=0)

    @property
    def rounds(self) -> int:
        """Mean boosting rounds of the members (0 when they do not boost)."""
        return round(float(np.mean([m.rounds for m in self.members])))

    def save(self, directory: Path) -> None:
        """One sub-folder per member, saved by its family, and the members' family name."""
        for number, member in enumerate(self.members):
            (directory / f"fold-{number}").mkdir()
            member.save(directory / f"fold-{number}")
        meta = {"family": self.members[0].name, "members": len(self.members)}
        (directory / _META).write_text(json.dumps(meta))

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read what `save` wrote (each member through its own family)."""
        from custom_model.families import load_model  # the registry imports this module

        meta = json.loads((directory / _META).read_text())
        return cls([load_model(meta["family"], directory / f"fold-{n}") for n in range(int(meta["members"]))])

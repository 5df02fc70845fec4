"""The protocol every model family follows: search space, fit (with its imbalance handling), probabilities,
log-odds contributions, structural importance, save and load.

Search, refit, serving, importance and the drift job only call this protocol; the registry in
`custom_model.families` maps a family's name to its class, so adding a family is one module plus one line.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

#: How the 8 % minority of defaults is handled: class weights, undersampling of the majority, or nothing.
IMBALANCE_METHODS = ("class_weight", "undersample", "none")
#: Parameter naming the imbalance method in every family's configuration.
IMBALANCE = "imbalance"


@dataclass(frozen=True)
class FitSettings:
    """Fixed settings of every fit (not searched): seed, threads and the boosting budget."""

    seed: int = 42
    num_threads: int = 1
    max_rounds: int = 300
    early_stopping_rounds: int = 20


@dataclass(frozen=True)
class FinalFit:
    """How the chosen configuration is fitted once more, slowly and well: a low learning rate, many rounds
    and a long early-stopping patience on each CV fold (the search uses fast settings)."""

    learning_rate: float = 0.02
    max_rounds: int = 5000
    patience: int = 100


@dataclass(frozen=True)
class SearchSpace:
    """A family's hyperopt space and its first configurations (hyperopt ``points_to_evaluate`` form).

    ``space`` None means the family has a single configuration, ``seeds[0]``.
    """

    space: Mapping[str, Any] | None
    seeds: tuple[Mapping[str, Any], ...]
    integer_params: frozenset[str] = field(default_factory=frozenset)

    def clean(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Hyperopt floats for integer parameters become ints; numpy floats become Python floats."""
        return {
            k: int(v) if k in self.integer_params else (float(v) if isinstance(v, float | np.floating) else v)
            for k, v in params.items()
        }


@dataclass(frozen=True)
class FoldData:
    """One CV fold in the form a family fits fastest, built once per fold and reused by every trial."""

    X_train: Any
    y_train: np.ndarray
    X_valid: Any
    y_valid: np.ndarray


def undersample(index: np.ndarray, y: np.ndarray, *, seed: int) -> np.ndarray:
    """Keep every default and as many randomly drawn non-defaults (1:1), in the original order."""
    labels = y[index]
    pos, neg = index[labels == 1], index[labels == 0]
    if neg.size <= pos.size:
        return index
    kept = np.random.default_rng(seed).choice(neg, size=pos.size, replace=False)
    return np.sort(np.concatenate([pos, kept]))


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities (clipped off 0 and 1 so that it stays finite)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-15, 1 - 1e-15)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Probability of log-odds ``z``."""
    return 1 / (1 + np.exp(-np.asarray(z, dtype=np.float64)))


def as_matrix(X: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Float64 matrix of an all-numeric feature frame (the served model passes arrays, not frames)."""
    if isinstance(X, pd.DataFrame):
        text = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        if text:
            raise ValueError(
                f"feature frame: columns {text[:5]} are not numeric; encode them (FeaturePreprocessor)"
            )
        return X.to_numpy(dtype=np.float64)
    return np.asarray(X, dtype=np.float64)


class ModelFamily(ABC):
    """One configuration of a model family; ``fit`` learns the model, the other methods use it.

    scikit-learn's contract: ``__init__`` stores the configuration (``params``, incl. ``imbalance``) and the
    fixed ``settings``; ``fit`` returns ``self``. Contributions are in log-odds, one column per feature
    plus the base value last, and each row sums to the model's log-odds.
    """

    name: ClassVar[str]
    #: Share of the search's time budget (``max_minutes``) this family gets, relative to the others.
    search_weight: ClassVar[float] = 1.0
    #: Whether a feature the model never uses has a structural importance of exactly 0 (tree splits), so
    #: that its first configuration can tell which features to drop before the search (feature selection).
    selects_features: ClassVar[bool] = False

    def __init__(
        self, params: Mapping[str, Any] | None = None, *, settings: FitSettings | None = None
    ) -> None:
        self.params = dict(params or {})
        self.settings = settings or FitSettings()

    @classmethod
    @abstractmethod
    def search_space(cls) -> SearchSpace:
        """The hyperopt space searched for this family and its first configurations."""

    @abstractmethod
    def fit(
        self, X: pd.DataFrame, y: np.ndarray, *, valid: tuple[pd.DataFrame, np.ndarray] | None = None
    ) -> Self:
        """Learn from (X, y); ``valid`` is the fold's validation data (early stopping), never fitted on."""

    @abstractmethod
    def predict_proba(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Probability of default for each row."""

    @abstractmethod
    def contributions(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Log-odds contributions (rows, features + 1); the last column is the base value."""

    @abstractmethod
    def structural_importance(self) -> np.ndarray:
        """One non-negative importance per feature from the model's structure (gain, |coefficient|)."""

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write the fitted model into ``directory`` (created by the caller)."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path) -> Self:
        """Read what `save` wrote."""

    @classmethod
    def prepare_fold(
        cls,
        X_train: pd.DataFrame,
        y_train: np.ndarray,
        X_valid: pd.DataFrame,
        y_valid: np.ndarray,
        *,
        settings: FitSettings,
    ) -> FoldData:
        """The fold's data for `fit_fold`; families with costly set-up (binning, scaling) do it here once."""
        return FoldData(X_train, np.asarray(y_train), X_valid, np.asarray(y_valid))

    def fit_fold(self, fold: FoldData) -> Self:
        """Fit on a prepared fold's training part, with its validation part for early stopping."""
        return self.fit(fold.X_train, fold.y_train, valid=(fold.X_valid, fold.y_valid))

    def predict_fold(self, fold: FoldData) -> np.ndarray:
        """Probabilities of the prepared fold's validation rows."""
        return self.predict_proba(fold.X_valid, num_threads=self.settings.num_threads)

    def final_params(self, final: FinalFit) -> dict[str, Any] | None:
        """This configuration as the final fit uses it, or None when the searched fit is already final."""
        return None

    @property
    def rounds(self) -> int:
        """Boosting rounds the fit used (0 for families that do not boost)."""
        return 0

    def for_refit(self, fold_rounds: Sequence[int]) -> Self:
        """Unfitted copy that refits on all selection rows, given the rounds each CV fold chose."""
        return type(self)(self.params, settings=self.settings)

    def training_rows(self, y: np.ndarray) -> np.ndarray:
        """Rows to fit on: all of them, or every default plus as many non-defaults when undersampling."""
        rows = np.arange(len(y))
        if self.params.get(IMBALANCE) == "undersample":
            rows = undersample(rows, y, seed=self.settings.seed)
        return rows


class CompositeModel(ModelFamily):
    """A model built from fitted models (a fold average, a calibration): never searched nor fitted whole."""

    search_weight = 0.0

    @classmethod
    def search_space(cls) -> SearchSpace:
        """Not searched: it is built from fitted models."""
        raise TypeError(f"{cls.__name__} is built from fitted models; it is not searched")

    def fit(self, X: pd.DataFrame, y: np.ndarray, *, valid: object = None) -> Self:
        """Not fitted as a whole: its parts were fitted."""
        raise TypeError(f"{type(self).__name__} is built from fitted models; fit its parts")

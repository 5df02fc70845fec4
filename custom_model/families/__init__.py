"""Model families, from the simplest to the most complex, and the one registry that maps names to classes.

Adding a family: one module with a `ModelFamily` subclass, plus one line in `REGISTRY`.
"""

from __future__ import annotations

from pathlib import Path

from custom_model.errors import CreditScoringError
from custom_model.families.average import FoldAverage
from custom_model.families.base import IMBALANCE_METHODS, FinalFit, FitSettings, ModelFamily, SearchSpace
from custom_model.families.calibrated import PlattCalibrated
from custom_model.families.dummy import Dummy
from custom_model.families.lightgbm import LightGBM
from custom_model.families.logreg import LogisticRegression

#: Name → class, in simple-to-complex order (the order of comparison tables and of `--families`).
REGISTRY: dict[str, type[ModelFamily]] = {cls.name: cls for cls in (Dummy, LogisticRegression, LightGBM)}
#: Models built from fitted members of a family (never searched), loadable like the families.
COMPOSITES: dict[str, type[ModelFamily]] = {cls.name: cls for cls in (FoldAverage, PlattCalibrated)}

__all__ = [
    "COMPOSITES",
    "IMBALANCE_METHODS",
    "REGISTRY",
    "FinalFit",
    "FitSettings",
    "FoldAverage",
    "ModelFamily",
    "PlattCalibrated",
    "SearchSpace",
    "family_class",
    "family_names",
    "feature_selector",
    "load_model",
]


def family_names() -> tuple[str, ...]:
    """Registered family names, simplest first."""
    return tuple(REGISTRY)


def family_class(name: str) -> type[ModelFamily]:
    """The class of a family; CreditScoringError naming the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise CreditScoringError(
            f"unknown model family {name!r}; expected one of {', '.join(REGISTRY)}"
        ) from None


def feature_selector() -> type[ModelFamily] | None:
    """The most complex registered family that can tell unused features (`ModelFamily.selects_features`)."""
    return next((cls for cls in reversed(REGISTRY.values()) if cls.selects_features), None)


def load_model(name: str, directory: Path) -> ModelFamily:
    """Load a fitted model saved by family (or composite) ``name``."""
    cls = COMPOSITES.get(name) or family_class(name)
    return cls.load(directory)

"""Calibration of the model to serve, fitted on its out-of-fold probabilities only: Platt scaling or none.

Class weights and undersampling inflate a model's probabilities, and boosting can be over- or under-confident;
a lender must be able to read `probability_default` as a default frequency. Platt scaling (a logistic
regression on the out-of-fold log-odds) is kept when it lowers the out-of-fold log loss; the threshold is then
tuned again on the calibrated out-of-fold probabilities, so the served threshold is on the served scale. The
holdout is never used to fit it: its ECE and Brier score judge the result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from custom_model.cost import tune_threshold
from custom_model.families import PlattCalibrated
from custom_model.families.base import logit, sigmoid
from entry_points.training.search import FinalModel, SearchConfig, control_metrics

#: Platt scaling is kept only when it lowers the out-of-fold log loss by at least this much.
MIN_LOG_LOSS_GAIN = 1e-4
ECE_BINS = 10
PLATT, NONE = "platt", "none"


@dataclass(frozen=True)
class Calibration:
    """The calibration chosen for the served model and the out-of-fold log loss before and after it."""

    method: str
    slope: float
    intercept: float
    log_loss_before: float
    log_loss_after: float

    def apply(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (the identity when no calibration was kept)."""
        if self.method == NONE:
            return np.asarray(proba, dtype=np.float64)
        return sigmoid(self.slope * logit(proba) + self.intercept)

    def metrics(self) -> dict[str, float]:
        """MLflow metrics of the choice."""
        return {"cv_log_loss_uncalibrated": self.log_loss_before, "cv_log_loss": self.log_loss_after}


def fit_platt(y: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic regression of the outcome on the log-odds (no penalty)."""
    model = LogisticRegression(penalty=None, solver="lbfgs", max_iter=1000)
    model.fit(logit(proba).reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def choose_calibration(y: np.ndarray, oof: np.ndarray) -> Calibration:
    """Platt scaling of the out-of-fold probabilities if it lowers their log loss (and keeps the order)."""
    clipped = np.clip(np.asarray(oof, dtype=np.float64), 1e-15, 1 - 1e-15)
    before = float(log_loss(y, clipped, labels=[0, 1]))
    none = Calibration(NONE, 1.0, 0.0, before, before)
    if len(np.unique(y)) < 2 or np.ptp(logit(clipped)) == 0:  # a constant score cannot be rescaled
        return none
    slope, intercept = fit_platt(y, clipped)
    if not slope > 0:
        return none
    after = float(log_loss(y, sigmoid(slope * logit(clipped) + intercept), labels=[0, 1]))
    if after > before - MIN_LOG_LOSS_GAIN:
        return none
    return Calibration(PLATT, slope, intercept, before, after)


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, *, bins: int = ECE_BINS) -> float:
    """ECE: mean |observed default rate − mean probability| over equal-width bins, weighted by their size."""
    y, proba = np.asarray(y, dtype=np.float64), np.asarray(proba, dtype=np.float64)
    which = np.minimum((proba * bins).astype(int), bins - 1)
    total = 0.0
    for b in np.unique(which):
        mask = which == b
        total += mask.sum() * abs(y[mask].mean() - proba[mask].mean())
    return float(total / len(y))


def calibrate(final: FinalModel, y: np.ndarray, *, config: SearchConfig) -> tuple[FinalModel, Calibration]:
    """The final model with its calibration, and its cross-validation re-scored on the calibrated scale."""
    calibration = choose_calibration(y, final.trial.oof)
    if calibration.method == NONE:
        return final, calibration
    oof = calibration.apply(final.trial.oof)
    search = tune_threshold(y, oof, cost_fn=config.cost_fn, cost_fp=config.cost_fp)
    metrics = {
        **control_metrics(y, oof, search.threshold),
        **search.as_metrics(),
        "fit_seconds": final.trial.fit_seconds,
    }
    trial = replace(final.trial, oof=oof, search=search, metrics=metrics)
    model = PlattCalibrated(final.model, slope=calibration.slope, intercept=calibration.intercept)
    return FinalModel(model, trial, final.kind), calibration

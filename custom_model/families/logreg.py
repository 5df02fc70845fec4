"""Logistic regression on median-imputed, standardised features: the linear reference."""

from __future__ import annotations

import math
import pickle
import warnings
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from custom_model.explain import linear_contributions
from custom_model.families.base import (
    IMBALANCE,
    IMBALANCE_METHODS,
    FitSettings,
    FoldData,
    ModelFamily,
    SearchSpace,
    as_matrix,
)

_FILE = "pipeline.pkl"


#: lbfgs stops at this gradient tolerance: the cost at the tuned threshold does not move below it, and on 886
#: standardised columns it converges in tens of iterations instead of hitting max_iter.
TOLERANCE = 1e-3


def _estimator(*, C: float, class_weight: str | None, seed: int) -> SkLogisticRegression:
    """The regression itself, the same in the search and in the refit pipeline."""
    return SkLogisticRegression(
        C=C, class_weight=class_weight, tol=TOLERANCE, max_iter=300, random_state=seed
    )


class MedianImputer(TransformerMixin, BaseEstimator):
    """Missing values → the column's median over the fit rows (0 for a column without any value).

    The statistics of ``SimpleImputer(strategy="median", keep_empty_features=True)``, computed with
    ``np.nanmedian``: 0.7 s instead of 17 s on 164k rows × 575 columns (sklearn goes through masked arrays),
    once per CV fold and per refit.
    """

    def fit(self, X: np.ndarray, y: object = None) -> Self:
        values = np.asarray(X, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice": such a column gets 0
            median = np.nanmedian(values, axis=0) if len(values) else np.full(values.shape[1], np.nan)
        self.statistics_ = np.where(np.isnan(median), 0.0, median)
        self.n_features_in_ = values.shape[1]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        values = np.array(X, dtype=np.float64)
        rows, columns = np.nonzero(np.isnan(values))
        values[rows, columns] = self.statistics_[columns]
        return values


def logreg_pipeline(*, C: float, class_weight: str | None, seed: int) -> Pipeline:
    """Impute and scale inside one sklearn Pipeline so that CV folds never leak statistics.

    Categoricals arrive already one-hot encoded by `FeaturePreprocessor`; all-missing columns are kept (as 0
    after scaling) so that the served model can explain every input column with coefficient × value.
    """
    return Pipeline(
        [
            ("impute", MedianImputer()),
            ("scale", StandardScaler()),
            ("model", _estimator(C=C, class_weight=class_weight, seed=seed)),
        ]
    )


class LogisticRegression(ModelFamily):
    """Searched over the regularisation C and the imbalance method; contributions = coefficient × value."""

    name = "logreg"

    @classmethod
    def search_space(cls) -> SearchSpace:
        """log-uniform C in [1e-3, 1] and every imbalance method (each tried first at C = 0.1)."""
        from hyperopt import hp

        space = {
            "C": hp.loguniform("C", math.log(1e-3), math.log(1.0)),
            IMBALANCE: hp.choice(IMBALANCE, IMBALANCE_METHODS),
        }
        return SearchSpace(space, tuple({"C": 0.1, IMBALANCE: i} for i in range(len(IMBALANCE_METHODS))))

    def fit(self, X: pd.DataFrame, y: np.ndarray, *, valid: object = None) -> Self:
        """Fit the pipeline (balanced class weights when asked, or on undersampled rows)."""
        y = np.asarray(y)
        rows = self.training_rows(y)
        pipeline = logreg_pipeline(
            C=float(self.params["C"]), class_weight=self._class_weight(), seed=self.settings.seed
        )
        self.pipeline_ = pipeline.fit(as_matrix(X.iloc[rows]), y[rows])
        return self

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
        """Impute and scale the fold once (statistics of its training rows), as float32 for speed."""
        prepare = logreg_pipeline(C=1.0, class_weight=None, seed=settings.seed)[:-1].fit(as_matrix(X_train))
        return FoldData(
            prepare.transform(as_matrix(X_train)).astype(np.float32),
            np.asarray(y_train),
            prepare.transform(as_matrix(X_valid)).astype(np.float32),
            np.asarray(y_valid),
        )

    def fit_fold(self, fold: FoldData) -> Self:
        """Fit the regression alone on the fold's imputed, scaled matrix."""
        rows = self.training_rows(fold.y_train)
        self.fold_estimator_ = _estimator(
            C=float(self.params["C"]), class_weight=self._class_weight(), seed=self.settings.seed
        ).fit(fold.X_train[rows], fold.y_train[rows])
        return self

    def predict_fold(self, fold: FoldData) -> np.ndarray:
        """Probabilities of the fold's validation rows from the regression fitted by `fit_fold`."""
        return np.asarray(self.fold_estimator_.predict_proba(fold.X_valid)[:, 1], dtype=float)

    def _class_weight(self) -> str | None:
        """Balanced class weights when the configuration asks for them."""
        return "balanced" if self.params.get(IMBALANCE) == "class_weight" else None

    def predict_proba(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Probability of default for each row."""
        return np.asarray(self.pipeline_.predict_proba(as_matrix(X))[:, 1], dtype=float)

    def contributions(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Coefficient × imputed, scaled value per feature; the intercept is the base value."""
        transformed = np.asarray(self.pipeline_[:-1].transform(as_matrix(X)), dtype=np.float64)
        final = self.pipeline_[-1]
        return linear_contributions(final.coef_[0], final.intercept_[0], transformed)

    def structural_importance(self) -> np.ndarray:
        """|coefficient| on the standardised scale."""
        return np.abs(self.pipeline_[-1].coef_[0])

    def save(self, directory: Path) -> None:
        """Pickle the configuration and the fitted pipeline."""
        (directory / _FILE).write_bytes(pickle.dumps((self.params, self.pipeline_)))

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read what `save` wrote."""
        params, pipeline = pickle.loads((directory / _FILE).read_bytes())
        model = cls(params)
        model.pipeline_ = pipeline
        return model

"""Global importance (mean |SHAP|, log-odds) and the reference sample read by the client and the drift job."""

from __future__ import annotations

from collections.abc import Callable

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from custom_model import schema
from entry_points.training.search import numeric_matrix

#: Raw application fields kept in reference_sample.parquet (what a loan officer and the drift job look at).
KEY_RAW_FIELDS = (
    "NAME_CONTRACT_TYPE",
    "CODE_GENDER",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
)


def contributions(estimator: object, X: pd.DataFrame) -> np.ndarray:
    """Per-row contributions in log-odds, (rows, features): TreeSHAP, or coefficient × scaled value."""
    if isinstance(estimator, lgb.Booster):
        return np.asarray(estimator.predict(X, pred_contrib=True))[:, :-1]
    if isinstance(estimator, Pipeline):
        transformed = np.asarray(estimator[:-1].transform(numeric_matrix(X)), dtype=float)
        return transformed * estimator[-1].coef_[0]
    return np.zeros(X.shape)


def global_importance(estimator: object, X: pd.DataFrame, *, label: Callable[[str], str]) -> pd.DataFrame:
    """Table feature, label, mean_abs_contribution sorted by decreasing importance (ties by name)."""
    mean_abs = np.abs(contributions(estimator, X)).mean(axis=0)
    table = pd.DataFrame(
        {
            "feature": list(X.columns),
            "label": [label(c) for c in X.columns],
            "mean_abs_contribution": mean_abs,
        }
    )
    return table.sort_values(["mean_abs_contribution", "feature"], ascending=[False, True], ignore_index=True)


def reference_sample(
    raw: pd.DataFrame,
    X: pd.DataFrame,
    y: pd.Series,
    proba: np.ndarray,
    *,
    threshold: float,
    top_features: list[str],
    size: int,
    seed: int,
) -> pd.DataFrame:
    """Seeded sample of holdout clients: key raw fields, top features, probability_default, decision, TARGET.

    Holdout clients are used because their scores come from the final model without having been fitted on.
    """
    rows = np.sort(np.random.default_rng(seed).permutation(len(X))[: min(size, len(X))])
    keys = [c for c in KEY_RAW_FIELDS if c in raw.columns]
    extra = [f for f in top_features if f not in keys]
    sample = pd.concat(
        [raw.iloc[rows][keys].reset_index(drop=True), X.iloc[rows][extra].reset_index(drop=True)], axis=1
    )
    sample.insert(0, schema.ID_CURR, X.index[rows].to_numpy(dtype=np.int64))
    sample["probability_default"] = proba[rows]
    sample["decision"] = np.where(proba[rows] >= threshold, "refused", "accepted")
    sample[schema.TARGET] = y.iloc[rows].to_numpy(dtype=np.int64)
    return sample

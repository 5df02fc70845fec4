"""Gradient-boosted trees (LightGBM) with early stopping on the CV fold; exact TreeSHAP contributions."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import pandas as pd

from custom_model.families.base import (
    IMBALANCE,
    IMBALANCE_METHODS,
    FinalFit,
    FitSettings,
    FoldData,
    ModelFamily,
    SearchSpace,
)

_BOOSTER, _PARAMS = "booster.txt", "params.json"
#: How features are binned: fixed, so that one binned Dataset per CV fold serves every trial of the search
#: (no pre-filter on min_child_samples, which the search varies).
DATASET_PARAMS = {"max_bin": 63, "feature_pre_filter": False, "verbosity": -1}
#: Searched values start from these (each imbalance method is tried first with them).
DEFAULT_PARAMS = {
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_child_samples": 50,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.8,
    "lambda_l2": 1.0,
}


class LightGBM(ModelFamily):
    """Boosted trees; ``num_boost_round`` fixes the rounds of a refit, else early stopping or max_rounds."""

    name = "lightgbm"
    search_weight = 3.0
    selects_features = True
    num_boost_round: int | None = None

    @classmethod
    def search_space(cls) -> SearchSpace:
        """Learning rate, tree shape, sampling, L2 and the imbalance method."""
        from hyperopt import hp

        space = {
            "learning_rate": hp.loguniform("learning_rate", math.log(0.05), math.log(0.3)),
            "num_leaves": hp.quniform("num_leaves", 7, 63, 1),
            "min_child_samples": hp.quniform("min_child_samples", 10, 200, 5),
            "feature_fraction": hp.uniform("feature_fraction", 0.2, 0.9),
            "bagging_fraction": hp.uniform("bagging_fraction", 0.6, 1.0),
            "lambda_l2": hp.loguniform("lambda_l2", math.log(1e-3), math.log(30.0)),
            IMBALANCE: hp.choice(IMBALANCE, IMBALANCE_METHODS),
        }
        seeds = tuple({**DEFAULT_PARAMS, IMBALANCE: i} for i in range(len(IMBALANCE_METHODS)))
        return SearchSpace(space, seeds, integer_params=frozenset({"num_leaves", "min_child_samples"}))

    @classmethod
    def from_booster(cls, booster: lgb.Booster, params: dict[str, Any] | None = None) -> Self:
        """Wrap a booster trained elsewhere (tests, benchmarks) as a fitted family."""
        model = cls(params)
        model.booster_ = booster
        return model

    def booster_params(self, y: np.ndarray) -> dict[str, Any]:
        """Full, deterministic LightGBM parameters for this configuration."""
        p, s = self.params, self.settings
        out = {
            "objective": "binary",
            "metric": "auc",
            "learning_rate": float(p["learning_rate"]),
            "num_leaves": int(p["num_leaves"]),
            "min_child_samples": int(p["min_child_samples"]),
            "feature_fraction": float(p["feature_fraction"]),
            "bagging_fraction": float(p["bagging_fraction"]),
            "bagging_freq": 1,
            "lambda_l2": float(p["lambda_l2"]),
            **DATASET_PARAMS,
            "seed": s.seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": s.num_threads,
        }
        if p[IMBALANCE] == "class_weight":
            out["scale_pos_weight"] = float((y == 0).sum() / max((y == 1).sum(), 1))
        return out

    def fit(
        self, X: pd.DataFrame, y: np.ndarray, *, valid: tuple[pd.DataFrame, np.ndarray] | None = None
    ) -> Self:
        """Boost with early stopping on ``valid`` when given, else for the fixed (refit) or maximum rounds."""
        y = np.asarray(y)
        rows = self.training_rows(y)
        train_set = _dataset(X.iloc[rows], y[rows], self.settings)
        valid_set = (
            None if valid is None else _dataset(valid[0], valid[1], self.settings, reference=train_set)
        )
        return self._boost(train_set, y[rows], valid_set)

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
        """Bin the fold once: every trial boosts on the same Datasets (a row subset when undersampling)."""
        train_set = _dataset(X_train, y_train, settings).construct()
        valid_set = _dataset(X_valid, y_valid, settings, reference=train_set).construct()
        return BinnedFold(X_train, np.asarray(y_train), X_valid, np.asarray(y_valid), train_set, valid_set)

    def fit_fold(self, fold: FoldData) -> Self:
        """Boost on the fold's binned Datasets with early stopping on its validation part."""
        if not isinstance(fold, BinnedFold):
            return super().fit_fold(fold)
        rows = self.training_rows(fold.y_train)
        train_set = fold.train_set if len(rows) == len(fold.y_train) else fold.train_set.subset(rows)
        return self._boost(train_set, fold.y_train[rows], fold.valid_set)

    def _boost(self, train_set: lgb.Dataset, y: np.ndarray, valid_set: lgb.Dataset | None) -> Self:
        """Train the booster: early stopping on ``valid_set``, else the refit's or the maximum rounds."""
        params = self.booster_params(y)
        if valid_set is None:
            rounds = self.num_boost_round or self.settings.max_rounds
            self.booster_ = lgb.train(params, train_set, num_boost_round=rounds)
            return self
        stop = [lgb.early_stopping(self.settings.early_stopping_rounds, verbose=False), lgb.log_evaluation(0)]
        self.booster_ = lgb.train(
            params,
            train_set,
            num_boost_round=self.settings.max_rounds,
            valid_sets=[valid_set],
            callbacks=stop,
        )
        return self

    def final_params(self, final: FinalFit) -> dict[str, Any]:
        """The searched trees at the final fit's low learning rate (rounds come from early stopping)."""
        return {**self.params, "learning_rate": final.learning_rate}

    @property
    def rounds(self) -> int:
        """The early-stopping round when there was one, else every round boosted."""
        best = self.booster_.best_iteration  # 0 when not early-stopped, -1 for a booster read from a file
        return best if best > 0 else self.booster_.current_iteration()

    def for_refit(self, fold_rounds: Sequence[int]) -> Self:
        """Refit for the mean early-stopping round of the CV folds (no early stopping on the refit)."""
        model = type(self)(self.params, settings=self.settings)
        model.num_boost_round = max(1, round(float(np.mean(fold_rounds)))) if fold_rounds else None
        return model

    def predict_proba(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Probability of default (the early-stopping round when the booster has one)."""
        return np.asarray(self.booster_.predict(X, num_threads=num_threads), dtype=float)

    def contributions(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        """Exact TreeSHAP values (LightGBM ``pred_contrib``), base value last."""
        return np.asarray(self.booster_.predict(X, pred_contrib=True, num_threads=num_threads))

    def structural_importance(self) -> np.ndarray:
        """Total gain of each feature's splits."""
        return np.asarray(self.booster_.feature_importance(importance_type="gain"), dtype=np.float64)

    def save(self, directory: Path) -> None:
        """Booster as LightGBM text, configuration as JSON."""
        self.booster_.save_model(str(directory / _BOOSTER))
        (directory / _PARAMS).write_text(json.dumps(self.params))

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read what `save` wrote."""
        params = json.loads((directory / _PARAMS).read_text())
        return cls.from_booster(lgb.Booster(model_file=str(directory / _BOOSTER)), params)


@dataclass(frozen=True)
class BinnedFold(FoldData):
    """A CV fold with its LightGBM Datasets already binned (raw frames kept for prediction)."""

    train_set: lgb.Dataset
    valid_set: lgb.Dataset


def _dataset(
    X: pd.DataFrame, y: np.ndarray, settings: FitSettings, *, reference: lgb.Dataset | None = None
) -> lgb.Dataset:
    """A LightGBM Dataset binned with the fixed `DATASET_PARAMS` (raw data kept: subsets re-use the bins)."""
    params = {**DATASET_PARAMS, "seed": settings.seed, "num_threads": settings.num_threads}
    return lgb.Dataset(X, label=np.asarray(y), reference=reference, params=params, free_raw_data=False)

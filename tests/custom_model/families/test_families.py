"""Every registered family honours the protocol; a new family needs one class and one registry line."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
import pytest

from custom_model.errors import CreditScoringError
from custom_model.families import (
    REGISTRY,
    FitSettings,
    FoldAverage,
    ModelFamily,
    PlattCalibrated,
    SearchSpace,
    family_class,
    load_model,
)
from custom_model.families.base import IMBALANCE
from custom_model.families.lightgbm import LightGBM
from custom_model.features.assemble import build_features
from custom_model.model import Scorer, ScoringArtifacts, load_artifacts, save_artifacts
from custom_model.request import parse_request
from entry_points.training.search import SearchConfig, cv_folds, refit, search_family
from tests.support.scoring_data import build_tiny_scoring

SETTINGS = FitSettings(seed=3, num_threads=1, max_rounds=60, early_stopping_rounds=10)


def planted(n: int = 1200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """f0 drives the log-odds linearly; f1 is noise with missing values."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"f0": rng.normal(size=n), "f1": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.2, "f1"] = np.nan
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2.0 + 1.5 * X["f0"])))).astype(int).to_numpy()
    return X, y


def first_config(name: str) -> dict:
    """The family's first configuration, with hyperopt's choice index turned into the method."""
    space = family_class(name).search_space()
    params = dict(space.seeds[-1])  # the last seed point uses imbalance index 2 = "none"
    params[IMBALANCE] = "none"
    return space.clean(params)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_contributions_sum_to_the_log_odds_of_the_probability(name: str) -> None:
    X, y = planted()
    model = family_class(name)(first_config(name), settings=SETTINGS).fit(X, y)
    proba = model.predict_proba(X)
    contrib = model.contributions(X)
    assert contrib.shape == (len(X), X.shape[1] + 1)
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(proba / (1 - proba)), rtol=1e-6, atol=1e-9)
    assert model.structural_importance().shape == (X.shape[1],)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_saved_model_loads_with_the_same_answers(name: str, tmp_path: Path) -> None:
    X, y = planted()
    model = family_class(name)(first_config(name), settings=SETTINGS).fit(X, y)
    model.save(tmp_path)
    loaded = load_model(name, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.contributions(X.to_numpy()), model.contributions(X.to_numpy()))


def test_skilled_families_rank_the_planted_signal_and_the_dummy_does_not() -> None:
    from sklearn.metrics import roc_auc_score

    X, y = planted(seed=1)
    X_test, y_test = planted(seed=2)
    aucs = {
        name: roc_auc_score(
            y_test, family_class(name)(first_config(name), settings=SETTINGS).fit(X, y).predict_proba(X_test)
        )
        for name in REGISTRY
    }
    assert aucs["dummy"] == pytest.approx(0.5)
    assert aucs["logreg"] > 0.75 and aucs["lightgbm"] > 0.7


def test_unknown_family_names_the_known_ones() -> None:
    with pytest.raises(
        CreditScoringError, match="unknown model family 'xgboost'; expected one of dummy, logreg"
    ):
        family_class("xgboost")


class FirstFeature(ModelFamily):
    """A tiny family for the test: logistic curve on the first feature only, slope searched."""

    name = "first_feature"

    @classmethod
    def search_space(cls) -> SearchSpace:
        from hyperopt import hp

        return SearchSpace({"slope": hp.uniform("slope", 0.5, 3.0), IMBALANCE: "none"}, ({"slope": 1.0},))

    def fit(self, X: pd.DataFrame, y: np.ndarray, *, valid: object = None) -> Self:
        rate = float(np.mean(y))
        self.intercept_ = math.log(rate / (1 - rate))
        self.width_ = X.shape[1]
        return self

    def _logit(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        first = np.nan_to_num(np.asarray(X, dtype=float)[:, 0])
        return self.intercept_ + self.params["slope"] * first

    def predict_proba(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        return 1 / (1 + np.exp(-self._logit(X)))

    def contributions(self, X: pd.DataFrame | np.ndarray, *, num_threads: int = 1) -> np.ndarray:
        out = np.zeros((len(X), self.width_ + 1))
        out[:, 0] = self._logit(X) - self.intercept_
        out[:, -1] = self.intercept_
        return out

    def structural_importance(self) -> np.ndarray:
        return np.eye(self.width_)[0]

    def save(self, directory: Path) -> None:
        state = {"params": self.params, "intercept": self.intercept_, "width": self.width_}
        (directory / "first_feature.json").write_text(json.dumps(state))

    @classmethod
    def load(cls, directory: Path) -> Self:
        state = json.loads((directory / "first_feature.json").read_text())
        model = cls(state["params"])
        model.intercept_, model.width_ = state["intercept"], state["width"]
        return model


def test_a_new_family_is_searched_refitted_saved_and_served_after_one_registry_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(REGISTRY, FirstFeature.name, FirstFeature)  # the one line a new family adds
    X, y = planted()
    y_series = pd.Series(y)
    config = SearchConfig(n_folds=2, max_evals=3, seed=0, max_rounds=10)
    result = search_family(
        FirstFeature.name, X, y_series, cv_folds(y_series, n_folds=2, seed=0), config=config
    )
    assert len(result.trials) == 3 and all(0.5 <= t.params["slope"] <= 3.0 for t in result.trials)
    model = refit(result.best, X, y_series, config=config)
    assert isinstance(model, FirstFeature)

    tiny = build_tiny_scoring(seed=1)
    features = build_features(tiny.tables)
    X_tiny = tiny.artifacts.preprocessor.transform(features.train)
    fitted = FirstFeature({"slope": 2.0}).fit(X_tiny, features.target.to_numpy())
    artifacts = ScoringArtifacts(
        preprocessor=tiny.artifacts.preprocessor,
        model=fitted,
        threshold=0.2,
        cost_fn=10.0,
        cost_fp=1.0,
        snapshot=tiny.artifacts.snapshot,
    )
    scorer = Scorer(load_artifacts(save_artifacts(artifacts, tmp_path / "scoring")))
    request = parse_request(pd.DataFrame({"SK_ID_CURR": tiny.production_ids[:5]}))
    answer, inputs = scorer.score(request, explain=True, top_k=3)
    np.testing.assert_allclose(answer["probability_default"], fitted.predict_proba(inputs))
    first = json.loads(answer["explanation"].iloc[0])
    assert {r["feature"] for r in first} <= {scorer.feature_names[0]}


def _fold_average(X: pd.DataFrame, y: np.ndarray) -> FoldAverage:
    """Three LightGBM models, one per CV fold, averaged."""
    params = first_config("lightgbm")
    folds = cv_folds(pd.Series(y), n_folds=3, seed=0)
    members = [
        LightGBM(params, settings=SETTINGS).fit(X.iloc[tr], y[tr], valid=(X.iloc[va], y[va]))
        for tr, va in folds
    ]
    return FoldAverage(members)


def test_a_fold_average_serves_the_mean_log_odds_and_its_contributions_add_up_to_it(tmp_path: Path) -> None:
    X, y = planted()
    average = _fold_average(X, y)
    proba = average.predict_proba(X)
    logits = [np.log(p / (1 - p)) for p in (m.predict_proba(X) for m in average.members)]
    np.testing.assert_allclose(np.log(proba / (1 - proba)), np.mean(logits, axis=0), rtol=1e-9)
    contrib = average.contributions(X.to_numpy())
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(proba / (1 - proba)), rtol=1e-6, atol=1e-9)
    average.save(tmp_path)
    loaded = load_model(FoldAverage.name, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    np.testing.assert_array_equal(loaded.contributions(X.to_numpy()), contrib)
    assert loaded.rounds == round(np.mean([m.rounds for m in average.members]))


def test_a_fold_average_is_served_with_its_explanations_by_the_scoring_model(tmp_path: Path) -> None:
    tiny = build_tiny_scoring(seed=1)
    features = build_features(tiny.tables)
    X_tiny = tiny.artifacts.preprocessor.transform(features.train)
    average = _fold_average(X_tiny, features.target.to_numpy())
    artifacts = ScoringArtifacts(
        preprocessor=tiny.artifacts.preprocessor,
        model=average,
        threshold=0.2,
        cost_fn=10.0,
        cost_fp=1.0,
        snapshot=tiny.artifacts.snapshot,
    )
    scorer = Scorer(load_artifacts(save_artifacts(artifacts, tmp_path / "scoring")))
    request = parse_request(pd.DataFrame({"SK_ID_CURR": tiny.production_ids[:5]}))
    answer, inputs = scorer.score(request, explain=True, top_k=3)
    np.testing.assert_allclose(answer["probability_default"], average.predict_proba(inputs), rtol=1e-12)
    contrib = average.contributions(inputs.to_numpy() if hasattr(inputs, "to_numpy") else inputs)
    np.testing.assert_allclose(answer["base_value"], contrib[:, -1], rtol=1e-9)


def test_a_platt_calibrated_model_rescales_the_log_odds_and_its_contributions_add_up_to_them(
    tmp_path: Path,
) -> None:
    X, y = planted()
    inner = _fold_average(X, y)
    calibrated = PlattCalibrated(inner, slope=0.8, intercept=-0.3)
    raw = np.log(inner.predict_proba(X) / (1 - inner.predict_proba(X)))
    proba = calibrated.predict_proba(X)
    np.testing.assert_allclose(np.log(proba / (1 - proba)), 0.8 * raw - 0.3, rtol=1e-9, atol=1e-9)
    contrib = calibrated.contributions(X.to_numpy())
    inner_contrib = inner.contributions(X.to_numpy())
    np.testing.assert_allclose(contrib[:, :-1], 0.8 * inner_contrib[:, :-1], rtol=1e-12)
    np.testing.assert_allclose(contrib[:, -1], 0.8 * inner_contrib[:, -1] - 0.3, rtol=1e-12)
    # the reasons still add up to the served (calibrated) log-odds
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(proba / (1 - proba)), rtol=1e-6, atol=1e-9)
    same = np.argsort(proba, kind="stable"), np.argsort(inner.predict_proba(X), kind="stable")
    assert np.array_equal(*same)  # the ranking is unchanged
    calibrated.save(tmp_path)
    loaded = load_model(PlattCalibrated.name, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    np.testing.assert_array_equal(loaded.contributions(X.to_numpy()), contrib)
    with pytest.raises(ValueError, match="slope > 0"):
        PlattCalibrated(inner, slope=-1.0, intercept=0.0)


def test_composite_models_are_neither_searched_nor_fitted_whole() -> None:
    X, y = planted()
    average = _fold_average(X, y)
    for model in (average, PlattCalibrated(average, slope=1.0, intercept=0.0)):
        with pytest.raises(TypeError, match="built from fitted models; it is not searched"):
            type(model).search_space()
        with pytest.raises(TypeError, match="fit its parts"):
            model.fit(X, y)


def test_the_median_imputer_learns_what_sklearns_simple_imputer_learns_and_fills_the_same() -> None:
    from sklearn.impute import SimpleImputer

    from custom_model.families.logreg import MedianImputer

    rng = np.random.default_rng(4)
    X = rng.normal(size=(301, 6))
    X[rng.random(X.shape) < 0.3] = np.nan
    X[:, 4] = np.nan  # a column without any value gets 0
    X[:, 5] = np.where(np.arange(301) % 2 == 0, np.nan, np.arange(301.0))  # an even count of values
    reference = SimpleImputer(strategy="median", keep_empty_features=True).fit(X)
    ours = MedianImputer().fit(X)
    np.testing.assert_array_equal(ours.statistics_, reference.statistics_)
    assert ours.statistics_[4] == 0.0 and ours.statistics_[5] == 150.0
    new = rng.normal(size=(50, 6))
    new[rng.random(new.shape) < 0.4] = np.nan
    np.testing.assert_array_equal(ours.transform(new), reference.transform(new))

"""The champion produced by the real training job, served over real HTTP: training and serving integrated.

One tiny training run (tests/support/tiny_model.py, ~10 s) and one `mlflow models serve` start for the module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import requests
from mlflow import MlflowClient

from custom_model import schema
from custom_model.contract import PREDICTION_LOG_ENV, REGISTERED_MODEL_NAME
from custom_model.features.assemble import snapshot_features
from custom_model.model import ANSWER_COLUMNS, ARTIFACT_KEY, ScoringArtifacts, load_artifacts
from tests.support.mlflow_state import using_tracking_uri
from tests.support.server import model_server
from tests.support.tiny_model import TinyModel

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Champion:
    url: str
    model: TinyModel
    artifacts: ScoringArtifacts


@pytest.fixture(scope="module")
def champion(tmp_path_factory: pytest.TempPathFactory, tiny_model: TinyModel) -> Iterator[Champion]:
    folder = tmp_path_factory.mktemp("champion")
    model = tiny_model
    with using_tracking_uri(model.tracking_uri):
        uri = f"models:/{REGISTERED_MODEL_NAME}/{model.version}"
        model_dir = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(folder / "model")))
    artifacts = load_artifacts(model_dir / "artifacts" / ARTIFACT_KEY)
    env = {PREDICTION_LOG_ENV: f"sqlite:///{folder / 'events.db'}"}
    with model_server(model.model_uri, model.tracking_uri, env=env, cwd=folder) as url:
        yield Champion(url, model, artifacts)


def _boosters_probability(champion: Champion, X: np.ndarray) -> np.ndarray:
    """The bare LightGBM boosters' probability (fold average: mean log-odds), Platt-scaled if calibrated."""
    model = champion.artifacts.model
    slope, intercept = getattr(model, "slope", 1.0), getattr(model, "intercept", 0.0)
    model = getattr(model, "inner", model)
    boosters = [m.booster_ for m in getattr(model, "members", (model,))]
    logits = [np.log(p / (1 - p)) for p in (b.predict(X) for b in boosters)]
    return 1 / (1 + np.exp(-(slope * np.mean(logits, axis=0) + intercept)))


def test_champion_answers_like_its_booster_at_its_logged_threshold(champion: Champion) -> None:
    ids = champion.artifacts.snapshot.index.to_numpy()[:200]
    body = {"dataframe_split": {"columns": [schema.ID_CURR], "data": [[int(i)] for i in ids]}}
    response = requests.post(f"{champion.url}/invocations", json=body, timeout=60)
    assert response.status_code == 200, response.text
    answer = pd.DataFrame(response.json()["predictions"])
    assert list(answer.columns) == list(ANSWER_COLUMNS)
    features = snapshot_features(champion.artifacts.snapshot, pd.DataFrame({schema.ID_CURR: ids}))
    X = champion.artifacts.preprocessor.transform(features).to_numpy()
    np.testing.assert_allclose(answer["probability_default"], _boosters_probability(champion, X), rtol=1e-12)
    run = MlflowClient(champion.model.tracking_uri).get_run(champion.model.run_id)
    logged = run.data.metrics["threshold"]
    assert (answer["threshold"] == logged).all()
    assert logged == champion.model.threshold
    probability = answer["probability_default"].to_numpy(float)
    assert (answer["decision"] == np.where(probability >= logged, "refused", "accepted")).all()
    assert (answer["model_version"] == champion.model.version).all()
    for text in answer["explanation"]:
        assert all(set(r) == {"feature", "label", "value", "contribution"} for r in json.loads(text))


def test_champion_scores_raw_fields_of_a_known_client_like_the_lookup(champion: Champion) -> None:
    app = pd.read_csv(champion.model.data_dir / f"{schema.APPLICATION_TEST}.csv", nrows=5)
    row = {
        k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in app.iloc[0].items()
    }
    raw = requests.post(f"{champion.url}/invocations", json={"dataframe_records": [row]}, timeout=60)
    by_id = requests.post(
        f"{champion.url}/invocations",
        json={"dataframe_records": [{schema.ID_CURR: row[schema.ID_CURR]}]},
        timeout=60,
    )
    assert raw.status_code == 200 and by_id.status_code == 200, raw.text + by_id.text
    expected = by_id.json()["predictions"][0]["probability_default"]
    assert raw.json()["predictions"][0]["probability_default"] == pytest.approx(expected, rel=1e-9)

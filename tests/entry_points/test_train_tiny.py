"""The shared tiny model (tests/support/tiny_model.py) is registered, served as @champion and reproducible."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from custom_model.contract import REGISTERED_MODEL_NAME, Alias
from tests.support.mlflow_state import using_tracking_uri
from tests.support.tiny_model import TinyModel


def test_tiny_model_is_the_champion_and_scores_known_clients(
    tiny_model: TinyModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    tiny = tiny_model
    assert tiny.model_uri == f"models:/{REGISTERED_MODEL_NAME}@{Alias.CHAMPION}" and tiny.version == "1"
    assert 0.0 < tiny.threshold < 1.0
    client = MlflowClient(tracking_uri=tiny.tracking_uri, registry_uri=tiny.tracking_uri)
    assert str(client.get_model_version_by_alias(REGISTERED_MODEL_NAME, Alias.CHAMPION).version) == "1"
    assert client.get_run(tiny.run_id).data.tags["alias"] == Alias.CHAMPION
    ids = pd.read_csv(tiny.data_dir / "application_test.csv", usecols=["SK_ID_CURR"])["SK_ID_CURR"].head(3)
    with using_tracking_uri(tiny.tracking_uri):
        model = mlflow.pyfunc.load_model(tiny.model_uri)
    answer = model.predict(pd.DataFrame({"SK_ID_CURR": ids}), params={"explain": False})
    assert answer["error"].isna().all() and answer["probability_default"].between(0, 1).all()
    assert (answer["threshold"] == tiny.threshold).all()

"""Champion/challenger rule against a real sqlite registry with small stand-in pyfunc models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from custom_model.contract import Alias
from entry_points._mlflow import use_experiment
from entry_points.training.registry import assign_alias, decide_alias
from tests.support.mlflow_state import using_tracking_uri

NAME = "credit-scoring-test"


class RefuseEveryone(mlflow.pyfunc.PythonModel):
    """Answers like the served model, refusing every client."""

    def predict(self, context, model_input, params=None):
        n = len(model_input)
        return pd.DataFrame(
            {"SK_ID_CURR": model_input["SK_ID_CURR"], "decision": ["refused"] * n, "error": [None] * n}
        )


class Broken(mlflow.pyfunc.PythonModel):
    """A champion from an older contract that cannot score today's rows."""

    def predict(self, context, model_input, params=None):
        raise KeyError("EXT_SOURCE_2")


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    with using_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        use_experiment("registry-test")  # artifacts beside the store, never in the working directory
        yield MlflowClient()


def _register(model: mlflow.pyfunc.PythonModel) -> str:
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(name="model", python_model=model, registered_model_name=NAME)
    return str(info.registered_model_version)


# 4 holdout clients, 1 default. Refusing everyone costs 3 FP → 3/4 = 0.75 per client (cost_fn 10, cost_fp 1).
ROWS = pd.DataFrame({"SK_ID_CURR": [1, 2, 3, 4], "AMT_CREDIT": [1.0, 2.0, 3.0, 4.0]})
Y = np.array([0, 0, 1, 0])


def _assign(client: MlflowClient, version: str, new_cost: float):
    return assign_alias(client, NAME, version, new_cost=new_cost, raw_rows=ROWS, y=Y, cost_fn=10, cost_fp=1)


def test_first_version_becomes_champion_then_only_a_strictly_better_one(client: MlflowClient) -> None:
    v1 = _register(RefuseEveryone())
    first = _assign(client, v1, new_cost=0.75)
    assert first.alias == Alias.CHAMPION and first.reason == "no champion yet"
    v2 = _register(RefuseEveryone())
    worse = _assign(client, v2, new_cost=0.80)
    assert worse.alias == Alias.CHALLENGER and worse.champion_cost == pytest.approx(0.75)
    v3 = _register(RefuseEveryone())
    better = _assign(client, v3, new_cost=0.50)
    assert better.alias == Alias.CHAMPION and better.champion_version == v1
    aliases = {k: str(v) for k, v in client.get_registered_model(NAME).aliases.items()}
    assert aliases == {Alias.CHAMPION: v3, Alias.CHALLENGER: v2}


def test_a_champion_that_cannot_score_is_kept_and_said_so(client: MlflowClient) -> None:
    broken = _register(Broken())
    _assign(client, broken, new_cost=0.9)
    new = _register(RefuseEveryone())
    decision = _assign(client, new, new_cost=0.1)
    assert decision.alias == Alias.CHALLENGER and decision.champion_cost is None
    assert "could not score" in decision.reason
    assert str(client.get_model_version_by_alias(NAME, Alias.CHAMPION).version) == broken


def test_alias_moves_only_on_a_strictly_lower_cost() -> None:
    assert decide_alias(0.50, None) == Alias.CHAMPION
    assert decide_alias(0.49, 0.50) == Alias.CHAMPION
    assert decide_alias(0.50, 0.50) == Alias.CHALLENGER  # a tie keeps the serving model
    assert decide_alias(0.60, 0.50) == Alias.CHALLENGER


def test_a_version_blocked_by_the_fairness_gate_stays_challenger_at_any_cost(client: MlflowClient) -> None:
    v1 = _register(RefuseEveryone())
    _assign(client, v1, new_cost=0.75)
    v2 = _register(RefuseEveryone())
    reason = "fairness gate: disparate impact by gender 0.62 < 0.8 (four-fifths rule, holdout)"
    decision = assign_alias(
        client, NAME, v2, new_cost=0.01, raw_rows=ROWS, y=Y, cost_fn=10, cost_fp=1, blocked=reason
    )
    assert decision.alias == Alias.CHALLENGER and decision.reason == reason
    aliases = {k: str(v) for k, v in client.get_registered_model(NAME).aliases.items()}
    assert aliases == {Alias.CHAMPION: v1, Alias.CHALLENGER: v2}

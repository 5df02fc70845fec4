"""Promotion through mlflow.models.evaluate against a real sqlite registry, with stand-in pyfunc models.

60 holdout clients: ids 1–30 women, 31–60 men; clients 3 and 33 default. Each stand-in answers like the served
model (decision, probability, error), so its business cost, AUC and disparate impact are known by hand.
"""

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
from entry_points.training.registry import AUC_MARGIN, assign_alias
from tests.support.mlflow_state import using_tracking_uri

NAME = "credit-scoring-test"
IDS = np.arange(1, 61)
ROWS = pd.DataFrame({"SK_ID_CURR": IDS, "CODE_GENDER": ["F"] * 30 + ["M"] * 30, "AMT_CREDIT": 1.0})
Y = np.isin(IDS, [3, 33]).astype(int)


class StandIn(mlflow.pyfunc.PythonModel):
    """Refuses the clients ``refused`` with probability 0.9 (others 0.1), or ``probability`` when given."""

    def __init__(self, refused: list[int], probability: dict[int, float] | None = None) -> None:
        self.refused, self.probability = set(refused), probability or {}

    def predict(self, context, model_input, params=None):
        ids = model_input["SK_ID_CURR"].tolist()
        refused = [i in self.refused for i in ids]
        return pd.DataFrame(
            {
                "SK_ID_CURR": ids,
                "probability_default": [
                    self.probability.get(i, 0.9 if r else 0.1) for i, r in zip(ids, refused, strict=True)
                ],
                "decision": ["refused" if r else "accepted" for r in refused],
                "error": [None] * len(ids),
            }
        )


class Broken(mlflow.pyfunc.PythonModel):
    """A champion from an older contract that cannot score today's rows."""

    def predict(self, context, model_input, params=None):
        raise KeyError("EXT_SOURCE_2")


PERFECT = StandIn([3, 33])  # cost 0, AUC 1, both genders approved 29/30
REFUSE_ALL = StandIn(list(IDS))  # cost 58/60, AUC 0.5
REFUSE_MEN = StandIn(list(range(31, 61)))  # men never approved: disparate impact 0


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    with using_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        use_experiment("registry-test")  # artifacts beside the store, never in the working directory
        with mlflow.start_run():  # the training run the promotion runs nest under
            yield MlflowClient()


def _register(model: mlflow.pyfunc.PythonModel) -> str:
    with mlflow.start_run(nested=True):
        info = mlflow.pyfunc.log_model(name="model", python_model=model, registered_model_name=NAME)
    return str(info.registered_model_version)


def _assign(client: MlflowClient, version: str):
    return assign_alias(client, NAME, version, raw_rows=ROWS, y=Y, cost_fn=10, cost_fp=1)


def _aliases(client: MlflowClient) -> dict[str, str]:
    return {k: str(v) for k, v in client.get_registered_model(NAME).aliases.items()}


def test_first_fair_version_becomes_champion_then_only_a_strictly_better_one(client: MlflowClient) -> None:
    v1 = _register(REFUSE_ALL)
    first = _assign(client, v1)
    assert first.alias == Alias.CHAMPION and first.reason.startswith("no champion yet")
    assert first.new_cost == pytest.approx(58 / 60)
    v2 = _register(REFUSE_ALL)  # a tie keeps the serving model
    tie = _assign(client, v2)
    assert tie.alias == Alias.CHALLENGER and "business_cost" in tie.reason
    assert tie.champion_cost == pytest.approx(58 / 60)
    v3 = _register(PERFECT)
    better = _assign(client, v3)
    assert better.alias == Alias.CHAMPION and better.champion_version == v1 and better.new_cost == 0
    assert better.reason.startswith(f"beats champion v{v1}")
    assert _aliases(client) == {Alias.CHAMPION: v3, Alias.CHALLENGER: v2}
    assert client.get_model_version(NAME, v3).tags["promotion"] == better.reason


def test_a_version_refusing_one_gender_never_becomes_champion(client: MlflowClient) -> None:
    v1 = _register(REFUSE_MEN)
    decision = _assign(client, v1)
    assert decision.alias == Alias.CHALLENGER
    assert "disparate_impact_gender" in decision.reason and "validation failed" in decision.reason
    assert _aliases(client) == {Alias.CHALLENGER: v1}  # no champion rather than an unfair one


def test_a_cheaper_version_whose_probabilities_rank_worse_is_not_promoted(client: MlflowClient) -> None:
    v1 = _register(REFUSE_ALL)  # AUC 0.5
    _assign(client, v1)
    # decisions of PERFECT (cost 0) but probabilities that rank the defaulters last: AUC 0
    blind = StandIn([3, 33], probability={i: (0.05 if i in (3, 33) else 0.5) for i in IDS})
    v2 = _register(blind)
    decision = _assign(client, v2)
    assert decision.alias == Alias.CHALLENGER and "roc_auc" in decision.reason
    assert decision.new_cost == 0 and AUC_MARGIN > 0


def test_both_evaluations_are_nested_runs_on_the_same_holdout_rows(client: MlflowClient) -> None:
    v1 = _register(REFUSE_ALL)
    _assign(client, v1)
    v2 = _register(PERFECT)
    _assign(client, v2)
    parent = mlflow.active_run()
    runs = client.search_runs([parent.info.experiment_id], "tags.kind = 'promotion'")
    roles = {(r.data.tags["role"], r.data.tags["model_version"]) for r in runs}
    assert roles == {("candidate", v1), ("candidate", v2), ("champion", v1)}
    assert len({r.data.tags["holdout_digest"] for r in runs}) == 1
    candidate = next(r for r in runs if r.data.tags["model_version"] == v2)
    assert candidate.data.metrics["business_cost"] == 0 and candidate.data.metrics["roc_auc"] == 1.0
    assert candidate.data.metrics["disparate_impact_gender"] == pytest.approx(1.0)


def test_a_champion_that_cannot_score_is_kept_and_said_so(client: MlflowClient) -> None:
    broken = _register(Broken())
    client.set_registered_model_alias(NAME, Alias.CHAMPION, broken)
    new = _register(PERFECT)
    decision = _assign(client, new)
    assert decision.alias == Alias.CHALLENGER and decision.champion_cost is None
    assert "could not score" in decision.reason
    assert str(client.get_model_version_by_alias(NAME, Alias.CHAMPION).version) == broken

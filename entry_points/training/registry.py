"""Champion/challenger rule of the Model Registry: the alias moves only when the holdout cost improves
and the fairness gate holds."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from custom_model.contract import PARAM_EXPLAIN, Alias, Decision, model_uri
from custom_model.cost import decisions_cost
from custom_model.prediction_log import prediction_log_disabled

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AliasDecision:
    """Which alias the new version received and why."""

    alias: str
    version: str
    new_cost: float
    champion_version: str | None
    champion_cost: float | None
    reason: str


def champion_version(client: MlflowClient, name: str) -> str | None:
    """Version currently holding the champion alias, or None (no model, or no champion yet)."""
    try:
        return str(client.get_model_version_by_alias(name, Alias.CHAMPION).version)
    except MlflowException:
        return None


def served_cost(uri: str, raw_rows: pd.DataFrame, y: np.ndarray, *, cost_fn: float, cost_fp: float) -> float:
    """Score raw application rows through a registered pyfunc and cost its own accept/refuse decisions."""
    with prediction_log_disabled():
        model = mlflow.pyfunc.load_model(uri)
        answer = model.predict(raw_rows, params={PARAM_EXPLAIN: False})
    errors = answer["error"].notna()
    if errors.any():
        first = answer.loc[errors, ["SK_ID_CURR", "error"]].iloc[0].tolist()
        raise ValueError(f"{uri} could not score {int(errors.sum())} holdout rows; first: {first}")
    refused = answer["decision"].eq(Decision.REFUSED).to_numpy()
    return decisions_cost(y, refused, cost_fn=cost_fn, cost_fp=cost_fp)


def decide_alias(new_cost: float, champion_cost: float | None) -> str:
    """Champion only when there is no comparable champion or the new cost is strictly lower."""
    if champion_cost is None or new_cost < champion_cost:
        return Alias.CHAMPION
    return Alias.CHALLENGER


def assign_alias(
    client: MlflowClient,
    name: str,
    version: str,
    *,
    new_cost: float,
    raw_rows: pd.DataFrame,
    y: np.ndarray,
    cost_fn: float,
    cost_fp: float,
    blocked: str | None = None,
) -> AliasDecision:
    """Compare the new version with the current champion on the same holdout rows and set the alias.

    ``blocked``: why the version may not become champion whatever its cost (the fairness gate); it then
    becomes @challenger with that reason, and the champion stays.
    """
    current = champion_version(client, name)
    champion_cost: float | None = None
    if blocked:
        client.set_registered_model_alias(name, Alias.CHALLENGER, version)
        return AliasDecision(Alias.CHALLENGER, version, new_cost, current, None, blocked)
    if current is None:
        reason = "no champion yet"
    elif current == version:
        reason = "this version is already the champion"
    else:
        try:
            champion_cost = served_cost(
                model_uri(Alias.CHAMPION, name), raw_rows, y, cost_fn=cost_fn, cost_fp=cost_fp
            )
        except Exception as exc:  # any failure of the old model to score must keep it, not crash training
            logger.warning(
                "The current champion (version %s) cannot score this run's holdout rows (%s: %s); "
                "keeping it and registering the new version as %s",
                current,
                type(exc).__name__,
                exc,
                Alias.CHALLENGER,
            )
            client.set_registered_model_alias(name, Alias.CHALLENGER, version)
            return AliasDecision(
                Alias.CHALLENGER,
                version,
                new_cost,
                current,
                None,
                f"champion v{current} could not score the holdout ({type(exc).__name__}); kept",
            )
        reason = (
            f"holdout cost {new_cost:.4f} vs champion v{current} {champion_cost:.4f} on the same holdout rows"
        )
    alias = decide_alias(new_cost, champion_cost)
    client.set_registered_model_alias(name, alias, version)
    return AliasDecision(alias, version, new_cost, current, champion_cost, reason)

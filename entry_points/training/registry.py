"""Promotion through MLflow's evaluation: the new version becomes @champion only on evidence.

Candidate and champion answer the same holdout rows through their registered pyfuncs (as they are served);
`mlflow.models.evaluate` scores each set of decisions as a static predictions dataset with two extra metrics
built by `mlflow.models.make_metric` — the business cost and the disparate impact by gender — plus the AUC of
the served probabilities; `mlflow.validate_evaluation_results` then decides with `MetricThreshold`s:

- `business_cost` strictly lower than the champion's (a tie keeps the serving model);
- `roc_auc` at most `AUC_MARGIN` below the champion's;
- `disparate_impact_gender` at least 0.8 (four-fifths rule; also for a first version, with no champion).

Each evaluation is a nested run of the training run (`promotion-candidate-v<N>`, `promotion-champion-v<M>`),
attached to the version's logged model, tagged with the digest of the holdout rows both were judged on; the
decision and its reasons go on the version (tags, description).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.metrics import MetricValue
from mlflow.models import EvaluationResult, MetricThreshold, make_metric
from mlflow.models.evaluation.validation import ModelValidationFailedException
from mlflow.tracking import MlflowClient
from sklearn.metrics import roc_auc_score

from custom_model.contract import ID_COLUMN, PARAM_EXPLAIN, PROBABILITY_COLUMN, Alias, Decision, model_uri
from custom_model.cost import decisions_cost
from custom_model.prediction_log import prediction_log_disabled
from entry_points.training.fairness import DISPARATE_IMPACT_FLOOR, GENDER, group_approval_ratio

logger = logging.getLogger(__name__)

#: The candidate's holdout AUC may be at most this much below the champion's.
AUC_MARGIN = 0.01
COST, AUC, FAIRNESS = "business_cost", "roc_auc", "disparate_impact_gender"
TARGET, PREDICTION, PROBABILITY = "target", "prediction", "probability"


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


def served_answers(uri: str, raw_rows: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """The evaluation dataset of a registered pyfunc: its decisions and probabilities on raw rows, with y."""
    with prediction_log_disabled():
        answer = mlflow.pyfunc.load_model(uri).predict(raw_rows, params={PARAM_EXPLAIN: False})
    errors = answer["error"].notna()
    if errors.any():
        first = answer.loc[errors, [ID_COLUMN, "error"]].iloc[0].tolist()
        raise ValueError(f"{uri} could not score {int(errors.sum())} holdout rows; first: {first}")
    return pd.DataFrame(
        {
            TARGET: np.asarray(y, dtype=int),
            PREDICTION: answer["decision"].eq(Decision.REFUSED).astype(int).to_numpy(),
            PROBABILITY: answer[PROBABILITY_COLUMN].to_numpy(dtype=np.float64),
            GENDER: raw_rows[GENDER].to_numpy(),
        }
    )


def promotion_metrics(cost_fn: float, cost_fp: float) -> list:
    """The extra metrics of the evaluation: business cost, AUC of the probabilities, disparate impact."""

    def cost(predictions: pd.Series, targets: pd.Series, metrics: dict) -> MetricValue:
        value = decisions_cost(targets.to_numpy(), predictions.to_numpy(), cost_fn=cost_fn, cost_fp=cost_fp)
        return MetricValue(aggregate_results={COST: value})

    def auc(predictions: pd.Series, targets: pd.Series, metrics: dict, probability: pd.Series) -> MetricValue:
        value = roc_auc_score(targets, probability) if targets.nunique() == 2 else float("nan")
        return MetricValue(aggregate_results={AUC: float(value)})

    def fairness(
        predictions: pd.Series, targets: pd.Series, metrics: dict, CODE_GENDER: pd.Series
    ) -> MetricValue:
        ratio = group_approval_ratio(CODE_GENDER, predictions.to_numpy().astype(bool))
        return MetricValue(aggregate_results={FAIRNESS: ratio})

    return [
        make_metric(eval_fn=cost, greater_is_better=False, name=COST),
        make_metric(eval_fn=auc, greater_is_better=True, name=AUC),
        make_metric(eval_fn=fairness, greater_is_better=True, name=FAIRNESS),
    ]


def holdout_digest(raw_rows: pd.DataFrame, y: np.ndarray) -> str:
    """sha256 of the holdout's client ids and outcomes: both evaluations name the rows they judged."""
    ids = raw_rows[ID_COLUMN].to_numpy(dtype=np.int64)
    return hashlib.sha256(ids.tobytes() + np.asarray(y, dtype=np.int8).tobytes()).hexdigest()[:16]


def evaluate_version(
    client: MlflowClient,
    name: str,
    version: str,
    frame: pd.DataFrame,
    *,
    role: str,
    digest: str,
    metrics: list,
) -> dict[str, float]:
    """One nested run evaluating one version's decisions, attached to its logged model; its metrics."""
    model_id = getattr(client.get_model_version(name, version), "model_id", None)
    with mlflow.start_run(run_name=f"promotion-{role}-v{version}", nested=True):
        mlflow.set_tags(
            {"kind": "promotion", "role": role, "model_version": version, "holdout_digest": digest}
        )
        result = mlflow.models.evaluate(
            data=frame,
            targets=TARGET,
            predictions=PREDICTION,
            model_type="classifier",
            extra_metrics=metrics,
            evaluator_config={"log_model_explainability": False},
            model_id=model_id,
        )
    return result


def thresholds(baseline: dict[str, float] | None) -> dict[str, MetricThreshold]:
    """The promotion rule as MetricThresholds (fairness alone when there is no champion to beat)."""
    rule = {FAIRNESS: MetricThreshold(threshold=DISPARATE_IMPACT_FLOOR, greater_is_better=True)}
    if baseline is not None:
        rule[COST] = MetricThreshold(min_absolute_change=1e-12, greater_is_better=False)
        rule[AUC] = MetricThreshold(threshold=baseline[AUC] - AUC_MARGIN, greater_is_better=True)
    return rule


def assign_alias(
    client: MlflowClient,
    name: str,
    version: str,
    *,
    raw_rows: pd.DataFrame,
    y: np.ndarray,
    cost_fn: float,
    cost_fp: float,
) -> AliasDecision:
    """Evaluate the new version and the champion on the same holdout rows; set the alias the rule gives."""
    judged = {"digest": holdout_digest(raw_rows, y), "metrics": promotion_metrics(cost_fn, cost_fp)}
    frame = served_answers(f"models:/{name}/{version}", raw_rows, y)
    candidate = evaluate_version(client, name, version, frame, role="candidate", **judged)
    current = champion_version(client, name)
    baseline = None
    if current is not None and current != version:
        try:
            champion_frame = served_answers(model_uri(Alias.CHAMPION, name), raw_rows, y)
        except Exception as exc:  # any failure of the old model to score must keep it, not crash training
            logger.warning(
                "the champion v%s cannot score this holdout (%s: %s); kept", current, type(exc).__name__, exc
            )
            client.set_registered_model_alias(name, Alias.CHALLENGER, version)
            reason = f"champion v{current} could not score the holdout ({type(exc).__name__}); kept"
            return AliasDecision(Alias.CHALLENGER, version, candidate.metrics[COST], current, None, reason)
        role = Alias.CHAMPION.value
        baseline = evaluate_version(client, name, current, champion_frame, role=role, **judged)
    alias, reason = validate(candidate, baseline, current=current)
    client.set_registered_model_alias(name, alias, version)
    client.set_model_version_tag(name, version, "promotion", reason)
    champion_cost = baseline.metrics[COST] if baseline is not None else None
    return AliasDecision(alias, version, candidate.metrics[COST], current, champion_cost, reason)


def validate(
    candidate: EvaluationResult, baseline: EvaluationResult | None, *, current: str | None
) -> tuple[str, str]:
    """The alias `mlflow.validate_evaluation_results` gives, and why (its failures, or the figures)."""
    rule = thresholds(baseline.metrics if baseline is not None else None)
    try:
        mlflow.validate_evaluation_results(rule, candidate_result=candidate, baseline_result=baseline)
    except ModelValidationFailedException as failed:
        failures = " ".join(str(failed).split())
        return Alias.CHALLENGER, f"validation failed: {failures}"
    figures = f"business cost {candidate.metrics[COST]:.4f}, AUC {candidate.metrics[AUC]:.4f}, " + (
        f"disparate impact by gender {candidate.metrics[FAIRNESS]:.2f}"
    )
    if baseline is None:
        first = "no champion yet" if current is None else "this version is already the champion"
        return Alias.CHAMPION, f"{first}; {figures}"
    return Alias.CHAMPION, f"beats champion v{current} on the same holdout rows: {figures} (vs cost " + (
        f"{baseline.metrics[COST]:.4f}, AUC {baseline.metrics[AUC]:.4f})"
    )

"""model_card.md: what the registered model is, how it was chosen, how good it is, and where it stops."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from custom_model.contract import Artifact
from custom_model.cost import bayes_threshold
from entry_points.training.fairness import DISPARATE_IMPACT_FLOOR, MIN_GROUP_SIZE

#: Out-of-fold AUC above which real-data results are suspicious (best Kaggle solutions ≈ 0.80).
REAL_DATA_AUC_ALARM = 0.82


@dataclass(frozen=True)
class CardFacts:
    """Everything the card states, gathered by the training entry point."""

    data_source: str
    synthetic: bool
    n_train: int
    n_holdout: int
    default_rate: float
    tables: tuple[str, ...]
    n_features: int
    top_features: tuple[str, ...]
    comparison: pd.DataFrame
    family: str
    params: Mapping[str, Any]
    threshold: float
    cost_fn: float
    cost_fp: float
    oof: Mapping[str, float]
    holdout: Mapping[str, float]
    oracle: Mapping[str, float]
    oracle_selection: Mapping[str, float]
    n_folds: int
    max_evals: int
    seed: int
    #: The holdout's fairness table (`entry_points.training.fairness`), when measured.
    fairness: pd.DataFrame | None = None
    #: The calibration of the served probabilities (`entry_points.training.calibration`): "platt" or "none".
    calibration: str = "none"


def markdown_table(frame: pd.DataFrame, *, digits: int = 4) -> str:
    """GitHub-flavoured markdown table (no tabulate dependency)."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "–" if math.isnan(value) else f"{value:.{digits}f}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _metric(values: Mapping[str, float], key: str) -> str:
    """Formatted metric or a dash when absent."""
    value = values.get(key)
    return "–" if value is None or math.isnan(value) else f"{value:.4f}"


def _oracle_text(facts: CardFacts) -> str:
    """The oracle's figures, on generated data only."""
    if not facts.oracle:
        return ""
    return (
        "\n**Oracle** (the generator's true probabilities, the best achievable ranking): AUC "
        f"{_metric(facts.oracle_selection, 'auc')} on the selection rows and "
        f"{_metric(facts.oracle, 'auc')} "
        f"on the holdout; cost {_metric(facts.oracle, 'cost')} per client on the holdout at the Bayes "
        "threshold.\n"
    )


def _leak_warning(facts: CardFacts) -> str:
    """The leak alarm of real data (empty otherwise)."""
    if facts.synthetic or facts.oof.get("auc", 0.0) <= REAL_DATA_AUC_ALARM:
        return ""
    return (
        f"\n> **Warning:** out-of-fold AUC above {REAL_DATA_AUC_ALARM} on real data is more than the best "
        "Kaggle solutions reached (≈ 0.80): suspect a leak (a feature computed from TARGET or from the "
        "future).\n"
    )


_METRIC_ROWS = (
    ("cost per client at the tuned threshold", "cost"),
    ("cost at threshold 0.5", "cost_at_0_5"),
    ("cost accepting everyone", "cost_accept_all"),
    ("cost refusing everyone", "cost_refuse_all"),
    ("AUC", "auc"),
    ("accuracy", "accuracy"),
    ("recall (defaults refused)", "recall"),
    ("precision (refused who default)", "precision"),
    ("refusal rate", "refusal_rate"),
    ("Brier score", "brier"),
)


def _performance_rows(facts: CardFacts) -> str:
    """Rows of the out-of-fold vs holdout table."""
    return "\n".join(
        f"| {label} | {_metric(facts.oof, k)} | {_metric(facts.holdout, k)} |" for label, k in _METRIC_ROWS
    )


def _data_section(facts: CardFacts) -> str:
    """Where the data comes from and how it was split."""
    kind = "synthetic, planted signal" if facts.synthetic else "real data"
    return f"""## Data
- Source: `{facts.data_source}` ({kind})
- Tables used: {", ".join(facts.tables)}
- Training clients: {facts.n_train} for selection (stratified {facts.n_folds}-fold CV) + {facts.n_holdout}
  in a stratified holdout kept aside and used once, for the final evaluation;
  default rate {facts.default_rate:.2%}.
{_leak_warning(facts)}
## Features
- {facts.n_features} model features: application fields and ratios, and aggregates of the credit bureau,
  previous applications, POS/cash, instalments and credit-card histories (one row per client).
- `TARGET` and identifiers are never features. Top features by mean |SHAP| on the holdout: \
{", ".join(f"`{f}`" for f in facts.top_features) or "–"}.
"""


def _model_section(facts: CardFacts) -> str:
    """The families compared, the chosen model, its threshold and its figures."""
    params = "\n".join(
        f"- `{k}`: {v:.4g}" if isinstance(v, float) else f"- `{k}`: {v}" for k, v in facts.params.items()
    )
    return f"""## Families compared (hyperopt TPE, {facts.max_evals} trials per family, seed {facts.seed})
Loss = out-of-fold business cost per client at each candidate's own tuned threshold,
cost = ({facts.cost_fn:g}·FN + {facts.cost_fp:g}·FP) / n.

{markdown_table(facts.comparison)}

## Chosen model: {facts.family}
{params}

Decision threshold: **{facts.threshold:.3f}** (refuse when probability_default ≥ threshold), tuned on the
out-of-fold probabilities; the Bayes threshold for calibrated probabilities would be
{bayes_threshold(facts.cost_fn, facts.cost_fp):.3f}.

## Performance
| metric | out-of-fold (selection rows) | holdout (used once) |
|---|---|---|
{_performance_rows(facts)}
{_oracle_text(facts)}"""


def _fairness_section(facts: CardFacts) -> str:
    """Decisions by gender and age band on the holdout, and the promotion gate on gender."""
    if facts.fairness is None:
        return ""
    floor = DISPARATE_IMPACT_FLOOR
    low = facts.fairness[
        (facts.fairness["disparate_impact"] < floor) & (facts.fairness["n"] >= MIN_GROUP_SIZE)
    ]
    verdict = (
        "No group of at least {n} clients is approved at less than {f:.0%} of the most-approved group's rate."
        if low.empty
        else "Approved at less than {f:.0%} of the most-approved group's rate: "
        + ", ".join(f"{r.attribute} {r.group} ({r.disparate_impact:.2f})" for r in low.itertuples())
        + " (groups of at least {n} clients)."
    ).format(n=MIN_GROUP_SIZE, f=floor)
    return f"""## Fairness (holdout)
Disparate impact = approval rate / the most-approved group's (four-fifths rule: flag below {floor:g});
TPR = share of defaulters refused, FPR = share of good payers refused; calibration: mean predicted
probability vs observed default rate. Measured and logged (`{Artifact.FAIRNESS}`, metrics
`fairness_di_min_*`). Gate: a disparate impact by gender below {floor:g} keeps a version from @champion;
age is shown, not gated (risk really differs with age). {verdict}

{markdown_table(facts.fairness, digits=3)}
"""


def _limits_section(facts: CardFacts) -> str:
    """Calibration and the limits of the model."""
    synthetic_limit = (
        "- Synthetic demo data only shows that the pipeline works; "
        "its figures say nothing about real clients.\n"
        if facts.synthetic
        else ""
    )
    method = (
        "Platt scaling of the log-odds, fitted on the out-of-fold probabilities (it lowered their log loss)"
        if facts.calibration == "platt"
        else "none (Platt scaling of the out-of-fold log-odds did not lower their log loss)"
    )
    bayes = bayes_threshold(facts.cost_fn, facts.cost_fp)
    return f"""## Calibration
Calibration: {method}; the threshold was tuned on the calibrated out-of-fold probabilities. On the holdout:
expected calibration error {_metric(facts.holdout, "ece")} (10 equal-width bins), Brier score
{_metric(facts.holdout, "brier")}, mean predicted probability {_metric(facts.holdout, "mean_proba")} vs
observed default rate {_metric(facts.holdout, "default_rate")}; reliability diagram:
`{Artifact.CALIBRATION_CURVE}`. The tuned threshold {facts.threshold:.3f} compares with the Bayes
threshold of a calibrated model, cost_FP / (cost_FP + cost_FN) = {bayes:.3f}.

## Limits
- Cost weights are the brief's assumption ({facts.cost_fn:g}:{facts.cost_fp:g}); a different ratio moves the
  threshold: retrain with `-P cost_fn=… -P cost_fp=…`.
- LightGBM early stopping uses the validation fold, so out-of-fold figures are slightly optimistic; the
  holdout figures are not.
- Explanations (SHAP, `pred_contrib`) are in log-odds and describe the model, not causes.
- Trained on historical applications: population drift (see the drift job) degrades it silently.
{synthetic_limit}"""


def render_model_card(facts: CardFacts) -> str:
    """Return the markdown text of the model card."""
    return "\n".join(
        [
            "# Model card: credit-scoring\n",
            _data_section(facts),
            _model_section(facts),
            _fairness_section(facts),
            _limits_section(facts),
        ]
    )

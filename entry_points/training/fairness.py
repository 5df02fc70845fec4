"""Fairness of the decisions on the holdout, by gender and by age band: measured, logged and gated on gender.

Credit scoring is a high-risk use under the EU AI Act: a lender must show that refusals do not fall unfairly
on a group. For each group of CODE_GENDER and of age (< 25, 25–40, 40–60, ≥ 60 years) the table gives the
approval rate, the disparate-impact ratio (approval rate / the most-approved group's; the "four-fifths rule"
flags < 0.8), the true- and false-positive rates of the refusals (equal opportunity: a defaulter is refused, a
good payer is not), the business cost per client and the calibration (mean predicted probability vs observed
default rate).

The promotion gate (`entry_points.training.registry`, through `mlflow.validate_evaluation_results`): a version
whose lowest disparate-impact ratio by **gender** is below the four-fifths floor never becomes @champion; it
stays @challenger with the reason. Age is measured and shown but
not gated: default risk really differs with age and the EU consumer-credit rules allow pricing it when
justified, whereas nothing justifies refusing one gender more often; a reviewer reads the age figures in the
model card.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custom_model.cost import business_cost, is_refused

#: The sensitive attributes measured (raw application columns).
GENDER, DAYS_BIRTH = "CODE_GENDER", "DAYS_BIRTH"
#: Age bands in years: [low, high) with their labels.
AGE_BANDS = ((0, 25, "< 25"), (25, 40, "25–40"), (40, 60, "40–60"), (60, 200, "≥ 60"))
#: The four-fifths rule: a group approved at less than 80 % of the most-approved group's rate is flagged.
DISPARATE_IMPACT_FLOOR = 0.8
#: Groups smaller than this are reported but not used for the minimum ratio (too noisy to judge).
MIN_GROUP_SIZE = 30
DAYS_PER_YEAR = 365.25
COLUMNS = (
    "attribute", "group", "n", "approval_rate", "disparate_impact", "tpr", "fpr",
    "cost_per_client", "mean_probability", "default_rate",
)  # fmt: skip


@dataclass(frozen=True)
class Fairness:
    """The per-group table and, per attribute, the lowest disparate-impact ratio among groups large enough."""

    table: pd.DataFrame
    min_disparate_impact: dict[str, float]

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics: ``fairness_di_min_<attribute>``."""
        return {f"fairness_di_min_{k}": v for k, v in self.min_disparate_impact.items()}

    def flagged(self) -> list[str]:
        """Attributes whose lowest ratio is below the four-fifths floor."""
        return [k for k, v in self.min_disparate_impact.items() if v < DISPARATE_IMPACT_FLOOR]


def group_approval_ratio(groups: pd.Series | np.ndarray, refused: np.ndarray) -> float:
    """Lowest approval rate / highest among the groups of at least MIN_GROUP_SIZE clients (1.0 with fewer
    than two such groups): the disparate impact the gate and the table judge."""
    groups = pd.Series(np.asarray(groups, dtype=object))
    approved = pd.Series(~np.asarray(refused, dtype=bool))
    sizes = groups.value_counts()
    judged = sizes.index[sizes >= MIN_GROUP_SIZE]
    rates = approved[groups.isin(judged)].groupby(groups[groups.isin(judged)]).mean()
    if len(rates) < 2 or rates.max() == 0:
        return 1.0
    return float(rates.min() / rates.max())


def age_band(days_birth: pd.Series) -> pd.Series:
    """Age band of each client from DAYS_BIRTH (days before the application, negative)."""
    years = -days_birth.astype(float) / DAYS_PER_YEAR
    labels = pd.Series(pd.NA, index=days_birth.index, dtype=object)
    for low, high, label in AGE_BANDS:
        labels[(years >= low) & (years < high)] = label
    return labels


def group_rows(
    groups: pd.Series, y: np.ndarray, proba: np.ndarray, *, threshold: float, cost_fn: float, cost_fp: float
) -> list[dict]:
    """One row of figures per group (missing group values are left out)."""
    refused = np.asarray(is_refused(proba, threshold))
    rows = []
    for group in sorted(groups.dropna().unique(), key=str):
        mask = (groups == group).to_numpy()
        yg, rg = y[mask], refused[mask]
        rows.append(
            {
                "group": str(group),
                "n": int(mask.sum()),
                "approval_rate": float(1 - rg.mean()),
                "tpr": float(rg[yg == 1].mean()) if (yg == 1).any() else float("nan"),
                "fpr": float(rg[yg == 0].mean()) if (yg == 0).any() else float("nan"),
                "cost_per_client": business_cost(
                    yg, proba[mask], threshold, cost_fn=cost_fn, cost_fp=cost_fp
                ),
                "mean_probability": float(proba[mask].mean()),
                "default_rate": float(yg.mean()),
            }
        )
    return rows


def fairness_table(
    raw: pd.DataFrame, y: np.ndarray, proba: np.ndarray, *, threshold: float, cost_fn: float, cost_fp: float
) -> Fairness:
    """Figures by gender and by age band of the raw holdout rows (same order as ``y`` and ``proba``)."""
    attributes = {"gender": raw[GENDER].reset_index(drop=True)}
    attributes["age"] = age_band(raw[DAYS_BIRTH].reset_index(drop=True))
    frames, minimum = [], {}
    for attribute, groups in attributes.items():
        rows = pd.DataFrame(
            group_rows(groups, y, proba, threshold=threshold, cost_fn=cost_fn, cost_fp=cost_fp)
        )
        judged = rows[rows["n"] >= MIN_GROUP_SIZE]
        best = judged["approval_rate"].max() if len(judged) else float("nan")
        rows["disparate_impact"] = rows["approval_rate"] / best if best > 0 else float("nan")
        minimum[attribute] = group_approval_ratio(groups, np.asarray(is_refused(proba, threshold)))
        frames.append(rows.assign(attribute=attribute))
    table = pd.concat(frames, ignore_index=True)[list(COLUMNS)]
    return Fairness(table=table, min_disparate_impact=minimum)

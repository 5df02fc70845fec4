"""Figures of the parent run: ROC, cost vs threshold, confusion matrix, calibration, global importance."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score, roc_curve

from custom_model.cost import Confusion, ThresholdSearch


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """ROC curves of several (label, (y, proba)) pairs on one chart."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for label, (y, proba) in curves.items():
        fpr, tpr, _ = roc_curve(y, proba)
        ax.plot(fpr, tpr, label=f"{label} (AUC {roc_auc_score(y, proba):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    ax.set(xlabel="false positive rate (good clients refused)", ylabel="true positive rate (defaults caught)")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def cost_figure(
    search: ThresholdSearch, *, title: str = "Business cost vs threshold (out-of-fold)"
) -> Figure:
    """Cost per client along the threshold grid with the tuned, 0.5 and Bayes thresholds marked."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.plot(search.thresholds, search.costs, label="cost per client")
    ax.axvline(search.threshold, color="tab:red", label=f"tuned {search.threshold:.3f} → {search.cost:.3f}")
    ax.axvline(0.5, color="grey", linestyle="--", label=f"0.5 → {search.cost_at_half:.3f}")
    ax.axvline(
        search.bayes_threshold,
        color="tab:green",
        linestyle=":",
        label=f"Bayes {search.bayes_threshold:.3f} → {search.cost_at_bayes:.3f}",
    )
    ax.axhline(search.cost_accept_all, color="tab:orange", linestyle="-.", label="accept everyone")
    ax.axhline(search.cost_refuse_all, color="tab:purple", linestyle="-.", label="refuse everyone")
    ax.set(
        xlabel="threshold on probability of default",
        ylabel=f"cost per client ({search.cost_fn:g}·FN + {search.cost_fp:g}·FP) / n",
    )
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def confusion_figure(c: Confusion, *, threshold: float, title: str) -> Figure:
    """2×2 confusion matrix (rows: truth, columns: decision) with counts and shares."""
    matrix = np.array([[c.tn, c.fp], [c.fn, c.tp]])
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, f"{value}\n{value / c.n:.1%}", ha="center", va="center")
    ax.set_xticks([0, 1], ["accepted", "refused"])
    ax.set_yticks([0, 1], ["repaid (0)", "defaulted (1)"])
    ax.set(xlabel="decision", ylabel="truth")
    ax.set_title(f"{title}\nthreshold {threshold:.3f}")
    fig.tight_layout()
    return fig


def calibration_figure(y: np.ndarray, proba: np.ndarray, *, n_bins: int = 10) -> Figure:
    """Reliability diagram (quantile bins): predicted probabilities against observed default rates."""
    observed, predicted = calibration_curve(y, proba, n_bins=n_bins, strategy="quantile")
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot(predicted, observed, marker="o", label="model")
    top = float(max(predicted.max(), observed.max(), 0.05))
    ax.plot([0, top], [0, top], color="grey", linestyle=":", label="perfectly calibrated")
    ax.set(xlabel="mean predicted probability", ylabel="observed default rate")
    ax.set_title("Calibration (holdout, quantile bins)")
    ax.legend()
    fig.tight_layout()
    return fig


def importance_figure(importance: pd.DataFrame, *, top: int = 25) -> Figure:
    """Horizontal bars of the mean |SHAP| contribution (log-odds) of the top features."""
    head = importance.head(top).iloc[::-1]
    labels = [text if len(text) <= 70 else text[:67] + "..." for text in head["label"]]
    width = 5 + 0.08 * max((len(text) for text in labels), default=0)
    fig, ax = plt.subplots(figsize=(width, 0.3 * len(head) + 1.5))
    ax.barh(range(len(head)), head["mean_abs_contribution"])
    ax.set_yticks(range(len(head)), labels, fontsize=8)
    ax.set(xlabel="mean |SHAP contribution| (log-odds)")
    ax.set_title(f"Global importance: top {len(head)} features")
    fig.tight_layout()
    return fig

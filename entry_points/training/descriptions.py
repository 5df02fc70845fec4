"""The headline figures written where the MLflow UI shows them: the run's and the model version's description.

A data scientist opening the run or the registered version reads the figures that decided it (holdout cost and
AUC at the tuned threshold, the out-of-fold ones it was chosen on, the oracle's on generated data, the alias)
without opening the metrics table.
"""

from __future__ import annotations

from collections.abc import Mapping

from custom_model.contract import ID_COLUMN
from custom_model.domains import DOMAINS

#: MLflow shows this tag as the run's description ("Description" box of the run page).
RUN_DESCRIPTION_TAG = "mlflow.note.content"


def headline(
    *,
    family: str,
    threshold: float,
    holdout: Mapping[str, float],
    oof: Mapping[str, float],
    oracle: Mapping[str, float],
    n_selection: int,
    n_holdout: int,
) -> list[str]:
    """Markdown lines of the figures that matter, each with the rows it was measured on."""
    lines = [
        f"**{family}** at the cost-tuned threshold **{threshold:.3f}** (refused at or above it).",
        f"- Holdout ({n_holdout:,} clients kept aside, used once): business cost "
        f"**{holdout['cost']:.4f}** per client, AUC **{holdout['auc']:.4f}**, "
        f"recall {holdout['recall']:.3f}, precision {holdout['precision']:.3f}.",
        f"- Out-of-fold on {n_selection:,} clients (what the search chose on): cost {oof['cost']:.4f}, "
        f"AUC {oof['auc']:.4f}.",
    ]
    if oracle:
        lines.append(
            f"- Oracle (true probabilities of the generated data) on the same holdout: cost "
            f"{oracle['cost']:.4f}, AUC {oracle['auc']:.4f}."
        )
    return lines


def run_description(lines: list[str], *, version: str, alias: str, reason: str) -> str:
    """Description of the training run: the headline and what became of the registered version."""
    return "\n".join(
        [
            "Training run of the credit-scoring model.",
            *lines,
            f"- Registered as version {version}, alias **@{alias}** ({reason}).",
        ]
    )


def accepted_columns() -> list[str]:
    """The request's columns as the model version page shows them: the id, then every field and its domain."""
    return [
        "",
        "Accepted columns (any other column is refused; a value outside its domain gets a per-row error):",
        f"- `{ID_COLUMN}` (required): the client's id, a whole number (a known client is scored from file)",
        *(f"- `{name}` (optional): {domain.describe()}" for name, domain in DOMAINS.items()),
    ]


def version_description(lines: list[str], *, run_id: str, alias: str, reason: str) -> str:
    """Description of the model version: the headline, its run, how to call it and the accepted columns."""
    return "\n".join(
        [
            *lines,
            f"- Alias at registration: @{alias} ({reason}). Training run `{run_id}`.",
            '- Request: `{"dataframe_split": {"columns": ["SK_ID_CURR", ...], "data": [[...]]}}` with '
            "`SK_ID_CURR` (known client) and optionally any application_test field (new application); see "
            "the input example of this version. Answer: probability, threshold, decision, reasons "
            "(log-odds).",
            *accepted_columns(),
        ]
    )

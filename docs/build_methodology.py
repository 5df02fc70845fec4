"""Render docs/methodology.md from its template with the figures of the champion run and the drift report.

    python docs/build_methodology.py            # champion of $MLFLOW_TRACKING_URI (default sqlite:///mlflow.db)
    python docs/build_methodology.py --drift-json reports/data_drift.json --output docs/methodology.md

Nothing in the note is typed by hand: metrics, parameters and tables are read from the run of
``models:/credit-scoring@champion``, its cost and importance figures are copied to docs/figures/, and the
drift paragraph is written from ``data_drift.json``. Edit docs/methodology.template.md, then run this command.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import string
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from custom_model.contract import (
    DRIFT_JSON,
    PROJECT_DIR,
    REGISTERED_MODEL_NAME,
    REPORTS_DIR,
    Alias,
    Artifact,
    default_tracking_uri,
)
from custom_model.errors import CreditScoringError

logger = logging.getLogger(__name__)

DOCS_DIR = PROJECT_DIR / "docs"
TEMPLATE = DOCS_DIR / "methodology.template.md"
OUTPUT = DOCS_DIR / "methodology.md"
FIGURES = (Artifact.COST_CURVE, Artifact.GLOBAL_IMPORTANCE_FIGURE)
TOP_DRIFTED = 5
#: Metric suffixes read on the parent run, once with the ``cv_`` and once with the ``holdout_`` prefix.
CONTROL_METRICS = ("cost", "auc", "recall", "precision", "accuracy", "brier", "refusal_rate")
HOLDOUT_COSTS = ("cost_at_0_5", "cost_at_bayes_threshold", "cost_accept_all", "cost_refuse_all")


class MethodologyError(CreditScoringError, ValueError):
    """The champion run or the drift report lacks something the methodology note shows."""


@dataclass(frozen=True)
class TrainingRun:
    """What the note reads from the champion's training run."""

    run_id: str
    model_version: str
    metrics: Mapping[str, float]
    params: Mapping[str, str]
    tags: Mapping[str, str]
    comparison: pd.DataFrame
    importance: pd.DataFrame
    run_name: str = ""
    start_time_ms: int | None = None


def _metric(metrics: Mapping[str, float], name: str, run_id: str) -> float:
    """Return a logged metric or say which one the run lacks."""
    if name not in metrics:
        raise MethodologyError(f"run {run_id}: expected metric {name!r}; got {sorted(metrics)}")
    return float(metrics[name])


def _param(params: Mapping[str, str], name: str, run_id: str) -> str:
    """Return a logged parameter or say which one the run lacks."""
    if name not in params:
        raise MethodologyError(f"run {run_id}: expected parameter {name!r}; got {sorted(params)}")
    return params[name]


def _num(value: float, digits: int = 4) -> str:
    """Format a figure with a fixed number of decimals."""
    return f"{value:.{digits}f}"


def comparison_rows(comparison: pd.DataFrame) -> str:
    """Markdown rows of the family comparison table (family_comparison.csv), best first."""
    rows = []
    for r in comparison.itertuples(index=False):
        rows.append(
            f"| {r.family} | {r.imbalance} | {_num(r.oof_cost)} | {_num(r.threshold, 3)} "
            f"| {_num(r.oof_auc, 3)} |"
        )
    return "\n".join(rows)


def top_features(importance: pd.DataFrame, *, top: int = 5) -> str:
    """The most important features in words with their share of the total mean |SHAP|."""
    total = float(importance["mean_abs_contribution"].sum()) or 1.0
    ranked = importance.sort_values("mean_abs_contribution", ascending=False).head(top)
    return ", ".join(
        f"{r.label} ({100 * r.mean_abs_contribution / total:.0f} %)" for r in ranked.itertuples(index=False)
    )


def run_date(start_time_ms: int | None) -> str:
    """The run's start as a UTC date and time (the note names the run by name and date, not only id)."""
    if start_time_ms is None:
        return "an unknown date"
    return datetime.fromtimestamp(start_time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def data_sentence(run: TrainingRun) -> str:
    """Say which data the champion was trained on."""
    source = run.tags.get("data_dir", run.params.get("data_dir", "unknown"))
    if run.tags.get("synthetic") == "True":
        return (
            f"The champion was trained on **synthetic** tables with the Home Credit schema and known true "
            f"default probabilities (folder `{Path(source).name}`), not on the real data."
        )
    return f"The champion was trained on the Home Credit Default Risk data (folder `{Path(source).name}`)."


def calibration_sentence(method: str | None) -> str:
    """How the served probabilities were calibrated, in words."""
    if method == "platt":
        return "The served probabilities are Platt-scaled on out-of-fold predictions (lower log loss)"
    if method == "none":
        return "The served probabilities are the model's own (Platt scaling did not lower the log loss)"
    return "This run predates the calibration step"


def _optional(metrics: dict[str, float], name: str, digits: int) -> str:
    """A metric that runs before the responsible-credit checks lack: 'not measured' then."""
    return _num(metrics[name], digits) if name in metrics else "not measured"


def training_values(run: TrainingRun) -> dict[str, str]:
    """Every template field that comes from the training run."""
    m, rid = run.metrics, run.run_id
    cost_fn = float(_param(run.params, "cost_fn", rid))
    cost_fp = float(_param(run.params, "cost_fp", rid))
    values = {
        "run_id": rid,
        "model_version": run.model_version,
        "chosen_family": run.tags.get("chosen_family", "unknown"),
        "data_sentence": data_sentence(run),
        "n_features": _param(run.params, "n_features", rid),
        "n_selection_rows": f"{int(_param(run.params, 'n_selection_rows', rid)):,}",
        "n_holdout_rows": f"{int(_param(run.params, 'n_holdout_rows', rid)):,}",
        "max_evals": _param(run.params, "max_evals", rid),
        "n_folds": _param(run.params, "n_folds", rid),
        "cost_fn": f"{cost_fn:g}",
        "cost_fp": f"{cost_fp:g}",
        "bayes_threshold": _num(cost_fp / (cost_fp + cost_fn), 3),
        "threshold": _num(_metric(m, "threshold", rid), 3),
        "holdout_default_rate": f"{_metric(m, 'holdout_default_rate', rid):.1%}",
        "comparison_rows": comparison_rows(run.comparison),
        "top_features": top_features(run.importance),
        "run_name": run.run_name or "(unnamed)",
        "run_date": run_date(run.start_time_ms),
        "calibration_sentence": calibration_sentence(run.params.get("calibration")),
        "fairness_gender": _optional(m, "fairness_di_min_gender", 2),
        "fairness_age": _optional(m, "fairness_di_min_age", 2),
        "holdout_ece": _optional(m, "holdout_ece", 3),
    }
    for prefix in ("cv", "holdout"):
        for name in CONTROL_METRICS:
            digits = 4 if name in ("cost", "brier") else 3
            values[f"{prefix}_{name}"] = _num(_metric(m, f"{prefix}_{name}", rid), digits)
    for name in HOLDOUT_COSTS:
        values[f"holdout_{name}"] = _num(_metric(m, f"holdout_{name}", rid))
    oracle = ("oracle_holdout_cost", "oracle_holdout_auc")
    values["oracle_row"] = (
        f"| holdout, true probabilities (oracle of the generator) | {_num(m[oracle[0]])} "
        f"| {_num(m[oracle[1]], 3)} | | |"
        if all(k in m for k in oracle)
        else ""
    )
    return values


def drift_paragraph(report: Mapping | None, *, source: str) -> str:
    """Conclusion of the drift analysis in words, from data_drift.json (or say it has not been run)."""
    if report is None:
        return (
            f"No drift report was found at `{source}` when this note was built: run "
            "`mlflow run . -e drift --env-manager local` and rebuild the note."
        )
    try:
        tested, drifted = int(report["n_features_tested"]), list(report["drifted_features"])
        share = float(report["drift_share"])
        n_ref, n_cur = int(report["n_reference"]), int(report["n_current"])
        columns = {c["column"]: c for c in report["columns"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise MethodologyError(f"{source}: not a data_drift.json document ({exc!r})") from None
    context = report.get("context") or {}
    where = f", source `{context['source']}`" if "source" in context else ""
    text = [
        f"The champion's {tested} most important input features were compared between the training clients "
        f"(reference, {n_ref:,} rows) and the current clients ({n_cur:,} rows{where}) with evidently, one "
        f"distance per feature, and with the population stability index (PSI)."
    ]
    if drifted:
        named = []
        for name in drifted[:TOP_DRIFTED]:
            column = columns.get(name, {})
            label = column.get("label") or name
            stat = column.get("statistic")
            named.append(f"{label} (`{name}`{f', {stat:.3f}' if stat is not None else ''})")
        more = f" and {len(drifted) - TOP_DRIFTED} more" if len(drifted) > TOP_DRIFTED else ""
        text.append(
            f"**{len(drifted)} of {tested} features drifted ({share:.0%})**: {', '.join(named)}{more}."
        )
    else:
        text.append(f"**No tested feature drifted** (0 of {tested}).")
    stability = report.get("score_stability")
    if stability and stability.get("psi") is not None:
        text.append(
            f"The predicted probability has a PSI of {stability['psi']:.3f} (band *{stability['band']}*; "
            f"< 0.10 stable, 0.10–0.25 watch, > 0.25 act): mean {stability['reference_mean']:.4f} in the "
            f"reference vs {stability['current_mean']:.4f} now."
        )
        verdict = {
            "stable": (
                "the scores are stable: the model stays in service and the drifted inputs are watched."
                if drifted
                else "inputs and scores are stable: the model stays in service as it is."
            ),
            "watch": "the score distribution is moving: investigate the drifted inputs before a release.",
            "act": "the score distribution has shifted: retrain on recent data and compare as @challenger.",
        }.get(stability["band"], "")
        if verdict:
            text.append(f"Conclusion: {verdict}")
    return " ".join(text)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill ``${name}`` fields; a field without a value is an error, never left blank."""
    try:
        return string.Template(template).substitute(values)
    except KeyError as exc:
        raise MethodologyError(f"methodology template: no value for field {exc.args[0]!r}") from None


def load_training_run(
    tracking_uri: str,
    *,
    name: str = REGISTERED_MODEL_NAME,
    alias: str = Alias.CHAMPION,
    figures_dir: Path | None = None,
) -> TrainingRun:
    """Read the champion's run (metrics, params, tags, comparison and importance tables); copy its figures."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        raise MethodologyError(f"{tracking_uri}: no model version {name}@{alias} ({exc.message})") from None
    run = client.get_run(version.run_id)
    with tempfile.TemporaryDirectory() as tmp:

        def table(path: str) -> pd.DataFrame:
            try:
                return pd.read_csv(client.download_artifacts(run.info.run_id, path, tmp))
            except (MlflowException, OSError) as exc:
                raise MethodologyError(f"run {run.info.run_id}: expected artifact {path!r} ({exc})") from None

        comparison, importance = table(Artifact.FAMILY_COMPARISON), table(Artifact.GLOBAL_IMPORTANCE)
        if figures_dir is not None:
            figures_dir.mkdir(parents=True, exist_ok=True)
            for figure in FIGURES:
                try:
                    shutil.copy(client.download_artifacts(run.info.run_id, figure, tmp), figures_dir / figure)
                except (MlflowException, OSError) as exc:
                    logger.warning("run %s: figure %s not copied (%s)", run.info.run_id, figure, exc)
    return TrainingRun(
        run_id=run.info.run_id,
        model_version=str(version.version),
        metrics=dict(run.data.metrics),
        params=dict(run.data.params),
        tags=dict(run.data.tags),
        comparison=comparison,
        importance=importance,
        run_name=run.info.run_name or "",
        start_time_ms=run.info.start_time,
    )


def build(tracking_uri: str, *, drift_json: Path, template: Path = TEMPLATE, output: Path = OUTPUT) -> Path:
    """Write the methodology note from the champion's run and the drift report; return its path."""
    run = load_training_run(tracking_uri, figures_dir=output.parent / "figures")
    report = json.loads(drift_json.read_text()) if drift_json.is_file() else None
    values = {
        **training_values(run),
        "model_name": REGISTERED_MODEL_NAME,
        "drift_paragraph": drift_paragraph(report, source=str(drift_json)),
        "generated_notice": (
            f"Generated by docs/build_methodology.py from run {run.run_id} and {drift_json.name}: "
            f"edit {template.name}, not this file."
        ),
    }
    output.write_text(render(template.read_text(), values))
    return output


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the note, print where it went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tracking-uri",
        default=default_tracking_uri(),
    )
    parser.add_argument("--drift-json", type=Path, default=REPORTS_DIR / DRIFT_JSON)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        path = build(args.tracking_uri, drift_json=args.drift_json, output=args.output)
    except MethodologyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Turn a DriftSummary into what people and machines read: JSON, the evidently HTML, a conclusion in words."""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from custom_model.contract import DRIFT_HTML, DRIFT_JSON
from drift.report import MIN_RELIABLE_ROWS, ColumnDrift, DriftSummary

logger = logging.getLogger(__name__)

#: Version of the data_drift.json layout; bump when a reader would break.
FORMAT_VERSION = 1


def _clean(value: Any) -> Any:
    """JSON-safe value: non-finite floats become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _column_dict(column: ColumnDrift) -> dict[str, Any]:
    """One column as a JSON object, the test's display name included."""
    data = {key: _clean(value) for key, value in asdict(column).items()}
    data["method_name"] = column.method_name
    return data


def summary_dict(summary: DriftSummary, *, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document of a drift analysis (layout versioned by FORMAT_VERSION)."""
    stability = summary.score_stability
    return {
        "format_version": FORMAT_VERSION,
        "context": dict(context or {}),
        "n_reference": summary.n_reference,
        "n_current": summary.n_current,
        "sample_size": summary.sample_size,
        "small_sample": summary.small_sample,
        "seed": summary.seed,
        "n_features_tested": len(summary.tested_features),
        "n_features_drifted": len(summary.drifted_features),
        "drift_share": summary.drift_share,
        "drifted_features": [c.column for c in summary.drifted_features],
        "score_column": summary.score_column,
        "score_stability": (
            {key: _clean(value) for key, value in asdict(stability).items()}
            if stability is not None
            else None
        ),
        "skipped": {c.column: c.skipped for c in summary.skipped},
        "columns": [_column_dict(c) for c in summary.columns],
    }


def _describe(column: ColumnDrift) -> str:
    """'EXT_SOURCE_3 (External score 3), importance rank 1: Wasserstein distance (normed) 0.350 ≥ 0.10'."""
    name = column.column if column.label == column.column else f"{column.column} ({column.label})"
    psi_text = f", PSI {column.psi:.3f}" if column.psi is not None else ""
    test = f"{column.method_name} {column.statistic:.3f} ≥ {column.threshold:.2f}"
    return f"{name}, importance rank {column.rank}: {test}{psi_text}"


def conclusion(summary: DriftSummary) -> str:
    """A few sentences saying which important features drifted, how much, and whether the score moved."""
    tested, drifted = summary.tested_features, summary.drifted_features
    lines = [
        f"Data drift: {len(drifted)} of {len(tested)} tested features drifted "
        f"({summary.drift_share:.0%}), reference {summary.n_reference:,} rows vs current "
        f"{summary.n_current:,} rows."
    ]
    if drifted:
        lines.append("Drifted features, most important first:")
        lines.extend(f"  - {_describe(c)}" for c in drifted)
    else:
        lines.append("No tested feature moved beyond its threshold.")
    score = summary.score_drift
    stability = summary.score_stability
    if score is not None and score.skipped:
        lines.append(f"Predicted probability not compared: {score.skipped}.")
    elif score is not None and stability is not None:
        sign = "≥" if score.drifted else "<"
        lines.append(
            f"Predicted probability {'drifted' if score.drifted else 'did not drift'}: "
            f"{score.method_name} {score.statistic:.3f} {sign} {score.threshold:.2f}; score PSI "
            f"{stability.psi:.3f} ({stability.band}) on {stability.n_reference:,} vs {stability.n_current:,} "
            "scores; mean "
            f"{stability.reference_mean:.4f} in reference vs {stability.current_mean:.4f} in current."
        )
    if summary.small_sample:
        lines.append(
            f"Caution: fewer than {MIN_RELIABLE_ROWS:,} rows on one side: distances carry sampling noise "
            "close to the thresholds; read small drifts as indicative only."
        )
    if summary.skipped:
        lines.append(f"{len(summary.skipped)} column(s) skipped:")
        lines.extend(f"  - {c.column}: {c.skipped}" for c in summary.skipped)
    return "\n".join(lines)


_PSI_MEANING = {
    "stable": "stable: the scores are distributed as in training, no action",
    "watch": "watch: the scores moved a little, look at the drifted features",
    "act": "act: the scores moved, check the model's performance before relying on it",
}


def _context_rows(summary: DriftSummary, context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) lines of the report's header: which model, when, compared with what."""
    rows = [
        ("Model", f"{context.get('model_name', '?')} version {context.get('model_version', '?')}"),
        (
            "Training run",
            f"{context.get('model_run_id', '?')} (trained {context.get('model_trained_at', '?')})",
        ),
        ("Report generated", str(context.get("generated_at", "?"))),
        ("Reference", f"{context.get('reference', 'reference data')} — {summary.n_reference:,} rows"),
        ("Current", f"{context.get('current', 'current data')} — {summary.n_current:,} rows"),
    ]
    stability = summary.score_stability
    if stability is not None:
        meaning = _PSI_MEANING.get(stability.band, stability.band)
        rows.append(("Score stability (PSI)", f"{stability.psi:.3f} — {meaning}"))
    alerts = context.get("alerts") or []
    rows.append(("Alerts", "; ".join(a["message"] for a in alerts) if alerts else "no alert rule fired"))
    return rows


def context_header(summary: DriftSummary, context: Mapping[str, Any]) -> str:
    """An HTML section for the top of the evidently report: context, score stability, the conclusion."""
    cells = "".join(
        f"<tr><th style='text-align:left;padding:2px 12px 2px 0'>{html.escape(k)}</th>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in _context_rows(summary, context)
    )
    return (
        "<section id='credit-scoring-context' style='font-family:sans-serif;color:#1a1a1a;"
        "background:#fff;padding:16px 24px;border-bottom:2px solid #1a1a1a'>"
        "<h1 style='font-size:22px;margin:0 0 8px'>Data drift report — credit-scoring</h1>"
        f"<table style='font-size:14px;border-collapse:collapse'>{cells}</table>"
        "<h2 style='font-size:17px;margin:12px 0 4px'>Conclusion</h2>"
        f"<pre style='white-space:pre-wrap;font-size:14px;margin:0'>{html.escape(conclusion(summary))}</pre>"
        "<p style='font-size:13px;margin:8px 0 0'>Below: evidently's per-column tests (columns named "
        "'plain label (MODEL_FEATURE)'). Numeric columns: normed Wasserstein distance, drift at ≥ 0.10; "
        "categories: Jensen-Shannon distance, drift at ≥ 0.10.</p></section>"
    )


def with_header(document: str, header: str) -> str:
    """Insert ``header`` right after the document's <body> tag (or at its start when there is none)."""
    match = re.search(r"<body[^>]*>", document)
    at = match.end() if match else 0
    return document[:at] + header + document[at:]


def write_outputs(
    summary: DriftSummary, output_dir: Path, *, context: Mapping[str, Any] | None = None
) -> tuple[Path | None, Path]:
    """Write data_drift.html (when evidently ran) and data_drift.json in ``output_dir``; return the paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path = output_dir / DRIFT_JSON
    json_path.write_text(
        json.dumps(summary_dict(summary, context=context), indent=2, ensure_ascii=False) + "\n"
    )
    html_path = None
    if summary.snapshot is not None:
        html_path = output_dir / DRIFT_HTML
        summary.snapshot.save_html(str(html_path))
        document = html_path.read_text(encoding="utf-8")
        html_path.write_text(with_header(document, context_header(summary, context or {})), encoding="utf-8")
    else:
        logger.warning("no column could be compared: %s not written", DRIFT_HTML)
    return html_path, json_path

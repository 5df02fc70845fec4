"""Drift job: training vs production clients (or the prediction log), evidently report, score PSI, alerts.

Exit code 0: no alert rule fired; 1: at least one fired (see the ALERT log lines); 2: the job could not run
(no champion, missing data, empty prediction-log window, bad option).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mlflow
import numpy as np

from custom_model.contract import (
    DEMO_DATA_DIR,
    DRIFT_WEBHOOK_ENV,
    MONITORED_FEATURES,
    PREDICTION_LOG_ENV,
    REGISTERED_MODEL_NAME,
    REPORTS_DIR,
    Alias,
    default_prediction_log_url,
)
from custom_model.cost import is_refused
from drift.alerts import Alert, AlertRules, alert_payload, evaluate, post_webhook
from drift.history import WORKSPACE_DIR, record
from drift.report import CAT_THRESHOLD, NUM_THRESHOLD, DriftSummary, drift_report
from drift.sources import SCORE_COLUMN, Champion, DriftData, load_champion, log_data, table_data, top_features
from drift.summary import conclusion, write_outputs
from drift.tracking import log_drift_run
from entry_points._cli import DEBUG_EPILOG, configure_logging, int_param, run_entry_point
from entry_points._mlflow import connect, detach_launcher_run, link_launcher_run, use_experiment

logger = logging.getLogger("entry_points.drift")

#: Experiment of the drift runs (artifacts beside the tracking store, like training's).
EXPERIMENT = "credit-scoring/monitoring"
EXIT_OK, EXIT_ALERT, EXIT_ERROR = 0, 1, 2


def _band(text: str) -> str | None:
    """PSI alert band option: 'watch', 'act' or 'none' (rule disabled)."""
    if text not in ("watch", "act", "none"):
        raise argparse.ArgumentTypeError(f"expected watch, act or none; got {text!r}")
    return None if text == "none" else text


def _share(text: str) -> float:
    """A share in [0, 1)."""
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a share in [0, 1); got {text!r}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line (numbers accept MLflow's `50.0`)."""
    p = argparse.ArgumentParser(
        prog="python -m entry_points.drift", description=__doc__.splitlines()[0], epilog=DEBUG_EPILOG
    )
    p.add_argument("--data-dir", type=Path, default=DEMO_DATA_DIR, help="tables: training + production")
    p.add_argument("--source", choices=("test", "log"), default="test", help="current data: test or log")
    p.add_argument(
        "--top-n", type=int_param, default=MONITORED_FEATURES, help="most important features to test"
    )
    p.add_argument("--output-dir", type=Path, default=REPORTS_DIR, help="where the reports are written")
    p.add_argument("--window-days", type=float, default=30.0, help="prediction-log window (source=log)")
    p.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help=f"evidently workspace (default: <output-dir>/{WORKSPACE_DIR})",
    )
    p.add_argument(
        "--prediction-log",
        default=os.environ.get(PREDICTION_LOG_ENV) or default_prediction_log_url(),
        help=f"SQLAlchemy URL of the prediction log (default: ${PREDICTION_LOG_ENV}, else the state folder)",
    )
    p.add_argument("--max-drift-share", type=_share, default=0.3, help="alert above this drifted share")
    p.add_argument("--psi-alert-band", type=_band, default="act", help="alert from this score-PSI band")
    p.add_argument(
        "--webhook-url",
        default=os.environ.get(DRIFT_WEBHOOK_ENV) or None,
        help=f"POST the alert as JSON here (default: ${DRIFT_WEBHOOK_ENV}; none: no webhook)",
    )
    p.add_argument("--webhook-timeout", type=float, default=5.0, help="seconds before the webhook gives up")
    p.add_argument(
        "--num-threshold", type=float, default=NUM_THRESHOLD, help="Wasserstein (normed) threshold"
    )
    p.add_argument("--cat-threshold", type=float, default=CAT_THRESHOLD, help="Jensen-Shannon threshold")
    p.add_argument("--sample-size", type=int_param, default=0, help="cap rows per side (seeded); 0: all")
    p.add_argument("--seed", type=int_param, default=0, help="seed of the optional sampling")
    p.add_argument(
        "--alias", default=Alias.CHAMPION, help=f"registry alias of {REGISTERED_MODEL_NAME} to monitor"
    )
    args = p.parse_args(argv)
    if args.top_n < 1:
        p.error(f"--top-n must be at least 1; got {args.top_n}")
    if args.window_days <= 0:
        p.error(f"--window-days must be positive; got {args.window_days}")
    return args


def history_figures(summary: DriftSummary, data: DriftData, champion: Champion) -> dict[str, float | None]:
    """What the monitoring dashboard charts for a drift run (latency only when the log gave it)."""
    scores = data.current[SCORE_COLUMN].dropna().to_numpy(dtype=float)
    approval = 1 - float(np.mean(is_refused(scores, champion.scoring.threshold))) if len(scores) else None
    stability = summary.score_stability
    return {
        "drift_share": summary.drift_share,
        "score_psi": stability.psi if stability is not None else None,
        "approval_rate": approval,
        "latency_ms_p50": data.current.attrs.get("latency_ms_p50"),
    }


def current_data(args: argparse.Namespace, champion: Champion, features: list[str]) -> DriftData:
    """Reference and current model inputs: the tables' production clients, or the prediction log's window."""
    if args.source == "test":
        return table_data(args.data_dir, champion, features)
    return log_data(
        args.prediction_log,
        window_days=args.window_days,
        data_dir=args.data_dir,
        champion=champion,
        columns=features,
    )


def tested_features(
    args: argparse.Namespace, champion: Champion, data: DriftData, features: list[str]
) -> tuple[list[str], list[str]]:
    """The features the report tests (those the current side carries) and notes that explain the choice."""
    used = int((champion.importance["mean_abs_contribution"] > 0).sum())
    notes = [
        f"tested: the top {len(features)} of the {used} features the model uses (mean |SHAP|, holdout); "
        f"{len(champion.importance) - used} features with zero importance are not tested",
        *data.notes,
    ]
    if args.source == "log":
        unlogged = [f for f in features if f not in data.current.columns]
        if unlogged:
            notes.append(f"{len(unlogged)} of the top {len(features)} features are not recorded in the log")
            features = [f for f in features if f in data.current.columns]
    return features, notes


def report_context(
    args: argparse.Namespace,
    champion: Champion,
    rules: AlertRules,
    alerts: tuple[Alert, ...],
    notes: list[str],
) -> dict:
    """What the JSON report, its HTML header and the webhook say about this analysis besides its figures."""
    generated = datetime.now(UTC)
    return {
        "generated_at": generated.isoformat(timespec="seconds"),
        "source": args.source,
        "model_name": champion.name,
        "model_version": champion.version,
        "model_run_id": champion.run_id,
        "model_trained_at": trained_at(champion.run_id),
        "reference": "the model's training clients (application_train), as its training run stored them",
        "current": current_description(args, generated),
        "top_n": args.top_n,
        "window_days": args.window_days if args.source == "log" else None,
        "rules": {"max_drift_share": rules.max_drift_share, "psi_alert_band": rules.psi_alert_band},
        "alerts": [{"rule": a.rule, "message": a.message} for a in alerts],
        "notes": notes,
    }


def trained_at(run_id: str) -> str:
    """UTC start date of the model's training run (what "reference" dates from)."""
    started = mlflow.get_run(run_id).info.start_time
    return datetime.fromtimestamp(started / 1000, UTC).isoformat(timespec="minutes")


def current_description(args: argparse.Namespace, generated: datetime) -> str:
    """What the current side of the comparison is, with its dates."""
    if args.source == "test":
        return f"the production applicants of {args.data_dir} (application_test)"
    since = generated - timedelta(days=args.window_days)
    return (
        f"the rows the API answered from {since:%Y-%m-%d %H:%M} to {generated:%Y-%m-%d %H:%M} UTC "
        f"(last {args.window_days:g} days of the prediction log)"
    )


def run_params(args: argparse.Namespace, rules: AlertRules) -> dict[str, object]:
    """Parameters recorded on the drift run."""
    return {
        "source": args.source,
        "data_dir": args.data_dir,
        "top_n": args.top_n,
        "window_days": args.window_days,
        "max_drift_share": rules.max_drift_share,
        "psi_alert_band": rules.psi_alert_band,
        "num_threshold": args.num_threshold,
        "cat_threshold": args.cat_threshold,
        "sample_size": args.sample_size,
        "seed": args.seed,
    }


def fire_alerts(
    args: argparse.Namespace, champion: Champion, alerts: tuple[Alert, ...], payload: dict
) -> None:
    """One ALERT log line per rule that fired, then the webhook (when configured)."""
    for alert in alerts:
        logger.error(
            "DRIFT ALERT [%s] %s %s v%s: %s",
            alert.rule,
            args.source,
            champion.name,
            champion.version,
            alert.message,
        )
    if args.webhook_url:
        post_webhook(
            args.webhook_url, json.loads(json.dumps(payload, default=str)), timeout=args.webhook_timeout
        )


def run(args: argparse.Namespace, *, launcher: str | None = None) -> int:
    """Run the analysis, write and log the reports, fire alerts; return the exit code.

    ``launcher``: the run `mlflow run` opened, tagged with the drift run's id (`detach_launcher_run`).
    """
    connect()
    champion = load_champion(alias=args.alias)
    features, labels = top_features(champion.importance, args.top_n)
    data = current_data(args, champion, features)
    features, notes = tested_features(args, champion, data, features)
    labels[SCORE_COLUMN] = "Predicted probability of default"
    summary = drift_report(
        data.reference,
        data.current,
        columns=[*features, SCORE_COLUMN],
        labels=labels,
        score_column=SCORE_COLUMN,
        num_threshold=args.num_threshold,
        cat_threshold=args.cat_threshold,
        sample_size=args.sample_size or None,
        seed=args.seed,
        html_drift_share=args.max_drift_share,
        max_drift_share=args.max_drift_share,
    )
    rules = AlertRules(max_drift_share=args.max_drift_share, psi_alert_band=args.psi_alert_band)
    alerts = evaluate(summary, rules)
    context = report_context(args, champion, rules, alerts, notes)
    files = [p for p in write_outputs(summary, args.output_dir, context=context) if p is not None]
    run_id = log_drift_run(
        summary,
        champion,
        experiment_id=use_experiment(EXPERIMENT),
        files=files,
        params=run_params(args, rules),
        alerts=alerts,
        source=args.source,
    )
    link_launcher_run(launcher, {"drift_run_id": run_id, "drift_experiment": EXPERIMENT})
    snapshot = record(
        history_figures(summary, data, champion),
        args.workspace or args.output_dir / WORKSPACE_DIR,
        kind=f"drift-{args.source}",
        timestamp=datetime.now(UTC),
    )
    print(conclusion(summary))
    for note in notes:
        print(f"Note: {note}")
    print(f"Reports: {', '.join(str(p) for p in files)} (MLflow run {run_id}; evidently snapshot {snapshot})")
    if not alerts:
        print("No alert rule fired.")
        return EXIT_OK
    fire_alerts(
        args, champion, alerts, alert_payload(summary, alerts, context={**context, "mlflow_run_id": run_id})
    )
    return EXIT_ALERT


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the job; an error is one line and exit code 2 (traceback with --debug)."""
    return run_entry_point("drift", _main, argv, error_code=EXIT_ERROR)


def _main(argv: list[str]) -> int:
    configure_logging()
    return run(parse_args(argv), launcher=detach_launcher_run())


if __name__ == "__main__":
    sys.exit(main())

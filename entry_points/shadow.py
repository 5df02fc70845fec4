"""Score the champion's recent requests with @challenger offline and report how their decisions differ.

`mlflow run . -e shadow -P window_days=7` (or `python -m entry_points.shadow --window-days 7`): reads the
answered events of the prediction log, asks the challenger (loaded in-process, its own event log off) for the
same clients by id, and writes reports/shadow.json + reports/shadow.html (agreement, refusal-rate change,
flipped clients and, where the true default probabilities are known — oracle.csv of generated data —, the
expected cost of each model's decisions), logged to MLflow in the experiment credit-scoring/monitoring and
added to the evidently workspace reports/evidently-workspace (drift/history.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import mlflow
import pandas as pd

from custom_model.contract import (
    DEMO_DATA_DIR,
    ID_COLUMN,
    ORACLE_FILE,
    ORACLE_PROBABILITY,
    PARAM_EXPLAIN,
    PREDICTION_LOG_ENV,
    REGISTERED_MODEL_NAME,
    REPORTS_DIR,
    SHADOW_HTML,
    SHADOW_JSON,
    Alias,
    default_prediction_log_url,
    model_uri,
)
from custom_model.cost import DEFAULT_COST_FN, DEFAULT_COST_FP
from custom_model.errors import DataSourceError
from custom_model.prediction_log import prediction_log_disabled
from drift.history import WORKSPACE_DIR, record
from drift.shadow import ShadowReport, compare, summary, write_outputs
from drift.sources import read_answered_events
from entry_points._cli import DEBUG_EPILOG, configure_logging, run_entry_point
from entry_points._mlflow import connect, detach_launcher_run, link_launcher_run, use_experiment
from entry_points.drift import EXPERIMENT

logger = logging.getLogger("entry_points.shadow")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line (numbers accept MLflow's `7.0`)."""
    p = argparse.ArgumentParser(
        prog="python -m entry_points.shadow", description=__doc__.splitlines()[0], epilog=DEBUG_EPILOG
    )
    p.add_argument("--window-days", type=float, default=7.0, help="prediction-log window in days")
    p.add_argument(
        "--prediction-log",
        default=os.environ.get(PREDICTION_LOG_ENV) or default_prediction_log_url(),
        help=f"SQLAlchemy URL of the prediction log (default: ${PREDICTION_LOG_ENV}, else the state folder)",
    )
    p.add_argument(
        "--data-dir", type=Path, default=DEMO_DATA_DIR, help=f"where {ORACLE_FILE} may give the truth"
    )
    p.add_argument("--output-dir", type=Path, default=REPORTS_DIR, help="where the reports are written")
    p.add_argument("--challenger-alias", default=Alias.CHALLENGER, help="registry alias of the challenger")
    p.add_argument("--cost-fn", type=float, default=DEFAULT_COST_FN, help="cost of an accepted defaulter")
    p.add_argument("--cost-fp", type=float, default=DEFAULT_COST_FP, help="cost of a refused good payer")
    args = p.parse_args(argv)
    if args.window_days <= 0:
        p.error(f"--window-days must be positive; got {args.window_days}")
    return args


def read_truth(data_dir: Path) -> pd.Series | None:
    """True default probability by client id (generated data's oracle.csv), or None when there is none."""
    path = data_dir / ORACLE_FILE
    if not path.is_file():
        logger.info("no %s in %s: the report has no expected costs", ORACLE_FILE, data_dir)
        return None
    oracle = pd.read_csv(path, usecols=[ID_COLUMN, ORACLE_PROBABILITY])
    return oracle.set_index(ID_COLUMN)[ORACLE_PROBABILITY]


def challenger_answers(uri: str, ids: pd.Index) -> tuple[pd.DataFrame, str]:
    """The challenger's answers for ``ids`` (by id, no explanations) and its version."""
    try:
        with prediction_log_disabled():
            model = mlflow.pyfunc.load_model(uri)
            answer = model.predict(pd.DataFrame({ID_COLUMN: ids.to_numpy()}), params={PARAM_EXPLAIN: False})
    except mlflow.exceptions.MlflowException as error:
        raise DataSourceError(f"{uri}: cannot load the challenger ({str(error).splitlines()[0]})") from None
    return answer, str(answer["model_version"].iloc[0]) if len(answer) else "unknown"


def run(args: argparse.Namespace, *, launcher: str | None = None) -> ShadowReport:
    """Compare, write and log the reports; return the report."""
    connect()
    events = read_answered_events(args.prediction_log, window_days=args.window_days)
    ids = pd.Index(events.loc[events["input_kind"] == "id", "sk_id_curr"].unique())
    uri = model_uri(args.challenger_alias, REGISTERED_MODEL_NAME)
    answers, version = challenger_answers(uri, ids)
    report = compare(
        events,
        answers,
        challenger_version=version,
        truth=read_truth(args.data_dir),
        cost_fn=args.cost_fn,
        cost_fp=args.cost_fp,
    )
    context = {"challenger_model": uri, "window_days": f"{args.window_days:g}"}
    files = write_outputs(report, args.output_dir, context=context, names=(SHADOW_JSON, SHADOW_HTML))
    with mlflow.start_run(experiment_id=use_experiment(EXPERIMENT), run_name=f"shadow-v{version}") as run:
        mlflow.set_tags({"kind": "shadow", "challenger_version": version})
        mlflow.log_params({"window_days": args.window_days, "challenger_alias": args.challenger_alias})
        figures = {k: v for k, v in report.as_dict().items() if isinstance(v, int | float) and v is not None}
        mlflow.log_metrics({k: float(v) for k, v in figures.items()})
        for path in files:
            mlflow.log_artifact(str(path))
    link_launcher_run(launcher, {"shadow_run_id": run.info.run_id})
    figures = {"shadow_agreement": report.agreement, "approval_rate": 1 - report.champion_refusal_rate}
    snapshot = record(figures, args.output_dir / WORKSPACE_DIR, kind="shadow", timestamp=datetime.now(UTC))
    print(summary(report))
    print(f"Reports: {', '.join(str(p) for p in files)} (MLflow run {run.info.run_id}; snapshot {snapshot})")
    if report.n_not_replayable:
        print(f"Note: {report.n_not_replayable} raw-field requests are not replayed (no request is logged).")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: an error is one line and exit code 1 (traceback with --debug)."""
    return run_entry_point("shadow", _main, argv)


def _main(argv: list[str]) -> int:
    configure_logging()
    run(parse_args(argv), launcher=detach_launcher_run())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Model quality on every planted mechanism: the training job against the oracle and a kernel-style baseline.

    flock /tmp/heavy.lock .venv/bin/python -m benchmarks.bench_quality --scale 0.05 --seeds 42 7 11

For each mechanism and seed: generate the tables, run the project's training job (a small budget by default,
`--max-evals`, `--families`) into a throw-away tracking store, then fit a kernel-style baseline on the SAME
selection and holdout rows: the application table plus simple aggregates of bureau, previous applications and
instalments (the public kernel "LightGBM with simple features", written here from its description), LightGBM
at learning rate 0.02 with early stopping on each CV fold, holdout probabilities averaged over the fold models
and the threshold tuned on its out-of-fold probabilities. The oracle is the mechanism's true probability,
refusing at the Bayes threshold. Prints one line per run, then the mean over seeds per mechanism.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from custom_model import schema
from custom_model.contract import ORACLE_PROBABILITY
from custom_model.cost import bayes_threshold, business_cost, tune_threshold
from entry_points._cli import configure_logging, int_param
from entry_points.synthetic import SyntheticData, generate_tables, write_tables
from entry_points.synthetic.mechanisms import MECHANISMS
from entry_points.train import TrainResult, TrainSettings, parse_families, run
from entry_points.training.search import cv_folds, split_holdout

#: The kernel's LightGBM settings (learning rate 0.02, up to 10,000 rounds, early stopping after 200).
KERNEL_PARAMS = {
    "objective": "binary",
    "metric": "auc",
    "learning_rate": 0.02,
    "num_leaves": 34,
    "feature_fraction": 0.95,
    "bagging_fraction": 0.87,
    "bagging_freq": 1,
    "max_depth": 8,
    "lambda_l1": 0.04,
    "lambda_l2": 0.07,
    "min_gain_to_split": 0.02,
    "min_sum_hessian_in_leaf": 39.3,
    "verbosity": -1,
    "num_threads": 2,
}
KERNEL_ROUNDS, KERNEL_PATIENCE = 10_000, 200


@dataclass(frozen=True)
class Scores:
    """AUC and business cost on the selection rows (out-of-fold) and on the holdout."""

    oof_auc: float
    oof_cost: float
    holdout_auc: float
    holdout_cost: float


@dataclass(frozen=True)
class Row:
    """One mechanism × seed: the oracle, the training job and the baseline on the same rows."""

    mechanism: str
    seed: int
    oracle: Scores
    model: Scores
    baseline: Scores
    train_seconds: float
    baseline_seconds: float


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return a / b.replace(0, np.nan)


def _codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as their codes (missing stays missing): what LightGBM needs, no one-hot blow-up."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.codes.replace(-1, np.nan).astype(float)
    return out


def _agg(
    frame: pd.DataFrame, prefix: str, stats: tuple[str, ...] = ("min", "max", "mean", "sum")
) -> pd.DataFrame:
    """Statistics of every numeric column per client, plus the row count."""
    numeric = _codes(
        frame.drop(columns=[c for c in frame.columns if c.startswith("SK_ID_") and c != schema.ID_CURR])
    )
    grouped = numeric.groupby(schema.ID_CURR)
    out = grouped.agg(list(stats))
    out.columns = [f"{prefix}_{col}_{stat.upper()}" for col, stat in out.columns]
    out[f"{prefix}_COUNT"] = grouped.size()
    return out


def kernel_features(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The kernel recipe: application columns, its five ratios, bureau / previous / instalment aggregates."""
    app = _codes(tables[schema.APPLICATION_TRAIN].drop(columns=[schema.TARGET])).set_index(schema.ID_CURR)
    app["DAYS_EMPLOYED"] = app["DAYS_EMPLOYED"].replace(schema.DAYS_SENTINEL, np.nan)
    app["DAYS_EMPLOYED_PERC"] = _ratio(app["DAYS_EMPLOYED"], app["DAYS_BIRTH"])
    app["INCOME_CREDIT_PERC"] = _ratio(app["AMT_INCOME_TOTAL"], app["AMT_CREDIT"])
    app["INCOME_PER_PERSON"] = _ratio(app["AMT_INCOME_TOTAL"], app["CNT_FAM_MEMBERS"])
    app["ANNUITY_INCOME_PERC"] = _ratio(app["AMT_ANNUITY"], app["AMT_INCOME_TOTAL"])
    app["PAYMENT_RATE"] = _ratio(app["AMT_ANNUITY"], app["AMT_CREDIT"])
    bureau = tables[schema.BUREAU]
    active = bureau[bureau["CREDIT_ACTIVE"] == "Active"]
    prev = tables[schema.PREVIOUS_APPLICATION].copy()
    prev["APP_CREDIT_PERC"] = _ratio(prev["AMT_APPLICATION"], prev["AMT_CREDIT"])
    status = prev["NAME_CONTRACT_STATUS"]
    inst = tables[schema.INSTALLMENTS_PAYMENTS].copy()
    inst["PAYMENT_PERC"] = _ratio(inst["AMT_PAYMENT"], inst["AMT_INSTALMENT"])
    inst["PAYMENT_DIFF"] = inst["AMT_INSTALMENT"] - inst["AMT_PAYMENT"]
    inst["DPD"] = (inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]).clip(lower=0)
    inst["DBD"] = (inst["DAYS_INSTALMENT"] - inst["DAYS_ENTRY_PAYMENT"]).clip(lower=0)
    blocks = [
        _agg(bureau, "BURO"),
        _agg(active, "ACTIVE", ("max", "mean", "sum")),
        _agg(prev, "PREV", ("min", "max", "mean")),
        _agg(prev[status == "Approved"], "APPROVED", ("max", "mean")),
        _agg(prev[status == "Refused"], "REFUSED", ("max", "mean")),
        _agg(inst, "INSTAL", ("max", "mean", "sum")),
    ]
    return app.join(blocks, how="left")


def _fit_fold(
    x_fit: pd.DataFrame, y_fit: np.ndarray, x_val: pd.DataFrame, y_val: np.ndarray, seed: int
) -> lgb.Booster:
    train = lgb.Dataset(x_fit, label=y_fit)
    valid = lgb.Dataset(x_val, label=y_val, reference=train)
    stop = [lgb.early_stopping(KERNEL_PATIENCE, verbose=False), lgb.log_evaluation(0)]
    params = {**KERNEL_PARAMS, "seed": seed}
    return lgb.train(params, train, num_boost_round=KERNEL_ROUNDS, valid_sets=[valid], callbacks=stop)


def baseline_scores(data: SyntheticData, settings: TrainSettings) -> tuple[Scores, Scores]:
    """(baseline, oracle) scores on the training job's own selection / holdout rows."""
    train = data.tables[schema.APPLICATION_TRAIN]
    X = kernel_features(data.tables).loc[train[schema.ID_CURR]]
    X.columns = [c.replace(" ", "_").replace(",", "").replace(":", "").replace('"', "") for c in X.columns]
    y = pd.Series(train[schema.TARGET].to_numpy(), index=X.index)
    split = split_holdout(X, y, holdout=settings.holdout, seed=settings.seed)
    y_sel, y_hold = split.y_train.to_numpy(), split.y_holdout.to_numpy()
    oof, hold = np.zeros(y_sel.size), np.zeros(y_hold.size)
    folds = cv_folds(split.y_train, n_folds=settings.n_folds, seed=settings.seed)
    for fit, val in folds:
        booster = _fit_fold(
            split.X_train.iloc[fit], y_sel[fit], split.X_train.iloc[val], y_sel[val], settings.seed
        )
        oof[val] = booster.predict(split.X_train.iloc[val], num_iteration=booster.best_iteration)
        hold += booster.predict(split.X_holdout, num_iteration=booster.best_iteration) / len(folds)
    threshold = tune_threshold(y_sel, oof, cost_fn=settings.cost_fn, cost_fp=settings.cost_fp).threshold
    oracle = data.oracle.set_index(schema.ID_CURR)[ORACLE_PROBABILITY]
    bayes = bayes_threshold(settings.cost_fn, settings.cost_fp)
    return _scores(y_sel, oof, y_hold, hold, threshold, settings), _scores(
        y_sel,
        oracle.loc[split.X_train.index].to_numpy(),
        y_hold,
        oracle.loc[split.X_holdout.index].to_numpy(),
        bayes,
        settings,
    )


def _scores(
    y_sel: np.ndarray,
    p_sel: np.ndarray,
    y_hold: np.ndarray,
    p_hold: np.ndarray,
    threshold: float,
    s: TrainSettings,
) -> Scores:
    costs = {"cost_fn": s.cost_fn, "cost_fp": s.cost_fp}
    return Scores(
        oof_auc=float(roc_auc_score(y_sel, p_sel)),
        oof_cost=business_cost(y_sel, p_sel, threshold, **costs),
        holdout_auc=float(roc_auc_score(y_hold, p_hold)),
        holdout_cost=business_cost(y_hold, p_hold, threshold, **costs),
    )


def model_scores(result: TrainResult) -> Scores:
    """The training job's chosen model: out-of-fold and holdout figures as it logged them."""
    f, h = result.oof_metrics, result.holdout_metrics
    return Scores(f["auc"], f["cost"], h["auc"], h["cost"])


def bench_one(mechanism: str, seed: int, scale: float, budget: dict, workdir: Path) -> Row:
    """Generate, train with the job, fit the baseline on the same rows; check the rows are the job's."""
    data = generate_tables(scale, seed, mechanism=mechanism, progress=lambda _: None)
    folder = workdir / f"{mechanism}-{seed}"
    write_tables(data, folder / "data")
    settings = TrainSettings(data_dir=folder / "data", scale=scale, seed=seed, **budget)
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    started = time.perf_counter()
    result = run(settings, project_dir=folder)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline, oracle = baseline_scores(data, settings)
    baseline_seconds = time.perf_counter() - started
    # same holdout rows as the job: the oracle's holdout figures must be the job's own
    if not np.isclose(oracle.holdout_auc, result.oracle_metrics["auc"], atol=1e-12):
        raise RuntimeError(
            f"holdout rows differ from the job's ({oracle.holdout_auc} vs {result.oracle_metrics})"
        )
    return Row(mechanism, seed, oracle, model_scores(result), baseline, train_seconds, baseline_seconds)


def _line(label: str, rows: list[Row]) -> str:
    def mean(get: Callable[[Row], float]) -> float:
        return float(np.mean([get(r) for r in rows]))

    cells = []
    for part in ("oracle", "model", "baseline"):
        cells += [
            mean(lambda r, p=part: getattr(r, p).oof_auc),
            mean(lambda r, p=part: getattr(r, p).holdout_auc),
        ]
    for part in ("oracle", "model", "baseline"):
        cells += [
            mean(lambda r, p=part: getattr(r, p).oof_cost),
            mean(lambda r, p=part: getattr(r, p).holdout_cost),
        ]
    seconds = mean(lambda r: r.train_seconds)
    return f"| {label} | " + " | ".join(f"{c:.4f}" for c in cells) + f" | {seconds:.0f} |"


HEADER = (
    "| mechanism (seeds) | oracle OOF AUC | oracle holdout AUC | model OOF AUC | model holdout AUC "
    "| baseline OOF AUC | baseline holdout AUC | oracle OOF cost | oracle holdout cost | model OOF cost "
    "| model holdout cost "
    "| baseline OOF cost | baseline holdout cost | job s |\n" + "|---" * 14 + "|"
)


def main(argv: list[str] | None = None) -> None:
    """Run every mechanism × seed and print the table (per run, then the mean per mechanism)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.05)
    p.add_argument("--seeds", type=int_param, nargs="+", default=[42, 7, 11])
    p.add_argument("--mechanisms", nargs="+", choices=sorted(MECHANISMS), default=sorted(MECHANISMS))
    p.add_argument("--max-evals", type=int_param, default=5, help="hyperopt trials per family of the job")
    p.add_argument("--families", type=parse_families, default=("dummy", "lightgbm"))
    a = p.parse_args(argv)
    configure_logging()
    for noisy in ("hyperopt", "mlflow", "entry_points", "custom_model"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    budget = {"max_evals": a.max_evals, "families": a.families}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for mechanism in a.mechanisms:
            for seed in a.seeds:
                rows.append(bench_one(mechanism, seed, a.scale, budget, Path(tmp)))
                print(_line(f"{mechanism} ({seed})", rows[-1:]), flush=True)
    print(f"\nscale {a.scale:g}, job budget {budget}, mean over seeds {a.seeds}:\n{HEADER}")
    for mechanism in a.mechanisms:
        print(_line(mechanism, [r for r in rows if r.mechanism == mechanism]))


if __name__ == "__main__":
    main()

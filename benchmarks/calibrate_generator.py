"""Check the generator's planted signal: oracle AUC vs LightGBM (application-only, all tables) and logreg.

    python -m benchmarks.calibrate_generator --scale 0.05 --seeds 42 [--mechanism recency]

Targets (real data, SPEC §1.6): oracle ≈ 0.80–0.83, a good application-only model ≈ 0.74–0.76, simple
history aggregates clearly higher, and a logistic regression (impute + scale + logreg) on all tables clearly
below LightGBM, since the real signal has thresholds, saturation and interactions. The features here are
deliberately quick (means/max per client, one-hot shares), not the project's feature pipeline: they only
show how much signal each group of tables carries.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from custom_model import schema
from entry_points import synthetic
from entry_points.synthetic.mechanisms import DEFAULT_MECHANISM, MECHANISMS


@dataclass(frozen=True)
class SignalReport:
    """Holdout AUCs of the oracle, of LightGBM on two feature sets and of a logreg on all tables."""

    oracle: float
    application_only: float
    all_tables: float
    logreg_all_tables: float
    n_train: int
    n_holdout: int


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as they are, categoricals as their codes (LightGBM handles both, NaN included)."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.codes.replace(-1, np.nan).astype(float)
    return out


def application_features(app: pd.DataFrame) -> pd.DataFrame:
    """Application columns plus the classic ratios, indexed by SK_ID_CURR."""
    x = _numeric(app.drop(columns=[schema.TARGET], errors="ignore")).set_index(schema.ID_CURR)
    x["DAYS_EMPLOYED"] = x["DAYS_EMPLOYED"].replace(schema.DAYS_SENTINEL, np.nan)
    x["PAYMENT_RATE"] = x["AMT_ANNUITY"] / x["AMT_CREDIT"]
    x["CREDIT_GOODS"] = x["AMT_CREDIT"] / x["AMT_GOODS_PRICE"]
    x["INCOME_CREDIT"] = x["AMT_INCOME_TOTAL"] / x["AMT_CREDIT"]
    return x


def _aggregate(frame: pd.DataFrame, prefix: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """Mean and max of every numeric column and the share of every category level, per SK_ID_CURR."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    nums = [c for c in frame.columns if c not in cats and c not in (schema.ID_CURR, *drop)]
    grouped = frame.groupby(schema.ID_CURR)
    parts = [grouped[nums].agg(["mean", "max"]), grouped.size().rename("COUNT").to_frame()]
    if cats:
        dummies = pd.get_dummies(frame[cats], dtype=float)
        dummies[schema.ID_CURR] = frame[schema.ID_CURR].to_numpy()
        parts.append(dummies.groupby(schema.ID_CURR).mean())
    out = pd.concat(parts, axis=1)
    out.columns = [f"{prefix}_{'_'.join(map(str, c)) if isinstance(c, tuple) else c}" for c in out.columns]
    return out


def history_features(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Quick per-client aggregates of the six history tables."""
    bureau = tables[schema.BUREAU]
    balance = tables[schema.BUREAU_BALANCE].merge(
        bureau[[schema.ID_BUREAU, schema.ID_CURR]], on=schema.ID_BUREAU, how="inner"
    )
    inst = tables[schema.INSTALLMENTS_PAYMENTS].copy()
    inst["DPD"] = (inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]).clip(lower=0)
    inst["LATE"] = (inst["DAYS_ENTRY_PAYMENT"] > inst["DAYS_INSTALMENT"]).astype(float)
    inst["PAYMENT_DIFF"] = inst["AMT_INSTALMENT"] - inst["AMT_PAYMENT"]
    pos = tables[schema.POS_CASH_BALANCE].copy()
    pos["DPD_POSITIVE"] = (pos["SK_DPD"] > 0).astype(float)
    card = tables[schema.CREDIT_CARD_BALANCE].copy()
    card["DPD_POSITIVE"] = (card["SK_DPD"] > 0).astype(float)
    card["UTILISATION"] = card["AMT_BALANCE"] / card["AMT_CREDIT_LIMIT_ACTUAL"].replace(0, np.nan)
    parts = [
        _aggregate(bureau, "BURO", drop=(schema.ID_BUREAU,)),
        _aggregate(balance.drop(columns=[schema.ID_BUREAU]), "BB"),
        _aggregate(tables[schema.PREVIOUS_APPLICATION], "PREV", drop=(schema.ID_PREV,)),
        _aggregate(pos, "POS", drop=(schema.ID_PREV,)),
        _aggregate(inst, "INST", drop=(schema.ID_PREV,)),
        _aggregate(card, "CC", drop=(schema.ID_PREV,)),
    ]
    return pd.concat(parts, axis=1)


def _fit_auc(
    x_fit: pd.DataFrame, y_fit: np.ndarray, x_val: pd.DataFrame, y_val: np.ndarray, seed: int
) -> float:
    """Holdout AUC of a reasonably tuned LightGBM with early stopping on an inner split."""
    x_tr, x_es, y_tr, y_es = train_test_split(x_fit, y_fit, test_size=0.2, stratify=y_fit, random_state=seed)
    model = lgb.LGBMClassifier(
        n_estimators=3000,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=40,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.3,
        reg_lambda=5.0,
        random_state=seed,
        n_jobs=2,
        verbose=-1,
    )
    model.fit(
        x_tr,
        y_tr,
        eval_X=(x_es,),
        eval_y=(y_es,),
        eval_metric="auc",
        callbacks=[lgb.early_stopping(50, verbose=False), lgb.log_evaluation(0)],
    )
    return float(roc_auc_score(y_val, model.predict_proba(x_val)[:, 1]))


def _logreg_auc(
    x_fit: pd.DataFrame, y_fit: np.ndarray, x_val: pd.DataFrame, y_val: np.ndarray, seed: int
) -> float:
    """Holdout AUC of the training job's linear family: median impute, standard scale, L2 logreg."""
    model = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=0.05, max_iter=1000, random_state=seed)),
        ]
    )
    model.fit(x_fit.to_numpy(dtype=float), y_fit)
    return float(roc_auc_score(y_val, model.predict_proba(x_val.to_numpy(dtype=float))[:, 1]))


def signal_report(data: synthetic.SyntheticData, *, seed: int = 0) -> SignalReport:
    """AUCs on a 25 % holdout of train clients: oracle, application-only and all-tables LightGBM, logreg."""
    train = data.tables[schema.APPLICATION_TRAIN]
    y = train[schema.TARGET].to_numpy()
    app = application_features(train)
    full = app.join(history_features(data.tables), how="left")
    full.columns = [
        c.replace(" ", "_").replace(",", "").replace(":", "").replace("/", "_") for c in full.columns
    ]
    oracle = data.oracle.set_index(schema.ID_CURR)["PROBABILITY_DEFAULT"].loc[app.index].to_numpy()
    idx_fit, idx_val = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed)
    return SignalReport(
        oracle=float(roc_auc_score(y[idx_val], oracle[idx_val])),
        application_only=_fit_auc(app.iloc[idx_fit], y[idx_fit], app.iloc[idx_val], y[idx_val], seed),
        all_tables=_fit_auc(full.iloc[idx_fit], y[idx_fit], full.iloc[idx_val], y[idx_val], seed),
        logreg_all_tables=_logreg_auc(full.iloc[idx_fit], y[idx_fit], full.iloc[idx_val], y[idx_val], seed),
        n_train=int(idx_fit.size),
        n_holdout=int(idx_val.size),
    )


def main(argv: list[str] | None = None) -> None:
    """Generate at --scale for each --seeds value and print the AUCs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--mechanism", choices=sorted(MECHANISMS), default=DEFAULT_MECHANISM)
    args = parser.parse_args(argv)
    for seed in args.seeds:
        started = time.perf_counter()
        data = synthetic.generate_tables(args.scale, seed, mechanism=args.mechanism, progress=lambda _: None)
        report = signal_report(data, seed=seed)
        print(
            f"mechanism={args.mechanism} scale={args.scale} seed={seed} "
            f"train={report.n_train} holdout={report.n_holdout} "
            f"oracle_auc={report.oracle:.4f} app_only_auc={report.application_only:.4f} "
            f"all_tables_auc={report.all_tables:.4f} logreg_all_tables_auc={report.logreg_all_tables:.4f} "
            f"({time.perf_counter() - started:.0f} s)"
        )


if __name__ == "__main__":
    main()

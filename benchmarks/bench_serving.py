"""Latency of the live model server vs the bare fitted model in-process; prints figures and ratios.

Start the server first
(`mlflow models serve -m models:/credit-scoring@champion --env-manager local -h 127.0.0.1 -p 5001`), then
`python benchmarks/bench_serving.py [--url URL] [--model-uri URI] [--repeats N]` with MLFLOW_TRACKING_URI set.
Goals: one client by id with explanation p50 <= 15 ms, p99 <= 40 ms; 1,000 clients with explanation <= 1.5 s.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import requests

from custom_model.contract import (
    API_URL_ENV,
    DEFAULT_API_URL,
    PREDICTION_LOG_DISABLED,
    PREDICTION_LOG_ENV,
    Alias,
    model_uri,
)

GOALS = {"by id, explain": (15.0, 40.0), "1,000 by id, explain": (1500.0, None)}


def percentile(values: list[float], q: float) -> float:
    """q-th percentile (nearest rank) of a list of milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def timed(call: Callable[[], object], repeats: int, warmup: int = 3) -> list[float]:
    """Milliseconds of each call after a few warm-up calls."""
    for _ in range(warmup):
        call()
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000.0)
    return out


def boosters(model: object) -> list:
    """The LightGBM boosters inside a served model: itself, its calibrated inner model, its fold members."""
    if hasattr(model, "booster_"):
        return [model.booster_]
    inner = [getattr(model, "inner", None), *getattr(model, "members", ())]
    return [b for part in inner if part is not None for b in boosters(part)]


def _json_row(row: pd.Series) -> dict:
    """A JSON-ready request row (NaN → null, numpy → Python)."""
    return {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get(API_URL_ENV, DEFAULT_API_URL))
    parser.add_argument("--model-uri", default=model_uri(Alias.CHAMPION))
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--batch-repeats", type=int, default=10)
    args = parser.parse_args()

    os.environ[PREDICTION_LOG_ENV] = PREDICTION_LOG_DISABLED
    import mlflow

    from custom_model.request import RAW_COLUMN_NAMES

    model = mlflow.pyfunc.load_model(args.model_uri)
    scorer = model.unwrap_python_model().scorer
    bare = scorer.artifacts.model  # the fitted model itself (calibration, fold average), without the pyfunc
    trees = [b.num_trees() for b in boosters(bare)]
    snapshot = scorer.snapshot
    rng = np.random.default_rng(0)
    client = int(snapshot.index[0])
    batch_ids = rng.choice(snapshot.index.to_numpy(), size=1000, replace=len(snapshot) < 1000).tolist()
    raw = _json_row(snapshot.iloc[1][list(RAW_COLUMN_NAMES)])
    raw["SK_ID_CURR"] = 999_999_999
    print(
        f"model {args.model_uri}: {len(scorer.feature_names)} features, {sum(trees)} trees {trees}, "
        f"{len(snapshot):,} snapshot clients; server {args.url}; {os.cpu_count()} CPUs"
    )

    session = requests.Session()

    def post(body: dict) -> None:
        response = session.post(f"{args.url}/invocations", json=body, timeout=120)
        response.raise_for_status()

    def by_id(ids: list[int], explain: bool) -> dict:
        return {
            "dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[i] for i in ids]},
            "params": {"explain": explain},
        }

    x_one = scorer.known_inputs[:1]
    x_batch = scorer.known_inputs[scorer.lookup(np.asarray(batch_ids))]
    rows = {
        "by id, explain": timed(lambda: post(by_id([client], True)), args.repeats),
        "by id, no explain": timed(lambda: post(by_id([client], False)), args.repeats),
        "raw fields, explain": timed(lambda: post({"dataframe_records": [raw]}), args.repeats),
        "1,000 by id, explain": timed(lambda: post(by_id(batch_ids, True)), args.batch_repeats, 1),
        "1,000 by id, no explain": timed(lambda: post(by_id(batch_ids, False)), args.batch_repeats, 1),
        "pyfunc in-process, 1 by id, explain": timed(
            lambda: model.predict(pd.DataFrame({"SK_ID_CURR": [client]})), args.repeats
        ),
        "bare model, 1 row, predict+contrib": timed(
            lambda: (bare.predict_proba(x_one), bare.contributions(x_one)), args.repeats
        ),
        "bare model, 1 row, predict": timed(lambda: bare.predict_proba(x_one), args.repeats),
        "bare model, 1,000 rows, predict+contrib": timed(
            lambda: (bare.predict_proba(x_batch), bare.contributions(x_batch)), args.batch_repeats, 1
        ),
        "bare model, 1,000 rows, predict": timed(lambda: bare.predict_proba(x_batch), args.batch_repeats, 1),
    }
    report(rows)


def report(rows: dict[str, list[float]]) -> None:
    """Print the latency table with goals, then the served / bare-model ratios."""
    print(f"\n{'case':45s} {'p50 ms':>9s} {'p99 ms':>9s} {'mean ms':>9s}  goal")
    for name, values in rows.items():
        goal = GOALS.get(name)
        verdict = ""
        if goal:
            p50_ok = percentile(values, 50) <= goal[0]
            p99_ok = goal[1] is None or percentile(values, 99) <= goal[1]
            verdict = f"{'MET' if p50_ok and p99_ok else 'MISSED'} (p50 <= {goal[0]:g}" + (
                f", p99 <= {goal[1]:g})" if goal[1] else ")"
            )
        print(
            f"{name:45s} {percentile(values, 50):9.2f} {percentile(values, 99):9.2f} "
            f"{statistics.fmean(values):9.2f}  {verdict}"
        )
    ratio_pairs = [
        ("by id, explain", "bare model, 1 row, predict+contrib"),
        ("by id, no explain", "bare model, 1 row, predict"),
        ("1,000 by id, explain", "bare model, 1,000 rows, predict+contrib"),
        ("1,000 by id, no explain", "bare model, 1,000 rows, predict"),
    ]
    print("\nratios served / bare model (p50):")
    for served, bare in ratio_pairs:
        print(f"  {served:30s} {percentile(rows[served], 50) / percentile(rows[bare], 50):7.1f} x")


if __name__ == "__main__":
    main()

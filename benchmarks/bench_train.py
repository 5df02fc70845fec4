"""Time the training job at a given scale with the default budget and set its figures beside the oracle's.

    flock /tmp/heavy.lock .venv/bin/python -m benchmarks.bench_train --scale 0.05

Demo data is generated (or re-used) under data/demo-<scale>-<seed>; runs go to a throw-away sqlite store
unless --tracking-uri is given. Prints wall and CPU time, the peak resident memory, out-of-fold AUC, holdout
cost and AUC, and the oracle's (the generator's true probabilities) AUC and cost on the same holdout.
``--feature-buckets k`` builds the history by k client buckets (`-P feature_buckets`).
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

import mlflow

from entry_points._cli import configure_logging, int_param
from entry_points.train import PROJECT_DIR, TrainSettings, run
from entry_points.training.data import generate_demo


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    """Train once and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.05)
    p.add_argument("--seed", type=int_param, default=42)
    p.add_argument("--max-evals", type=int_param, default=TrainSettings.max_evals)
    p.add_argument("--n-folds", type=int_param, default=TrainSettings.n_folds)
    p.add_argument(
        "--feature-buckets", type=int_param, default=0, help="history by k client buckets; 0: one pass"
    )
    p.add_argument("--tracking-uri", default="", help="default: a temporary sqlite store")
    a = p.parse_args()
    configure_logging()
    logging.getLogger("hyperopt").setLevel(logging.WARNING)

    started = time.perf_counter()
    generate_demo(PROJECT_DIR, scale=a.scale, seed=a.seed)
    generation = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        mlflow.set_tracking_uri(a.tracking_uri or f"sqlite:///{Path(tmp) / 'mlflow.db'}")
        cpu, wall = _cpu_seconds(), time.perf_counter()
        settings = TrainSettings(
            data_dir=None,
            scale=a.scale,
            seed=a.seed,
            max_evals=a.max_evals,
            n_folds=a.n_folds,
            feature_buckets=a.feature_buckets,
        )
        result = run(settings)
        wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    h, o, f = result.holdout_metrics, result.oracle_metrics, result.oof_metrics
    print(
        f"scale {a.scale:g}, seed {a.seed}: max_evals {a.max_evals}, {a.n_folds} folds, 1 thread, "
        f"feature_buckets {a.feature_buckets}"
    )
    print(f"data generation (not repeated when the folder exists): {generation:.0f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"training job: {wall:.0f} s wall, {cpu:.0f} s CPU, peak RSS {peak:.2f} GB (this process)")
    print(f"chosen {result.family} {result.params}")
    print(f"OOF AUC {f['auc']:.4f}, OOF cost {f['cost']:.4f}, threshold {result.threshold:.3f}")
    print(f"holdout AUC {h['auc']:.4f}, holdout cost {h['cost']:.4f} (accept-all {h['cost_accept_all']:.4f})")
    print(f"oracle  AUC {o.get('auc', float('nan')):.4f}, oracle cost {o.get('cost', float('nan')):.4f}")


if __name__ == "__main__":
    main()

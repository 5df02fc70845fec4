"""Keep or drop the sensitive attributes as model features: the same training, side by side, on the same rows.

    .venv/bin/python -m benchmarks.bench_sensitive --scale 0.05 --seed 42

Trains the demo data three times with the same seed (so the same holdout): with every feature, without
CODE_GENDER, and without CODE_GENDER and DAYS_BIRTH (age); prints for each the holdout cost and AUC and the
lowest disparate-impact ratio by gender and by age band. The attributes stay in the data, so fairness is
measured the same way whether or not the model sees them.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import mlflow

from entry_points._cli import configure_logging, int_param
from entry_points.train import PROJECT_DIR, TrainSettings, run
from entry_points.training.data import generate_demo

VARIANTS = {
    "all features": (),
    "without gender": ("CODE_GENDER",),
    "without gender, age": ("CODE_GENDER", "DAYS_BIRTH"),
}


def main() -> None:
    """Train each variant and print one line of figures per variant."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.05)
    p.add_argument("--seed", type=int_param, default=42)
    p.add_argument("--max-evals", type=int_param, default=TrainSettings.max_evals)
    a = p.parse_args()
    configure_logging()
    logging.getLogger("hyperopt").setLevel(logging.WARNING)
    generate_demo(PROJECT_DIR, scale=a.scale, seed=a.seed)
    lines = []
    for name, excluded in VARIANTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            mlflow.set_tracking_uri(f"sqlite:///{Path(tmp) / 'mlflow.db'}")
            settings = TrainSettings(
                scale=a.scale, seed=a.seed, max_evals=a.max_evals, exclude_features=excluded
            )
            result = run(settings)
            metrics = mlflow.MlflowClient().get_run(result.run_id).data.metrics
        h = result.holdout_metrics
        lines.append(
            f"{name:22s} holdout cost {h['cost']:.4f}  AUC {h['auc']:.4f}  "
            f"disparate impact by gender {metrics['fairness_di_min_gender']:.3f}  "
            f"by age {metrics['fairness_di_min_age']:.3f}  → @{result.alias.alias}"
        )
    print(f"scale {a.scale:g}, seed {a.seed}, max_evals {a.max_evals} (same holdout for every variant)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

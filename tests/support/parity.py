"""Figures and answers of tiny trainings (every family), to pin behaviour across refactors.

`python -m tests.support.parity --write` records them in tests/data/parity.json; tests/test_parity.py trains
again and compares. Regenerate the file only for a change that is meant to alter the model, and say so in
the commit.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import mlflow
import pandas as pd

from entry_points.synthetic import generate_tables, write_tables
from entry_points.train import TrainSettings, run
from tests.support.mlflow_state import using_tracking_uri

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "parity.json"
#: (families, seed) of each tiny training: all families, then the linear and the prior alone as champions.
CASES = ((("dummy", "logreg", "lightgbm"), 0), (("logreg",), 1), (("dummy",), 2))


def case_figures(families: tuple[str, ...], seed: int, workdir: Path) -> dict:
    """Train one case in ``workdir`` and return its figures and the champion's answers for 40 + 5 clients."""
    data = workdir / "data"
    write_tables(generate_tables(0.005, seed), data)
    with using_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}"):
        settings = TrainSettings(
            data_dir=data, max_evals=3, n_folds=2, seed=seed, families=families, max_rounds=100
        )
        result = run(settings, project_dir=workdir)
        model = mlflow.pyfunc.load_model("models:/credit-scoring@champion")
    test = pd.read_csv(data / "application_test.csv")
    by_id = model.predict(test[["SK_ID_CURR"]].head(40), params={"explain": True, "top_k": 3})
    raw = model.predict(test.head(5), params={"explain": False})
    return {
        "family": result.family,
        "params": result.params,
        "threshold": result.threshold,
        "oof": {k: v for k, v in result.oof_metrics.items() if k != "fit_seconds"},
        "holdout": result.holdout_metrics,
        "oracle": result.oracle_metrics,
        "comparison": result.comparison.drop(columns=["fit_seconds"]).to_dict("list"),
        "proba": by_id["probability_default"].tolist(),
        "decision": by_id["decision"].tolist(),
        "base_value": float(by_id["base_value"].iloc[0]),
        "explanation": [json.loads(e) for e in by_id["explanation"]],
        "proba_raw": raw["probability_default"].tolist(),
    }


def all_figures(workdir: Path) -> dict[str, dict]:
    """Every case's figures, keyed by its families."""
    return {
        "-".join(families): case_figures(families, seed, workdir / f"case{seed}") for families, seed in CASES
    }


def main() -> None:
    """Print the figures as JSON, or write them to the golden file with --write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {GOLDEN}")
    args = parser.parse_args()
    os.environ["CREDIT_SCORING_PREDICTION_LOG"] = "none"
    with tempfile.TemporaryDirectory() as tmp:
        figures = json.dumps(all_figures(Path(tmp)), indent=1, sort_keys=True, default=str)
    if args.write:
        GOLDEN.write_text(figures + "\n")
    else:
        print(figures)


if __name__ == "__main__":
    main()

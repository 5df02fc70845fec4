"""Planted-signal data: the chosen model gets close to the oracle and beats the simpler families.

The generator plants non-linear effects and interactions in the default log-odds and writes every client's
true probability (oracle.csv). With the demo settings (scale 0.05 ≈ 15,000 training clients, seed 42, default
budget) LightGBM should rank nearly as well as the truth, and its cost-tuned decisions should cost less than
the dummy's and the logistic regression's on the same holdout clients. Deterministic: same seed, same figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from entry_points.synthetic import generate_tables, write_tables
from entry_points.train import TrainResult, TrainSettings, run
from tests.support.mlflow_state import using_tracking_uri

pytestmark = pytest.mark.slow

SCALE = 0.05


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainResult]:
    tmp = tmp_path_factory.mktemp("quality")
    write_tables(generate_tables(SCALE, 42), tmp / "data")
    with using_tracking_uri(f"sqlite:///{tmp / 'mlflow.db'}"):
        yield run(TrainSettings(data_dir=tmp / "data", seed=42), project_dir=Path(tmp))


def test_chosen_model_ranks_within_003_auc_of_the_oracle(result: TrainResult) -> None:
    assert result.family == "lightgbm"
    # on the same clients: out-of-fold on the selection rows, then on the holdout
    assert result.oof_metrics["auc"] >= result.oracle_selection_metrics["auc"] - 0.03
    assert result.holdout_metrics["auc"] >= result.oracle_metrics["auc"] - 0.03


def test_chosen_model_beats_dummy_on_holdout_and_logreg_out_of_fold(result: TrainResult) -> None:
    table = result.comparison.set_index("family")
    assert table.loc["lightgbm", "holdout_cost"] == pytest.approx(result.holdout_metrics["cost"])
    assert table.loc["lightgbm", "holdout_cost"] < 0.7 * table.loc["dummy", "holdout_cost"]
    # feature selection made the linear model better (OOF cost 0.526 → 0.484): the lead is ≈ 0.018 now
    assert table.loc["lightgbm", "oof_cost"] < table.loc["logreg", "oof_cost"] - 0.01
    assert table.loc["lightgbm", "holdout_auc"] > table.loc["logreg", "holdout_auc"]
    h = result.holdout_metrics
    assert h["cost"] < 0.7 * min(h["cost_accept_all"], h["cost_refuse_all"])


def test_chosen_model_beats_logreg_on_holdout_cost(result: TrainResult) -> None:
    table = result.comparison.set_index("family")
    # the planted thresholds, saturation and interactions are out of a linear model's reach (issue 4)
    assert table.loc["lightgbm", "holdout_cost"] < table.loc["logreg", "holdout_cost"] - 0.01

"""The search with hyperopt's SparkTrials (-P parallelism=N): one result per trial, each loss as in serial."""

from __future__ import annotations

from dataclasses import replace

from entry_points.training.search import cv_folds, evaluate_config, search_family
from tests.entry_points.training.test_search import CONFIG, planted


def test_spark_trials_give_every_trial_with_the_loss_serial_cv_gives_its_configuration(spark) -> None:
    X, y, _ = planted(n=800)
    folds = cv_folds(y, n_folds=2, seed=0)
    config = replace(CONFIG, max_evals=4, parallelism=2)
    reported: list[tuple[int, float]] = []
    result = search_family(
        "logreg", X, y, folds, config=config, on_trial=lambda t, best: reported.append((t.number, best))
    )
    assert [t.number for t in result.trials] == [0, 1, 2, 3] == [n for n, _ in reported]
    # the seeded configurations come first, as in the serial search
    assert [t.params["imbalance"] for t in result.trials[:3]] == ["class_weight", "undersample", "none"]
    for trial in result.trials:
        serial = evaluate_config("logreg", trial.params, X, y, folds, config=replace(config, parallelism=1))
        assert trial.cost == serial.cost and trial.metrics["auc"] == serial.metrics["auc"]
    assert reported[-1][1] == min(t.cost for t in result.trials)

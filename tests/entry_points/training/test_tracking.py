"""Experiment names: one experiment per data source."""

from __future__ import annotations

from pathlib import Path

from entry_points.training.tracking import experiment_name


def test_one_experiment_per_data_source() -> None:
    assert experiment_name(None, scale=0.05, seed=42) == "credit-scoring/synthetic-scale0.05-seed42"
    assert experiment_name(Path("/data/home-credit"), scale=0.05, seed=42) == "credit-scoring/home-credit"

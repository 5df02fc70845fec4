"""The training CLI: MLflow-style parameters and the list of families."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from entry_points.train import parse_args, parse_families


def test_mlflow_style_float_parameters_are_accepted() -> None:
    settings = parse_args(["--data-dir", "", "--max-evals", "7.0", "--n-folds", "4.0", "--seed", "3.0"])
    assert (
        settings.data_dir is None and settings.max_evals == 7 and settings.n_folds == 4 and settings.seed == 3
    )
    assert parse_args(["--data-dir", "data/raw"]).data_dir == Path("data/raw")
    # `mlflow run` shell-quotes an empty string parameter inside the MLproject's own quotes
    assert parse_args(["--data-dir", "''"]).data_dir is None


def test_families_are_validated_and_ordered_simple_to_complex() -> None:
    assert parse_families("lightgbm, dummy") == ("dummy", "lightgbm")
    with pytest.raises(argparse.ArgumentTypeError, match="xgboost"):
        parse_families("dummy,xgboost")


def test_excluded_features_are_raw_application_columns() -> None:
    assert parse_args(["--exclude-features", "CODE_GENDER, DAYS_BIRTH"]).exclude_features == (
        "CODE_GENDER",
        "DAYS_BIRTH",
    )
    assert parse_args(["--exclude-features", "''"]).exclude_features == ()  # MLflow's empty string
    with pytest.raises(SystemExit):
        parse_args(["--exclude-features", "GENDER"])


def test_feature_buckets_is_a_non_negative_count() -> None:
    assert parse_args(["--feature-buckets", "8.0"]).feature_buckets == 8
    assert parse_args([]).feature_buckets == 0
    with pytest.raises(SystemExit):
        parse_args(["--feature-buckets", "-1"])

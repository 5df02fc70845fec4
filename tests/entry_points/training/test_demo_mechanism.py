"""The training job's demo data source takes the planted mechanism: its folder, experiment and CLI option."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from custom_model.contract import ORACLE_FILE, ORACLE_PROBABILITY
from entry_points import synthetic
from entry_points.train import parse_args
from entry_points.training.data import demo_dir, generate_demo
from entry_points.training.tracking import experiment_name


def test_the_default_mechanism_keeps_todays_names_and_the_others_are_named(tmp_path: Path) -> None:
    assert demo_dir(tmp_path, scale=0.05, seed=42) == tmp_path / "data" / "demo-0.05-42"
    assert (
        demo_dir(tmp_path, scale=0.05, seed=42, mechanism="delinquency") == tmp_path / "data" / "demo-0.05-42"
    )
    assert (
        demo_dir(tmp_path, scale=0.05, seed=42, mechanism="recency")
        == tmp_path / "data" / "demo-0.05-42-recency"
    )
    assert experiment_name(None, scale=0.05, seed=42) == "credit-scoring/synthetic-scale0.05-seed42"
    assert (
        experiment_name(None, scale=0.05, seed=42, mechanism="affordability")
        == "credit-scoring/synthetic-scale0.05-seed42-affordability"
    )


def test_generated_demo_data_carries_the_chosen_mechanism(tmp_path: Path) -> None:
    folder = generate_demo(tmp_path, scale=0.002, seed=3, mechanism="affordability")
    assert folder.name == "demo-0.002-3-affordability"
    written = pd.read_csv(folder / ORACLE_FILE, float_precision="round_trip")[ORACLE_PROBABILITY]
    expected = synthetic.generate_tables(0.002, 3, mechanism="affordability").oracle[ORACLE_PROBABILITY]
    assert written.tolist() == expected.tolist()
    default = pd.read_csv(generate_demo(tmp_path, scale=0.002, seed=3) / ORACLE_FILE)[ORACLE_PROBABILITY]
    assert not default.equals(written)


def test_the_command_line_takes_a_known_mechanism_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_args([]).mechanism == "delinquency"
    assert parse_args(["--mechanism", "recency"]).mechanism == "recency"
    with pytest.raises(SystemExit):
        parse_args(["--mechanism", "income"])
    assert "invalid choice: 'income'" in capsys.readouterr().err

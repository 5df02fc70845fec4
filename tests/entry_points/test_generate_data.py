"""generate_data entry point: run as users run it (python -m, mlflow run); bad parameters refused clearly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from custom_model import schema
from entry_points import generate_data

PROJECT_DIR = Path(__file__).resolve().parents[2]
EXPECTED_FILES = sorted([schema.table(n).filename for n in schema.TABLE_NAMES] + ["oracle.csv"])


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entry_points.generate_data", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_module_run_writes_the_tables_and_the_oracle(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = _run("--scale", "0.002", "--seed", "3", "--output-dir", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == EXPECTED_FILES
    train = pd.read_csv(out / "application_train.csv")
    assert len(train) == round(schema.REAL_ROW_COUNTS[schema.APPLICATION_TRAIN] * 0.002)
    assert "credit_card_balance" in result.stderr and "done in" in result.stderr


def test_seed_given_as_mlflow_float_is_accepted(tmp_path: Path) -> None:
    assert generate_data.main(["--scale", "0.002", "--seed", "3.0", "--output-dir", str(tmp_path / "a")]) == 0
    assert generate_data.main(["--scale", "0.002", "--seed", "3", "--output-dir", str(tmp_path / "b")]) == 0
    for name in EXPECTED_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "0"], "scale must be between 0.001 and 1.0"),
        (["--scale", "1.5"], "scale must be between 0.001 and 1.0"),
        (["--scale", "abc"], "expected a number, got 'abc'"),
        (["--seed", "1.5"], "expected an integer, got '1.5'"),
        (["--seed", "-1"], "expected a non-negative integer, got '-1'"),
    ],
)
def test_bad_parameters_exit_with_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = _run(*args, "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_foreign_output_folder_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.csv").write_text("x\n1\n")
    assert generate_data.main(["--scale", "0.002", "--output-dir", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["mine.csv"]


@pytest.mark.slow
def test_mlflow_run_entry_point(tmp_path: Path) -> None:
    mlflow = Path(sys.executable).parent / "mlflow"
    if not mlflow.exists() or shutil.which("git") is None:
        pytest.skip("mlflow CLI not installed beside the interpreter")
    out = tmp_path / "demo"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
    }
    result = subprocess.run(
        [
            str(mlflow),
            "run",
            ".",
            "-e",
            "generate_data",
            "--env-manager",
            "local",
            "-P",
            "scale=0.002",
            "-P",
            "seed=5",
            "-P",
            f"output_dir={out}",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == EXPECTED_FILES

"""Entry points report our errors in one line (traceback only with --debug): entry_points/_cli.py."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from custom_model import schema
from custom_model.errors import SchemaError
from entry_points._cli import run_entry_point
from entry_points.synthetic import generate_tables

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _fails(argv: list[str]) -> int:
    raise SchemaError("application_train.csv: column TARGET must be 0 or 1\non line 3")


def test_our_error_is_one_line_and_an_exit_code(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert run_entry_point("train", _fails, ["--seed", "1"]) == 1
    (record,) = caplog.records
    assert (
        record.getMessage() == "train: error: application_train.csv: column TARGET must be 0 or 1 on line 3"
    )
    assert not record.exc_info


def test_debug_adds_the_traceback_and_is_not_passed_on(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[list[str]] = []

    def body(argv: list[str]) -> int:
        seen.append(argv)
        return _fails(argv)

    with caplog.at_level(logging.ERROR):
        assert run_entry_point("drift", body, ["--debug", "--seed", "1"], error_code=2) == 2
    assert seen == [["--seed", "1"]]
    assert caplog.records[0].exc_info is not None


def test_other_exceptions_are_bugs_and_keep_their_traceback() -> None:
    def body(argv: list[str]) -> int:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        run_entry_point("train", body, [])


@pytest.fixture(scope="module")
def bad_target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Application tables whose line 17 of application_train.csv has TARGET = 2."""
    folder = tmp_path_factory.mktemp("bad_target")
    data = generate_tables(0.002, 0, progress=lambda _message: None)
    for name in (schema.APPLICATION_TRAIN, schema.APPLICATION_TEST):
        data.tables[name].to_csv(folder / f"{name}.csv", index=False)
    train = pd.read_csv(folder / f"{schema.APPLICATION_TRAIN}.csv")
    train.loc[15, schema.TARGET] = 2
    train.to_csv(folder / f"{schema.APPLICATION_TRAIN}.csv", index=False)
    return folder


@pytest.mark.parametrize("debug", [False, True])
def test_train_on_a_bad_label_prints_one_clear_line(
    bad_target_dir: Path, tmp_path: Path, debug: bool
) -> None:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    command = [sys.executable, "-m", "entry_points.train", "--data-dir", str(bad_target_dir)]
    result = subprocess.run(
        [*command, *(["--debug"] if debug else [])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        "train: error: application_train.csv: column TARGET must be 0 or 1 on every row; got 2 on line 17"
    )
    assert ("Traceback" in result.stderr) is debug


def test_generate_data_refusal_is_one_line_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.csv").write_text("x\n1\n")
    command = [
        sys.executable,
        "-m",
        "entry_points.generate_data",
        "--scale",
        "0.002",
        "--output-dir",
        str(out),
    ]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "generate_data: error: " in result.stderr and "Traceback" not in result.stderr

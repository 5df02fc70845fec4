"""The contract's derived defaults: absolute, in one place, whatever the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_model.contract import (
    PROJECT_DIR,
    REGISTERED_MODEL_NAME,
    STATE_DIR_ENV,
    Alias,
    default_prediction_log_url,
    default_tracking_uri,
    model_uri,
    state_dir,
)


def test_tracking_store_defaults_to_the_project_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert default_tracking_uri() == f"sqlite:///{PROJECT_DIR / 'mlflow.db'}"
    assert (PROJECT_DIR / "MLproject").is_file()  # the project folder, whatever the working directory
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert default_tracking_uri() == "http://127.0.0.1:5000"


def test_state_folder_comes_from_the_setting_then_xdg_then_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(STATE_DIR_ENV, "relative/state")
    assert state_dir() == tmp_path / "relative" / "state"  # resolved once, absolute
    monkeypatch.delenv(STATE_DIR_ENV)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "credit-scoring"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "credit-scoring"
    assert default_prediction_log_url() == f"sqlite:///{state_dir() / 'predictions.db'}"


def test_model_uri_names_the_registered_model_and_alias() -> None:
    assert model_uri() == f"models:/{REGISTERED_MODEL_NAME}@champion"
    assert model_uri(Alias.CHALLENGER) == f"models:/{REGISTERED_MODEL_NAME}@challenger"
    assert repr(Alias.CHAMPION) == "'champion'"  # reads as the word in logs and f-strings

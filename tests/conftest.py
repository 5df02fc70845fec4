"""Shared fixtures: paths to the real-data samples in ../shared (read only, never copied into the project)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking._model_registry import utils as registry_utils
from mlflow.tracking._tracking_service import utils as tracking_utils

from custom_model.contract import STATE_DIR_ENV

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"
SAMPLES_DIR = SHARED_DIR / "homecredit" / "samples"

# mlflow.set_experiment() exports MLFLOW_EXPERIMENT_ID into os.environ: a later `mlflow run` subprocess on
# another store then fails with "No Experiment with id=1 exists". Each test starts from the session's values.
_MLFLOW_ENV = ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID", "MLFLOW_TRACKING_URI")
_SESSION_ENV = {name: os.environ.get(name) for name in _MLFLOW_ENV}


@pytest.fixture(scope="session", autouse=True)
def _state_dir_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Default prediction logs and spools of the models the tests load (in-process or served): in tmp."""
    previous = os.environ.get(STATE_DIR_ENV)
    os.environ[STATE_DIR_ENV] = str(tmp_path_factory.mktemp("state"))
    yield
    if previous is None:
        os.environ.pop(STATE_DIR_ENV, None)
    else:
        os.environ[STATE_DIR_ENV] = previous


@pytest.fixture(autouse=True)
def _isolated_mlflow_globals() -> Iterator[None]:
    """Restore MLflow's process-wide state (env, active run and experiment, tracking URI) after a test."""
    tracking_uri = tracking_utils._tracking_uri
    registry_uri = registry_utils._registry_uri
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    for name, value in _SESSION_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    mlflow.tracking.fluent._active_experiment_id = None
    tracking_utils._tracking_uri = tracking_uri
    registry_utils._registry_uri = registry_uri


def in_ci() -> bool:
    """Whether the suite runs in CI (``CI=true``), where nothing may be skipped for want of set-up."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """Folder of the small real Home Credit samples (200 lines per table), read only.

    Without the sibling ../shared folder the tests that need it are skipped with the reason, except in CI
    (CI=true), where its absence is a failure: CI must run them.
    """
    if not SAMPLES_DIR.is_dir():
        message = f"real-data samples not found at {SAMPLES_DIR}; ../shared must sit beside the project"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory):
    """One tiny champion for the session, trained by the real training code into a temporary sqlite store.

    Read-only for its users: tests that register more versions or move aliases train their own.
    """
    from tests.support.tiny_model import train_tiny_model

    return train_tiny_model(tmp_path_factory.mktemp("tiny_model"))


#: Files the suite may leave in the checkout: caches of Python, pytest and ruff, and the virtualenv.
_ALLOWED_LEFTOVERS = ("__pycache__", ".pytest_cache", ".ruff_cache", ".venv")


def checkout_files(root: Path = PROJECT_DIR) -> set[str] | None:
    """Untracked and ignored files of a checkout, caches aside (None outside a git work tree)."""
    try:
        listing = subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "-z"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = {entry[3:] for entry in listing.split("\0") if entry[:2] in ("??", "!!")}
    return {p for p in paths if not any(part in _ALLOWED_LEFTOVERS for part in Path(p).parts)}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remember what the checkout holds before the tests run."""
    session.config.stash[_BEFORE] = checkout_files()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when the tests left files in the checkout: every output belongs in a temporary folder."""
    before, after = session.config.stash.get(_BEFORE, None), checkout_files()
    if before is None or after is None or session.config.option.collectonly:
        return
    left = sorted(after - before)
    if left:
        session.config.get_terminal_writer().line(
            f"\nThe test run left {len(left)} file(s) in the checkout (write to tmp_path): {left[:10]}",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_BEFORE = pytest.StashKey[set[str] | None]()


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (2 cores, no UI) for the whole run; stopped at the end.

    Without Java the Spark tests are skipped with the reason, except in CI (CI=true), where `make test` has
    installed it: there its absence is a failure.
    """
    from entry_points.batch.session import SparkSettings, SparkSetupError, start_spark

    try:
        session = start_spark(SparkSettings(master="local[2]", ui_port=0, shuffle_partitions=4))
    except SparkSetupError as error:
        if in_ci():
            pytest.fail(str(error))
        pytest.skip(str(error))
    yield session
    session.stop()

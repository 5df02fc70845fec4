"""Shared fixtures: paths to the real-data samples in ../shared (read only, never copied into the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"
SAMPLES_DIR = SHARED_DIR / "homecredit" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """Folder of the small real Home Credit samples (200 lines per table)."""
    if not SAMPLES_DIR.is_dir():
        pytest.fail(f"real-data samples not found at {SAMPLES_DIR}; ../shared must sit beside the project")
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory):
    """One tiny champion for the session, trained by the real training code into a temporary sqlite store.

    Read-only for its users: tests that register more versions or move aliases train their own.
    """
    from tests.support.tiny_model import train_tiny_model

    return train_tiny_model(tmp_path_factory.mktemp("tiny_model"))

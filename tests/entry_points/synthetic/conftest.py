"""Shared fixtures of the generator tests: one generated data set and its written folder per test module."""

from __future__ import annotations

from pathlib import Path

import pytest

from entry_points import synthetic

SCALE = 0.01
SEED = 7


@pytest.fixture(scope="module")
def data() -> synthetic.SyntheticData:
    return synthetic.generate_tables(SCALE, SEED, progress=lambda _: None)


@pytest.fixture(scope="module")
def written(data: synthetic.SyntheticData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "data"
    synthetic.write_tables(data, out)
    return out

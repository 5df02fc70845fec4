"""A tiny credit-scoring model trained by the real training code path, for serving, client and drift tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from custom_model.contract import REGISTERED_MODEL_NAME, Alias
from entry_points.synthetic import generate_tables, write_tables
from entry_points.train import TrainSettings, run
from tests.support.mlflow_state import using_tracking_uri

#: Small enough to train in seconds, big enough for LightGBM to find the planted signal (~1,500 clients).
TINY_SCALE = 0.005


@dataclass(frozen=True)
class TinyModel:
    """Where the tiny model lives: its tracking store, registry URI, run, version, data and threshold."""

    tracking_uri: str
    model_uri: str
    run_id: str
    version: str
    data_dir: Path
    threshold: float


def train_tiny_model(workdir: Path, *, seed: int = 0) -> TinyModel:
    """Generate tiny synthetic tables in ``workdir/data``, train LightGBM on them, register it as @champion.

    The tracking store is ``sqlite:///<workdir>/mlflow.db``; the process-wide tracking URI is restored after.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    if not (data_dir / "oracle.csv").is_file():
        write_tables(generate_tables(TINY_SCALE, seed), data_dir)
    uri = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    with using_tracking_uri(uri):
        settings = TrainSettings(
            data_dir=data_dir, max_evals=2, n_folds=2, seed=seed, families=("lightgbm",), max_rounds=100
        )
        result = run(settings, project_dir=workdir)
    if result.alias.alias != Alias.CHAMPION:
        raise AssertionError(f"tiny model version {result.version} became {result.alias.alias}, not champion")
    return TinyModel(
        tracking_uri=uri,
        model_uri=f"models:/{REGISTERED_MODEL_NAME}@{Alias.CHAMPION}",
        run_id=result.run_id,
        version=result.version,
        data_dir=data_dir,
        threshold=result.threshold,
    )

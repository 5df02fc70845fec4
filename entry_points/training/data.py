"""Training data: resolve the source (real folder or generated demo data), build features, keep the oracle."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.contract import ORACLE_FILE, ORACLE_PROBABILITY
from custom_model.errors import FeatureLeakError
from custom_model.features.assemble import FeatureSet, build_features
from custom_model.features.buckets import streamed_history
from custom_model.io import Tables, available_tables, load_tables
from entry_points.synthetic.mechanisms import DEFAULT_MECHANISM

logger = logging.getLogger(__name__)

#: Columns that must never reach a model.
FORBIDDEN_FEATURES = (schema.TARGET, *schema.ID_COLUMNS)


@dataclass(frozen=True)
class TrainingData:
    """Validated tables, their features and, for generated data, the true default probabilities."""

    data_dir: Path
    synthetic: bool
    tables: Tables  # the application tables only when the history was built by buckets
    features: FeatureSet
    oracle: pd.Series | None
    table_names: tuple[str, ...]  # the tables the source holds


def demo_dir(project_dir: Path, *, scale: float, seed: int, mechanism: str = DEFAULT_MECHANISM) -> Path:
    """Folder of the demo data generated for (scale, seed, mechanism); the default mechanism is not named."""
    suffix = "" if mechanism == DEFAULT_MECHANISM else f"-{mechanism}"
    return project_dir / "data" / f"demo-{scale:g}-{seed}{suffix}"


def generate_demo(project_dir: Path, *, scale: float, seed: int, mechanism: str = DEFAULT_MECHANISM) -> Path:
    """Generate demo tables (planted signal + oracle) once per (scale, seed, mechanism); return the folder."""
    from entry_points.synthetic import generate_tables, write_tables

    folder = demo_dir(project_dir, scale=scale, seed=seed, mechanism=mechanism)
    if (folder / ORACLE_FILE).is_file():
        logger.info("re-using demo data generated earlier in %s", folder)
        return folder
    logger.info(
        "generating demo data at scale %g (seed %d, %s mechanism) into %s", scale, seed, mechanism, folder
    )
    write_tables(generate_tables(scale, seed, mechanism=mechanism), folder)
    return folder


def read_oracle(data_dir: Path) -> pd.Series | None:
    """True default probability per SK_ID_CURR when the folder was written by the generator."""
    path = data_dir / ORACLE_FILE
    if not path.is_file():
        return None
    oracle = pd.read_csv(path)
    return pd.Series(
        oracle[ORACLE_PROBABILITY].to_numpy(dtype=float),
        index=pd.Index(oracle[schema.ID_CURR].to_numpy(dtype=np.int64), name=schema.ID_CURR),
        name="oracle_probability",
    )


def load_training_data(data_dir: Path, *, buckets: int = 0) -> TrainingData:
    """Load and validate the tables and build one feature row per client.

    With ``buckets``, the history is built by `streamed_history` (each block's tables read only for that
    block, one bucket of clients at a time: bounded memory) and only the application tables stay loaded; the
    features are the same, cell for cell.
    """
    if buckets:
        tables = load_tables(data_dir, tables=())
        ids = pd.concat([tables.application_train[schema.ID_CURR], tables.application_test[schema.ID_CURR]])
        features = build_features(tables, history=streamed_history(data_dir, ids, buckets=buckets))
        names = available_tables(data_dir)
    else:
        tables = load_tables(data_dir)
        features = build_features(tables)
        names = tables.present()
    check_no_forbidden_features(features.train.columns)
    oracle = read_oracle(data_dir)
    logger.info(
        "features: %d training clients x %d columns (%s)",
        *features.train.shape,
        "synthetic data with oracle" if oracle is not None else "no oracle",
    )
    return TrainingData(data_dir, oracle is not None, tables, features, oracle, names)


def check_no_forbidden_features(columns: pd.Index | list[str]) -> None:
    """TARGET and identifiers are never features: a leak here would make every figure meaningless."""
    leaked = [c for c in columns if c in FORBIDDEN_FEATURES or str(c).startswith("SK_ID_")]
    if leaked:
        raise FeatureLeakError(f"TARGET/identifier column(s) {leaked} found among the features")

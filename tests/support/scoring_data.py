"""A tiny scoring model built from the real code path (synthetic tables → features → preprocessor → LightGBM).

Used by the serving tests until/besides the training engineer's `tiny_model`: seconds to build, no MLflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.families.lightgbm import LightGBM
from custom_model.features.assemble import build_features, client_snapshot
from custom_model.io import Tables
from custom_model.model import ScoringArtifacts
from custom_model.preprocessing import FeaturePreprocessor
from entry_points.synthetic import generate_tables


@dataclass(frozen=True)
class TinyScoring:
    """Artifacts of a tiny model plus the tables it was built from (to build expected values)."""

    artifacts: ScoringArtifacts
    tables: Tables
    production_ids: np.ndarray


def tiny_tables(*, scale: float = 0.002, seed: int = 0) -> Tables:
    """Synthetic tables at a very small scale (≈ 600 train, 100 test clients)."""
    data = generate_tables(scale, seed, progress=lambda _message: None)
    return Tables(**{name.lower(): frame for name, frame in data.tables.items()})


def build_tiny_scoring(*, seed: int = 0, threshold: float = 0.3) -> TinyScoring:
    """Fit the preprocessor and a booster on tiny synthetic data; snapshot = application_test clients."""
    tables = tiny_tables(seed=seed)
    features = build_features(tables)
    preprocessor = FeaturePreprocessor().fit(features.train)
    X = preprocessor.transform(features.train)
    booster = lgb.train(
        {"objective": "binary", "num_leaves": 7, "min_data_in_leaf": 10, "verbose": -1, "seed": seed},
        lgb.Dataset(X, label=features.target.to_numpy()),
        num_boost_round=30,
    )
    snapshot = client_snapshot(tables)
    artifacts = ScoringArtifacts(
        preprocessor=preprocessor,
        model=LightGBM.from_booster(booster),
        threshold=threshold,
        cost_fn=10.0,
        cost_fp=1.0,
        snapshot=snapshot,
    )
    ids = tables.application_test[schema.ID_CURR].to_numpy(dtype=np.int64)
    return TinyScoring(artifacts=artifacts, tables=tables, production_ids=ids)


def raw_application_row(tables: Tables, sk_id_curr: int) -> dict:
    """The application_test row of one client as a JSON-ready dict (NaN → None, numpy → Python)."""
    app = tables.application_test
    row = app.loc[app[schema.ID_CURR] == sk_id_curr].iloc[0]
    return {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}

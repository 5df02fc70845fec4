"""Similar clients: nearest neighbours in the reference sample on the model's most important features."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from streamlit_client.api import ID_COLUMN
from streamlit_client.errors import ClientAppError

DISTANCE_COLUMN = "distance"


def numeric_features(reference: pd.DataFrame, *, exclude: Sequence[str] = ()) -> list[str]:
    """Numeric columns of the reference sample usable as features (ids, scores and outcomes excluded)."""
    skip = {ID_COLUMN, "TARGET", "probability_default", "decision", "threshold", *exclude}
    return [
        c
        for c in reference.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(reference[c])
        and not pd.api.types.is_bool_dtype(reference[c])
    ]


def most_important_features(importance: pd.DataFrame, available: Sequence[str], *, n: int) -> list[str]:
    """Top-n features by mean |contribution| that the reference sample carries, most important first."""
    ranked = importance.sort_values("mean_abs_contribution", ascending=False)["feature"]
    usable = set(available)
    return [f for f in ranked if f in usable][:n]


def nearest_neighbours(
    reference: pd.DataFrame,
    client_values: Mapping[str, float | None],
    features: Sequence[str],
    *,
    k: int = 5,
    client_id: int | None = None,
) -> pd.DataFrame:
    """The k reference clients closest to the client on standardised features, closest first.

    Features are z-scored with the reference mean and standard deviation so that amounts do not drown ratios;
    a feature the client lacks is left out of the distance, and a reference client's missing value counts as
    the mean (distance 0 on that feature) rather than excluding the client.
    """
    used = [
        f
        for f in features
        if f in reference.columns and client_values.get(f) is not None and np.isfinite(client_values[f])
    ]
    if not used:
        raise ClientAppError(
            f"cannot find similar clients: none of the features {list(features)} "
            "has a known value for this client"
        )
    pool = reference if client_id is None else reference[reference[ID_COLUMN] != client_id]
    matrix = pool[used].to_numpy(dtype=float)
    mean = np.nanmean(reference[used].to_numpy(dtype=float), axis=0)
    std = np.nanstd(reference[used].to_numpy(dtype=float), axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
    scaled = np.nan_to_num((matrix - mean) / std, nan=0.0)
    target = (np.array([float(client_values[f]) for f in used]) - mean) / std
    distances = np.sqrt(((scaled - target) ** 2).sum(axis=1))
    order = np.argsort(distances, kind="stable")[:k]
    result = pool.iloc[order].copy()
    result[DISTANCE_COLUMN] = distances[order]
    return result.reset_index(drop=True)

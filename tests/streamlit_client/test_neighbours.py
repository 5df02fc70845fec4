"""Nearest neighbours on standardised features: hand-computed distances on a tiny reference sample."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from streamlit_client.errors import ClientAppError
from streamlit_client.neighbours import most_important_features, nearest_neighbours, numeric_features


@pytest.fixture
def reference() -> pd.DataFrame:
    # a: mean 2, population std sqrt(2); b: mean 200, std 100*sqrt(2): standardising makes both count alike.
    return pd.DataFrame(
        {
            "SK_ID_CURR": [1, 2, 3, 4, 5],
            "a": [0.0, 1.0, 2.0, 3.0, 4.0],
            "b": [400.0, 300.0, 200.0, 100.0, 0.0],
            "decision": ["accepted", "refused", "accepted", "refused", "accepted"],
            "TARGET": [0, 1, 0, 0, 1],
            "probability_default": [0.1, 0.6, 0.2, 0.5, 0.3],
        }
    )


def test_numeric_features_skip_ids_scores_and_outcomes(reference: pd.DataFrame) -> None:
    assert numeric_features(reference.assign(flag=[True] * 5, text=["x"] * 5)) == ["a", "b"]


def test_most_important_features_keeps_the_importance_order_of_available_ones() -> None:
    importance = pd.DataFrame(
        {
            "feature": ["z", "b", "a", "c"],
            "label": ["Z", "B", "A", "C"],
            "mean_abs_contribution": [0.9, 0.5, 0.7, 0.1],
        }
    )
    assert most_important_features(importance, ["a", "b", "c"], n=2) == ["a", "b"]


def test_nearest_neighbours_standardise_and_exclude_the_client(reference: pd.DataFrame) -> None:
    result = nearest_neighbours(reference, {"a": 2.0, "b": 200.0}, ["a", "b"], k=3, client_id=3)
    assert list(result["SK_ID_CURR"]) == [2, 4, 1]
    # Client 2 is one step on each axis: (1/sqrt 2)^2 * 2 = 1 -> distance 1; client 1 two steps -> 2.
    assert result["distance"].tolist() == pytest.approx([1.0, 1.0, 2.0])
    assert list(result["decision"]) == ["refused", "refused", "accepted"]


def test_a_feature_the_client_lacks_is_left_out_of_the_distance(reference: pd.DataFrame) -> None:
    result = nearest_neighbours(reference, {"a": 4.0, "b": None}, ["a", "b"], k=2)
    assert list(result["SK_ID_CURR"]) == [5, 4]
    assert result["distance"].tolist() == pytest.approx([0.0, 1 / math.sqrt(2)])


def test_a_missing_reference_value_counts_as_the_mean(reference: pd.DataFrame) -> None:
    with_gap = reference.assign(b=[400.0, 300.0, np.nan, 100.0, 0.0])
    # b mean/std over the 4 known values: 200 and sqrt(25000); client 3's b counts as the mean.
    result = nearest_neighbours(with_gap, {"a": 2.0, "b": 200.0}, ["a", "b"], k=1)
    assert result["SK_ID_CURR"].tolist() == [3]
    assert result["distance"].iloc[0] == pytest.approx(0.0)


def test_no_known_feature_is_a_clear_error(reference: pd.DataFrame) -> None:
    with pytest.raises(ClientAppError, match=r"none of the features \['a'\] has a known value"):
        nearest_neighbours(reference, {"a": float("nan")}, ["a"], k=3)

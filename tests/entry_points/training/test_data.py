"""Leak guard: the target and the ids can never be features."""

from __future__ import annotations

import pytest

from custom_model.errors import FeatureLeakError
from entry_points.training.data import check_no_forbidden_features


def test_target_and_ids_can_never_be_features() -> None:
    check_no_forbidden_features(["AMT_CREDIT", "EXT_SOURCE_2"])
    for leak in ("TARGET", "SK_ID_CURR", "SK_ID_BUREAU"):
        with pytest.raises(FeatureLeakError, match=leak):
            check_no_forbidden_features(["AMT_CREDIT", leak])

"""Training data: the leak guard; the same features whether the history is built in one pass or by buckets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from custom_model import schema
from custom_model.errors import FeatureLeakError
from entry_points.synthetic import generate_tables, write_tables
from entry_points.training.data import check_no_forbidden_features, load_training_data


def test_target_and_ids_can_never_be_features() -> None:
    check_no_forbidden_features(["AMT_CREDIT", "EXT_SOURCE_2"])
    for leak in ("TARGET", "SK_ID_CURR", "SK_ID_BUREAU"):
        with pytest.raises(FeatureLeakError, match=leak):
            check_no_forbidden_features(["AMT_CREDIT", leak])


def test_the_history_built_by_buckets_reading_one_table_at_a_time_gives_the_same_features(
    tmp_path: Path,
) -> None:
    write_tables(generate_tables(0.002, 5), tmp_path)
    (tmp_path / f"{schema.CREDIT_CARD_BALANCE}.csv").unlink()  # an absent table stays absent both ways
    one_pass = load_training_data(tmp_path)
    by_buckets = load_training_data(tmp_path, buckets=4)
    pd.testing.assert_frame_equal(by_buckets.features.train, one_pass.features.train, check_exact=True)
    pd.testing.assert_frame_equal(
        by_buckets.features.production, one_pass.features.production, check_exact=True
    )
    pd.testing.assert_series_equal(by_buckets.features.target, one_pass.features.target)
    assert by_buckets.features.history_columns == one_pass.features.history_columns
    assert by_buckets.table_names == one_pass.table_names
    assert (
        schema.CREDIT_CARD_BALANCE not in by_buckets.table_names and schema.BUREAU in by_buckets.table_names
    )
    assert by_buckets.tables.bureau is None  # only the application tables stay loaded

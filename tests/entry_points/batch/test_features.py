"""The history features built on Spark by bucket equal the one-pass pandas build, cell for cell."""

from __future__ import annotations

import pandas as pd
import pytest

from custom_model.features.assemble import history_features
from custom_model.features.buckets import bucketed_history
from custom_model.io import Tables
from entry_points.batch.features import spark_history
from tests.support.history_data import all_clients, history_tables, with_a_shared_credit


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    return history_tables(tmp_path_factory.mktemp("spark_history") / "data")


def test_spark_by_bucket_equals_in_process_and_in_process_by_bucket(spark, generated: Tables) -> None:
    ids = all_clients(generated)
    one_pass = history_features(generated, ids=ids)
    on_spark = spark_history(spark, generated, ids, buckets=3)
    pd.testing.assert_frame_equal(on_spark, one_pass, check_exact=True)
    pd.testing.assert_frame_equal(bucketed_history(generated, ids, buckets=3), on_spark, check_exact=True)
    assert one_pass.isna().all(axis=1).any()  # clients without history are in the comparison


def test_a_credit_listed_under_several_clients_counts_for_each_on_spark(spark, generated: Tables) -> None:
    tables, ids = with_a_shared_credit(generated), all_clients(generated)
    pd.testing.assert_frame_equal(
        spark_history(spark, tables, ids, buckets=3), history_features(tables, ids=ids), check_exact=True
    )

"""History features by client bucket equal the one-pass build exactly (orphans, clients without history)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.features.assemble import HISTORY_DTYPE, history_features
from custom_model.features.buckets import bucketed_history, row_buckets, streamed_history
from custom_model.io import Tables
from tests.support.history_data import HAS_CLIENT, all_clients, history_tables, with_a_shared_credit

ID_CURR = schema.ID_CURR


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    return history_tables(tmp_path_factory.mktemp("bucket_data") / "data")


def test_the_data_has_orphans_and_clients_without_history(generated: Tables) -> None:
    ids = all_clients(generated)
    assert all((~generated.get(name)[ID_CURR].isin(ids)).any() for name in HAS_CLIENT)
    assert (~generated.bureau_balance[schema.ID_BUREAU].isin(generated.bureau[schema.ID_BUREAU])).any()
    assert history_features(generated, ids=ids).isna().all(axis=1).any()


@pytest.mark.parametrize("buckets", [1, 3, 7])
def test_bucketed_build_equals_the_one_pass_build_cell_for_cell(generated: Tables, buckets: int) -> None:
    ids = all_clients(generated)
    pd.testing.assert_frame_equal(
        bucketed_history(generated, ids, buckets=buckets),
        history_features(generated, ids=ids),
        check_exact=True,
    )


def test_a_client_set_gets_only_its_clients_in_the_order_asked(generated: Tables) -> None:
    ids = all_clients(generated)[::-5]
    built = bucketed_history(generated, ids, buckets=4)
    assert built.index.equals(ids)
    pd.testing.assert_frame_equal(built, history_features(generated, ids=ids), check_exact=True)


def test_every_row_goes_to_its_clients_bucket(generated: Tables) -> None:
    keyed = row_buckets(generated, 3)
    bureau = keyed[schema.BUREAU]
    assert np.array_equal(bureau.row, np.arange(len(generated.bureau)))
    assert np.array_equal(bureau.bucket, generated.bureau[ID_CURR].to_numpy() % 3)


def test_a_balance_row_goes_to_every_bucket_of_its_credits_clients_and_an_orphan_to_none() -> None:
    bureau = pd.DataFrame({ID_CURR: [4, 5, 6, 7], schema.ID_BUREAU: [10, 11, 10, 12]})
    balance = pd.DataFrame({schema.ID_BUREAU: [12, 10, 99, 11, 10]})
    keyed = row_buckets(
        Tables(application_train=None, application_test=None, bureau=bureau, bureau_balance=balance), 3
    )[schema.BUREAU_BALANCE]
    # credit 10 is listed under clients 4 (bucket 1) and 6 (bucket 0); credit 99 under nobody
    assert keyed.row.tolist() == [0, 1, 1, 3, 4, 4]
    assert keyed.bucket.tolist() == [1, 1, 0, 2, 1, 0]
    assert keyed.rows_of(0).tolist() == [1, 4] and keyed.rows_of(1).tolist() == [0, 1, 4]


def test_a_credit_listed_under_several_clients_counts_for_each_as_in_the_one_pass_build(
    generated: Tables,
) -> None:
    tables, ids = with_a_shared_credit(generated), all_clients(generated)
    pd.testing.assert_frame_equal(
        bucketed_history(tables, ids, buckets=5), history_features(tables, ids=ids), check_exact=True
    )


@pytest.mark.parametrize("absent", [None, schema.POS_CASH_BALANCE])
def test_reading_one_blocks_tables_at_a_time_gives_the_same_frame(
    generated: Tables, tmp_path, absent
) -> None:
    """The bounded-memory build reads the tables block by block (orphans, a shared credit, a table absent),
    and only the child tables: the folder here has no application table at all."""
    tables = with_a_shared_credit(generated)
    if absent is not None:
        tables = dataclasses.replace(tables, **{absent.lower(): None})
    for name in set(tables.present()) & set(schema.CHILD_TABLES):
        tables.get(name).to_parquet(tmp_path / f"{name}.parquet")
    ids = all_clients(generated)
    streamed = streamed_history(tmp_path, ids, buckets=4)
    pd.testing.assert_frame_equal(streamed, history_features(tables, ids=ids), check_exact=True)
    assert set(streamed.dtypes) == {np.dtype(HISTORY_DTYPE)}


def test_an_id_asked_twice_gets_its_row_twice_as_in_the_one_pass_build(generated: Tables) -> None:
    ids = all_clients(generated)
    twice = ids[:50].append(ids[:10])
    pd.testing.assert_frame_equal(
        bucketed_history(generated, twice, buckets=3),
        history_features(generated, ids=twice),
        check_exact=True,
    )

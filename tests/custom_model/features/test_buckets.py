"""History features by client bucket equal the one-pass build exactly (orphans, clients without history)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.features.assemble import history_features
from custom_model.features.buckets import bucketed_history, client_history, restrict
from custom_model.io import Tables
from tests.support.history_data import HAS_CLIENT, all_clients, history_tables

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


def test_a_client_set_gets_its_rows_in_the_order_asked(generated: Tables) -> None:
    ids = all_clients(generated)[::-5]
    pd.testing.assert_frame_equal(
        client_history(generated, ids), history_features(generated, ids=ids), check_exact=True
    )


def test_restrict_keeps_only_the_clients_rows_in_source_order(generated: Tables) -> None:
    ids = all_clients(generated)[:10]
    cut = restrict(generated, ids)
    assert cut.bureau[ID_CURR].isin(ids).all() and cut.bureau.index.is_monotonic_increasing
    assert cut.bureau_balance[schema.ID_BUREAU].isin(cut.bureau[schema.ID_BUREAU]).all()
    assert np.array_equal(cut.application_test[ID_CURR], generated.application_test[ID_CURR])

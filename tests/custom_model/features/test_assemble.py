"""Assembly: history alignment, training / production frames, the client snapshot, train/serve parity."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.errors import SchemaError
from custom_model.features.assemble import (
    build_features,
    client_snapshot,
    history_features,
    snapshot_features,
)
from custom_model.features.cross import CROSS_RATIOS
from custom_model.io import Tables, load_tables
from custom_model.preprocessing import FeaturePreprocessor

FORBIDDEN = {schema.TARGET, *schema.ID_COLUMNS, "index"}


@pytest.fixture(scope="module")
def linked(samples_dir) -> Tables:
    """The real samples (loaded by the real loader), child rows re-pointed at the sampled applicants.

    The 199-row samples do not share clients; rows are assigned round-robin to the first 150 train and the
    first 30 test applicants, so the others have no history at all.
    """
    tables = load_tables(samples_dir)
    train_ids = tables.application_train[schema.ID_CURR].to_numpy()[:150]
    test_ids = tables.application_test[schema.ID_CURR].to_numpy()[:30]
    owners = np.concatenate([train_ids, test_ids])

    def repoint(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out[schema.ID_CURR] = owners[np.arange(len(out)) % len(owners)]
        return out

    bureau = repoint(tables.bureau)
    balance = tables.bureau_balance.copy()
    credits = bureau[schema.ID_BUREAU].to_numpy()
    balance[schema.ID_BUREAU] = credits[np.arange(len(balance)) % 40]
    balance["MONTHS_BALANCE"] = -np.arange(len(balance)) // 40
    return dataclasses.replace(
        tables,
        bureau=bureau,
        bureau_balance=balance,
        previous_application=repoint(tables.previous_application),
        pos_cash_balance=repoint(tables.pos_cash_balance),
        installments_payments=repoint(tables.installments_payments),
        credit_card_balance=repoint(tables.credit_card_balance),
    )


@pytest.fixture(scope="module")
def built(linked):
    features = build_features(linked)
    preprocessor = FeaturePreprocessor().fit(features.train)
    return features, preprocessor


def test_training_and_production_frames(linked, built):
    features, _ = built
    assert features.train.index.equals(
        pd.Index(linked.application_train[schema.ID_CURR], name=schema.ID_CURR)
    )
    assert features.production.index.equals(
        pd.Index(linked.application_test[schema.ID_CURR], name=schema.ID_CURR)
    )
    assert features.target.tolist() == linked.application_train[schema.TARGET].tolist()
    assert list(features.train.columns) == list(features.production.columns)
    assert not FORBIDDEN & set(features.train.columns)
    numeric = features.train.select_dtypes("number").to_numpy()
    assert not np.isinf(numeric).any()


def test_every_cross_table_ratio_is_built_from_all_tables(built):
    features, _ = built
    assert list(features.train.columns[-len(CROSS_RATIOS) :]) == list(CROSS_RATIOS)
    for name, (history, application) in CROSS_RATIOS.items():
        both = features.train[history].notna() & features.train[application].fillna(0).ne(0)
        assert features.train[name].notna().equals(both), name  # known exactly where both inputs are
    assert features.train["BURO_DEBT_TO_INCOME"].notna().sum() > 100


def test_clients_without_history_are_missing_not_zero(linked, built):
    features, _ = built
    lonely = linked.application_train[schema.ID_CURR].iloc[-1]  # beyond the first 150: no child rows
    prefixes = {"BURO", "ACTIVE", "CLOSED", "PREV", "APPROVED", "REFUSED", "POS", "INSTAL", "CC"}
    history = [c for c in features.train.columns if c.split("_")[0] in prefixes]
    assert len(history) > 500
    assert features.train.loc[lonely, history].isna().all()
    busy = linked.application_train[schema.ID_CURR].iloc[0]
    assert features.train.loc[busy, "PREV_COUNT"] >= 1


def test_history_columns_depend_on_the_source_tables_not_the_data(linked):
    full = history_features(linked)
    half = dataclasses.replace(
        linked,
        bureau=linked.bureau.iloc[:5],
        previous_application=linked.previous_application.iloc[:3],
        credit_card_balance=linked.credit_card_balance.iloc[:0],
    )
    assert list(history_features(half).columns) == list(full.columns)
    without = dataclasses.replace(linked, credit_card_balance=None, bureau_balance=None)
    columns = history_features(without).columns
    assert not any(c.startswith(("CC_", "BURO_STATUS_", "BURO_MONTHS_BALANCE")) for c in columns)
    none = Tables(linked.application_train, linked.application_test)
    assert history_features(none, ids=pd.Index([1, 2])).shape == (2, 0)


def test_history_rows_follow_ids(linked):
    ids = pd.Index([999_999_999, linked.application_train[schema.ID_CURR].iloc[0]])
    history = history_features(linked, ids=ids)
    assert history.index.tolist() == ids.tolist()
    assert history.iloc[0].isna().all()


def test_duplicate_clients_are_refused(linked):
    app = linked.application_train
    doubled = dataclasses.replace(linked, application_train=pd.concat([app, app.iloc[[0]]]))
    with pytest.raises(SchemaError, match="SK_ID_CURR must be unique"):
        build_features(doubled)


def test_target_and_identifiers_are_never_features(built):
    features, preprocessor = built
    names = set(preprocessor.feature_names_)
    assert not FORBIDDEN & names
    assert not any(name.startswith(("SK_ID", "TARGET")) for name in names)
    with_target = features.train.assign(TARGET=features.target, SK_ID_PREV=1)
    assert FeaturePreprocessor().fit(with_target).feature_names_ == preprocessor.feature_names_


def test_train_serve_parity_through_parquet_snapshot(linked, built, tmp_path):
    """Clients scored alone (raw JSON row + snapshot) equal their rows in the batch build, column for column.

    Every 4th training client: positions 0–148 have history, 152–196 have none.
    """
    features, preprocessor = built
    batch = preprocessor.transform(features.train)
    path = tmp_path / "client_snapshot.parquet"
    client_snapshot(linked, ids=features.train.index).to_parquet(path)
    snapshot = pd.read_parquet(path)
    assert snapshot.index.name == schema.ID_CURR
    raw = linked.application_train.drop(columns=[schema.TARGET])
    for position in range(0, len(raw), 4):
        record = raw.iloc[position].astype(object).where(raw.iloc[position].notna(), None).to_dict()
        request = pd.DataFrame.from_records([json.loads(json.dumps(record, default=float))])
        alone = preprocessor.transform(snapshot_features(snapshot, request))
        expected = batch.iloc[[position]]
        assert alone.index.tolist() == expected.index.tolist()
        np.testing.assert_array_equal(alone.to_numpy(), expected.to_numpy(), err_msg=str(expected.index[0]))


def test_snapshot_ids_only_and_unknown_client(linked, built):
    features, preprocessor = built
    snapshot = client_snapshot(linked)  # production clients by default
    assert snapshot.index.equals(features.production.index)
    ids = features.production.index[[0, 5]]
    only_ids = snapshot_features(snapshot, pd.DataFrame({schema.ID_CURR: ids}))
    np.testing.assert_array_equal(
        preprocessor.transform(only_ids).to_numpy(),
        preprocessor.transform(features.production.loc[ids]).to_numpy(),
    )
    stranger = {
        "SK_ID_CURR": 1,
        "AMT_CREDIT": 1000.0,
        "AMT_ANNUITY": 100.0,
        "NAME_CONTRACT_TYPE": "Cash loans",
    }
    row = snapshot_features(snapshot, pd.DataFrame([stranger]))
    assert row.loc[1, "PAYMENT_RATE"] == pytest.approx(0.1)
    assert row.loc[1, [c for c in row.columns if c.startswith("PREV_")]].isna().all()
    assert np.isnan(row.loc[1, "AMT_INCOME_TOTAL"])
    twice = snapshot_features(snapshot, pd.DataFrame({schema.ID_CURR: [ids[0], ids[0]]}))
    assert twice.index.tolist() == [ids[0], ids[0]]
    pd.testing.assert_series_equal(twice.iloc[0], twice.iloc[1])


def test_request_fields_override_snapshot_but_nulls_do_not(linked, built):
    features, _ = built
    snapshot = client_snapshot(linked)
    client = features.production.index[0]
    request = pd.DataFrame([{"SK_ID_CURR": client, "AMT_CREDIT": 1.0, "AMT_ANNUITY": None}])
    row = snapshot_features(snapshot, request).loc[client]
    assert row["AMT_CREDIT"] == 1.0
    assert row["AMT_ANNUITY"] == features.production.loc[client, "AMT_ANNUITY"]


def test_request_without_id_is_refused(linked):
    with pytest.raises(SchemaError, match="SK_ID_CURR"):
        snapshot_features(client_snapshot(linked), pd.DataFrame([{"AMT_CREDIT": 1.0}]))


def test_the_snapshot_from_the_built_features_equals_a_fresh_build(linked, built):
    """Training bundles the history it already built; it must be the very frame a second build gives."""
    features, _ = built
    ids = features.production.index[::3].append(features.train.index[::7])
    pd.testing.assert_frame_equal(
        client_snapshot(linked, ids=ids, features=features),
        client_snapshot(linked, ids=ids),
        check_exact=True,
    )
    assert len(features.history_columns) > 0

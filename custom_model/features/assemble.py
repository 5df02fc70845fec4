"""Assemble per-client features for training (batch) and serving (client snapshot), from one code path.

Training: `build_features(tables)` → `FeatureSet(train, target, production)`.
Serving: `client_snapshot(tables)` is written next to the model as parquet (``snapshot.to_parquet(path)``);
the pyfunc reads it once in ``load_context`` with ``pd.read_parquet(path)`` (the SK_ID_CURR index is restored
from the parquet metadata: O(1) hash lookups) and calls `snapshot_features(snapshot, request)` per request,
then ``preprocessor.transform``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.errors import SchemaError
from custom_model.features.application import RAW_COLUMNS, application_features
from custom_model.features.bureau import bureau_features
from custom_model.features.credit_card import credit_card_features
from custom_model.features.cross import with_cross_features
from custom_model.features.installments import installments_features
from custom_model.features.pos_cash import pos_cash_features
from custom_model.features.previous import previous_features
from custom_model.io import Tables

logger = logging.getLogger(__name__)
ID_CURR = schema.ID_CURR
#: Storage type of the history features, whichever way they are built (one pass, by buckets, on Spark). Every
#: consumer reads them as float32: the model input (`FeaturePreprocessor`), the client snapshot and the
#: cross-table ratios (`cross_features` rounds the history side to float32 first). Stored as float32 they are
#: the same model input, bit for bit, at half the memory (the history is ~1.9 GB in float64 at the real size).
HISTORY_DTYPE = np.float32

#: One entry per history block: (source table, function of the tables; None when the source lacks the table).
HISTORY_BLOCKS: tuple[tuple[str, Callable[[Tables], pd.DataFrame | None]], ...] = (
    (
        schema.BUREAU,
        lambda t: None if t.bureau is None else bureau_features(t.bureau, t.bureau_balance),
    ),
    (
        schema.PREVIOUS_APPLICATION,
        lambda t: None if t.previous_application is None else previous_features(t.previous_application),
    ),
    (
        schema.POS_CASH_BALANCE,
        lambda t: None if t.pos_cash_balance is None else pos_cash_features(t.pos_cash_balance),
    ),
    (
        schema.INSTALLMENTS_PAYMENTS,
        lambda t: None if t.installments_payments is None else installments_features(t.installments_payments),
    ),
    (
        schema.CREDIT_CARD_BALANCE,
        lambda t: None if t.credit_card_balance is None else credit_card_features(t.credit_card_balance),
    ),
)


@dataclass(frozen=True)
class FeatureSet:
    """Training clients' features and TARGET, and the production (application_test) clients' features."""

    train: pd.DataFrame
    target: pd.Series
    production: pd.DataFrame
    #: The history feature columns among them (what `client_snapshot` bundles beside the raw fields).
    history_columns: tuple[str, ...] = ()

    def history(self, ids: pd.Index) -> pd.DataFrame:
        """History features of ``ids`` (training or production clients) as built, without a second build."""
        index, columns = client_index(ids), list(self.history_columns)
        # only the asked rows are copied (all clients' history is ~1 GB at the real size); a client in both
        # application tables has the same history in each
        found = pd.concat(
            [f.loc[f.index.intersection(index), columns] for f in (self.train, self.production)]
        )
        return found[~found.index.duplicated()].reindex(index)


def client_index(ids: object) -> pd.Index:
    """Return ``ids`` as an int64 index named SK_ID_CURR."""
    return pd.Index(np.asarray(ids, dtype=np.int64), name=ID_CURR)


def history_features(tables: Tables, ids: pd.Index | None = None) -> pd.DataFrame:
    """Return every child-table aggregate side by side, one row per client (index SK_ID_CURR).

    With ``ids`` the rows are exactly ``ids`` (clients without history: all missing); without, the clients
    found in any child table. Absent child tables contribute no columns: the column set is fixed per source.
    """
    blocks = []
    for name, build in HISTORY_BLOCKS:
        started = time.perf_counter()
        block = build(tables)
        if block is not None:
            blocks.append(block)
            logger.info(
                "%s: %d clients x %d features in %.1f s", name, *block.shape, time.perf_counter() - started
            )
    if ids is None:
        index = client_index([]) if not blocks else blocks[0].index
        for block in blocks[1:]:
            index = index.union(block.index)
        index = client_index(index)
    else:
        index = client_index(ids)
    aligned = [block.astype(HISTORY_DTYPE).reindex(index) for block in blocks]  # converted before widened
    result = pd.concat(aligned, axis=1) if aligned else pd.DataFrame(index=index)
    result.index.name = ID_CURR
    return result


def build_features(tables: Tables, *, history: pd.DataFrame | None = None) -> FeatureSet:
    """Return the training frame (application_train clients, TARGET apart) and the production frame.

    Columns: application features (text categoricals still text, for `FeaturePreprocessor`), history, then
    the cross-table ratios (`custom_model.features.cross`).
    """
    train_app = _unique_clients(tables.application_train, schema.APPLICATION_TRAIN)
    test_app = _unique_clients(tables.application_test, schema.APPLICATION_TEST)
    if schema.TARGET not in train_app.columns:
        raise SchemaError(f"{schema.APPLICATION_TRAIN}.csv: missing column TARGET")
    train = application_features(train_app)
    production = application_features(test_app)
    if history is None:  # else built already (by client buckets) from the same tables
        history = history_features(tables, ids=train.index.append(production.index))
    target = pd.Series(train_app[schema.TARGET].to_numpy(), index=train.index, name=schema.TARGET)
    return FeatureSet(
        train=with_cross_features(pd.concat([train, history.reindex(train.index)], axis=1)),
        target=target.astype(np.int64),
        production=with_cross_features(pd.concat([production, history.reindex(production.index)], axis=1)),
        history_columns=tuple(history.columns),
    )


def client_snapshot(
    tables: Tables, ids: pd.Index | None = None, *, features: FeatureSet | None = None
) -> pd.DataFrame:
    """Return raw application fields + history features of ``ids`` (default: application_test clients).

    Index SK_ID_CURR; columns RAW_COLUMNS (as in the source) then the history features (`HISTORY_DTYPE`).
    Clients found in application_train are looked up there too, so any known client can be bundled.
    ``features``, the `build_features` of the same tables, gives the history already built instead of
    building it again.
    """
    apps = pd.concat(
        [
            tables.application_test[[ID_CURR, *RAW_COLUMNS]],
            tables.application_train[[ID_CURR, *RAW_COLUMNS]],
        ],
        ignore_index=True,
    ).drop_duplicates(ID_CURR)
    index = client_index(tables.application_test[ID_CURR] if ids is None else ids)
    raw = apps.set_index(ID_CURR).reindex(index)
    history = history_features(tables, ids=index) if features is None else features.history(index)
    snapshot = pd.concat([raw, history.astype(HISTORY_DTYPE, copy=False)], axis=1)
    snapshot.index.name = ID_CURR
    return snapshot


def snapshot_features(snapshot: pd.DataFrame, request: pd.DataFrame) -> pd.DataFrame:
    """Return the feature rows (same columns as training) of the clients of ``request``, in request order.

    ``request`` holds SK_ID_CURR and optionally raw application fields. History always comes from the
    snapshot (all missing for an unknown client). Application fields: a non-null value in the request wins,
    otherwise the snapshot's value is used (missing for an unknown client).
    """
    if ID_CURR not in request.columns:
        raise SchemaError(f"request: column SK_ID_CURR is required; got columns {list(request.columns)}")
    index = client_index(request[ID_CURR])
    rows = snapshot.reindex(index)
    raw = rows[list(RAW_COLUMNS)]
    sent = [c for c in RAW_COLUMNS if c in request.columns]
    if sent:
        values = raw.to_numpy(dtype=object)
        positions = [RAW_COLUMNS.index(c) for c in sent]
        request_values = request[sent].to_numpy(dtype=object)
        present = request[sent].notna().to_numpy()
        values[:, positions] = np.where(present, request_values, values[:, positions])
        raw = pd.DataFrame(values, index=index, columns=list(RAW_COLUMNS))
    features = application_features(raw)
    history = rows.drop(columns=list(RAW_COLUMNS))
    return with_cross_features(pd.concat([features, history], axis=1))


def _unique_clients(app: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``app`` after checking that SK_ID_CURR is present and unique."""
    if ID_CURR not in app.columns:
        raise SchemaError(f"{table}.csv: missing column SK_ID_CURR")
    duplicated = app[ID_CURR][app[ID_CURR].duplicated()]
    if not duplicated.empty:
        raise SchemaError(
            f"{table}.csv: SK_ID_CURR must be unique; got duplicates {duplicated.head(5).tolist()}"
        )
    return app

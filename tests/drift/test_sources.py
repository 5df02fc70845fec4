"""Drift data sources: the prediction log written by the real writer, the importance table."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from custom_model.errors import DataSourceError, SchemaError
from custom_model.prediction_log import EventBatch, PredictionLog
from drift.sources import check_importance, read_prediction_log, top_features

NOW = datetime(2026, 11, 22, 12, 0, 0)


def _batch(
    when: datetime, ids: list[int], probabilities: list[float], errors: list[str | None]
) -> EventBatch:
    n = len(ids)
    return EventBatch(
        timestamp=when,
        model_name="credit-scoring",
        model_version="7",
        threshold=0.4,
        latency_ms=3.0,
        ids=np.array(ids, dtype=np.int64),
        is_raw=np.zeros(n, dtype=bool),
        probabilities=np.array(probabilities, dtype=float),
        decisions=["refused" if p >= 0.4 else "accepted" for p in probabilities],
        errors=errors,
        feature_names=["EXT_SOURCE_3", "AMT_CREDIT"],
        feature_values=np.array([[0.1 * i, np.nan if i == 1 else 1000.0 * i] for i in range(n)]),
    )


@pytest.fixture
def log_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'predictions.db'}"
    writer = PredictionLog(url)
    writer.record(_batch(NOW - timedelta(days=40), [1, 2], [0.9, 0.8], [None, None]))
    writer.record(
        _batch(NOW - timedelta(days=2), [10, 11, 12], [0.2, 0.5, float("nan")], [None, None, "unknown"])
    )
    writer.record(_batch(NOW - timedelta(hours=1), [13], [0.3], [None]))
    writer.close()
    assert writer.written_events == 6 and writer.failed_events == 0
    return url


def test_prediction_log_window_keeps_recent_scored_events_only(log_url: str) -> None:
    frame = read_prediction_log(log_url, window_days=30, now=NOW)
    # the 40-day-old events are outside the window; the errored row has no score
    assert frame.index.tolist() == [10, 11, 13]
    assert frame.index.name == "SK_ID_CURR"
    assert frame["probability_default"].tolist() == [0.2, 0.5, 0.3]
    assert frame["EXT_SOURCE_3"].tolist() == pytest.approx([0.0, 0.1, 0.0])
    assert np.isnan(frame.loc[11, "AMT_CREDIT"])
    assert frame.attrs["model_versions"] == {"7": 3}


def test_empty_window_is_a_clear_error(log_url: str) -> None:
    with pytest.raises(DataSourceError, match="no scored event since 2026-11-22 11:30 UTC"):
        read_prediction_log(log_url, window_days=0.5 / 24, now=NOW)


def test_missing_table_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DataSourceError, match="no table prediction_events"):
        read_prediction_log(f"sqlite:///{tmp_path / 'empty.db'}", window_days=30)


def test_top_features_skip_unused_features_and_keep_labels() -> None:
    table = pd.DataFrame(
        {
            "feature": ["A", "B", "C", "D"],
            "label": ["Alpha", None, "Gamma", "Delta"],
            "mean_abs_contribution": [0.1, 0.5, 0.0, 0.3],
        }
    )
    names, labels = top_features(check_importance(table, "x.csv"), 3)
    assert names == ["B", "D", "A"]
    assert labels == {"B": "B", "D": "Delta", "A": "Alpha"}
    with pytest.raises(SchemaError, match=r"x.csv: missing column\(s\) \['label'\]"):
        check_importance(table.drop(columns="label"), "x.csv")

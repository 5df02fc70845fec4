"""application_features: hand-computed ratios, the 365243 sentinel, division by zero, JSON rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custom_model.errors import SchemaError
from custom_model.features.application import (
    CATEGORICAL_COLUMNS,
    DERIVED_COLUMNS,
    RAW_COLUMNS,
    application_features,
)


def test_kernel_ratios_and_extras_are_hand_computed(application_factory):
    app = application_factory([{"SK_ID_CURR": 1}])
    row = application_features(app).loc[1]
    # income 100k, credit 200k, annuity 10k, goods 180k, 2 family members, born -10000, employed -2000.
    assert row["DAYS_EMPLOYED_PERC"] == pytest.approx(0.2)
    assert row["INCOME_CREDIT_PERC"] == pytest.approx(0.5)
    assert row["INCOME_PER_PERSON"] == pytest.approx(50_000.0)
    assert row["ANNUITY_INCOME_PERC"] == pytest.approx(0.1)
    assert row["PAYMENT_RATE"] == pytest.approx(0.05)
    assert row["CREDIT_TO_GOODS_RATIO"] == pytest.approx(200 / 180)
    assert row["CREDIT_TO_ANNUITY_RATIO"] == pytest.approx(20.0)
    # EXT_SOURCE 0.2 / 0.4 / 0.6: sample std = sqrt((0.04 + 0 + 0.04) / 2) = 0.2.
    assert row["EXT_SOURCES_MEAN"] == pytest.approx(0.4)
    assert row["EXT_SOURCES_STD"] == pytest.approx(0.2)
    assert row["EXT_SOURCES_PROD"] == pytest.approx(0.048)
    assert (row["EXT_SOURCES_MIN"], row["EXT_SOURCES_MAX"]) == pytest.approx((0.2, 0.6))
    assert row["DOCUMENT_COUNT"] == 1.0


def test_missing_ext_source_skipped_by_mean_std_but_product_missing(application_factory):
    row = application_features(application_factory([{"SK_ID_CURR": 1, "EXT_SOURCE_1": np.nan}])).loc[1]
    assert row["EXT_SOURCES_MEAN"] == pytest.approx(0.5)
    assert row["EXT_SOURCES_STD"] == pytest.approx(np.sqrt(0.02))
    assert np.isnan(row["EXT_SOURCES_PROD"])
    one = application_features(
        application_factory([{"SK_ID_CURR": 2, "EXT_SOURCE_1": np.nan, "EXT_SOURCE_2": np.nan}])
    ).loc[2]
    assert one["EXT_SOURCES_MEAN"] == pytest.approx(0.6)
    assert np.isnan(one["EXT_SOURCES_STD"])


def test_days_employed_sentinel_becomes_missing(application_factory):
    out = application_features(application_factory([{"SK_ID_CURR": 1, "DAYS_EMPLOYED": 365243}]))
    assert np.isnan(out.loc[1, "DAYS_EMPLOYED"])
    assert np.isnan(out.loc[1, "DAYS_EMPLOYED_PERC"])


def test_division_by_zero_gives_missing_not_inf(application_factory):
    app = application_factory(
        [
            {
                "SK_ID_CURR": 1,
                "AMT_CREDIT": 0.0,
                "CNT_FAM_MEMBERS": 0.0,
                "AMT_ANNUITY": 0.0,
                "AMT_GOODS_PRICE": 0.0,
            }
        ]
    )
    out = application_features(app)
    zero_denominators = (
        "INCOME_CREDIT_PERC",
        "PAYMENT_RATE",
        "INCOME_PER_PERSON",
        "CREDIT_TO_ANNUITY_RATIO",
        "CREDIT_TO_GOODS_RATIO",
    )
    for column in zero_denominators:
        assert np.isnan(out.loc[1, column]), column
    numeric = out.select_dtypes("number").to_numpy()
    assert not np.isinf(numeric).any()


def test_output_layout_index_no_target_and_yes_no_flags(application_factory):
    app = application_factory(
        [
            {"SK_ID_CURR": 7, "TARGET": 1, "FLAG_OWN_CAR": "Y", "FLAG_OWN_REALTY": "N"},
            {"SK_ID_CURR": 3, "TARGET": 0, "FLAG_OWN_CAR": "N", "FLAG_OWN_REALTY": None},
        ]
    )
    out = application_features(app)
    assert out.index.name == "SK_ID_CURR"
    assert out.index.tolist() == [7, 3]
    assert list(out.columns) == [*RAW_COLUMNS, *DERIVED_COLUMNS]
    assert "TARGET" not in out.columns and "SK_ID_CURR" not in out.columns
    assert out["FLAG_OWN_CAR"].tolist() == [1.0, 0.0]
    assert out.loc[7, "FLAG_OWN_REALTY"] == 0.0 and np.isnan(out.loc[3, "FLAG_OWN_REALTY"])
    for column in CATEGORICAL_COLUMNS:
        assert out[column].dtype == object, column


def test_json_row_gives_the_batch_values(application_factory):
    app = application_factory(
        [
            {"SK_ID_CURR": 1, "NAME_TYPE_SUITE": "Spouse, partner", "DAYS_EMPLOYED": 365243},
            {"SK_ID_CURR": 2, "AMT_CREDIT": 123_456.0, "OCCUPATION_TYPE": None},
        ],
        train=False,
    )
    batch = application_features(app)
    # JSON turns ints into numbers, NaN into null and keeps text as str.
    records = json.loads(app.iloc[[1]].to_json(orient="records"))
    alone = application_features(pd.DataFrame.from_records(records))
    pd.testing.assert_frame_equal(alone, batch.iloc[[1]], check_dtype=False)


def test_input_is_not_mutated(application_factory):
    app = application_factory([{"SK_ID_CURR": 1, "DAYS_EMPLOYED": 365243}])
    before = app.copy()
    application_features(app)
    pd.testing.assert_frame_equal(app, before)


def test_missing_column_and_bad_number_are_named(application_factory):
    app = application_factory([{"SK_ID_CURR": 1}])
    with pytest.raises(SchemaError, match="EXT_SOURCE_2"):
        application_features(app.drop(columns=["EXT_SOURCE_2"]))
    bad = app.astype({"AMT_CREDIT": object})
    bad.loc[0, "AMT_CREDIT"] = "abc"
    with pytest.raises(SchemaError, match=r"AMT_CREDIT.*'abc'"):
        application_features(bad)

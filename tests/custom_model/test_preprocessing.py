"""FeaturePreprocessor: explicit levels, fixed safe column list, unseen categories, errors, pickling."""

from __future__ import annotations

import pickle

import cloudpickle
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from custom_model.errors import SchemaError
from custom_model.preprocessing import FeaturePreprocessor, sanitize_names


@pytest.fixture
def train() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "AMT_CREDIT": [100.0, 200.0, np.inf],
            "NAME_TYPE_SUITE": ["Spouse, partner", "Family", None],
            "ORGANIZATION_TYPE": ["Industry: type 1", "Industry: type 1", "Bank"],
            "CNT_CHILDREN": [0, 1, 2],
            "TARGET": [0, 1, 0],
        },
        index=pd.Index([10, 11, 12], name="SK_ID_CURR"),
    )


def test_fit_learns_sorted_levels_and_safe_names(train):
    pre = FeaturePreprocessor().fit(train)
    assert pre.categories_ == {
        "NAME_TYPE_SUITE": ("Family", "Spouse, partner"),
        "ORGANIZATION_TYPE": ("Bank", "Industry: type 1"),
    }
    assert pre.feature_names_ == (
        "AMT_CREDIT",
        "NAME_TYPE_SUITE_Family",
        "NAME_TYPE_SUITE_Spouse_partner",
        "ORGANIZATION_TYPE_Bank",
        "ORGANIZATION_TYPE_Industry_type_1",
        "CNT_CHILDREN",
    )
    assert pre.feature_labels_["NAME_TYPE_SUITE_Spouse_partner"] == "NAME_TYPE_SUITE = Spouse, partner"
    assert pre.feature_labels_["AMT_CREDIT"] == "AMT_CREDIT"
    assert list(pre.get_feature_names_out()) == list(pre.feature_names_)


def test_levels_do_not_depend_on_row_order(train):
    forward = FeaturePreprocessor().fit(train)
    backward = FeaturePreprocessor().fit(train.iloc[::-1])
    assert forward.feature_names_ == backward.feature_names_
    assert forward.categories_ == backward.categories_


def test_transform_values_inf_and_target_excluded(train):
    pre = FeaturePreprocessor().fit(train)
    out = pre.transform(train)
    assert list(out.columns) == list(pre.feature_names_)
    assert "TARGET" not in out.columns
    assert out.dtypes.unique().tolist() == [np.dtype("float32")]
    assert out.index.equals(train.index)
    np.testing.assert_array_equal(
        out.to_numpy(),
        np.array(
            [
                [100.0, 0, 1, 0, 1, 0],
                [200.0, 1, 0, 0, 1, 1],
                [np.nan, 0, 0, 1, 0, 2],  # inf → NaN, missing suite → all-zero dummies
            ],
            dtype=np.float32,
        ),
    )


def test_unseen_category_gives_zero_dummies_and_column_order_is_fixed(train):
    pre = FeaturePreprocessor().fit(train)
    serving = pd.DataFrame(
        [
            {
                "CNT_CHILDREN": 3.0,
                "ORGANIZATION_TYPE": "Military",
                "NAME_TYPE_SUITE": "Family",
                "AMT_CREDIT": 5.0,
                "EXTRA": "ignored",
            }
        ]
    )
    out = pre.transform(serving)
    assert list(out.columns) == list(pre.feature_names_)
    np.testing.assert_array_equal(out.to_numpy()[0], np.array([5.0, 1, 0, 0, 0, 3.0], dtype=np.float32))


def test_missing_column_and_non_numeric_value_are_named(train):
    pre = FeaturePreprocessor().fit(train)
    with pytest.raises(SchemaError, match="ORGANIZATION_TYPE"):
        pre.transform(train.drop(columns=["ORGANIZATION_TYPE"]))
    bad = train.astype({"AMT_CREDIT": object})
    bad.loc[11, "AMT_CREDIT"] = "lots"
    with pytest.raises(SchemaError, match=r"AMT_CREDIT.*'lots'.*11"):
        pre.transform(bad)


def test_identifiers_are_never_features():
    frame = pd.DataFrame(
        {"SK_ID_CURR": [1], "SK_ID_PREV": [2], "SK_ID_BUREAU": [3], "TARGET": [1], "X": [0.5]}
    )
    assert FeaturePreprocessor().fit(frame).feature_names_ == ("X",)


def test_sanitised_names_never_collide():
    assert sanitize_names(["A B", "A_B", "A:B", "é"]) == ["A_B", "A_B_2", "A_B_3", "feature"]
    frame = pd.DataFrame({"A B": [1.0], "A_B": [2.0], "C": ["x y"], "C_x": [3.0]})
    pre = FeaturePreprocessor().fit(frame)
    assert pre.feature_names_ == ("A_B", "A_B_2", "C_x_y", "C_x")
    assert len(set(pre.feature_names_)) == len(pre.feature_names_)


def test_pickle_cloudpickle_and_clone(train):
    pre = FeaturePreprocessor().fit(train)
    expected = pre.transform(train)
    for dumps, loads in ((pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)):
        pd.testing.assert_frame_equal(loads(dumps(pre)).transform(train), expected)
    fresh = clone(pre)
    assert fresh.get_params() == {"categorical_columns": None, "dtype": "float32"}
    with pytest.raises(NotFittedError):
        fresh.transform(train)


def test_explicit_categorical_columns_and_float64(train):
    pre = FeaturePreprocessor(categorical_columns=["ORGANIZATION_TYPE"], dtype="float64")
    with pytest.raises(SchemaError, match="NAME_TYPE_SUITE"):
        pre.fit(train).transform(train)  # a text column declared numeric cannot be converted
    frame = train.drop(columns=["NAME_TYPE_SUITE"])
    out = pre.fit(frame).transform(frame)
    assert out.dtypes.unique().tolist() == [np.dtype("float64")]


def test_selection_narrows_the_output_in_fitted_order_and_keeps_the_full_one(train):
    full = FeaturePreprocessor().fit(train)
    kept = full.select(["CNT_CHILDREN", "NAME_TYPE_SUITE_Family"])  # asked out of order
    assert kept.feature_names_ == ("NAME_TYPE_SUITE_Family", "CNT_CHILDREN")
    assert kept.feature_labels_ == {
        "NAME_TYPE_SUITE_Family": "NAME_TYPE_SUITE = Family",
        "CNT_CHILDREN": "CNT_CHILDREN",
    }
    out = kept.transform(train)
    assert list(out.columns) == ["NAME_TYPE_SUITE_Family", "CNT_CHILDREN"]
    assert out["NAME_TYPE_SUITE_Family"].tolist() == [0.0, 1.0, 0.0]
    assert out["CNT_CHILDREN"].tolist() == [0.0, 1.0, 2.0]
    assert len(full.transform(train).columns) == 6  # the original is untouched
    with pytest.raises(SchemaError, match="unknown feature"):
        full.select(["NO_SUCH_FEATURE"])
    with pytest.raises(SchemaError, match="missing input column"):
        kept.transform(train.drop(columns=["AMT_CREDIT"]))  # every input is still required
    assert pickle.loads(cloudpickle.dumps(kept)).transform(train).equals(out)

"""Feature labels: hand-written columns, one-hot dummies, aggregates, fallbacks, one wording everywhere.

Expected sentences are written by hand from COLUMN_LABELS / PREFIX_LABELS and the `<TABLE>_<COLUMN>_<STAT>`
naming of the feature code; the last test reads them from a real trained model's artifacts and its answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from custom_model.contract import Artifact
from custom_model.features.cross import CROSS_RATIOS
from custom_model.labels import COLUMN_LABELS, feature_label, model_feature_labels
from custom_model.preprocessing import FeaturePreprocessor
from tests.support.tiny_model import TinyModel


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("DAYS_BIRTH", "Age (days before application)"),
        ("CNT_CHILDREN", "Number of children"),
        ("ANNUITY_INCOME_PERC", "Annuity / income"),
    ],
)
def test_a_hand_written_column_reads_as_written(name: str, label: str) -> None:
    assert feature_label(name) == label


def test_the_preprocessors_one_hot_dummies_keep_their_level_as_written() -> None:
    frame = pd.DataFrame(
        {
            "AMT_CREDIT": [1.0, 2.0, 3.0],
            "NAME_TYPE_SUITE": ["Spouse, partner", "Other_A", "Spouse, partner"],
            "NAME_FAMILY_STATUS": ["Single / not married", "Married", "Married"],
        }
    )
    pre = FeaturePreprocessor().fit(frame)
    names = list(pre.feature_names_)
    assert names == [
        "AMT_CREDIT",
        "NAME_TYPE_SUITE_Other_A",
        "NAME_TYPE_SUITE_Spouse_partner",
        "NAME_FAMILY_STATUS_Married",
        "NAME_FAMILY_STATUS_Single_not_married",
    ]
    assert model_feature_labels(names, pre.feature_labels_) == [
        "Credit amount",
        "Accompanied by: Other_A",
        "Accompanied by: Spouse, partner",
        "Family status: Married",
        "Family status: Single / not married",
    ]
    # the sanitised name alone lost the comma and the slash: labels go through the readable name
    assert feature_label("NAME_FAMILY_STATUS_Single_not_married") == "Family status: Single not married"


def test_a_name_the_preprocessor_does_not_know_is_labelled_from_itself() -> None:
    assert model_feature_labels(["PAYMENT_RATE", "CODE_GENDER_F"], {}) == [
        "Annuity / credit amount",
        "Gender: F",
    ]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("BURO_DAYS_CREDIT_MEAN", "Credit bureau: days since credit opened (mean over credits)"),
        (
            "CLOSED_DAYS_CREDIT_ENDDATE_MIN",
            "Credit bureau, closed credits: days until planned end (lowest over credits)",
        ),
        ("PREV_AMT_APPLICATION_MAX", "Previous applications: amount asked (highest over applications)"),
        (
            "APPROVED_CNT_PAYMENT_MEAN",
            "Previous applications, approved: number of payments (mean over applications)",
        ),
        (
            "POS_SK_DPD_DEF_MAX",
            "Point-of-sale and cash loans: days past due (material debts) (highest over months)",
        ),
        ("CC_COUNT", "Credit card: number of months"),
        (
            "REFUSED_APP_CREDIT_PERC_VAR",
            "Previous applications, refused: amount asked / amount granted (variance over applications)",
        ),
    ],
)
def test_an_aggregate_names_its_table_its_column_and_its_statistic(name: str, label: str) -> None:
    assert feature_label(name) == label


@pytest.mark.parametrize(
    ("name", "label"),
    [
        # bureau_balance is summarised per credit (months counted), then averaged over the credits
        ("BURO_MONTHS_BALANCE_SIZE_MEAN", "Credit bureau: months of history, count (mean over credits)"),
        ("BURO_MONTHS_BALANCE_SIZE_SUM", "Credit bureau: months of history, count (total over credits)"),
        # share of months with status 1 on each credit, averaged over credits
        ("BURO_STATUS_1_MEAN_MEAN", "Credit bureau: share with monthly status: 1 (mean over credits)"),
    ],
)
def test_a_per_credit_statistic_inside_an_aggregate_is_spelt_out(name: str, label: str) -> None:
    assert feature_label(name) == label


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("APARTMENTS_AVG", "Apartments avg"),
        ("FLAG_DOCUMENT_3", "Flag document 3"),
        ("BRAND__NEW___SIGNAL", "Brand new signal"),
        ("BURO_SOMETHING_ODD", "Credit bureau: something odd"),
        ("INSTAL_UNHEARD_OF_MEAN", "Instalment payments: unheard of (mean over payments)"),
        ("NEW_FLAG = yes", "New flag: yes"),
    ],
)
def test_an_unknown_name_falls_back_to_readable_text_not_an_error(name: str, label: str) -> None:
    assert feature_label(name) == label


def _served(tiny: TinyModel) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The loaded champion's label of every model column, its labels in 40 answers, its readable names."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(tiny.tracking_uri)
    try:
        model = mlflow.pyfunc.load_model(tiny.model_uri)
    finally:
        mlflow.set_tracking_uri(previous)
    scorer = model.unwrap_python_model().scorer
    loaded = dict(zip(scorer.feature_names, scorer.feature_labels, strict=True))
    ids = pd.read_csv(tiny.data_dir / "application_test.csv", usecols=["SK_ID_CURR"]).head(40)
    answer = model.predict(ids, params={"explain": True, "top_k": 100})
    assert answer["error"].isna().all()
    answered: dict[str, str] = {}
    for explanation in answer["explanation"]:
        for reason in json.loads(explanation):
            assert answered.setdefault(reason["feature"], reason["label"]) == reason["label"]
    return loaded, answered, scorer.artifacts.preprocessor.feature_labels_


def test_one_feature_has_one_wording_in_the_training_artifacts_and_the_served_answers(
    tiny_model: TinyModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    importance_path = mlflow.artifacts.download_artifacts(
        run_id=tiny_model.run_id,
        artifact_path=Artifact.GLOBAL_IMPORTANCE,
        dst_path=str(tmp_path),
        tracking_uri=tiny_model.tracking_uri,
    )
    trained = pd.read_csv(importance_path).set_index("feature")["label"].to_dict()
    loaded, answered, readable = _served(tiny_model)
    assert trained == loaded  # every model column, one-hot dummies included
    assert answered and {f: trained[f] for f in answered} == answered
    dummies = {f: label for f, label in trained.items() if " = " in readable[f]}
    assert dummies  # the tiny model keeps a few dummies after the zero-importance selection (2 at seed 0)
    for feature, label in dummies.items():
        column, level = readable[feature].split(" = ")
        assert label == f"{feature_label(column)}: {level}"


@pytest.mark.parametrize(
    ("name", "label"),
    [
        (
            "INSTAL_LAST365D_DPD_MEAN",
            "Instalment payments, the last 365 days: days paid late (mean over payments)",
        ),
        ("CC_LAST12M_COUNT", "Credit card, the last 12 months: number of months"),
        (
            "INSTAL_LAST10_LATE_MEAN",
            "Instalment payments, the last 10 payments: share paid late (mean over payments)",
        ),
        ("INSTAL_DPD_TREND", "Instalment payments: days paid late (trend per year over payments)"),
        ("BURO_MONTHS_SINCE_LATE_MIN", "Credit bureau: months since a month paid late (lowest over credits)"),
        ("BURO_DEBT_TO_INCOME", "Credit bureau: total debt / income"),
    ],
)
def test_windows_trends_and_cross_ratios_read_as_words(name: str, label: str) -> None:
    assert feature_label(name) == label


def test_every_cross_ratio_has_its_own_words() -> None:
    assert all(feature_label(name) == COLUMN_LABELS[name] for name in CROSS_RATIOS)

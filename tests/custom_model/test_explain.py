"""Reasons from contributions (top-k each way, log-odds) and plain-word labels of features."""

from __future__ import annotations

import json

import numpy as np
import pytest

from custom_model.explain import linear_contributions, top_reasons
from custom_model.labels import feature_label

NAMES = ["a", "b", "c", "d", "e"]
LABELS = ["A", "B", "C", "D", "E"]


def test_top_reasons_split_refusal_and_acceptance_sides_in_order() -> None:
    contributions = np.array([[0.5, -0.2, 0.1, -0.7, 0.0]])
    values = np.array([[1.0, np.nan, 3.0, 4.0, 5.0]])
    (answer,) = top_reasons(contributions, values, feature_names=NAMES, labels=LABELS, top_k=2)
    reasons = json.loads(answer)
    assert [(r["feature"], r["contribution"]) for r in reasons] == [
        ("a", 0.5),
        ("c", 0.1),
        ("d", -0.7),
        ("b", -0.2),
    ]
    assert reasons[0] == {"feature": "a", "label": "A", "value": 1.0, "contribution": 0.5}
    assert reasons[3]["value"] is None


def test_top_reasons_never_lists_zero_contributions_and_caps_at_the_feature_count() -> None:
    contributions = np.array([[0.0, 0.3, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    values = np.zeros((2, 5))
    first, second = top_reasons(contributions, values, feature_names=NAMES, labels=LABELS, top_k=50)
    assert [r["feature"] for r in json.loads(first)] == ["b"]
    assert json.loads(second) == []


def test_top_reasons_are_row_specific() -> None:
    contributions = np.array([[1.0, 2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -1.0, 3.0]])
    answers = top_reasons(contributions, np.zeros((2, 5)), feature_names=NAMES, labels=LABELS, top_k=1)
    assert [[r["feature"] for r in json.loads(a)] for a in answers] == [["b"], ["e", "d"]]


def test_linear_contributions_sum_to_the_log_odds() -> None:
    coef = np.array([0.5, -2.0])
    z = np.array([[2.0, 1.0], [0.0, -1.0]])
    contrib = linear_contributions(coef, -1.0, z)
    assert contrib.tolist() == [[1.0, -2.0, -1.0], [0.0, 2.0, -1.0]]
    np.testing.assert_allclose(contrib.sum(axis=1), z @ coef - 1.0)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("PAYMENT_RATE", "Annuity / credit amount"),
        ("EXT_SOURCE_3", "External score 3"),
        ("BURO_DAYS_CREDIT_MEAN", "Credit bureau: days since credit opened (mean over credits)"),
        (
            "ACTIVE_AMT_CREDIT_SUM_DEBT_SUM",
            "Credit bureau, active credits: remaining debt (total over credits)",
        ),
        ("INSTAL_DPD_MAX", "Instalment payments: days paid late (highest over payments)"),
        ("INSTAL_COUNT", "Instalment payments: number of payments"),
        (
            "BURO_CREDIT_TYPE_Microloan_MEAN",
            "Credit bureau: share with credit type: Microloan (mean over credits)",
        ),
        ("NAME_INCOME_TYPE_Working", "Income type: Working"),
        ("NAME_TYPE_SUITE = Spouse, partner", "Accompanied by: Spouse, partner"),
        ("SOMETHING_NEW", "Something new"),
    ],
)
def test_feature_labels_are_plain_words(name: str, label: str) -> None:
    assert feature_label(name) == label

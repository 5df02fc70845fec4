"""Drift report: planted shifts found and named, same laws quiet, odd columns skipped with reasons."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custom_model.errors import SchemaError
from drift.alerts import AlertRules, evaluate
from drift.report import drift_report
from drift.summary import conclusion, write_outputs
from tests.drift.factories import FEATURES, PLANTED, feature_frame

COLUMNS = [*FEATURES, "probability_default"]


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return feature_frame(6_000, seed=1)


def test_planted_shift_in_three_important_features_is_detected_and_named(reference: pd.DataFrame) -> None:
    current = feature_frame(2_500, seed=2, shifted=True)
    summary = drift_report(reference, current, columns=COLUMNS, score_column="probability_default")
    assert [c.column for c in summary.drifted_features] == list(PLANTED)
    assert summary.drift_share == pytest.approx(3 / 10)
    by_name = {c.column: c for c in summary.columns}
    assert by_name["EXT_SOURCE_3"].method == "wasserstein" and by_name["EXT_SOURCE_3"].threshold == 0.1
    assert by_name["NAME_EDUCATION_TYPE"].kind == "categorical"
    assert by_name["NAME_EDUCATION_TYPE"].method == "jensenshannon"
    # a 0/1 flag is compared as a category, not with a distance normed by its std
    assert by_name["FLAG_OWN_CAR"].kind == "categorical"
    # mean of DAYS_BIRTH moved by 2,500 days = 0.625 reference std; normed Wasserstein ≈ that
    assert by_name["DAYS_BIRTH"].statistic == pytest.approx(0.625, abs=0.06)
    assert by_name["DAYS_BIRTH"].psi > 0.25
    text = conclusion(summary)
    for name in PLANTED:
        assert name in text
    assert "3 of 10 tested features drifted" in text
    assert [a.rule for a in evaluate(summary, AlertRules(max_drift_share=0.2))] == ["max_drift_share"]


def test_same_distribution_raises_no_alert(reference: pd.DataFrame) -> None:
    current = feature_frame(2_500, seed=3)
    summary = drift_report(reference, current, columns=COLUMNS, score_column="probability_default")
    assert summary.drifted_features == ()
    assert summary.score_stability is not None and summary.score_stability.band == "stable"
    assert evaluate(summary, AlertRules(max_drift_share=0.0, psi_alert_band="watch")) == ()


@pytest.mark.parametrize("n_current", [400, 20_000])
def test_verdict_does_not_depend_on_sample_size(reference: pd.DataFrame, n_current: int) -> None:
    current = feature_frame(n_current, seed=4, shifted=True)
    summary = drift_report(reference, current, columns=COLUMNS, score_column="probability_default")
    assert {c.column for c in summary.drifted_features} == set(PLANTED)


def test_html_and_json_name_the_drifted_columns(reference: pd.DataFrame, tmp_path) -> None:
    current = feature_frame(2_000, seed=5, shifted=True)
    summary = drift_report(reference, current, columns=COLUMNS, score_column="probability_default")
    html, path = write_outputs(summary, tmp_path / "reports", context={"source": "test"})
    page = html.read_text()
    assert page.lstrip().lower().startswith("<!doctype html") or "<html" in page[:500].lower()
    for name in PLANTED:
        assert name in page
    document = json.loads(path.read_text())
    assert document["drifted_features"] == list(PLANTED)
    assert document["context"] == {"source": "test"}
    column = next(c for c in document["columns"] if c["column"] == "EXT_SOURCE_3")
    assert column["method_name"] == "Wasserstein distance (normed)"
    assert column["drifted"] is True and column["statistic"] >= column["threshold"] == 0.1
    assert column["psi"] > 0


def test_unusable_columns_are_skipped_with_a_reason(tmp_path) -> None:
    rng = np.random.default_rng(7)
    n = 500

    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "GOOD": rng.normal(shift, 1, n),
                "ALL_MISSING": np.full(n, np.nan),
                "CONSTANT": np.ones(n),
                "INFINITE": np.full(n, np.inf),
                "CATEGORY": pd.Series(rng.choice(["A", "B", None], n), dtype="category"),
                "ONLY_REFERENCE": rng.normal(size=n),
            }
        )

    reference, current = frame(0.0), frame(1.0).drop(columns="ONLY_REFERENCE")
    current["TEXT_NOW"] = "x"
    reference["TEXT_NOW"] = rng.normal(size=n)
    current["MISSING_NOW"] = np.nan
    reference["MISSING_NOW"] = rng.normal(size=n)
    columns = [
        "GOOD",
        "ALL_MISSING",
        "CONSTANT",
        "INFINITE",
        "CATEGORY",
        "ONLY_REFERENCE",
        "TEXT_NOW",
        "MISSING_NOW",
        "NOWHERE",
    ]
    summary = drift_report(reference, current, columns=columns)
    reasons = {c.column: c.skipped for c in summary.skipped}
    assert reasons == {
        "ALL_MISSING": "all 500 values missing or infinite in reference data",
        "CONSTANT": "constant (value 1.0) in reference and current data: nothing to compare",
        "INFINITE": "all 500 values missing or infinite in reference data",
        "ONLY_REFERENCE": "absent from current data",
        "TEXT_NOW": "type mismatch: numeric in reference, text (object) in current",
        "MISSING_NOW": "all 500 values missing or infinite in current data",
        "NOWHERE": "absent from reference and current data",
    }
    assert [c.column for c in summary.tested_features] == ["GOOD", "CATEGORY"]
    assert [c.column for c in summary.drifted_features] == ["GOOD"]
    _, path = write_outputs(summary, tmp_path)
    assert json.loads(path.read_text())["skipped"] == reasons


def test_constant_reference_that_varies_now_is_tested_not_skipped() -> None:
    reference = pd.DataFrame({"X": np.zeros(300)})
    current = pd.DataFrame({"X": np.r_[np.zeros(150), np.ones(150)]})
    summary = drift_report(reference, current, columns=["X"])
    assert summary.skipped == ()
    assert [c.column for c in summary.drifted_features] == ["X"]


def test_score_stability_uses_only_the_reference_rows_that_have_a_score(reference: pd.DataFrame) -> None:
    partial = reference.copy()
    # as with the job: only a holdout sample of training clients has an unbiased score
    partial.loc[partial.index[1_000:], "probability_default"] = np.nan
    current = feature_frame(2_000, seed=6)
    summary = drift_report(partial, current, columns=COLUMNS, score_column="probability_default")
    stability = summary.score_stability
    assert stability is not None and stability.n_reference == 1_000 and stability.band == "stable"
    assert summary.score_drift is not None and summary.score_drift.psi == stability.psi
    assert not summary.score_drift.drifted


def test_integer_and_float_flags_are_the_same_levels() -> None:
    rng = np.random.default_rng(9)
    reference = pd.DataFrame({"FLAG": rng.integers(0, 2, 3_000)})
    current = pd.DataFrame({"FLAG": np.where(rng.random(1_000) < 0.1, np.nan, rng.integers(0, 2, 1_000))})
    (column,) = drift_report(reference, current, columns=["FLAG"]).columns
    assert column.kind == "categorical" and not column.drifted
    assert column.statistic < 0.05


def test_nothing_comparable_still_writes_json_without_html(tmp_path) -> None:
    frame = pd.DataFrame({"X": [np.nan, np.nan]})
    summary = drift_report(frame, frame, columns=["X", "Y"])
    html, path = write_outputs(summary, tmp_path)
    assert html is None and not (tmp_path / "data_drift.html").exists()
    assert json.loads(path.read_text())["n_features_tested"] == 0
    assert summary.drift_share == 0.0


def test_seeded_sampling_caps_rows_and_is_reproducible(reference: pd.DataFrame) -> None:
    current = feature_frame(3_000, seed=8, shifted=True)
    first = drift_report(reference, current, columns=COLUMNS, sample_size=1_000, seed=3)
    second = drift_report(reference, current, columns=COLUMNS, sample_size=1_000, seed=3)
    assert (first.n_reference, first.n_current) == (1_000, 1_000)
    assert [c.statistic for c in first.columns] == [c.statistic for c in second.columns]


def test_bad_inputs_are_refused_with_clear_messages(reference: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="0 current rows"):
        drift_report(reference, reference.iloc[:0], columns=COLUMNS)
    with pytest.raises(SchemaError, match="cat_method must be one of"):
        drift_report(reference, reference, columns=COLUMNS, cat_method="wasserstein")
    with pytest.raises(SchemaError, match=r"num_method must be one of .* got 'ks'"):
        drift_report(reference, reference, columns=COLUMNS, num_method="ks")


@pytest.mark.parametrize(("maximum", "passed"), [(0.2, False), (0.3, True), (0.5, True)])
def test_evidently_tests_the_drift_share_rule_as_the_project_counts_it(
    reference: pd.DataFrame, maximum: float, passed: bool
) -> None:
    """3 of 10 features drifted (share 0.3): evidently's test fails only below 0.3, like the rule."""
    current = feature_frame(2_500, seed=2, shifted=True)
    summary = drift_report(
        reference, current, columns=COLUMNS, score_column="probability_default", max_drift_share=maximum
    )
    assert summary.drift_share == pytest.approx(3 / 10)
    assert summary.share_test_passed is passed
    fired = [a.rule for a in evaluate(summary, AlertRules(max_drift_share=maximum))]
    assert fired == ([] if passed else ["max_drift_share"])


def test_without_the_rule_no_evidently_test_runs(reference: pd.DataFrame) -> None:
    summary = drift_report(reference, feature_frame(500, seed=5), columns=COLUMNS)
    assert summary.share_test_passed is None

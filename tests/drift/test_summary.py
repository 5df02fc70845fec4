"""Hand-made drift results → the JSON document, the conclusion in words and the files written.

No evidently run here (tests/drift/test_report.py runs it on planted shifts): the verdicts are written by
hand, so every figure of the expected text and JSON is known.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

from drift.psi import ScoreStability
from drift.report import ColumnDrift, DriftSummary
from drift.summary import FORMAT_VERSION, conclusion, summary_dict, write_outputs


def _column(column: str, rank: int, statistic: float, **changes: object) -> ColumnDrift:
    """A tested numeric column (Wasserstein, threshold 0.1), drifted when ``statistic`` ≥ 0.1."""
    base = ColumnDrift(
        column=column,
        label=column,
        rank=rank,
        kind="numeric",
        method="wasserstein",
        statistic=statistic,
        threshold=0.1,
        drifted=statistic >= 0.1,
        psi=None,
        missing_reference=0.0,
        missing_current=0.0,
    )
    return replace(base, **changes)


EXT = _column("EXT_SOURCE_3", 1, 0.35, label="External score 3", psi=0.42, missing_current=0.01)
AGE = _column("DAYS_BIRTH", 2, 0.21)  # no label of its own, no PSI
EDUCATION = _column(
    "NAME_EDUCATION_TYPE", 3, 0.04, label="Education", kind="categorical", method="jensenshannon", psi=0.01
)
CONSTANT = ColumnDrift(
    column="CONSTANT",
    label="CONSTANT",
    rank=4,
    kind=None,
    method=None,
    statistic=None,
    threshold=None,
    drifted=False,
    psi=None,
    missing_reference=0.0,
    missing_current=math.nan,
    skipped="constant (value 1.0) in reference and current data: nothing to compare",
)
SCORE = _column("probability_default", 0, 0.05, label="Predicted probability", psi=0.0213)
STABILITY = ScoreStability(
    psi=0.0213,
    band="stable",
    bins=10,
    n_reference=1200,
    n_current=300,
    reference_mean=0.0812,
    current_mean=0.0834,
)
#: 2 of 3 tested features drifted, one skipped, the score stable, 300 current rows (a small sample).
SUMMARY = DriftSummary(
    columns=(EXT, AGE, EDUCATION, CONSTANT, SCORE),
    n_reference=1200,
    n_current=300,
    score_column="probability_default",
    score_stability=STABILITY,
    sample_size=None,
    seed=7,
)


def test_conclusion_names_the_drifted_features_the_score_the_caution_and_the_skipped() -> None:
    assert conclusion(SUMMARY).splitlines() == [
        "Data drift: 2 of 3 tested features drifted (67%), reference 1,200 rows vs current 300 rows.",
        "Drifted features, most important first:",
        "  - EXT_SOURCE_3 (External score 3), importance rank 1: "
        "Wasserstein distance (normed) 0.350 ≥ 0.10, PSI 0.420",
        "  - DAYS_BIRTH, importance rank 2: Wasserstein distance (normed) 0.210 ≥ 0.10",
        "Predicted probability did not drift: Wasserstein distance (normed) 0.050 < 0.10; score PSI 0.021 "
        "(stable) on 1,200 vs 300 scores; mean 0.0812 in reference vs 0.0834 in current.",
        "Caution: fewer than 1,000 rows on one side: distances carry sampling noise close to the thresholds; "
        "read small drifts as indicative only.",
        "1 column(s) skipped:",
        "  - CONSTANT: constant (value 1.0) in reference and current data: nothing to compare",
    ]


def test_a_quiet_large_comparison_without_score_says_nothing_moved_and_nothing_more() -> None:
    quiet = DriftSummary(
        columns=(replace(EXT, statistic=0.02, drifted=False), EDUCATION),
        n_reference=300_000,
        n_current=48_000,
        score_column=None,
        score_stability=None,
        sample_size=None,
        seed=0,
    )
    assert conclusion(quiet).splitlines() == [
        "Data drift: 0 of 2 tested features drifted (0%), reference 300,000 rows vs current 48,000 rows.",
        "No tested feature moved beyond its threshold.",
    ]


def test_a_drifted_score_says_so_with_the_sign_turned() -> None:
    moved = replace(
        SUMMARY,
        columns=(EXT, AGE, EDUCATION, CONSTANT, replace(SCORE, statistic=0.18, drifted=True)),
        score_stability=replace(STABILITY, psi=0.31, band="act"),
    )
    (line,) = [s for s in conclusion(moved).splitlines() if s.startswith("Predicted probability")]
    assert line == (
        "Predicted probability drifted: Wasserstein distance (normed) 0.180 ≥ 0.10; score PSI 0.310 (act) "
        "on 1,200 vs 300 scores; mean 0.0812 in reference vs 0.0834 in current."
    )


def test_a_score_that_could_not_be_compared_gives_the_reason() -> None:
    reason = "all 300 values missing or infinite in current data"
    skipped_score = replace(CONSTANT, column="probability_default", rank=0, skipped=reason)
    summary = replace(SUMMARY, columns=(EXT, AGE, EDUCATION, skipped_score), score_stability=None)
    text = conclusion(summary).splitlines()
    assert f"Predicted probability not compared: {reason}." in text
    # the score is not a feature: its skip is counted among the skipped columns, not the tested features
    assert text[0].startswith("Data drift: 2 of 3 tested features drifted")
    assert text[-2:] == ["1 column(s) skipped:", f"  - probability_default: {reason}"]


def test_the_json_document_carries_every_verdict_with_non_finite_numbers_as_null() -> None:
    document = summary_dict(SUMMARY, context={"source": "test", "window_days": 30})
    columns = document.pop("columns")
    assert document == {
        "format_version": FORMAT_VERSION,
        "context": {"source": "test", "window_days": 30},
        "n_reference": 1200,
        "n_current": 300,
        "sample_size": None,
        "small_sample": True,
        "seed": 7,
        "n_features_tested": 3,
        "n_features_drifted": 2,
        "drift_share": 2 / 3,
        "drifted_features": ["EXT_SOURCE_3", "DAYS_BIRTH"],
        "score_column": "probability_default",
        "score_stability": {
            "psi": 0.0213,
            "band": "stable",
            "bins": 10,
            "n_reference": 1200,
            "n_current": 300,
            "reference_mean": 0.0812,
            "current_mean": 0.0834,
        },
        "skipped": {"CONSTANT": "constant (value 1.0) in reference and current data: nothing to compare"},
    }
    assert [c["column"] for c in columns] == [
        "EXT_SOURCE_3",
        "DAYS_BIRTH",
        "NAME_EDUCATION_TYPE",
        "CONSTANT",
        "probability_default",
    ]
    assert columns[0] == {
        "column": "EXT_SOURCE_3",
        "label": "External score 3",
        "rank": 1,
        "kind": "numeric",
        "method": "wasserstein",
        "statistic": 0.35,
        "threshold": 0.1,
        "drifted": True,
        "psi": 0.42,
        "missing_reference": 0.0,
        "missing_current": 0.01,
        "skipped": None,
        "method_name": "Wasserstein distance (normed)",
    }
    assert columns[2]["method_name"] == "Jensen-Shannon distance"
    assert (columns[3]["method_name"], columns[3]["missing_current"]) == (None, None)  # NaN → null


def test_without_context_or_score_the_document_says_so_with_empty_values() -> None:
    document = summary_dict(replace(SUMMARY, columns=(EDUCATION,), score_column=None, score_stability=None))
    assert (document["context"], document["score_stability"], document["skipped"]) == ({}, None, {})
    assert (document["n_features_drifted"], document["drift_share"]) == (0, 0.0)


def _refuse_non_finite(name: str) -> None:
    """JSON readers other than Python's refuse NaN and Infinity: the file must not contain them."""
    raise AssertionError(f"data_drift.json contains {name}")


def test_without_an_evidently_snapshot_only_strict_json_is_written_in_a_new_folder(tmp_path: Path) -> None:
    summary = replace(SUMMARY, columns=(replace(EXT, label="Âge du client"), CONSTANT))
    html, path = write_outputs(summary, tmp_path / "reports" / "today", context={"source": "test"})
    assert html is None and sorted(p.name for p in path.parent.iterdir()) == ["data_drift.json"]
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "Âge du client" in text  # readable, not \u-escaped
    document = json.loads(text, parse_constant=_refuse_non_finite)
    assert document == json.loads(json.dumps(summary_dict(summary, context={"source": "test"})))

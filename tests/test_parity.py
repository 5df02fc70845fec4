"""Same seed → the same model as before a refactor: thresholds, costs, metrics and served answers.

tests/data/parity.json was written by `python -m tests.support.parity --write` on the code before the
architecture step of issue 11 (commit 57c888d), which it matched after the step; it was written again when the
served probabilities became calibrated (issue 16: Platt scaling changes probabilities, thresholds and
contributions on purpose). Regenerate it only for a change meant to alter the model, and say so in the commit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.support.parity import GOLDEN, all_figures

#: Floats may differ slightly, nothing more: numpy and OpenBLAS pick their kernels by CPU (AVX-512 or AVX2),
#: so generated EXT_SOURCE values differ in their last bit between machines, and a logistic fit on them moves
#: an AUC by ~1e-5 (measured: 5.7e-6). A changed feature, seed or rule moves these figures far more.
REL_TOL = 1e-4


def _differences(expected: object, actual: object, path: str = "") -> list[str]:
    """Paths where two JSON-like values differ (floats compared to REL_TOL)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            return [f"{path}: keys {sorted(expected)} != {sorted(actual)}"]
        return [d for k in expected for d in _differences(expected[k], actual[k], f"{path}.{k}")]
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} items != {len(actual)}"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in _differences(e, a, f"{path}[{i}]")
        ]
    if isinstance(expected, float) and isinstance(actual, float):
        same = math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=1e-15) or (
            math.isnan(expected) and math.isnan(actual)
        )
        return [] if same else [f"{path}: {expected!r} != {actual!r}"]
    return [] if expected == actual else [f"{path}: {expected!r} != {actual!r}"]


@pytest.mark.slow
def test_training_and_answers_match_the_recorded_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG", "none")
    expected = json.loads(GOLDEN.read_text())
    actual = json.loads(json.dumps(all_figures(tmp_path), default=str))
    differences = _differences(expected, actual)
    assert not differences, "\n".join(differences[:20])


def test_the_comparison_fails_on_a_real_difference() -> None:
    base = {"threshold": 0.171, "proba": [0.1, 0.2], "decision": ["accepted", "refused"]}
    assert _differences(base, {**base, "proba": [0.1, 0.2 * (1 + 1e-6)]}) == []
    assert _differences(base, {**base, "proba": [0.1, 0.2 * (1 + 1e-3)]}) == [
        f".proba[1]: 0.2 != {0.2 * (1 + 1e-3)!r}"
    ]
    assert _differences(base, {**base, "threshold": 0.172}) == [".threshold: 0.171 != 0.172"]
    assert _differences(base, {**base, "decision": ["accepted", "accepted"]}) == [
        ".decision[1]: 'refused' != 'accepted'"
    ]

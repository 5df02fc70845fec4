"""Scorer limits (custom_model/model.py): implausible rows, warnings, overflow, chunked explanations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custom_model import model as model_module
from custom_model.explain import top_reasons
from custom_model.model import Scorer
from custom_model.request import parse_request
from tests.support.scoring_data import TinyScoring, build_tiny_scoring, raw_application_row


@pytest.fixture(scope="module")
def tiny() -> TinyScoring:
    return build_tiny_scoring(seed=3)


@pytest.fixture(scope="module")
def scorer(tiny: TinyScoring) -> Scorer:
    return Scorer(tiny.artifacts, model_version="1")


def _score(scorer: Scorer, rows: list[dict], **kwargs: object) -> pd.DataFrame:
    params = {"explain": True, "top_k": 5, **kwargs}
    return scorer.score(parse_request(pd.DataFrame(rows)), **params)[0]


def test_implausible_rows_get_an_error_and_no_score_while_the_others_are_unchanged(
    scorer: Scorer, tiny: TinyScoring
) -> None:
    ids = tiny.production_ids
    good = raw_application_row(tiny.tables, int(ids[0]))
    alone = _score(scorer, [good])
    rows = [
        good,
        {**raw_application_row(tiny.tables, int(ids[1])), "DAYS_BIRTH": 400, "AMT_INCOME_TOTAL": 1e30},
        {"SK_ID_CURR": 999_999_998, "EXT_SOURCE_2": 5.0},
        {"SK_ID_CURR": 999_999_997, "AMT_CREDIT": -1e6},
        {"SK_ID_CURR": 999_999_996, "AMT_CREDIT": 1.7e308},
        {"SK_ID_CURR": int(ids[2])},
    ]
    answer = _score(scorer, rows)
    assert answer["probability_default"].iloc[0] == alone["probability_default"].iloc[0]
    assert answer["explanation"].iloc[0] == alone["explanation"].iloc[0]
    for row in (1, 2, 3, 4):
        assert answer["probability_default"].iloc[row] is None
        assert answer["decision"].iloc[row] is None and answer["explanation"].iloc[row] is None
        assert answer["error"].iloc[row].startswith("implausible input, not scored: ")
    birth = "DAYS_BIRTH must be from -36525 to -6574.5 (age 18 to 100 years); got 400.0"
    assert birth in answer["error"].iloc[1]
    assert "AMT_INCOME_TOTAL" in answer["error"].iloc[1]
    assert "EXT_SOURCE_2 must be from 0 to 1" in answer["error"].iloc[2]
    assert "got -1000000.0" in answer["error"].iloc[3] and "got 1.7e+308" in answer["error"].iloc[4]
    assert answer["error"].iloc[5] is None and 0 < answer["probability_default"].iloc[5] < 1


def test_unknown_levels_are_scored_as_missing_with_a_warning(scorer: Scorer, tiny: TinyScoring) -> None:
    row = raw_application_row(tiny.tables, int(tiny.production_ids[4]))
    missing = _score(scorer, [{**row, "NAME_INCOME_TYPE": None}])
    unknown = _score(scorer, [{**row, "NAME_INCOME_TYPE": "Astronaut"}])
    assert unknown["error"].iloc[0] is None
    assert unknown["probability_default"].iloc[0] == missing["probability_default"].iloc[0]
    warning = unknown["warning"].iloc[0]
    assert warning.startswith("NAME_INCOME_TYPE: unknown level 'Astronaut' scored as missing")
    assert missing["warning"].iloc[0] is None


def test_a_derived_feature_beyond_float32_is_an_error_not_a_silent_missing(scorer: Scorer) -> None:
    # Both fields are inside their domains; their ratio (credit / annuity) is not representable in float32.
    answer = _score(scorer, [{"SK_ID_CURR": 999_999_995, "AMT_CREDIT": 1e9, "AMT_ANNUITY": 1e-300}])
    assert answer["probability_default"].iloc[0] is None
    assert answer["error"].iloc[0] == (
        "implausible input, not scored: feature CREDIT_TO_ANNUITY_RATIO = inf exceeds the model's float32 "
        "range (±3.4e+38)"
    )


def test_explanations_are_computed_in_chunks_with_the_same_result(
    scorer: Scorer, tiny: TinyScoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = np.resize(tiny.production_ids, 250)
    X = scorer.known_inputs[scorer.lookup(ids)]
    whole = top_reasons(
        scorer.contributions(X)[:, :-1],
        X,
        feature_names=scorer.feature_names,
        labels=scorer.feature_labels,
        top_k=3,
    )
    calls: list[int] = []
    contributions = scorer.contributions

    def counted(chunk: np.ndarray) -> np.ndarray:
        calls.append(len(chunk))
        return contributions(chunk)

    monkeypatch.setattr(model_module, "CHUNK_ROWS", 100)
    monkeypatch.setattr(scorer, "contributions", counted)
    assert scorer.explain(X, top_k=3) == whole
    assert calls == [100, 100, 50]
    assert all(isinstance(json.loads(text), list) for text in whole)

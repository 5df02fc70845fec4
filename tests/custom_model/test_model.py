"""The scoring pyfunc in-process: values against the bare booster, explanations, errors, logging, loading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from mlflow.exceptions import MlflowException

from custom_model import schema
from custom_model.contract import PREDICTION_LOG_ENV
from custom_model.errors import CreditScoringError
from custom_model.features.assemble import build_features
from custom_model.model import (
    ANSWER_COLUMNS,
    LOGGED_FEATURES,
    MODEL_VERSION_ENV,
    PARALLEL_MIN_ROWS,
    THREADS_ENV,
    Scorer,
    ScoringArtifacts,
    load_artifacts,
    log_scoring_model,
    prediction_threads,
    save_artifacts,
)
from custom_model.request import parse_request
from tests.conftest import PROJECT_DIR
from tests.support.scoring_data import TinyScoring, build_tiny_scoring, raw_application_row


@pytest.fixture(scope="module")
def tiny() -> TinyScoring:
    return build_tiny_scoring(seed=1)


@pytest.fixture(scope="module")
def expected(tiny: TinyScoring) -> pd.Series:
    """Probability of every production client from the training feature path and the bare booster."""
    production = build_features(tiny.tables).production
    X = tiny.artifacts.preprocessor.transform(production)
    return pd.Series(tiny.artifacts.model.booster_.predict(X.to_numpy()), index=production.index)


@pytest.fixture(scope="module")
def scorer(tiny: TinyScoring) -> Scorer:
    return Scorer(tiny.artifacts, model_version="7")


def _score(scorer: Scorer, frame: pd.DataFrame, *, explain: bool = True, top_k: int = 5) -> pd.DataFrame:
    return scorer.score(parse_request(frame), explain=explain, top_k=top_k)[0]


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def test_by_id_probabilities_equal_the_bare_booster_on_training_features(
    scorer: Scorer, tiny: TinyScoring, expected: pd.Series
) -> None:
    answer = _score(scorer, pd.DataFrame({"SK_ID_CURR": tiny.production_ids}))
    assert list(answer.columns) == list(ANSWER_COLUMNS)
    assert answer["SK_ID_CURR"].tolist() == tiny.production_ids.tolist()
    np.testing.assert_allclose(
        answer["probability_default"].to_numpy(float),
        expected.loc[tiny.production_ids].to_numpy(),
        rtol=1e-12,
    )
    assert answer["error"].isna().all()
    assert (answer["model_version"] == "7").all()


def test_raw_fields_of_a_known_client_score_like_the_lookup(scorer: Scorer, tiny: TinyScoring) -> None:
    client = int(tiny.production_ids[3])
    raw = pd.DataFrame([raw_application_row(tiny.tables, client)])
    by_id = _score(scorer, pd.DataFrame({"SK_ID_CURR": [client]}))
    by_fields = _score(scorer, raw)
    assert by_fields["probability_default"].iloc[0] == pytest.approx(
        by_id["probability_default"].iloc[0], rel=1e-12
    )


def test_a_new_applicant_score_does_not_depend_on_the_id_alone(scorer: Scorer, tiny: TinyScoring) -> None:
    row = raw_application_row(tiny.tables, int(tiny.production_ids[0]))
    frame = pd.DataFrame([{**row, "SK_ID_CURR": 1}, {**row, "SK_ID_CURR": 2}])
    answer = _score(scorer, frame)
    assert answer["error"].isna().all()
    assert answer["probability_default"].iloc[0] == answer["probability_default"].iloc[1]


def test_a_riskier_external_score_raises_the_probability(scorer: Scorer, tiny: TinyScoring) -> None:
    row = raw_application_row(tiny.tables, int(tiny.production_ids[0]))
    good = {**row, "SK_ID_CURR": 1, "EXT_SOURCE_1": 0.9, "EXT_SOURCE_2": 0.9, "EXT_SOURCE_3": 0.9}
    bad = {**row, "SK_ID_CURR": 1, "EXT_SOURCE_1": 0.05, "EXT_SOURCE_2": 0.05, "EXT_SOURCE_3": 0.05}
    answer = _score(scorer, pd.DataFrame([good, bad]))
    assert answer["probability_default"].iloc[1] > answer["probability_default"].iloc[0]


def test_contributions_plus_base_equal_the_log_odds(scorer: Scorer, tiny: TinyScoring) -> None:
    request = parse_request(pd.DataFrame({"SK_ID_CURR": tiny.production_ids}))
    answer, X = scorer.score(request, explain=True, top_k=3)
    contributions = scorer.contributions(X)
    probability = answer["probability_default"].to_numpy(float)
    np.testing.assert_allclose(contributions.sum(axis=1), _logit(probability), atol=1e-9)
    np.testing.assert_allclose(contributions[:, -1], answer["base_value"].to_numpy(float), atol=1e-12)
    for row, text in enumerate(answer["explanation"]):
        reasons = json.loads(text)
        up = [r for r in reasons if r["contribution"] > 0]
        down = [r for r in reasons if r["contribution"] < 0]
        assert len(up) <= 3 and len(down) <= 3 and up + down == reasons
        full = dict(zip(scorer.feature_names, contributions[row, :-1], strict=True))
        positive = sorted((v for v in full.values() if v > 0), reverse=True)[:3]
        assert [r["contribution"] for r in up] == positive
        for reason in reasons:
            assert reason["contribution"] == full[reason["feature"]]
            assert reason["label"]


def test_decision_is_refused_iff_probability_reaches_the_threshold(
    tiny: TinyScoring, expected: pd.Series
) -> None:
    tie = float(expected.loc[tiny.production_ids].median())
    tied_scorer = Scorer(_with_threshold(tiny.artifacts, tie))
    answer = _score(tied_scorer, pd.DataFrame({"SK_ID_CURR": tiny.production_ids}), explain=False)
    probability = answer["probability_default"].to_numpy(float)
    assert (answer["decision"] == np.where(probability >= tie, "refused", "accepted")).all()
    assert (probability == tie).any(), "the median client must sit exactly on the threshold"
    assert set(answer.loc[probability == tie, "decision"]) == {"refused"}
    assert set(answer["decision"]) == {"accepted", "refused"}
    assert (answer["threshold"] == tie).all()


def test_unknown_id_gets_an_error_and_the_other_rows_are_answered(scorer: Scorer, tiny: TinyScoring) -> None:
    known = int(tiny.production_ids[0])
    answer = _score(scorer, pd.DataFrame({"SK_ID_CURR": [known, 123, known]}))
    assert answer["error"].iloc[1].startswith("unknown client id 123")
    assert answer["probability_default"].iloc[1] is None
    assert answer["decision"].iloc[1] is None
    assert answer["explanation"].iloc[1] is None
    assert answer["error"].iloc[[0, 2]].isna().all()
    assert answer["probability_default"].iloc[0] == answer["probability_default"].iloc[2]


def test_explain_off_gives_no_explanation_but_keeps_the_base_value(scorer: Scorer, tiny: TinyScoring) -> None:
    answer = _score(scorer, pd.DataFrame({"SK_ID_CURR": tiny.production_ids[:2]}), explain=False)
    assert answer["explanation"].isna().all()
    assert answer["base_value"].iloc[0] == scorer.base_value


def _with_threshold(artifacts: ScoringArtifacts, threshold: float) -> ScoringArtifacts:
    return ScoringArtifacts(
        preprocessor=artifacts.preprocessor,
        model=artifacts.model,
        threshold=threshold,
        cost_fn=artifacts.cost_fn,
        cost_fp=artifacts.cost_fp,
        snapshot=artifacts.snapshot,
    )


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("registry")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    mlflow.set_experiment(
        experiment_id=mlflow.create_experiment("serving", artifact_location=str(folder / "art"))
    )
    try:
        yield folder
    finally:
        mlflow.set_tracking_uri(previous)


def test_logged_model_loads_and_answers_like_the_scorer(
    registry: Path, tiny: TinyScoring, scorer: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mlflow.start_run():
        info = log_scoring_model(tiny.artifacts, registered_model_name="credit-scoring")
    assert info.registered_model_version == 1
    model_dir = Path(mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(registry / "dl")))
    assert (model_dir / "code" / "custom_model" / "model.py").is_file()
    requirements = (model_dir / "requirements.txt").read_text()
    assert "lightgbm==4.7.0" in requirements and "mlflow==3.17.2" in requirements
    # the Postgres URL the deploy docs recommend needs its driver wherever the model is served (images, conda)
    ours = (PROJECT_DIR / "requirements.txt").read_text().splitlines()
    pinned = {line for line in ours if "psycopg" in line}
    assert pinned == {"psycopg==3.3.9", "psycopg-binary==3.3.9"} and pinned <= set(requirements.splitlines())
    events = registry / "events.db"
    monkeypatch.setenv(PREDICTION_LOG_ENV, f"sqlite:///{events}")
    monkeypatch.delenv(MODEL_VERSION_ENV, raising=False)
    model = mlflow.pyfunc.load_model("models:/credit-scoring/1")
    assert model.metadata.signature.params.to_dict()[1]["default"] == 5
    ids = tiny.production_ids[:4]
    answer = model.predict(pd.DataFrame({"SK_ID_CURR": ids}), params={"top_k": 2})
    reference = _score(scorer, pd.DataFrame({"SK_ID_CURR": ids}), top_k=2)
    pd.testing.assert_series_equal(answer["probability_default"], reference["probability_default"])
    assert answer["explanation"].tolist() == reference["explanation"].tolist()
    assert (answer["model_version"] == "1").all()
    python_model = model.unwrap_python_model()
    assert python_model.events.flush(10)
    logged = pd.read_sql_table("prediction_events", sa.create_engine(f"sqlite:///{events}"))
    assert logged["sk_id_curr"].tolist() == ids.tolist()
    with pytest.raises(MlflowException, match="unknown column"):
        model.predict(pd.DataFrame({"SK_ID_CURR": [1], "AMT_CREDTI": [1.0]}))


def test_a_broken_sink_does_not_fail_predictions(
    registry: Path, tiny: TinyScoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the experiment by id: the suite resets the active experiment after each test (its artifacts stay in tmp)
    with mlflow.start_run(experiment_id=mlflow.get_experiment_by_name("serving").experiment_id):
        info = log_scoring_model(tiny.artifacts)
    monkeypatch.setenv(PREDICTION_LOG_ENV, f"sqlite:///{registry / 'missing_folder' / 'events.db'}")
    model = mlflow.pyfunc.load_model(info.model_uri)
    answer = model.predict(pd.DataFrame({"SK_ID_CURR": tiny.production_ids[:3]}))
    assert answer["probability_default"].notna().all()
    events = model.unwrap_python_model().events
    assert not events.flush(1)  # the sink is down: the events wait in the spool, counted as pending
    status = events.status()
    events.close(timeout=0.5)
    assert (status.pending_events, status.written_events, status.failed_events) == (3, 0, 0)


def test_logging_needs_an_active_run(tiny: TinyScoring) -> None:
    with pytest.raises(CreditScoringError, match="active MLflow run"):
        log_scoring_model(tiny.artifacts)


def test_snapshot_must_be_keyed_by_a_unique_client_id(tiny: TinyScoring) -> None:
    snapshot = pd.concat([tiny.artifacts.snapshot.iloc[:2], tiny.artifacts.snapshot.iloc[:1]])
    broken = ScoringArtifacts(
        preprocessor=tiny.artifacts.preprocessor,
        model=tiny.artifacts.model,
        threshold=0.5,
        cost_fn=10.0,
        cost_fp=1.0,
        snapshot=snapshot,
    )
    with pytest.raises(CreditScoringError, match=f"{schema.ID_CURR} must be unique"):
        Scorer(broken)


def test_large_batches_use_the_allowed_threads_and_answer_exactly_as_one_thread(
    tiny: TinyScoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = np.resize(tiny.production_ids, PARALLEL_MIN_ROWS + 44)  # clients repeated up to a large batch
    assert prediction_threads(1, 2) == 1 and prediction_threads(len(batch), 2) == 2
    answers = {}
    for threads in ("1", "2"):
        monkeypatch.setenv(THREADS_ENV, threads)
        one_or_two = Scorer(tiny.artifacts)
        assert one_or_two.threads == int(threads)
        answers[threads] = _score(one_or_two, pd.DataFrame({"SK_ID_CURR": batch}))
    pd.testing.assert_frame_equal(answers["1"], answers["2"])


@pytest.mark.parametrize("setting", ["0", "two", "-1"])
def test_a_bad_thread_setting_stops_the_model_at_load_time(
    tiny: TinyScoring, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv(THREADS_ENV, setting)
    expected = f"{THREADS_ENV} must be a whole number ≥ 1; got '{setting}'"
    with pytest.raises(CreditScoringError, match=expected):
        Scorer(tiny.artifacts)


def test_events_record_the_features_training_named_for_monitoring(tiny: TinyScoring, tmp_path: Path) -> None:
    default = Scorer(tiny.artifacts).logged_features
    named = tuple(reversed(tiny.artifacts.preprocessor.feature_names_[-3:]))  # not the top by gain
    saved = save_artifacts(replace(tiny.artifacts, monitored_features=named), tmp_path / "scoring")
    scorer = Scorer(load_artifacts(saved))
    assert [scorer.feature_names[i] for i in scorer.logged_features] == list(named)
    assert len(default) == LOGGED_FEATURES and set(default) != set(scorer.logged_features)


def test_a_monitored_feature_the_model_lacks_stops_the_model_at_load_time(tiny: TinyScoring) -> None:
    broken = replace(tiny.artifacts, monitored_features=("EXT_SOURCE_2", "NOT_A_FEATURE"))
    expected = r"monitored features are not model features: \['NOT_A_FEATURE'\]"
    with pytest.raises(CreditScoringError, match=expected):
        Scorer(broken)

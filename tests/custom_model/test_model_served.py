"""The served contract over real HTTP: a real `mlflow models serve` of models:/credit-scoring@champion.

One server per module (a start takes ~7 s); the model is a tiny one trained on synthetic data through the real
feature, preprocessing and logging code, registered in a temporary SQLite registry.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import requests
import sqlalchemy as sa
import yaml
from mlflow import MlflowClient

from custom_model.contract import PREDICTION_LOG_ENV, REGISTERED_MODEL_NAME, Alias
from custom_model.features.assemble import build_features
from custom_model.model import ANSWER_COLUMNS, ScoringArtifacts, log_scoring_model
from tests.support.scoring_data import TinyScoring, build_tiny_scoring, raw_application_row
from tests.support.server import model_server

pytestmark = pytest.mark.slow

CHAMPION_URI = f"models:/{REGISTERED_MODEL_NAME}@{Alias.CHAMPION}"


@dataclass(frozen=True)
class Served:
    url: str
    tracking_uri: str
    tiny: TinyScoring
    expected: pd.Series
    threshold: float
    run_id: str
    events_url: str
    folder: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("serving")
    tiny = build_tiny_scoring(seed=2)
    production = build_features(tiny.tables).production
    X = tiny.artifacts.preprocessor.transform(production)
    expected = pd.Series(tiny.artifacts.model.booster_.predict(X.to_numpy()), index=production.index)
    # The median client sits exactly on the threshold: the tie rule (refused) is checked over HTTP.
    threshold = float(np.median(expected.to_numpy()[: len(expected) // 2 * 2 + 1]))
    artifacts = ScoringArtifacts(
        preprocessor=tiny.artifacts.preprocessor,
        model=tiny.artifacts.model,
        threshold=threshold,
        cost_fn=10.0,
        cost_fp=1.0,
        snapshot=tiny.artifacts.snapshot,
    )
    tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(tracking_uri)
    try:
        experiment = mlflow.create_experiment("serving", artifact_location=str(folder / "artifacts"))
        with mlflow.start_run(experiment_id=experiment) as run:
            mlflow.log_param("threshold", threshold)
            info = log_scoring_model(artifacts, registered_model_name=REGISTERED_MODEL_NAME)
        MlflowClient().set_registered_model_alias(
            REGISTERED_MODEL_NAME, Alias.CHAMPION, str(info.registered_model_version)
        )
    finally:
        mlflow.set_tracking_uri(previous)
    events_url = f"sqlite:///{folder / 'events.db'}"
    with model_server(CHAMPION_URI, tracking_uri, env={PREDICTION_LOG_ENV: events_url}, cwd=folder) as url:
        yield Served(url, tracking_uri, tiny, expected, threshold, run.info.run_id, events_url, folder)


def _post(served: Served, body: dict) -> requests.Response:
    return requests.post(f"{served.url}/invocations", json=body, timeout=60)


def _predictions(served: Served, body: dict) -> pd.DataFrame:
    response = _post(served, body)
    assert response.status_code == 200, response.text
    return pd.DataFrame(response.json()["predictions"])


def _by_id(ids: list[int], **params: object) -> dict:
    return {"dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[i] for i in ids]}, "params": params}


def test_health_endpoints(served: Served) -> None:
    assert requests.get(f"{served.url}/ping", timeout=5).status_code == 200
    assert requests.get(f"{served.url}/health", timeout=5).status_code == 200
    assert requests.get(f"{served.url}/version", timeout=5).text == mlflow.__version__


def test_clients_by_id_are_scored_like_the_bare_booster(served: Served) -> None:
    ids = served.tiny.production_ids.tolist()
    answer = _predictions(served, _by_id(ids))
    assert list(answer.columns) == list(ANSWER_COLUMNS)
    assert answer["SK_ID_CURR"].tolist() == ids
    np.testing.assert_allclose(answer["probability_default"], served.expected.loc[ids], rtol=1e-12)
    assert answer["error"].isna().all()
    assert (answer["model_version"] == "1").all()


def test_threshold_is_the_logged_one_and_decisions_follow_it(served: Served) -> None:
    logged = float(mlflow.MlflowClient(served.tracking_uri).get_run(served.run_id).data.params["threshold"])
    answer = _predictions(served, _by_id(served.tiny.production_ids.tolist(), explain=False))
    assert (answer["threshold"] == logged).all()
    probability = answer["probability_default"].to_numpy(float)
    assert (answer["decision"] == np.where(probability >= logged, "refused", "accepted")).all()
    assert set(answer["decision"]) == {"accepted", "refused"}
    assert set(answer.loc[probability == logged, "decision"]) == {"refused"}


def test_raw_fields_new_applicant_and_mixed_batch(served: Served) -> None:
    tables, ids = served.tiny.tables, served.tiny.production_ids
    known_raw = raw_application_row(tables, int(ids[1]))
    new_applicant = {**raw_application_row(tables, int(ids[2])), "SK_ID_CURR": 999_999_999}
    rows = [{"SK_ID_CURR": int(ids[0])}, known_raw, {"SK_ID_CURR": 42}, new_applicant]
    response = _post(served, {"dataframe_records": rows})
    assert response.status_code == 200, response.text
    nulls = response.json()["predictions"][2]
    assert nulls["probability_default"] is None and nulls["decision"] is None and nulls["explanation"] is None
    answer = pd.DataFrame(response.json()["predictions"])
    assert answer["SK_ID_CURR"].tolist() == [int(ids[0]), int(ids[1]), 42, 999_999_999]
    assert answer["probability_default"].iloc[0] == pytest.approx(served.expected.loc[ids[0]], rel=1e-12)
    assert answer["probability_default"].iloc[1] == pytest.approx(served.expected.loc[ids[1]], rel=1e-12)
    assert answer["error"].iloc[2].startswith("unknown client id 42")
    assert answer["error"].iloc[3] is None
    assert 0.0 < answer["probability_default"].iloc[3] < 1.0
    # Same application fields without the history of client ids[2] (unknown id): generally another score.
    assert answer["probability_default"].iloc[3] != pytest.approx(served.expected.loc[ids[2]], rel=1e-9)


def test_explanations_on_off_and_top_k(served: Served) -> None:
    ids = served.tiny.production_ids[:20].tolist()
    off = _predictions(served, _by_id(ids, explain=False))
    assert off["explanation"].isna().all()
    assert off["base_value"].notna().all()
    two = _predictions(served, _by_id(ids, top_k=2))
    for text in two["explanation"]:
        reasons = json.loads(text)
        assert sum(r["contribution"] > 0 for r in reasons) <= 2
        assert sum(r["contribution"] < 0 for r in reasons) <= 2
        assert all(set(r) == {"feature", "label", "value", "contribution"} for r in reasons)
    full = _predictions(served, _by_id(ids, top_k=100))
    checked = 0
    for _, row in full.iterrows():
        reasons = json.loads(row["explanation"])
        up = sum(r["contribution"] > 0 for r in reasons)
        down = sum(r["contribution"] < 0 for r in reasons)
        if up < 100 and down < 100:  # every non-zero contribution is listed: they must add up
            total = row["base_value"] + sum(r["contribution"] for r in reasons)
            p = row["probability_default"]
            assert total == pytest.approx(math.log(p / (1 - p)), abs=1e-6)
            checked += 1
    assert checked == len(ids)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"dataframe_split": {"columns": ["AMT_CREDIT"], "data": [[1.0]]}}, "column SK_ID_CURR is required"),
        ({"dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[1.5]]}}, "SK_ID_CURR must hold integers"),
        (
            {"dataframe_split": {"columns": ["SK_ID_CURR"], "data": [["abc"]]}},
            "SK_ID_CURR must hold integers",
        ),
        (
            {"dataframe_records": [{"SK_ID_CURR": 1, "AMT_CREDIT": "a lot"}]},
            "column AMT_CREDIT must be a number or null; got 'a lot' (text) on row 0",
        ),
        (
            {"dataframe_records": [{"SK_ID_CURR": 1}, {"SK_ID_CURR": 2, "CODE_GENDER": 1}]},
            "column CODE_GENDER must be text or null; got 1.0 (float) on row 1",
        ),
        ({"dataframe_records": [{"SK_ID_CURR": 1, "AMT_CREDTI": 5.0}]}, "unknown column(s) ['AMT_CREDTI']"),
        ({"dataframe_split": {"columns": ["SK_ID_CURR"], "data": []}}, "empty request"),
        ({"dataframe_records": []}, "empty request"),
        (_by_id([1], top_k=0), "top_k must be an integer from 1 to 100"),
    ],
)
def test_malformed_requests_get_400_with_a_precise_message(served: Served, body: dict, fragment: str) -> None:
    response = _post(served, body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error_code"] == "INVALID_PARAMETER_VALUE"
    assert fragment in payload["message"]
    assert "Traceback" not in response.text and "stack_trace" not in payload


def test_non_finite_numbers_and_bad_json_are_refused(served: Served) -> None:
    body = '{"dataframe_split": {"columns": ["SK_ID_CURR", "AMT_CREDIT"], "data": [[1, Infinity]]}}'
    headers = {"Content-Type": "application/json"}
    response = requests.post(f"{served.url}/invocations", data=body, headers=headers, timeout=30)
    assert response.status_code == 400
    assert "column AMT_CREDIT must be a finite number or null; got inf on row 0" in response.json()["message"]
    garbage = requests.post(f"{served.url}/invocations", data="{not json", headers=headers, timeout=30)
    assert garbage.status_code == 400
    assert requests.post(f"{served.url}/invocations", json={}, timeout=30).status_code == 400


def test_every_answered_row_is_logged(served: Served) -> None:
    engine = sa.create_engine(served.events_url)

    def count() -> int:
        with engine.connect() as connection:
            return connection.execute(sa.text("select count(*) from prediction_events")).scalar_one()

    before = count()
    ids = [*served.tiny.production_ids[:4].tolist(), 77]
    answer = _predictions(served, _by_id(ids))
    deadline = time.monotonic() + 10
    while count() < before + len(ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    events = pd.read_sql_query(
        sa.text("select * from prediction_events where id > :before order by id"),
        engine,
        params={"before": before},
    )
    assert events["sk_id_curr"].tolist() == ids
    np.testing.assert_allclose(events["probability_default"].iloc[:4], answer["probability_default"].iloc[:4])
    assert events["decision"].tolist()[:4] == answer["decision"].tolist()[:4]
    assert events["error"].iloc[4].startswith("unknown client id 77")
    assert (events["model_version"] == "1").all() and (events["latency_ms"] > 0).all()
    assert len(json.loads(events["features"].iloc[0])) == 20


def test_generate_dockerfile_bundles_model_code_and_pinned_requirements(served: Served) -> None:
    out = served.folder / "docker"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "MLFLOW_TRACKING_URI": served.tracking_uri}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(
        [str(bin_dir / "mlflow"), "models", "generate-dockerfile", "-m", CHAMPION_URI, "-d", str(out)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    dockerfile = (out / "Dockerfile").read_text()
    # MLflow's image serves on port 8080 (no EXPOSE line): docker run -p 5001:8080 IMAGE
    assert "COPY model_dir /opt/ml/model" in dockerfile
    assert "_install_pyfunc_deps('/opt/ml/model'" in dockerfile
    assert "C._serve(" in dockerfile
    model_dir = out / "model_dir"
    assert str(yaml.safe_load((model_dir / "registered_model_meta").read_text())["model_version"]) == "1"
    assert (model_dir / "code" / "custom_model" / "model.py").is_file()
    assert (model_dir / "code" / "custom_model" / "pyfunc_entry.py").is_file()
    assert "lightgbm==4.7.0" in (model_dir / "requirements.txt").read_text()

"""Fixtures of the client tests: the tiny champion model, its real model server, and its run's artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from streamlit import config as streamlit_config

from tests.support.server import model_server
from tests.support.tiny_model import TinyModel, train_tiny_model

APP_PATH = Path(__file__).resolve().parents[2] / "streamlit_client" / "app.py"


@pytest.fixture(autouse=True, scope="session")
def _no_streamlit_magic() -> None:
    """AppTest without "magic": its `ast.parse` in the script thread trips CPython 3.11.7's AST depth bug
    (python/cpython#106905, "AST constructor recursion depth mismatch") when another thread parses at the same
    time. The app uses no magic (every output is an explicit `st.` call), so nothing tested changes."""
    streamlit_config.set_option("runner.magicEnabled", False)


@dataclass(frozen=True)
class ServedModel:
    """A tiny champion, the URL of its running server and the artifacts the app reads."""

    model: TinyModel
    url: str
    reference: pd.DataFrame
    importance: pd.DataFrame


@pytest.fixture(scope="session")
def client_tiny_model(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> TinyModel:
    """The session's tiny model (the shared `tiny_model` fixture when the suite has one)."""
    try:
        return request.getfixturevalue("tiny_model")
    except pytest.FixtureLookupError:
        return train_tiny_model(tmp_path_factory.mktemp("client-tiny-model"))


def _artifact(model: TinyModel, name: str, dst: Path) -> Path:
    """Download one artifact of the champion's run (what the app reads, fetched independently of it)."""
    return Path(
        mlflow.artifacts.download_artifacts(
            run_id=model.run_id, artifact_path=name, dst_path=str(dst), tracking_uri=model.tracking_uri
        )
    )


@pytest.fixture(scope="session")
def served_model(
    client_tiny_model: TinyModel, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedModel]:
    """A real `mlflow models serve` of the tiny champion on 127.0.0.1, stopped at the end of the session."""
    folder = tmp_path_factory.mktemp("client-artifacts")
    reference = pd.read_parquet(_artifact(client_tiny_model, "reference_sample.parquet", folder))
    importance = pd.read_csv(_artifact(client_tiny_model, "global_importance.csv", folder))
    env = {"CREDIT_SCORING_PREDICTION_LOG": "none"}
    with model_server(client_tiny_model.model_uri, client_tiny_model.tracking_uri, env=env) as url:
        yield ServedModel(model=client_tiny_model, url=url, reference=reference, importance=importance)


@pytest.fixture
def app_env(served_model: ServedModel, monkeypatch: pytest.MonkeyPatch) -> ServedModel:
    """Point the app (run in-process by AppTest) at the served tiny model and its tracking store."""
    monkeypatch.setenv("CREDIT_SCORING_API_URL", served_model.url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", served_model.model.tracking_uri)
    return served_model

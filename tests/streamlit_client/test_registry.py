"""The client's registry reader against real MLflow sqlite stores in tmp_path.

Two stores: the tiny champion trained by the real training code (what the app meets in production), and a
hand-made run whose artifacts we wrote ourselves (so each expected value is known and each fault is planted).
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow.models import infer_signature

from custom_model.contract import REGISTERED_MODEL_NAME, Alias, Artifact
from custom_model.features.application import RAW_COLUMNS
from streamlit_client.errors import RegistryError
from streamlit_client.registry import load_champion, read_importance, read_reference
from tests.support.tiny_model import TinyModel

MODEL_CARD = "# Model card\n\nHand-written for the test.\n"
#: Out of order, one label missing: the reader sorts by importance and labels a feature by its name.
IMPORTANCE = pd.DataFrame(
    {
        "feature": ["AMT_CREDIT", "EXT_SOURCE_3", "DAYS_BIRTH"],
        "label": ["Credit amount", None, "Age"],
        "mean_abs_contribution": [0.1, 0.9, 0.4],
    }
)


class _Echo(mlflow.pyfunc.PythonModel):
    """Smallest pyfunc there is: the registry reader never loads it."""

    def predict(self, context, model_input, params=None):
        return model_input


@dataclass(frozen=True)
class HandStore:
    """A sqlite store with one registered version whose run holds artifacts written by the test."""

    uri: str
    run_id: str
    version: str


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty MLflow sqlite store, created once (its migrations take seconds) and copied by each test."""
    path = tmp_path_factory.mktemp("empty-store") / "mlflow.db"
    mlflow.MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def store_uri(empty_db: Path, tmp_path: Path) -> str:
    """A fresh empty store of this test's own."""
    shutil.copyfile(empty_db, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def _hand_store(
    uri: str, tmp_path: Path, artifacts: dict[str, str], *, alias: str = Alias.CHAMPION
) -> HandStore:
    """Register an echo model with input schema (SK_ID_CURR, AMT_CREDIT); log ``artifacts`` (path → text)."""
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("hand", artifact_location=(tmp_path / "artifacts").as_uri())
    example = pd.DataFrame({"SK_ID_CURR": [100001], "AMT_CREDIT": [5000.0]})
    mlflow.set_tracking_uri(uri)  # restored after the test by the autouse fixture of tests/conftest.py
    with mlflow.start_run(experiment_id=experiment) as run:
        for path, text in artifacts.items():
            mlflow.log_text(text, path)
        mlflow.pyfunc.log_model(
            name="model",
            python_model=_Echo(),
            signature=infer_signature(example),
            registered_model_name=REGISTERED_MODEL_NAME,
            pip_requirements=[],
        )
    client.set_registered_model_alias(REGISTERED_MODEL_NAME, alias, "1")
    return HandStore(uri=uri, run_id=run.info.run_id, version="1")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_tiny_champion_is_read_with_all_its_artifacts(tiny_model: TinyModel, tmp_path: Path) -> None:
    champion = load_champion(tiny_model.tracking_uri)
    assert (champion.name, champion.alias) == (REGISTERED_MODEL_NAME, Alias.CHAMPION)
    assert (champion.version, champion.run_id) == (tiny_model.version, tiny_model.run_id)
    assert champion.problems == ()

    def artifact(name: str) -> Path:
        return Path(
            mlflow.artifacts.download_artifacts(
                run_id=tiny_model.run_id,
                artifact_path=name,
                dst_path=str(tmp_path),
                tracking_uri=tiny_model.tracking_uri,
            )
        )

    assert champion.model_card == artifact(Artifact.MODEL_CARD).read_text(encoding="utf-8")
    logged = pd.read_csv(artifact(Artifact.GLOBAL_IMPORTANCE))
    assert list(champion.importance["feature"]) == list(logged["feature"])  # training already ranks them
    assert champion.importance["mean_abs_contribution"].is_monotonic_decreasing
    pd.testing.assert_frame_equal(champion.reference, pd.read_parquet(artifact(Artifact.REFERENCE_SAMPLE)))
    # the served model has no input schema: the columns come from its logged serving example (id + raw fields)
    assert champion.input_columns == ("SK_ID_CURR", *RAW_COLUMNS)


def test_a_hand_made_run_is_read_sorted_labelled_and_found_in_a_subfolder(
    store_uri: str, tmp_path: Path
) -> None:
    store = _hand_store(
        store_uri,
        tmp_path,
        {
            Artifact.MODEL_CARD: MODEL_CARD,
            f"explain/{Artifact.GLOBAL_IMPORTANCE}": IMPORTANCE.to_csv(index=False),
        },
    )
    champion = load_champion(store.uri)
    assert (champion.version, champion.run_id) == (store.version, store.run_id)
    assert champion.model_card == MODEL_CARD
    assert champion.importance.to_dict("list") == {
        "feature": ["EXT_SOURCE_3", "DAYS_BIRTH", "AMT_CREDIT"],
        "label": ["EXT_SOURCE_3", "Age", "Credit amount"],
        "mean_abs_contribution": [0.9, 0.4, 0.1],
    }
    assert champion.input_columns == ("SK_ID_CURR", "AMT_CREDIT")  # from the input schema
    # an absent artifact is a problem to show, not a failure: the app still scores
    assert champion.reference is None
    assert champion.problems == (
        f"{Artifact.REFERENCE_SAMPLE}: run {store.run_id} has no artifact named {Artifact.REFERENCE_SAMPLE}",
    )


def test_an_unreadable_artifact_is_reported_and_the_others_still_read(store_uri: str, tmp_path: Path) -> None:
    store = _hand_store(
        store_uri,
        tmp_path,
        {Artifact.MODEL_CARD: MODEL_CARD, Artifact.GLOBAL_IMPORTANCE: "feature,importance\nAMT_CREDIT,1\n"},
    )
    champion = load_champion(store.uri)
    assert champion.importance is None and champion.model_card == MODEL_CARD
    (importance_problem, _reference_problem) = champion.problems
    assert importance_problem == (
        f"{Artifact.GLOBAL_IMPORTANCE}: {Artifact.GLOBAL_IMPORTANCE}: missing column(s) "
        "['label', 'mean_abs_contribution']; got ['feature', 'importance']"
    )


def test_another_alias_can_be_asked_for(store_uri: str, tmp_path: Path) -> None:
    store = _hand_store(store_uri, tmp_path, {Artifact.MODEL_CARD: MODEL_CARD}, alias=Alias.CHALLENGER)
    challenger = load_champion(store.uri, alias=Alias.CHALLENGER)
    assert (challenger.alias, challenger.version, challenger.model_card) == (
        Alias.CHALLENGER,
        "1",
        MODEL_CARD,
    )
    with pytest.raises(RegistryError, match=f"{store.uri} could not answer: .*alias champion not found"):
        load_champion(store.uri)


def test_an_empty_registry_says_which_model_and_alias_it_lacks(store_uri: str) -> None:
    uri = store_uri
    with pytest.raises(RegistryError) as caught:
        load_champion(uri)
    assert str(caught.value).startswith(
        f"the registry at {uri} has no version of '{REGISTERED_MODEL_NAME}' with alias '{Alias.CHAMPION}': "
    )


def test_a_version_without_a_source_run_is_refused_by_name(store_uri: str, tmp_path: Path) -> None:
    uri = store_uri
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.create_registered_model("orphan")
    client.create_model_version("orphan", source=(tmp_path / "somewhere").as_uri(), run_id=None)
    client.set_registered_model_alias("orphan", Alias.CHAMPION, "1")
    with pytest.raises(RegistryError, match=r"^orphan version 1 has no source run to read artifacts from$"):
        load_champion(uri, model_name="orphan")


def test_a_tracking_server_that_is_down_gives_a_registry_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(RegistryError, match=f"^the tracking server at {url} "):
        load_champion(url)


def test_artifact_files_are_checked_for_their_columns_and_read_in_order(tmp_path: Path) -> None:
    importance = tmp_path / Artifact.GLOBAL_IMPORTANCE
    importance.write_text("feature,label\nA,a\n")
    with pytest.raises(
        RegistryError, match=r"global_importance\.csv: missing column\(s\) \['mean_abs_contribution'\]"
    ):
        read_importance(importance)
    reference = tmp_path / Artifact.REFERENCE_SAMPLE
    pd.DataFrame({"SK_ID_CURR": [1], "AMT_CREDIT": [2.0]}).to_parquet(reference)
    with pytest.raises(RegistryError, match=r"reference_sample\.parquet: missing column\(s\) \['decision'\]"):
        read_reference(reference)
    pd.DataFrame({"SK_ID_CURR": [7, 3], "decision": ["refused", "accepted"]}, index=[10, 20]).to_parquet(
        reference
    )
    # rows are read in file order and renumbered 0..n-1, whatever index the file stored
    read = read_reference(reference)
    assert read.to_dict("list") == {"SK_ID_CURR": [7, 3], "decision": ["refused", "accepted"]}
    assert list(read.index) == [0, 1]


def test_a_registry_uri_the_client_cannot_use_is_a_registry_error() -> None:
    # The client image ships mlflow-skinny, which refuses sqlite:// registries in MlflowClient's constructor;
    # the full mlflow of the test venv refuses an unknown scheme the same way.
    with pytest.raises(RegistryError, match="nosuchscheme://registry"):
        load_champion("nosuchscheme://registry")

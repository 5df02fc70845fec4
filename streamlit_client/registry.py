"""Model metadata from the MLflow tracking server / registry: the champion's version and its run's artifacts.

Only the tracking API is used (MlflowClient + artifact download): no model code is loaded here.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.models import Model

from custom_model.contract import ID_COLUMN, IMPORTANCE_COLUMNS, REGISTERED_MODEL_NAME, Alias, Artifact
from streamlit_client.errors import RegistryError

logger = logging.getLogger(__name__)

_SEARCH_DEPTH = 3


@dataclass(frozen=True)
class Champion:
    """What the app knows about the served model; an artifact that could not be read is None + a problem."""

    name: str
    alias: str
    version: str
    run_id: str
    model_card: str | None
    importance: pd.DataFrame | None
    reference: pd.DataFrame | None
    input_columns: tuple[str, ...] | None = None
    problems: tuple[str, ...] = field(default=())
    #: Ids of the production clients (current applicants); empty for a run that did not log them.
    applicants: tuple[int, ...] = ()


def _find_artifact(client: mlflow.MlflowClient, run_id: str, filename: str) -> str | None:
    """Path of `filename` among the run's artifacts (top level first, then sub-folders), or None."""
    folders: list[str | None] = [None]
    for _ in range(_SEARCH_DEPTH):
        subfolders: list[str | None] = []
        for folder in folders:
            for info in client.list_artifacts(run_id, folder):
                if not info.is_dir and Path(info.path).name == filename:
                    return info.path
                if info.is_dir:
                    subfolders.append(info.path)
        folders = subfolders
    return None


def _download(client: mlflow.MlflowClient, run_id: str, filename: str, tracking_uri: str, dst: Path) -> Path:
    """Download one named artifact of the run into dst."""
    path = _find_artifact(client, run_id, filename)
    if path is None:
        raise RegistryError(f"run {run_id} has no artifact named {filename}")
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path=path, dst_path=str(dst), tracking_uri=tracking_uri
    )
    return Path(local)


def read_importance(path: Path) -> pd.DataFrame:
    """Read global_importance.csv and check its columns."""
    frame = pd.read_csv(path)
    missing = [c for c in IMPORTANCE_COLUMNS if c not in frame.columns]
    if missing:
        raise RegistryError(f"{path.name}: missing column(s) {missing}; got {list(frame.columns)}")
    frame["label"] = frame["label"].fillna(frame["feature"]).astype(str)
    return frame.sort_values("mean_abs_contribution", ascending=False).reset_index(drop=True)


def read_reference(path: Path) -> pd.DataFrame:
    """Read reference_sample.parquet and check it has ids and decisions."""
    frame = pd.read_parquet(path)
    missing = [c for c in ("SK_ID_CURR", "decision") if c not in frame.columns]
    if missing:
        raise RegistryError(f"{path.name}: missing column(s) {missing}; got {list(frame.columns)[:20]}")
    return frame.reset_index(drop=True)


def read_applicants(path: Path) -> tuple[int, ...]:
    """Read current_applicants.csv: one SK_ID_CURR per line, sorted."""
    frame = pd.read_csv(path)
    if ID_COLUMN not in frame.columns:
        raise RegistryError(f"{path.name}: missing column {ID_COLUMN}; got {list(frame.columns)[:20]}")
    return tuple(sorted(int(i) for i in frame[ID_COLUMN]))


def _example_columns(example: dict[str, Any]) -> tuple[str, ...]:
    """Column names of a serving input example (`dataframe_split` or `dataframe_records`)."""
    if "dataframe_split" in example:
        return tuple(str(c) for c in example["dataframe_split"]["columns"])
    if example.get("dataframe_records"):
        return tuple(str(c) for c in example["dataframe_records"][0])
    raise RegistryError(
        f"serving input example has neither dataframe_split nor dataframe_records: {list(example)}"
    )


def read_input_columns(
    client: mlflow.MlflowClient, version: ModelVersion, tracking_uri: str
) -> tuple[str, ...]:
    """Columns the model accepts: its signature's inputs, else those of its serving input example.

    The served model may declare no input schema (so that its own validation answers unknown columns); its
    logged serving example then documents the request columns. Only metadata files are downloaded.
    """
    model_id = version.model_id
    if not model_id and (version.source or "").startswith("models:/m-"):
        model_id = version.source.removeprefix("models:/").split("/")[0]
    location = (client.get_logged_model(model_id).artifact_location if model_id else version.source).rstrip(
        "/"
    )
    with tempfile.TemporaryDirectory(prefix="credit-scoring-mlmodel-") as tmp:
        model = Model.load(
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"{location}/MLmodel", dst_path=tmp, tracking_uri=tracking_uri
            )
        )
        if model.signature is not None and model.signature.inputs is not None:
            return tuple(model.signature.inputs.input_names())
        example = (model.saved_input_example_info or {}).get("serving_input_path")
        if not example:
            raise RegistryError(
                f"{version.name} version {version.version} has no input schema nor input example"
            )
        path = mlflow.artifacts.download_artifacts(
            artifact_uri=f"{location}/{example}", dst_path=tmp, tracking_uri=tracking_uri
        )
        return _example_columns(json.loads(Path(path).read_text(encoding="utf-8")))


def load_champion(
    tracking_uri: str, *, model_name: str = REGISTERED_MODEL_NAME, alias: str = Alias.CHAMPION
) -> Champion:
    """Resolve name@alias in the registry and read the artifacts of the run that produced it."""
    try:
        # Inside the try: the client image's mlflow-skinny refuses a sqlite:// registry in the constructor.
        client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        version = client.get_model_version_by_alias(model_name, alias)
    except MlflowException as exc:
        first_line = str(exc).splitlines()[0][:200]
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise RegistryError(
                f"the registry at {tracking_uri} has no version of {model_name!r} with alias {alias!r}: "
                f"{first_line}"
            ) from exc
        raise RegistryError(f"the tracking server at {tracking_uri} could not answer: {first_line}") from exc
    except Exception as exc:  # connection errors of a remote tracking server come in many types
        raise RegistryError(f"the tracking server at {tracking_uri} cannot be reached: {exc}") from exc
    run_id = version.run_id
    if not run_id:
        raise RegistryError(
            f"{model_name} version {version.version} has no source run to read artifacts from"
        )
    problems: list[str] = []
    readers = {
        Artifact.MODEL_CARD: lambda path: path.read_text(encoding="utf-8"),
        Artifact.GLOBAL_IMPORTANCE: read_importance,
        Artifact.REFERENCE_SAMPLE: read_reference,
    }
    loaded: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="credit-scoring-artifacts-") as tmp:
        for filename, reader in readers.items():
            try:
                loaded[filename] = reader(_download(client, run_id, filename, tracking_uri, Path(tmp)))
            except (RegistryError, MlflowException, OSError, ValueError) as exc:
                logger.warning("artifact %s of run %s unreadable: %s", filename, run_id, exc)
                problems.append(f"{filename}: {exc}")
                loaded[filename] = None
        try:  # optional: the runs of older versions did not log it
            applicants = read_applicants(
                _download(client, run_id, Artifact.CURRENT_APPLICANTS, tracking_uri, Path(tmp))
            )
        except (RegistryError, MlflowException, OSError, ValueError) as exc:
            logger.info("no current applicants in run %s: %s", run_id, exc)
            applicants = ()
    try:
        input_columns: tuple[str, ...] | None = read_input_columns(client, version, tracking_uri)
    except (RegistryError, MlflowException, OSError, ValueError) as exc:
        logger.warning("signature of %s version %s unreadable: %s", model_name, version.version, exc)
        input_columns = None
    return Champion(
        name=model_name,
        alias=alias,
        version=str(version.version),
        run_id=run_id,
        model_card=loaded[Artifact.MODEL_CARD],
        importance=loaded[Artifact.GLOBAL_IMPORTANCE],
        reference=loaded[Artifact.REFERENCE_SAMPLE],
        input_columns=input_columns,
        problems=tuple(problems),
        applicants=applicants,
    )

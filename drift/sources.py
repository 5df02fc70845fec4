"""Where drift data comes from: the champion's artifacts, the training/production tables, the prediction log.

Reference = training clients (application_train), current = production clients (application_test) or the
prediction events of the last ``window_days`` days. Both sides are model inputs (the champion's preprocessor
output), so the drift is measured on exactly what the model sees. The reference score is the holdout score of
the champion's reference_sample.parquet: training clients the final model was fitted on have optimistic
in-sample scores, which would show a score shift that production never had.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import sqlalchemy as sa
from mlflow.exceptions import MlflowException
from mlflow.models import Model
from mlflow.tracking import MlflowClient

from custom_model import schema
from custom_model.contract import (
    IMPORTANCE_COLUMNS,
    PROBABILITY_COLUMN,
    REGISTERED_MODEL_NAME,
    Alias,
    Artifact,
    EventStatus,
)
from custom_model.errors import DataSourceError, SchemaError
from custom_model.features.assemble import build_features
from custom_model.io import load_tables
from custom_model.model import ARTIFACT_KEY, ScoringArtifacts, load_artifacts
from custom_model.prediction_log import TABLE_NAME, now_utc
from custom_model.preprocessing import FeaturePreprocessor

logger = logging.getLogger(__name__)

SCORE_COLUMN = PROBABILITY_COLUMN
#: Rows transformed at a time: keeps the full model-input matrix of 307k clients out of memory.
CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class Champion:
    """The served model version and what the drift job reads from its training run."""

    name: str
    version: str
    run_id: str
    importance: pd.DataFrame
    reference_sample: pd.DataFrame | None
    scoring: ScoringArtifacts
    #: Training clients' model inputs as the run logged them (None for runs that predate it).
    drift_reference: pd.DataFrame | None = None


@dataclass(frozen=True)
class DriftData:
    """Reference and current frames (model inputs + probability_default) and where they came from."""

    reference: pd.DataFrame
    current: pd.DataFrame
    notes: tuple[str, ...]


def _download(run_id: str, path: str, destination: Path) -> Path | None:
    """Download one run artifact; None when the run does not have it."""
    try:
        return Path(
            mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path, dst_path=str(destination))
        )
    except (MlflowException, OSError) as error:
        logger.warning("run %s: artifact %s not available (%s)", run_id, path, error)
        return None


def _scoring_artifacts(model_dir: Path) -> ScoringArtifacts:
    """Load the preprocessor and estimator bundled in a downloaded pyfunc model."""
    pyfunc = Model.load(str(model_dir)).flavors.get("python_function", {})
    entry = pyfunc.get("artifacts", {}).get(ARTIFACT_KEY)
    if entry is None:
        raise DataSourceError(
            f"{model_dir}/MLmodel: no '{ARTIFACT_KEY}' artifact; not a credit-scoring pyfunc"
        )
    return load_artifacts(model_dir / entry["path"])


def check_importance(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """Validate global_importance.csv and sort it by decreasing importance."""
    missing = [c for c in IMPORTANCE_COLUMNS if c not in table.columns]
    if missing:
        raise SchemaError(f"{source}: missing column(s) {missing}; expected {list(IMPORTANCE_COLUMNS)}")
    return table.sort_values("mean_abs_contribution", ascending=False, kind="stable", ignore_index=True)


def load_champion(
    *, name: str = REGISTERED_MODEL_NAME, alias: str = Alias.CHAMPION, client: MlflowClient | None = None
) -> Champion:
    """Resolve ``name@alias`` and read its importance table, reference sample and scoring artifacts."""
    client = client or MlflowClient()
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException as error:
        raise DataSourceError(
            f"model registry {mlflow.get_tracking_uri()}: no {name}@{alias} ({error.message}); "
            "train a model first (mlflow run . -e train)"
        ) from None
    with tempfile.TemporaryDirectory(prefix="drift-champion-") as tmp:
        workdir = Path(tmp)
        importance_path = _download(version.run_id, Artifact.GLOBAL_IMPORTANCE, workdir)
        if importance_path is None:
            raise DataSourceError(
                f"run {version.run_id} of {name} v{version.version}: no {Artifact.GLOBAL_IMPORTANCE} artifact"
            )
        importance = check_importance(
            pd.read_csv(importance_path), f"run {version.run_id}/{Artifact.GLOBAL_IMPORTANCE}"
        )
        sample_path = _download(version.run_id, Artifact.REFERENCE_SAMPLE, workdir)
        sample = pd.read_parquet(sample_path) if sample_path is not None else None
        stored_path = _download(version.run_id, Artifact.DRIFT_REFERENCE, workdir)
        stored = pd.read_parquet(stored_path) if stored_path is not None else None
        model_dir = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{name}/{version.version}", dst_path=str(workdir / "model")
            )
        )
        scoring = _scoring_artifacts(model_dir)
    logger.info(
        "champion %s v%s (run %s): %d features ranked", name, version.version, version.run_id, len(importance)
    )
    return Champion(name, str(version.version), version.run_id, importance, sample, scoring, stored)


def top_features(importance: pd.DataFrame, n: int) -> tuple[list[str], dict[str, str]]:
    """The ``n`` most important features with a non-zero importance, and their plain-words labels."""
    used = importance[importance["mean_abs_contribution"] > 0]
    if len(used) < len(importance):
        logger.info("%d features with zero importance are never drift-tested", len(importance) - len(used))
    top = used.head(n)
    return top["feature"].tolist(), dict(
        zip(top["feature"], top["label"].fillna(top["feature"]), strict=True)
    )


def model_inputs(
    features: pd.DataFrame, preprocessor: FeaturePreprocessor, columns: list[str]
) -> pd.DataFrame:
    """The preprocessor's output restricted to ``columns`` (transformed in chunks to bound memory)."""
    known = set(preprocessor.feature_names_)
    keep = [c for c in columns if c in known]
    parts = [
        preprocessor.transform(features.iloc[start : start + CHUNK_ROWS])[keep]
        for start in range(0, len(features), CHUNK_ROWS)
    ]
    return pd.concat(parts) if parts else pd.DataFrame(columns=keep)


def probabilities(scoring: ScoringArtifacts, features: pd.DataFrame) -> np.ndarray:
    """Scores of feature rows through the served model's own preprocessing and model (as `Scorer`)."""
    parts = []
    for start in range(0, len(features), CHUNK_ROWS):
        X = np.ascontiguousarray(scoring.preprocessor.transform(features.iloc[start : start + CHUNK_ROWS]))
        parts.append(scoring.model.predict_proba(X))
    return np.concatenate(parts) if parts else np.empty(0)


def reference_scores(champion: Champion, ids: pd.Index) -> tuple[pd.Series | None, str]:
    """Holdout scores of the reference sample placed on the reference rows (missing elsewhere), and a note."""
    sample = champion.reference_sample
    if sample is None or not {schema.ID_CURR, SCORE_COLUMN} <= set(sample.columns):
        return None, f"no {Artifact.REFERENCE_SAMPLE} with {SCORE_COLUMN}: training clients scored in-sample"
    scores = sample.set_index(schema.ID_CURR)[SCORE_COLUMN]
    placed = scores.reindex(ids)
    note = (
        f"reference {SCORE_COLUMN}: holdout scores of {int(placed.notna().sum())} clients from "
        f"{Artifact.REFERENCE_SAMPLE} (the other training clients were fitted on; their scores are left out)"
    )
    return placed, note


def stored_reference(champion: Champion, columns: list[str]) -> pd.DataFrame | None:
    """The training run's model inputs of ``columns`` (indexed by SK_ID_CURR), or None when it lacks some.

    Reading them spares the job the tables and the feature build of every training client (12 GB at full
    scale), and the reference is what the model was trained on even if the tables have changed since.
    """
    stored = champion.drift_reference
    if stored is None or schema.ID_CURR not in stored.columns:
        return None
    known = set(champion.scoring.preprocessor.feature_names_)
    keep = [c for c in columns if c in known]
    missing = [c for c in keep if c not in stored.columns]
    if missing:
        logger.info("%s lacks %d tested features: reference rebuilt", Artifact.DRIFT_REFERENCE, len(missing))
        return None
    return stored.set_index(schema.ID_CURR)[keep]


def _with_scores(reference: pd.DataFrame, champion: Champion, features: pd.DataFrame | None) -> str:
    """Add the reference scores (holdout scores, else in-sample ones from ``features``); return their note."""
    scores, note = reference_scores(champion, reference.index)
    if scores is None:
        if features is None:
            raise DataSourceError(
                f"no {Artifact.REFERENCE_SAMPLE} with {SCORE_COLUMN} and no tables to score"
            )
        scores = pd.Series(probabilities(champion.scoring, features), index=features.index)
        scores = scores.reindex(reference.index)
    reference[SCORE_COLUMN] = scores.to_numpy()
    return note


def training_reference(
    tables_dir: Path, features: pd.DataFrame | None, champion: Champion, columns: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Training clients' model inputs plus their (holdout) scores, and notes saying where they come from.

    ``features`` = the training clients' features when the caller has built them; built here only when the
    training run's stored reference cannot be used.
    """
    reference = stored_reference(champion, columns)
    if reference is not None:
        where = f"{len(reference)} training clients from run {champion.run_id}/{Artifact.DRIFT_REFERENCE}"
        return reference, [f"reference: {where}", _with_scores(reference, champion, features)]
    if features is None:
        features = build_features(load_tables(tables_dir)).train
    reference = model_inputs(features, champion.scoring.preprocessor, columns)
    where = f"{len(reference)} application_train clients of {tables_dir}"
    return reference, [f"reference: {where}", _with_scores(reference, champion, features)]


def table_data(data_dir: Path, champion: Champion, columns: list[str]) -> DriftData:
    """Reference = application_train clients, current = application_test clients, as model inputs + scores."""
    features = build_features(load_tables(data_dir))
    reference, notes = training_reference(data_dir, features.train, champion, columns)
    current = model_inputs(features.production, champion.scoring.preprocessor, columns)
    current[SCORE_COLUMN] = probabilities(champion.scoring, features.production)
    scored = f"scored by {champion.name} v{champion.version}"
    notes.insert(1, f"current: {len(current)} application_test clients of {data_dir}, {scored}")
    return DriftData(reference, current, tuple(notes))


def _scored_events(url: str, columns: list[str], *, since: datetime) -> pd.DataFrame:
    """``columns`` of the prediction log's scored events since ``since`` (no error, a probability)."""
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table(TABLE_NAME):
            raise DataSourceError(
                f"prediction log {_safe(url)}: no table {TABLE_NAME} (has the model server answered a "
                "request with CREDIT_SCORING_PREDICTION_LOG pointing here?)"
            )
        table = sa.Table(TABLE_NAME, sa.MetaData(), autoload_with=engine)
        query = sa.select(*(table.c[name] for name in columns)).where(
            table.c.timestamp >= since, table.c.error.is_(None), table.c.probability_default.is_not(None)
        )
        with engine.connect() as connection:
            events = pd.read_sql(query, connection)
    except sa.exc.SQLAlchemyError as error:
        raise DataSourceError(f"prediction log {_safe(url)}: cannot read {TABLE_NAME} ({error})") from None
    finally:
        engine.dispose()
    if events.empty:
        raise DataSourceError(
            f"prediction log {_safe(url)}: no scored event since {since:%Y-%m-%d %H:%M} UTC; "
            "nothing to compare"
        )
    return events


def read_prediction_log(url: str, *, window_days: float, now: datetime | None = None) -> pd.DataFrame:
    """Scored events of the last ``window_days`` days: model inputs + score, indexed by SK_ID_CURR."""
    since = (now or now_utc()) - timedelta(days=window_days)
    columns = ["timestamp", "model_version", "sk_id_curr", "probability_default", "latency_ms", "features"]
    events = _scored_events(url, columns, since=since)
    features = pd.DataFrame.from_records([json.loads(text) if text else {} for text in events["features"]])
    features = features.apply(pd.to_numeric, errors="coerce")
    frame = pd.concat([features, events[[SCORE_COLUMN]].astype(float)], axis=1)
    frame.index = pd.Index(events["sk_id_curr"].to_numpy(dtype=np.int64), name=schema.ID_CURR)
    frame.attrs["model_versions"] = events["model_version"].value_counts().to_dict()
    frame.attrs["since"] = since.isoformat()
    frame.attrs["latency_ms_p50"] = float(events["latency_ms"].median())
    logger.info(
        "prediction log: %d scored events since %s UTC", len(frame), since.isoformat(timespec="minutes")
    )
    return frame


def read_answered_events(url: str, *, window_days: float, now: datetime | None = None) -> pd.DataFrame:
    """The decisions the API gave in the last ``window_days`` days (answered, not timed out), oldest first."""
    since = (now or now_utc()) - timedelta(days=window_days)
    columns = [
        "id",
        "timestamp",
        "model_version",
        "sk_id_curr",
        "input_kind",
        "status",
        "probability_default",
    ]
    events = _scored_events(url, [*columns, "decision"], since=since)
    answered = events[events["status"].fillna(EventStatus.ANSWERED) == EventStatus.ANSWERED]
    logger.info("prediction log: %d answered events since %s UTC", len(answered), since.isoformat())
    return answered.rename(columns={"id": "event_order"}).reset_index(drop=True)


def _safe(url: str) -> str:
    """URL without its password, for messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable URL>"


def log_data(
    url: str, *, window_days: float, data_dir: Path, champion: Champion, columns: list[str]
) -> DriftData:
    """Reference = the training clients, current = the scored prediction events of the window.

    The reference comes from the training run's stored model inputs; ``data_dir`` is read only for runs that
    did not store them.
    """
    events = read_prediction_log(url, window_days=window_days)
    reference, notes = training_reference(data_dir, None, champion, columns)
    versions = ", ".join(f"v{v}: {n}" for v, n in events.attrs["model_versions"].items())
    since = events.attrs["since"]
    notes.insert(1, f"current: {len(events)} scored prediction events since {since} UTC ({versions})")
    return DriftData(reference, events, tuple(notes))

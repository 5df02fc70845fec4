"""The served model: a models-from-code MLflow pyfunc bundling preprocessing, estimator, threshold, snapshot.

predict = validate the request → features (snapshot lookup for clients by id, feature code for raw fields) →
probability → decision at the cost-tuned threshold → reasons (contributions in log-odds) → event log.
`Scorer` does the work without MLflow (tests, benchmarks); `CreditScoringModel` is the thin pyfunc around it;
`log_scoring_model` is what the training job calls.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import yaml
from mlflow.models.signature import ModelSignature
from mlflow.protos.databricks_pb2 import INTERNAL_ERROR
from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

from custom_model import schema
from custom_model.contract import (
    ANSWER_COLUMNS,
    ANSWER_SCHEMA,
    DEFAULT_EXPLAIN,
    DEFAULT_TOP_K,
    MAX_ROWS_PER_REQUEST,
    MODEL_VERSION_ENV,
    PARAM_EXPLAIN,
    PARAM_TOP_K,
    PREDICTION_LOG_DISABLED,
    PREDICTION_LOG_ENV,
    REGISTERED_MODEL_NAME,
    THREADS_ENV,
)
from custom_model.cost import decisions
from custom_model.errors import CreditScoringError, RequestError
from custom_model.explain import top_reasons
from custom_model.families import ModelFamily, load_model
from custom_model.features.assemble import snapshot_features
from custom_model.labels import model_feature_labels
from custom_model.log_status import install as install_log_status
from custom_model.log_status import when_answered
from custom_model.prediction_log import (
    EventBatch,
    PredictionLog,
    close_all,
    install_shutdown_drain,
    now_utc,
    open_log,
    prediction_log_disabled,
    settings_from_env,
)
from custom_model.preprocessing import FeaturePreprocessor
from custom_model.request import ScoringRequest, check_explanation_budget, parse_params, parse_request
from custom_model.server_guard import ScoringError, in_scoring_server
from custom_model.server_guard import install as install_request_guard

logger = logging.getLogger(__name__)

#: Version of the on-disk layout of the artifacts directory; bump when it changes.
FORMAT_VERSION = 2
ARTIFACT_KEY = "scoring"
PACKAGE_DIR = Path(__file__).resolve().parent
ENTRY_FILE = PACKAGE_DIR / "pyfunc_entry.py"
#: Below this many rows one thread is faster: starting a thread team costs more than it saves.
PARALLEL_MIN_ROWS = 256
#: Rows featurised or explained at once: bounds the intermediate frames (rows × features) of a large batch.
#: The feature code's cost is mostly per call (hundreds of columns), so larger chunks are faster: 48,744 raw
#: rows take 3.2 s in chunks of 1,000 and 2.3 s in chunks of 5,000 (benchmarks/bench_batch, in process), for
#: a few tens of MB more per chunk.
CHUNK_ROWS = 5_000
#: Features recorded with every prediction event when training named none (top by structural importance).
LOGGED_FEATURES = 20
#: Packages the served model needs, pinned to the versions installed (= requirements.txt).
SERVING_PACKAGES = (
    "mlflow",
    "pandas",
    "numpy",
    "scikit-learn",
    "lightgbm",
    "pyarrow",
    "sqlalchemy",
    "cloudpickle",
    # The PostgreSQL driver of the prediction log (postgresql+psycopg:// URLs), with its compiled wheel.
    "psycopg",
    "psycopg-binary",
)
_MODEL_DIR = "model"


@dataclass(frozen=True)
class ScoringArtifacts:
    """Everything the served model needs, as trained; saved into the MLflow model by `log_scoring_model`."""

    preprocessor: FeaturePreprocessor
    model: ModelFamily
    threshold: float
    cost_fn: float
    cost_fp: float
    snapshot: pd.DataFrame
    model_name: str = REGISTERED_MODEL_NAME
    #: Features whose values every prediction event records: the training run's top global SHAP importance,
    #: i.e. the columns the drift job tests, so that the drift of the live log covers the same features.
    monitored_features: tuple[str, ...] = ()


def save_artifacts(artifacts: ScoringArtifacts, directory: Path) -> Path:
    """Write the artifacts to ``directory`` (the fitted model as its family saves it, snapshot as parquet)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / _MODEL_DIR).mkdir(exist_ok=True)
    artifacts.model.save(directory / _MODEL_DIR)
    (directory / "preprocessor.pkl").write_bytes(pickle.dumps(artifacts.preprocessor))
    _indexed_snapshot(artifacts.snapshot).to_parquet(directory / "snapshot.parquet")
    settings = {
        "format_version": FORMAT_VERSION,
        "family": artifacts.model.name,
        "threshold": float(artifacts.threshold),
        "cost_fn": float(artifacts.cost_fn),
        "cost_fp": float(artifacts.cost_fp),
        "model_name": artifacts.model_name,
        "monitored_features": list(artifacts.monitored_features),
    }
    (directory / "scoring.json").write_text(json.dumps(settings, indent=2))
    return directory


def load_artifacts(directory: Path) -> ScoringArtifacts:
    """Read what `save_artifacts` wrote; CreditScoringError when the layout version is not ours."""
    settings = json.loads((directory / "scoring.json").read_text())
    if settings.get("format_version") != FORMAT_VERSION:
        raise CreditScoringError(
            f"{directory / 'scoring.json'}: format_version must be {FORMAT_VERSION}; "
            f"got {settings.get('format_version')!r}"
        )
    return ScoringArtifacts(
        preprocessor=pickle.loads((directory / "preprocessor.pkl").read_bytes()),
        model=load_model(settings["family"], directory / _MODEL_DIR),
        threshold=settings["threshold"],
        cost_fn=settings["cost_fn"],
        cost_fp=settings["cost_fp"],
        snapshot=pd.read_parquet(directory / "snapshot.parquet"),
        model_name=settings["model_name"],
        monitored_features=tuple(settings.get("monitored_features", ())),
    )


def _indexed_snapshot(snapshot: pd.DataFrame) -> pd.DataFrame:
    """Return the snapshot indexed by a unique int64 SK_ID_CURR; CreditScoringError otherwise."""
    if schema.ID_CURR in snapshot.columns:
        snapshot = snapshot.set_index(schema.ID_CURR)
    if snapshot.index.name != schema.ID_CURR:
        raise CreditScoringError(f"client snapshot: expected index SK_ID_CURR; got {snapshot.index.name!r}")
    if not snapshot.index.is_unique:
        dup = snapshot.index[snapshot.index.duplicated()][:5].tolist()
        raise CreditScoringError(f"client snapshot: SK_ID_CURR must be unique; got duplicates {dup}")
    snapshot.index = snapshot.index.astype(np.int64)
    return snapshot


class Scorer:
    """Scores validated requests; built once per process (snapshot features precomputed for O(1) lookup)."""

    def __init__(self, artifacts: ScoringArtifacts, *, model_version: str = "unknown") -> None:
        self.artifacts = artifacts
        self.model_version = model_version
        self.threshold = float(artifacts.threshold)
        self.snapshot = _indexed_snapshot(artifacts.snapshot)
        self.model = artifacts.model
        self.threads = allowed_threads()
        known = self.snapshot.index.to_frame(index=False)
        self.known_inputs = self.model_inputs(known) if len(known) else None
        self.feature_names = list(artifacts.preprocessor.feature_names_)
        self.feature_labels = model_feature_labels(self.feature_names, artifacts.preprocessor.feature_labels_)
        self.base_value = self._base_value()
        self.logged_features = self._monitored_features()

    def model_inputs(self, request: pd.DataFrame) -> np.ndarray:
        """Model input matrix of the request's clients (SK_ID_CURR + optional raw fields), in order."""
        features = snapshot_features(self.snapshot, request)
        return np.ascontiguousarray(self.artifacts.preprocessor.transform(features).to_numpy())

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """Snapshot positions of ``ids`` (vectorised hash lookup); -1 for a client not in the snapshot."""
        return self.snapshot.index.get_indexer(ids)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """Probability of default for each row of the model input."""
        return self.model.predict_proba(X, num_threads=prediction_threads(len(X), self.threads))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Log-odds contributions (rows, features + 1); last column = base value; rows sum to the log-odds."""
        contrib = self.model.contributions(X, num_threads=prediction_threads(len(X), self.threads))
        if contrib.shape[1] != X.shape[1] + 1:
            raise CreditScoringError(
                f"explanations need one contribution per model input plus the base value; got "
                f"{contrib.shape[1]} columns for {X.shape[1]} inputs"
            )
        return contrib

    def _base_value(self) -> float:
        """Base value of the explanations (expected log-odds; the same for every client)."""
        row = np.full((1, len(self.feature_names)), np.nan)
        if self.known_inputs is not None:
            row = self.known_inputs[:1]
        return float(self.contributions(row)[0, -1])

    def _monitored_features(self) -> np.ndarray:
        """Indices of the features each prediction event records (training's choice, else the top by gain)."""
        named = self.artifacts.monitored_features
        if not named:
            return self._top_global_features(LOGGED_FEATURES)
        position = {name: i for i, name in enumerate(self.feature_names)}
        unknown = [name for name in named if name not in position]
        if unknown:
            raise CreditScoringError(
                f"monitored features are not model features: {unknown[:5]} ({len(unknown)} of {len(named)})"
            )
        return np.array([position[name] for name in named], dtype=np.intp)

    def _top_global_features(self, n: int) -> np.ndarray:
        """Indices of the n structurally most important features (gain, or |coefficient|)."""
        importance = np.asarray(self.model.structural_importance(), dtype=np.float64)
        return np.argsort(-importance, kind="stable")[:n]

    def score(self, request: ScoringRequest, *, explain: bool, top_k: int) -> tuple[pd.DataFrame, np.ndarray]:
        """Answer every row (unknown or implausible rows get an error); return the answer and model inputs."""
        n = request.n_rows
        X = np.full((n, len(self.feature_names)), np.nan, dtype=np.float64)
        errors: list[str | None] = list(request.errors) if request.errors else [None] * n
        positions = self.lookup(request.ids)
        by_id = ~request.is_raw
        found = by_id & (positions >= 0)
        if found.any():
            X[found] = self.known_inputs[positions[found]]
        for i in np.flatnonzero(by_id & (positions < 0)):
            errors[i] = (
                f"unknown client id {request.ids[i]}: not in the model's client snapshot; "
                "send the application fields (e.g. AMT_CREDIT, AMT_ANNUITY) to score a new applicant"
            )
        if request.is_raw.any():
            self._raw_inputs(request, X, errors)
        scored = np.array([e is None for e in errors], dtype=bool)
        probability = np.full(n, np.nan)
        explanation: list[str | None] = [None] * n
        if scored.any():
            Xs = X[scored]
            probability[scored] = self.probabilities(Xs)
            if explain:
                for i, text in zip(np.flatnonzero(scored), self.explain(Xs, top_k=top_k), strict=True):
                    explanation[i] = text
        warnings = list(request.warnings) if request.warnings else [None] * n
        answer = self._answer(request.ids, probability, scored, explanation, errors, warnings)
        return answer, X

    def _raw_inputs(self, request: ScoringRequest, X: np.ndarray, errors: list[str | None]) -> None:
        """Fill the inputs of the plausible raw rows, CHUNK_ROWS at a time; an overflow is a row error."""
        rows = np.flatnonzero(request.is_raw)
        plausible = np.flatnonzero([errors[i] is None for i in rows])
        for start in range(0, len(plausible), CHUNK_ROWS):
            chunk = plausible[start : start + CHUNK_ROWS]
            features = snapshot_features(self.snapshot, request.raw.iloc[chunk])
            for i, message in zip(rows[chunk], self._overflow(features), strict=True):
                if message is not None:
                    errors[i] = message
            X[rows[chunk]] = self.artifacts.preprocessor.transform(features).to_numpy()

    def _overflow(self, features: pd.DataFrame) -> list[str | None]:
        """Per row: the first feature too large for the model's input type (it would become missing), or None.

        The raw fields are already within their domains; this catches a ratio of two valid extremes.
        """
        numeric = features.select_dtypes(include="number")
        values = numeric.to_numpy(dtype=np.float64)
        limit = float(np.finfo(self.artifacts.preprocessor.dtype).max)
        too_large = np.abs(values) > limit  # NaN compares False: missing stays missing
        messages: list[str | None] = [None] * len(features)
        for row in np.flatnonzero(too_large.any(axis=1)):
            j = int(np.argmax(too_large[row]))
            messages[row] = (
                f"implausible input, not scored: feature {numeric.columns[j]} = {values[row, j]:.3g} "
                f"exceeds the model's {self.artifacts.preprocessor.dtype} range (±{limit:.3g})"
            )
        return messages

    def explain(self, X: np.ndarray, *, top_k: int) -> list[str]:
        """Reasons of every row, computed CHUNK_ROWS at a time so memory stays bounded."""
        reasons: list[str] = []
        for start in range(0, len(X), CHUNK_ROWS):
            chunk = X[start : start + CHUNK_ROWS]
            contrib = self.contributions(chunk)
            reasons += top_reasons(
                contrib[:, :-1],
                chunk,
                feature_names=self.feature_names,
                labels=self.feature_labels,
                top_k=top_k,
            )
        return reasons

    def _answer(
        self,
        ids: np.ndarray,
        probability: np.ndarray,
        scored: np.ndarray,
        explanation: list[str | None],
        errors: list[str | None],
        warnings: list[str | None],
    ) -> pd.DataFrame:
        """Build the answer frame; missing values are None (JSON null), never NaN."""
        decision = decisions(probability, self.threshold)
        decision[~scored] = None
        prob: np.ndarray = probability.astype(object)
        prob[~scored] = None
        return pd.DataFrame(
            {
                schema.ID_CURR: ids.astype(np.int64),
                "probability_default": prob if not scored.all() else probability,
                "threshold": np.full(len(ids), self.threshold),
                "decision": decision,
                "model_version": [self.model_version] * len(ids),
                "base_value": np.full(len(ids), self.base_value),
                "explanation": explanation,
                "error": errors,
                "warning": warnings,
            },
            columns=list(ANSWER_COLUMNS),
        )


def resolve_model_version(model_dir: Path) -> str:
    """Registry version being served: env override, else the registry download metadata, else "unknown"."""
    if os.environ.get(MODEL_VERSION_ENV):
        return os.environ[MODEL_VERSION_ENV]
    meta = model_dir / "registered_model_meta"
    if meta.is_file():
        try:
            version = yaml.safe_load(meta.read_text()).get("model_version")
        except (OSError, yaml.YAMLError, AttributeError) as error:
            logger.warning("could not read %s: %s", meta, error)
            return "unknown"
        if version is not None:
            return str(version)
    return "unknown"


class CreditScoringModel(mlflow.pyfunc.PythonModel):
    """The pyfunc served by `mlflow models serve`: load once, then validate → score → explain → log."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Load artifacts, precompute the snapshot's model inputs, start the event log."""
        started = time.perf_counter()
        directory = Path(context.artifacts[ARTIFACT_KEY])
        artifacts = load_artifacts(directory)
        version = resolve_model_version(directory.parent.parent)
        self.scorer = Scorer(artifacts, model_version=version)
        self.events: PredictionLog | None = self._start_log()
        # The row cap is a limit of the HTTP API; in-process callers (spark_udf, training) are not capped.
        serving = in_scoring_server()
        self.max_rows: int | None = MAX_ROWS_PER_REQUEST if serving else None
        if serving:
            install_request_guard()
        logger.info(
            "loaded %s version %s: %d snapshot clients, %d features, threshold %.4f in %.1f s",
            artifacts.model_name,
            version,
            len(self.scorer.snapshot),
            len(self.scorer.feature_names),
            self.scorer.threshold,
            time.perf_counter() - started,
        )

    def _start_log(self) -> PredictionLog | None:
        """Open the event log; in the scoring server, serve its state on /health and drain it at shutdown."""
        settings = settings_from_env()
        if settings is None:
            logger.info("prediction log disabled (%s=%s)", PREDICTION_LOG_ENV, PREDICTION_LOG_DISABLED)
            return None
        events = open_log(settings)
        install_shutdown_drain()
        if in_scoring_server():
            install_log_status(events, close_all)
        return events

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Answer one row per input row; a malformed request raises INVALID_PARAMETER_VALUE (HTTP 400)."""
        started = time.perf_counter()
        try:
            explain, top_k = parse_params(params)
            request = parse_request(model_input, max_rows=self.max_rows)
            if explain and self.max_rows is not None:
                check_explanation_budget(request.n_rows, top_k)
            answer, X = self.scorer.score(request, explain=explain, top_k=top_k)
        except RequestError as error:
            raise ScoringError(f"invalid request: {error}") from None
        except Exception as error:
            logger.exception("scoring failed")
            raise ScoringError(
                f"internal error while scoring ({type(error).__name__}); see the server log",
                error_code=INTERNAL_ERROR,
            ) from None
        self._record(request, answer, X, (time.perf_counter() - started) * 1000.0)
        return answer

    def _record(
        self,
        request: ScoringRequest,
        answer: pd.DataFrame,
        X: np.ndarray,
        latency_ms: float,
    ) -> None:
        """Spool the request's events once its HTTP answer is known (answered or timed out); never raises."""
        events = self.events
        if events is None:
            return
        try:
            scorer = self.scorer
            batch = EventBatch(
                timestamp=now_utc(),
                model_name=scorer.artifacts.model_name,
                model_version=scorer.model_version,
                threshold=scorer.threshold,
                latency_ms=latency_ms,
                ids=request.ids,
                is_raw=request.is_raw,
                probabilities=answer["probability_default"].to_numpy(dtype=np.float64, na_value=np.nan),
                decisions=answer["decision"].tolist(),
                errors=answer["error"].tolist(),
                feature_names=[scorer.feature_names[j] for j in scorer.logged_features],
                feature_values=X[:, scorer.logged_features],
            )
        except Exception:
            logger.exception("prediction log: could not queue events")
            return

        def record(timed_out: bool) -> None:
            try:
                events.record(batch, timed_out=timed_out)
            except Exception:
                logger.exception("prediction log: could not queue events")

        when_answered(record)


def _signature() -> ModelSignature:
    """Params and answer columns; no input schema, so unknown columns reach our validation (HTTP 400)."""
    outputs = Schema([ColSpec(kind, name, required=required) for name, kind, required in ANSWER_SCHEMA])
    params = ParamSchema(
        [ParamSpec(PARAM_EXPLAIN, "boolean", DEFAULT_EXPLAIN), ParamSpec(PARAM_TOP_K, "long", DEFAULT_TOP_K)]
    )
    return ModelSignature(inputs=None, outputs=outputs, params=params)


def pinned_requirements() -> list[str]:
    """pip requirements of the served model, pinned to the installed versions."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in SERVING_PACKAGES]


def allowed_threads() -> int:
    """LightGBM threads allowed for a large batch: ``CREDIT_SCORING_THREADS``, else the CPUs we may run on.

    Read once when the model loads, so a bad setting stops the server at start-up instead of failing requests.
    The variable caps the count where the CPUs seen by the process exceed its quota (a Kubernetes CPU limit).
    """
    configured = os.environ.get(THREADS_ENV, "").strip()
    if not configured:
        return len(os.sched_getaffinity(0))
    if not configured.isdigit() or int(configured) < 1:
        raise CreditScoringError(f"{THREADS_ENV} must be a whole number ≥ 1; got {configured!r}")
    return int(configured)


def prediction_threads(n_rows: int, allowed: int) -> int:
    """One thread for small batches (latency), ``allowed`` for large ones.

    The booster otherwise keeps the single thread it was trained with, which leaves a 1,000-client batch with
    explanations (TreeSHAP) on one core.
    """
    return 1 if n_rows < PARALLEL_MIN_ROWS else allowed


def default_input_example(snapshot: pd.DataFrame) -> pd.DataFrame:
    """A by-id request for the first snapshot client (documents the request in the MLflow UI)."""
    ids = _indexed_snapshot(snapshot).index[:1]
    return pd.DataFrame({schema.ID_CURR: np.asarray(ids, dtype=np.int64)})


def log_scoring_model(
    artifacts: ScoringArtifacts,
    *,
    name: str = "model",
    registered_model_name: str | None = None,
    input_example: pd.DataFrame | None = None,
) -> mlflow.models.model.ModelInfo:
    """Log the scoring pyfunc (models-from-code) in the active run, optionally registering it."""
    if mlflow.active_run() is None:
        raise CreditScoringError("log_scoring_model must be called inside an active MLflow run")
    if input_example is None and len(artifacts.snapshot):
        input_example = default_input_example(artifacts.snapshot)
    with tempfile.TemporaryDirectory() as tmp, prediction_log_disabled():
        directory = save_artifacts(artifacts, Path(tmp) / ARTIFACT_KEY)
        return mlflow.pyfunc.log_model(
            name=name,
            python_model=str(ENTRY_FILE),
            artifacts={ARTIFACT_KEY: str(directory)},
            code_paths=[str(PACKAGE_DIR)],
            pip_requirements=pinned_requirements(),
            signature=_signature(),
            input_example=input_example,
            registered_model_name=registered_model_name,
        )

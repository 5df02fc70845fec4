"""The served model: a models-from-code MLflow pyfunc bundling preprocessing, estimator, threshold, snapshot.

predict = validate the request → features (snapshot lookup for clients by id, feature code for raw fields) →
probability → decision at the cost-tuned threshold → reasons (contributions in log-odds) → event log.
`Scorer` does the work without MLflow (tests, benchmarks); `CreditScoringModel` is the thin pyfunc around it;
`log_scoring_model` is what the training job calls.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import yaml
from mlflow.exceptions import MlflowException
from mlflow.models.signature import ModelSignature
from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

from custom_model import REGISTERED_MODEL_NAME, schema
from custom_model.errors import CreditScoringError, RequestError
from custom_model.explain import linear_contributions, top_reasons
from custom_model.features.assemble import snapshot_features
from custom_model.labels import feature_label
from custom_model.prediction_log import SINK_ENV, EventBatch, PredictionLog, now_utc, open_log_from_env
from custom_model.preprocessing import FeaturePreprocessor
from custom_model.request import DEFAULT_EXPLAIN, DEFAULT_TOP_K, ScoringRequest, parse_params, parse_request

logger = logging.getLogger(__name__)

#: Version of the on-disk layout of the artifacts directory; bump when it changes.
FORMAT_VERSION = 1
ARTIFACT_KEY = "scoring"
PACKAGE_DIR = Path(__file__).resolve().parent
ENTRY_FILE = PACKAGE_DIR / "pyfunc_entry.py"
#: Overrides the served model version (else read from the registry download metadata).
MODEL_VERSION_ENV = "CREDIT_SCORING_MODEL_VERSION"
#: Threads LightGBM may use for a large batch (default: the CPUs this process may run on).
THREADS_ENV = "CREDIT_SCORING_THREADS"
#: Below this many rows one thread is faster: starting a thread team costs more than it saves.
PARALLEL_MIN_ROWS = 256
#: Features recorded with every prediction event when training named none (top by gain / |coefficient|).
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
)
ANSWER_COLUMNS = (
    "SK_ID_CURR",
    "probability_default",
    "threshold",
    "decision",
    "model_version",
    "base_value",
    "explanation",
    "error",
)
ACCEPTED, REFUSED = "accepted", "refused"


@dataclass(frozen=True)
class ScoringArtifacts:
    """Everything the served model needs, as trained; saved into the MLflow model by `log_scoring_model`."""

    preprocessor: FeaturePreprocessor
    estimator: object
    threshold: float
    cost_fn: float
    cost_fp: float
    snapshot: pd.DataFrame
    model_name: str = REGISTERED_MODEL_NAME
    #: Features whose values every prediction event records: the training run's top global SHAP importance,
    #: i.e. the columns the drift job tests, so that the drift of the live log covers the same features.
    monitored_features: tuple[str, ...] = ()


def _is_booster(estimator: object) -> bool:
    """Whether the estimator is a LightGBM Booster (else an sklearn Pipeline ending in LogisticRegression)."""
    import lightgbm

    return isinstance(estimator, lightgbm.Booster)


def save_artifacts(artifacts: ScoringArtifacts, directory: Path) -> Path:
    """Write the artifacts to ``directory`` (booster as text, preprocessor pickled, snapshot as parquet)."""
    directory.mkdir(parents=True, exist_ok=True)
    booster = _is_booster(artifacts.estimator)
    if booster:
        artifacts.estimator.save_model(str(directory / "booster.txt"))
    else:
        (directory / "estimator.pkl").write_bytes(pickle.dumps(artifacts.estimator))
    (directory / "preprocessor.pkl").write_bytes(pickle.dumps(artifacts.preprocessor))
    _indexed_snapshot(artifacts.snapshot).to_parquet(directory / "snapshot.parquet")
    settings = {
        "format_version": FORMAT_VERSION,
        "estimator": "lightgbm" if booster else "sklearn",
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
    if settings["estimator"] == "lightgbm":
        import lightgbm

        estimator: object = lightgbm.Booster(model_file=str(directory / "booster.txt"))
    else:
        estimator = pickle.loads((directory / "estimator.pkl").read_bytes())
    return ScoringArtifacts(
        preprocessor=pickle.loads((directory / "preprocessor.pkl").read_bytes()),
        estimator=estimator,
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
        self._booster = _is_booster(artifacts.estimator)
        self.threads = allowed_threads()
        known = self.snapshot.index.to_frame(index=False)
        self.known_inputs = self.model_inputs(known) if len(known) else None
        self.feature_names = list(artifacts.preprocessor.feature_names_)
        readable = getattr(artifacts.preprocessor, "feature_labels_", {})
        self.feature_labels = [feature_label(readable.get(n, n)) for n in self.feature_names]
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
        if self._booster:
            return self.artifacts.estimator.predict(X, num_threads=prediction_threads(len(X), self.threads))
        return self.artifacts.estimator.predict_proba(X)[:, 1]

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Log-odds contributions (rows, features + 1); last column = base value; rows sum to the log-odds."""
        if self._booster:
            return self.artifacts.estimator.predict(
                X, pred_contrib=True, num_threads=prediction_threads(len(X), self.threads)
            )
        pipeline = self.artifacts.estimator
        final = pipeline[-1]
        transformed = pipeline[:-1].transform(X) if len(pipeline) > 1 else X
        if transformed.shape[1] != X.shape[1]:
            raise CreditScoringError(
                "linear explanations need one transformed column per model input; "
                f"got {transformed.shape[1]} for {X.shape[1]} inputs"
            )
        return linear_contributions(
            final.coef_[0], final.intercept_[0], np.asarray(transformed, dtype=np.float64)
        )

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
        """Indices of the n globally most important features (gain, or |coefficient| for a linear model)."""
        if self._booster:
            importance = self.artifacts.estimator.feature_importance(importance_type="gain")
        else:
            importance = np.abs(self.artifacts.estimator[-1].coef_[0])
        return np.argsort(-np.asarray(importance, dtype=np.float64), kind="stable")[:n]

    def score(self, request: ScoringRequest, *, explain: bool, top_k: int) -> tuple[pd.DataFrame, np.ndarray]:
        """Answer every row (unknown by-id clients get an error); return the answer and model inputs used."""
        n = request.n_rows
        X = np.full((n, len(self.feature_names)), np.nan, dtype=np.float64)
        errors: list[str | None] = [None] * n
        positions = self.lookup(request.ids)
        by_id = ~request.is_raw
        found = by_id & (positions >= 0)
        if found.any():
            X[found] = self.known_inputs[positions[found]]
        if request.is_raw.any():
            X[request.is_raw] = self.model_inputs(request.raw)
        unknown = np.flatnonzero(by_id & (positions < 0))
        for i in unknown:
            errors[i] = (
                f"unknown client id {request.ids[i]}: not in the model's client snapshot; "
                "send the application fields (e.g. AMT_CREDIT, AMT_ANNUITY) to score a new applicant"
            )
        scored = np.ones(n, dtype=bool)
        scored[unknown] = False
        probability = np.full(n, np.nan)
        explanation: list[str | None] = [None] * n
        if scored.any():
            Xs = X[scored]
            probability[scored] = self.probabilities(Xs)
            if explain:
                contrib = self.contributions(Xs)
                reasons = top_reasons(
                    contrib[:, :-1],
                    Xs,
                    feature_names=self.feature_names,
                    labels=self.feature_labels,
                    top_k=top_k,
                )
                for i, text in zip(np.flatnonzero(scored), reasons, strict=True):
                    explanation[i] = text
        answer = self._answer(request.ids, probability, scored, explanation, errors)
        return answer, X

    def _answer(
        self,
        ids: np.ndarray,
        probability: np.ndarray,
        scored: np.ndarray,
        explanation: list[str | None],
        errors: list[str | None],
    ) -> pd.DataFrame:
        """Build the answer frame; missing values are None (JSON null), never NaN."""
        # refused iff probability >= threshold: a tie is refused (the cautious side for a lender).
        decision = np.where(probability >= self.threshold, REFUSED, ACCEPTED).astype(object)
        decision[~scored] = None
        prob: np.ndarray = probability.astype(object)
        prob[~scored] = None
        return pd.DataFrame(
            {
                "SK_ID_CURR": ids.astype(np.int64),
                "probability_default": prob if not scored.all() else probability,
                "threshold": np.full(len(ids), self.threshold),
                "decision": decision,
                "model_version": [self.model_version] * len(ids),
                "base_value": np.full(len(ids), self.base_value),
                "explanation": explanation,
                "error": errors,
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
        self.events: PredictionLog | None = open_log_from_env()
        logger.info(
            "loaded %s version %s: %d snapshot clients, %d features, threshold %.4f in %.1f s",
            artifacts.model_name,
            version,
            len(self.scorer.snapshot),
            len(self.scorer.feature_names),
            self.scorer.threshold,
            time.perf_counter() - started,
        )

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Answer one row per input row; a malformed request raises INVALID_PARAMETER_VALUE (HTTP 400)."""
        started = time.perf_counter()
        try:
            request = parse_request(model_input)
            explain, top_k = parse_params(params)
            answer, X = self.scorer.score(request, explain=explain, top_k=top_k)
        except RequestError as error:
            raise MlflowException.invalid_parameter_value(f"invalid request: {error}") from None
        except Exception as error:
            logger.exception("scoring failed")
            raise MlflowException(
                f"internal error while scoring ({type(error).__name__}); see the server log",
                error_code="INTERNAL_ERROR",
            ) from None
        self._record(request, answer, X, (time.perf_counter() - started) * 1000.0)
        return answer

    def _record(
        self, request: ScoringRequest, answer: pd.DataFrame, X: np.ndarray, latency_ms: float
    ) -> None:
        """Hand the request's events to the background writer; never raises."""
        if self.events is None:
            return
        try:
            scorer = self.scorer
            self.events.record(
                EventBatch(
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
            )
        except Exception:
            logger.exception("prediction log: could not queue events")


def _signature() -> ModelSignature:
    """Params and answer columns; no input schema, so unknown columns reach our validation (HTTP 400)."""
    outputs = Schema(
        [
            ColSpec("long", "SK_ID_CURR"),
            ColSpec("double", "probability_default", required=False),
            ColSpec("double", "threshold"),
            ColSpec("string", "decision", required=False),
            ColSpec("string", "model_version"),
            ColSpec("double", "base_value"),
            ColSpec("string", "explanation", required=False),
            ColSpec("string", "error", required=False),
        ]
    )
    params = ParamSchema(
        [ParamSpec("explain", "boolean", DEFAULT_EXPLAIN), ParamSpec("top_k", "long", DEFAULT_TOP_K)]
    )
    return ModelSignature(inputs=None, outputs=outputs, params=params)


def pinned_requirements() -> list[str]:
    """pip requirements of the served model, pinned to the installed versions."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in SERVING_PACKAGES]


@contextlib.contextmanager
def _prediction_log_disabled() -> Iterator[None]:
    """Keep MLflow's input-example check at log time out of the prediction log."""
    previous = os.environ.get(SINK_ENV)
    os.environ[SINK_ENV] = "none"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(SINK_ENV, None)
        else:
            os.environ[SINK_ENV] = previous


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
    with tempfile.TemporaryDirectory() as tmp, _prediction_log_disabled():
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

"""Every name the parts of the project share, declared once: registry, artifacts, answer, env vars, paths.

Training, serving, drift, the Streamlit client and the ci/ helpers all import this module. It uses the
standard library only, so that the client image copies this one file and not the model code (a test
keeps it so). Change a value here only together with ARCHITECTURE.md's contract table and the README.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path


class _Name(StrEnum):
    """A shared name: compares, formats and repr()s as its plain string value (messages quote 'champion')."""

    def __repr__(self) -> str:
        return repr(self.value)


# --- Model registry -----------------------------------------------------------------------------------------
#: Name under which the model is registered in the MLflow Model Registry.
REGISTERED_MODEL_NAME = "credit-scoring"


class Alias(_Name):
    """Registry aliases: the version served in production, and a newer version that did not replace it."""

    CHAMPION = "champion"
    CHALLENGER = "challenger"


def model_uri(alias: Alias | str = Alias.CHAMPION, name: str = REGISTERED_MODEL_NAME) -> str:
    """``models:/<name>@<alias>`` URI of a registered alias."""
    return f"models:/{name}@{alias}"


# --- Artifacts of the training run
class Artifact(_Name):
    """Files the training run logs at its root; clients and the drift job read some of them."""

    MODEL_CARD = "model_card.md"
    GLOBAL_IMPORTANCE = "global_importance.csv"
    GLOBAL_IMPORTANCE_FIGURE = "global_importance.png"
    REFERENCE_SAMPLE = "reference_sample.parquet"
    #: Ids of the production clients (application_test) the model's client files hold: the app's picker.
    CURRENT_APPLICANTS = "current_applicants.csv"
    DRIFT_REFERENCE = "drift_reference.parquet"
    FEATURES = "features.txt"
    FAMILY_COMPARISON = "family_comparison.csv"
    #: Approval rate, disparate impact, TPR/FPR, cost and calibration by gender and age band (holdout).
    FAIRNESS = "fairness.csv"
    ROC_CURVE = "roc_curve.png"
    COST_CURVE = "cost_vs_threshold.png"
    CONFUSION_MATRIX = "confusion_matrix.png"
    CALIBRATION_CURVE = "calibration_curve.png"


#: Artifact path of the logged pyfunc inside the training run.
MODEL_ARTIFACT = "model"
#: Columns of global_importance.csv.
IMPORTANCE_COLUMNS = ("feature", "label", "mean_abs_contribution")
#: Most important features whose values every prediction event records (= the drift job's default top-N).
MONITORED_FEATURES = 50

# --- Generated data
#: True default probability of every generated client, written beside (never inside) the generated tables.
ORACLE_FILE = "oracle.csv"
ORACLE_PROBABILITY = "PROBABILITY_DEFAULT"
ORACLE_SPLIT = "SPLIT"

# --- Drift outputs
DRIFT_HTML = "data_drift.html"
DRIFT_JSON = "data_drift.json"
#: The shadow comparison of @challenger against the champion's logged decisions (`mlflow run . -e shadow`).
SHADOW_HTML = "shadow.html"
SHADOW_JSON = "shadow.json"

# --- Scoring request and answer
#: Client id column: required on every request row, first column of every answer.
ID_COLUMN = "SK_ID_CURR"
#: Request params and their defaults.
PARAM_EXPLAIN, PARAM_TOP_K = "explain", "top_k"
DEFAULT_EXPLAIN = True
DEFAULT_TOP_K = 5
MAX_TOP_K = 100
#: Limits of one HTTP request to the served model (documented in the README; larger → HTTP 400).
#: 10,000 rows is Spark's default Arrow batch, so batch scoring through `mlflow.pyfunc.spark_udf` is never
#: refused by them (spark_udf calls the pyfunc in-process, where the row cap does not apply anyway).
MAX_ROWS_PER_REQUEST = 10_000
#: Explanations per request: rows × top_k at most this (a full batch at the default top_k). The answer grows
#: with it: 10,000 rows at top_k = 100 were a 347 MiB answer and a 1.47 GB server peak.
MAX_REASONS_PER_REQUEST = MAX_ROWS_PER_REQUEST * DEFAULT_TOP_K
#: About twice a 10,000-row dataframe_records request carrying every application field (≈ 32 MiB).
MAX_REQUEST_BYTES = 64 * 2**20
#: Longest error message the API returns (a message never echoes the request).
MAX_MESSAGE_CHARS = 1_000


class Decision(_Name):
    """The two decisions a scored row can get (a row that could not be scored has none)."""

    ACCEPTED = "accepted"
    REFUSED = "refused"


#: Answer column holding the probability of default (also the score column of the drift reports).
PROBABILITY_COLUMN = "probability_default"
#: Answer columns in order, with their MLflow column type and whether they may be null.
ANSWER_SCHEMA: tuple[tuple[str, str, bool], ...] = (
    (ID_COLUMN, "long", True),
    (PROBABILITY_COLUMN, "double", False),
    ("threshold", "double", True),
    ("decision", "string", False),
    ("model_version", "string", True),
    ("base_value", "double", True),
    ("explanation", "string", False),
    ("error", "string", False),
    ("warning", "string", False),
)
ANSWER_COLUMNS: tuple[str, ...] = tuple(name for name, _, _ in ANSWER_SCHEMA)
#: Keys of each reason in the `explanation` JSON list.
REASON_KEYS = ("feature", "label", "value", "contribution")

# --- Environment variables and their defaults
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
API_URL_ENV = "CREDIT_SCORING_API_URL"
API_TIMEOUT_ENV = "CREDIT_SCORING_API_TIMEOUT"
PREDICTION_LOG_ENV = "CREDIT_SCORING_PREDICTION_LOG"
MODEL_VERSION_ENV = "CREDIT_SCORING_MODEL_VERSION"
THREADS_ENV = "CREDIT_SCORING_THREADS"
DRIFT_WEBHOOK_ENV = "CREDIT_SCORING_DRIFT_WEBHOOK"
STATE_DIR_ENV = "CREDIT_SCORING_STATE_DIR"
#: Value of PREDICTION_LOG_ENV that turns the log off.
PREDICTION_LOG_DISABLED = "none"

# --- Prediction log delivery (spool, health): see custom_model/prediction_log.py
#: Folder of the local spool (default: <state folder>/spool/<hash of the sink URL>).
SPOOL_DIR_ENV = "CREDIT_SCORING_SPOOL_DIR"
#: Disk budget of the spool in MB: past it new events are refused and counted as dropped.
SPOOL_MAX_MB_ENV = "CREDIT_SCORING_SPOOL_MAX_MB"
DEFAULT_SPOOL_MAX_MB = 256
#: Seconds the sink may keep failing before /health answers 503 "not ready" (0 = never).
LOG_MAX_FAILING_ENV = "CREDIT_SCORING_LOG_MAX_FAILING_S"
DEFAULT_LOG_MAX_FAILING_S = 300.0
#: Seconds a shutdown (SIGTERM, normal exit) may spend delivering the spool to the sink.
LOG_DRAIN_TIMEOUT_ENV = "CREDIT_SCORING_LOG_DRAIN_TIMEOUT_S"
DEFAULT_LOG_DRAIN_TIMEOUT_S = 20.0


class EventStatus(_Name):
    """What became of the answer of a logged event: sent, or replaced by MLflow's 504 (computed too late)."""

    ANSWERED = "answered"
    TIMED_OUT = "timed_out"


#: Local ports (all on 127.0.0.1 by default).
MLFLOW_UI_PORT, API_PORT, UI_PORT = 5000, 5001, 8501

# --- The serving image (custom_model/serve.py is its entrypoint; deploy/ and ci/ set these)
#: Where `mlflow models build-docker` bakes the model in the image; MODEL_URI_ENV may point elsewhere.
IMAGE_MODEL_DIR = "/opt/ml/model"
MODEL_URI_ENV = "MODEL_URI"
#: Port and bind address of the image's server; PORT is the platforms' convention (Heroku, Azure, Cloud Run).
PORT_ENV, HOST_ENV = "PORT", "CREDIT_SCORING_HOST"
IMAGE_PORT, IMAGE_HOST = 8080, "0.0.0.0"
#: uvicorn workers per container (MLflow's own variable): scale with replicas, not workers.
WORKERS_ENV, DEFAULT_WORKERS = "MLFLOW_MODELS_WORKERS", 1
#: The non-root user (uid = gid) both images run as, in Docker, Azure and Kubernetes alike.
IMAGE_UID = 10001
#: Writable folder of the serving image for the state files (prediction log), owned by IMAGE_UID.
IMAGE_STATE_DIR = "/var/lib/credit-scoring"
DEFAULT_API_URL = f"http://127.0.0.1:{API_PORT}"
DEFAULT_API_TIMEOUT_S = 30.0

# --- Paths: absolute, derived here, never from the current directory
#: The project folder (this file is custom_model/contract.py in a checkout or an installed copy of it).
PROJECT_DIR = Path(__file__).resolve().parents[1]
#: Where the jobs put tables by default: generated demo data, the downloaded real data.
DEMO_DATA_DIR = PROJECT_DIR / "data" / "demo"
#: Where the drift job writes its HTML and JSON reports by default.
REPORTS_DIR = PROJECT_DIR / "reports"
RAW_DATA_DIR = PROJECT_DIR / "data" / "raw"


def default_tracking_uri() -> str:
    """MLFLOW_TRACKING_URI when set, else ``mlflow.db`` in the project folder (MLflow 3 refuses ./mlruns)."""
    return os.environ.get(TRACKING_URI_ENV) or f"sqlite:///{PROJECT_DIR / 'mlflow.db'}"


def state_dir() -> Path:
    """Folder of the files the served model writes (prediction log), the same for the server and drift job.

    CREDIT_SCORING_STATE_DIR, else ``$XDG_STATE_HOME/credit-scoring`` (``~/.local/state/credit-scoring``): the
    served model runs from a copy of this code inside the model's artifacts, so the project folder is unknown.
    """
    configured = os.environ.get(STATE_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    base = os.environ.get("XDG_STATE_HOME", "").strip() or str(Path.home() / ".local" / "state")
    return Path(base).expanduser().resolve() / "credit-scoring"


def default_prediction_log_url() -> str:
    """SQLite prediction log in the state folder (an absolute URL, whatever the working directory)."""
    return f"sqlite:///{state_dir() / 'predictions.db'}"

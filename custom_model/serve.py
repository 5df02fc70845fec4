"""Entrypoint of the serving image: exec the model server (uvicorn) so that it is the container's PID 1.

``mlflow models serve`` keeps a Python parent above uvicorn: as PID 1 it has no SIGTERM handler, so the
kernel drops the signal and Docker / Kubernetes kill the server with SIGKILL after the grace period (no
graceful shutdown: the prediction log is never drained). MLflow's own image entrypoint forwards SIGTERM and
exits at once, which kills uvicorn mid-shutdown. Exec'ing the command MLflow builds for ``mlflow models
serve`` instead gives the same server, and the signal reaches it.

Run in the image as ``python -m custom_model.serve`` (settings from the environment: contract.py).
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from custom_model.contract import (
    DEFAULT_WORKERS,
    HOST_ENV,
    IMAGE_HOST,
    IMAGE_MODEL_DIR,
    IMAGE_PORT,
    MODEL_URI_ENV,
    PORT_ENV,
    WORKERS_ENV,
    state_dir,
)
from custom_model.errors import CreditScoringError

logger = logging.getLogger(__name__)


class ServeSettingsError(CreditScoringError, ValueError):
    """An environment variable of the serving image has an unusable value."""


@dataclass(frozen=True)
class ServeSettings:
    """Where the model is and where the server listens."""

    model_uri: str
    host: str
    port: int
    workers: int


def _positive_int(environ: Mapping[str, str], name: str, default: int, *, maximum: int) -> int:
    raw = environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ServeSettingsError(
            f"environment variable {name} must be an integer in 1..{maximum}; got {raw!r}"
        )
    return int(raw)


def settings_from(environ: Mapping[str, str]) -> ServeSettings:
    """Read the image's settings; refuse a bad port or worker count with a message naming the variable."""
    return ServeSettings(
        model_uri=environ.get(MODEL_URI_ENV, "").strip() or IMAGE_MODEL_DIR,
        host=environ.get(HOST_ENV, "").strip() or IMAGE_HOST,
        port=_positive_int(environ, PORT_ENV, IMAGE_PORT, maximum=65535),
        workers=_positive_int(environ, WORKERS_ENV, DEFAULT_WORKERS, maximum=64),
    )


def local_model_dir(model_uri: str) -> str:
    """The baked model folder as is; any other URI (``models:/...@champion``) downloaded first."""
    if Path(model_uri).is_dir():
        return model_uri
    from mlflow.artifacts import download_artifacts

    logger.info("downloading %s", model_uri)
    return download_artifacts(artifact_uri=model_uri)


def server_command(settings: ServeSettings, model_dir: str) -> tuple[list[str], dict[str, str]]:
    """The uvicorn command line and environment ``mlflow models serve`` would run for this model."""
    from mlflow.pyfunc import scoring_server

    command, env = scoring_server.get_cmd(
        model_uri=model_dir, host=settings.host, port=settings.port, nworkers=settings.workers
    )
    return shlex.split(command), env


def main() -> None:
    """Replace this process by the model server."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from(os.environ)
    except ServeSettingsError as error:
        logger.error("%s", error)
        raise SystemExit(2) from None
    argv, env = server_command(settings, local_model_dir(settings.model_uri))
    logger.info(
        "serving %s on %s:%d with %d worker(s)",
        settings.model_uri,
        settings.host,
        settings.port,
        settings.workers,
    )
    # Leave the entrypoint's folder: uvicorn puts its working directory first on sys.path, and this partial
    # copy of custom_model must not shadow the model's own bundled code.
    workdir = state_dir()
    workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)
    os.execvpe(argv[0], argv, env)


if __name__ == "__main__":
    main()

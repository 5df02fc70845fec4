"""Switch MLflow's process-wide tracking URI for a block and put back exactly what was there.

`mlflow.get_tracking_uri()` resolves "not set" to the default store of the current folder; restoring
that value with `set_tracking_uri` pins every later test to ./mlflow.db. This restores "not set" too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import mlflow
from mlflow.tracking._tracking_service import utils as tracking_utils


@contextmanager
def using_tracking_uri(uri: str) -> Iterator[str]:
    """Use ``uri`` as the tracking URI inside the block; restore the previous raw setting and env after."""
    previous_uri = tracking_utils._tracking_uri
    previous_env = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    try:
        yield uri
    finally:
        tracking_utils._tracking_uri = previous_uri
        if previous_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = previous_env

"""Limits of the HTTP API where MLflow's scoring server reads a request, before our pyfunc sees a table.

`mlflow models serve` parses the body itself (`mlflow.pyfunc.scoring_server.invocations`) and, unguarded,
echoes a non-JSON body whole into its 400 (a 50 MB body gave a 50 MB answer), answers a bare 500 to deeply
nested JSON (RecursionError) or to a request without Content-Type, prefixes our own messages with a print of
the input table and adds stack traces to CSV and parquet errors. The pyfunc cannot change that server, but it
is loaded inside it, before the first request: `install` (called by `load_context` only inside the scoring
server) wraps `invocations` so that the body is size-checked, the JSON is parsed once with clear errors, the
rows are counted before any table is built, and every error message is ours, short and without input echo.

If a future MLflow renames these internals, `install` logs a warning and changes nothing (the API still
works, with MLflow's own messages); the tests against the real server then fail and say so.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from custom_model.contract import MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES, PARAM_EXPLAIN, PARAM_TOP_K
from custom_model.domains import quote
from custom_model.errors import RequestError
from custom_model.request import check_row_count

logger = logging.getLogger(__name__)

_SERVER_MODULE = "mlflow.pyfunc.scoring_server"
#: Set by `mlflow models serve` for the server process (the path of the model it loads).
_SERVER_MODEL_ENV = "__pyfunc_model_path__"
_INVOCATIONS_PARAMETERS = ["data", "content_type", "model", "input_schema"]
_JSON = "application/json"
_PREDICT_ECHO = "Failed to predict data '"
_PREDICT_ECHO_END = "'. \nError: "
_MARK = "__credit_scoring_guard__"
#: The table formats our pyfunc accepts (MLflow's `instances` / `inputs` do not carry a table of clients).
_FORMATS = ("dataframe_split", "dataframe_records")
_PARAMS = "params"


class ScoringError(MlflowException):
    """An MlflowException raised by our pyfunc; `detail` keeps its message whatever the server prefixes."""

    def __init__(self, message: str, *, error_code: int = INVALID_PARAMETER_VALUE) -> None:
        super().__init__(message, error_code=error_code)
        self.detail = message


def in_scoring_server() -> bool:
    """Whether this process is MLflow's scoring server (`mlflow models serve`, the image built from it)."""
    return _SERVER_MODULE in sys.modules and _SERVER_MODEL_ENV in os.environ


def install() -> bool:
    """Wrap the scoring server's `invocations` once; False (and a warning) when its shape is unknown."""
    server = sys.modules.get(_SERVER_MODULE)
    original = getattr(server, "invocations", None)
    if original is None or not callable(original):
        logger.warning("request guard not installed: %s.invocations not found", _SERVER_MODULE)
        return False
    if getattr(original, _MARK, False):
        return True
    if list(inspect.signature(original).parameters) != _INVOCATIONS_PARAMETERS:
        logger.warning("request guard not installed: %s.invocations has another signature", _SERVER_MODULE)
        return False
    server.invocations = guarded(original, response_type=server.InvocationsResponse)
    logger.info("request guard installed: body ≤ %d bytes, short error messages", MAX_REQUEST_BYTES)
    return True


def guarded(original: Callable[..., Any], *, response_type: Callable[..., Any]) -> Callable[..., Any]:
    """`original` with the request limits applied before it and its errors cleaned after it."""

    @functools.wraps(original)
    def invocations(data: Any, content_type: str | None, model: Any, input_schema: Any) -> Any:
        if not content_type:
            return response_type(
                response="Content-Type header required: application/json (or text/csv)",
                status=415,
                mimetype="text/plain",
            )
        try:
            if isinstance(data, (bytes, bytearray, str)):
                check_body_size(len(data))
                if _is_utf8_json(content_type):
                    data = decode_json(data)
                    check_shape(data)
                    check_row_count(rows_in(data))
            return original(data, content_type, model, input_schema)
        except RequestError as error:
            raise MlflowException.invalid_parameter_value(_short(f"invalid request: {error}")) from None
        except MlflowException as error:
            raise clean(error) from None
        except RecursionError:
            raise MlflowException.invalid_parameter_value(_nested_message()) from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            # Raised by MLflow or pandas while turning the request into a table, before our pyfunc runs.
            raise MlflowException.invalid_parameter_value(
                _short(f"invalid request: could not read it as a table ({type(error).__name__}: {error})")
            ) from None

    setattr(invocations, _MARK, True)
    return invocations


def _is_utf8_json(content_type: str) -> bool:
    """Whether the body is JSON as MLflow accepts it (other types and charsets get MLflow's own 415)."""
    mime, *parameters = (part.strip().lower() for part in content_type.split(";"))
    return mime == _JSON and all(p.replace(" ", "") == "charset=utf-8" for p in parameters)


def check_body_size(n_bytes: int) -> None:
    """RequestError when the body is larger than the documented cap."""
    if n_bytes > MAX_REQUEST_BYTES:
        raise RequestError(
            f"request body of {n_bytes:,} bytes exceeds the limit of {MAX_REQUEST_BYTES:,} bytes; "
            "send smaller batches"
        )


def decode_json(data: bytes | bytearray | str) -> Any:
    """Parse the body once; RequestError naming the problem and its position, never echoing the body.

    ``NaN`` is refused (it is not JSON, and a client sending it means "missing" or a bug: null says which);
    ``Infinity`` reaches the column checks, which refuse it naming the column and row.
    """
    try:
        return json.loads(data, parse_constant=_constant)
    except UnicodeDecodeError as error:
        raise RequestError(
            f"request body is not valid UTF-8 ({error.reason} at byte {error.start})"
        ) from None
    except json.JSONDecodeError as error:
        raise RequestError(
            f"request body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise RequestError(_nested_message().removeprefix("invalid request: ")) from None


def _constant(name: str) -> float:
    """Python's JSON extensions: ±Infinity pass (refused later by column), NaN is refused here."""
    if name == "NaN":
        raise RequestError("request body holds NaN, which is not JSON; send null for a missing value")
    return float(name)


def check_shape(payload: Any) -> None:
    """RequestError unless the body is an object with exactly one table format (and optionally params)."""
    if not isinstance(payload, dict):
        raise RequestError(
            f"request body must be a JSON object with {' or '.join(_FORMATS)}; got a {_json_kind(payload)}"
        )
    formats = [key for key in _FORMATS if key in payload]
    unknown = [key for key in payload if key not in (*_FORMATS, _PARAMS)]
    if len(formats) != 1 or unknown:
        keys = ", ".join(quote(str(key)) for key in list(payload)[:10])
        raise RequestError(
            f"request body must hold exactly one of {' or '.join(_FORMATS)} (and optionally {_PARAMS}); "
            f"got keys [{keys}]"
        )
    params = payload.get(_PARAMS)
    if params is None:
        return
    if not isinstance(params, dict):
        raise RequestError(f"{_PARAMS} must be a JSON object; got a {_json_kind(params)}")
    unknown = [str(key) for key in params if key not in (PARAM_EXPLAIN, PARAM_TOP_K)]
    if unknown:
        names = ", ".join(quote(key) for key in unknown[:10])
        raise RequestError(f"unknown param(s) [{names}]; expected {PARAM_EXPLAIN} and/or {PARAM_TOP_K}")


def rows_in(payload: Mapping[str, Any]) -> int:
    """Number of rows of a request of the checked shape (0 when malformed: MLflow then says why)."""
    records = payload.get(_FORMATS[1])
    if isinstance(records, list):
        return len(records)
    split = payload.get(_FORMATS[0])
    if isinstance(split, Mapping) and isinstance(split.get("data"), list):
        return len(split["data"])
    return 0


def _json_kind(value: Any) -> str:
    """JSON name of a decoded value's type."""
    names = {list: "list", str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def clean(error: MlflowException) -> MlflowException:
    """The same error without stack trace, input echo or unbounded text."""
    if isinstance(error, ScoringError):
        message = error.detail
    else:
        message = error.message
        if message.startswith(_PREDICT_ECHO) and _PREDICT_ECHO_END in message:
            message = message[message.rindex(_PREDICT_ECHO_END) + len(_PREDICT_ECHO_END) :]
    error.message = _short(message)
    error.json_kwargs.pop("stack_trace", None)
    return error


def _short(message: str) -> str:
    """At most MAX_MESSAGE_CHARS characters."""
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    suffix = f"… (message cut at {MAX_MESSAGE_CHARS} characters)"
    return message[: MAX_MESSAGE_CHARS - len(suffix)] + suffix


def _nested_message() -> str:
    return (
        "invalid request: JSON nested too deeply (the parser stops near "
        f"{sys.getrecursionlimit()} levels; a scoring request needs 4)"
    )

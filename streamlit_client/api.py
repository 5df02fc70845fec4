"""HTTP client of the model server's /invocations: build requests, call with timeouts and retries, read.

The app talks to the model only through this module, so it works against any `mlflow models serve` (local,
Docker image, Kubernetes) that honours the answer contract of ARCHITECTURE.md.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests

from custom_model.contract import ANSWER_COLUMNS, DEFAULT_API_URL, ID_COLUMN
from streamlit_client.errors import ApiRequestError, ApiUnavailableError

logger = logging.getLogger(__name__)

_MAX_MESSAGE_CHARS = 400


@dataclass(frozen=True)
class ApiSettings:
    """Where the model server is and how patient the app is with it."""

    url: str = DEFAULT_API_URL
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 30.0
    retries: int = 2
    backoff_s: float = 0.5

    @property
    def invocations_url(self) -> str:
        """Full URL of the scoring endpoint."""
        return self.url.rstrip("/") + "/invocations"


@dataclass(frozen=True)
class Contribution:
    """One feature's push on the score, in log-odds (> 0 raises the risk of default)."""

    feature: str
    label: str
    value: Any
    contribution: float


@dataclass(frozen=True)
class ClientScore:
    """One answered row of /invocations."""

    client_id: int
    probability: float | None
    threshold: float | None
    decision: str | None
    model_version: str | None
    base_value: float | None
    contributions: tuple[Contribution, ...]
    error: str | None


def _json_value(value: Any) -> Any:
    """Turn a pandas/numpy cell into a JSON value (NaN and NA become null)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def build_request(rows: pd.DataFrame, *, explain: bool = True, top_k: int = 5) -> dict[str, Any]:
    """Build a `dataframe_split` request body from rows that carry SK_ID_CURR (and optional raw fields)."""
    if ID_COLUMN not in rows.columns:
        raise ApiRequestError(
            f"request rows must have a {ID_COLUMN} column; got columns {list(rows.columns)}"
        )
    if rows.empty:
        raise ApiRequestError("request has no rows; expected at least one client")
    data = [[_json_value(cell) for cell in row] for row in rows.itertuples(index=False, name=None)]
    return {
        "dataframe_split": {"columns": [str(c) for c in rows.columns], "data": data},
        "params": {"explain": bool(explain), "top_k": int(top_k)},
    }


def id_request(client_ids: Iterable[int], *, explain: bool = True, top_k: int = 5) -> dict[str, Any]:
    """Build a request that looks clients up by id only (the server finds them in its snapshot)."""
    frame = pd.DataFrame({ID_COLUMN: [int(i) for i in client_ids]})
    return build_request(frame, explain=explain, top_k=top_k)


def fields_request(
    client_id: int, fields: Mapping[str, Any], *, explain: bool = True, top_k: int = 5
) -> dict[str, Any]:
    """Build a raw-fields request for one applicant (id + application fields, e.g. edited in the what-if)."""
    row = {ID_COLUMN: int(client_id), **{k: v for k, v in fields.items() if k != ID_COLUMN}}
    return build_request(pd.DataFrame([row]), explain=explain, top_k=top_k)


def payload_key(payload: Mapping[str, Any]) -> str:
    """Serialise a request deterministically so it can key a cache."""
    return json.dumps(payload, sort_keys=True, allow_nan=False)


def _error_message(response: requests.Response) -> str:
    """Extract the server's message from an error answer, without any stack trace."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
    else:
        text = str(body.get("message", body)) if isinstance(body, dict) else str(body)
    text = text.split("Traceback (most recent call last)")[0].strip()
    return text[:_MAX_MESSAGE_CHARS] + ("…" if len(text) > _MAX_MESSAGE_CHARS else "")


def post_invocations(
    payload: Mapping[str, Any], settings: ApiSettings, *, session: requests.Session | None = None
) -> list[dict[str, Any]]:
    """POST a request; retry on connection errors; return the `predictions` records."""
    http = session or requests.Session()
    url = settings.invocations_url
    attempts = settings.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            logger.info("POST %s (attempt %d/%d)", url, attempt, attempts)
            response = http.post(
                url,
                data=json.dumps(payload, allow_nan=False),
                headers={"Content-Type": "application/json"},
                timeout=(settings.connect_timeout_s, settings.read_timeout_s),
            )
        except requests.exceptions.ReadTimeout as exc:
            raise ApiUnavailableError(
                f"The scoring service did not answer within {settings.read_timeout_s:g} s. Please try again; "
                f"if it goes on, tell IT support (service address {settings.url})."
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            if attempt == attempts:
                raise ApiUnavailableError(
                    f"The scoring service cannot be reached right now ({attempts} attempts). Please try "
                    f"again in a moment; if it goes on, tell IT support (service address {settings.url})."
                ) from exc
            time.sleep(settings.backoff_s * attempt)
            continue
        if response.status_code >= 400:
            raise ApiRequestError(
                f"The scoring service could not score this: {_error_message(response)}. Check the values "
                f"entered; if this message does not say what to change, tell IT support (HTTP "
                f"{response.status_code})."
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise ApiRequestError(
                f"The scoring API answered something that is not JSON: {response.text[:100]!r}"
            ) from exc
        return _predictions(body)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _predictions(body: Any) -> list[dict[str, Any]]:
    """Check the answer holds one record per row with the contract's columns."""
    records = body.get("predictions") if isinstance(body, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ApiRequestError(f"expected an answer {{'predictions': [records]}}; got {str(body)[:100]!r}")
    for index, record in enumerate(records):
        missing = [c for c in ("SK_ID_CURR", "probability_default", "decision") if c not in record]
        if missing:
            raise ApiRequestError(f"answer row {index} lacks column(s) {missing}; got {sorted(record)}")
    return records


def _float_or_none(value: Any) -> float | None:
    """Read a number that may be null/NaN."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_explanation(raw: Any) -> tuple[Contribution, ...]:
    """Read the `explanation` cell (a JSON list, or already a list) into contributions."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw == "":
        return ()
    items = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(items, Sequence):
        raise ApiRequestError(f"explanation must be a JSON list; got {str(raw)[:100]!r}")
    return tuple(
        Contribution(
            feature=str(item["feature"]),
            label=str(item.get("label") or item["feature"]),
            value=item.get("value"),
            contribution=float(item["contribution"]),
        )
        for item in items
    )


def parse_record(record: Mapping[str, Any]) -> ClientScore:
    """Turn one answer record into a ClientScore."""
    error = record.get("error")
    error = None if error is None or (isinstance(error, float) and math.isnan(error)) else str(error)
    decision = record.get("decision")
    version = record.get("model_version")
    return ClientScore(
        client_id=int(record["SK_ID_CURR"]),
        probability=_float_or_none(record.get("probability_default")),
        threshold=_float_or_none(record.get("threshold")),
        decision=str(decision) if isinstance(decision, str) and decision else None,
        model_version=None if version is None else str(version),
        base_value=_float_or_none(record.get("base_value")),
        contributions=parse_explanation(record.get("explanation")),
        error=error,
    )


def score(payload: Mapping[str, Any], settings: ApiSettings) -> list[ClientScore]:
    """Score a request and return one ClientScore per row."""
    return [parse_record(r) for r in post_invocations(payload, settings)]


def failed_row(client_id: int, error: str) -> ClientScore:
    """The answer of a row the API refused: no score, the reason in `error`."""
    return ClientScore(client_id, None, None, None, None, None, (), error)


def answers_frame(scores: Sequence[ClientScore]) -> pd.DataFrame:
    """Flatten scores into a table for display and CSV download (explanation kept as JSON)."""
    rows = [
        {
            "SK_ID_CURR": s.client_id,
            "probability_default": s.probability,
            "threshold": s.threshold,
            "decision": s.decision,
            "model_version": s.model_version,
            "base_value": s.base_value,
            "explanation": json.dumps(
                [
                    {"feature": c.feature, "label": c.label, "value": c.value, "contribution": c.contribution}
                    for c in s.contributions
                ]
            )
            if s.contributions
            else None,
            "error": s.error,
        }
        for s in scores
    ]
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))

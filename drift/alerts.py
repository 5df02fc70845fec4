"""Alert rules on a drift summary, and an optional webhook POST when one fires.

Rules (both configurable): the share of drifted important features is above ``max_drift_share``; the score PSI
band reaches ``psi_alert_band`` ('watch' or 'act'; None disables the rule). A failing webhook is logged, never
raised: the alert still shows in the log line and the exit code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from drift.psi import Band
from drift.report import DriftSummary

logger = logging.getLogger(__name__)

#: Environment variable holding the webhook URL (the --webhook-url option wins).
BAND_ORDER: dict[Band, int] = {"stable": 0, "watch": 1, "act": 2}


@dataclass(frozen=True)
class AlertRules:
    """When to alert: drift share of important features above a bound, score PSI band at or above a level."""

    max_drift_share: float = 0.3
    psi_alert_band: Band | None = "act"

    def __post_init__(self) -> None:
        """Reject bounds that could never or would always fire."""
        if not 0.0 <= self.max_drift_share < 1.0:
            raise ValueError(f"max_drift_share must be in [0, 1); got {self.max_drift_share}")
        if self.psi_alert_band is not None and self.psi_alert_band not in ("watch", "act"):
            raise ValueError(f"psi_alert_band must be 'watch', 'act' or None; got {self.psi_alert_band!r}")


@dataclass(frozen=True)
class Alert:
    """One fired rule and the sentence that explains it."""

    rule: str
    message: str


def evaluate(summary: DriftSummary, rules: AlertRules) -> tuple[Alert, ...]:
    """Return the rules that fire on ``summary`` (empty when all is well)."""
    alerts = []
    # evidently's test of the rule when it ran (drift_report(max_drift_share=...)), else the same comparison
    failed = (
        not summary.share_test_passed
        if summary.share_test_passed is not None
        else summary.drift_share > rules.max_drift_share
    )
    if summary.tested_features and failed:
        names = ", ".join(c.column for c in summary.drifted_features)
        judged = (
            f"share {summary.drift_share:.2f}; evidently test 'share ≤ {rules.max_drift_share:.2f}' failed"
            if summary.share_test_passed is not None
            else f"share {summary.drift_share:.2f} > {rules.max_drift_share:.2f}"
        )
        alerts.append(
            Alert(
                "max_drift_share",
                f"{len(summary.drifted_features)} of {len(summary.tested_features)} important features "
                f"drifted ({judged}): {names}",
            )
        )
    stability = summary.score_stability
    if (
        rules.psi_alert_band is not None
        and stability is not None
        and BAND_ORDER[stability.band] >= BAND_ORDER[rules.psi_alert_band]
    ):
        alerts.append(
            Alert(
                "psi_alert_band",
                f"predicted-probability PSI {stability.psi:.3f} is in band '{stability.band}' "
                f"(alert from '{rules.psi_alert_band}')",
            )
        )
    return tuple(alerts)


def alert_payload(
    summary: DriftSummary, alerts: tuple[Alert, ...], *, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """JSON body of the webhook: the fired rules, the headline figures and the drifted features."""
    stability = summary.score_stability
    return {
        "event": "credit-scoring.drift_alert",
        "alerts": [{"rule": a.rule, "message": a.message} for a in alerts],
        "context": dict(context or {}),
        "drift_share": summary.drift_share,
        "n_features_tested": len(summary.tested_features),
        "drifted_features": [
            {
                "feature": c.column,
                "label": c.label,
                "rank": c.rank,
                "method": c.method,
                "statistic": c.statistic,
            }
            for c in summary.drifted_features
        ],
        "score_psi": None if stability is None else stability.psi,
        "score_psi_band": None if stability is None else stability.band,
        "n_reference": summary.n_reference,
        "n_current": summary.n_current,
    }


def post_webhook(url: str, payload: Mapping[str, Any], *, timeout: float = 5.0) -> bool:
    """POST ``payload`` as JSON to ``url``; log and return False on any failure instead of raising."""
    try:
        response = requests.post(url, json=dict(payload), timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as error:
        response = getattr(error, "response", None)
        detail = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        logger.error("drift webhook POST to %s failed (%s); the alert stands", _where(url), detail)
        return False
    logger.info("drift webhook POST to %s answered HTTP %d", _where(url), response.status_code)
    return True


def _where(url: str) -> str:
    """Scheme and host of a webhook URL: its path often carries a secret token, so it is never logged."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "<unparsable URL>"

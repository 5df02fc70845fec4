"""Alert rules on hand-built summaries, and the webhook against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import pytest

from drift.alerts import AlertRules, alert_payload, evaluate, post_webhook
from drift.psi import ScoreStability, psi_band
from drift.report import ColumnDrift, DriftSummary
from tests.drift.conftest import Receiver


def _column(name: str, rank: int, statistic: float) -> ColumnDrift:
    return ColumnDrift(
        column=name,
        label=name.title(),
        rank=rank,
        kind="numeric",
        method="wasserstein",
        statistic=statistic,
        threshold=0.1,
        drifted=statistic >= 0.1,
        psi=None,
        missing_reference=0.0,
        missing_current=0.0,
    )


def _summary(statistics: list[float], score_psi: float | None) -> DriftSummary:
    columns = tuple(_column(f"F{i}", i + 1, s) for i, s in enumerate(statistics))
    stability = (
        None
        if score_psi is None
        else ScoreStability(score_psi, psi_band(score_psi), 10, 1000, 500, 0.08, 0.09)
    )
    return DriftSummary(columns, 1000, 500, None, stability, None, 0)


def test_drift_share_rule_fires_strictly_above_the_bound() -> None:
    # 2 of 4 drifted = 0.5
    summary = _summary([0.3, 0.2, 0.05, 0.0], score_psi=None)
    assert evaluate(summary, AlertRules(max_drift_share=0.5)) == ()
    (alert,) = evaluate(summary, AlertRules(max_drift_share=0.49))
    assert alert.rule == "max_drift_share"
    assert alert.message == "2 of 4 important features drifted (share 0.50 > 0.49): F0, F1"


def test_evidently_s_verdict_decides_the_drift_share_rule_when_it_ran() -> None:
    summary = replace(_summary([0.3, 0.2, 0.05, 0.0], score_psi=None), share_test_passed=False)
    (alert,) = evaluate(summary, AlertRules(max_drift_share=0.4))
    assert alert.message == (
        "2 of 4 important features drifted (share 0.50; evidently test 'share ≤ 0.40' failed): F0, F1"
    )
    assert evaluate(replace(summary, share_test_passed=True), AlertRules(max_drift_share=0.4)) == ()


@pytest.mark.parametrize(
    ("psi", "band", "fired"),
    [
        (0.05, "watch", False),
        (0.10, "watch", True),
        (0.2, "act", False),
        (0.26, "act", True),
        (0.9, None, False),
    ],
)
def test_psi_band_rule(psi: float, band: str | None, fired: bool) -> None:
    alerts = evaluate(_summary([0.0], score_psi=psi), AlertRules(max_drift_share=0.9, psi_alert_band=band))
    assert [a.rule for a in alerts] == (["psi_alert_band"] if fired else [])


def test_rules_reject_impossible_settings() -> None:
    with pytest.raises(ValueError, match=r"max_drift_share must be in \[0, 1\); got 1.0"):
        AlertRules(max_drift_share=1.0)
    with pytest.raises(ValueError, match="psi_alert_band must be 'watch', 'act' or None; got 'stable'"):
        AlertRules(psi_alert_band="stable")


def test_webhook_receives_the_json_summary(webhook_receiver: Receiver) -> None:
    summary = _summary([0.4, 0.0], score_psi=0.3)
    alerts = evaluate(summary, AlertRules(max_drift_share=0.2))
    payload = alert_payload(summary, alerts, context={"model_version": "3"})
    assert post_webhook(webhook_receiver.url, payload, timeout=5) is True
    (request,) = webhook_receiver.received
    assert request["path"] == "/hooks/SECRET-TOKEN"
    assert request["content_type"] == "application/json"
    body = request["json"]
    assert [a["rule"] for a in body["alerts"]] == ["max_drift_share", "psi_alert_band"]
    assert body["drifted_features"] == [
        {"feature": "F0", "label": "F0", "rank": 1, "method": "wasserstein", "statistic": 0.4}
    ]
    assert body["score_psi_band"] == "act" and body["context"] == {"model_version": "3"}


def test_failing_webhook_is_logged_not_raised_and_hides_the_token(
    webhook_receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    webhook_receiver.status = 500
    with caplog.at_level(logging.ERROR, logger="drift.alerts"):
        assert post_webhook(webhook_receiver.url, {"x": 1}) is False
    assert "failed (HTTP 500)" in caplog.text
    assert "SECRET-TOKEN" not in caplog.text


def test_slow_webhook_gives_up_after_the_timeout(webhook_receiver: Receiver) -> None:
    webhook_receiver.delay_s = 3.0
    started = time.perf_counter()
    assert post_webhook(webhook_receiver.url, {"x": 1}, timeout=0.3) is False
    assert time.perf_counter() - started < 2.0


def test_unreachable_webhook_returns_false() -> None:
    # port 9 (discard) is closed on 127.0.0.1 here: connection refused at once
    assert post_webhook("http://127.0.0.1:9/hook", {"x": 1}, timeout=1) is False

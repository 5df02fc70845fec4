"""The shadow comparison on hand-built events: latest answer per client, raw requests and errors set aside."""

from __future__ import annotations

import pandas as pd
import pytest

from drift.shadow import compare, summary


def _events() -> pd.DataFrame:
    rows = [  # (id, kind, order, probability, decision)
        (1, "id", 1, 0.05, "accepted"),
        (1, "id", 5, 0.20, "refused"),  # the latest answer of client 1 counts
        (2, "id", 2, 0.10, "accepted"),
        (3, "id", 3, 0.40, "refused"),
        (4, "raw", 4, 0.30, "refused"),  # not replayable
        (5, "id", 6, 0.02, "accepted"),  # the challenger fails on it
    ]
    frame = pd.DataFrame(
        rows, columns=["sk_id_curr", "input_kind", "event_order", "probability_default", "decision"]
    )
    return frame.assign(timestamp=pd.Timestamp("2026-12-01"), model_version="1")


def test_flips_agreement_refusal_rates_and_expected_costs() -> None:
    challenger = pd.DataFrame(
        {
            "SK_ID_CURR": [1, 2, 3, 5],
            "probability_default": [0.08, 0.12, 0.45, None],
            "decision": ["accepted", "refused", "refused", None],
            "error": [None, None, None, "unknown client id 5"],
        }
    )
    truth = pd.Series({1: 0.1, 2: 0.5, 3: 0.2})
    report = compare(_events(), challenger, challenger_version="2", truth=truth, cost_fn=10, cost_fp=1)
    assert (report.n_events, report.n_clients, report.n_not_replayable, report.n_challenger_errors) == (
        6,
        3,
        1,
        1,
    )
    assert [f["SK_ID_CURR"] for f in report.flips] == [1, 2]
    assert (report.n_flips_to_refused, report.n_flips_to_accepted) == (1, 1)
    assert report.agreement == pytest.approx(1 / 3)
    assert report.champion_refusal_rate == pytest.approx(2 / 3)  # clients 1 and 3
    assert report.challenger_refusal_rate == pytest.approx(2 / 3)  # clients 2 and 3
    # champion: 1 refused (0.9) + 2 accepted (10 × 0.5) + 3 refused (0.8); challenger: 1.0 + 0.5 + 0.8
    assert report.expected_cost_champion == pytest.approx((0.9 + 5.0 + 0.8) / 3)
    assert report.expected_cost_challenger == pytest.approx((1.0 + 0.5 + 0.8) / 3)
    assert "agrees with the champion on 33.3% of 3 clients" in summary(report)


def test_without_truth_there_is_no_expected_cost() -> None:
    challenger = pd.DataFrame(
        {"SK_ID_CURR": [1, 2, 3, 5], "probability_default": [0.2, 0.1, 0.4, 0.02], "error": [None] * 4}
    ).assign(decision=["refused", "accepted", "refused", "accepted"])
    report = compare(_events(), challenger, challenger_version="2", truth=None, cost_fn=10, cost_fp=1)
    assert report.agreement == 1.0 and report.flips == []
    assert report.expected_cost_champion is None and "expected cost" not in summary(report)

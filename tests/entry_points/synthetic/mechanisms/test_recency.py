"""Mechanism `recency`: recent bad events weigh, old ones much less; quantities recomputed with pandas.

Old events still go with a somewhat higher risk: the same clients also behave worse today (their payment
discipline drives every table), so "much less" is checked, not "nothing".
"""

from __future__ import annotations

import pandas as pd
import pytest

from custom_model import schema
from custom_model.contract import ORACLE_PROBABILITY
from entry_points import synthetic


@pytest.fixture(scope="module")
def planted() -> dict[str, synthetic.SyntheticData]:
    return {m: synthetic.generate_tables(0.05, 42, mechanism=m) for m in ("recency", "delinquency")}


def _p(data: synthetic.SyntheticData) -> pd.Series:
    return data.oracle.set_index(schema.ID_CURR)[ORACLE_PROBABILITY]


def _last_late_bureau_month(data: synthetic.SyntheticData) -> pd.Series:
    balance = data.tables[schema.BUREAU_BALANCE].merge(
        data.tables[schema.BUREAU][[schema.ID_BUREAU, schema.ID_CURR]], on=schema.ID_BUREAU
    )
    late = balance[balance["STATUS"].astype(str).isin(list("12345"))]
    return late.groupby(schema.ID_CURR)["MONTHS_BALANCE"].max()


def test_a_recent_late_bureau_month_weighs_far_more_than_an_old_one(
    planted: dict[str, synthetic.SyntheticData],
) -> None:
    ratios = {}
    for name, data in planted.items():
        p = _p(data)
        last = _last_late_bureau_month(data).reindex(p.index)
        ratios[name] = (
            p[last >= -3].mean() / p[last <= -48].mean(),
            p[last <= -48].mean() / p[last.isna()].mean(),
        )
    recent_vs_old, old_vs_never = ratios["recency"]
    assert recent_vs_old > 2.5 and recent_vs_old > 2 * ratios["delinquency"][0]  # measured 3.35 vs 1.18
    assert old_vs_never < 1.6  # measured 1.45


def test_refusals_count_only_when_recent(planted: dict[str, synthetic.SyntheticData]) -> None:
    data = planted["recency"]
    p = _p(data)
    prev = data.tables[schema.PREVIOUS_APPLICATION]
    refused = prev[prev["NAME_CONTRACT_STATUS"] == "Refused"]
    per_client = refused.groupby(schema.ID_CURR)["DAYS_DECISION"]
    recent = per_client.apply(lambda d: (d >= -730).sum()).reindex(p.index).fillna(0)
    old = per_client.apply(lambda d: (d < -1000).sum()).reindex(p.index).fillna(0)
    none = p[(old == 0) & (recent == 0)].mean()
    assert p[recent >= 2].mean() > 3 * none  # measured 4.1
    assert p[(old >= 2) & (recent == 0)].mean() < 1.5 * none  # measured 1.33

"""Mechanism `affordability`: the true risk rises with ratios to income and with shares over a threshold.

Quantities are recomputed here from the generated tables with pandas, independently of the mechanism's code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from custom_model import schema
from custom_model.contract import ORACLE_PROBABILITY
from entry_points import synthetic


@pytest.fixture(scope="module")
def planted() -> dict[str, synthetic.SyntheticData]:
    return {m: synthetic.generate_tables(0.05, 42, mechanism=m) for m in ("affordability", "delinquency")}


def _clients(data: synthetic.SyntheticData) -> pd.DataFrame:
    """Every client's application row with its true default probability."""
    app = pd.concat([data.tables[schema.APPLICATION_TRAIN], data.tables[schema.APPLICATION_TEST]])
    oracle = data.oracle.set_index(schema.ID_CURR)[ORACLE_PROBABILITY]
    return app.set_index(schema.ID_CURR).assign(p=oracle)


def _lift(p: pd.Series, high: pd.Series, low: pd.Series) -> float:
    return float(p[high].mean() / p[low].mean())


def test_annuity_to_income_drives_the_risk_more_than_under_delinquency(
    planted: dict[str, synthetic.SyntheticData],
) -> None:
    lifts = {}
    for name, data in planted.items():
        clients = _clients(data)
        ratio = clients["AMT_ANNUITY"] / clients["AMT_INCOME_TOTAL"]
        lifts[name] = _lift(clients["p"], ratio > 0.4, ratio < 0.15)
    assert lifts["affordability"] > 2.0
    assert lifts["affordability"] > 1.5 * lifts["delinquency"]


def test_bureau_debt_to_income_and_card_months_near_the_limit_raise_the_risk(
    planted: dict[str, synthetic.SyntheticData],
) -> None:
    data = planted["affordability"]
    clients = _clients(data)
    bureau = data.tables[schema.BUREAU]
    debt = bureau["AMT_CREDIT_SUM_DEBT"].clip(lower=0).where(bureau["CREDIT_ACTIVE"] == "Active", 0.0)
    debt_income = (debt.groupby(bureau[schema.ID_CURR]).sum() / clients["AMT_INCOME_TOTAL"]).reindex(
        clients.index
    )
    assert _lift(clients["p"], debt_income > 3, debt_income.fillna(0) == 0) > 1.5
    card = data.tables[schema.CREDIT_CARD_BALANCE]
    limit = card["AMT_CREDIT_LIMIT_ACTUAL"]
    near = (card["AMT_BALANCE"] > 0.9 * limit) & (limit > 0)
    share = near.groupby(card[schema.ID_CURR]).mean().reindex(clients.index)
    assert _lift(clients["p"], share > 0.5, share == 0) > 1.5

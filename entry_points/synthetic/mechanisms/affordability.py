"""Mechanism `affordability`: the signal is in ratios to income and in shares over a threshold.

Debt service and indebtedness relative to income (annuity, credit, bureau debt and overdue amounts, payments
made on previous loans), income per household member, the share of instalments under-paid and of card months
near the limit (each a step once over a threshold), one interaction (a heavy annuity weighs more on a client
already indebted elsewhere) and only a minimum of the external scores. None of these ratios is a raw column:
a model has to build them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from entry_points.synthetic import draws
from entry_points.synthetic.mechanisms.base import Drawn, Mechanism, standardise, sum_per_client

#: Spread (standard deviation) of the log-odds: sets how well the truth separates defaults (oracle AUC ≈ 0.8).
LOGIT_SD = 1.25
#: Utilisation above which a card month counts as "at the limit".
NEAR_LIMIT = 0.9
#: Share of a client's instalments under-paid above which the step applies.
UNDERPAID_SHARE_STEP = 0.1
#: Instalments due in this window count in the payments-to-income ratio.
PAYMENT_WINDOW_DAYS = 365


@dataclass(frozen=True)
class Affordability:
    """Per-client ratios and shares the mechanism reads (0 without the table's history)."""

    annuity_income: np.ndarray
    credit_income: np.ndarray
    income_per_person: np.ndarray
    debt_income: np.ndarray
    overdue_income: np.ndarray
    payments_income: np.ndarray
    underpaid_share: np.ndarray
    near_limit_share: np.ndarray
    ext_min: np.ndarray


def observe(drawn: Drawn) -> Affordability:
    """Ratios to the declared income and shares over thresholds, from the drawn tables."""
    n = drawn.n_clients
    app, income = drawn.applications.frame, drawn.applications.clients.income
    bureau, b_client = drawn.bureau.frame, drawn.bureau.client
    active = bureau["CREDIT_ACTIVE"].to_numpy() == "Active"
    debt = np.where(active, np.clip(np.nan_to_num(bureau["AMT_CREDIT_SUM_DEBT"].to_numpy()), 0, None), 0.0)
    overdue = np.nan_to_num(bureau["AMT_CREDIT_SUM_OVERDUE"].to_numpy())
    inst = drawn.installments
    recent = inst.frame["DAYS_INSTALMENT"].to_numpy() >= -PAYMENT_WINDOW_DAYS
    paid = np.where(recent, np.nan_to_num(inst.frame["AMT_PAYMENT"].to_numpy()), 0.0)
    card = drawn.card
    ext = app[["EXT_SOURCE_2", "EXT_SOURCE_3"]].to_numpy()
    return Affordability(
        annuity_income=np.nan_to_num(app["AMT_ANNUITY"].to_numpy() / income, nan=0.13),
        credit_income=app["AMT_CREDIT"].to_numpy() / income,
        income_per_person=income / np.nan_to_num(app["CNT_FAM_MEMBERS"].to_numpy(), nan=2.0),
        debt_income=sum_per_client(b_client, debt, n) / income,
        overdue_income=sum_per_client(b_client, overdue, n) / income,
        payments_income=sum_per_client(inst.client, paid, n) / income,
        underpaid_share=draws.per_parent_mean(inst.instalment_client, inst.underpaid.astype(float), n),
        near_limit_share=draws.per_parent_mean(card.client, (card.utilisation > NEAR_LIMIT).astype(float), n),
        ext_min=np.nanmin(np.where(np.isnan(ext), 0.51, ext), axis=1),
    )


def logit(drawn: Drawn) -> np.ndarray:
    """Default log-odds before the intercept: hinges and steps on the ratios, one interaction."""
    a = observe(drawn)
    heavy_annuity = a.annuity_income > 0.3
    raw = (
        0.8 * np.clip((a.annuity_income - 0.25) / 0.15, 0, 2)
        + 0.25 * np.log(a.credit_income)
        + 0.5 * np.clip((60_000 - a.income_per_person) / 30_000, 0, 1.5)
        + 0.6 * np.log1p(np.clip(a.debt_income, 0, 20))
        + 0.7 * (a.debt_income > 3)
        + 1.0 * (a.overdue_income > 0.02)
        + 0.8 * heavy_annuity * (a.debt_income > 1)
        + 0.8 * np.clip(a.payments_income - 0.3, 0, 1)
        + 1.0 * (a.underpaid_share > UNDERPAID_SHARE_STEP)
        + 1.0 * a.underpaid_share
        + 0.9 * a.near_limit_share
        + 0.6 * (a.near_limit_share > 0.5)
        - 2.0 * (a.ext_min - 0.5)
    )
    return LOGIT_SD * standardise(raw)


MECHANISM = Mechanism(
    name="affordability",
    summary="ratios to income (annuity, credit, bureau debt and overdue, payments made), income per person, "
    "shares over a threshold (under-paid instalments, card months near the limit), an interaction",
    logit=logit,
)

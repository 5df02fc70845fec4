"""Cross-table features: the client's other debts and payments set against this application's money.

Top Home Credit solutions relate history to the applicant: how big are the bureau debts, overdue amounts and
usual instalments next to the income, the credit asked for and its annuity. Computed on the assembled frame
(application + history columns), the same function for training and for serving. A ratio whose history
column is absent (its table was not provided) is left out, so the column set stays fixed per source.
"""

from __future__ import annotations

import pandas as pd

from custom_model.features._aggregate import safe_divide

#: New column → (history column, application column): history / application, missing when either is.
CROSS_RATIOS: dict[str, tuple[str, str]] = {
    "BURO_DEBT_TO_INCOME": ("BURO_AMT_CREDIT_SUM_DEBT_SUM", "AMT_INCOME_TOTAL"),
    "ACTIVE_DEBT_TO_INCOME": ("ACTIVE_AMT_CREDIT_SUM_DEBT_SUM", "AMT_INCOME_TOTAL"),
    "ACTIVE_DEBT_TO_CREDIT": ("ACTIVE_AMT_CREDIT_SUM_DEBT_SUM", "AMT_CREDIT"),
    "BURO_OVERDUE_TO_INCOME": ("BURO_AMT_CREDIT_SUM_OVERDUE_MEAN", "AMT_INCOME_TOTAL"),
    "ACTIVE_ANNUITY_TO_INCOME": ("ACTIVE_AMT_ANNUITY_MEAN", "AMT_INCOME_TOTAL"),
    "PREV_ANNUITY_TO_ANNUITY": ("PREV_AMT_ANNUITY_MEAN", "AMT_ANNUITY"),
    "PREV_CREDIT_TO_CREDIT": ("PREV_AMT_CREDIT_MEAN", "AMT_CREDIT"),
    "INSTAL_INSTALMENT_TO_ANNUITY": ("INSTAL_AMT_INSTALMENT_MEAN", "AMT_ANNUITY"),
    "INSTAL_UNPAID_LAST365D_TO_INCOME": ("INSTAL_LAST365D_PAYMENT_DIFF_SUM", "AMT_INCOME_TOTAL"),
    "CC_BALANCE_TO_INCOME": ("CC_AMT_BALANCE_MEAN", "AMT_INCOME_TOTAL"),
}


def cross_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the CROSS_RATIOS computable from ``frame``'s columns, in declaration order, float64.

    The history side is rounded to float32 first: the serving snapshot stores history as float32, and
    training must divide the very same numbers for the served features to equal the trained ones.
    """
    columns = {
        name: safe_divide(
            frame[history].astype("float32").astype("float64"), frame[application].astype("float64")
        )
        for name, (history, application) in CROSS_RATIOS.items()
        if history in frame.columns and application in frame.columns
    }
    return pd.DataFrame(columns, index=frame.index)


def with_cross_features(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its cross-table ratios appended (after every application and history column)."""
    return pd.concat([frame, cross_features(frame)], axis=1)

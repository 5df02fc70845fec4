"""Instalment payments: per-instalment repayment behaviour, then INSTAL_ statistics, a last-365-days window.

A source row is one payment event, not one instalment (split payments, SPEC §1.5 #11), so rows are first
combined per instalment (SK_ID_CURR, SK_ID_PREV, NUM_INSTALMENT_VERSION, NUM_INSTALMENT_NUMBER): amounts paid
are summed and the instalment counts as paid on its last payment date. Kernel bug fixed: an instalment with no
recorded payment is UNPAID, with 0 paid and days past due measured up to the application date (day 0), instead
of looking "on time" (kernel: NaN clipped to 0 days late).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.features._aggregate import (
    counts,
    group_slope,
    group_stats,
    join_blocks,
    last_rows,
    numeric,
    require_columns,
    safe_divide,
    window_block,
)

ID_CURR, ID_PREV = schema.ID_CURR, schema.ID_PREV
_FILE = f"{schema.INSTALLMENTS_PAYMENTS}.csv"
_KEYS = (ID_CURR, ID_PREV, "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER")
_NUMERIC_INPUTS = ("DAYS_INSTALMENT", "DAYS_ENTRY_PAYMENT", "AMT_INSTALMENT", "AMT_PAYMENT")
#: Kernel spec (SPEC §2.2 E) on per-instalment rows, plus lateness share and unpaid count.
NUMERIC_SPEC: dict[str, tuple[str, ...]] = {
    "DPD": ("max", "mean", "sum"),
    "DBD": ("max", "mean", "sum"),
    "PAYMENT_PERC": ("max", "mean", "sum", "var"),
    "PAYMENT_DIFF": ("max", "mean", "sum", "var"),
    "AMT_INSTALMENT": ("max", "mean", "sum"),
    "AMT_PAYMENT": ("min", "max", "mean", "sum"),
    "DAYS_ENTRY_PAYMENT": ("max", "mean", "sum"),
    "LATE": ("mean",),
    "LATE_5": ("mean",),
    "LATE_30": ("mean",),
    "UNDERPAID": ("mean",),
    "UNPAID": ("sum",),
    "PAYMENT_EVENTS": ("sum",),
}
#: "Paid late" thresholds in days: small delays are common, a month late is a different behaviour.
LATE_THRESHOLDS: tuple[int, ...] = (5, 30)
#: An instalment is underpaid when less than this share of the amount due was paid.
UNDERPAID_SHARE = 0.95
LAST_N = 10
LAST_N_SPEC: dict[str, tuple[str, ...]] = {
    "DPD": ("max", "mean"),
    "LATE": ("mean",),
    "UNDERPAID": ("mean",),
    "PAYMENT_PERC": ("mean",),
}
WINDOW_DAYS = 365
WINDOW_SPEC: dict[str, tuple[str, ...]] = {
    "DPD": ("max", "mean"),
    "DBD": ("mean",),
    "PAYMENT_PERC": ("mean",),
    "PAYMENT_DIFF": ("mean", "sum"),
    "LATE": ("mean",),
    "UNPAID": ("sum",),
}


def instalment_rows(inst: pd.DataFrame) -> pd.DataFrame:
    """Combine payment events into one row per instalment with DPD, DBD, PAYMENT_PERC/DIFF, LATE, UNPAID.

    AMT_PAYMENT = sum of the payments (0 if none), DAYS_ENTRY_PAYMENT = last payment date (missing if none).
    Paid: DPD = max(last payment − due day, 0), DBD = max(due day − last payment, 0). Unpaid: DPD =
    max(0 − due day, 0) (overdue up to the application date), DBD = 0. PAYMENT_PERC = paid / due (missing
    when due is 0), PAYMENT_DIFF = due − paid, LATE = 1 when DPD > 0, LATE_5 / LATE_30 when DPD > 5 / 30,
    UNDERPAID = 1 when less than 95 % of the amount due was paid (missing when due is 0).
    """
    require_columns(inst, (*_KEYS, *_NUMERIC_INPUTS), _FILE)
    frame = pd.DataFrame({key: inst[key].to_numpy() for key in _KEYS})
    for column in _NUMERIC_INPUTS:
        frame[column] = numeric(inst, column, _FILE).to_numpy()
    grouped = frame.groupby(list(_KEYS), sort=False)
    rows = pd.DataFrame(
        {
            "DAYS_INSTALMENT": grouped["DAYS_INSTALMENT"].max(),
            "AMT_INSTALMENT": grouped["AMT_INSTALMENT"].max(),
            "AMT_PAYMENT": grouped["AMT_PAYMENT"].sum(),
            "DAYS_ENTRY_PAYMENT": grouped["DAYS_ENTRY_PAYMENT"].max(),
            "PAYMENT_EVENTS": grouped.size().astype(np.float64),
        }
    ).reset_index()
    due, paid_on = rows["DAYS_INSTALMENT"].to_numpy(), rows["DAYS_ENTRY_PAYMENT"].to_numpy()
    unpaid = np.isnan(paid_on)
    rows["UNPAID"] = unpaid.astype(np.float64)
    rows["DPD"] = np.where(unpaid, np.maximum(0.0 - due, 0.0), np.maximum(paid_on - due, 0.0))
    rows["DBD"] = np.where(unpaid, 0.0, np.maximum(due - paid_on, 0.0))
    rows["PAYMENT_PERC"] = safe_divide(rows["AMT_PAYMENT"], rows["AMT_INSTALMENT"])
    rows["PAYMENT_DIFF"] = rows["AMT_INSTALMENT"] - rows["AMT_PAYMENT"]
    dpd = rows["DPD"].to_numpy()
    rows["LATE"] = np.where(np.isnan(dpd), np.nan, (dpd > 0).astype(np.float64))
    for days in LATE_THRESHOLDS:
        rows[f"LATE_{days}"] = np.where(np.isnan(dpd), np.nan, (dpd > days).astype(np.float64))
    perc = rows["PAYMENT_PERC"].to_numpy()
    rows["UNDERPAID"] = np.where(np.isnan(perc), np.nan, (perc < UNDERPAID_SHARE).astype(np.float64))
    return rows


def installments_features(inst: pd.DataFrame) -> pd.DataFrame:
    """Return one row per client with instalment history.

    INSTAL_COUNT = instalments (after combining split payments), INSTAL_PAYMENT_EVENTS_SUM = payment rows,
    INSTAL_UNPAID_SUM = instalments without any payment (0 is the truth for a client with history),
    INSTAL_LATE_MEAN = share of instalments paid late or unpaid and overdue. INSTAL_LAST365D_* covers
    instalments due in the 365 days before the application (COUNT = 0 when none), INSTAL_LAST10_* the
    client's 10 most recent instalments; INSTAL_DPD_TREND / INSTAL_PAYMENT_PERC_TREND are the least-squares
    slopes of days late and of the share paid per year of due dates (> 0: paying later / more lately).
    """
    rows = instalment_rows(inst)
    grouped = rows.groupby(ID_CURR, sort=True)
    blocks = [
        counts(grouped, "INSTAL_COUNT"),
        grouped["NUM_INSTALMENT_VERSION"]
        .nunique()
        .astype("float64")
        .to_frame("INSTAL_NUM_INSTALMENT_VERSION_NUNIQUE"),
        group_stats(grouped, NUMERIC_SPEC, "INSTAL"),
    ]
    clients = blocks[0].index
    recent = rows["DAYS_INSTALMENT"] >= -WINDOW_DAYS
    blocks.append(window_block(rows, recent, WINDOW_SPEC, f"INSTAL_LAST{WINDOW_DAYS}D", clients))
    last = last_rows(rows, ID_CURR, "DAYS_INSTALMENT", LAST_N)
    blocks.append(window_block(rows, last, LAST_N_SPEC, f"INSTAL_LAST{LAST_N}", clients))
    blocks += _trends(rows, clients)
    return join_blocks(blocks, clients)


def _trends(rows: pd.DataFrame, clients: pd.Index) -> list[pd.DataFrame]:
    """Per-client slopes over time (per year, x = due day): is the client paying later, or less, lately?"""
    keys, years = rows[ID_CURR].to_numpy(), rows["DAYS_INSTALMENT"].to_numpy() / 365.0
    return [
        group_slope(keys, years, rows[column].to_numpy(dtype=np.float64), clients, f"INSTAL_{column}_TREND")
        for column in ("DPD", "PAYMENT_PERC")
    ]

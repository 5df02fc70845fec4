"""Previous Home Credit applications: PREV_ (all), APPROVED_ / REFUSED_ splits and last-3 / last-5 windows.

Unlike the kernel, the five DAYS_* dates whose 365243 sentinel means "no date" are cleaned AND aggregated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.features._aggregate import (
    category_codes,
    category_shares,
    counts,
    group_stats,
    join_blocks,
    numeric,
    require_columns,
    safe_divide,
)

ID_CURR, ID_PREV = schema.ID_CURR, schema.ID_PREV
_FILE = f"{schema.PREVIOUS_APPLICATION}.csv"
CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in schema.table(schema.PREVIOUS_APPLICATION).categorical()
)
#: Dates where 365243 stands for "no date" (SPEC §1.5 #2).
SENTINEL_DATES: tuple[str, ...] = (
    "DAYS_FIRST_DRAWING",
    "DAYS_FIRST_DUE",
    "DAYS_LAST_DUE_1ST_VERSION",
    "DAYS_LAST_DUE",
    "DAYS_TERMINATION",
)
_MMM = ("min", "max", "mean")
#: Kernel numeric spec (SPEC §2.2 C4): PREV_, APPROVED_ and REFUSED_.
KERNEL_SPEC: dict[str, tuple[str, ...]] = {
    "AMT_ANNUITY": _MMM,
    "AMT_APPLICATION": _MMM,
    "AMT_CREDIT": _MMM,
    "AMT_DOWN_PAYMENT": _MMM,
    "AMT_GOODS_PRICE": _MMM,
    "HOUR_APPR_PROCESS_START": _MMM,
    "RATE_DOWN_PAYMENT": _MMM,
    "DAYS_DECISION": _MMM,
    "APP_CREDIT_PERC": ("min", "max", "mean", "var"),
    "CNT_PAYMENT": ("mean", "sum"),
    "SIMPLE_INTEREST": _MMM,
}
#: Extra statistics of the cleaned dates, for PREV_ and APPROVED_ (refused applications never have them).
DATES_SPEC: dict[str, tuple[str, ...]] = {
    **{c: _MMM for c in SENTINEL_DATES},
    "DAYS_LAST_DUE_SHIFT": ("mean", "max"),
}
#: Statistics over each client's most recent applications (by DAYS_DECISION).
WINDOW_SPEC: dict[str, tuple[str, ...]] = {
    "AMT_CREDIT": ("mean",),
    "AMT_ANNUITY": ("mean",),
    "APP_CREDIT_PERC": ("mean",),
    "CNT_PAYMENT": ("mean",),
    "SIMPLE_INTEREST": ("mean",),
    "DAYS_DECISION": ("min",),
    "IS_APPROVED": ("mean",),
    "IS_REFUSED": ("mean",),
}
WINDOWS: tuple[int, ...] = (3, 5)
_NUMERIC_INPUTS = (
    "AMT_ANNUITY",
    "AMT_APPLICATION",
    "AMT_CREDIT",
    "AMT_DOWN_PAYMENT",
    "AMT_GOODS_PRICE",
    "HOUR_APPR_PROCESS_START",
    "RATE_DOWN_PAYMENT",
    "DAYS_DECISION",
    "CNT_PAYMENT",
    *SENTINEL_DATES,
)


def previous_row_features(prev: pd.DataFrame) -> pd.DataFrame:
    """Return the numeric columns used, sentinels cleaned, plus row ratios; one row per previous application.

    APP_CREDIT_PERC = asked / granted (NaN when granted is 0). SIMPLE_INTEREST = total repaid / granted − 1
    (AMT_ANNUITY × CNT_PAYMENT / AMT_CREDIT − 1), a cheap proxy of the interest rate used by the winners.
    DAYS_LAST_DUE_SHIFT = first planned last due date − actual last due date (> 0: repaid early).
    """
    require_columns(prev, (ID_CURR, ID_PREV, "NAME_CONTRACT_STATUS", *_NUMERIC_INPUTS), _FILE)
    frame = pd.DataFrame({ID_CURR: prev[ID_CURR].to_numpy(), ID_PREV: prev[ID_PREV].to_numpy()})
    for column in _NUMERIC_INPUTS:
        values = numeric(prev, column, _FILE).to_numpy()
        if column in SENTINEL_DATES:
            values = np.where(values == schema.DAYS_SENTINEL, np.nan, values)
        frame[column] = values
    frame["APP_CREDIT_PERC"] = safe_divide(frame["AMT_APPLICATION"], frame["AMT_CREDIT"])
    frame["SIMPLE_INTEREST"] = (
        safe_divide(frame["AMT_ANNUITY"] * frame["CNT_PAYMENT"], frame["AMT_CREDIT"]) - 1.0
    )
    frame["DAYS_LAST_DUE_SHIFT"] = frame["DAYS_LAST_DUE_1ST_VERSION"] - frame["DAYS_LAST_DUE"]
    levels = schema.table(schema.PREVIOUS_APPLICATION).column("NAME_CONTRACT_STATUS").levels
    status = category_codes(prev["NAME_CONTRACT_STATUS"], levels)
    frame["IS_APPROVED"] = (status == levels.index("Approved")).astype(np.float64)
    frame["IS_REFUSED"] = (status == levels.index("Refused")).astype(np.float64)
    return frame


def previous_features(prev: pd.DataFrame) -> pd.DataFrame:
    """Return one row per client with previous applications: PREV_, APPROVED_, REFUSED_, PREV_LAST{3,5}_.

    PREV_ holds the kernel statistics, the cleaned dates and the share of every level of the 16 categoricals.
    Canceled / Unused offers only enter PREV_. APPROVED_COUNT / REFUSED_COUNT are 0 for a client with
    applications but none of that status (statistics then missing).
    """
    frame = previous_row_features(prev)
    grouped = frame.groupby(ID_CURR, sort=True)
    all_spec = KERNEL_SPEC | DATES_SPEC
    blocks = [
        counts(grouped, "PREV_COUNT"),
        group_stats(grouped, all_spec, "PREV"),
        category_shares(prev, grouped, schema.PREVIOUS_APPLICATION, CATEGORICAL_COLUMNS, "PREV"),
    ]
    clients = blocks[0].index
    for flag, prefix, spec in (("IS_APPROVED", "APPROVED", all_spec), ("IS_REFUSED", "REFUSED", KERNEL_SPEC)):
        subset = frame.loc[frame[flag].to_numpy() == 1.0]
        sub_grouped = subset.groupby(ID_CURR, sort=True)
        blocks += [
            counts(sub_grouped, f"{prefix}_COUNT").reindex(clients).fillna(0.0),
            group_stats(sub_grouped, spec, prefix),
        ]
    blocks += _recent_windows(frame)
    return join_blocks(blocks, clients)


def _recent_windows(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """Statistics over the last k applications per client (latest DAYS_DECISION first, ties by SK_ID_PREV)."""
    ordered = frame.sort_values(
        [ID_CURR, "DAYS_DECISION", ID_PREV], ascending=[True, False, False], kind="stable"
    )
    rank = ordered.groupby(ID_CURR, sort=False).cumcount().to_numpy()
    blocks = []
    for k in WINDOWS:
        recent = ordered.loc[rank < k]
        blocks.append(group_stats(recent.groupby(ID_CURR, sort=True), WINDOW_SPEC, f"PREV_LAST{k}"))
    return blocks

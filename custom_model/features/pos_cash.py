"""POS / cash loan monthly balances (POS_CASH_balance): POS_ statistics and a last-12-months window.

All previous loans of a client are pooled (rows carry SK_ID_CURR directly), as in the kernel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custom_model import schema
from custom_model.features._aggregate import (
    category_shares,
    counts,
    group_stats,
    join_blocks,
    numeric,
    require_columns,
    window_block,
)

ID_CURR, ID_PREV = schema.ID_CURR, schema.ID_PREV
_FILE = f"{schema.POS_CASH_BALANCE}.csv"
#: Kernel spec (SPEC §2.2 D) plus instalment counts and the share of months past due.
NUMERIC_SPEC: dict[str, tuple[str, ...]] = {
    "MONTHS_BALANCE": ("min", "max", "mean"),
    "SK_DPD": ("max", "mean"),
    "SK_DPD_DEF": ("max", "mean"),
    "DPD_POSITIVE": ("mean",),
    "CNT_INSTALMENT": ("mean", "max"),
    "CNT_INSTALMENT_FUTURE": ("mean", "min"),
}
WINDOW_MONTHS = 12
WINDOW_SPEC: dict[str, tuple[str, ...]] = {
    "SK_DPD": ("max", "mean"),
    "SK_DPD_DEF": ("max", "mean"),
    "DPD_POSITIVE": ("mean",),
}
_NUMERIC_INPUTS = ("MONTHS_BALANCE", "SK_DPD", "SK_DPD_DEF", "CNT_INSTALMENT", "CNT_INSTALMENT_FUTURE")


def pos_cash_features(pos: pd.DataFrame) -> pd.DataFrame:
    """Return one row per client with POS/cash history.

    POS_COUNT = monthly rows, POS_LOAN_COUNT = distinct loans, POS_DPD_POSITIVE_MEAN = share of months with
    SK_DPD > 0, POS_NAME_CONTRACT_STATUS_<level>_MEAN = share of months in each status. POS_LAST12M_*
    covers MONTHS_BALANCE ≥ −12 (POS_LAST12M_COUNT = 0 when the client has no month in the window).
    """
    require_columns(pos, (ID_CURR, ID_PREV, "NAME_CONTRACT_STATUS", *_NUMERIC_INPUTS), _FILE)
    frame = pd.DataFrame({ID_CURR: pos[ID_CURR].to_numpy(), ID_PREV: pos[ID_PREV].to_numpy()})
    for column in _NUMERIC_INPUTS:
        frame[column] = numeric(pos, column, _FILE).to_numpy()
    frame["DPD_POSITIVE"] = np.where(frame["SK_DPD"].isna(), np.nan, (frame["SK_DPD"] > 0).astype(np.float64))
    grouped = frame.groupby(ID_CURR, sort=True)
    blocks = [
        counts(grouped, "POS_COUNT"),
        grouped[ID_PREV].nunique().astype("float64").to_frame("POS_LOAN_COUNT"),
        group_stats(grouped, NUMERIC_SPEC, "POS"),
        category_shares(pos, grouped, schema.POS_CASH_BALANCE, ("NAME_CONTRACT_STATUS",), "POS"),
    ]
    clients = blocks[0].index
    recent = frame["MONTHS_BALANCE"] >= -WINDOW_MONTHS
    blocks.append(window_block(frame, recent, WINDOW_SPEC, f"POS_LAST{WINDOW_MONTHS}M", clients))
    return join_blocks(blocks, clients)

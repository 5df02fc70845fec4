"""Credit card monthly balances: CC_ statistics of each numeric column, utilisation, last-12-months window."""

from __future__ import annotations

import pandas as pd

from custom_model import schema
from custom_model.features._aggregate import (
    category_shares,
    counts,
    group_stats,
    join_blocks,
    numeric,
    require_columns,
    safe_divide,
    window_block,
)

ID_CURR, ID_PREV = schema.ID_CURR, schema.ID_PREV
_FILE = f"{schema.CREDIT_CARD_BALANCE}.csv"
_TABLE = schema.table(schema.CREDIT_CARD_BALANCE)
#: The 20 numeric columns the kernel aggregates (SPEC §2.2 F), in file order.
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in _TABLE.columns if c.is_numeric and c.name not in schema.ID_COLUMNS
)
_ALL_STATS = ("min", "max", "mean", "sum", "var")
NUMERIC_SPEC: dict[str, tuple[str, ...]] = {
    **{c: _ALL_STATS for c in NUMERIC_COLUMNS},
    "UTILIZATION": ("mean", "max"),
    "PAYMENT_MIN_RATIO": ("mean", "min"),
}
WINDOW_MONTHS = 12
WINDOW_SPEC: dict[str, tuple[str, ...]] = {
    "AMT_BALANCE": ("mean",),
    "UTILIZATION": ("mean", "max"),
    "AMT_DRAWINGS_CURRENT": ("mean", "sum"),
    "AMT_PAYMENT_TOTAL_CURRENT": ("mean",),
    "SK_DPD": ("max", "mean"),
}


def credit_card_features(cc: pd.DataFrame) -> pd.DataFrame:
    """Return one row per client with card history.

    Kernel: min/max/mean/sum/var of the 20 numeric columns and the share of each NAME_CONTRACT_STATUS level
    (the kernel's min/max/sum/var of 0/1 dummies add nothing over the share and the count). Extras:
    UTILIZATION = AMT_BALANCE / AMT_CREDIT_LIMIT_ACTUAL and PAYMENT_MIN_RATIO = AMT_PAYMENT_CURRENT /
    AMT_INST_MIN_REGULARITY (missing on a zero denominator), CC_CARD_COUNT, CC_LAST12M_* for
    MONTHS_BALANCE ≥ −12 (COUNT = 0 when no month in the window).
    """
    require_columns(cc, (ID_CURR, ID_PREV, "NAME_CONTRACT_STATUS", *NUMERIC_COLUMNS), _FILE)
    frame = pd.DataFrame({ID_CURR: cc[ID_CURR].to_numpy(), ID_PREV: cc[ID_PREV].to_numpy()})
    for column in NUMERIC_COLUMNS:
        frame[column] = numeric(cc, column, _FILE).to_numpy()
    frame["UTILIZATION"] = safe_divide(frame["AMT_BALANCE"], frame["AMT_CREDIT_LIMIT_ACTUAL"])
    frame["PAYMENT_MIN_RATIO"] = safe_divide(frame["AMT_PAYMENT_CURRENT"], frame["AMT_INST_MIN_REGULARITY"])
    grouped = frame.groupby(ID_CURR, sort=True)
    blocks = [
        counts(grouped, "CC_COUNT"),
        grouped[ID_PREV].nunique().astype("float64").to_frame("CC_CARD_COUNT"),
        group_stats(grouped, NUMERIC_SPEC, "CC"),
        category_shares(cc, grouped, schema.CREDIT_CARD_BALANCE, ("NAME_CONTRACT_STATUS",), "CC"),
    ]
    clients = blocks[0].index
    recent = frame["MONTHS_BALANCE"] >= -WINDOW_MONTHS
    blocks.append(window_block(frame, recent, WINDOW_SPEC, f"CC_LAST{WINDOW_MONTHS}M", clients))
    return join_blocks(blocks, clients)

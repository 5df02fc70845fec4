"""Credit Bureau features: monthly status shares per credit (bureau_balance), then per-client statistics.

Prefixes: ``BURO_`` (all credits), ``ACTIVE_`` / ``CLOSED_`` (credits by CREDIT_ACTIVE; "Sold" and "Bad debt"
only enter BURO_). Clients without credits are absent (NaN once assembled); a client with credits but no
active one has ACTIVE_COUNT = 0 and missing ACTIVE_ statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.core.groupby import DataFrameGroupBy

from custom_model import schema
from custom_model.features._aggregate import (
    MISSING_LEVEL,
    category_codes,
    category_shares,
    counts,
    group_stats,
    join_blocks,
    numeric,
    require_columns,
    safe_divide,
    share_matrix,
)

ID_CURR, ID_BUREAU = schema.ID_CURR, schema.ID_BUREAU
_BUREAU_FILE = f"{schema.BUREAU}.csv"
_BALANCE_FILE = f"{schema.BUREAU_BALANCE}.csv"
STATUS_LEVELS: tuple[str, ...] = schema.table(schema.BUREAU_BALANCE).column("STATUS").levels
_LATE_STATUSES = ("1", "2", "3", "4", "5")
CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.table(schema.BUREAU).categorical())

#: Kernel numeric spec (SPEC §2.2 B3) plus DAYS_ENDDATE_FACT (not for ACTIVE_); for BURO_, ACTIVE_, CLOSED_.
NUMERIC_SPEC: dict[str, tuple[str, ...]] = {
    "DAYS_CREDIT": ("min", "max", "mean", "var"),
    "DAYS_CREDIT_ENDDATE": ("min", "max", "mean"),
    "DAYS_ENDDATE_FACT": ("min", "max", "mean"),
    "DAYS_CREDIT_UPDATE": ("mean",),
    "CREDIT_DAY_OVERDUE": ("max", "mean"),
    "AMT_CREDIT_MAX_OVERDUE": ("mean",),
    "AMT_CREDIT_SUM": ("max", "mean", "sum"),
    "AMT_CREDIT_SUM_DEBT": ("max", "mean", "sum"),
    "AMT_CREDIT_SUM_OVERDUE": ("mean",),
    "AMT_CREDIT_SUM_LIMIT": ("mean", "sum"),
    "AMT_ANNUITY": ("max", "mean"),
    "CNT_CREDIT_PROLONG": ("sum",),
}
#: Statistics of the per-credit bureau_balance summary (only when bureau_balance is provided).
BALANCE_SPEC: dict[str, tuple[str, ...]] = {
    "MONTHS_BALANCE_MIN": ("min",),
    "MONTHS_BALANCE_MAX": ("max",),
    "MONTHS_BALANCE_SIZE": ("mean", "sum"),
    "MONTHS_SINCE_LATE": ("min",),
    "STATUS_LATE_MEAN": ("min", "max"),
}
_STATUS_SHARES = (*(f"STATUS_{s}_MEAN" for s in (*STATUS_LEVELS, MISSING_LEVEL)), "STATUS_LATE_MEAN")


def balance_per_credit(bureau_balance: pd.DataFrame) -> pd.DataFrame:
    """Summarise bureau_balance per SK_ID_BUREAU: first/last month, number of months, share of each STATUS.

    STATUS_LATE_MEAN is the share of months with any days past due (status 1–5); MONTHS_SINCE_LATE the
    months between the application and the credit's last month with days past due (missing: never late).
    """
    require_columns(bureau_balance, (ID_BUREAU, "MONTHS_BALANCE", "STATUS"), _BALANCE_FILE)
    months = numeric(bureau_balance, "MONTHS_BALANCE", _BALANCE_FILE)
    grouped = months.groupby(bureau_balance[ID_BUREAU].to_numpy(), sort=True)
    summary = pd.DataFrame(
        {
            "MONTHS_BALANCE_MIN": grouped.min().astype("float64"),
            "MONTHS_BALANCE_MAX": grouped.max().astype("float64"),
            "MONTHS_BALANCE_SIZE": grouped.size().astype("float64"),
        }
    )
    codes = category_codes(bureau_balance["STATUS"], STATUS_LEVELS)
    shares = share_matrix(grouped.ngroup().to_numpy(), len(summary), codes, len(STATUS_LEVELS) + 1)
    for position, name in enumerate(_STATUS_SHARES[:-1]):
        summary[name] = shares[:, position]
    late = [STATUS_LEVELS.index(s) for s in _LATE_STATUSES]
    summary["STATUS_LATE_MEAN"] = shares[:, late].sum(axis=1)
    late_months = months.where(np.isin(codes, late))
    summary["MONTHS_SINCE_LATE"] = -late_months.groupby(bureau_balance[ID_BUREAU].to_numpy(), sort=True).max()
    summary.index.name = ID_BUREAU
    return summary


def bureau_features(bureau: pd.DataFrame, bureau_balance: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return one row per client with bureau credits: BURO_ / ACTIVE_ / CLOSED_ statistics, category shares.

    Without bureau_balance the MONTHS_BALANCE_* and STATUS_* columns are left out (a stable set per source).
    """
    require_columns(bureau, (ID_CURR, ID_BUREAU, *CATEGORICAL_COLUMNS, *NUMERIC_SPEC), _BUREAU_FILE)
    frame = pd.DataFrame({ID_CURR: bureau[ID_CURR].to_numpy()})
    for column in NUMERIC_SPEC:
        frame[column] = numeric(bureau, column, _BUREAU_FILE).to_numpy()
    spec = dict(NUMERIC_SPEC)
    status_columns: tuple[str, ...] = ()
    if bureau_balance is not None:
        per_credit = balance_per_credit(bureau_balance)
        joined = per_credit.reindex(bureau[ID_BUREAU].to_numpy())
        for column in per_credit.columns:
            frame[column] = joined[column].to_numpy()
        spec |= BALANCE_SPEC
        status_columns = _STATUS_SHARES
    status = category_codes(
        bureau["CREDIT_ACTIVE"], schema.table(schema.BUREAU).column("CREDIT_ACTIVE").levels
    )
    active_levels = schema.table(schema.BUREAU).column("CREDIT_ACTIVE").levels

    grouped = frame.groupby(ID_CURR, sort=True)
    cats = category_shares(bureau, grouped, schema.BUREAU, CATEGORICAL_COLUMNS, "BURO")
    blocks = [
        counts(grouped, "BURO_COUNT"),
        group_stats(grouped, spec, "BURO"),
        _debt_ratio(grouped, "BURO"),
        cats,
        group_stats(grouped, {c: ("mean",) for c in status_columns}, "BURO"),
    ]
    clients = blocks[0].index
    for level, prefix in (("Active", "ACTIVE"), ("Closed", "CLOSED")):
        subset = frame.loc[status == active_levels.index(level)]
        sub_grouped = subset.groupby(ID_CURR, sort=True)
        count = counts(sub_grouped, f"{prefix}_COUNT").reindex(clients).fillna(0.0)
        # an active credit has no actual end date yet (DAYS_ENDDATE_FACT is always missing there)
        sub_spec = {c: s for c, s in spec.items() if not (level == "Active" and c == "DAYS_ENDDATE_FACT")}
        blocks += [count, group_stats(sub_grouped, sub_spec, prefix), _debt_ratio(sub_grouped, prefix)]
    return join_blocks(blocks, clients)


def _debt_ratio(grouped: DataFrameGroupBy, prefix: str) -> pd.DataFrame:
    """Total current debt over total credit amount of the client's credits (missing when the total is 0)."""
    debt = grouped["AMT_CREDIT_SUM_DEBT"].sum(min_count=1)
    credit = grouped["AMT_CREDIT_SUM"].sum(min_count=1)
    return safe_divide(debt, credit).astype("float64").to_frame(f"{prefix}_DEBT_CREDIT_RATIO")

"""Read the seven Home Credit tables (CSV folder, Kaggle/OpenClassrooms zip, parquet) into validated DataFrames.

This is the only place files are parsed. Every table is checked against `custom_model.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from custom_model import schema


@dataclass(frozen=True)
class Tables:
    """The seven tables of one data source; child tables are None when the source does not have them."""

    application_train: pd.DataFrame
    application_test: pd.DataFrame
    bureau: pd.DataFrame | None = None
    bureau_balance: pd.DataFrame | None = None
    previous_application: pd.DataFrame | None = None
    pos_cash_balance: pd.DataFrame | None = None
    installments_payments: pd.DataFrame | None = None
    credit_card_balance: pd.DataFrame | None = None

    def get(self, name: str) -> pd.DataFrame | None:
        """Return a table by its schema name (e.g. ``"POS_CASH_balance"``)."""
        schema.table(name)
        return getattr(self, name.lower())

    def present(self) -> tuple[str, ...]:
        """Schema names of the tables this source provides."""
        by_attr = {n.lower(): n for n in schema.TABLE_NAMES}
        return tuple(by_attr[f.name] for f in fields(self) if getattr(self, f.name) is not None)

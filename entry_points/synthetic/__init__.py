"""Schema-faithful synthetic Home Credit tables with a known, planted default mechanism.

The real data cannot be downloaded here, so every test, benchmark and demo runs on these tables. They follow
`custom_model.schema` column for column and reproduce the real key structure (one SK_ID_CURR space shared by
train and test, bureau → bureau_balance, previous_application → POS / instalments / cards, a few % orphans,
clients without history), the category shares, co-missing blocks and sentinels of the real files
(SPEC §1.4–1.6, §6).

Modules: `shares` (real-data shares), `draws` (vectorised draws), one module per table group (`applications`,
`bureau`, `previous`, `balances`), `mechanisms` (the planted defaults, chosen by name), `generate`
(orchestration), `writer` (CSV). The public API is re-exported here.
"""

from entry_points.synthetic.generate import (
    MAX_SCALE,
    MIN_SCALE,
    ORACLE_COLUMNS,
    SyntheticData,
    generate_tables,
    target_row_counts,
    validate_scale,
)
from entry_points.synthetic.writer import write_csv, write_tables

__all__ = [
    "MAX_SCALE",
    "MIN_SCALE",
    "ORACLE_COLUMNS",
    "SyntheticData",
    "generate_tables",
    "target_row_counts",
    "validate_scale",
    "write_csv",
    "write_tables",
]

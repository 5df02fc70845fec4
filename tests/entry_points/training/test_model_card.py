"""Model card pieces."""

from __future__ import annotations

import pandas as pd

from entry_points.training.model_card import markdown_table


def test_markdown_table() -> None:
    frame = pd.DataFrame({"family": ["a|b"], "cost": [0.123456], "auc": [float("nan")]})
    assert markdown_table(frame) == "| family | cost | auc |\n|---|---|---|\n| a\\|b | 0.1235 | – |"

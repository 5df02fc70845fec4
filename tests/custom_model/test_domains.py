"""Plausibility domains: one per raw field, every real and generated row inside, each rule exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custom_model import domains, schema
from custom_model.io import load_tables
from entry_points.synthetic import generate_tables

APPLICATION = schema.table(schema.APPLICATION_TEST)


def _violations(frame: pd.DataFrame) -> list[str]:
    """Every out-of-domain value or unknown level of an application frame, as messages."""
    found = []
    for name, domain in domains.DOMAINS.items():
        values = frame[name]
        if domain.is_text:
            text = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
            rows = np.flatnonzero(domains.unknown_levels(name, text))
            found += [domains.level_message(name, text[r]) for r in rows[:3]]
        else:
            numbers = values.to_numpy(dtype=np.float64)
            rows = np.flatnonzero(domains.out_of_range(name, numbers))
            found += [domains.range_message(name, numbers[r]) for r in rows[:3]]
    return found


def test_every_raw_application_field_has_exactly_one_declared_domain() -> None:
    fields = [c for c in APPLICATION.columns if c.name != schema.ID_CURR]
    assert list(domains.DOMAINS) == [c.name for c in fields]
    for column in fields:
        domain = domains.DOMAINS[column.name]
        if column.is_numeric:
            assert not domain.is_text
            assert domain.values or (np.isfinite(domain.low) and np.isfinite(domain.high)), column.name
        else:
            assert domain.levels == column.levels


def test_the_real_samples_are_plausible(samples_dir: Path) -> None:
    tables = load_tables(samples_dir, tables=())
    for frame in (tables.application_train, tables.application_test):
        assert _violations(frame) == []


@pytest.mark.parametrize("seed", [0, 7])
def test_generated_tables_are_plausible(seed: int) -> None:
    data = generate_tables(0.02, seed, progress=lambda _message: None)
    for name in (schema.APPLICATION_TRAIN, schema.APPLICATION_TEST):
        assert _violations(data.tables[name]) == []


@pytest.mark.parametrize(
    ("field", "valid", "invalid"),
    [
        ("DAYS_BIRTH", [-6575, -36525, -15000], [-6574, -36526, 0, 120]),  # age 18 to 100 years
        ("DAYS_EMPLOYED", [0, -36525, 365243, -100], [1, 365242, -36526]),  # ≤ 0 except the sentinel
        ("DAYS_REGISTRATION", [0, -24672], [0.5, 10, -40000]),
        ("DAYS_ID_PUBLISH", [0, -7197], [1]),
        ("DAYS_LAST_PHONE_CHANGE", [0, -4292], [3]),
        ("AMT_INCOME_TOTAL", [0, 117_000_000, 1e9], [-1, 1e9 + 1, 1e30, 1.7e308]),
        ("AMT_CREDIT", [45_000, 0], [-1e6, 1.7e308]),
        ("AMT_ANNUITY", [1615.5], [-0.01]),
        ("AMT_GOODS_PRICE", [40_500], [-5]),
        ("EXT_SOURCE_1", [0, 1, 0.5], [-0.001, 1.001, 5]),
        ("EXT_SOURCE_2", [8.2e-8], [5]),
        ("EXT_SOURCE_3", [0.896], [-1]),
        ("APARTMENTS_AVG", [0, 1], [1.5]),
        ("TOTALAREA_MODE", [0.5], [2]),
        ("REGION_POPULATION_RELATIVE", [0.00029, 0.072508], [-0.1, 1.1]),
        ("CNT_CHILDREN", [0, 19], [-1, 26]),
        ("CNT_FAM_MEMBERS", [1, 20], [0, 31]),
        ("OWN_CAR_AGE", [0, 91], [-1, 101]),
        ("HOUR_APPR_PROCESS_START", [0, 23], [24, -1]),
        ("FLAG_MOBIL", [0, 1], [2, -1, 0.5]),
        ("FLAG_DOCUMENT_3", [0, 1], [3]),
        ("REGION_RATING_CLIENT", [1, 2, 3], [0, 4, -1]),
        ("REGION_RATING_CLIENT_W_CITY", [-1, 1, 3], [0, 4]),
        ("OBS_30_CNT_SOCIAL_CIRCLE", [0, 348], [-1, 1001]),
        ("AMT_REQ_CREDIT_BUREAU_QRT", [0, 261], [-1, 1001]),
    ],
)
def test_each_rule_accepts_its_range_and_refuses_outside(field: str, valid: list, invalid: list) -> None:
    assert not domains.out_of_range(field, np.array([*valid, np.nan], dtype=np.float64)).any()
    assert domains.out_of_range(field, np.array(invalid, dtype=np.float64)).all()


def test_range_messages_name_field_value_and_range() -> None:
    assert domains.range_message("DAYS_BIRTH", 120.0) == (
        "DAYS_BIRTH must be from -36525 to -6574.5 (age 18 to 100 years); got 120.0"
    )
    assert domains.range_message("EXT_SOURCE_2", 5.0) == (
        "EXT_SOURCE_2 must be from 0 to 1 (a normalised value); got 5.0"
    )
    assert domains.range_message("AMT_CREDIT", 1.7e308) == (
        "AMT_CREDIT must be from 0 to 1e+9 (an amount ≥ 0 below the ceiling); got 1.7e+308"
    )
    assert domains.range_message("DAYS_EMPLOYED", 12.0) == (
        "DAYS_EMPLOYED must be from -36525 to 0 (days before the application), or 365243 (not employed); "
        "got 12.0"
    )
    assert domains.range_message("FLAG_MOBIL", 2.0) == "FLAG_MOBIL must be 0 or 1; got 2.0"
    rating = domains.range_message("REGION_RATING_CLIENT", 0.0)
    assert rating == "REGION_RATING_CLIENT must be 1, 2 or 3; got 0.0"


def test_unknown_levels_are_flagged_and_quoted_short() -> None:
    values = np.array(["Cash loans", None, "cash loans", "x" * 1_000_000, "漢字\u0000"], dtype=object)
    assert domains.unknown_levels("NAME_CONTRACT_TYPE", values).tolist() == [False, False, True, True, True]
    message = domains.level_message("NAME_CONTRACT_TYPE", "x" * 1_000_000)
    assert len(message) < 200 and "(1,000,002 characters)" in message
    assert message.endswith("expected one of 'Cash loans', 'Revolving loans'")
    many = domains.level_message("ORGANIZATION_TYPE", "Spaceport")
    assert "'Spaceport' scored as missing" in many and "(58 levels)" in many


def test_summary_lists_at_most_three_problems() -> None:
    text = domains.summarise(["a", "b", "c", "d", "e"], prefix="p: ")
    assert text == "p: a; b; c (and 2 more)"

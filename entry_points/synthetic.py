"""Schema-faithful synthetic Home Credit tables with a known, planted default mechanism.

The real data cannot be downloaded here, so every test, benchmark and demo runs on these tables. They follow
`custom_model.schema` column for column and reproduce the real key structure (one SK_ID_CURR space shared by
train and test, bureau → bureau_balance, previous_application → POS / instalments / cards, a few % orphans,
clients without history), the category shares, co-missing blocks and sentinels of the real files
(SPEC §1.4–1.6, §6).

How the signal is planted: each client has two latent traits, `u_app` (what the external scores see) and
`u_beh` (payment discipline, only partly correlated with `u_app`). The traits drive the generated values and
behaviour in every table. The default log-odds is then computed from OBSERVED quantities only (EXT_SOURCE_*,
age, payment rate, employment, the client's actual late-payment and under-payment shares, days past due,
bureau overdue credits and debt, refusals) with thresholds, steps (any serious delinquency per source),
saturation, a U-shaped age effect and interactions that change sign (payment rate × external scores,
refusals × bureau history), so a linear model on the usual features loses clearly to boosting; TARGET ~
Bernoulli(sigmoid(log-odds)) and the oracle is that probability. History tables therefore carry real signal
beyond the application table.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from custom_model import schema
from custom_model.errors import DataSourceError
from custom_model.io import Tables

logger = logging.getLogger(__name__)

MAX_SCALE = 1.0
#: Below this the smallest tables would have a handful of rows and rare categories would vanish.
MIN_SCALE = 0.001
#: Share of train applications with TARGET = 1 in the real data (SPEC §1.2).
TARGET_RATE = 0.0807
ORACLE_FILENAME = "oracle.csv"
ORACLE_COLUMNS = (schema.ID_CURR, "PROBABILITY_DEFAULT", "SPLIT")

# ------------------------------------------------------------------------------------------------
# Real shares restated from SPEC §6 (same order as the schema's levels); tiny counts as count / rows.
# ------------------------------------------------------------------------------------------------
_N_TRAIN = schema.REAL_ROW_COUNTS[schema.APPLICATION_TRAIN]
_N_BUREAU = schema.REAL_ROW_COUNTS[schema.BUREAU]

APP_SHARES: dict[str, tuple[float, ...]] = {
    "CODE_GENDER": (65.83, 34.16, 4 / _N_TRAIN * 100),
    "FLAG_OWN_CAR": (65.99, 34.01),
    "FLAG_OWN_REALTY": (69.37, 30.63),
    "NAME_TYPE_SUITE": (80.82, 13.06, 3.70, 1.06, 0.58, 0.28, 0.09),
    "NAME_INCOME_TYPE": (51.63, 23.29, 18.00, 7.06, 22 / _N_TRAIN * 100, 0.0059, 0.0033, 0.0016),
    "NAME_EDUCATION_TYPE": (71.02, 24.34, 3.34, 1.24, 0.05),
    "NAME_FAMILY_STATUS": (63.88, 14.78, 9.68, 6.43, 5.23, 2 / _N_TRAIN * 100),
    "NAME_HOUSING_TYPE": (88.73, 4.83, 3.64, 1.59, 0.85, 0.36),
    "OCCUPATION_TYPE": (
        17.95,
        10.44,
        8.97,
        6.95,
        6.05,
        3.70,
        3.19,
        2.78,
        2.19,
        1.93,
        1.51,
        0.86,
        0.68,
        0.44,
        0.42,
        0.24,
        0.18,
        0.17,
    ),
    "WEEKDAY_APPR_PROCESS_START": (17.53, 16.89, 16.49, 16.45, 16.37, 11.01, 5.26),
    "ORGANIZATION_TYPE": (
        22.11,
        18.01,
        12.49,
        5.43,
        3.64,
        3.43,
        3.38,
        2.89,
        2.55,
        2.24,
        2.19,
        1.95,
        1.76,
        1.14,
        1.10,
        1.07,
        1.06,
        0.96,
        0.88,
        0.86,
        0.82,
        0.80,
        0.76,
        0.72,
        0.70,
        0.64,
        0.62,
        0.59,
        0.51,
        0.43,
        0.43,
        0.39,
        0.34,
        0.31,
        0.31,
        0.29,
        0.21,
        0.19,
        0.19,
        0.19,
        0.18,
        0.15,
        0.14,
        0.13,
        0.12,
        0.12,
        0.11,
        0.10,
        0.10,
        0.08,
        0.07,
        0.04,
        0.04,
        0.03,
        0.02,
        0.02,
        0.02,
        0.0078,
    ),
    "FONDKAPREMONT_MODE": (24.01, 3.93, 1.85, 1.83),
    "HOUSETYPE_MODE": (48.94, 0.49, 0.39),
    "WALLSMATERIAL_MODE": (21.48, 21.08, 3.01, 1.74, 0.75, 0.58, 0.53),
    "EMERGENCYSTATE_MODE": (51.84, 0.76),
}
#: Share of NaN of the application categoricals that are not part of the building block.
APP_NAN: dict[str, float] = {"NAME_TYPE_SUITE": 0.0042}
#: Revolving share of applications: the real test file has far fewer revolving loans (a real shift).
REVOLVING_SHARE = {"train": 0.0952, "test": 439 / 48_744}
#: Missing rate of each building feature (AVG/MODE/MEDI missing on the same rows) and *_MODE categorical.
BUILDING_NAN: dict[str, float] = {
    "APARTMENTS": 0.5075,
    "BASEMENTAREA": 0.5852,
    "YEARS_BEGINEXPLUATATION": 0.4878,
    "YEARS_BUILD": 0.6650,
    "COMMONAREA": 0.6987,
    "ELEVATORS": 0.5330,
    "ENTRANCES": 0.5035,
    "FLOORSMAX": 0.4976,
    "FLOORSMIN": 0.6785,
    "LANDAREA": 0.5938,
    "LIVINGAPARTMENTS": 0.6835,
    "LIVINGAREA": 0.5019,
    "NONLIVINGAPARTMENTS": 0.6943,
    "NONLIVINGAREA": 0.5518,
    "FONDKAPREMONT_MODE": 0.6839,
    "HOUSETYPE_MODE": 0.5018,
    "TOTALAREA_MODE": 0.4827,
    "WALLSMATERIAL_MODE": 0.5084,
    "EMERGENCYSTATE_MODE": 0.4740,
}
EXT_SOURCE_NAN = {"EXT_SOURCE_1": 0.5638, "EXT_SOURCE_2": 0.0021, "EXT_SOURCE_3": 0.1983}
AMT_REQ_NAN = 0.135
SOCIAL_CIRCLE_NAN = 0.0033
#: Share of FLAG_DOCUMENT_k = 1, k = 2..21.
DOCUMENT_RATES = (
    4e-5,
    0.71,
    8e-5,
    0.0151,
    0.088,
    2e-4,
    0.0814,
    0.0039,
    2e-5,
    0.0039,
    7e-6,
    0.0035,
    0.0029,
    0.0012,
    0.0099,
    2.7e-4,
    0.0081,
    6e-4,
    5e-4,
    3.4e-4,
)

BUREAU_SHARES: dict[str, tuple[float, ...]] = {
    "CREDIT_ACTIVE": (62.88, 36.74, 0.38, 21 / _N_BUREAU * 100),
    "CREDIT_CURRENCY": (99.92, 0.07, 0.01, 10 / _N_BUREAU * 100),
    "CREDIT_TYPE": (
        72.92,
        23.43,
        1.61,
        1.07,
        0.72,
        0.12,
        0.06,
        0.03,
        0.03,
        0.0033,
        0.0016,
        0.0011,
        2.3e-4,
        1e-4,
        1e-4,
    ),
}

PREV_SHARES: dict[str, tuple[float, ...]] = {
    "WEEKDAY_APPR_PROCESS_START": (15.27, 15.27, 15.18, 15.09, 14.91, 14.41, 9.86),
    "NAME_CASH_LOAN_PURPOSE": (
        1.42,
        0.93,
        0.50,
        0.17,
        0.16,
        0.14,
        0.13,
        0.12,
        0.09,
        0.07,
        0.06,
        0.06,
        0.06,
        0.05,
        0.05,
        0.04,
        0.03,
        0.03,
        0.02,
        0.008,
        0.003,
        0.0015,
        0.001,
    ),
    "NAME_PAYMENT_TYPE": (61.88, 37.56, 0.49, 0.06),
    "CODE_REJECT_REASON": (10.49, 3.33, 2.24, 0.77, 0.31, 0.21, 0.04),
    "NAME_TYPE_SUITE": (30.47, 12.77, 4.02, 1.89, 1.06, 0.54, 0.13),
    "NAME_CLIENT_TYPE": (73.72, 18.04, 8.12, 0.12),
    "NAME_GOODS_CATEGORY": (
        13.45,
        7.28,
        6.33,
        5.95,
        3.21,
        1.50,
        1.50,
        1.41,
        0.44,
        0.38,
        0.30,
        0.23,
        0.20,
        0.18,
        0.16,
        0.15,
        0.14,
        0.10,
        0.09,
        0.03,
        0.01,
        0.008,
        0.006,
        0.005,
        0.004,
        1e-4,
        1e-4,
    ),
    "NAME_PRODUCT_TYPE": (63.68, 27.32, 9.00),
    "CHANNEL_TYPE": (43.11, 29.62, 12.70, 6.50, 4.27, 3.42, 0.37, 0.03),
    "NAME_SELLER_INDUSTRY": (23.85, 16.53, 3.46, 1.78, 1.43, 1.15, 0.30, 0.16, 0.07, 0.03),
    "NAME_YIELD_GROUP": (23.08, 21.15, 19.28, 5.51),
}
PREV_NAME_TYPE_SUITE_NAN = 0.4912
#: previous_application contract types (Cash, Consumer, Revolving, XNA) and statuses (Approved, Canceled,
#: Refused, Unused offer).
PREV_CONTRACT_SHARES = (44.76, 43.66, 11.57, 0.02)
PREV_STATUS_SHARES = (62.07, 18.94, 17.40, 1.58)

#: Clients without any row in the table (SPEC §1.6).
NO_HISTORY = {"bureau": 0.142, "previous": 0.049}
#: Share of bureau credits with a monthly history, and orphan bureau_balance credits per credit with history.
BUREAU_WITH_BALANCE = 774_354 / 1_716_428
BUREAU_BALANCE_ORPHANS = 43_041 / 774_354
#: Loans (distinct SK_ID_PREV) of each monthly table and their share absent from previous_application.
LOANS = {"pos": 936_325, "installments": 997_752, "card": 104_307}
ORPHAN_LOANS = {"pos": 37_422 / 936_325, "installments": 38_847 / 997_752, "card": 11_372 / 104_307}
CARD_CLIENTS = 103_558 / 356_255

# Identifier ranges of the real files.
FIRST_ID_CURR = 100_001
FIRST_ID_BUREAU = 5_000_000
FIRST_ID_PREV = 1_000_001

_WINDOW_DAYS = 2922
_WINDOW_MONTHS = 96


@dataclass(frozen=True)
class SyntheticData:
    """Generated tables (keys = schema table names) and the true default probability of every client."""

    tables: dict[str, pd.DataFrame]
    oracle: pd.DataFrame

    def to_tables(self) -> Tables:
        """The tables as `custom_model.io.load_tables` returns them (application text columns as object)."""
        frames = {}
        for name, frame in self.tables.items():
            if schema.table(name).required:
                text = [c.name for c in schema.table(name).categorical()]
                frame = frame.astype({c: object for c in text})
            frames[name.lower()] = frame
        return Tables(**frames)


# ------------------------------------------------------------------------------------------------
# Small vectorised helpers
# ------------------------------------------------------------------------------------------------
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _categorical(
    rng: np.random.Generator,
    table_name: str,
    column: str,
    size: int,
    shares: tuple[float, ...] | None = None,
    *,
    nan: float = 0.0,
    levels: tuple[str, ...] | None = None,
) -> pd.Categorical:
    """Draw a categorical column with the schema's levels; `levels` restricts the draw to a subset."""
    all_levels = schema.table(table_name).column(column).levels
    chosen = levels or all_levels
    p = np.full(len(chosen), 1.0) if shares is None else np.asarray(shares, dtype=float)
    codes = np.array([all_levels.index(x) for x in chosen])[rng.choice(len(chosen), size, p=p / p.sum())]
    if nan:
        codes[rng.random(size) < nan] = -1
    return pd.Categorical.from_codes(codes, categories=list(all_levels))


def _codes_to_cat(table_name: str, column: str, codes: np.ndarray) -> pd.Categorical:
    """Wrap level indices (−1 = missing) in a Categorical with the schema's levels."""
    levels = list(schema.table(table_name).column(column).levels)
    return pd.Categorical.from_codes(codes.astype(np.int16), categories=levels)


def _level(table_name: str, column: str, value: str) -> int:
    return schema.table(table_name).column(column).levels.index(value)


def _neg_binomial_counts(
    rng: np.random.Generator, n: int, mean: float, *, dispersion: float, minimum: int = 1
) -> np.ndarray:
    """Right-skewed counts ≥ minimum with the given mean (a shifted negative binomial)."""
    mu = max(mean - minimum, 1e-6)
    p = dispersion / (dispersion + mu)
    return rng.negative_binomial(dispersion, p, n) + minimum


def _match_total(
    rng: np.random.Generator, counts: np.ndarray, target: int, *, minimum: int = 1, maximum: int | None = None
) -> np.ndarray:
    """Rescale positive counts so they sum exactly to `target`, keeping their shape (zeros stay zeros)."""
    counts = counts.astype(np.int64)
    active = np.flatnonzero(counts > 0)
    if active.size == 0 or target <= 0:
        return np.zeros_like(counts)
    factor = target / counts[active].sum()
    scaled = np.floor(counts[active] * factor + rng.random(active.size)).astype(np.int64)
    scaled = np.clip(scaled, minimum, maximum)
    diff = target - int(scaled.sum())
    while diff != 0:
        can = (
            np.flatnonzero(scaled < (maximum or np.iinfo(np.int64).max))
            if diff > 0
            else np.flatnonzero(scaled > minimum)
        )
        if can.size == 0:
            break
        take = rng.choice(can, min(abs(diff), can.size), replace=False)
        scaled[take] += 1 if diff > 0 else -1
        diff = target - int(scaled.sum())
    out = np.zeros_like(counts)
    out[active] = scaled
    return out


def _fan_out(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index of every child row and the row's position (0-based) within its parent."""
    parent = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(parent.size) - starts[parent]
    return parent, position


def _per_parent_mean(parent: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Mean of `values` per parent index (0 for parents without rows)."""
    total = np.bincount(parent, weights=values, minlength=n)
    count = np.bincount(parent, minlength=n)
    return np.divide(total, count, out=np.zeros(n), where=count > 0)


def _round_to(x: np.ndarray, step: float) -> np.ndarray:
    return np.round(x / step) * step


def _unique_ids(rng: np.random.Generator, first: int, count: int, spread: float) -> np.ndarray:
    """`count` distinct increasing ids starting near `first`, spread over `count * spread` values."""
    span = max(int(count * spread), count)
    return first + np.sort(rng.choice(span, count, replace=False))


# ------------------------------------------------------------------------------------------------
# Clients and application tables
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Clients:
    """Per-client arrays shared by every table (index = row of the combined train+test application frame)."""

    ids: np.ndarray
    is_test: np.ndarray
    u_app: np.ndarray
    u_beh: np.ndarray
    income: np.ndarray


def _clients(rng: np.random.Generator, n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved SK_ID_CURR of train and test in one id space, and the test flag."""
    n = n_train + n_test
    ids = _unique_ids(rng, FIRST_ID_CURR, n, spread=1.0 if n >= 356_255 else 356_255 / n)
    is_test = np.zeros(n, dtype=bool)
    is_test[rng.choice(n, n_test, replace=False)] = True
    return ids, is_test


def _application(
    rng: np.random.Generator, ids: np.ndarray, is_test: np.ndarray
) -> tuple[pd.DataFrame, _Clients]:
    """Application rows of train and test together (TARGET added later) and the clients' latent traits."""
    name = schema.APPLICATION_TRAIN
    n = ids.size
    u_app = rng.standard_normal(n)
    u_beh = 0.45 * u_app + np.sqrt(1 - 0.45**2) * rng.standard_normal(n)
    cols: dict[str, object] = {"SK_ID_CURR": ids}

    revolving = rng.random(n) < np.where(is_test, REVOLVING_SHARE["test"], REVOLVING_SHARE["train"])
    cols["NAME_CONTRACT_TYPE"] = _codes_to_cat(name, "NAME_CONTRACT_TYPE", revolving.astype(int))
    gender_shares = np.asarray(APP_SHARES["CODE_GENDER"])
    gender = rng.choice(3, n, p=gender_shares / gender_shares.sum())
    gender[is_test & (gender == 2)] = 0
    cols["CODE_GENDER"] = _codes_to_cat(name, "CODE_GENDER", gender)
    own_car = rng.random(n) < APP_SHARES["FLAG_OWN_CAR"][1] / 100
    cols["FLAG_OWN_CAR"] = _codes_to_cat(name, "FLAG_OWN_CAR", own_car.astype(int))
    cols["FLAG_OWN_REALTY"] = _categorical(rng, name, "FLAG_OWN_REALTY", n, APP_SHARES["FLAG_OWN_REALTY"])
    children = rng.choice(6, n, p=[0.7, 0.199, 0.087, 0.0121, 0.0014, 0.0005])
    many = rng.random(n) < 2e-5
    children[many] = rng.integers(6, 20, int(many.sum()))
    cols["CNT_CHILDREN"] = children.astype(np.int64)

    income = np.exp(np.log(147_150) + 0.1 * u_app + 0.48 * rng.standard_normal(n))
    income = np.clip(_round_to(income, 2250.0), 25_650, 13_500_000)
    outlier = rng.random(n) < 3e-5
    income[outlier] *= rng.choice([10.0, 50.0, 260.0], outlier.sum())
    cols["AMT_INCOME_TOTAL"] = income

    goods = np.exp(np.log(450_000) + 0.35 * (np.log(income) - np.log(147_150)) + 0.6 * rng.standard_normal(n))
    goods = np.clip(_round_to(goods, 4500.0), 40_500, 4_050_000)
    equal = (rng.random(n) < 0.37) | revolving
    ratio = np.where(equal, 1.0, 1.0 + rng.gamma(2.0, 0.07, n))
    credit = np.clip(np.round(goods * ratio * 2) / 2, 45_000, 4_050_000)
    term = rng.choice([12, 18, 24, 30, 36, 48, 60], n, p=[0.12, 0.1, 0.2, 0.08, 0.22, 0.13, 0.15])
    rate = 0.008 + 0.006 * rng.random(n)
    annuity = np.round(credit * rate / (1 - (1 + rate) ** -term) * 2) / 2
    annuity = np.where(revolving, credit * 0.05, annuity)
    annuity[rng.random(n) < 4e-5] = np.nan
    goods = np.where(revolving & (rng.random(n) < 0.01), np.nan, goods)
    cols["AMT_CREDIT"] = credit
    cols["AMT_ANNUITY"] = annuity
    cols["AMT_GOODS_PRICE"] = goods
    cols["NAME_TYPE_SUITE"] = _categorical(
        rng, name, "NAME_TYPE_SUITE", n, APP_SHARES["NAME_TYPE_SUITE"], nan=APP_NAN["NAME_TYPE_SUITE"]
    )

    income_type = rng.choice(
        8, n, p=np.asarray(APP_SHARES["NAME_INCOME_TYPE"]) / sum(APP_SHARES["NAME_INCOME_TYPE"])
    )
    # 365243 means "not employed": exactly the pensioners and the unemployed (SPEC §1.5 #1-2).
    not_employed = (income_type == 2) | (income_type == 4)
    cols["NAME_INCOME_TYPE"] = _codes_to_cat(name, "NAME_INCOME_TYPE", income_type)
    cols["NAME_EDUCATION_TYPE"] = _categorical(
        rng, name, "NAME_EDUCATION_TYPE", n, APP_SHARES["NAME_EDUCATION_TYPE"]
    )
    family = rng.choice(
        6, n, p=np.asarray(APP_SHARES["NAME_FAMILY_STATUS"]) / sum(APP_SHARES["NAME_FAMILY_STATUS"])
    )
    family[is_test & (family == 5)] = 0
    cols["NAME_FAMILY_STATUS"] = _codes_to_cat(name, "NAME_FAMILY_STATUS", family)
    cols["NAME_HOUSING_TYPE"] = _categorical(
        rng, name, "NAME_HOUSING_TYPE", n, APP_SHARES["NAME_HOUSING_TYPE"]
    )

    region_values = np.round(np.sort(np.exp(rng.normal(np.log(0.018), 0.9, 80))).clip(0.00029, 0.072508), 6)
    region_p = rng.dirichlet(np.full(80, 0.6))
    region = rng.choice(80, n, p=region_p)
    cols["REGION_POPULATION_RELATIVE"] = region_values[region]

    age = np.where(not_employed, rng.uniform(52, 69, n), 21 + 48 * rng.beta(1.6, 2.0, n))
    days_birth = -np.round(age * 365.25).astype(np.int64)
    cols["DAYS_BIRTH"] = days_birth
    employed_days = np.minimum(
        np.exp(np.log(1650) + 0.1 * u_app + 0.95 * rng.standard_normal(n)), (age - 18) * 365.25
    )
    employed_days = np.clip(np.round(employed_days), 1, 17_912).astype(np.int64)
    cols["DAYS_EMPLOYED"] = np.where(not_employed, schema.DAYS_SENTINEL, -employed_days)
    # "+ 0.0" turns −0.0 into 0.0, which pandas would write as "-0.0".
    cols["DAYS_REGISTRATION"] = -np.round(rng.random(n) ** 0.8 * (age - 17) * 365.25) + 0.0
    cols["DAYS_ID_PUBLISH"] = (
        -np.minimum(np.round(rng.beta(2.2, 1.4, n) * 7197), -days_birth - 5000).clip(0).astype(np.int64)
    )
    cols["OWN_CAR_AGE"] = np.where(own_car, np.minimum(np.round(rng.gamma(1.6, 7.5, n)), 91), np.nan)
    cols["FLAG_MOBIL"] = (rng.random(n) > 3e-6).astype(np.int64)
    cols["FLAG_EMP_PHONE"] = (~not_employed).astype(np.int64)
    cols["FLAG_WORK_PHONE"] = (rng.random(n) < np.where(not_employed, 0.02, 0.24)).astype(np.int64)
    cols["FLAG_CONT_MOBILE"] = (rng.random(n) > 0.0019).astype(np.int64)
    cols["FLAG_PHONE"] = (rng.random(n) < 0.281).astype(np.int64)
    cols["FLAG_EMAIL"] = (rng.random(n) < 0.0567).astype(np.int64)
    occupation = _categorical(rng, name, "OCCUPATION_TYPE", n, APP_SHARES["OCCUPATION_TYPE"], nan=0.163)
    cols["OCCUPATION_TYPE"] = pd.Categorical.from_codes(
        np.where(not_employed, -1, occupation.codes), categories=occupation.categories
    )
    single = np.isin(family, [1, 3, 4, 5])
    fam = (children + np.where(single, 1, 2)).astype(float)
    fam[rng.random(n) < 7e-6] = np.nan
    cols["CNT_FAM_MEMBERS"] = fam
    rating = np.where(region_values[region] > 0.03, 1, np.where(region_values[region] < 0.009, 3, 2))
    rating = np.where(rng.random(n) < 0.1, rng.integers(1, 4, n), rating)
    cols["REGION_RATING_CLIENT"] = rating.astype(np.int64)
    cols["REGION_RATING_CLIENT_W_CITY"] = np.where(
        rng.random(n) < 0.05, rng.integers(1, 4, n), rating
    ).astype(np.int64)
    cols["WEEKDAY_APPR_PROCESS_START"] = _categorical(
        rng, name, "WEEKDAY_APPR_PROCESS_START", n, APP_SHARES["WEEKDAY_APPR_PROCESS_START"]
    )
    cols["HOUR_APPR_PROCESS_START"] = np.clip(np.round(rng.normal(12, 3.3, n)), 0, 23).astype(np.int64)
    for col, share in (
        ("REG_REGION_NOT_LIVE_REGION", 0.015),
        ("REG_REGION_NOT_WORK_REGION", 0.051),
        ("LIVE_REGION_NOT_WORK_REGION", 0.041),
        ("REG_CITY_NOT_LIVE_CITY", 0.078),
        ("REG_CITY_NOT_WORK_CITY", 0.23),
        ("LIVE_CITY_NOT_WORK_CITY", 0.18),
    ):
        cols[col] = (rng.random(n) < share).astype(np.int64)
    org_levels = schema.table(name).column("ORGANIZATION_TYPE").levels
    org_shares = np.asarray(APP_SHARES["ORGANIZATION_TYPE"])
    org_shares[org_levels.index("XNA")] = 0.0
    org = rng.choice(len(org_levels), n, p=org_shares / org_shares.sum())
    cols["ORGANIZATION_TYPE"] = _codes_to_cat(
        name, "ORGANIZATION_TYPE", np.where(not_employed, org_levels.index("XNA"), org)
    )

    ext1 = _sigmoid(0.95 * u_app + 0.02 * (age - 43) + 0.5 * rng.standard_normal(n))
    ext2 = _sigmoid(0.3 + 0.85 * u_app + 0.45 * rng.standard_normal(n)) * 0.855
    ext3 = _sigmoid(0.2 + 0.9 * u_app + 0.45 * rng.standard_normal(n)) * 0.896
    for col, values in (("EXT_SOURCE_1", ext1), ("EXT_SOURCE_2", ext2), ("EXT_SOURCE_3", ext3)):
        values = np.clip(values, 0.0006, 0.963)
        cols[col] = np.where(rng.random(n) < EXT_SOURCE_NAN[col], np.nan, values)

    cols.update(_building_block(rng, n))
    cols.update(_social_circle(rng, n))
    phone = -np.round(rng.exponential(960, n)).clip(0, 4292) + 0.0
    phone[rng.random(n) < 0.12] = 0.0
    phone[rng.random(n) < 3e-6] = np.nan
    cols["DAYS_LAST_PHONE_CHANGE"] = phone
    for k, share in zip(range(2, 22), DOCUMENT_RATES, strict=True):
        cols[f"FLAG_DOCUMENT_{k}"] = (rng.random(n) < share).astype(np.int64)
    cols.update(_credit_bureau_requests(rng, n))

    frame = pd.DataFrame(cols, copy=False)
    clients = _Clients(ids=ids, is_test=is_test, u_app=u_app, u_beh=u_beh, income=income)
    return frame, clients


def _building_block(rng: np.random.Generator, n: int) -> dict[str, object]:
    """Building columns: AVG/MODE/MEDI of one feature missing together, missingness nested across features."""
    name = schema.APPLICATION_TRAIN
    # One uniform per client: a feature is missing when it is below the feature's rate, so sparse features are
    # missing whenever denser ones are, as in the real data.
    u = rng.random(n)
    size = np.exp(rng.normal(0, 0.6, n))
    cols: dict[str, object] = {}
    medians = {
        "APARTMENTS": 0.0876,
        "BASEMENTAREA": 0.0763,
        "YEARS_BEGINEXPLUATATION": 0.9816,
        "YEARS_BUILD": 0.7552,
        "COMMONAREA": 0.0211,
        "ELEVATORS": 0.04,
        "ENTRANCES": 0.1379,
        "FLOORSMAX": 0.1667,
        "FLOORSMIN": 0.2083,
        "LANDAREA": 0.0481,
        "LIVINGAPARTMENTS": 0.0756,
        "LIVINGAREA": 0.0745,
        "NONLIVINGAPARTMENTS": 0.0036,
        "NONLIVINGAREA": 0.0036,
    }
    values: dict[str, np.ndarray] = {}
    for feature, median in medians.items():
        missing = u < BUILDING_NAN[feature]
        if feature in ("YEARS_BEGINEXPLUATATION", "YEARS_BUILD"):
            v = np.clip(median + rng.normal(0, 0.06 if feature == "YEARS_BUILD" else 0.02, n), 0, 1)
        elif feature in ("ELEVATORS", "NONLIVINGAPARTMENTS", "NONLIVINGAREA"):
            v = np.where(
                rng.random(n) < 0.45, 0.0, np.clip(median * 3 * size * rng.lognormal(0, 0.5, n), 0, 1)
            )
        else:
            v = np.clip(median * size * rng.lognormal(0, 0.35, n), 0, 1)
        values[feature] = np.where(missing, np.nan, np.round(v, 4))
    for suffix, jitter in (("AVG", 0.0), ("MODE", 0.04), ("MEDI", 0.01)):
        for feature in medians:
            v = values[feature]
            if jitter:
                v = np.round(np.clip(v * (1 + jitter * rng.standard_normal(n)), 0, 1), 4)
            cols[f"{feature}_{suffix}"] = v
    for col in ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE"):
        cat = _categorical(rng, name, col, n, APP_SHARES[col])
        cols[col] = pd.Categorical.from_codes(
            np.where(u < BUILDING_NAN[col], -1, cat.codes), categories=cat.categories
        )
    total = np.round(np.clip(0.0688 * size * rng.lognormal(0, 0.3, n), 0.0001, 1), 4)
    cols["TOTALAREA_MODE"] = np.where(u < BUILDING_NAN["TOTALAREA_MODE"], np.nan, total)
    for col in ("WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE"):
        cat = _categorical(rng, name, col, n, APP_SHARES[col])
        cols[col] = pd.Categorical.from_codes(
            np.where(u < BUILDING_NAN[col], -1, cat.codes), categories=cat.categories
        )
    order = [c for c in schema.table(name).column_names if c in cols]
    return {c: cols[c] for c in order}


def _social_circle(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """OBS/DEF_30/60_CNT_SOCIAL_CIRCLE, missing together on 0.33 % of rows."""
    obs30 = rng.negative_binomial(0.5, 0.5 / (0.5 + 1.42), n).astype(float)
    obs60 = np.where(rng.random(n) < 0.97, obs30, obs30 + rng.integers(-1, 2, n)).clip(0)
    def30 = rng.binomial(obs30.astype(np.int64), 0.1).astype(float)
    def60 = np.minimum(def30, rng.binomial(obs60.astype(np.int64), 0.08)).astype(float)
    missing = rng.random(n) < SOCIAL_CIRCLE_NAN
    if n > 1000:
        obs30[rng.integers(n)] = 348.0
    return {
        col: np.where(missing, np.nan, v)
        for col, v in (
            ("OBS_30_CNT_SOCIAL_CIRCLE", obs30),
            ("DEF_30_CNT_SOCIAL_CIRCLE", def30),
            ("OBS_60_CNT_SOCIAL_CIRCLE", obs60),
            ("DEF_60_CNT_SOCIAL_CIRCLE", def60),
        )
    }


def _credit_bureau_requests(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The six AMT_REQ_CREDIT_BUREAU_* counts, missing together on 13.5 % of rows."""
    missing = rng.random(n) < AMT_REQ_NAN
    counts = {
        "AMT_REQ_CREDIT_BUREAU_HOUR": (rng.random(n) < 0.005) * rng.integers(1, 3, n),
        "AMT_REQ_CREDIT_BUREAU_DAY": (rng.random(n) < 0.006) * rng.integers(1, 3, n),
        "AMT_REQ_CREDIT_BUREAU_WEEK": (rng.random(n) < 0.032) * rng.integers(1, 3, n),
        "AMT_REQ_CREDIT_BUREAU_MON": rng.negative_binomial(0.2, 0.2 / 0.47, n),
        "AMT_REQ_CREDIT_BUREAU_QRT": rng.negative_binomial(0.4, 0.4 / 0.67, n),
        "AMT_REQ_CREDIT_BUREAU_YEAR": rng.negative_binomial(1.2, 1.2 / 3.1, n),
    }
    if n > 1000:
        counts["AMT_REQ_CREDIT_BUREAU_QRT"][rng.integers(n)] = 261
    return {col: np.where(missing, np.nan, v.astype(float)) for col, v in counts.items()}


# ------------------------------------------------------------------------------------------------
# Bureau and bureau_balance
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _History:
    """What the default mechanism observes in the history tables (one value per client, 0 without history)."""

    bureau_overdue: np.ndarray
    bureau_debt_ratio: np.ndarray
    bureau_late_months: np.ndarray
    refused: np.ndarray
    late_share: np.ndarray
    underpaid_share: np.ndarray
    pos_dpd_share: np.ndarray
    card_dpd_share: np.ndarray
    card_utilisation: np.ndarray
    has_bureau: np.ndarray
    serious_sources: np.ndarray


def _bureau(
    rng: np.random.Generator, clients: _Clients, n_rows: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Bureau credits; returns the frame, each credit's client index, its badness and whether it is closed."""
    name = schema.BUREAU
    n_clients = clients.ids.size
    counts = _neg_binomial_counts(rng, n_clients, 5.61, dispersion=1.6)
    counts[rng.random(n_clients) < NO_HISTORY["bureau"]] = 0
    counts = _match_total(rng, counts, n_rows)
    client, _ = _fan_out(counts)
    n = client.size
    badness = clients.u_beh[client] + 0.6 * rng.standard_normal(n)

    active_p = np.array(BUREAU_SHARES["CREDIT_ACTIVE"]) / 100
    p_bad = 0.0038 * np.exp(0.9 * badness) / np.exp(0.9**2 / 2 * 1.36)
    state = np.where(rng.random(n) < active_p[1] / (active_p[0] + active_p[1]), 1, 0)
    sold = rng.random(n) < p_bad
    state[sold] = np.where(rng.random(int(sold.sum())) < 0.003, 3, 2)
    closed = state != 1
    days_credit = -np.round(_WINDOW_DAYS * rng.random(n) ** np.where(closed, 0.85, 1.6)).astype(np.int64)
    days_credit = np.minimum(days_credit, -1)
    duration = np.round(np.exp(rng.normal(np.log(700), 0.8, n)))
    enddate = (days_credit + duration).astype(float)
    enddate[rng.random(n) < 0.0615] = np.nan
    fact = np.where(
        closed, np.minimum(days_credit + np.round(duration * rng.uniform(0.3, 1.1, n)), -1), np.nan
    )
    fact = np.maximum(fact, days_credit)

    overdue_now = (~closed) & (rng.random(n) < 0.004 * np.exp(1.3 * badness))
    day_overdue = np.where(overdue_now, np.round(rng.exponential(60, n)) + 1, 0).astype(np.int64)
    amount = np.round(np.exp(rng.normal(np.log(125_000), 1.05, n)), 1)
    amount[rng.random(n) < 7.6e-6] = np.nan
    debt = np.where(closed, 0.0, np.round(amount * rng.beta(2, 1.4, n), 2))
    negative = rng.random(n) < 0.0049
    debt[negative] = -np.round(rng.exponential(3000, int(negative.sum())) + 0.01, 2)
    debt[rng.random(n) < 0.15] = np.nan
    max_overdue = np.where(
        rng.random(n) < 0.12 * np.exp(0.8 * badness) / np.exp(0.32 * 1.36),
        np.round(rng.exponential(8000, n), 3),
        0.0,
    )
    max_overdue[rng.random(n) < 0.655] = np.nan
    overdue_amount = np.where(overdue_now, np.round(amount * rng.uniform(0.01, 0.2, n), 2), 0.0)
    credit_type = _categorical(rng, name, "CREDIT_TYPE", n, BUREAU_SHARES["CREDIT_TYPE"])
    is_card = credit_type.codes == 1
    limit = np.where(is_card & (rng.random(n) < 0.5), _round_to(amount * rng.uniform(0, 1, n), 0.5), 0.0)
    limit[rng.random(n) < 0.345] = np.nan
    update = (
        np.where(
            closed,
            np.maximum(np.nan_to_num(fact, nan=-1) + rng.integers(0, 60, n), days_credit),
            -rng.integers(0, 45, n),
        )
        .clip(days_credit, 0)
        .astype(np.int64)
    )
    annuity = np.where(rng.random(n) < 0.715, np.nan, np.round(amount / rng.choice([12, 24, 36], n), 1))

    frame = pd.DataFrame(
        copy=False,
        data={
            "SK_ID_CURR": clients.ids[client],
            "SK_ID_BUREAU": np.zeros(n, dtype=np.int64),
            "CREDIT_ACTIVE": _codes_to_cat(name, "CREDIT_ACTIVE", state),
            "CREDIT_CURRENCY": _categorical(
                rng, name, "CREDIT_CURRENCY", n, BUREAU_SHARES["CREDIT_CURRENCY"]
            ),
            "DAYS_CREDIT": days_credit,
            "CREDIT_DAY_OVERDUE": day_overdue,
            "DAYS_CREDIT_ENDDATE": enddate,
            "DAYS_ENDDATE_FACT": fact,
            "AMT_CREDIT_MAX_OVERDUE": max_overdue,
            "CNT_CREDIT_PROLONG": np.where(rng.random(n) < 0.005, rng.integers(1, 4, n), 0).astype(np.int64),
            "AMT_CREDIT_SUM": amount,
            "AMT_CREDIT_SUM_DEBT": debt,
            "AMT_CREDIT_SUM_LIMIT": limit,
            "AMT_CREDIT_SUM_OVERDUE": overdue_amount,
            "CREDIT_TYPE": credit_type,
            "DAYS_CREDIT_UPDATE": update,
            "AMT_ANNUITY": annuity,
        },
    )
    return frame, client, badness, closed


def _bureau_balance(
    rng: np.random.Generator,
    bureau: pd.DataFrame,
    badness: np.ndarray,
    closed: np.ndarray,
    n_rows: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Monthly statuses of 45 % of the bureau credits plus ~5 % orphan credits; sets bureau SK_ID_BUREAU.

    Returns the balance frame and, per bureau credit, its number of late months (status 1-5).
    """
    n_bureau = len(bureau)
    with_history = rng.random(n_bureau) < BUREAU_WITH_BALANCE
    n_hist = int(with_history.sum())
    n_orphans = round(n_hist * BUREAU_BALANCE_ORPHANS)
    ids = _unique_ids(rng, FIRST_ID_BUREAU, n_bureau + n_orphans, spread=1.07)
    orphan_slots = np.zeros(ids.size, dtype=bool)
    orphan_slots[rng.choice(ids.size, n_orphans, replace=False)] = True
    bureau["SK_ID_BUREAU"] = ids[~orphan_slots]
    orphan_ids = ids[orphan_slots]

    # One history per credit with history and per orphan; months run back from 0 to the credit's opening.
    days_credit = bureau["DAYS_CREDIT"].to_numpy()
    hist_idx = np.flatnonzero(with_history)
    hist_ids = np.concatenate([ids[~orphan_slots][hist_idx], orphan_ids])
    n_h = hist_ids.size
    natural = np.concatenate(
        [
            np.minimum(-days_credit[hist_idx] // 30 + 1, _WINDOW_MONTHS + 1),
            rng.integers(1, _WINDOW_MONTHS + 1, n_orphans),
        ]
    )
    lengths = _match_total(rng, natural, n_rows, maximum=_WINDOW_MONTHS + 1)
    owner, pos = _fan_out(lengths)
    months = -pos
    h_bad = np.concatenate([badness[hist_idx], rng.standard_normal(n_orphans)])
    h_closed = np.concatenate([closed[hist_idx], rng.random(n_orphans) < 0.63])
    closed_months = np.where(h_closed, np.round(lengths * rng.uniform(0.55, 1.0, n_h)), 0)
    all_x = rng.random(n_h) < 0.2

    m = months.size
    status = np.full(m, _level(schema.BUREAU_BALANCE, "STATUS", "0"), dtype=np.int16)
    late_p = np.clip(0.03 * np.exp(1.1 * h_bad[owner]) / np.exp(0.6), 0, 0.6)
    late = rng.random(m) < late_p
    severity = rng.choice(5, int(late.sum()), p=[0.66, 0.07, 0.024, 0.016, 0.23])
    status[late] = np.array([_level(schema.BUREAU_BALANCE, "STATUS", s) for s in "12345"])[severity]
    del late_p, late, severity
    status[rng.random(m) < 0.17] = _level(schema.BUREAU_BALANCE, "STATUS", "X")
    status[all_x[owner]] = _level(schema.BUREAU_BALANCE, "STATUS", "X")
    status[pos < closed_months[owner]] = _level(schema.BUREAU_BALANCE, "STATUS", "C")

    frame = pd.DataFrame(
        copy=False,
        data={
            "SK_ID_BUREAU": hist_ids[owner],
            "MONTHS_BALANCE": months.astype(np.int64),
            "STATUS": _codes_to_cat(schema.BUREAU_BALANCE, "STATUS", status),
        },
    )
    is_late = (status >= _level(schema.BUREAU_BALANCE, "STATUS", "1")) & (
        status != _level(schema.BUREAU_BALANCE, "STATUS", "X")
    )
    late_months = np.zeros(n_bureau)
    late_per_hist = np.bincount(owner, weights=is_late, minlength=n_h)[: hist_idx.size]
    late_months[hist_idx] = late_per_hist
    return frame, late_months


# ------------------------------------------------------------------------------------------------
# previous_application
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Loans:
    """Loans that have monthly or payment histories (linked previous applications and orphans)."""

    sk_id_prev: np.ndarray
    client: np.ndarray
    decision: np.ndarray
    term: np.ndarray
    annuity: np.ndarray
    revolving: np.ndarray
    badness: np.ndarray


def _previous_application(
    rng: np.random.Generator, clients: _Clients, n_rows: int, n_card_orphans: int, n_loan_orphans: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Previous applications; returns frame, client index, badness, card-linked rows and orphan id pools."""
    name = schema.PREVIOUS_APPLICATION
    n_clients = clients.ids.size
    counts = _neg_binomial_counts(rng, n_clients, 4.93, dispersion=2.0)
    counts[rng.random(n_clients) < NO_HISTORY["previous"]] = 0
    counts = _match_total(rng, counts, n_rows)
    client, position = _fan_out(counts)
    n = client.size
    badness = clients.u_beh[client] + 0.5 * rng.standard_normal(n)

    # Card holders (≈29 % of clients): their first previous application is an approved revolving loan; every
    # other client with history has an approved instalment loan as last application (POS/instalment coverage).
    has_prev = counts > 0
    card_client = has_prev & (rng.random(n_clients) < CARD_CLIENTS / max(has_prev.mean(), 1e-9))
    card_row = card_client[client] & (position == 0)
    last_row = (position == counts[client] - 1) & ~card_row & (rng.random(n) < 0.97)
    forced = card_row.mean()
    shares = np.array(PREV_CONTRACT_SHARES) / 100
    shares[2] = max(shares[2] - forced, 0.0) / (1 - forced)
    contract = rng.choice(4, n, p=shares / shares.sum())
    # Forced rows are approved: the others are refused / canceled more often so the overall shares hold.
    free = 1 - (card_row | last_row).mean()
    p_status = np.array(PREV_STATUS_SHARES) / 100
    p_status[1:] = np.minimum(p_status[1:] / max(free, 1e-9), 0.3)
    refuse_p = np.clip(p_status[2] * np.exp(0.75 * badness) / np.exp(0.75**2 * 1.25 / 2), 0, 0.9)
    u = rng.random(n)
    status = np.where(u < refuse_p, 2, 0)
    rest = rng.random(n)
    other = status != 2
    status[other & (rest < p_status[1] / (1 - p_status[2]))] = 1
    status[other & (rest > 1 - p_status[3] / (1 - p_status[2]))] = 3
    contract[card_row] = 2
    contract[last_row & (contract >= 2)] = 0
    status[card_row | last_row] = 0
    approved = status == 0
    revolving = contract == 2
    cash = contract == 0
    consumer = contract == 1

    application = np.round(
        np.exp(rng.normal(np.log(np.where(cash, 180_000, np.where(revolving, 135_000, 45_000))), 0.85, n)), 1
    )
    application = np.where(revolving, _round_to(application, 22_500).clip(22_500), application)
    application = np.where(status == 1, np.where(rng.random(n) < 0.7, 0.0, application), application)
    credit = np.where(cash, application * rng.uniform(1.0, 1.25, n), application * rng.uniform(0.85, 1.1, n))
    credit = np.where(revolving | (application == 0), application, np.round(credit, 1))
    down = np.where(consumer & (rng.random(n) < 0.95), np.round(application * rng.beta(0.4, 6, n), 1), np.nan)
    down = np.where(consumer & (rng.random(n) < 0.6), 0.0, down)
    rate_down = np.where(
        np.isnan(down),
        np.nan,
        np.round(np.divide(np.nan_to_num(down), application, out=np.zeros(n), where=application > 0), 6),
    )
    rate_down = np.where((rate_down > 0) & (rate_down < 1e-4), 1e-4, rate_down)
    goods = np.where(revolving | (application == 0), np.nan, application)
    goods = np.where(revolving & approved, application, goods)
    term = np.where(
        revolving,
        0.0,
        rng.choice(
            [6, 10, 12, 18, 24, 30, 36, 48, 60], n, p=[0.15, 0.12, 0.3, 0.08, 0.15, 0.05, 0.08, 0.03, 0.04]
        ).astype(float),
    )
    monthly = 0.01 + 0.015 * rng.random(n)
    annuity = np.where(
        revolving,
        np.round(credit * 0.05, 3),
        np.round(credit * monthly / (1 - (1 + monthly) ** -np.maximum(term, 1)), 3),
    )
    no_terms = (application == 0) | (~approved & (rng.random(n) < 0.25))
    annuity = np.where(no_terms, np.nan, annuity)
    term = np.where(no_terms, np.nan, term)
    # Recent applications are commoner (median DAYS_DECISION ≈ −580).
    decision = -np.round(1 + (_WINDOW_DAYS - 1) * rng.beta(0.8, 2.4, n)).astype(np.int64)

    cols: dict[str, object] = {
        "SK_ID_PREV": np.zeros(n, dtype=np.int64),
        "SK_ID_CURR": clients.ids[client],
        "NAME_CONTRACT_TYPE": _codes_to_cat(name, "NAME_CONTRACT_TYPE", contract),
        "AMT_ANNUITY": annuity,
        "AMT_APPLICATION": application,
        "AMT_CREDIT": credit,
        "AMT_DOWN_PAYMENT": down,
        "AMT_GOODS_PRICE": goods,
        "WEEKDAY_APPR_PROCESS_START": _categorical(
            rng, name, "WEEKDAY_APPR_PROCESS_START", n, PREV_SHARES["WEEKDAY_APPR_PROCESS_START"]
        ),
        "HOUR_APPR_PROCESS_START": np.clip(np.round(rng.normal(12.5, 3.3, n)), 0, 23).astype(np.int64),
        "FLAG_LAST_APPL_PER_CONTRACT": _categorical(
            rng, name, "FLAG_LAST_APPL_PER_CONTRACT", n, (99.49, 0.51)
        ),
        "NFLAG_LAST_APPL_IN_DAY": (rng.random(n) > 0.0035).astype(np.int64),
        "RATE_DOWN_PAYMENT": rate_down,
    }
    rated = rng.random(n) < 0.0036
    cols["RATE_INTEREST_PRIMARY"] = np.where(rated, np.round(rng.uniform(0.035, 1.0, n), 6), np.nan)
    cols["RATE_INTEREST_PRIVILEGED"] = np.where(rated, np.round(rng.uniform(0.37, 1.0, n), 6), np.nan)
    purpose_levels = schema.table(name).column("NAME_CASH_LOAN_PURPOSE").levels
    purpose = _categorical(
        rng,
        name,
        "NAME_CASH_LOAN_PURPOSE",
        n,
        PREV_SHARES["NAME_CASH_LOAN_PURPOSE"],
        levels=purpose_levels[2:],
    )
    # XAP = not applicable (non-cash loans); XNA = not available (most cash loans).
    cols["NAME_CASH_LOAN_PURPOSE"] = pd.Categorical.from_codes(
        np.where(~cash, 0, np.where(rng.random(n) < 0.905, 1, purpose.codes)), categories=purpose.categories
    )
    cols["NAME_CONTRACT_STATUS"] = _codes_to_cat(name, "NAME_CONTRACT_STATUS", status)
    cols["DAYS_DECISION"] = decision
    cols["NAME_PAYMENT_TYPE"] = _categorical(
        rng, name, "NAME_PAYMENT_TYPE", n, PREV_SHARES["NAME_PAYMENT_TYPE"]
    )
    reject_levels = schema.table(name).column("CODE_REJECT_REASON").levels
    reject = _categorical(
        rng,
        name,
        "CODE_REJECT_REASON",
        n,
        PREV_SHARES["CODE_REJECT_REASON"],
        levels=tuple(x for x in reject_levels if x not in ("XAP", "CLIENT")),
    )
    reject_codes = np.where(status == 2, reject.codes, reject_levels.index("XAP"))
    reject_codes[status == 3] = reject_levels.index("CLIENT")
    cols["CODE_REJECT_REASON"] = _codes_to_cat(name, "CODE_REJECT_REASON", reject_codes)
    cols["NAME_TYPE_SUITE"] = _categorical(
        rng, name, "NAME_TYPE_SUITE", n, PREV_SHARES["NAME_TYPE_SUITE"], nan=PREV_NAME_TYPE_SUITE_NAN
    )
    cols["NAME_CLIENT_TYPE"] = _codes_to_cat(
        name,
        "NAME_CLIENT_TYPE",
        np.where(
            position == 0, np.where(rng.random(n) < 0.6, 1, 2), rng.choice(4, n, p=[0.9, 0.02, 0.078, 0.002])
        ),
    )
    goods_levels = schema.table(name).column("NAME_GOODS_CATEGORY").levels
    goods_cat = _categorical(
        rng, name, "NAME_GOODS_CATEGORY", n, PREV_SHARES["NAME_GOODS_CATEGORY"], levels=goods_levels[1:]
    )
    cols["NAME_GOODS_CATEGORY"] = pd.Categorical.from_codes(
        np.where(consumer, goods_cat.codes, 0), categories=goods_cat.categories
    )
    portfolio = np.select([consumer, cash & (status != 1), revolving], [0, 1, 3], 2)
    portfolio[consumer & (rng.random(n) < 0.0007)] = 4
    cols["NAME_PORTFOLIO"] = _codes_to_cat(name, "NAME_PORTFOLIO", portfolio)
    cols["NAME_PRODUCT_TYPE"] = _codes_to_cat(
        name,
        "NAME_PRODUCT_TYPE",
        np.where(consumer, 0, rng.choice(3, n, p=[0.35, 0.48, 0.17])),
    )
    cols["CHANNEL_TYPE"] = _categorical(rng, name, "CHANNEL_TYPE", n, PREV_SHARES["CHANNEL_TYPE"])
    seller = np.where(rng.random(n) < 0.4566, -1, np.round(np.exp(rng.normal(3.5, 1.6, n)))).astype(np.int64)
    seller[rng.random(n) < 2e-6] = 4_000_000
    cols["SELLERPLACE_AREA"] = seller
    industry = _categorical(
        rng,
        name,
        "NAME_SELLER_INDUSTRY",
        n,
        PREV_SHARES["NAME_SELLER_INDUSTRY"],
        levels=schema.table(name).column("NAME_SELLER_INDUSTRY").levels[1:],
    )
    cols["NAME_SELLER_INDUSTRY"] = pd.Categorical.from_codes(
        np.where(consumer, industry.codes, 0), categories=industry.categories
    )
    cols["CNT_PAYMENT"] = term
    cols["NAME_YIELD_GROUP"] = pd.Categorical.from_codes(
        np.where(
            revolving | no_terms,
            0,
            _categorical(
                rng,
                name,
                "NAME_YIELD_GROUP",
                n,
                PREV_SHARES["NAME_YIELD_GROUP"],
                levels=schema.table(name).column("NAME_YIELD_GROUP").levels[1:],
            ).codes,
        ),
        categories=list(schema.table(name).column("NAME_YIELD_GROUP").levels),
    )
    combo_levels = schema.table(name).column("PRODUCT_COMBINATION").levels
    cash_combos = [i for i, x in enumerate(combo_levels) if x.startswith("Cash")]
    pos_combos = [i for i, x in enumerate(combo_levels) if x.startswith("POS")]
    card_combos = [i for i, x in enumerate(combo_levels) if x.startswith("Card")]
    combo = np.select(
        [cash, consumer, revolving],
        [
            np.array(cash_combos)[rng.integers(0, len(cash_combos), n)],
            np.array(pos_combos)[rng.integers(0, len(pos_combos), n)],
            np.array(card_combos)[rng.integers(0, len(card_combos), n)],
        ],
        0,
    )
    combo[rng.random(n) < 0.0002] = -1
    cols["PRODUCT_COMBINATION"] = _codes_to_cat(name, "PRODUCT_COMBINATION", combo)
    cols.update(_prev_dates(rng, decision, term, approved, revolving))
    frame = pd.DataFrame(cols, copy=False)

    # SK_ID_PREV: random ids in one range; some ids are kept back as orphans of the monthly tables.
    ids = FIRST_ID_PREV + rng.choice(
        int((n + n_card_orphans + n_loan_orphans) * 1.1) + 1,
        n + n_card_orphans + n_loan_orphans,
        replace=False,
    )
    frame["SK_ID_PREV"] = ids[:n]
    return frame, client, badness, card_row, ids[n : n + n_card_orphans], ids[n + n_card_orphans :]


def _prev_dates(
    rng: np.random.Generator,
    decision: np.ndarray,
    term: np.ndarray,
    approved: np.ndarray,
    revolving: np.ndarray,
) -> dict[str, np.ndarray]:
    """The DAYS_* block: NaN together for non-approved applications, 365243 where there is no date."""
    n = decision.size
    sentinel = float(schema.DAYS_SENTINEL)
    have = approved & (rng.random(n) > 0.035)
    first_due = decision + rng.integers(10, 40, n).astype(float)
    last_1st = first_due + 30 * (np.nan_to_num(term, nan=12) - 1).clip(0)
    last_due = np.where(last_1st < 0, last_1st + rng.integers(-30, 5, n), sentinel)
    termination = np.where(last_due < 0, last_due + rng.integers(0, 10, n), sentinel)
    first_drawing = np.where(rng.random(n) < 0.935, sentinel, decision + rng.integers(1, 20, n))
    first_due = np.where(rng.random(n) < 0.04, sentinel, first_due)
    last_1st = np.where(revolving, sentinel, last_1st)
    termination = np.where(rng.random(n) < 0.02, sentinel, termination)
    return {
        col: np.where(have, v, np.nan)
        for col, v in (
            ("DAYS_FIRST_DRAWING", first_drawing),
            ("DAYS_FIRST_DUE", first_due),
            ("DAYS_LAST_DUE_1ST_VERSION", last_1st),
            ("DAYS_LAST_DUE", last_due),
            ("DAYS_TERMINATION", termination),
            ("NFLAG_INSURED_ON_APPROVAL", (rng.random(n) < 0.33).astype(float)),
        )
    }


def _loans(
    rng: np.random.Generator,
    prev: pd.DataFrame,
    prev_client: np.ndarray,
    prev_badness: np.ndarray,
    rows: np.ndarray,
    orphan_ids: np.ndarray,
    clients: _Clients,
) -> _Loans:
    """Loans with a history: the given previous applications plus orphans (ids absent from previous)."""
    n_orphans = orphan_ids.size
    with_prev = np.unique(prev_client)
    orphan_client = (
        with_prev[rng.integers(0, with_prev.size, n_orphans)]
        if with_prev.size
        else np.zeros(n_orphans, dtype=np.int64)
    )
    term = prev["CNT_PAYMENT"].to_numpy()[rows]
    term = np.where(np.isnan(term), 12.0, term)
    return _Loans(
        sk_id_prev=np.concatenate([prev["SK_ID_PREV"].to_numpy()[rows], orphan_ids]),
        client=np.concatenate([prev_client[rows], orphan_client]),
        decision=np.concatenate(
            [prev["DAYS_DECISION"].to_numpy()[rows], -rng.integers(30, _WINDOW_DAYS, n_orphans)]
        ),
        term=np.concatenate([term, rng.choice([6.0, 12.0, 24.0, 36.0], n_orphans)]),
        annuity=np.concatenate(
            [
                np.nan_to_num(prev["AMT_ANNUITY"].to_numpy()[rows], nan=5000.0),
                np.round(np.exp(rng.normal(np.log(9000), 0.7, n_orphans)), 3),
            ]
        ),
        revolving=np.concatenate(
            [
                prev["NAME_CONTRACT_TYPE"].to_numpy()[rows] == "Revolving loans",
                np.zeros(n_orphans, dtype=bool),
            ]
        ),
        badness=np.concatenate(
            [prev_badness[rows], clients.u_beh[orphan_client] + 0.5 * rng.standard_normal(n_orphans)]
        ),
    )


def _pick(rng: np.random.Generator, candidates: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """Sorted random subset of `count` candidates covering as many owners (clients) as possible."""
    if candidates.size <= count:
        return candidates
    shuffled = rng.permutation(candidates)
    _, first = np.unique(owner[shuffled], return_index=True)
    rest = np.setdiff1d(shuffled, shuffled[first])
    chosen = np.concatenate([shuffled[first], rng.permutation(rest)])[:count]
    return np.sort(chosen)


# ------------------------------------------------------------------------------------------------
# POS_CASH_balance, installments_payments, credit_card_balance
# ------------------------------------------------------------------------------------------------
def _months(
    rng: np.random.Generator, loans: _Loans, n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly rows of each loan: loan index, MONTHS_BALANCE (≤ −1) and the month's rank within the loan."""
    start = np.maximum(loans.decision // 30, -_WINDOW_MONTHS)
    span = -start
    # Finished instalment loans keep reporting "Completed" for a few months.
    natural = np.where(
        loans.revolving | (loans.term == 0),
        span,
        np.minimum(loans.term + 1 + rng.integers(0, 4, loans.term.size), span),
    )
    lengths = _match_total(rng, np.maximum(natural, 1).astype(np.int64), n_rows, maximum=_WINDOW_MONTHS)
    loan, rank = _fan_out(lengths)
    first = np.maximum(start, -_WINDOW_MONTHS)
    last = np.minimum(first + lengths - 1, -1)
    first = last - lengths + 1
    return loan, (first[loan] + rank).astype(np.int64), rank


def _dpd(rng: np.random.Generator, badness: np.ndarray, rank: np.ndarray, base: float) -> np.ndarray:
    """Days past due per month: mostly 0, 1-30 for slips, a running counter for written-off loans."""
    m = badness.size
    slip = rng.random(m) < np.clip(base * np.exp(1.2 * badness) / np.exp(0.9), 0, 0.7)
    dpd = np.where(slip, rng.integers(1, 31, m), 0)
    longer = slip & (rng.random(m) < 0.06)
    dpd = np.where(longer, rng.integers(31, 120, m), dpd)
    written_off = (rng.random(m) < 0.009 * np.exp(0.8 * badness) / np.exp(0.5)) & (rank > 3)
    return np.where(written_off, 365 + 30 * rank + rng.integers(0, 30, m), dpd).astype(np.int64)


def _pos_cash(
    rng: np.random.Generator, loans: _Loans, ids: np.ndarray, n_rows: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """POS_CASH_balance rows; returns the frame and each row's client index."""
    name = schema.POS_CASH_BALANCE
    loan, months, rank = _months(rng, loans, n_rows)
    m = loan.size
    term = loans.term[loan]
    cnt = np.where(term > 0, term, 12.0)
    future = np.maximum(cnt - rank, 0).astype(float)
    missing = rng.random(m) < 0.0026
    status = np.zeros(m, dtype=np.int16)
    status[(future == 0) & (rank >= cnt)] = _level(name, "NAME_CONTRACT_STATUS", "Completed")
    status[(rank == 0) & (rng.random(m) < 0.08)] = _level(name, "NAME_CONTRACT_STATUS", "Signed")
    rare = rng.random(m) < 0.0018
    status[rare] = rng.choice([3, 4, 5, 6, 7, 8], int(rare.sum()), p=[0.35, 0.27, 0.27, 0.1, 0.009, 0.001])
    dpd = _dpd(rng, loans.badness[loan], rank, base=0.034)
    dpd_def = np.where(dpd > 30, dpd, np.where(rng.random(m) < 0.3, dpd, 0)).astype(np.int64)
    frame = pd.DataFrame(
        copy=False,
        data={
            "SK_ID_PREV": loans.sk_id_prev[loan],
            "SK_ID_CURR": ids[loans.client[loan]],
            "MONTHS_BALANCE": months,
            "CNT_INSTALMENT": np.where(missing, np.nan, cnt),
            "CNT_INSTALMENT_FUTURE": np.where(missing, np.nan, future),
            "NAME_CONTRACT_STATUS": _codes_to_cat(name, "NAME_CONTRACT_STATUS", status),
            "SK_DPD": dpd,
            "SK_DPD_DEF": dpd_def,
        },
    )
    return frame, loans.client[loan]


def _installments(
    rng: np.random.Generator, loans: _Loans, ids: np.ndarray, n_rows: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Payment events: split payments, re-versioned schedules, late and under-paid instalments.

    Returns the frame, each row's client index, and per-instalment client index and under-payment flag.
    """
    # ≈ 9.5 % of rows share their key (split payments), ≈ 5.5 % are re-versioned copies of an instalment.
    n_instalments = round(n_rows / 1.10)
    start = np.maximum(loans.decision, -_WINDOW_DAYS) + 30
    natural = np.where(loans.revolving, -start // 30, np.minimum(loans.term, -start // 30)).clip(1)
    per_loan = _match_total(rng, natural.astype(np.int64), n_instalments)
    loan, rank = _fan_out(per_loan)
    k = loan.size
    number = rank + 1
    due = np.minimum(start[loan] + 30 * rank, -1 - (per_loan[loan] - number)).astype(float)
    version = np.where(loans.revolving[loan], 0.0, 1.0)
    reversion = (~loans.revolving[loan]) & (rng.random(k) < 0.055)
    amount = np.round(loans.annuity[loan] * np.where(rng.random(k) < 0.03, rng.uniform(0.2, 1.5, k), 1.0), 3)
    bad = loans.badness[loan]
    underpaid = rng.random(k) < np.clip(0.025 * np.exp(1.1 * bad) / np.exp(0.6), 0, 0.8)
    paid_share = np.where(underpaid, np.round(rng.uniform(0.0, 0.9, k), 2), 1.0)
    late = rng.random(k) < np.clip(0.085 * np.exp(1.0 * bad) / np.exp(0.5), 0, 0.9)
    delay = np.where(
        late,
        np.where(rng.random(k) < 0.035, rng.integers(31, 200, k), rng.integers(1, 31, k)),
        -np.round(rng.exponential(8, k)),
    )
    recent = due > -60
    unpaid = recent & (rng.random(k) < np.clip(0.002 * np.exp(1.2 * bad), 0, 0.5))

    # Payment events per instalment: 1, or 2-3 split payments summing to what was paid.
    events = np.where(rng.random(k) < 0.045, rng.integers(2, 4, k), 1)
    events = np.where(unpaid, 1, events)
    events = events + reversion
    extra = n_rows - int(events.sum())
    if extra > 0:
        np.add.at(events, rng.choice(np.flatnonzero(~unpaid), extra), 1)
    elif extra < 0:
        take = rng.choice(
            np.flatnonzero(events > 1 + reversion),
            min(-extra, int((events > 1 + reversion).sum())),
            replace=False,
        )
        events[take] -= 1
    # Built column by column, freeing temporaries early: at scale 1.0 this is the generator's memory peak.
    inst, event = _fan_out(events)
    del per_loan
    row_loan = loan[inst]
    row_client = loans.client[row_loan]
    cols: dict[str, np.ndarray] = {
        "SK_ID_PREV": loans.sk_id_prev[row_loan],
        "SK_ID_CURR": ids[row_client],
    }
    del row_loan
    is_reversion_row = reversion[inst] & (event == events[inst] - 1)
    cols["NUM_INSTALMENT_VERSION"] = np.where(is_reversion_row, 2.0, version[inst])
    cols["NUM_INSTALMENT_NUMBER"] = number[inst].astype(np.int64)
    cols["DAYS_INSTALMENT"] = due[inst]
    entry = due[inst]
    entry += delay[inst]
    entry += event * rng.integers(0, 3, inst.size)
    np.minimum(entry, -1.0, out=entry)
    row_unpaid = unpaid[inst]
    entry[row_unpaid] = np.nan
    cols["DAYS_ENTRY_PAYMENT"] = entry
    # Split payments: equal parts, the last part closes the sum exactly.
    owed = amount[inst] * paid_share[inst]
    n_split = (events - reversion)[inst]
    payment = np.round(owed / n_split, 3)
    last = event == n_split - 1
    payment[last] = np.round(owed[last] - payment[last] * (n_split[last] - 1), 3)
    del owed, n_split, last, event
    row_amount = amount[inst]
    half = np.round(row_amount[is_reversion_row] * 0.5, 3)
    row_amount[is_reversion_row] = half
    payment[is_reversion_row] = half
    payment[row_unpaid] = np.nan
    cols["AMT_INSTALMENT"] = row_amount
    cols["AMT_PAYMENT"] = payment
    del inst, is_reversion_row, row_unpaid, half
    frame = pd.DataFrame(cols, copy=False)
    return frame, row_client, loans.client[loan], underpaid | unpaid


def _credit_card(
    rng: np.random.Generator, loans: _Loans, ids: np.ndarray, n_rows: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Monthly card balances; returns the frame, each row's client index and its utilisation."""
    name = schema.CREDIT_CARD_BALANCE
    loan, months, rank = _months(rng, loans, n_rows)
    m = loan.size
    bad = loans.badness[loan]
    limit_per_card = np.where(
        rng.random(loans.client.size) < 0.05,
        0,
        rng.choice([45_000, 67_500, 90_000, 135_000, 180_000, 225_000, 270_000, 450_000], loans.client.size),
    )
    limit = limit_per_card[loan].astype(np.int64)
    use = np.clip(
        _sigmoid(-1.0 + 1.1 * bad + 0.8 * rng.standard_normal(m)) * np.where(rng.random(m) < 0.35, 0, 1.2),
        0,
        1.1,
    )
    balance = np.round(limit * use, 3)
    atm = np.where(rng.random(m) < 0.15, _round_to(limit * rng.uniform(0, 0.3, m), 4500), 0.0)
    pos = np.where(rng.random(m) < 0.25, np.round(limit * rng.uniform(0, 0.2, m), 2), 0.0)
    other = np.where(rng.random(m) < 0.004, np.round(limit * rng.uniform(0, 0.2, m), 2), 0.0)
    cnt_atm = np.where(atm > 0, rng.integers(1, 5, m), 0)
    cnt_pos = np.where(pos > 0, rng.integers(1, 12, m), 0)
    cnt_other = (other > 0).astype(int)
    no_split = rng.random(m) < 0.195
    min_regular = np.round(balance * 0.05, 3)
    payment_total = np.round(np.where(rng.random(m) < 0.7, min_regular * rng.uniform(1, 3, m), 0.0), 3)
    payment_current = np.where(no_split | (rng.random(m) < 0.006), np.nan, payment_total)
    no_mature = rng.random(m) < 0.0795
    status = np.zeros(m, dtype=np.int16)
    is_last = np.r_[loan[1:] != loan[:-1], True]
    status[is_last & (rng.random(m) < 0.3)] = _level(name, "NAME_CONTRACT_STATUS", "Completed")
    status[(rank == 0) & (rng.random(m) < 0.1)] = _level(name, "NAME_CONTRACT_STATUS", "Signed")
    rare = rng.random(m) < 0.0006
    status[rare] = rng.choice([3, 4, 5, 6], int(rare.sum()), p=[0.75, 0.2, 0.04, 0.01])
    dpd = _dpd(rng, bad, rank, base=0.03)
    principal = np.round(balance * 0.95, 3)
    frame = pd.DataFrame(
        copy=False,
        data={
            "SK_ID_PREV": loans.sk_id_prev[loan],
            "SK_ID_CURR": ids[loans.client[loan]],
            "MONTHS_BALANCE": months,
            "AMT_BALANCE": balance,
            "AMT_CREDIT_LIMIT_ACTUAL": limit,
            "AMT_DRAWINGS_ATM_CURRENT": np.where(no_split, np.nan, atm),
            "AMT_DRAWINGS_CURRENT": np.round(atm + pos + other, 3),
            "AMT_DRAWINGS_OTHER_CURRENT": np.where(no_split, np.nan, other),
            "AMT_DRAWINGS_POS_CURRENT": np.where(no_split, np.nan, pos),
            "AMT_INST_MIN_REGULARITY": np.where(no_mature, np.nan, min_regular),
            "AMT_PAYMENT_CURRENT": payment_current,
            "AMT_PAYMENT_TOTAL_CURRENT": payment_total,
            "AMT_RECEIVABLE_PRINCIPAL": principal,
            "AMT_RECIVABLE": balance,
            "AMT_TOTAL_RECEIVABLE": balance,
            "CNT_DRAWINGS_ATM_CURRENT": np.where(no_split, np.nan, cnt_atm.astype(float)),
            "CNT_DRAWINGS_CURRENT": (cnt_atm + cnt_pos + cnt_other).astype(np.int64),
            "CNT_DRAWINGS_OTHER_CURRENT": np.where(no_split, np.nan, cnt_other.astype(float)),
            "CNT_DRAWINGS_POS_CURRENT": np.where(no_split, np.nan, cnt_pos.astype(float)),
            "CNT_INSTALMENT_MATURE_CUM": np.where(no_mature, np.nan, rank.astype(float)),
            "NAME_CONTRACT_STATUS": _codes_to_cat(name, "NAME_CONTRACT_STATUS", status),
            "SK_DPD": dpd,
            "SK_DPD_DEF": np.where(dpd > 30, dpd, 0).astype(np.int64),
        },
    )
    return frame, loans.client[loan], np.where(limit > 0, use, 0.0)


# ------------------------------------------------------------------------------------------------
# Default mechanism
# ------------------------------------------------------------------------------------------------
#: Weights of the application part and of the history part of the default log-odds (tuned with
#: benchmarks/calibrate_generator.py: oracle AUC ≈ 0.82, application-only LightGBM ≈ 0.75, and a logistic
#: regression on the same features clearly below LightGBM, as on the real data).
APP_WEIGHT = 1.22
HISTORY_WEIGHT = 0.78
#: Days past due that make a POS or card month "serious", and days late that make an instalment serious.
SERIOUS_DPD = 60
SERIOUS_DAYS_LATE = 30
#: Weights of EXT_SOURCE_1..3 in the application part (missing scores count at their typical value).
EXT_WEIGHTS = np.array([0.2, 0.38, 0.42])


def application_logit(app: pd.DataFrame) -> np.ndarray:
    """Application part of the default log-odds, from observed application columns only.

    Non-linear like the real signal: a hinge at low external scores and an interaction of two low scores, a
    U-shaped age effect (young and oldest riskier), a V-shaped payment-rate effect, steps (credit/goods ratio
    above 1.15, worst region rating) and a payment-rate effect whose sign flips with the external scores.
    """
    ext = app[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]].to_numpy()
    filled = np.where(np.isnan(ext), np.array([0.5, 0.51, 0.51]), ext)
    ext_mean = filled @ EXT_WEIGHTS
    age = -app["DAYS_BIRTH"].to_numpy() / 365.25
    employed = app["DAYS_EMPLOYED"].to_numpy()
    not_employed = employed == schema.DAYS_SENTINEL
    years_employed = np.where(not_employed, 0.0, -employed / 365.25)
    credit = app["AMT_CREDIT"].to_numpy()
    payment_rate = np.nan_to_num(app["AMT_ANNUITY"].to_numpy() / credit, nan=0.05)
    goods_ratio = np.nan_to_num(credit / app["AMT_GOODS_PRICE"].to_numpy(), nan=1.0)
    male = (app["CODE_GENDER"] == "M").to_numpy()
    higher = (app["NAME_EDUCATION_TYPE"] == "Higher education").to_numpy()
    own_car = (app["FLAG_OWN_CAR"] == "Y").to_numpy()
    rating = app["REGION_RATING_CLIENT_W_CITY"].to_numpy()
    revolving = (app["NAME_CONTRACT_TYPE"] == "Revolving loans").to_numpy()
    low_ext = np.clip((0.5 - ext_mean) / 0.15, -1.0, 1.5)
    return (
        -5.5 * (ext_mean - 0.5)
        + 4.0 * np.maximum(0.3 - ext_mean, 0.0)
        + 6.0 * np.maximum(0.5 - filled[:, 1], 0) * np.maximum(0.5 - filled[:, 2], 0)
        + 0.35 * np.isnan(ext[:, 2])
        + 0.8 * np.clip((38 - age) / 12, 0, 1.2)
        + 0.7 * np.clip((age - 60) / 8, 0, 1)
        - 0.3 * np.log1p(years_employed)
        - 0.5 * not_employed
        + 6.0 * np.abs(payment_rate - 0.045) * np.where(payment_rate > 0.045, 1.0, 2.0)
        + 0.3 * np.clip((payment_rate - 0.045) / 0.025, -1, 1.5) * low_ext
        + 0.6 * (goods_ratio > 1.15)
        + 0.3 * male
        - 0.25 * higher
        - 0.15 * own_car
        + 0.35 * (rating == 3)
        - 0.3 * revolving
    )


def history_logit(history: _History) -> np.ndarray:
    """History part of the default log-odds, from the client's observed behaviour in the child tables.

    Steps and saturations besides smooth effects: each source with a serious delinquency is a jump whatever
    its size, the late-payment effect saturates, and refusals weigh mainly on clients the bureau does not
    know (with a bureau history they add little).
    """
    late = history.late_share
    return (
        0.9 * np.minimum(history.serious_sources, 3)
        + 2.2 * np.log1p(8 * np.minimum(late, 0.3))
        + 1.4 * np.sqrt(history.underpaid_share)
        + np.where(history.has_bureau, 0.05, 0.45) * np.minimum(history.refused, 4)
        + 0.45 * np.minimum(history.bureau_overdue, 3)
        + 0.25 * np.log1p(np.clip(history.bureau_debt_ratio, 0, 50))
        + 1.5 * np.sqrt(history.pos_dpd_share)
        + 1.2 * np.sqrt(history.card_dpd_share)
        + 0.6 * np.clip(history.card_utilisation - 0.6, 0, 0.5)
    )


def _any_per_client(client: np.ndarray, flag: np.ndarray, n: int) -> np.ndarray:
    """Whether each of the n clients has at least one flagged row."""
    return np.bincount(client[flag], minlength=n) > 0


def _serious_sources(
    n: int,
    bureau: pd.DataFrame,
    b_client: np.ndarray,
    balance: pd.DataFrame,
    pos: tuple[pd.DataFrame, np.ndarray],
    card: tuple[pd.DataFrame, np.ndarray],
    inst: pd.DataFrame,
    inst_client: np.ndarray,
) -> np.ndarray:
    """Per client, in how many of four sources it was seriously late: a bureau month over 30 days past due
    (status 2-5; orphan credits belong to nobody), a POS or a card month 60+ days past due, an instalment
    paid 30+ days late."""
    row = pd.Index(bureau[schema.ID_BUREAU].to_numpy()).get_indexer(balance[schema.ID_BUREAU].to_numpy())
    status = balance["STATUS"].astype(str).isin(["2", "3", "4", "5"]).to_numpy() & (row >= 0)
    days_late = inst["DAYS_ENTRY_PAYMENT"].to_numpy() - inst["DAYS_INSTALMENT"].to_numpy()
    sources = _any_per_client(b_client[row[status]], np.ones(int(status.sum()), dtype=bool), n).astype(
        np.int64
    )
    for frame, client in (pos, card):
        sources += _any_per_client(client, frame["SK_DPD"].to_numpy() >= SERIOUS_DPD, n)
    return sources + _any_per_client(inst_client, days_late >= SERIOUS_DAYS_LATE, n)


def _intercept_for_rate(logit: np.ndarray, rate: float) -> float:
    """Intercept b such that mean(sigmoid(logit + b)) equals `rate` (bisection)."""
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _sigmoid(logit + mid).mean() > rate:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------
def target_row_counts(scale: float) -> dict[str, int]:
    """Row count of each table at `scale` (linear in the real counts)."""
    return {name: max(round(count * scale), 1) for name, count in schema.REAL_ROW_COUNTS.items()}


def validate_scale(scale: float) -> None:
    """Refuse scales outside [MIN_SCALE, MAX_SCALE] with a message saying what is accepted."""
    if not np.isfinite(scale) or scale < MIN_SCALE or scale > MAX_SCALE:
        raise ValueError(
            f"scale must be between {MIN_SCALE} and {MAX_SCALE} (1.0 = the real row counts, "
            f"{schema.REAL_ROW_COUNTS[schema.APPLICATION_TRAIN]:,} train applications); got {scale!r}"
        )


def generate_tables(
    scale: float, seed: int, *, progress: Callable[[str], None] | None = None
) -> SyntheticData:
    """Generate the seven tables (train and test apart) and the oracle default probabilities, reproducibly."""
    validate_scale(scale)
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    report = progress or (lambda message: logger.info(message))
    counts = target_row_counts(scale)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]

    ids, is_test = _clients(streams[0], counts[schema.APPLICATION_TRAIN], counts[schema.APPLICATION_TEST])
    app, clients = _application(streams[0], ids, is_test)
    n = ids.size
    report(f"applications: {n:,} clients ({int(is_test.sum()):,} test)")

    bureau, b_client, b_bad, b_closed = _bureau(streams[1], clients, counts[schema.BUREAU])
    balance, late_months = _bureau_balance(streams[2], bureau, b_bad, b_closed, counts[schema.BUREAU_BALANCE])
    report(f"bureau: {len(bureau):,} rows; bureau_balance: {len(balance):,} rows")

    n_card_orphans = round(LOANS["card"] * scale * ORPHAN_LOANS["card"])
    n_loan_orphans = round(LOANS["installments"] * scale * ORPHAN_LOANS["installments"])
    prev, p_client, p_bad, card_rows, card_orphans, loan_orphans = _previous_application(
        streams[3], clients, counts[schema.PREVIOUS_APPLICATION], n_card_orphans, n_loan_orphans
    )
    report(f"previous_application: {len(prev):,} rows")

    status = prev["NAME_CONTRACT_STATUS"].to_numpy()
    contract = prev["NAME_CONTRACT_TYPE"].to_numpy()
    approved = status == "Approved"
    rng = streams[4]
    n_pos_orphans = round(LOANS["pos"] * scale * ORPHAN_LOANS["pos"])
    pos_rows = _pick(
        rng,
        np.flatnonzero(approved & (contract != "Revolving loans")),
        p_client,
        round(LOANS["pos"] * scale) - n_pos_orphans,
    )
    pos_loans = _loans(rng, prev, p_client, p_bad, pos_rows, loan_orphans[:n_pos_orphans], clients)
    pos, pos_client = _pos_cash(rng, pos_loans, ids, counts[schema.POS_CASH_BALANCE])
    report(f"POS_CASH_balance: {len(pos):,} rows")

    rng = streams[5]
    inst_rows = _pick(
        rng, np.flatnonzero(approved), p_client, round(LOANS["installments"] * scale) - n_loan_orphans
    )
    inst_loans = _loans(rng, prev, p_client, p_bad, inst_rows, loan_orphans, clients)
    inst, inst_client, instalment_client, underpaid = _installments(
        rng, inst_loans, ids, counts[schema.INSTALLMENTS_PAYMENTS]
    )
    report(f"installments_payments: {len(inst):,} rows")

    rng = streams[6]
    card_linked = np.flatnonzero(card_rows)
    n_cards = card_linked.size
    orphan_take = min(n_card_orphans, n_cards)
    swapped = rng.choice(n_cards, orphan_take, replace=False)
    card_loans = _loans(rng, prev, p_client, p_bad, card_linked, np.empty(0, dtype=np.int64), clients)
    card_ids = card_loans.sk_id_prev.copy()
    card_ids[swapped] = card_orphans[:orphan_take]
    card_loans = replace(card_loans, sk_id_prev=card_ids, revolving=np.ones(n_cards, dtype=bool))
    card, card_client, utilisation = _credit_card(rng, card_loans, ids, counts[schema.CREDIT_CARD_BALANCE])
    report(f"credit_card_balance: {len(card):,} rows")

    inst_late = (inst["DAYS_ENTRY_PAYMENT"].to_numpy() > inst["DAYS_INSTALMENT"].to_numpy()).astype(float)
    debt = np.where(
        bureau["CREDIT_ACTIVE"].to_numpy() == "Active",
        np.nan_to_num(bureau["AMT_CREDIT_SUM_DEBT"].to_numpy()),
        0.0,
    )
    overdue = (bureau["CREDIT_DAY_OVERDUE"].to_numpy() > 0) | (
        bureau["AMT_CREDIT_SUM_OVERDUE"].to_numpy() > 0
    )
    history = _History(
        bureau_overdue=np.bincount(b_client, weights=overdue, minlength=n),
        bureau_debt_ratio=np.bincount(b_client, weights=debt, minlength=n) / clients.income,
        bureau_late_months=np.bincount(b_client, weights=late_months, minlength=n),
        refused=np.bincount(p_client, weights=status == "Refused", minlength=n),
        late_share=_per_parent_mean(inst_client, inst_late, n),
        underpaid_share=_per_parent_mean(instalment_client, underpaid.astype(float), n),
        pos_dpd_share=_per_parent_mean(pos_client, (pos["SK_DPD"].to_numpy() > 0).astype(float), n),
        card_dpd_share=_per_parent_mean(card_client, (card["SK_DPD"].to_numpy() > 0).astype(float), n),
        card_utilisation=_per_parent_mean(card_client, utilisation, n),
        has_bureau=np.bincount(b_client, minlength=n) > 0,
        serious_sources=_serious_sources(
            n, bureau, b_client, balance, (pos, pos_client), (card, card_client), inst, inst_client
        ),
    )
    logit = APP_WEIGHT * _standardise(application_logit(app)) + HISTORY_WEIGHT * _standardise(
        history_logit(history)
    )
    logit += _intercept_for_rate(logit[~is_test], TARGET_RATE)
    probability = _sigmoid(logit)
    target = (streams[7].random(n) < probability).astype(np.int64)

    train = app.loc[~is_test].reset_index(drop=True)
    train.insert(1, schema.TARGET, target[~is_test])
    test = app.loc[is_test].reset_index(drop=True)
    oracle = pd.DataFrame(
        copy=False,
        data={
            ORACLE_COLUMNS[0]: ids,
            ORACLE_COLUMNS[1]: probability,
            ORACLE_COLUMNS[2]: pd.Categorical.from_codes(
                is_test.astype(np.int8), categories=["train", "test"]
            ),
        },
    )
    report(f"target: {target[~is_test].mean():.2%} defaults among {int((~is_test).sum()):,} train clients")
    tables = {
        schema.APPLICATION_TRAIN: train,
        schema.APPLICATION_TEST: test,
        schema.BUREAU: bureau,
        schema.BUREAU_BALANCE: balance,
        schema.PREVIOUS_APPLICATION: prev,
        schema.POS_CASH_BALANCE: pos,
        schema.INSTALLMENTS_PAYMENTS: inst,
        schema.CREDIT_CARD_BALANCE: card,
    }
    return SyntheticData(tables=tables, oracle=oracle)


# ------------------------------------------------------------------------------------------------
# CSV writing
# ------------------------------------------------------------------------------------------------
#: Rows per formatting batch: about 8 M fields, so one batch of text stays well below 2 GB.
_FIELDS_PER_CHUNK = 8_000_000
_INTEGRAL = r"^-?[0-9]+$"


def _quote(text: str) -> str:
    """Quote a field the way pandas' to_csv does (QUOTE_MINIMAL): only when it holds , " or a line break."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _arrow_text(series: pd.Series) -> pa.Array:
    """Format one column as pandas' to_csv would (floats as repr, e.g. 202500.0); missing → null."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        categories = pa.array([_quote(str(c)) for c in series.cat.categories], type=pa.string())
        return pc.take(categories, pa.array(codes.astype(np.int32), mask=codes < 0))
    if pd.api.types.is_float_dtype(series.dtype):
        text = pc.cast(pa.array(series.to_numpy(), from_pandas=True), pa.string())
        # Arrow writes 202500.0 as "202500"; pandas (and the real files) keep the ".0".
        return pc.if_else(
            pc.match_substring_regex(text, _INTEGRAL), pc.binary_join_element_wise(text, ".0", ""), text
        )
    if pd.api.types.is_integer_dtype(series.dtype):
        return pc.cast(pa.array(series.to_numpy()), pa.string())
    return pa.array([_quote(str(v)) for v in series], type=pa.string())


def _csv_block(frame: pd.DataFrame) -> memoryview:
    """CSV text of all rows of `frame`, one line per row ending with LF."""
    fields = [_arrow_text(frame[col]) for col in frame.columns]
    lines = pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(lines, "", "\n")
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return memoryview(data)[bounds[0] : bounds[-1]]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as CSV byte-identical to ``frame.to_csv(path, index=False)``, several times faster."""
    chunk_rows = max(_FIELDS_PER_CHUNK // max(frame.shape[1], 1), 1)
    with open(path, "wb") as handle:
        handle.write((",".join(frame.columns) + "\n").encode())
        for start in range(0, len(frame), chunk_rows):
            handle.write(_csv_block(frame.iloc[start : start + chunk_rows]))


def _check_output_dir(output_dir: Path) -> None:
    """Refuse to replace a folder holding anything other than generator output (it would be deleted)."""
    if not output_dir.exists():
        return
    if not output_dir.is_dir():
        raise DataSourceError(
            f"output folder {output_dir} is a file; expected a folder (new or from this generator)"
        )
    ours = {schema.table(n).filename for n in schema.TABLE_NAMES} | {ORACLE_FILENAME}
    foreign = sorted(p.name for p in output_dir.iterdir() if p.name not in ours)
    if foreign:
        raise DataSourceError(
            f"output folder {output_dir} holds files the generator did not write ({', '.join(foreign[:5])}); "
            "expected a new folder or one from a previous generation"
        )


def write_tables(data: SyntheticData, output_dir: str | Path, *, workers: int = 2) -> None:
    """Write the eight CSVs and oracle.csv into `output_dir` atomically (temporary sibling, then rename)."""
    output_dir = Path(output_dir)
    _check_output_dir(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.tmp-", dir=output_dir.parent))
    try:
        jobs = [(frame, tmp / schema.table(name).filename) for name, frame in data.tables.items()]
        jobs.append((data.oracle, tmp / ORACLE_FILENAME))
        jobs.sort(key=lambda job: -job[0].size)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(write_csv, frame, path): (frame, path) for frame, path in jobs}
            for future in as_completed(futures):
                future.result()
                frame, path = futures[future]
                logger.info("wrote %s: %d rows", path.name, len(frame))
        if output_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.old-", dir=output_dir.parent))
            output_dir.rename(old / output_dir.name)
            tmp.rename(output_dir)
            shutil.rmtree(old)
        else:
            tmp.rename(output_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    logger.info("wrote %d files to %s", len(jobs), output_dir)

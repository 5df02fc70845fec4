"""application_train / application_test rows (one frame for both splits) and the clients' latent traits.

Each client has two latent traits: `u_app`, what the external scores see, and `u_beh`, payment discipline,
only partly correlated with `u_app`. The traits drive the values of every table; the default mechanism
itself only reads observed columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from custom_model import schema
from entry_points.synthetic import draws
from entry_points.synthetic.draws import Columns
from entry_points.synthetic.shares import (
    AMT_REQ_NAN,
    APP_NAN,
    APP_SHARES,
    BUILDING_NAN,
    DOCUMENT_RATES,
    EXT_SOURCE_NAN,
    FIRST_ID_CURR,
    REVOLVING_SHARE,
    SOCIAL_CIRCLE_NAN,
)

_NAME = schema.APPLICATION_TRAIN


@dataclass(frozen=True)
class Clients:
    """Per-client arrays shared by every table (index = row of the combined train+test application frame)."""

    ids: np.ndarray
    is_test: np.ndarray
    u_app: np.ndarray
    u_beh: np.ndarray
    income: np.ndarray


@dataclass(frozen=True)
class Applications:
    """Application rows of train and test together (TARGET is added once the mechanism has drawn it)."""

    frame: pd.DataFrame
    clients: Clients


def client_ids(rng: np.random.Generator, n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved SK_ID_CURR of train and test in one id space, and the test flag."""
    n = n_train + n_test
    ids = draws.unique_ids(rng, FIRST_ID_CURR, n, spread=1.0 if n >= 356_255 else 356_255 / n)
    is_test = np.zeros(n, dtype=bool)
    is_test[rng.choice(n, n_test, replace=False)] = True
    return ids, is_test


def generate(rng: np.random.Generator, n_train: int, n_test: int) -> Applications:
    """Draw the clients, their traits and every application column, in the schema's column order."""
    ids, is_test = client_ids(rng, n_train, n_test)
    n = ids.size
    u_app = rng.standard_normal(n)
    u_beh = 0.45 * u_app + np.sqrt(1 - 0.45**2) * rng.standard_normal(n)
    cols: Columns = {"SK_ID_CURR": ids}
    cols.update(_contract_and_household(rng, is_test))
    cols.update(_amounts(rng, u_app, revolving=_is_level(cols, "NAME_CONTRACT_TYPE", "Revolving loans")))
    cols.update(_income_type_and_family(rng, is_test))
    income_type = _codes(cols, "NAME_INCOME_TYPE")
    # 365243 means "not employed": exactly the pensioners and the unemployed (SPEC §1.5 #1-2).
    not_employed = (income_type == 2) | (income_type == 4)
    cols.update(_region(rng, n))
    age = np.where(not_employed, rng.uniform(52, 69, n), 21 + 48 * rng.beta(1.6, 2.0, n))
    own_car = _is_level(cols, "FLAG_OWN_CAR", "Y")
    cols.update(_dates_and_phones(rng, age=age, u_app=u_app, not_employed=not_employed, own_car=own_car))
    cols.update(_occupation_family_rating(rng, cols, not_employed))
    cols.update(_process_and_workplace(rng, n, not_employed))
    cols.update(_external_scores(rng, u_app, age))
    cols.update(building_block(rng, n))
    cols.update(social_circle(rng, n))
    cols.update(_phone_change_and_documents(rng, n))
    cols.update(credit_bureau_requests(rng, n))
    income = np.asarray(cols["AMT_INCOME_TOTAL"])
    clients = Clients(ids=ids, is_test=is_test, u_app=u_app, u_beh=u_beh, income=income)
    return Applications(frame=pd.DataFrame(cols, copy=False), clients=clients)


def _codes(cols: Columns, column: str) -> np.ndarray:
    """Level indices of a categorical column drawn earlier."""
    return np.asarray(cast(pd.Categorical, cols[column]).codes)


def _is_level(cols: Columns, column: str, value: str) -> np.ndarray:
    """Rows of a categorical column drawn earlier that hold `value`."""
    return _codes(cols, column) == draws.level(_NAME, column, value)


def _contract_and_household(rng: np.random.Generator, is_test: np.ndarray) -> Columns:
    """Contract type (fewer revolving loans in test, a real shift), gender, car, realty and children."""
    n = is_test.size
    cols: Columns = {}
    revolving = rng.random(n) < np.where(is_test, REVOLVING_SHARE["test"], REVOLVING_SHARE["train"])
    cols["NAME_CONTRACT_TYPE"] = draws.codes_to_cat(_NAME, "NAME_CONTRACT_TYPE", revolving.astype(int))
    gender_shares = np.asarray(APP_SHARES["CODE_GENDER"])
    gender = rng.choice(3, n, p=gender_shares / gender_shares.sum())
    gender[is_test & (gender == 2)] = 0
    cols["CODE_GENDER"] = draws.codes_to_cat(_NAME, "CODE_GENDER", gender)
    own_car = rng.random(n) < APP_SHARES["FLAG_OWN_CAR"][1] / 100
    cols["FLAG_OWN_CAR"] = draws.codes_to_cat(_NAME, "FLAG_OWN_CAR", own_car.astype(int))
    cols["FLAG_OWN_REALTY"] = draws.categorical(
        rng, _NAME, "FLAG_OWN_REALTY", n, APP_SHARES["FLAG_OWN_REALTY"]
    )
    children = rng.choice(6, n, p=[0.7, 0.199, 0.087, 0.0121, 0.0014, 0.0005])
    many = rng.random(n) < 2e-5
    children[many] = rng.integers(6, 20, int(many.sum()))
    cols["CNT_CHILDREN"] = children.astype(np.int64)
    return cols


def _amounts(rng: np.random.Generator, u_app: np.ndarray, *, revolving: np.ndarray) -> Columns:
    """Income, goods price, credit, annuity (revolving loans pay 5 % of the credit), NAME_TYPE_SUITE."""
    n = u_app.size
    cols: Columns = {}
    income = np.exp(np.log(147_150) + 0.1 * u_app + 0.48 * rng.standard_normal(n))
    income = np.clip(draws.round_to(income, 2250.0), 25_650, 13_500_000)
    outlier = rng.random(n) < 3e-5
    income[outlier] *= rng.choice([10.0, 50.0, 260.0], outlier.sum())
    cols["AMT_INCOME_TOTAL"] = income

    goods = np.exp(np.log(450_000) + 0.35 * (np.log(income) - np.log(147_150)) + 0.6 * rng.standard_normal(n))
    goods = np.clip(draws.round_to(goods, 4500.0), 40_500, 4_050_000)
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
    cols["NAME_TYPE_SUITE"] = draws.categorical(
        rng, _NAME, "NAME_TYPE_SUITE", n, APP_SHARES["NAME_TYPE_SUITE"], nan=APP_NAN["NAME_TYPE_SUITE"]
    )
    return cols


def _income_type_and_family(rng: np.random.Generator, is_test: np.ndarray) -> Columns:
    """Income type, education, family status (no 'Unknown' in test) and housing."""
    n = is_test.size
    cols: Columns = {}
    income_type = rng.choice(
        8, n, p=np.asarray(APP_SHARES["NAME_INCOME_TYPE"]) / sum(APP_SHARES["NAME_INCOME_TYPE"])
    )
    cols["NAME_INCOME_TYPE"] = draws.codes_to_cat(_NAME, "NAME_INCOME_TYPE", income_type)
    cols["NAME_EDUCATION_TYPE"] = draws.categorical(
        rng, _NAME, "NAME_EDUCATION_TYPE", n, APP_SHARES["NAME_EDUCATION_TYPE"]
    )
    family = rng.choice(
        6, n, p=np.asarray(APP_SHARES["NAME_FAMILY_STATUS"]) / sum(APP_SHARES["NAME_FAMILY_STATUS"])
    )
    family[is_test & (family == 5)] = 0
    cols["NAME_FAMILY_STATUS"] = draws.codes_to_cat(_NAME, "NAME_FAMILY_STATUS", family)
    cols["NAME_HOUSING_TYPE"] = draws.categorical(
        rng, _NAME, "NAME_HOUSING_TYPE", n, APP_SHARES["NAME_HOUSING_TYPE"]
    )
    return cols


def _region(rng: np.random.Generator, n: int) -> Columns:
    """REGION_POPULATION_RELATIVE: 80 regions of skewed sizes and popularity."""
    region_values = np.round(np.sort(np.exp(rng.normal(np.log(0.018), 0.9, 80))).clip(0.00029, 0.072508), 6)
    region_p = rng.dirichlet(np.full(80, 0.6))
    region = rng.choice(80, n, p=region_p)
    return {"REGION_POPULATION_RELATIVE": region_values[region]}


def _dates_and_phones(
    rng: np.random.Generator,
    *,
    age: np.ndarray,
    u_app: np.ndarray,
    not_employed: np.ndarray,
    own_car: np.ndarray,
) -> Columns:
    """DAYS_BIRTH … DAYS_ID_PUBLISH (365243 for the not employed), car age and the contact flags."""
    n = age.size
    cols: Columns = {}
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
    return cols


def _occupation_family_rating(rng: np.random.Generator, cols: Columns, not_employed: np.ndarray) -> Columns:
    """Occupation (none for the not employed), family size from status and children, region ratings."""
    n = not_employed.size
    out: Columns = {}
    occupation = draws.categorical(rng, _NAME, "OCCUPATION_TYPE", n, APP_SHARES["OCCUPATION_TYPE"], nan=0.163)
    out["OCCUPATION_TYPE"] = pd.Categorical.from_codes(
        np.where(not_employed, -1, occupation.codes), categories=occupation.categories
    )
    single = np.isin(_codes(cols, "NAME_FAMILY_STATUS"), [1, 3, 4, 5])
    children = np.asarray(cols["CNT_CHILDREN"])
    fam = (children + np.where(single, 1, 2)).astype(float)
    fam[rng.random(n) < 7e-6] = np.nan
    out["CNT_FAM_MEMBERS"] = fam
    population = np.asarray(cols["REGION_POPULATION_RELATIVE"])
    rating = np.where(population > 0.03, 1, np.where(population < 0.009, 3, 2))
    rating = np.where(rng.random(n) < 0.1, rng.integers(1, 4, n), rating)
    out["REGION_RATING_CLIENT"] = rating.astype(np.int64)
    out["REGION_RATING_CLIENT_W_CITY"] = np.where(rng.random(n) < 0.05, rng.integers(1, 4, n), rating).astype(
        np.int64
    )
    return out


def _process_and_workplace(rng: np.random.Generator, n: int, not_employed: np.ndarray) -> Columns:
    """Weekday and hour of the application, the region/city mismatch flags, the organisation (XNA if none)."""
    cols: Columns = {}
    cols["WEEKDAY_APPR_PROCESS_START"] = draws.categorical(
        rng, _NAME, "WEEKDAY_APPR_PROCESS_START", n, APP_SHARES["WEEKDAY_APPR_PROCESS_START"]
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
    org_levels = schema.table(_NAME).column("ORGANIZATION_TYPE").levels
    org_shares = np.asarray(APP_SHARES["ORGANIZATION_TYPE"])
    org_shares[org_levels.index("XNA")] = 0.0
    org = rng.choice(len(org_levels), n, p=org_shares / org_shares.sum())
    cols["ORGANIZATION_TYPE"] = draws.codes_to_cat(
        _NAME, "ORGANIZATION_TYPE", np.where(not_employed, org_levels.index("XNA"), org)
    )
    return cols


def _external_scores(rng: np.random.Generator, u_app: np.ndarray, age: np.ndarray) -> Columns:
    """EXT_SOURCE_1..3: noisy views of `u_app` (the first also sees age), each missing at its real rate."""
    n = u_app.size
    cols: Columns = {}
    ext1 = draws.sigmoid(0.95 * u_app + 0.02 * (age - 43) + 0.5 * rng.standard_normal(n))
    ext2 = draws.sigmoid(0.3 + 0.85 * u_app + 0.45 * rng.standard_normal(n)) * 0.855
    ext3 = draws.sigmoid(0.2 + 0.9 * u_app + 0.45 * rng.standard_normal(n)) * 0.896
    for col, values in (("EXT_SOURCE_1", ext1), ("EXT_SOURCE_2", ext2), ("EXT_SOURCE_3", ext3)):
        values = np.clip(values, 0.0006, 0.963)
        cols[col] = np.where(rng.random(n) < EXT_SOURCE_NAN[col], np.nan, values)
    return cols


def _phone_change_and_documents(rng: np.random.Generator, n: int) -> Columns:
    """DAYS_LAST_PHONE_CHANGE (12 % changed today) and FLAG_DOCUMENT_2..21 at their real rates."""
    cols: Columns = {}
    phone = -np.round(rng.exponential(960, n)).clip(0, 4292) + 0.0
    phone[rng.random(n) < 0.12] = 0.0
    phone[rng.random(n) < 3e-6] = np.nan
    cols["DAYS_LAST_PHONE_CHANGE"] = phone
    for k, share in zip(range(2, 22), DOCUMENT_RATES, strict=True):
        cols[f"FLAG_DOCUMENT_{k}"] = (rng.random(n) < share).astype(np.int64)
    return cols


def building_block(rng: np.random.Generator, n: int) -> dict[str, object]:
    """Building columns: AVG/MODE/MEDI of one feature missing together, missingness nested across features."""
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
        cat = draws.categorical(rng, _NAME, col, n, APP_SHARES[col])
        cols[col] = pd.Categorical.from_codes(
            np.where(u < BUILDING_NAN[col], -1, cat.codes), categories=cat.categories
        )
    total = np.round(np.clip(0.0688 * size * rng.lognormal(0, 0.3, n), 0.0001, 1), 4)
    cols["TOTALAREA_MODE"] = np.where(u < BUILDING_NAN["TOTALAREA_MODE"], np.nan, total)
    for col in ("WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE"):
        cat = draws.categorical(rng, _NAME, col, n, APP_SHARES[col])
        cols[col] = pd.Categorical.from_codes(
            np.where(u < BUILDING_NAN[col], -1, cat.codes), categories=cat.categories
        )
    order = [c for c in schema.table(_NAME).column_names if c in cols]
    return {c: cols[c] for c in order}


def social_circle(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
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


def credit_bureau_requests(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
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

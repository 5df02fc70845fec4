"""Real-data shares the generator reproduces (from SPEC §1.2, §1.6 and §6, in the schema's level order).

Tiny counts are written as count / rows so they survive at every scale.
"""

from __future__ import annotations

from custom_model import schema

#: Share of train applications with TARGET = 1 in the real data (SPEC §1.2).
TARGET_RATE = 0.0807
N_TRAIN = schema.REAL_ROW_COUNTS[schema.APPLICATION_TRAIN]
N_BUREAU = schema.REAL_ROW_COUNTS[schema.BUREAU]

APP_SHARES: dict[str, tuple[float, ...]] = {
    "CODE_GENDER": (65.83, 34.16, 4 / N_TRAIN * 100),
    "FLAG_OWN_CAR": (65.99, 34.01),
    "FLAG_OWN_REALTY": (69.37, 30.63),
    "NAME_TYPE_SUITE": (80.82, 13.06, 3.70, 1.06, 0.58, 0.28, 0.09),
    "NAME_INCOME_TYPE": (51.63, 23.29, 18.00, 7.06, 22 / N_TRAIN * 100, 0.0059, 0.0033, 0.0016),
    "NAME_EDUCATION_TYPE": (71.02, 24.34, 3.34, 1.24, 0.05),
    "NAME_FAMILY_STATUS": (63.88, 14.78, 9.68, 6.43, 5.23, 2 / N_TRAIN * 100),
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
    "CREDIT_ACTIVE": (62.88, 36.74, 0.38, 21 / N_BUREAU * 100),
    "CREDIT_CURRENCY": (99.92, 0.07, 0.01, 10 / N_BUREAU * 100),
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

#: The history window of the real files: 8 years of days, 96 months.
WINDOW_DAYS = 2922
WINDOW_MONTHS = 96

"""Plain-word labels for model features, so loan officers read "Annuity / credit amount", not PAYMENT_RATE.

The wording is ours (hand-written for the main columns); aggregates are named systematically from the
`<TABLE>_<COLUMN>_<STAT>` convention of the feature code, e.g. BURO_DAYS_CREDIT_MEAN →
"Credit bureau: days since credit opened (mean over credits)". Unknown names fall back to a readable form of
the name itself, never to an error: a label is a courtesy, not part of the score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from custom_model import schema

#: Main raw columns of the application and history tables, in our own words.
COLUMN_LABELS: dict[str, str] = {
    # application
    "NAME_CONTRACT_TYPE": "Contract type",
    "CODE_GENDER": "Gender",
    "FLAG_OWN_CAR": "Owns a car",
    "FLAG_OWN_REALTY": "Owns a home",
    "CNT_CHILDREN": "Number of children",
    "AMT_INCOME_TOTAL": "Annual income",
    "AMT_CREDIT": "Credit amount",
    "AMT_ANNUITY": "Loan annuity",
    "AMT_GOODS_PRICE": "Price of the goods financed",
    "NAME_TYPE_SUITE": "Accompanied by",
    "NAME_INCOME_TYPE": "Income type",
    "NAME_EDUCATION_TYPE": "Education",
    "NAME_FAMILY_STATUS": "Family status",
    "NAME_HOUSING_TYPE": "Housing",
    "REGION_POPULATION_RELATIVE": "Population density of the region",
    "DAYS_BIRTH": "Age (days before application)",
    "DAYS_EMPLOYED": "Time in current job (days before application)",
    "DAYS_REGISTRATION": "Days since registration changed",
    "DAYS_ID_PUBLISH": "Days since identity document changed",
    "OWN_CAR_AGE": "Age of own car",
    "FLAG_MOBIL": "Gave a mobile phone",
    "FLAG_EMP_PHONE": "Gave a work phone",
    "FLAG_WORK_PHONE": "Gave a home phone",
    "FLAG_CONT_MOBILE": "Mobile phone reachable",
    "FLAG_PHONE": "Gave a landline",
    "FLAG_EMAIL": "Gave an e-mail",
    "OCCUPATION_TYPE": "Occupation",
    "CNT_FAM_MEMBERS": "Family size",
    "REGION_RATING_CLIENT": "Region rating",
    "REGION_RATING_CLIENT_W_CITY": "Region rating (with city)",
    "WEEKDAY_APPR_PROCESS_START": "Weekday of application",
    "HOUR_APPR_PROCESS_START": "Hour of application",
    "REG_REGION_NOT_LIVE_REGION": "Lives outside the registered region",
    "REG_REGION_NOT_WORK_REGION": "Works outside the registered region",
    "LIVE_REGION_NOT_WORK_REGION": "Works outside the home region",
    "REG_CITY_NOT_LIVE_CITY": "Lives outside the registered city",
    "REG_CITY_NOT_WORK_CITY": "Works outside the registered city",
    "LIVE_CITY_NOT_WORK_CITY": "Works outside the home city",
    "ORGANIZATION_TYPE": "Employer sector",
    "EXT_SOURCE_1": "External score 1",
    "EXT_SOURCE_2": "External score 2",
    "EXT_SOURCE_3": "External score 3",
    "TOTALAREA_MODE": "Building: total area",
    "FONDKAPREMONT_MODE": "Building: repair fund",
    "HOUSETYPE_MODE": "Building: house type",
    "WALLSMATERIAL_MODE": "Building: wall material",
    "EMERGENCYSTATE_MODE": "Building: emergency state",
    "OBS_30_CNT_SOCIAL_CIRCLE": "Acquaintances observed 30 days past due",
    "DEF_30_CNT_SOCIAL_CIRCLE": "Acquaintances defaulted 30 days past due",
    "OBS_60_CNT_SOCIAL_CIRCLE": "Acquaintances observed 60 days past due",
    "DEF_60_CNT_SOCIAL_CIRCLE": "Acquaintances defaulted 60 days past due",
    "DAYS_LAST_PHONE_CHANGE": "Days since phone changed",
    "AMT_REQ_CREDIT_BUREAU_HOUR": "Credit bureau enquiries in the last hour",
    "AMT_REQ_CREDIT_BUREAU_DAY": "Credit bureau enquiries in the last day",
    "AMT_REQ_CREDIT_BUREAU_WEEK": "Credit bureau enquiries in the last week",
    "AMT_REQ_CREDIT_BUREAU_MON": "Credit bureau enquiries in the last month",
    "AMT_REQ_CREDIT_BUREAU_QRT": "Credit bureau enquiries in the last quarter",
    "AMT_REQ_CREDIT_BUREAU_YEAR": "Credit bureau enquiries in the last year",
    # ratios of the application features
    "DAYS_EMPLOYED_PERC": "Share of life in current job",
    "INCOME_CREDIT_PERC": "Income / credit amount",
    "INCOME_PER_PERSON": "Income per family member",
    "ANNUITY_INCOME_PERC": "Annuity / income",
    "PAYMENT_RATE": "Annuity / credit amount",
    "CREDIT_TO_GOODS_RATIO": "Credit amount / price of the goods",
    "CREDIT_TO_ANNUITY_RATIO": "Credit amount / annuity (loan length)",
    "EXT_SOURCES_MEAN": "External scores: mean",
    "EXT_SOURCES_STD": "External scores: spread",
    "EXT_SOURCES_PROD": "External scores: product",
    "EXT_SOURCES_MIN": "External scores: lowest",
    "EXT_SOURCES_MAX": "External scores: highest",
    "DOCUMENT_COUNT": "Number of documents provided",
    # bureau and bureau_balance
    "DAYS_CREDIT": "days since credit opened",
    "CREDIT_DAY_OVERDUE": "days overdue",
    "DAYS_CREDIT_ENDDATE": "days until planned end",
    "DAYS_ENDDATE_FACT": "days since credit closed",
    "AMT_CREDIT_MAX_OVERDUE": "largest overdue amount",
    "CNT_CREDIT_PROLONG": "number of prolongations",
    "AMT_CREDIT_SUM": "credit amount",
    "AMT_CREDIT_SUM_DEBT": "remaining debt",
    "AMT_CREDIT_SUM_LIMIT": "credit card limit",
    "AMT_CREDIT_SUM_OVERDUE": "amount overdue",
    "DAYS_CREDIT_UPDATE": "days since last update",
    "CREDIT_ACTIVE": "credit status",
    "CREDIT_CURRENCY": "currency",
    "CREDIT_TYPE": "credit type",
    "MONTHS_BALANCE": "months of history",
    "STATUS": "monthly status",
    # previous applications
    "AMT_APPLICATION": "amount asked",
    "AMT_DOWN_PAYMENT": "down payment",
    "RATE_DOWN_PAYMENT": "down payment rate",
    "DAYS_DECISION": "days since decision",
    "CNT_PAYMENT": "number of payments",
    "APP_CREDIT_PERC": "amount asked / amount granted",
    "NAME_CONTRACT_STATUS": "contract status",
    "NAME_CASH_LOAN_PURPOSE": "loan purpose",
    "NAME_PAYMENT_TYPE": "payment method",
    "CODE_REJECT_REASON": "reason for refusal",
    "NAME_CLIENT_TYPE": "client type",
    "NAME_GOODS_CATEGORY": "goods category",
    "NAME_PORTFOLIO": "portfolio",
    "NAME_PRODUCT_TYPE": "product type",
    "CHANNEL_TYPE": "sales channel",
    "NAME_SELLER_INDUSTRY": "seller industry",
    "NAME_YIELD_GROUP": "interest rate group",
    "PRODUCT_COMBINATION": "product combination",
    # POS, installments, credit card
    "SK_DPD": "days past due",
    "SK_DPD_DEF": "days past due (material debts)",
    "CNT_INSTALMENT": "number of instalments",
    "CNT_INSTALMENT_FUTURE": "instalments left",
    "NUM_INSTALMENT_VERSION": "payment plan versions",
    "DPD": "days paid late",
    "DBD": "days paid early",
    "PAYMENT_PERC": "share of instalment paid",
    "PAYMENT_DIFF": "instalment minus payment",
    "LATE": "share paid late",
    "LATE_5": "paid more than 5 days late",
    "LATE_30": "paid more than 30 days late",
    "UNDERPAID": "paid less than 95 % of the instalment",
    "UNPAID": "instalments never paid",
    "MONTHS_SINCE_LATE": "months since a month paid late",
    "STATUS_LATE_MEAN": "share of months paid late",
    # cross-table ratios (custom_model.features.cross)
    "BURO_DEBT_TO_INCOME": "Credit bureau: total debt / income",
    "ACTIVE_DEBT_TO_INCOME": "Credit bureau, active credits: debt / income",
    "ACTIVE_DEBT_TO_CREDIT": "Credit bureau, active credits: debt / credit asked for",
    "BURO_OVERDUE_TO_INCOME": "Credit bureau: mean amount overdue / income",
    "ACTIVE_ANNUITY_TO_INCOME": "Credit bureau, active credits: mean annuity / income",
    "PREV_ANNUITY_TO_ANNUITY": "Previous applications: mean annuity / this annuity",
    "PREV_CREDIT_TO_CREDIT": "Previous applications: mean credit / this credit",
    "INSTAL_INSTALMENT_TO_ANNUITY": "Instalment payments: mean instalment / this annuity",
    "INSTAL_UNPAID_LAST365D_TO_INCOME": "Instalment payments: unpaid in the last 365 days / income",
    "CC_BALANCE_TO_INCOME": "Credit card: mean balance / income",
    "AMT_INSTALMENT": "instalment due",
    "AMT_PAYMENT": "amount paid",
    "DAYS_ENTRY_PAYMENT": "days since payment",
    "AMT_BALANCE": "balance",
    "AMT_CREDIT_LIMIT_ACTUAL": "credit limit",
    "AMT_DRAWINGS_CURRENT": "amount drawn",
    "AMT_DRAWINGS_ATM_CURRENT": "amount drawn at cash machines",
    "AMT_DRAWINGS_POS_CURRENT": "amount spent in shops",
    "AMT_DRAWINGS_OTHER_CURRENT": "other amounts drawn",
    "AMT_INST_MIN_REGULARITY": "minimum instalment",
    "AMT_PAYMENT_CURRENT": "amount paid in the month",
    "AMT_PAYMENT_TOTAL_CURRENT": "total paid in the month",
    "AMT_RECEIVABLE_PRINCIPAL": "principal receivable",
    "AMT_RECIVABLE": "amount receivable",
    "AMT_TOTAL_RECEIVABLE": "total receivable",
    "CNT_DRAWINGS_CURRENT": "number of drawings",
    "CNT_DRAWINGS_ATM_CURRENT": "number of cash machine drawings",
    "CNT_DRAWINGS_POS_CURRENT": "number of shop payments",
    "CNT_DRAWINGS_OTHER_CURRENT": "number of other drawings",
    "CNT_INSTALMENT_MATURE_CUM": "instalments paid so far",
}

#: Feature-name prefix of each history block → what the aggregate is taken over.
PREFIX_LABELS: dict[str, tuple[str, str]] = {
    "BURO": ("Credit bureau", "credits"),
    "ACTIVE": ("Credit bureau, active credits", "credits"),
    "CLOSED": ("Credit bureau, closed credits", "credits"),
    "PREV": ("Previous applications", "applications"),
    "APPROVED": ("Previous applications, approved", "applications"),
    "REFUSED": ("Previous applications, refused", "applications"),
    "POS": ("Point-of-sale and cash loans", "months"),
    "INSTAL": ("Instalment payments", "payments"),
    "CC": ("Credit card", "months"),
}

#: Text columns of every table: their one-hot dummies are labelled "<column>: <level>".
_CATEGORICAL_COLUMNS: frozenset[str] = frozenset(
    col.name for tbl in schema.TABLES.values() for col in tbl.categorical()
)

_STAT_LABELS: dict[str, str] = {
    "MEAN": "mean",
    "MIN": "lowest",
    "MAX": "highest",
    "SUM": "total",
    "VAR": "variance",
    "STD": "spread",
    "SIZE": "count",
    "COUNT": "count",
    "NUNIQUE": "number of distinct values",
    "MEDIAN": "median",
    "LAST": "most recent",
    "FIRST": "oldest",
    "TREND": "trend per year",
}

#: A recent window after the prefix: LAST365D_ (days), LAST12M_ (months), LAST10_ (the last rows).
_WINDOW = re.compile(r"LAST(\d+)(D|M)?_(.+)")


def _humanize(name: str) -> str:
    """Readable fallback for a name we have no words for."""
    text = re.sub(r"_+", " ", name).strip().lower()
    return text[:1].upper() + text[1:] if text else name


def _category_label(name: str) -> str | None:
    """Label a one-hot dummy `<CATEGORICAL>_<level>` as "<column label>: <level>"."""
    for column in sorted(_CATEGORICAL_COLUMNS, key=len, reverse=True):
        if name.startswith(column + "_") and len(name) > len(column) + 1:
            level = name[len(column) + 1 :].replace("_", " ")
            return f"{COLUMN_LABELS.get(column, _humanize(column))}: {level}"
    return None


def _base_label(name: str) -> str:
    """Label a column or dummy name without prefix or statistic."""
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    return _category_label(name) or _humanize(name)


def _aggregate_label(name: str) -> str | None:
    """Label `<PREFIX>_<COLUMN>_<STAT>` (history aggregates); None when the name does not follow it."""
    prefix, _, rest = name.partition("_")
    if prefix not in PREFIX_LABELS or not rest:
        return None
    block, unit = PREFIX_LABELS[prefix]
    if (window := _WINDOW.fullmatch(rest)) is not None:
        n, period, rest = window.groups()
        span = {"D": f"the last {n} days", "M": f"the last {n} months", None: f"the last {n} {unit}"}[period]
        block = f"{block}, {span}"
    if rest == "COUNT":
        return f"{block}: number of {unit}"
    column, _, stat = rest.rpartition("_")
    if not column or stat not in _STAT_LABELS:
        return f"{block}: {_base_label(rest).lower()}"
    inner = _aggregate_label_inner(column)
    return f"{block}: {inner} ({_STAT_LABELS[stat]} over {unit})"


def _aggregate_label_inner(column: str) -> str:
    """Label the column part of an aggregate, itself possibly a per-credit statistic (STATUS_1_MEAN)."""
    if column in COLUMN_LABELS:
        return _lower_first(COLUMN_LABELS[column])
    head, _, stat = column.rpartition("_")
    if head and stat in _STAT_LABELS:
        if head in COLUMN_LABELS:
            return f"{_lower_first(COLUMN_LABELS[head])}, {_STAT_LABELS[stat]}"
        if (category := _category_label(head)) is not None:
            return f"share with {_lower_first(category)}"
    if (category := _category_label(column)) is not None:
        return f"share with {_lower_first(category)}"
    return _humanize(column).lower()


def _lower_first(text: str) -> str:
    """Lower-case the first letter, to embed a label in a sentence."""
    return text[:1].lower() + text[1:]


@lru_cache(maxsize=8192)
def feature_label(name: str) -> str:
    """Return plain words for a feature name (hand-written for main columns, systematic for aggregates).

    Also accepts the preprocessor's readable dummy names, "<COLUMN> = <level>".
    """
    column, equals, level = name.partition(" = ")
    if equals:
        return f"{feature_label(column)}: {level}"
    label = COLUMN_LABELS.get(name) or _aggregate_label(name) or _base_label(name)
    return label[:1].upper() + label[1:]


def model_feature_labels(feature_names: Sequence[str], readable: Mapping[str, str]) -> list[str]:
    """Labels of the model's input columns (sanitised names), through the preprocessor's readable names.

    The one wording used by the training artifacts (global importance), the served explanations and the
    client: a one-hot column reads "<label of its column>: <level>".
    """
    return [feature_label(readable.get(name, name)) for name in feature_names]

"""The seven Home Credit tables, declared once: columns in file order, dtypes, kinds, keys, category levels.

The loader validates files against this, the synthetic generator writes exactly these columns, the
feature code reads category levels from here and the tests compare generated headers to it. Column order,
names and dtypes are those of the real Kaggle files (pandas defaults on the full data); category levels are
listed by decreasing share in the real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dtype = Literal["int64", "float64", "object"]
Kind = Literal["id", "target", "cat", "flag", "ordinal", "int", "float"]

ID_CURR = "SK_ID_CURR"
ID_BUREAU = "SK_ID_BUREAU"
ID_PREV = "SK_ID_PREV"
TARGET = "TARGET"
ID_COLUMNS: tuple[str, ...] = (ID_CURR, ID_BUREAU, ID_PREV)

#: "No date" / "not employed" sentinel of the source data (about 1000 years in days).
DAYS_SENTINEL = 365243

APPLICATION_TRAIN = "application_train"
APPLICATION_TEST = "application_test"
BUREAU = "bureau"
BUREAU_BALANCE = "bureau_balance"
PREVIOUS_APPLICATION = "previous_application"
POS_CASH_BALANCE = "POS_CASH_balance"
INSTALLMENTS_PAYMENTS = "installments_payments"
CREDIT_CARD_BALANCE = "credit_card_balance"


@dataclass(frozen=True)
class Column:
    """One column of a source table."""

    name: str
    dtype: Dtype
    kind: Kind
    levels: tuple[str, ...] = ()

    @property
    def is_numeric(self) -> bool:
        """Whether the column holds numbers (ids, flags and the target included)."""
        return self.dtype != "object"


@dataclass(frozen=True)
class Table:
    """One source table: its file name, columns in file order and the keys that link it."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    parent_key: str | None
    required: bool

    @property
    def filename(self) -> str:
        """Name of the CSV file in the Kaggle / OpenClassrooms distribution."""
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in file order."""
        return tuple(c.name for c in self.columns)

    @property
    def dtypes(self) -> dict[str, str]:
        """pandas dtype of each column as read from the real files."""
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> Column:
        """Return the declared column ``name``; KeyError naming the table when absent."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.filename} has no column {name!r}")

    def categorical(self) -> tuple[Column, ...]:
        """Columns holding text categories."""
        return tuple(c for c in self.columns if c.kind == "cat")


def _cat(name: str, levels: tuple[str, ...]) -> Column:
    return Column(name, "object", "cat", levels)


_APPLICATION_TRAIN = (
    Column("SK_ID_CURR", "int64", "id"),
    Column("TARGET", "int64", "target"),
    _cat("NAME_CONTRACT_TYPE", ("Cash loans", "Revolving loans")),
    _cat("CODE_GENDER", ("F", "M", "XNA")),
    _cat("FLAG_OWN_CAR", ("N", "Y")),
    _cat("FLAG_OWN_REALTY", ("Y", "N")),
    Column("CNT_CHILDREN", "int64", "int"),
    Column("AMT_INCOME_TOTAL", "float64", "float"),
    Column("AMT_CREDIT", "float64", "float"),
    Column("AMT_ANNUITY", "float64", "float"),
    Column("AMT_GOODS_PRICE", "float64", "float"),
    _cat(
        "NAME_TYPE_SUITE",
        (
            "Unaccompanied",
            "Family",
            "Spouse, partner",
            "Children",
            "Other_B",
            "Other_A",
            "Group of people",
        ),
    ),
    _cat(
        "NAME_INCOME_TYPE",
        (
            "Working",
            "Commercial associate",
            "Pensioner",
            "State servant",
            "Unemployed",
            "Student",
            "Businessman",
            "Maternity leave",
        ),
    ),
    _cat(
        "NAME_EDUCATION_TYPE",
        (
            "Secondary / secondary special",
            "Higher education",
            "Incomplete higher",
            "Lower secondary",
            "Academic degree",
        ),
    ),
    _cat(
        "NAME_FAMILY_STATUS",
        (
            "Married",
            "Single / not married",
            "Civil marriage",
            "Separated",
            "Widow",
            "Unknown",
        ),
    ),
    _cat(
        "NAME_HOUSING_TYPE",
        (
            "House / apartment",
            "With parents",
            "Municipal apartment",
            "Rented apartment",
            "Office apartment",
            "Co-op apartment",
        ),
    ),
    Column("REGION_POPULATION_RELATIVE", "float64", "float"),
    Column("DAYS_BIRTH", "int64", "int"),
    Column("DAYS_EMPLOYED", "int64", "int"),
    Column("DAYS_REGISTRATION", "float64", "float"),
    Column("DAYS_ID_PUBLISH", "int64", "int"),
    Column("OWN_CAR_AGE", "float64", "float"),
    Column("FLAG_MOBIL", "int64", "flag"),
    Column("FLAG_EMP_PHONE", "int64", "flag"),
    Column("FLAG_WORK_PHONE", "int64", "flag"),
    Column("FLAG_CONT_MOBILE", "int64", "flag"),
    Column("FLAG_PHONE", "int64", "flag"),
    Column("FLAG_EMAIL", "int64", "flag"),
    _cat(
        "OCCUPATION_TYPE",
        (
            "Laborers",
            "Sales staff",
            "Core staff",
            "Managers",
            "Drivers",
            "High skill tech staff",
            "Accountants",
            "Medicine staff",
            "Security staff",
            "Cooking staff",
            "Cleaning staff",
            "Private service staff",
            "Low-skill Laborers",
            "Waiters/barmen staff",
            "Secretaries",
            "Realty agents",
            "HR staff",
            "IT staff",
        ),
    ),
    Column("CNT_FAM_MEMBERS", "float64", "float"),
    Column("REGION_RATING_CLIENT", "int64", "ordinal"),
    Column("REGION_RATING_CLIENT_W_CITY", "int64", "ordinal"),
    _cat(
        "WEEKDAY_APPR_PROCESS_START",
        ("TUESDAY", "WEDNESDAY", "MONDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"),
    ),
    Column("HOUR_APPR_PROCESS_START", "int64", "int"),
    Column("REG_REGION_NOT_LIVE_REGION", "int64", "flag"),
    Column("REG_REGION_NOT_WORK_REGION", "int64", "flag"),
    Column("LIVE_REGION_NOT_WORK_REGION", "int64", "flag"),
    Column("REG_CITY_NOT_LIVE_CITY", "int64", "flag"),
    Column("REG_CITY_NOT_WORK_CITY", "int64", "flag"),
    Column("LIVE_CITY_NOT_WORK_CITY", "int64", "flag"),
    _cat(
        "ORGANIZATION_TYPE",
        (
            "Business Entity Type 3",
            "XNA",
            "Self-employed",
            "Other",
            "Medicine",
            "Business Entity Type 2",
            "Government",
            "School",
            "Trade: type 7",
            "Kindergarten",
            "Construction",
            "Business Entity Type 1",
            "Transport: type 4",
            "Trade: type 3",
            "Industry: type 9",
            "Industry: type 3",
            "Security",
            "Housing",
            "Industry: type 11",
            "Military",
            "Bank",
            "Agriculture",
            "Police",
            "Transport: type 2",
            "Postal",
            "Security Ministries",
            "Trade: type 2",
            "Restaurant",
            "Services",
            "University",
            "Industry: type 7",
            "Transport: type 3",
            "Industry: type 1",
            "Hotel",
            "Electricity",
            "Industry: type 4",
            "Trade: type 6",
            "Industry: type 5",
            "Insurance",
            "Telecom",
            "Emergency",
            "Industry: type 2",
            "Advertising",
            "Realtor",
            "Culture",
            "Industry: type 12",
            "Trade: type 1",
            "Mobile",
            "Legal Services",
            "Cleaning",
            "Transport: type 1",
            "Industry: type 6",
            "Industry: type 10",
            "Religion",
            "Industry: type 13",
            "Trade: type 4",
            "Trade: type 5",
            "Industry: type 8",
        ),
    ),
    Column("EXT_SOURCE_1", "float64", "float"),
    Column("EXT_SOURCE_2", "float64", "float"),
    Column("EXT_SOURCE_3", "float64", "float"),
    Column("APARTMENTS_AVG", "float64", "float"),
    Column("BASEMENTAREA_AVG", "float64", "float"),
    Column("YEARS_BEGINEXPLUATATION_AVG", "float64", "float"),
    Column("YEARS_BUILD_AVG", "float64", "float"),
    Column("COMMONAREA_AVG", "float64", "float"),
    Column("ELEVATORS_AVG", "float64", "float"),
    Column("ENTRANCES_AVG", "float64", "float"),
    Column("FLOORSMAX_AVG", "float64", "float"),
    Column("FLOORSMIN_AVG", "float64", "float"),
    Column("LANDAREA_AVG", "float64", "float"),
    Column("LIVINGAPARTMENTS_AVG", "float64", "float"),
    Column("LIVINGAREA_AVG", "float64", "float"),
    Column("NONLIVINGAPARTMENTS_AVG", "float64", "float"),
    Column("NONLIVINGAREA_AVG", "float64", "float"),
    Column("APARTMENTS_MODE", "float64", "float"),
    Column("BASEMENTAREA_MODE", "float64", "float"),
    Column("YEARS_BEGINEXPLUATATION_MODE", "float64", "float"),
    Column("YEARS_BUILD_MODE", "float64", "float"),
    Column("COMMONAREA_MODE", "float64", "float"),
    Column("ELEVATORS_MODE", "float64", "float"),
    Column("ENTRANCES_MODE", "float64", "float"),
    Column("FLOORSMAX_MODE", "float64", "float"),
    Column("FLOORSMIN_MODE", "float64", "float"),
    Column("LANDAREA_MODE", "float64", "float"),
    Column("LIVINGAPARTMENTS_MODE", "float64", "float"),
    Column("LIVINGAREA_MODE", "float64", "float"),
    Column("NONLIVINGAPARTMENTS_MODE", "float64", "float"),
    Column("NONLIVINGAREA_MODE", "float64", "float"),
    Column("APARTMENTS_MEDI", "float64", "float"),
    Column("BASEMENTAREA_MEDI", "float64", "float"),
    Column("YEARS_BEGINEXPLUATATION_MEDI", "float64", "float"),
    Column("YEARS_BUILD_MEDI", "float64", "float"),
    Column("COMMONAREA_MEDI", "float64", "float"),
    Column("ELEVATORS_MEDI", "float64", "float"),
    Column("ENTRANCES_MEDI", "float64", "float"),
    Column("FLOORSMAX_MEDI", "float64", "float"),
    Column("FLOORSMIN_MEDI", "float64", "float"),
    Column("LANDAREA_MEDI", "float64", "float"),
    Column("LIVINGAPARTMENTS_MEDI", "float64", "float"),
    Column("LIVINGAREA_MEDI", "float64", "float"),
    Column("NONLIVINGAPARTMENTS_MEDI", "float64", "float"),
    Column("NONLIVINGAREA_MEDI", "float64", "float"),
    _cat(
        "FONDKAPREMONT_MODE",
        (
            "reg oper account",
            "reg oper spec account",
            "not specified",
            "org spec account",
        ),
    ),
    _cat("HOUSETYPE_MODE", ("block of flats", "specific housing", "terraced house")),
    Column("TOTALAREA_MODE", "float64", "float"),
    _cat(
        "WALLSMATERIAL_MODE",
        ("Panel", "Stone, brick", "Block", "Wooden", "Mixed", "Monolithic", "Others"),
    ),
    _cat("EMERGENCYSTATE_MODE", ("No", "Yes")),
    Column("OBS_30_CNT_SOCIAL_CIRCLE", "float64", "float"),
    Column("DEF_30_CNT_SOCIAL_CIRCLE", "float64", "float"),
    Column("OBS_60_CNT_SOCIAL_CIRCLE", "float64", "float"),
    Column("DEF_60_CNT_SOCIAL_CIRCLE", "float64", "float"),
    Column("DAYS_LAST_PHONE_CHANGE", "float64", "float"),
    Column("FLAG_DOCUMENT_2", "int64", "flag"),
    Column("FLAG_DOCUMENT_3", "int64", "flag"),
    Column("FLAG_DOCUMENT_4", "int64", "flag"),
    Column("FLAG_DOCUMENT_5", "int64", "flag"),
    Column("FLAG_DOCUMENT_6", "int64", "flag"),
    Column("FLAG_DOCUMENT_7", "int64", "flag"),
    Column("FLAG_DOCUMENT_8", "int64", "flag"),
    Column("FLAG_DOCUMENT_9", "int64", "flag"),
    Column("FLAG_DOCUMENT_10", "int64", "flag"),
    Column("FLAG_DOCUMENT_11", "int64", "flag"),
    Column("FLAG_DOCUMENT_12", "int64", "flag"),
    Column("FLAG_DOCUMENT_13", "int64", "flag"),
    Column("FLAG_DOCUMENT_14", "int64", "flag"),
    Column("FLAG_DOCUMENT_15", "int64", "flag"),
    Column("FLAG_DOCUMENT_16", "int64", "flag"),
    Column("FLAG_DOCUMENT_17", "int64", "flag"),
    Column("FLAG_DOCUMENT_18", "int64", "flag"),
    Column("FLAG_DOCUMENT_19", "int64", "flag"),
    Column("FLAG_DOCUMENT_20", "int64", "flag"),
    Column("FLAG_DOCUMENT_21", "int64", "flag"),
    Column("AMT_REQ_CREDIT_BUREAU_HOUR", "float64", "float"),
    Column("AMT_REQ_CREDIT_BUREAU_DAY", "float64", "float"),
    Column("AMT_REQ_CREDIT_BUREAU_WEEK", "float64", "float"),
    Column("AMT_REQ_CREDIT_BUREAU_MON", "float64", "float"),
    Column("AMT_REQ_CREDIT_BUREAU_QRT", "float64", "float"),
    Column("AMT_REQ_CREDIT_BUREAU_YEAR", "float64", "float"),
)
_BUREAU = (
    Column("SK_ID_CURR", "int64", "id"),
    Column("SK_ID_BUREAU", "int64", "id"),
    _cat("CREDIT_ACTIVE", ("Closed", "Active", "Sold", "Bad debt")),
    _cat("CREDIT_CURRENCY", ("currency 1", "currency 2", "currency 3", "currency 4")),
    Column("DAYS_CREDIT", "int64", "int"),
    Column("CREDIT_DAY_OVERDUE", "int64", "int"),
    Column("DAYS_CREDIT_ENDDATE", "float64", "float"),
    Column("DAYS_ENDDATE_FACT", "float64", "float"),
    Column("AMT_CREDIT_MAX_OVERDUE", "float64", "float"),
    Column("CNT_CREDIT_PROLONG", "int64", "int"),
    Column("AMT_CREDIT_SUM", "float64", "float"),
    Column("AMT_CREDIT_SUM_DEBT", "float64", "float"),
    Column("AMT_CREDIT_SUM_LIMIT", "float64", "float"),
    Column("AMT_CREDIT_SUM_OVERDUE", "float64", "float"),
    _cat(
        "CREDIT_TYPE",
        (
            "Consumer credit",
            "Credit card",
            "Car loan",
            "Mortgage",
            "Microloan",
            "Loan for business development",
            "Another type of loan",
            "Unknown type of loan",
            "Loan for working capital replenishment",
            "Cash loan (non-earmarked)",
            "Real estate loan",
            "Loan for the purchase of equipment",
            "Loan for purchase of shares (margin lending)",
            "Mobile operator loan",
            "Interbank credit",
        ),
    ),
    Column("DAYS_CREDIT_UPDATE", "int64", "int"),
    Column("AMT_ANNUITY", "float64", "float"),
)
_BUREAU_BALANCE = (
    Column("SK_ID_BUREAU", "int64", "id"),
    Column("MONTHS_BALANCE", "int64", "int"),
    _cat("STATUS", ("C", "0", "X", "1", "5", "2", "3", "4")),
)
_PREVIOUS_APPLICATION = (
    Column("SK_ID_PREV", "int64", "id"),
    Column("SK_ID_CURR", "int64", "id"),
    _cat("NAME_CONTRACT_TYPE", ("Cash loans", "Consumer loans", "Revolving loans", "XNA")),
    Column("AMT_ANNUITY", "float64", "float"),
    Column("AMT_APPLICATION", "float64", "float"),
    Column("AMT_CREDIT", "float64", "float"),
    Column("AMT_DOWN_PAYMENT", "float64", "float"),
    Column("AMT_GOODS_PRICE", "float64", "float"),
    _cat(
        "WEEKDAY_APPR_PROCESS_START",
        ("TUESDAY", "WEDNESDAY", "MONDAY", "FRIDAY", "THURSDAY", "SATURDAY", "SUNDAY"),
    ),
    Column("HOUR_APPR_PROCESS_START", "int64", "int"),
    _cat("FLAG_LAST_APPL_PER_CONTRACT", ("Y", "N")),
    Column("NFLAG_LAST_APPL_IN_DAY", "int64", "flag"),
    Column("RATE_DOWN_PAYMENT", "float64", "float"),
    Column("RATE_INTEREST_PRIMARY", "float64", "float"),
    Column("RATE_INTEREST_PRIVILEGED", "float64", "float"),
    _cat(
        "NAME_CASH_LOAN_PURPOSE",
        (
            "XAP",
            "XNA",
            "Repairs",
            "Other",
            "Urgent needs",
            "Buying a used car",
            "Building a house or an annex",
            "Everyday expenses",
            "Medicine",
            "Payments on other loans",
            "Education",
            "Journey",
            "Purchase of electronic equipment",
            "Buying a new car",
            "Wedding / gift / holiday",
            "Buying a home",
            "Car repairs",
            "Furniture",
            "Buying a holiday home / land",
            "Business development",
            "Gasification / water supply",
            "Buying a garage",
            "Hobby",
            "Money for a third person",
            "Refusal to name the goal",
        ),
    ),
    _cat("NAME_CONTRACT_STATUS", ("Approved", "Canceled", "Refused", "Unused offer")),
    Column("DAYS_DECISION", "int64", "int"),
    _cat(
        "NAME_PAYMENT_TYPE",
        (
            "Cash through the bank",
            "XNA",
            "Non-cash from your account",
            "Cashless from the account of the employer",
        ),
    ),
    _cat(
        "CODE_REJECT_REASON",
        ("XAP", "HC", "LIMIT", "SCO", "CLIENT", "SCOFR", "XNA", "VERIF", "SYSTEM"),
    ),
    _cat(
        "NAME_TYPE_SUITE",
        (
            "Unaccompanied",
            "Family",
            "Spouse, partner",
            "Children",
            "Other_B",
            "Other_A",
            "Group of people",
        ),
    ),
    _cat("NAME_CLIENT_TYPE", ("Repeater", "New", "Refreshed", "XNA")),
    _cat(
        "NAME_GOODS_CATEGORY",
        (
            "XNA",
            "Mobile",
            "Consumer Electronics",
            "Computers",
            "Audio/Video",
            "Furniture",
            "Photo / Cinema Equipment",
            "Construction Materials",
            "Clothing and Accessories",
            "Auto Accessories",
            "Jewelry",
            "Homewares",
            "Medical Supplies",
            "Vehicles",
            "Sport and Leisure",
            "Gardening",
            "Other",
            "Office Appliances",
            "Tourism",
            "Medicine",
            "Direct Sales",
            "Fitness",
            "Additional Service",
            "Education",
            "Weapon",
            "Insurance",
            "House Construction",
            "Animals",
        ),
    ),
    _cat("NAME_PORTFOLIO", ("POS", "Cash", "XNA", "Cards", "Cars")),
    _cat("NAME_PRODUCT_TYPE", ("XNA", "x-sell", "walk-in")),
    _cat(
        "CHANNEL_TYPE",
        (
            "Credit and cash offices",
            "Country-wide",
            "Stone",
            "Regional / Local",
            "Contact center",
            "AP+ (Cash loan)",
            "Channel of corporate sales",
            "Car dealer",
        ),
    ),
    Column("SELLERPLACE_AREA", "int64", "int"),
    _cat(
        "NAME_SELLER_INDUSTRY",
        (
            "XNA",
            "Consumer electronics",
            "Connectivity",
            "Furniture",
            "Construction",
            "Clothing",
            "Industry",
            "Auto technology",
            "Jewelry",
            "MLM partners",
            "Tourism",
        ),
    ),
    Column("CNT_PAYMENT", "float64", "float"),
    _cat("NAME_YIELD_GROUP", ("XNA", "middle", "high", "low_normal", "low_action")),
    _cat(
        "PRODUCT_COMBINATION",
        (
            "Cash",
            "POS household with interest",
            "POS mobile with interest",
            "Cash X-Sell: middle",
            "Cash X-Sell: low",
            "Card Street",
            "POS industry with interest",
            "POS household without interest",
            "Card X-Sell",
            "Cash Street: high",
            "Cash X-Sell: high",
            "Cash Street: middle",
            "Cash Street: low",
            "POS mobile without interest",
            "POS other with interest",
            "POS industry without interest",
            "POS others without interest",
        ),
    ),
    Column("DAYS_FIRST_DRAWING", "float64", "float"),
    Column("DAYS_FIRST_DUE", "float64", "float"),
    Column("DAYS_LAST_DUE_1ST_VERSION", "float64", "float"),
    Column("DAYS_LAST_DUE", "float64", "float"),
    Column("DAYS_TERMINATION", "float64", "float"),
    Column("NFLAG_INSURED_ON_APPROVAL", "float64", "flag"),
)
_POS_CASH_BALANCE = (
    Column("SK_ID_PREV", "int64", "id"),
    Column("SK_ID_CURR", "int64", "id"),
    Column("MONTHS_BALANCE", "int64", "int"),
    Column("CNT_INSTALMENT", "float64", "float"),
    Column("CNT_INSTALMENT_FUTURE", "float64", "float"),
    _cat(
        "NAME_CONTRACT_STATUS",
        (
            "Active",
            "Completed",
            "Signed",
            "Demand",
            "Returned to the store",
            "Approved",
            "Amortized debt",
            "Canceled",
            "XNA",
        ),
    ),
    Column("SK_DPD", "int64", "int"),
    Column("SK_DPD_DEF", "int64", "int"),
)
_INSTALLMENTS_PAYMENTS = (
    Column("SK_ID_PREV", "int64", "id"),
    Column("SK_ID_CURR", "int64", "id"),
    Column("NUM_INSTALMENT_VERSION", "float64", "float"),
    Column("NUM_INSTALMENT_NUMBER", "int64", "int"),
    Column("DAYS_INSTALMENT", "float64", "float"),
    Column("DAYS_ENTRY_PAYMENT", "float64", "float"),
    Column("AMT_INSTALMENT", "float64", "float"),
    Column("AMT_PAYMENT", "float64", "float"),
)
_CREDIT_CARD_BALANCE = (
    Column("SK_ID_PREV", "int64", "id"),
    Column("SK_ID_CURR", "int64", "id"),
    Column("MONTHS_BALANCE", "int64", "int"),
    Column("AMT_BALANCE", "float64", "float"),
    Column("AMT_CREDIT_LIMIT_ACTUAL", "int64", "int"),
    Column("AMT_DRAWINGS_ATM_CURRENT", "float64", "float"),
    Column("AMT_DRAWINGS_CURRENT", "float64", "float"),
    Column("AMT_DRAWINGS_OTHER_CURRENT", "float64", "float"),
    Column("AMT_DRAWINGS_POS_CURRENT", "float64", "float"),
    Column("AMT_INST_MIN_REGULARITY", "float64", "float"),
    Column("AMT_PAYMENT_CURRENT", "float64", "float"),
    Column("AMT_PAYMENT_TOTAL_CURRENT", "float64", "float"),
    Column("AMT_RECEIVABLE_PRINCIPAL", "float64", "float"),
    Column("AMT_RECIVABLE", "float64", "float"),
    Column("AMT_TOTAL_RECEIVABLE", "float64", "float"),
    Column("CNT_DRAWINGS_ATM_CURRENT", "float64", "float"),
    Column("CNT_DRAWINGS_CURRENT", "int64", "int"),
    Column("CNT_DRAWINGS_OTHER_CURRENT", "float64", "float"),
    Column("CNT_DRAWINGS_POS_CURRENT", "float64", "float"),
    Column("CNT_INSTALMENT_MATURE_CUM", "float64", "float"),
    _cat(
        "NAME_CONTRACT_STATUS",
        (
            "Active",
            "Completed",
            "Signed",
            "Demand",
            "Sent proposal",
            "Refused",
            "Approved",
        ),
    ),
    Column("SK_DPD", "int64", "int"),
    Column("SK_DPD_DEF", "int64", "int"),
)

_APPLICATION_TEST = tuple(c for c in _APPLICATION_TRAIN if c.name != TARGET)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(APPLICATION_TRAIN, _APPLICATION_TRAIN, (ID_CURR,), None, True),
        Table(APPLICATION_TEST, _APPLICATION_TEST, (ID_CURR,), None, True),
        Table(BUREAU, _BUREAU, (ID_BUREAU,), ID_CURR, False),
        Table(
            BUREAU_BALANCE,
            _BUREAU_BALANCE,
            (ID_BUREAU, "MONTHS_BALANCE"),
            ID_BUREAU,
            False,
        ),
        Table(PREVIOUS_APPLICATION, _PREVIOUS_APPLICATION, (ID_PREV,), ID_CURR, False),
        Table(
            POS_CASH_BALANCE,
            _POS_CASH_BALANCE,
            (ID_PREV, "MONTHS_BALANCE"),
            ID_CURR,
            False,
        ),
        Table(
            INSTALLMENTS_PAYMENTS,
            _INSTALLMENTS_PAYMENTS,
            (ID_PREV, "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"),
            ID_CURR,
            False,
        ),
        Table(
            CREDIT_CARD_BALANCE,
            _CREDIT_CARD_BALANCE,
            (ID_PREV, "MONTHS_BALANCE"),
            ID_CURR,
            False,
        ),
    )
}

#: Tables in the order of the Kaggle distribution's documentation.
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
#: Child (history) tables: optional, a user with only the application files can still train.
CHILD_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if not t.required)

#: Real row counts (Kaggle full data); the synthetic generator at scale 1.0 reproduces them.
REAL_ROW_COUNTS: dict[str, int] = {
    APPLICATION_TRAIN: 307_511,
    APPLICATION_TEST: 48_744,
    BUREAU: 1_716_428,
    BUREAU_BALANCE: 27_299_925,
    PREVIOUS_APPLICATION: 1_670_214,
    POS_CASH_BALANCE: 10_001_358,
    INSTALLMENTS_PAYMENTS: 13_605_401,
    CREDIT_CARD_BALANCE: 3_840_312,
}


def table(name: str) -> Table:
    """Return the declared table ``name``; KeyError listing the known tables when absent."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; expected one of {', '.join(TABLES)}") from None

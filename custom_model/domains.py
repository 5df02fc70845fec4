"""Valid range or domain of every raw application field, declared once, and the per-row plausibility check.

The bounds come from the column dictionary (HomeCredit_columns_description.csv: "normalized" scores and
building features, days counted back from the application, 1/0 flags) and the real data (SPEC.md §6: full-data
ranges, category domains), widened to what is possible rather than what was seen, so that every real and
generated row passes (a test checks both). Category levels are those of `custom_model.schema`.

A served raw-fields row with a number outside its domain is not scored: the value is not a client the model
could have seen (a birth date in the future, an EXT_SOURCE of 5, a negative credit, 1.7e308 which the float32
model input would silently turn into "missing"). An unknown category level is only a warning: the model scores
the field as missing, the case it was trained on (OCCUPATION_TYPE is missing for 31 % of real clients), so the
score stays defined while the caller learns that the level was not understood.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from custom_model import schema

DAYS_PER_YEAR = 365.25
#: Applicants are adults; 100 years bounds every duration counted back from the application.
MIN_AGE_YEARS, MAX_AGE_YEARS = 18, 100
LIFETIME_DAYS = MAX_AGE_YEARS * DAYS_PER_YEAR
#: Ceiling of every AMT_ amount: 8.5 times the largest amount of the real data (one income of 117,000,000).
AMOUNT_CEILING = 1e9
#: Ceiling of counts of events (credit-bureau enquiries, social-circle observations; real maxima 261 and 348).
COUNT_CEILING = 1_000
#: Rows with more offending fields than this list the first ones only (messages stay short).
MAX_LISTED = 3
#: Longest value quoted in a message; longer text is cut (a 1 MB string must not come back in the answer).
MAX_QUOTED_CHARS = 60


@dataclass(frozen=True)
class Domain:
    """Valid values of one field: a closed range and/or a set of values, plus sentinels; or text levels."""

    low: float = -math.inf
    high: float = math.inf
    values: tuple[float, ...] = ()
    sentinels: tuple[tuple[float, str], ...] = ()
    levels: tuple[str, ...] = ()
    meaning: str = ""

    @property
    def is_text(self) -> bool:
        """Whether the field holds category levels rather than numbers."""
        return bool(self.levels)

    def valid(self, values: np.ndarray) -> np.ndarray:
        """Mask of the float64 ``values`` inside the domain; missing (NaN) is always valid."""
        ok = np.isin(values, self.values) if self.values else (values >= self.low) & (values <= self.high)
        for sentinel, _ in self.sentinels:
            ok |= values == sentinel
        return ok | np.isnan(values)

    def describe(self) -> str:
        """The valid range in words, e.g. ``from -36525 to -6574.5 (age 18 to 100 years)``."""
        if self.is_text:
            shown = ", ".join(repr(level) for level in self.levels[:5])
            more = f", … ({len(self.levels)} levels)" if len(self.levels) > 5 else ""
            return f"one of {shown}{more}"
        if self.values:
            text = " or ".join(", ".join(_number(v) for v in self.values).rsplit(", ", 1))
        else:
            text = f"from {_number(self.low)} to {_number(self.high)}"
        if self.meaning:
            text += f" ({self.meaning})"
        return text + "".join(f", or {_number(value)} ({label})" for value, label in self.sentinels)


def _number(value: float) -> str:
    """A bound as written in messages: integers without a decimal point, large ones in scientific form."""
    if abs(value) >= 1e7:
        return f"{value:.0e}".replace("e+0", "e+")
    return f"{value:g}" if value != int(value) else str(int(value))


AMOUNT = Domain(0.0, AMOUNT_CEILING, meaning="an amount ≥ 0 below the ceiling")
COUNT = Domain(0.0, COUNT_CEILING, meaning="a count of events")
SHARE = Domain(0.0, 1.0, meaning="a normalised value")
PAST_DAYS = Domain(-LIFETIME_DAYS, 0.0, meaning="days before the application, at most 100 years")
FLAG = Domain(values=(0.0, 1.0))

_BUILDING = re.compile(r"_(AVG|MODE|MEDI)$")

#: Numeric fields whose domain is not given by a family rule below (flags, AMT_, building, EXT_SOURCE).
_NUMERIC: dict[str, Domain] = {
    "CNT_CHILDREN": Domain(0.0, 25.0, meaning="children; the real maximum is 19"),
    "REGION_POPULATION_RELATIVE": SHARE,
    "DAYS_BIRTH": Domain(
        -LIFETIME_DAYS,
        -MIN_AGE_YEARS * DAYS_PER_YEAR,
        meaning=f"age {MIN_AGE_YEARS} to {MAX_AGE_YEARS} years",
    ),
    "DAYS_EMPLOYED": Domain(
        -LIFETIME_DAYS,
        0.0,
        sentinels=((float(schema.DAYS_SENTINEL), "not employed"),),
        meaning="days before the application",
    ),
    "DAYS_REGISTRATION": PAST_DAYS,
    "DAYS_ID_PUBLISH": PAST_DAYS,
    "DAYS_LAST_PHONE_CHANGE": PAST_DAYS,
    "OWN_CAR_AGE": Domain(0.0, 100.0, meaning="years"),
    "CNT_FAM_MEMBERS": Domain(1.0, 30.0, meaning="persons; the real maximum is 20"),
    "REGION_RATING_CLIENT": Domain(values=(1.0, 2.0, 3.0)),
    # The real data holds -1 (a quirk of the source), so it must stay plausible here.
    "REGION_RATING_CLIENT_W_CITY": Domain(values=(-1.0, 1.0, 2.0, 3.0)),
    "HOUR_APPR_PROCESS_START": Domain(0.0, 23.0, meaning="hour of the day"),
    "OBS_30_CNT_SOCIAL_CIRCLE": COUNT,
    "DEF_30_CNT_SOCIAL_CIRCLE": COUNT,
    "OBS_60_CNT_SOCIAL_CIRCLE": COUNT,
    "DEF_60_CNT_SOCIAL_CIRCLE": COUNT,
    "TOTALAREA_MODE": SHARE,
}


def _domain_of(column: schema.Column) -> Domain:
    """Domain of one application column: its levels, a family rule, or its entry in ``_NUMERIC``."""
    if column.kind == "cat":
        return Domain(levels=column.levels)
    if column.kind == "flag":
        return FLAG
    name = column.name
    if name.startswith("AMT_REQ_CREDIT_BUREAU_"):
        return COUNT
    if name.startswith("AMT_"):
        return AMOUNT
    if name.startswith("EXT_SOURCE_") or _BUILDING.search(name):
        return SHARE
    if name in _NUMERIC:
        return _NUMERIC[name]
    raise KeyError(f"{schema.APPLICATION_TEST}.csv: no declared domain for column {name}")


#: Domain of every raw application field a request may carry (application_test columns but the id).
DOMAINS: dict[str, Domain] = {
    c.name: _domain_of(c) for c in schema.table(schema.APPLICATION_TEST).columns if c.kind != "id"
}


def quote(value: object) -> str:
    """A value as shown in messages: repr, cut to MAX_QUOTED_CHARS characters."""
    text = repr(value.item() if isinstance(value, np.generic) else value)
    if len(text) > MAX_QUOTED_CHARS:
        return f"{text[: MAX_QUOTED_CHARS - 1]}… ({len(text):,} characters)"
    return text


def out_of_range(name: str, values: np.ndarray) -> np.ndarray:
    """Mask of the rows whose float64 value of numeric field ``name`` lies outside its domain."""
    return ~DOMAINS[name].valid(values)


def unknown_levels(name: str, values: np.ndarray) -> np.ndarray:
    """Mask of the rows whose text (str, or None when missing) is not a declared level of ``name``."""
    levels = set(DOMAINS[name].levels)
    return np.array([v is not None and v not in levels for v in values], dtype=bool)


def range_message(name: str, value: float) -> str:
    """``AMT_CREDIT must be from 0 to 1e+9 (...); got -1000000.0``."""
    return f"{name} must be {DOMAINS[name].describe()}; got {quote(value)}"


def level_message(name: str, value: str) -> str:
    """Warning for an unknown level, scored as missing."""
    return f"{name}: unknown level {quote(value)} scored as missing; expected {DOMAINS[name].describe()}"


def summarise(messages: list[str], *, prefix: str) -> str:
    """Join one row's messages, listing at most MAX_LISTED of them."""
    shown = "; ".join(messages[:MAX_LISTED])
    more = f" (and {len(messages) - MAX_LISTED} more)" if len(messages) > MAX_LISTED else ""
    return f"{prefix}{shown}{more}"

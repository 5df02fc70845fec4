"""previous_application: the clients' earlier applications (approved, refused, canceled, unused offers).

Card holders' first application is an approved revolving loan and most other clients' last one an approved
instalment loan, so that the monthly tables (POS, instalments, cards) cover the clients as in the real data.
Refusals are commoner for clients with poor payment discipline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custom_model import schema
from entry_points.synthetic import draws
from entry_points.synthetic.applications import Clients
from entry_points.synthetic.draws import Columns
from entry_points.synthetic.shares import (
    CARD_CLIENTS,
    FIRST_ID_PREV,
    NO_HISTORY,
    PREV_CONTRACT_SHARES,
    PREV_NAME_TYPE_SUITE_NAN,
    PREV_SHARES,
    PREV_STATUS_SHARES,
    WINDOW_DAYS,
)

_NAME = schema.PREVIOUS_APPLICATION
# Level indices of NAME_CONTRACT_TYPE and NAME_CONTRACT_STATUS in the schema.
_CASH, _CONSUMER, _REVOLVING = 0, 1, 2
_APPROVED, _CANCELED, _REFUSED, _UNUSED = 0, 1, 2, 3


@dataclass(frozen=True)
class Previous:
    """Previous applications and, per row, its client index and badness; the rows that are card loans; and
    SK_ID_PREV values drawn in the same range but absent from the table (orphans of the monthly tables)."""

    frame: pd.DataFrame
    client: np.ndarray
    badness: np.ndarray
    card_row: np.ndarray
    card_orphan_ids: np.ndarray
    loan_orphan_ids: np.ndarray


@dataclass(frozen=True)
class _Kinds:
    """Contract type and status level of every application, and which rows are the forced card loans."""

    contract: np.ndarray
    status: np.ndarray
    card_row: np.ndarray

    @property
    def approved(self) -> np.ndarray:
        return self.status == _APPROVED

    @property
    def cash(self) -> np.ndarray:
        return self.contract == _CASH

    @property
    def consumer(self) -> np.ndarray:
        return self.contract == _CONSUMER

    @property
    def revolving(self) -> np.ndarray:
        return self.contract == _REVOLVING


def generate(
    rng: np.random.Generator, clients: Clients, n_rows: int, *, n_card_orphans: int, n_loan_orphans: int
) -> Previous:
    """Previous applications, with ids kept back for `n_card_orphans + n_loan_orphans` orphan loans."""
    n_clients = clients.ids.size
    counts = draws.neg_binomial_counts(rng, n_clients, 4.93, dispersion=2.0)
    counts[rng.random(n_clients) < NO_HISTORY["previous"]] = 0
    counts = draws.match_total(rng, counts, n_rows)
    client, position = draws.fan_out(counts)
    n = client.size
    badness = clients.u_beh[client] + 0.5 * rng.standard_normal(n)
    kinds = _contract_and_status(rng, counts, client, position, badness)

    cols: Columns = {"SK_ID_PREV": np.zeros(n, dtype=np.int64), "SK_ID_CURR": clients.ids[client]}
    cols["NAME_CONTRACT_TYPE"] = draws.codes_to_cat(_NAME, "NAME_CONTRACT_TYPE", kinds.contract)
    cols["NAME_CONTRACT_STATUS"] = draws.codes_to_cat(_NAME, "NAME_CONTRACT_STATUS", kinds.status)
    cols.update(_amounts_and_terms(rng, kinds))
    # Recent applications are commoner (median DAYS_DECISION ≈ −580).
    decision = -np.round(1 + (WINDOW_DAYS - 1) * rng.beta(0.8, 2.4, n)).astype(np.int64)
    cols["DAYS_DECISION"] = decision
    cols.update(_process_and_rates(rng, n))
    cols.update(_purpose_and_reject(rng, kinds))
    cols.update(_client_goods_and_seller(rng, kinds, position))
    cols.update(_yield_and_combination(rng, kinds, no_terms=np.isnan(np.asarray(cols["CNT_PAYMENT"]))))
    term = np.asarray(cols["CNT_PAYMENT"])
    cols.update(_dates(rng, decision, term, kinds.approved, kinds.revolving))
    frame = pd.DataFrame({c: cols[c] for c in schema.table(_NAME).column_names}, copy=False)

    # SK_ID_PREV: random ids in one range; some ids are kept back as orphans of the monthly tables.
    total = n + n_card_orphans + n_loan_orphans
    ids = FIRST_ID_PREV + rng.choice(int(total * 1.1) + 1, total, replace=False)
    frame["SK_ID_PREV"] = ids[:n]
    return Previous(
        frame=frame,
        client=client,
        badness=badness,
        card_row=kinds.card_row,
        card_orphan_ids=ids[n : n + n_card_orphans],
        loan_orphan_ids=ids[n + n_card_orphans :],
    )


def _contract_and_status(
    rng: np.random.Generator,
    counts: np.ndarray,
    client: np.ndarray,
    position: np.ndarray,
    badness: np.ndarray,
) -> _Kinds:
    """Contract type and status per application, the card and last-loan rows forced to approved."""
    n_clients, n = counts.size, client.size
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
    status = np.where(u < refuse_p, _REFUSED, _APPROVED)
    rest = rng.random(n)
    other = status != _REFUSED
    status[other & (rest < p_status[1] / (1 - p_status[2]))] = _CANCELED
    status[other & (rest > 1 - p_status[3] / (1 - p_status[2]))] = _UNUSED
    contract[card_row] = _REVOLVING
    contract[last_row & (contract >= _REVOLVING)] = _CASH
    status[card_row | last_row] = _APPROVED
    return _Kinds(contract=contract, status=status, card_row=card_row)


def _amounts_and_terms(rng: np.random.Generator, kinds: _Kinds) -> Columns:
    """Amounts asked and granted, down payment, goods price, number of payments and annuity.

    Canceled applications often have no amount; without terms (no amount, or some non-approved rows) the
    annuity and CNT_PAYMENT are missing together.
    """
    revolving, cash, consumer = kinds.revolving, kinds.cash, kinds.consumer
    n = revolving.size
    application = np.round(
        np.exp(rng.normal(np.log(np.where(cash, 180_000, np.where(revolving, 135_000, 45_000))), 0.85, n)), 1
    )
    application = np.where(revolving, draws.round_to(application, 22_500).clip(22_500), application)
    application = np.where(
        kinds.status == _CANCELED, np.where(rng.random(n) < 0.7, 0.0, application), application
    )
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
    goods = np.where(revolving & kinds.approved, application, goods)
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
    no_terms = (application == 0) | (~kinds.approved & (rng.random(n) < 0.25))
    return {
        "AMT_ANNUITY": np.where(no_terms, np.nan, annuity),
        "AMT_APPLICATION": application,
        "AMT_CREDIT": credit,
        "AMT_DOWN_PAYMENT": down,
        "AMT_GOODS_PRICE": goods,
        "RATE_DOWN_PAYMENT": rate_down,
        "CNT_PAYMENT": np.where(no_terms, np.nan, term),
    }


def _process_and_rates(rng: np.random.Generator, n: int) -> Columns:
    """Weekday and hour, last-application flags, and the rare interest rates (0.36 % of rows)."""
    cols: Columns = {
        "WEEKDAY_APPR_PROCESS_START": draws.categorical(
            rng, _NAME, "WEEKDAY_APPR_PROCESS_START", n, PREV_SHARES["WEEKDAY_APPR_PROCESS_START"]
        ),
        "HOUR_APPR_PROCESS_START": np.clip(np.round(rng.normal(12.5, 3.3, n)), 0, 23).astype(np.int64),
        "FLAG_LAST_APPL_PER_CONTRACT": draws.categorical(
            rng, _NAME, "FLAG_LAST_APPL_PER_CONTRACT", n, (99.49, 0.51)
        ),
        "NFLAG_LAST_APPL_IN_DAY": (rng.random(n) > 0.0035).astype(np.int64),
    }
    rated = rng.random(n) < 0.0036
    cols["RATE_INTEREST_PRIMARY"] = np.where(rated, np.round(rng.uniform(0.035, 1.0, n), 6), np.nan)
    cols["RATE_INTEREST_PRIVILEGED"] = np.where(rated, np.round(rng.uniform(0.37, 1.0, n), 6), np.nan)
    return cols


def _purpose_and_reject(rng: np.random.Generator, kinds: _Kinds) -> Columns:
    """Cash-loan purpose (XAP = not applicable, XNA = not available), payment type, reject reason, suite."""
    n = kinds.status.size
    cols: Columns = {}
    purpose_levels = schema.table(_NAME).column("NAME_CASH_LOAN_PURPOSE").levels
    purpose = draws.categorical(
        rng,
        _NAME,
        "NAME_CASH_LOAN_PURPOSE",
        n,
        PREV_SHARES["NAME_CASH_LOAN_PURPOSE"],
        levels=purpose_levels[2:],
    )
    cols["NAME_CASH_LOAN_PURPOSE"] = pd.Categorical.from_codes(
        np.where(~kinds.cash, 0, np.where(rng.random(n) < 0.905, 1, purpose.codes)),
        categories=purpose.categories,
    )
    cols["NAME_PAYMENT_TYPE"] = draws.categorical(
        rng, _NAME, "NAME_PAYMENT_TYPE", n, PREV_SHARES["NAME_PAYMENT_TYPE"]
    )
    reject_levels = schema.table(_NAME).column("CODE_REJECT_REASON").levels
    reject = draws.categorical(
        rng,
        _NAME,
        "CODE_REJECT_REASON",
        n,
        PREV_SHARES["CODE_REJECT_REASON"],
        levels=tuple(x for x in reject_levels if x not in ("XAP", "CLIENT")),
    )
    reject_codes = np.where(kinds.status == _REFUSED, reject.codes, reject_levels.index("XAP"))
    reject_codes[kinds.status == _UNUSED] = reject_levels.index("CLIENT")
    cols["CODE_REJECT_REASON"] = draws.codes_to_cat(_NAME, "CODE_REJECT_REASON", reject_codes)
    cols["NAME_TYPE_SUITE"] = draws.categorical(
        rng, _NAME, "NAME_TYPE_SUITE", n, PREV_SHARES["NAME_TYPE_SUITE"], nan=PREV_NAME_TYPE_SUITE_NAN
    )
    return cols


def _client_goods_and_seller(rng: np.random.Generator, kinds: _Kinds, position: np.ndarray) -> Columns:
    """Client type (new on the first application), goods category, portfolio, product, channel, seller."""
    consumer = kinds.consumer
    n = consumer.size
    cols: Columns = {}
    cols["NAME_CLIENT_TYPE"] = draws.codes_to_cat(
        _NAME,
        "NAME_CLIENT_TYPE",
        np.where(
            position == 0, np.where(rng.random(n) < 0.6, 1, 2), rng.choice(4, n, p=[0.9, 0.02, 0.078, 0.002])
        ),
    )
    goods_levels = schema.table(_NAME).column("NAME_GOODS_CATEGORY").levels
    goods_cat = draws.categorical(
        rng, _NAME, "NAME_GOODS_CATEGORY", n, PREV_SHARES["NAME_GOODS_CATEGORY"], levels=goods_levels[1:]
    )
    cols["NAME_GOODS_CATEGORY"] = pd.Categorical.from_codes(
        np.where(consumer, goods_cat.codes, 0), categories=goods_cat.categories
    )
    portfolio = np.select([consumer, kinds.cash & (kinds.status != _CANCELED), kinds.revolving], [0, 1, 3], 2)
    portfolio[consumer & (rng.random(n) < 0.0007)] = 4
    cols["NAME_PORTFOLIO"] = draws.codes_to_cat(_NAME, "NAME_PORTFOLIO", portfolio)
    cols["NAME_PRODUCT_TYPE"] = draws.codes_to_cat(
        _NAME, "NAME_PRODUCT_TYPE", np.where(consumer, 0, rng.choice(3, n, p=[0.35, 0.48, 0.17]))
    )
    cols["CHANNEL_TYPE"] = draws.categorical(rng, _NAME, "CHANNEL_TYPE", n, PREV_SHARES["CHANNEL_TYPE"])
    seller = np.where(rng.random(n) < 0.4566, -1, np.round(np.exp(rng.normal(3.5, 1.6, n)))).astype(np.int64)
    seller[rng.random(n) < 2e-6] = 4_000_000
    cols["SELLERPLACE_AREA"] = seller
    industry_levels = schema.table(_NAME).column("NAME_SELLER_INDUSTRY").levels
    industry = draws.categorical(
        rng, _NAME, "NAME_SELLER_INDUSTRY", n, PREV_SHARES["NAME_SELLER_INDUSTRY"], levels=industry_levels[1:]
    )
    cols["NAME_SELLER_INDUSTRY"] = pd.Categorical.from_codes(
        np.where(consumer, industry.codes, 0), categories=industry.categories
    )
    return cols


def _yield_and_combination(rng: np.random.Generator, kinds: _Kinds, *, no_terms: np.ndarray) -> Columns:
    """Yield group (XNA without terms or for revolving loans), a product combination of the contract type."""
    n = no_terms.size
    yield_levels = schema.table(_NAME).column("NAME_YIELD_GROUP").levels
    drawn = draws.categorical(
        rng, _NAME, "NAME_YIELD_GROUP", n, PREV_SHARES["NAME_YIELD_GROUP"], levels=yield_levels[1:]
    )
    yield_group = pd.Categorical.from_codes(
        np.where(kinds.revolving | no_terms, 0, drawn.codes), categories=list(yield_levels)
    )
    combo_levels = schema.table(_NAME).column("PRODUCT_COMBINATION").levels
    cash_combos = [i for i, x in enumerate(combo_levels) if x.startswith("Cash")]
    pos_combos = [i for i, x in enumerate(combo_levels) if x.startswith("POS")]
    card_combos = [i for i, x in enumerate(combo_levels) if x.startswith("Card")]
    combo = np.select(
        [kinds.cash, kinds.consumer, kinds.revolving],
        [
            np.array(cash_combos)[rng.integers(0, len(cash_combos), n)],
            np.array(pos_combos)[rng.integers(0, len(pos_combos), n)],
            np.array(card_combos)[rng.integers(0, len(card_combos), n)],
        ],
        0,
    )
    combo[rng.random(n) < 0.0002] = -1
    return {
        "NAME_YIELD_GROUP": yield_group,
        "PRODUCT_COMBINATION": draws.codes_to_cat(_NAME, "PRODUCT_COMBINATION", combo),
    }


def _dates(
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

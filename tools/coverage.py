"""Three-guarantee coverage of a claim (DOMAIN.md R1-R4, R20).

``decide`` takes plain facts (dates, the card's state, the cause category, the contract's
state and terms) and returns a :class:`Decision`: covered or not, the reason code, and whether
the defect falls in the dead-on-arrival (R3) or quality-defect (R4) window. Models translate the
reason code into the user's language; nothing here imports Odoo.
"""

import datetime
from dataclasses import dataclass

from .periods import add_months
from .terms import CONTRACT_DEFAULTS

# Reason codes, in the order they are checked: the first that applies is the one shown.
NO_CONTRACT = "no_contract"
CONTRACT_NOT_RUNNING = "contract_not_running"
NO_CARD = "no_card"
CARD_VOID = "card_void"
CARD_LATE = "card_late"
CARD_FALSIFIED = "card_falsified"
NO_SALE_DATE = "no_sale_date"
CALL_BEFORE_SALE = "call_before_sale"
OUT_OF_WARRANTY = "out_of_warranty"
CUSTOMER_MISUSE = "customer_misuse"
COVERED = "covered"
COVERED_PART = "covered_part"

UNCOVERED_REASONS = (
    NO_CONTRACT,
    CONTRACT_NOT_RUNNING,
    NO_CARD,
    CARD_VOID,
    CARD_LATE,
    CARD_FALSIFIED,
    NO_SALE_DATE,
    CALL_BEFORE_SALE,
    OUT_OF_WARRANTY,
    CUSTOMER_MISUSE,
)

# Who bears the cost of a claim (合同二 第三条2, DOMAIN.md R2, R20): the manufacturer when covered;
# the end customer only for misuse and out-of-warranty work; the dealer for everything that is
# its own failure (late or falsified card, no contract, no card, a call before the sale...).
PAYER_MANUFACTURER = "manufacturer"
PAYER_CUSTOMER = "customer"
PAYER_DEALER = "dealer"

# Windows (R3, R4): a covered defect found early may be returned or exchanged.
WINDOW_DOA = "doa"
WINDOW_QUALITY = "quality"
WINDOW_NONE = "none"


@dataclass(frozen=True)
class Facts:
    """What coverage depends on. Dates are ``datetime.date``; ``call_date`` is the day the
    customer called. ``card_state`` is one of draft / registered / late / void, or None without a
    card. ``cause_category`` is product_defect / customer_misuse / transport / wear / other, or
    None while unknown. ``delivery_date`` is when the dealer received the unit (R3).
    ``part_warranty_end`` is the own warranty end of a part replaced by an earlier repair and
    ``part_fitted_date`` the day that repair was completed: the part covers only calls from
    that day to its warranty end (a part fitted after the call was not in the unit when it
    failed)."""

    call_date: datetime.date
    sale_date: datetime.date | None = None
    delivery_date: datetime.date | None = None
    card_state: str | None = None
    card_falsified: bool = False
    cause_category: str | None = None
    contract_state: str | None = None
    warranty_months: int = CONTRACT_DEFAULTS["warranty_months"]
    doa_days: int = CONTRACT_DEFAULTS["doa_days"]
    quality_days: int = CONTRACT_DEFAULTS["quality_days"]
    extra_warranty_days: int = 0
    part_warranty_end: datetime.date | None = None
    part_fitted_date: datetime.date | None = None


@dataclass(frozen=True)
class Decision:
    covered: bool
    reason: str
    window: str
    warranty_end: datetime.date | None
    payer: str = PAYER_MANUFACTURER


def contract_in_force(day, state, date_start, date_end=None, termination_date=None):
    """Whether a contract served on ``day``: not a draft, started, not past its end or its
    termination. Coverage reads the contract as it was on the call date, so a claim called
    while the contract ran stays covered after the contract expires (R20)."""
    if state in (None, "draft") or not day or not date_start:
        return False
    return (
        date_start <= day
        and (not date_end or day <= date_end)
        and (not termination_date or day <= termination_date)
    )


def warranty_end(sale_date, warranty_months, extra_days=0):
    """R1/R18: the last day of the free warranty: the sale date plus ``warranty_months`` calendar
    months (same day of month, clamped), plus days spent under repair (``extra_days``)."""
    if not sale_date:
        return None
    return add_months(sale_date, warranty_months) + datetime.timedelta(days=extra_days)


def is_card_late(sale_date, date_received, deadline_days):
    """R2: a card received more than ``deadline_days`` after the retail sale is late."""
    if not sale_date or not date_received:
        return False
    return (date_received - sale_date).days > deadline_days


def early_defect_window(
    day,
    delivery_date=None,
    sale_date=None,
    doa_days=CONTRACT_DEFAULTS["doa_days"],
    quality_days=CONTRACT_DEFAULTS["quality_days"],
    *,
    doa_excluded=False,
    quality_excluded=False,
):
    """R3/R4: the early-defect window a defect found on ``day`` falls in, and the days that
    decided it: ``(WINDOW_DOA, days)`` when found 0..``doa_days`` days after the dealer received
    the goods, else ``(WINDOW_QUALITY, days)`` when found 0..``quality_days`` days after the
    retail sale (both windows include their last day), else ``(WINDOW_NONE, None)``. The one
    home of both windows: claims' coverage (:func:`window`) and returns' suggested type
    (``returns.suggest``) use it; the caller says which window its case excludes (transport
    damage, a late card)."""
    if not doa_excluded and delivery_date and 0 <= (day - delivery_date).days <= doa_days:
        return WINDOW_DOA, (day - delivery_date).days
    if not quality_excluded and sale_date and 0 <= (day - sale_date).days <= quality_days:
        return WINDOW_QUALITY, (day - sale_date).days
    return WINDOW_NONE, None


def window(facts):
    """R3/R4: which early-defect window the call falls in, if any (:func:`early_defect_window`).
    Damage caused in transport is neither (R3: 非运输过程中造成的损坏)."""
    transport = facts.cause_category == "transport"
    return early_defect_window(
        facts.call_date,
        facts.delivery_date,
        facts.sale_date,
        facts.doa_days,
        facts.quality_days,
        doa_excluded=transport,
        quality_excluded=transport,
    )[0]


def decide(facts):
    """Return the coverage :class:`Decision` for ``facts`` (R20): contract running, card present,
    not void, not late, not falsified, call within the warranty (or within the own warranty of a
    part replaced earlier), cause not customer misuse; and who pays when it is not covered."""
    end = warranty_end(facts.sale_date, facts.warranty_months, facts.extra_warranty_days)
    reason = _first_failure(facts, end)
    covered = reason is None
    if covered and end is not None and facts.call_date > end:
        reason = COVERED_PART
    return Decision(
        covered=covered,
        reason=reason or COVERED,
        window=window(facts) if covered else WINDOW_NONE,
        warranty_end=end,
        payer=payer(facts, end, covered),
    )


def payer(facts, end, covered):
    """Who bears a claim's cost (合同二 第三条2): the manufacturer when covered; the customer
    only for misuse or work after the warranty (the unit's and any replaced part's); the
    dealer otherwise: a late, falsified or missing card, no contract, a call before the sale."""
    if covered:
        return PAYER_MANUFACTURER
    if facts.cause_category == "customer_misuse":
        return PAYER_CUSTOMER
    if _out_of_warranty(facts, end):
        return PAYER_CUSTOMER
    return PAYER_DEALER


def _out_of_warranty(facts, end):
    if end is None or facts.call_date <= end:
        return False
    return not part_warranty_covers(facts)


def part_warranty_covers(facts):
    """R20: the replaced part's own warranty covers the call: the part was fitted no later
    than the call day and its warranty had not ended."""
    if not facts.part_warranty_end:
        return False
    if facts.part_fitted_date and facts.call_date < facts.part_fitted_date:
        return False
    return facts.call_date <= facts.part_warranty_end


def unsold_dead_on_arrival(facts):
    """R3: a unit still in the dealer's stock (no card, or a draft card without a retail sale
    pre-filled from the delivery) found defective within ``doa_days`` of the dealer receiving
    it, not in transport nor by misuse. It was never sold, so no warranty card is owed: the
    manufacturer bears the repair."""
    unsold = facts.card_state is None or (facts.card_state == "draft" and not facts.sale_date)
    return (
        unsold
        and not facts.card_falsified
        and facts.cause_category not in ("transport", "customer_misuse")
        and early_defect_window(
            facts.call_date,
            facts.delivery_date,
            doa_days=facts.doa_days,
            quality_excluded=True,
        )[0]
        == WINDOW_DOA
    )


def _first_failure(facts, end):
    # an unsold unit owes no card and has no sale date; nothing else it could fail applies
    sold = not unsold_dead_on_arrival(facts)
    checks = (
        (NO_CONTRACT, facts.contract_state is None),
        (CONTRACT_NOT_RUNNING, facts.contract_state not in (None, "running")),
        (NO_CARD, sold and facts.card_state in (None, "draft")),
        (CARD_VOID, facts.card_state == "void"),
        (CARD_LATE, facts.card_state == "late"),
        (CARD_FALSIFIED, facts.card_falsified),
        (NO_SALE_DATE, sold and facts.sale_date is None),
        (CALL_BEFORE_SALE, facts.sale_date is not None and facts.call_date < facts.sale_date),
        (OUT_OF_WARRANTY, _out_of_warranty(facts, end)),
        (CUSTOMER_MISUSE, facts.cause_category == "customer_misuse"),
    )
    for reason, failed in checks:
        if failed:
            return reason
    return None

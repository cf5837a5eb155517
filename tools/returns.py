"""Returns (RMA) rules: which type a return is, and who pays for it (DOMAIN.md R3-R8, R27;
方案2 三(二)9).

``suggest`` takes plain dates (the defect, the dealer's receipt of the goods, the retail sale and
the warranty end from the card) and the contract's windows, and returns a :class:`Suggestion`:
the type, a reason code and the number of days that decided it. ``liability`` says, per type,
who bears the inbound freight, the freight back, the refurbishment parts and the restoration
labour; ``split_costs`` applies it to amounts. Nothing here imports Odoo.
"""

import datetime
from dataclasses import dataclass

from . import coverage
from .terms import CONTRACT_DEFAULTS

# Return types (R27).
TYPE_DOA = "doa"  # R3 开箱不良
TYPE_QUALITY = "quality"  # R4 品质不良
TYPE_BATCH = "batch"  # R8 成批质量问题: decided by technical appraisal, never from dates
TYPE_IN_WARRANTY = "in_warranty"  # R5
TYPE_OUT_OF_WARRANTY = "out_of_warranty"  # R6
TYPE_DEALER_STOCK = "dealer_stock"  # 方案2 三(二)9 经销商库存产品返厂
TYPES = (
    TYPE_DOA,
    TYPE_QUALITY,
    TYPE_BATCH,
    TYPE_IN_WARRANTY,
    TYPE_OUT_OF_WARRANTY,
    TYPE_DEALER_STOCK,
)

# Dealer stock sub-cases (方案2 三(二)9).
STOCK_PRODUCT_FAULT = "product_fault"  # 产品本身有质量问题
STOCK_DISMANTLED = "dismantled"  # 由经销商拆件造成
STOCK_UNSELLABLE = "unsellable"  # 其它无法销售产品
STOCK_CASES = (STOCK_PRODUCT_FAULT, STOCK_DISMANTLED, STOCK_UNSELLABLE)

# Parties.
MANUFACTURER = "manufacturer"
DEALER = "dealer"

# Cost items of a return.
FREIGHT_IN = "freight_in"  # dealer -> manufacturer
FREIGHT_OUT = "freight_out"  # manufacturer -> dealer (repaired unit or exchange sent back)
PARTS = "parts"  # refurbishment parts (翻新配件)
LABOUR = "labour"  # restoration labour (恢复产品的工时)
COST_ITEMS = (FREIGHT_IN, FREIGHT_OUT, PARTS, LABOUR)

# Reason codes of a suggestion.
REASON_DOA_WINDOW = "doa_window"
REASON_QUALITY_WINDOW = "quality_window"
REASON_IN_WARRANTY = "in_warranty"
REASON_OUT_OF_WARRANTY = "out_of_warranty"
REASON_NO_CARD = "no_card"
REASON_BEFORE_SALE = "before_sale"


@dataclass(frozen=True)
class Facts:
    """What the suggested type depends on. ``defect_date`` is when the defect was found;
    ``delivery_date`` when the dealer received the goods (R3); ``sale_date`` and
    ``warranty_end`` come from the warranty card (R4, R1), None without a card."""

    defect_date: datetime.date
    delivery_date: datetime.date | None = None
    sale_date: datetime.date | None = None
    warranty_end: datetime.date | None = None
    doa_days: int = CONTRACT_DEFAULTS["doa_days"]
    quality_days: int = CONTRACT_DEFAULTS["quality_days"]
    # R3: damage from transport is never dead on arrival (非运输过程中造成的损坏).
    transport_damage: bool = False
    # R4 with R2: a late card's unit gets no quality-defect return, only an ordinary one.
    card_late: bool = False


@dataclass(frozen=True)
class Suggestion:
    return_type: str
    reason: str
    days: int | None = None


@dataclass(frozen=True)
class Liability:
    """Who bears each cost item: MANUFACTURER or DEALER."""

    freight_in: str
    freight_out: str
    parts: str
    labour: str

    def payer(self, item):
        return getattr(self, item)


def _days_between(start, end):
    if start is None or end is None:
        return None
    return (end - start).days


def suggest(facts):
    """Suggest the type of a return from its dates (R3, R4, R5, R6; 方案2 三(二)9).

    Checked in order, the first that applies wins; both windows include their last day:
    1. DOA when the defect is found 0..``doa_days`` days after the dealer received the goods,
       unless it is transport damage (never dead on arrival, 合同一 五.2);
    2. quality defect when it is found 0..``quality_days`` days after the retail sale, on a
       card that was not received late (R2: a late card's unit is not recognised);
    3. with a warranty card: in warranty up to its warranty end, out of warranty after;
    4. without a card, or before the card's sale date, the unit was still the dealer's stock:
       a dealer stock return.
    Batch quality problems (R8) are never suggested: the technical department decides them."""
    window, days = coverage.early_defect_window(
        facts.defect_date,
        facts.delivery_date,
        facts.sale_date,
        facts.doa_days,
        facts.quality_days,
        doa_excluded=facts.transport_damage,
        quality_excluded=facts.card_late,
    )
    if window == coverage.WINDOW_DOA:
        return Suggestion(TYPE_DOA, REASON_DOA_WINDOW, days)
    if window == coverage.WINDOW_QUALITY:
        return Suggestion(TYPE_QUALITY, REASON_QUALITY_WINDOW, days)
    days = _days_between(facts.sale_date, facts.defect_date)
    if facts.sale_date is not None and days < 0:
        return Suggestion(TYPE_DEALER_STOCK, REASON_BEFORE_SALE, days)
    if facts.sale_date is not None:
        if facts.warranty_end is None or facts.defect_date <= facts.warranty_end:
            return Suggestion(TYPE_IN_WARRANTY, REASON_IN_WARRANTY, days)
        return Suggestion(TYPE_OUT_OF_WARRANTY, REASON_OUT_OF_WARRANTY, days)
    return Suggestion(TYPE_DEALER_STOCK, REASON_NO_CARD, None)


_M, _D = MANUFACTURER, DEALER
# (freight in, freight out, refurbishment parts, restoration labour)
_LIABILITY = {
    # R3/R4: repaired at the manufacturer's cost; freight paid by the manufacturer.
    (TYPE_DOA, None): (_M, _M, _M, _M),
    (TYPE_QUALITY, None): (_M, _M, _M, _M),
    # R8: exchanged after technical appraisal: a manufacturer's defect.
    (TYPE_BATCH, None): (_M, _M, _M, _M),
    # R5: return freight and refurbishment parts by the dealer (from its repair fund), the
    # freight back by the manufacturer.
    (TYPE_IN_WARRANTY, None): (_D, _M, _D, _M),
    # R6: freight both ways and refurbishment parts by the dealer.
    (TYPE_OUT_OF_WARRANTY, None): (_D, _D, _D, _M),
    # 方案2 三(二)9: a product fault -> the manufacturer pays the freight;
    (TYPE_DEALER_STOCK, STOCK_PRODUCT_FAULT): (_M, _M, _M, _M),
    # dismantled by the dealer -> all freight and the restoration labour by the dealer;
    (TYPE_DEALER_STOCK, STOCK_DISMANTLED): (_D, _D, _M, _D),
    # otherwise unsellable -> the dealer pays the freight.
    (TYPE_DEALER_STOCK, STOCK_UNSELLABLE): (_D, _D, _M, _M),
}


def liability(return_type, stock_case=None):
    """Who pays each cost item of a return of ``return_type`` (and, for a dealer stock return,
    of ``stock_case``). Raises ValueError for an unknown type or a dealer stock return without
    its sub-case."""
    key = (return_type, stock_case if return_type == TYPE_DEALER_STOCK else None)
    if key not in _LIABILITY:
        raise ValueError(f"No liability rule for return type {return_type!r} / {stock_case!r}")
    return Liability(*_LIABILITY[key])


def split_costs(rule, amounts):
    """Split cost ``amounts`` (a mapping item -> amount, missing items count 0) between the two
    parties under ``rule``. Returns ``{MANUFACTURER: {item: amount}, DEALER: {item: amount}}``
    with only the non-zero items."""
    result = {MANUFACTURER: {}, DEALER: {}}
    for item in COST_ITEMS:
        amount = amounts.get(item) or 0.0
        if amount:
            result[rule.payer(item)][item] = amount
    return result


def returnable_quantity(bought, already_returned):
    """What is left to return of ``bought`` (delivered or invoiced, in one unit) once
    ``already_returned`` (earlier returns and credit notes, same unit) is deducted; never
    negative. ``bought`` None means unknown: nothing limits the return."""
    if bought is None:
        return None
    return max(0.0, bought - already_returned)


def restocking_fee(base_amount, fee_type, fee_value):
    """The restocking fee of a dealer stock return: ``fixed`` amount (never more than the base),
    or ``percent`` of ``base_amount``; 0 for ``none``. Never negative."""
    if fee_type == "fixed":
        return max(0.0, min(fee_value or 0.0, base_amount))
    if fee_type == "percent":
        return max(0.0, base_amount * (fee_value or 0.0) / 100.0)
    return 0.0

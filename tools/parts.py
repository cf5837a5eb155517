"""Spare parts arithmetic (DOMAIN.md R23-R25): initial stocking quantities, the parts policy
table that splits a requisition line between free, fund and sale, how much of a line the repair
fund can pay, and when a traded-in old part is due back.

Counted parts are whole units (a part is issued, paid by the fund or sold one piece at a time);
parts measured in metres or litres keep fractional quantities (``step`` is their rounding).
"""

import datetime
import math
from dataclasses import dataclass

# Parts policies of a product category (R24, 合同二 第六条).
POLICY_PURCHASE = "purchase"  # always bought by the dealer, no trade-in (灶具配件)
POLICY_TRADE_IN = "trade_in"  # issued against the old part (以旧换新)
POLICY_FREE_BELOW = "free_below"  # free at or under a price (…元以下的配件免费提供)
POLICY_NONE = "none"  # no rule: drawn on the fund while it allows, sold beyond

# Float noise tolerated before rounding up or down (a product of 3 x 10 % is 0.30000000000000004).
EPSILON = 1e-6


def stocking_quantity(delivered_qty, percent):
    """Return the R23 initial stocking quantity of a part: ``percent`` % of the dealer's
    delivered quantity of the products it serves, rounded up to a whole unit (0 stays 0)."""
    if delivered_qty < 0 or percent < 0:
        raise ValueError("delivered quantity and percentage cannot be negative")
    raw = delivered_qty * percent / 100.0
    return max(0, math.ceil(raw - EPSILON))


def _floor(quantity, step):
    """``quantity`` rounded down to a multiple of ``step`` (1: whole units)."""
    return math.floor(quantity / step + EPSILON) * step


def split_on_fund(quantity, unit_price, balance, step=1):
    """Split a requisition line of ``quantity`` at ``unit_price`` between the repair fund
    (R25: issued while the fund's ``balance`` allows) and a sale to the dealer.

    Returns ``(fund_qty, sold_qty)``: the fund pays as much as its balance covers, in multiples
    of ``step`` (1 for counted parts, e.g. 0.01 for metres or litres), the rest is sold. A zero
    price costs the fund nothing: all on the fund."""
    if quantity < 0 or unit_price < 0:
        raise ValueError("quantity and price cannot be negative")
    if step <= 0:
        raise ValueError("step must be positive")
    whole = _floor(quantity, step) if step == 1 else quantity
    if not unit_price:
        return whole, 0
    if balance <= 0:
        return 0, whole
    affordable = _floor(balance / unit_price, step)
    fund_qty = min(whole, affordable)
    if step != 1:
        fund_qty = round(fund_qty, 10)
        return fund_qty, round(whole - fund_qty, 10)
    return fund_qty, whole - fund_qty


@dataclass(frozen=True)
class Allocation:
    """How a requisition line is served: ``free``, on the ``fund`` and ``sold``."""

    free: float
    fund: float
    sold: float


def allocate(policy, quantity, price, balance, budget, *, threshold=0.0, step=1):
    """The parts policy table (R24, R25) for one requisition line; returns
    ``(Allocation, balance left)``.

    - ``free_below``: free when the price is at or under ``threshold`` (以下 includes it);
      above it, like no rule;
    - ``purchase``: always sold, never free nor on the fund;
    - ``trade_in``: issued free against the old part (without it the dealer buys it at cost
      later, once);
    - no rule: on a ``budget`` contract drawn on the fund while ``balance`` allows, the rest
      sold; without a budget, sold."""
    if policy == POLICY_FREE_BELOW and price <= threshold + EPSILON:
        return Allocation(quantity, 0, 0), balance
    if policy == POLICY_PURCHASE:
        return Allocation(0, 0, quantity), balance
    if policy == POLICY_TRADE_IN:
        return Allocation(quantity, 0, 0), balance
    if not budget:
        return Allocation(0, 0, quantity), balance
    fund, sold = split_on_fund(quantity, price, balance, step)
    # a counted line of a fractional quantity (3.5 units) sells the remainder
    sold = quantity - fund if step == 1 else sold
    return Allocation(0, fund, sold), balance - fund * price


def old_part_due_date(issue_date, mode, days):
    """Return when a traded-in old part must be back (R21, R24): ``days`` after the issue (a
    requisition's approval, a claim's repair), or, twice a year, at the end of the half-year of
    the issue (30 June or 31 December). The one home of this date: expected old parts of
    requisitions and of claims use it. Without an issue date there is no due date (``None``)."""
    if not issue_date:
        return None
    if mode == "semiannual":
        if issue_date.month <= 6:
            return datetime.date(issue_date.year, 6, 30)
        return datetime.date(issue_date.year, 12, 31)
    if mode == "days":
        return issue_date + datetime.timedelta(days=days or 0)
    raise ValueError(f"unknown old part return mode {mode!r}")

"""Spare parts arithmetic (DOMAIN.md R23-R25): initial stocking quantities, how much of a
requisition line the repair fund can pay, and when a traded-in old part is due back.

Quantities are whole units: a part is issued, paid by the fund or sold one piece at a time.
"""

import datetime
import math

# Float noise tolerated before rounding up or down (a product of 3 x 10 % is 0.30000000000000004).
EPSILON = 1e-6


def stocking_quantity(delivered_qty, percent):
    """Return the R23 initial stocking quantity of a part: ``percent`` % of the dealer's
    delivered quantity of the products it serves, rounded up to a whole unit (0 stays 0)."""
    if delivered_qty < 0 or percent < 0:
        raise ValueError("delivered quantity and percentage cannot be negative")
    raw = delivered_qty * percent / 100.0
    return max(0, math.ceil(raw - EPSILON))


def split_on_fund(quantity, unit_price, balance):
    """Split a requisition line of ``quantity`` units at ``unit_price`` between the repair fund
    (R25: issued while the fund's ``balance`` allows) and a sale to the dealer.

    Returns ``(fund_qty, sold_qty)`` in whole units: the fund pays as many whole units as its
    balance covers, the rest is sold. A zero price costs the fund nothing: all on the fund."""
    if quantity < 0 or unit_price < 0:
        raise ValueError("quantity and price cannot be negative")
    whole = math.floor(quantity + EPSILON)
    if not unit_price:
        return whole, 0
    if balance <= 0:
        return 0, whole
    affordable = math.floor(balance / unit_price + EPSILON)
    fund_qty = min(whole, affordable)
    return fund_qty, whole - fund_qty


def old_part_due_date(issue_date, mode, days):
    """Return when a traded-in old part must be back (R21, R24): ``days`` after the issue, or,
    twice a year, at the end of the half-year of the issue (30 June or 31 December)."""
    if mode == "semiannual":
        if issue_date.month <= 6:
            return datetime.date(issue_date.year, 6, 30)
        return datetime.date(issue_date.year, 12, 31)
    if mode == "days":
        return issue_date + datetime.timedelta(days=days)
    raise ValueError(f"unknown old part return mode {mode!r}")

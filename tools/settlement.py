"""Quarterly settlement arithmetic of a dealer's repair fund (DOMAIN.md R12-R16).

Pure functions on amounts in yuan (``Decimal``-exact to the fen); the settlement model gathers the
quarter's ledger sums and posts what these return.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_money(value):
    """Round a number to the fen, half up, as a ``Decimal``."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def allowance(basis, rate_percent):
    """R12: ``rate_percent`` % of ``basis`` (collections or sales), rounded to the fen."""
    return to_money(to_money(basis) * Decimal(str(rate_percent)) / 100)


def forfeited_allowance(accrued, forfeit):
    """R14: what forfeiting a quarter takes of ``accrued``, the allowance of the quarter's own
    months: all of it when positive, nothing when the quarter did not forfeit or its allowance
    is negative (a negative payout is carried, never forfeited). The one home of the rule:
    the settlement's figures and the forfeiture of late corrections both ask it."""
    accrued = to_money(accrued)
    return accrued if forfeit and accrued > 0 else Decimal("0.00")


def late_forfeiture(decided, late, forfeit):
    """R12a + R14: what the corrections of a quarter's months dated in a later quarter forfeit
    together, so that a forfeited quarter stays forfeited whatever late documents do to it (a
    correction is neither paid nor taken from the later quarter it is dated in), and a
    quarter that was not forfeited forfeits none of its corrections.

    :param decided: the allowance of the quarter's months already settled: what its own
        settlement saw, with the later corrections already settled (their forfeiture with them).
    :param late: the corrections of those months not settled yet (net, signed).
    :param forfeit: whether the quarter's settlement forfeited the allowance.
    :returns: the amount forfeited with ``late`` (signed: negative gives back what a correction
        took out of the forfeited allowance), i.e. the forfeiture of the whole quarter minus
        that of what was decided.
    """
    decided, late = to_money(decided), to_money(late)
    return forfeited_allowance(decided + late, forfeit) - forfeited_allowance(decided, forfeit)


@dataclass(frozen=True)
class QuarterResult:
    opening: Decimal
    accrued: Decimal
    forfeited: Decimal
    consumed: Decimal
    paid_out: Decimal
    overspend: Decimal
    closing: Decimal


def settle_quarter(
    opening, accrued, consumed, use, forfeit=False, *, final=False, forfeitable=None
):
    """Close one quarter of a contract's fund.

    :param opening: the fund balance at the start of the quarter (never negative after a settled
        quarter, since overspend is invoiced and the fund restarts at 0).
    :param accrued: the quarter's accrued allowance (R12).
    :param consumed: what the quarter consumed, as a positive amount (parts, return and old-part
        charges, R5, R13).
    :param use: ``budget`` — the allowance stays in the fund and a positive closing carries over;
        ``payout`` — the allowance is paid to the dealer as a credit note (R13).
    :param forfeit: R14: the quarter's allowance is cancelled (falsified cards, breach).
    :param forfeitable: the part of ``accrued`` that is the quarter's own months' allowance, the
        one its forfeiture takes (R14, :func:`forfeited_allowance`); the rest are corrections
        of earlier quarters' months dated in it (R12a), which belong to those quarters. All of
        ``accrued`` when not given.
    :param final: the contract has ended by the quarter's end: no later quarter takes what is
        carried, so a negative closing is what the dealer owes back and is invoiced with the
        overspend (a payout contract paid an allowance that a late document took back).
    :returns: a :class:`QuarterResult`; ``overspend`` is what the dealer pays when the fund went
        negative (R13), after which the closing is 0.

    Payout, negative quarter (net sales below zero after credit notes): nothing is paid — a
    credit note is never negative — and the negative allowance is carried as a negative closing
    into the next quarter, whose payout it reduces. What the quarter consumed is still invoiced.
    """
    opening, accrued, consumed = to_money(opening), to_money(accrued), to_money(consumed)
    zero = Decimal("0.00")
    forfeited = forfeited_allowance(accrued if forfeitable is None else forfeitable, forfeit)
    kept = accrued - forfeited
    if use == "payout":
        paid_out = max(zero, min(kept, opening + kept))
        remaining = opening + kept - paid_out
        overspend = max(zero, consumed - max(remaining, zero))
        closing = remaining - consumed + overspend
        if final and closing < 0:
            overspend, closing = overspend - closing, zero
    else:
        paid_out = zero
        balance = opening + kept - consumed
        overspend = -balance if balance < 0 else zero
        closing = balance + overspend
    return QuarterResult(
        opening=opening,
        accrued=accrued,
        forfeited=forfeited,
        consumed=consumed,
        paid_out=paid_out,
        overspend=overspend,
        closing=closing,
    )


def allocate_oldest_first(amount, open_items):
    """Split ``amount`` over ``open_items`` — ``(key, open_amount)`` pairs already sorted oldest
    first — as a credit note is reconciled against a dealer's receivables (R15). Returns
    ``[(key, allocated)]`` for the items that get something; what is left stays unallocated."""
    left = to_money(amount)
    allocations = []
    for key, open_amount in open_items:
        if left <= 0:
            break
        take = min(left, to_money(open_amount))
        if take > 0:
            allocations.append((key, take))
            left -= take
    return allocations

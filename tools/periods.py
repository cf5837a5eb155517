"""Calendar arithmetic for contracts, warranties and quarterly settlements.

Months are calendar months: adding one month to 31 January gives the last day of February, as a
warranty that starts on the 31st ends on the last day of a shorter month. Quarters are calendar
quarters (R12, R16): Q1 is January to March.
"""

import calendar
import datetime
import functools

from dateutil.relativedelta import relativedelta


def add_months(day, months):
    """Return ``day`` moved by ``months`` calendar months, clamped to the end of a shorter month
    (dateutil's ``relativedelta`` does exactly that)."""
    return day + relativedelta(months=months)


def month_starts(first, stop):
    """Return the first days of the calendar months from that of ``first`` to that of ``stop``,
    both included (none when ``stop`` is earlier): plain integer arithmetic, as the accrual
    walks the months of hundreds of contracts at once."""
    year, month = first.year, first.month
    starts = []
    while (year, month) <= (stop.year, stop.month):
        starts.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


@functools.lru_cache(maxsize=1024)
def month_bounds(year, month):
    """Return the first and last day of a calendar month (kept once computed: the accrual asks
    for the same few months of hundreds of contracts)."""
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def previous_month(day):
    """Return the first day of the calendar month before that of ``day``."""
    return (
        datetime.date(day.year - 1, 12, 1)
        if day.month == 1
        else day.replace(day=1, month=day.month - 1)
    )


def quarter_of(day):
    """Return ``(year, quarter)`` of a date, quarter in 1..4."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year, quarter):
    """Return the first and last day of a calendar quarter."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1 to 4, not {quarter!r}")
    first_month = 3 * (quarter - 1) + 1
    start = datetime.date(year, first_month, 1)
    return start, month_bounds(year, first_month + 2)[1]


def next_quarter(year, quarter):
    """Return the ``(year, quarter)`` after the given one, crossing the year end."""
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def previous_quarter(year, quarter):
    """Return the ``(year, quarter)`` before the given one, crossing the year start."""
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def days_until(today, day):
    """Return how many days from ``today`` until ``day`` (negative when ``day`` is past)."""
    return (day - today).days


def is_expiring_soon(today, date_end, notice_days):
    """Tell whether a contract ending on ``date_end`` ends within ``notice_days`` of ``today``.

    A contract without an end date never expires; one already past its end is not "soon" but
    expired, which the daily cron handles.
    """
    if not date_end:
        return False
    return 0 <= days_until(today, date_end) <= notice_days

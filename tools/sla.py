"""Service-level arithmetic of a claim (DOMAIN.md R9, R10, R21).

R9: the dealer arranges a request within ``arrange_hours`` of the call and is on site within the
urban or suburban response hours. Deadlines are elapsed hours from the call, computed on naive
UTC datetimes as Odoo stores them, so they cross midnight, month and year ends like any clock.
R10: the first return visit falls 3 to 7 days after the repair, the second within 7 days of the
first. When an old part is due back (R21) is :func:`parts.old_part_due_date`, for claims and
requisitions alike. Nothing here imports Odoo.
"""

import datetime

FIRST_VISIT_MIN_DAYS = 3
FIRST_VISIT_MAX_DAYS = 7
SECOND_VISIT_MAX_DAYS = 7


def deadline(start, hours):
    """Return ``start`` plus ``hours`` elapsed hours, or None without a start."""
    if not start:
        return None
    return start + datetime.timedelta(hours=hours or 0)


def is_late(due, done, now):
    """Tell whether a step due at ``due`` is late: done after it, or still not done at ``now``.
    Without a deadline nothing is late."""
    if not due:
        return False
    if done:
        return done > due
    return now > due


def sla_deadlines(call_time, arrange_hours, response_hours, onsite):
    """R9: return ``(arrange_deadline, arrival_deadline)`` for a call; an arrival deadline only
    exists for on-site service."""
    arrange = deadline(call_time, arrange_hours)
    arrival = deadline(call_time, response_hours) if onsite else None
    return arrange, arrival


def is_sla_overdue(
    call_time, *, arranged, arrived, arrange_hours, response_hours, onsite, now, completed=None
):
    """R9: tell whether a claim missed (or is missing) its arrangement or arrival deadline. A
    repair completed without a recorded arrival time is not overdue for it: nobody knows when
    the technician arrived, only that the work is done."""
    arrange_due, arrival_due = sla_deadlines(call_time, arrange_hours, response_hours, onsite)
    if completed and not arrived:
        arrival_due = None
    return is_late(arrange_due, arranged, now) or is_late(arrival_due, arrived, now)


def return_visit_dates(repair_date):
    """R10: return ``(first_from, first_due, second_due)`` for a repair completed on
    ``repair_date``: the first follow-up between 3 and 7 days after it, the second within 7 days
    of the first (counted from the latest allowed first visit)."""
    first_from = repair_date + datetime.timedelta(days=FIRST_VISIT_MIN_DAYS)
    first_due = repair_date + datetime.timedelta(days=FIRST_VISIT_MAX_DAYS)
    second_due = first_due + datetime.timedelta(days=SECOND_VISIT_MAX_DAYS)
    return first_from, first_due, second_due

import datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools import sla
from .property_settings import PROPERTY_SETTINGS

DT = datetime.datetime
D = datetime.date
moments = st.datetimes(min_value=DT(2000, 1, 1), max_value=DT(2090, 12, 31))


@tagged("post_install", "-at_install")
class TestSla(BaseCase):
    def test_deadlines_cross_midnight_month_and_year_ends(self):
        rows = [
            ("same day", DT(2026, 5, 10, 9, 0), 2, 24, DT(2026, 5, 10, 11, 0), DT(2026, 5, 11, 9)),
            (
                "midnight",
                DT(2026, 5, 10, 23, 30),
                2,
                24,
                DT(2026, 5, 11, 1, 30),
                DT(2026, 5, 11, 23, 30),
            ),
            (
                "month end",
                DT(2026, 4, 30, 22, 15),
                2,
                48,
                DT(2026, 5, 1, 0, 15),
                DT(2026, 5, 2, 22, 15),
            ),
            (
                "february",
                DT(2026, 2, 28, 23, 0),
                2,
                24,
                DT(2026, 3, 1, 1, 0),
                DT(2026, 3, 1, 23, 0),
            ),
            ("leap day", DT(2028, 2, 28, 23, 0), 2, 24, DT(2028, 2, 29, 1, 0), DT(2028, 2, 29, 23)),
            (
                "year end",
                DT(2026, 12, 31, 23, 59),
                2,
                48,
                DT(2027, 1, 1, 1, 59),
                DT(2027, 1, 2, 23, 59),
            ),
        ]
        for label, call, arrange, response, arrange_due, arrival_due in rows:
            with self.subTest(label):
                self.assertEqual(
                    sla.sla_deadlines(call, arrange, response, True), (arrange_due, arrival_due)
                )
        self.assertEqual(
            sla.sla_deadlines(DT(2026, 5, 10, 9), 2, 24, False), (DT(2026, 5, 10, 11), None)
        )
        self.assertEqual(sla.sla_deadlines(None, 2, 24, True), (None, None))

    def test_overdue(self):
        call = DT(2026, 4, 30, 23, 0)
        kwargs = {"arrange_hours": 2, "response_hours": 24, "onsite": True}
        # Not yet due.
        self.assertFalse(
            sla.is_sla_overdue(
                call, arranged=None, arrived=None, now=DT(2026, 5, 1, 0, 59), **kwargs
            )
        )
        # Arrangement missing after its deadline (across the month end).
        self.assertTrue(
            sla.is_sla_overdue(
                call, arranged=None, arrived=None, now=DT(2026, 5, 1, 1, 1), **kwargs
            )
        )
        # Arranged exactly at the deadline is on time; arrival late.
        arranged = DT(2026, 5, 1, 1, 0)
        self.assertFalse(
            sla.is_sla_overdue(
                call, arranged=arranged, arrived=DT(2026, 5, 1, 23), now=DT(2026, 6, 1), **kwargs
            )
        )
        self.assertTrue(
            sla.is_sla_overdue(
                call, arranged=arranged, arrived=DT(2026, 5, 1, 23, 1), now=DT(2026, 6, 1), **kwargs
            )
        )
        # Not on site: only the arrangement counts.
        self.assertFalse(
            sla.is_sla_overdue(
                call,
                arranged=arranged,
                arrived=None,
                now=DT(2026, 6, 1),
                arrange_hours=2,
                response_hours=24,
                onsite=False,
            )
        )

    def test_completed_without_arrival_time_is_not_overdue(self):
        """Issue 12.8: a repair done without a recorded arrival time is not overdue for it."""
        call = DT(2026, 4, 30, 23, 0)
        kwargs = {"arrange_hours": 2, "response_hours": 24, "onsite": True, "now": DT(2026, 6, 1)}
        arranged = DT(2026, 5, 1, 0, 0)
        self.assertTrue(sla.is_sla_overdue(call, arranged=arranged, arrived=None, **kwargs))
        done = DT(2026, 5, 3, 10, 0)
        self.assertFalse(
            sla.is_sla_overdue(call, arranged=arranged, arrived=None, completed=done, **kwargs)
        )
        # a late arrival recorded stays late; a missing arrangement stays overdue
        self.assertTrue(
            sla.is_sla_overdue(
                call, arranged=arranged, arrived=DT(2026, 5, 2, 1), completed=done, **kwargs
            )
        )
        self.assertTrue(
            sla.is_sla_overdue(call, arranged=None, arrived=None, completed=done, **kwargs)
        )

    def test_return_visits(self):
        self.assertEqual(
            sla.return_visit_dates(D(2026, 12, 28)),
            (D(2026, 12, 31), D(2027, 1, 4), D(2027, 1, 11)),
        )

    @PROPERTY_SETTINGS
    @given(moments, st.integers(0, 240), st.integers(0, 240), st.integers(0, 10000))
    def test_done_before_deadlines_is_never_overdue(self, call, arrange, response, minutes):
        arranged = call + datetime.timedelta(hours=arrange)
        arrived = call + datetime.timedelta(hours=response)
        now = arrived + datetime.timedelta(minutes=minutes)
        self.assertFalse(
            sla.is_sla_overdue(
                call,
                arranged=arranged,
                arrived=arrived,
                arrange_hours=arrange,
                response_hours=response,
                onsite=True,
                now=now,
            )
        )

    @PROPERTY_SETTINGS
    @given(moments, st.integers(0, 240), st.integers(1, 10000))
    def test_not_arranged_after_deadline_is_overdue(self, call, arrange, minutes):
        now = call + datetime.timedelta(hours=arrange, minutes=minutes)
        self.assertTrue(
            sla.is_sla_overdue(
                call,
                arranged=None,
                arrived=None,
                arrange_hours=arrange,
                response_hours=10000,
                onsite=False,
                now=now,
            )
        )

    @PROPERTY_SETTINGS
    @given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 1, 1)))
    def test_return_visit_windows(self, day):
        first_from, first_due, second_due = sla.return_visit_dates(day)
        self.assertEqual((first_from - day).days, 3)
        self.assertEqual((first_due - day).days, 7)
        self.assertLessEqual((second_due - first_due).days, 7)

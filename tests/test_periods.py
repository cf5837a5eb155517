import datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools import periods
from .property_settings import PROPERTY_SETTINGS

dates = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 12, 31))


@tagged("post_install", "-at_install")
class TestPeriods(BaseCase):
    def test_add_months_table(self):
        rows = [
            (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
            (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
            (datetime.date(2026, 3, 15), 12, datetime.date(2027, 3, 15)),
            (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
            (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
            (datetime.date(2026, 5, 10), 0, datetime.date(2026, 5, 10)),
            (datetime.date(2026, 3, 31), -1, datetime.date(2026, 2, 28)),
            (datetime.date(2026, 1, 15), -13, datetime.date(2024, 12, 15)),
        ]
        for start, months, expected in rows:
            with self.subTest(start=start, months=months):
                self.assertEqual(periods.add_months(start, months), expected)

    def test_month_starts_table(self):
        d = datetime.date
        rows = [
            (d(2026, 1, 15), d(2026, 3, 31), [d(2026, 1, 1), d(2026, 2, 1), d(2026, 3, 1)]),
            (
                d(2026, 11, 30),
                d(2027, 2, 1),
                [d(2026, 11, 1), d(2026, 12, 1), d(2027, 1, 1), d(2027, 2, 1)],
            ),
            (d(2026, 5, 31), d(2026, 5, 1), [d(2026, 5, 1)]),
            (d(2026, 5, 1), d(2026, 4, 30), []),
        ]
        for first, stop, expected in rows:
            with self.subTest(first=first, stop=stop):
                self.assertEqual(periods.month_starts(first, stop), expected)

    @PROPERTY_SETTINGS
    @given(dates, dates)
    def test_month_starts_properties(self, first, stop):
        starts = periods.month_starts(first, stop)
        expected, month = [], first.replace(day=1)
        while month <= stop:
            expected.append(month)
            month = periods.add_months(month, 1)
        self.assertEqual(starts, expected)

    def test_quarters_table(self):
        rows = [
            (datetime.date(2026, 1, 1), (2026, 1)),
            (datetime.date(2026, 3, 31), (2026, 1)),
            (datetime.date(2026, 4, 1), (2026, 2)),
            (datetime.date(2026, 9, 30), (2026, 3)),
            (datetime.date(2026, 12, 31), (2026, 4)),
        ]
        for day, expected in rows:
            with self.subTest(day=day):
                self.assertEqual(periods.quarter_of(day), expected)
        self.assertEqual(
            periods.quarter_bounds(2026, 1), (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
        )
        self.assertEqual(
            periods.quarter_bounds(2028, 1), (datetime.date(2028, 1, 1), datetime.date(2028, 3, 31))
        )
        self.assertEqual(
            periods.quarter_bounds(2026, 4),
            (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
        )
        self.assertEqual(periods.next_quarter(2026, 4), (2027, 1))
        self.assertEqual(periods.previous_quarter(2027, 1), (2026, 4))
        for day, expected in (
            (datetime.date(2026, 1, 1), datetime.date(2025, 12, 1)),
            (datetime.date(2026, 3, 31), datetime.date(2026, 2, 1)),
            (datetime.date(2028, 3, 1), datetime.date(2028, 2, 1)),
            (datetime.date(2026, 12, 31), datetime.date(2026, 11, 1)),
        ):
            with self.subTest(day=day):
                self.assertEqual(periods.previous_month(day), expected)
        with self.assertRaises(ValueError):
            periods.quarter_bounds(2026, 5)

    def test_expiring_soon_table(self):
        today = datetime.date(2026, 11, 24)
        rows = [
            (None, 30, False),
            (datetime.date(2026, 11, 23), 30, False),
            (datetime.date(2026, 11, 24), 30, True),
            (datetime.date(2026, 12, 24), 30, True),
            (datetime.date(2026, 12, 25), 30, False),
            (datetime.date(2026, 11, 24), 0, True),
        ]
        for end, notice, expected in rows:
            with self.subTest(end=end, notice=notice):
                self.assertEqual(periods.is_expiring_soon(today, end, notice), expected)

    @PROPERTY_SETTINGS
    @given(dates, st.integers(min_value=-240, max_value=240))
    def test_add_months_properties(self, day, months):
        moved = periods.add_months(day, months)
        self.assertEqual((moved.year * 12 + moved.month) - (day.year * 12 + day.month), months)
        self.assertLessEqual(moved.day, day.day)
        if moved.day < day.day:
            # clamped: the target month has no such day, so we are on its last day
            self.assertEqual((moved + datetime.timedelta(days=1)).day, 1)

    @PROPERTY_SETTINGS
    @given(dates)
    def test_previous_month_ends_the_day_before_this_month(self, day):
        before = periods.previous_month(day)
        self.assertEqual(before.day, 1)
        self.assertEqual(before, periods.add_months(day.replace(day=1), -1))
        self.assertEqual(
            periods.month_bounds(before.year, before.month)[1] + datetime.timedelta(days=1),
            day.replace(day=1),
        )

    @PROPERTY_SETTINGS
    @given(dates)
    def test_quarter_contains_its_days(self, day):
        start, end = periods.quarter_bounds(*periods.quarter_of(day))
        self.assertLessEqual(start, day)
        self.assertLessEqual(day, end)
        following = periods.quarter_bounds(*periods.next_quarter(*periods.quarter_of(day)))
        self.assertEqual(following[0], end + datetime.timedelta(days=1))
        self.assertEqual(
            periods.previous_quarter(*periods.next_quarter(*periods.quarter_of(day))),
            periods.quarter_of(day),
        )

import datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools import parts
from .property_settings import PROPERTY_SETTINGS


@tagged("post_install", "-at_install")
class TestPartsTools(BaseCase):
    def test_stocking_quantity_table(self):
        rows = [
            (0, 10.0, 0),
            (1, 10.0, 1),
            (10, 10.0, 1),
            (11, 10.0, 2),
            (3, 10.0, 1),
            (30, 10.0, 3),
            (25, 12.5, 4),
            (100, 0.0, 0),
            (7, 100.0, 7),
        ]
        for delivered, percent, expected in rows:
            with self.subTest(delivered=delivered, percent=percent):
                self.assertEqual(parts.stocking_quantity(delivered, percent), expected)
        with self.assertRaises(ValueError):
            parts.stocking_quantity(-1, 10)

    def test_split_on_fund_table(self):
        rows = [
            # quantity, price, balance -> fund, sold
            (5, 20.0, 1000.0, 5, 0),
            (5, 20.0, 60.0, 3, 2),
            (5, 20.0, 59.99, 2, 3),
            (5, 20.0, 0.0, 0, 5),
            (5, 20.0, -30.0, 0, 5),
            (3, 0.0, 0.0, 3, 0),
            (4, 34.5, 69.0, 2, 2),
            (0, 10.0, 100.0, 0, 0),
        ]
        for qty, price, balance, fund, sold in rows:
            with self.subTest(qty=qty, price=price, balance=balance):
                self.assertEqual(parts.split_on_fund(qty, price, balance), (fund, sold))

    def test_old_part_due_date_table(self):
        rows = [
            (datetime.date(2026, 3, 10), "days", 30, datetime.date(2026, 4, 9)),
            (datetime.date(2026, 12, 20), "days", 30, datetime.date(2027, 1, 19)),
            (datetime.date(2026, 3, 10), "semiannual", 30, datetime.date(2026, 6, 30)),
            (datetime.date(2026, 6, 30), "semiannual", 0, datetime.date(2026, 6, 30)),
            (datetime.date(2026, 7, 1), "semiannual", 0, datetime.date(2026, 12, 31)),
            (datetime.date(2026, 1, 20), "days", 30, datetime.date(2026, 2, 19)),
            (datetime.date(2026, 6, 30), "semiannual", 30, datetime.date(2026, 6, 30)),
            (datetime.date(2026, 7, 1), "semiannual", 30, datetime.date(2026, 12, 31)),
            (None, "days", 30, None),
        ]
        for issued, mode, days, expected in rows:
            with self.subTest(issued=issued, mode=mode):
                self.assertEqual(parts.old_part_due_date(issued, mode, days), expected)
        with self.assertRaises(ValueError):
            parts.old_part_due_date(datetime.date(2026, 1, 1), "weekly", 7)

    @PROPERTY_SETTINGS
    @given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 1, 1)))
    def test_semiannual_due_is_a_half_year_end_within_six_months(self, day):
        due = parts.old_part_due_date(day, "semiannual", 0)
        self.assertIn((due.month, due.day), ((6, 30), (12, 31)))
        self.assertGreaterEqual(due, day)
        self.assertLess((due - day).days, 184)

    @PROPERTY_SETTINGS
    @given(st.integers(min_value=0, max_value=100000), st.floats(min_value=0, max_value=100))
    def test_stocking_quantity_properties(self, delivered, percent):
        qty = parts.stocking_quantity(delivered, percent)
        exact = delivered * percent / 100
        self.assertIsInstance(qty, int)
        self.assertGreaterEqual(qty + parts.EPSILON, exact)
        self.assertLess(qty - 1, exact + parts.EPSILON)

    @PROPERTY_SETTINGS
    @given(
        st.integers(min_value=0, max_value=1000),
        st.decimals(min_value=0, max_value=10000, places=2),
        st.decimals(min_value=-1000, max_value=100000, places=2),
    )
    def test_split_on_fund_properties(self, qty, price, balance):
        price, balance = float(price), float(balance)
        fund, sold = parts.split_on_fund(qty, price, balance)
        self.assertEqual(fund + sold, qty)
        self.assertGreaterEqual(fund, 0)
        self.assertGreaterEqual(sold, 0)
        if price:
            # the fund never pays more than its balance, and one more unit would not fit
            self.assertLessEqual(fund * price, max(balance, 0) + 1e-4)
            if sold:
                self.assertGreater((fund + 1) * price, balance - 1e-4)

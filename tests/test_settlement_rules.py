from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools.settlement import allocate_oldest_first, allowance, settle_quarter
from .property_settings import PROPERTY_SETTINGS

D = Decimal
money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)


@tagged("post_install", "-at_install")
class TestSettlementRules(BaseCase):
    def test_worked_budget_year(self):
        """DOMAIN issue 4: collections 3 % budget through 2026, carried into 2027."""
        q1 = settle_quarter(0, allowance(200000, 3), 7500, "budget")
        self.assertEqual((q1.accrued, q1.overspend, q1.closing), (D("6000.00"), D("1500.00"), 0))
        q2 = settle_quarter(q1.closing, allowance(100000, 3), 1000 + 200, "budget")
        self.assertEqual((q2.accrued, q2.overspend, q2.closing), (D("3000.00"), 0, D("1800.00")))
        q3 = settle_quarter(q2.closing, allowance(0, 3), 500, "budget")
        self.assertEqual(q3.closing, D("1300.00"))
        q4 = settle_quarter(q3.closing, allowance(50000, 3), 300, "budget", forfeit=True)
        self.assertEqual(
            (q4.accrued, q4.forfeited, q4.closing), (D("1500.00"), D("1500.00"), D("1000.00"))
        )

    def test_table(self):
        rows = [
            # opening, accrued, consumed, use, forfeit -> paid_out, overspend, closing
            (0, 2700, 0, "payout", False, "2700.00", "0.00", "0.00"),
            (0, 2700, 0, "payout", True, "0.00", "0.00", "0.00"),
            (0, 2700, 100, "payout", False, "2700.00", "100.00", "0.00"),
            (500, 0, 500, "budget", False, "0.00", "0.00", "0.00"),
            (500, 0, 500.01, "budget", False, "0.00", "0.01", "0.00"),
            (0, 0, 0, "budget", False, "0.00", "0.00", "0.00"),
            (100, 50, 0, "budget", True, "0.00", "0.00", "100.00"),
            # payout, negative quarter: nothing paid, the negative carried into the next payout
            (0, -200, 0, "payout", False, "0.00", "0.00", "-200.00"),
            (-200, 600, 0, "payout", False, "400.00", "0.00", "0.00"),
            (-200, 100, 30, "payout", False, "0.00", "30.00", "-100.00"),
            (0, -200, 0, "payout", True, "0.00", "0.00", "-200.00"),
        ]
        for opening, accrued, consumed, use, forfeit, paid, over, closing in rows:
            with self.subTest(opening=opening, accrued=accrued, consumed=consumed, use=use):
                result = settle_quarter(opening, accrued, consumed, use, forfeit)
                self.assertEqual(result.paid_out, D(paid))
                self.assertEqual(result.overspend, D(over))
                self.assertEqual(result.closing, D(closing))

    def test_final_quarter_owes_a_negative_closing_back(self):
        """The contract's last quarter: nothing carries over, a negative closing is invoiced
        with the overspend; a positive one stays (a budget contract's fund)."""
        rows = [
            # opening, accrued, consumed, use -> paid_out, overspend, closing
            (0, -300, 0, "payout", "0.00", "300.00", "0.00"),
            (0, -300, 40, "payout", "0.00", "340.00", "0.00"),
            (-200, 100, 30, "payout", "0.00", "130.00", "0.00"),
            (-200, 600, 0, "payout", "400.00", "0.00", "0.00"),
            (0, 2700, 100, "payout", "2700.00", "100.00", "0.00"),
            (500, -100, 0, "budget", "0.00", "0.00", "400.00"),
            (100, -300, 0, "budget", "0.00", "200.00", "0.00"),
        ]
        for opening, accrued, consumed, use, paid, over, closing in rows:
            with self.subTest(opening=opening, accrued=accrued, consumed=consumed, use=use):
                result = settle_quarter(opening, accrued, consumed, use, final=True)
                self.assertEqual(result.paid_out, D(paid))
                self.assertEqual(result.overspend, D(over))
                self.assertEqual(result.closing, D(closing))

    def test_allowance_rounding(self):
        self.assertEqual(allowance("333.33", 3), D("10.00"))
        self.assertEqual(allowance("16.50", 3), D("0.50"))
        self.assertEqual(allowance("16.84", 3), D("0.51"))

    def test_allocate_oldest_first(self):
        items = [("inv1", 1000), ("inv2", 2000), ("inv3", 500)]
        self.assertEqual(
            allocate_oldest_first(2700, items), [("inv1", D("1000.00")), ("inv2", D("1700.00"))]
        )
        self.assertEqual(allocate_oldest_first(0, items), [])
        self.assertEqual(sum(a for _k, a in allocate_oldest_first(9999, items)), D("3500.00"))

    @PROPERTY_SETTINGS
    @given(
        opening=money,
        accrued=money,
        consumed=money,
        use=st.sampled_from(["budget", "payout"]),
        forfeit=st.booleans(),
        final=st.booleans(),
    )
    def test_fund_identity(self, *, opening, accrued, consumed, use, forfeit, final):
        r = settle_quarter(opening, accrued, consumed, use, forfeit, final=final)
        # every yuan is accounted for: closing = opening + accrued - forfeited - paid - consumed
        #                                         + overspend the dealer pays back
        self.assertEqual(
            r.closing,
            r.opening + r.accrued - r.forfeited - r.paid_out - r.consumed + r.overspend,
        )
        self.assertGreaterEqual(r.closing, 0)
        self.assertTrue(r.overspend == 0 or r.closing == 0)
        if forfeit:
            self.assertEqual(r.paid_out, 0)
        if use == "budget":
            self.assertEqual(r.paid_out, 0)

    @PROPERTY_SETTINGS
    @given(money, st.lists(money, max_size=8))
    def test_allocation_never_exceeds(self, amount, opens):
        items = list(enumerate(opens))
        allocations = allocate_oldest_first(amount, items)
        total = sum((a for _k, a in allocations), D(0))
        self.assertLessEqual(total, amount)
        self.assertEqual(total, min(amount, sum(opens, D(0))))
        for key, allocated in allocations:
            self.assertLessEqual(allocated, opens[key])
        # oldest first: only the last allocated item may be partial
        for key, allocated in allocations[:-1]:
            self.assertEqual(allocated, opens[key])

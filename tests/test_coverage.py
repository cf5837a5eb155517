import datetime
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools import coverage
from ..tools.coverage import Facts
from .property_settings import PROPERTY_SETTINGS

D = datetime.date
SALE = D(2026, 3, 10)
# A covered baseline: running contract, registered card, product defect, called in warranty.
BASE = Facts(
    call_date=D(2026, 6, 1),
    sale_date=SALE,
    delivery_date=D(2026, 2, 1),
    card_state="registered",
    cause_category="product_defect",
    contract_state="running",
)

dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))
facts = st.builds(
    Facts,
    call_date=dates,
    sale_date=st.none() | dates,
    delivery_date=st.none() | dates,
    card_state=st.sampled_from([None, "draft", "registered", "late", "void"]),
    card_falsified=st.booleans(),
    cause_category=st.sampled_from(
        [None, "product_defect", "customer_misuse", "transport", "wear", "other"]
    ),
    contract_state=st.sampled_from([None, "draft", "running", "expired", "terminated"]),
    warranty_months=st.integers(min_value=0, max_value=60),
    doa_days=st.integers(min_value=0, max_value=30),
    quality_days=st.integers(min_value=0, max_value=60),
    extra_warranty_days=st.integers(min_value=0, max_value=90),
)


@tagged("post_install", "-at_install")
class TestCoverage(BaseCase):
    def test_coverage_matrix(self):
        """Every branch of decide(), in the order they are checked (R1-R4, R20)."""
        rows = [
            ("covered", {}, True, coverage.COVERED, coverage.WINDOW_NONE),
            ("no contract", {"contract_state": None}, False, coverage.NO_CONTRACT, "none"),
            ("draft contract", {"contract_state": "draft"}, False, "contract_not_running", "none"),
            ("expired", {"contract_state": "expired"}, False, "contract_not_running", "none"),
            ("terminated", {"contract_state": "terminated"}, False, "contract_not_running", "none"),
            ("no card", {"card_state": None}, False, coverage.NO_CARD, "none"),
            ("draft card", {"card_state": "draft"}, False, coverage.NO_CARD, "none"),
            ("void card", {"card_state": "void"}, False, coverage.CARD_VOID, "none"),
            ("late card", {"card_state": "late"}, False, coverage.CARD_LATE, "none"),
            ("falsified", {"card_falsified": True}, False, coverage.CARD_FALSIFIED, "none"),
            ("no sale date", {"sale_date": None}, False, coverage.NO_SALE_DATE, "none"),
            ("before sale", {"call_date": D(2026, 3, 9)}, False, "call_before_sale", "none"),
            ("last day", {"call_date": D(2027, 3, 10)}, True, coverage.COVERED, "none"),
            ("day after", {"call_date": D(2027, 3, 11)}, False, coverage.OUT_OF_WARRANTY, "none"),
            (
                "extended by repair days",
                {"call_date": D(2027, 3, 15), "extra_warranty_days": 5},
                True,
                coverage.COVERED,
                "none",
            ),
            (
                "24 months",
                {"call_date": D(2027, 6, 1), "warranty_months": 24},
                True,
                "covered",
                "none",
            ),
            ("misuse", {"cause_category": "customer_misuse"}, False, "customer_misuse", "none"),
            ("wear is covered", {"cause_category": "wear"}, True, coverage.COVERED, "none"),
            ("unknown cause", {"cause_category": None}, True, coverage.COVERED, "none"),
            (
                "DOA window",
                {"delivery_date": D(2026, 5, 28)},
                True,
                coverage.COVERED,
                coverage.WINDOW_DOA,
            ),
            (
                "DOA last day",
                {"delivery_date": D(2026, 5, 25)},
                True,
                coverage.COVERED,
                coverage.WINDOW_DOA,
            ),
            (
                "quality window",
                {"call_date": D(2026, 3, 25)},
                True,
                coverage.COVERED,
                coverage.WINDOW_QUALITY,
            ),
            (
                "quality window over",
                {"call_date": D(2026, 3, 26)},
                True,
                coverage.COVERED,
                coverage.WINDOW_NONE,
            ),
            (
                "misuse in the DOA window is not DOA",
                {"delivery_date": D(2026, 5, 28), "cause_category": "customer_misuse"},
                False,
                coverage.CUSTOMER_MISUSE,
                coverage.WINDOW_NONE,
            ),
            (
                "unsold unit dead on arrival, no card",
                {"card_state": None, "sale_date": None, "delivery_date": D(2026, 5, 25)},
                True,
                coverage.COVERED,
                coverage.WINDOW_DOA,
            ),
            (
                "unsold unit with a draft card from the delivery",
                {"card_state": "draft", "sale_date": None, "delivery_date": D(2026, 5, 28)},
                True,
                coverage.COVERED,
                coverage.WINDOW_DOA,
            ),
            (
                "unsold unit a day past the dead-on-arrival days",
                {"card_state": None, "sale_date": None, "delivery_date": D(2026, 5, 24)},
                False,
                coverage.NO_CARD,
                "none",
            ),
            (
                "unsold unit damaged in transport",
                {
                    "card_state": None,
                    "sale_date": None,
                    "delivery_date": D(2026, 5, 28),
                    "cause_category": "transport",
                },
                False,
                coverage.NO_CARD,
                "none",
            ),
            (
                "sold unit with its card left in draft is not unsold",
                {"card_state": "draft", "delivery_date": D(2026, 5, 28)},
                False,
                coverage.NO_CARD,
                "none",
            ),
            (
                "unsold unit without a running contract",
                {
                    "card_state": None,
                    "sale_date": None,
                    "delivery_date": D(2026, 5, 28),
                    "contract_state": "expired",
                },
                False,
                "contract_not_running",
                "none",
            ),
            (
                "first failure wins: no contract before late card",
                {"contract_state": None, "card_state": "late"},
                False,
                coverage.NO_CONTRACT,
                "none",
            ),
        ]
        for label, changes, covered, reason, window in rows:
            with self.subTest(label):
                decision = coverage.decide(replace(BASE, **changes))
                self.assertEqual(decision.covered, covered)
                self.assertEqual(decision.reason, reason)
                self.assertEqual(decision.window, window)

    def test_warranty_end_and_late_card(self):
        self.assertEqual(coverage.warranty_end(D(2026, 1, 31), 1), D(2026, 2, 28))
        self.assertEqual(coverage.warranty_end(D(2026, 1, 31), 12, 3), D(2027, 2, 3))
        self.assertIsNone(coverage.warranty_end(None, 12))
        self.assertFalse(coverage.is_card_late(D(2026, 1, 1), D(2026, 1, 21), 20))
        self.assertTrue(coverage.is_card_late(D(2026, 1, 1), D(2026, 1, 22), 20))
        self.assertFalse(coverage.is_card_late(D(2026, 1, 1), None, 20))

    @PROPERTY_SETTINGS
    @given(facts)
    def test_never_covered_after_warranty_end(self, f):
        decision = coverage.decide(f)
        if decision.covered and coverage.unsold_dead_on_arrival(f):
            # never sold, so no warranty runs yet: covered as dead on arrival (R3) only
            self.assertEqual(decision.window, coverage.WINDOW_DOA)
            self.assertLessEqual((f.call_date - f.delivery_date).days, f.doa_days)
        elif decision.covered:
            self.assertIsNotNone(decision.warranty_end)
            self.assertLessEqual(f.call_date, decision.warranty_end)
            self.assertGreaterEqual(f.call_date, f.sale_date)

    @PROPERTY_SETTINGS
    @given(facts, st.integers(min_value=1, max_value=2000))
    def test_later_call_never_turns_uncovered_into_covered(self, f, days):
        """Once a claim called on or after the sale is uncovered, a later call stays uncovered.
        (A call dated before the sale is a data error, not a coverage fact.)"""
        if f.sale_date is not None and f.call_date < f.sale_date:
            return
        if f.delivery_date is not None and f.call_date < f.delivery_date:
            return
        later = replace(f, call_date=f.call_date + datetime.timedelta(days=days))
        if not coverage.decide(f).covered:
            self.assertFalse(coverage.decide(later).covered)

    @PROPERTY_SETTINGS
    @given(facts)
    def test_covered_only_with_running_contract_and_good_card(self, f):
        decision = coverage.decide(f)
        if decision.covered:
            self.assertEqual(f.contract_state, "running")
            if coverage.unsold_dead_on_arrival(f):
                self.assertIn(f.card_state, (None, "draft"))
            else:
                self.assertEqual(f.card_state, "registered")
            self.assertFalse(f.card_falsified)
            self.assertNotEqual(f.cause_category, "customer_misuse")
        else:
            self.assertIn(decision.reason, coverage.UNCOVERED_REASONS)
            self.assertEqual(decision.window, coverage.WINDOW_NONE)

    @PROPERTY_SETTINGS
    @given(facts, st.integers(min_value=1, max_value=24))
    def test_longer_warranty_never_uncovers(self, f, extra_months):
        longer = replace(f, warranty_months=f.warranty_months + extra_months)
        if coverage.decide(f).covered:
            self.assertTrue(coverage.decide(longer).covered)

    def test_who_pays(self):
        """Issue 12.2 (合同二 第三条2): the customer pays only for misuse and out-of-warranty
        work; the dealer's own failures are the dealer's cost."""
        rows = [
            ("covered", {}, coverage.PAYER_MANUFACTURER),
            ("late card", {"card_state": "late"}, coverage.PAYER_DEALER),
            ("falsified card", {"card_falsified": True}, coverage.PAYER_DEALER),
            ("no contract", {"contract_state": None}, coverage.PAYER_DEALER),
            ("expired contract", {"contract_state": "expired"}, coverage.PAYER_DEALER),
            ("no card", {"card_state": None}, coverage.PAYER_DEALER),
            ("before sale", {"call_date": D(2026, 3, 9)}, coverage.PAYER_DEALER),
            ("misuse", {"cause_category": "customer_misuse"}, coverage.PAYER_CUSTOMER),
            (
                "misuse on a late card",
                {"cause_category": "customer_misuse", "card_state": "late"},
                coverage.PAYER_CUSTOMER,
            ),
            ("out of warranty", {"call_date": D(2027, 3, 11)}, coverage.PAYER_CUSTOMER),
            (
                "out of warranty, late card",
                {"call_date": D(2027, 3, 11), "card_state": "late"},
                coverage.PAYER_CUSTOMER,
            ),
        ]
        for label, changes, payer in rows:
            with self.subTest(label):
                self.assertEqual(coverage.decide(replace(BASE, **changes)).payer, payer)

    def test_transport_damage_is_never_doa_and_replaced_parts_keep_their_warranty(self):
        doa = replace(BASE, call_date=D(2026, 2, 3), sale_date=D(2026, 2, 2))
        self.assertEqual(coverage.decide(doa).window, coverage.WINDOW_DOA)
        transport = replace(doa, cause_category="transport")
        self.assertTrue(coverage.decide(transport).covered)
        self.assertEqual(coverage.decide(transport).window, coverage.WINDOW_NONE)
        after = replace(BASE, call_date=D(2027, 4, 1))
        self.assertEqual(coverage.decide(after).reason, coverage.OUT_OF_WARRANTY)
        on_part = replace(after, part_warranty_end=D(2027, 4, 1))
        self.assertEqual(coverage.decide(on_part).reason, coverage.COVERED_PART)
        self.assertTrue(coverage.decide(on_part).covered)
        past_part = replace(after, part_warranty_end=D(2027, 3, 31))
        self.assertEqual(coverage.decide(past_part).reason, coverage.OUT_OF_WARRANTY)

    def test_contract_in_force_on_a_day(self):
        start, end = D(2026, 1, 1), D(2026, 12, 31)
        rows = [
            (D(2026, 12, 31), "expired", None, True),
            (D(2027, 1, 1), "expired", None, False),
            (D(2025, 12, 31), "running", None, False),
            (D(2026, 6, 15), "terminated", D(2026, 6, 15), True),
            (D(2026, 6, 16), "terminated", D(2026, 6, 15), False),
            (D(2026, 6, 16), "draft", None, False),
        ]
        for day, state, termination, expected in rows:
            with self.subTest(day=day, state=state):
                self.assertEqual(
                    coverage.contract_in_force(day, state, start, end, termination), expected
                )

    @PROPERTY_SETTINGS
    @given(facts)
    def test_customer_pays_only_misuse_or_out_of_warranty(self, f):
        decision = coverage.decide(f)
        if decision.payer == coverage.PAYER_CUSTOMER:
            self.assertFalse(decision.covered)
            self.assertTrue(
                f.cause_category == "customer_misuse"
                or (decision.warranty_end is not None and f.call_date > decision.warranty_end)
            )
        self.assertEqual(decision.covered, decision.payer == coverage.PAYER_MANUFACTURER)

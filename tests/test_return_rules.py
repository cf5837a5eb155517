import datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools import returns
from .property_settings import PROPERTY_SETTINGS

D = datetime.date
dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))
offsets = st.integers(min_value=-400, max_value=800)


@tagged("post_install", "-at_install")
class TestReturnRules(BaseCase):
    def test_suggestion_table(self):
        delivered = D(2026, 3, 1)
        sold = D(2026, 3, 10)
        end = D(2027, 3, 10)
        rows = [
            # defect date, delivery, sale, warranty end -> type, reason, days
            (D(2026, 3, 1), delivered, None, None, returns.TYPE_DOA, returns.REASON_DOA_WINDOW, 0),
            (D(2026, 3, 8), delivered, None, None, returns.TYPE_DOA, returns.REASON_DOA_WINDOW, 7),
            (
                D(2026, 3, 9),
                delivered,
                None,
                None,
                returns.TYPE_DEALER_STOCK,
                returns.REASON_NO_CARD,
                None,
            ),
            (
                D(2026, 3, 9),
                delivered,
                sold,
                end,
                returns.TYPE_DEALER_STOCK,
                returns.REASON_BEFORE_SALE,
                -1,
            ),
            (
                D(2026, 3, 10),
                delivered,
                sold,
                end,
                returns.TYPE_QUALITY,
                returns.REASON_QUALITY_WINDOW,
                0,
            ),
            (
                D(2026, 3, 25),
                delivered,
                sold,
                end,
                returns.TYPE_QUALITY,
                returns.REASON_QUALITY_WINDOW,
                15,
            ),
            (
                D(2026, 3, 26),
                delivered,
                sold,
                end,
                returns.TYPE_IN_WARRANTY,
                returns.REASON_IN_WARRANTY,
                16,
            ),
            (
                D(2027, 3, 10),
                delivered,
                sold,
                end,
                returns.TYPE_IN_WARRANTY,
                returns.REASON_IN_WARRANTY,
                365,
            ),
            (
                D(2027, 3, 11),
                delivered,
                sold,
                end,
                returns.TYPE_OUT_OF_WARRANTY,
                returns.REASON_OUT_OF_WARRANTY,
                366,
            ),
            (
                D(2026, 2, 28),
                delivered,
                None,
                None,
                returns.TYPE_DEALER_STOCK,
                returns.REASON_NO_CARD,
                None,
            ),
            (
                D(2026, 5, 1),
                None,
                None,
                None,
                returns.TYPE_DEALER_STOCK,
                returns.REASON_NO_CARD,
                None,
            ),
            # DOA wins over the quality window when both apply.
            (
                D(2026, 3, 5),
                delivered,
                D(2026, 3, 3),
                end,
                returns.TYPE_DOA,
                returns.REASON_DOA_WINDOW,
                4,
            ),
        ]
        for defect, delivery, sale, warranty_end, rtype, reason, days in rows:
            with self.subTest(defect=defect, delivery=delivery, sale=sale):
                got = returns.suggest(returns.Facts(defect, delivery, sale, warranty_end))
                self.assertEqual(got, returns.Suggestion(rtype, reason, days))

    def test_windows_follow_the_contract_terms(self):
        delivered = D(2026, 6, 1)
        self.assertEqual(
            returns.suggest(returns.Facts(D(2026, 6, 11), delivered, doa_days=10)).return_type,
            returns.TYPE_DOA,
        )
        self.assertEqual(
            returns.suggest(returns.Facts(D(2026, 6, 12), delivered, doa_days=10)).return_type,
            returns.TYPE_DEALER_STOCK,
        )
        sold = D(2026, 6, 1)
        self.assertEqual(
            returns.suggest(
                returns.Facts(D(2026, 7, 1), sale_date=sold, quality_days=30)
            ).return_type,
            returns.TYPE_QUALITY,
        )
        self.assertEqual(
            returns.suggest(
                returns.Facts(D(2026, 7, 2), sale_date=sold, quality_days=30)
            ).return_type,
            returns.TYPE_IN_WARRANTY,
        )

    def test_liability_table(self):
        M, Dl = returns.MANUFACTURER, returns.DEALER
        rows = [
            (returns.TYPE_DOA, None, (M, M, M, M)),
            (returns.TYPE_QUALITY, None, (M, M, M, M)),
            (returns.TYPE_BATCH, None, (M, M, M, M)),
            (returns.TYPE_IN_WARRANTY, None, (Dl, M, Dl, M)),
            (returns.TYPE_OUT_OF_WARRANTY, None, (Dl, Dl, Dl, M)),
            (returns.TYPE_DEALER_STOCK, returns.STOCK_PRODUCT_FAULT, (M, M, M, M)),
            (returns.TYPE_DEALER_STOCK, returns.STOCK_DISMANTLED, (Dl, Dl, M, Dl)),
            (returns.TYPE_DEALER_STOCK, returns.STOCK_UNSELLABLE, (Dl, Dl, M, M)),
            # The sub-case only matters for dealer stock returns.
            (returns.TYPE_IN_WARRANTY, returns.STOCK_DISMANTLED, (Dl, M, Dl, M)),
        ]
        for rtype, case, expected in rows:
            with self.subTest(rtype=rtype, case=case):
                self.assertEqual(returns.liability(rtype, case), returns.Liability(*expected))
        with self.assertRaises(ValueError):
            returns.liability(returns.TYPE_DEALER_STOCK)
        with self.assertRaises(ValueError):
            returns.liability("gift")

    def test_split_costs_table(self):
        amounts = {
            returns.FREIGHT_IN: 80.0,
            returns.FREIGHT_OUT: 60.0,
            returns.PARTS: 120.0,
            returns.LABOUR: 45.0,
        }
        split = returns.split_costs(returns.liability(returns.TYPE_IN_WARRANTY), amounts)
        self.assertEqual(split[returns.DEALER], {returns.FREIGHT_IN: 80.0, returns.PARTS: 120.0})
        self.assertEqual(
            split[returns.MANUFACTURER], {returns.FREIGHT_OUT: 60.0, returns.LABOUR: 45.0}
        )
        split = returns.split_costs(
            returns.liability(returns.TYPE_DEALER_STOCK, returns.STOCK_DISMANTLED),
            {returns.FREIGHT_IN: 50.0},
        )
        self.assertEqual(
            split, {returns.MANUFACTURER: {}, returns.DEALER: {returns.FREIGHT_IN: 50.0}}
        )

    def test_restocking_fee_table(self):
        rows = [
            (1000.0, "none", 50.0, 0.0),
            (1000.0, "fixed", 50.0, 50.0),
            (30.0, "fixed", 50.0, 30.0),
            (1000.0, "percent", 15.0, 150.0),
            (0.0, "percent", 15.0, 0.0),
            (1000.0, "percent", 0.0, 0.0),
        ]
        for base, kind, value, expected in rows:
            with self.subTest(base=base, kind=kind, value=value):
                self.assertAlmostEqual(returns.restocking_fee(base, kind, value), expected)

    @PROPERTY_SETTINGS
    @given(dates, offsets, offsets, st.integers(0, 60), st.integers(0, 60))
    def test_suggestion_properties(self, defect, since_delivery, since_sale, doa, quality):
        delivery = defect - datetime.timedelta(days=since_delivery)
        sale = defect - datetime.timedelta(days=since_sale)
        end = sale + datetime.timedelta(days=365)
        got = returns.suggest(returns.Facts(defect, delivery, sale, end, doa, quality))
        self.assertIn(got.return_type, returns.TYPES)
        self.assertNotEqual(got.return_type, returns.TYPE_BATCH)
        in_doa = 0 <= since_delivery <= doa
        in_quality = 0 <= since_sale <= quality
        self.assertEqual(got.return_type == returns.TYPE_DOA, in_doa)
        self.assertEqual(got.return_type == returns.TYPE_QUALITY, in_quality and not in_doa)
        if not in_doa and not in_quality:
            if since_sale < 0:
                expected = returns.TYPE_DEALER_STOCK
            elif defect <= end:
                expected = returns.TYPE_IN_WARRANTY
            else:
                expected = returns.TYPE_OUT_OF_WARRANTY
            self.assertEqual(got.return_type, expected)
        # Without a card, a unit outside the DOA window is always dealer stock.
        no_card = returns.suggest(
            returns.Facts(defect, delivery, doa_days=doa, quality_days=quality)
        )
        self.assertEqual(
            no_card.return_type, returns.TYPE_DOA if in_doa else returns.TYPE_DEALER_STOCK, no_card
        )

    @PROPERTY_SETTINGS
    @given(
        st.sampled_from(
            [(t, None) for t in returns.TYPES if t != returns.TYPE_DEALER_STOCK]
            + [(returns.TYPE_DEALER_STOCK, c) for c in returns.STOCK_CASES]
        ),
        st.dictionaries(
            st.sampled_from(returns.COST_ITEMS),
            st.floats(min_value=0, max_value=1e6, allow_nan=False),
        ),
    )
    def test_split_costs_properties(self, key, amounts):
        rule = returns.liability(*key)
        split = returns.split_costs(rule, amounts)
        total = sum(split[returns.MANUFACTURER].values()) + sum(split[returns.DEALER].values())
        self.assertAlmostEqual(total, sum(amounts.values()))
        for party, items in split.items():
            for item in items:
                self.assertEqual(rule.payer(item), party)
        if key[0] in (returns.TYPE_DOA, returns.TYPE_QUALITY, returns.TYPE_BATCH):
            self.assertEqual(split[returns.DEALER], {}, "R3/R4/R8: the dealer never pays")

    @PROPERTY_SETTINGS
    @given(
        st.floats(min_value=0, max_value=1e7, allow_nan=False),
        st.sampled_from(["none", "fixed", "percent"]),
        st.floats(min_value=0, max_value=100, allow_nan=False),
    )
    def test_restocking_fee_properties(self, base, kind, value):
        fee = returns.restocking_fee(base, kind, value)
        self.assertGreaterEqual(fee, 0.0)
        self.assertLessEqual(fee, base + 1e-6)

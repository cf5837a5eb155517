from datetime import date, datetime

from odoo.tests import freeze_time, tagged

from .common_portal import PortalCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 10:00:00")
class TestPortalTours(PortalCase):
    """The dealer's portal flows clicked through in headless Chromium, in the dealer's
    language (the tours use selectors only).

    The whole class runs frozen on 15 June 2026: the data of ``PortalCase`` is built from that
    day, and the server thread that answers the browser sees it too (the sale, call and defect
    dates are checked against the server's today). The browser keeps its own clock, so the
    tours type dates counted back from the same fixed day (after_sales_portal_tour.js)."""

    def test_frozen_day(self):
        """The fixture and the tours share one fixed day, whatever the machine's date."""
        self.assertEqual(self.today, date(2026, 6, 15))
        self.assertEqual(self.settlement_a.year, 2026)
        self.assertEqual(self.settlement_a.quarter, "1")

    def test_register_card(self):
        self.start_tour("/my", "after_sales_portal_register_card", login="as_portal_a")
        card = self.env["after_sales.warranty.card"].search([("lot_id.name", "=", "SN-TOUR-1")])
        self.assertEqual(card.dealer_id, self.dealer_a)
        self.assertEqual(card.state, "registered")
        self.assertEqual(card.customer_name, "Tour Customer")
        self.assertEqual(card.invoice_number, "INV-TOUR-1")
        self.assertEqual(card.contract_id, self.contract_a)
        self.assertEqual(card.sale_date, date(2026, 6, 12), "typed three days before the 15th")
        self.assertEqual(card.date_received, date(2026, 6, 15), "received on the frozen day")

    def test_upload_spreadsheet_with_one_bad_row(self):
        self.start_tour(
            "/my/after-sales/cards", "after_sales_portal_import_cards", login="as_portal_a"
        )
        cards = self.env["after_sales.warranty.card"].search(
            [("lot_id.name", "like", "SN-TOUR-IMP-")]
        )
        self.assertEqual(sorted(cards.lot_id.mapped("name")), ["SN-TOUR-IMP-1", "SN-TOUR-IMP-3"])
        self.assertEqual(cards.dealer_id, self.dealer_a)
        self.assertEqual(set(cards.mapped("state")), {"registered"})
        self.assertEqual(sorted(cards.mapped("sale_date")), [date(2026, 6, 9), date(2026, 6, 10)])

    def test_claim_with_photo_and_signature(self):
        self.start_tour("/my/after-sales/cards", "after_sales_portal_claim", login="as_portal_a")
        claim = self.env["after_sales.claim"].search([("symptom", "=", "Tour: no hot water")])
        self.assertEqual(claim.state, "submitted")
        self.assertEqual(claim.card_id, self.card_a)
        self.assertEqual(claim.dealer_id, self.dealer_a)
        self.assertEqual(claim.cause_category, "product_defect")
        self.assertTrue(claim.onsite)
        self.assertEqual(claim.zone, "urban")
        # typed 13 June 2026 09:00 in the dealer's time zone (Asia/Shanghai)
        self.assertEqual(claim.call_time, datetime(2026, 6, 13, 1, 0))
        self.assertTrue(claim.customer_signature)
        self.assertEqual(claim.line_ids.product_id, self.knob)
        self.assertEqual(claim.user_id, self.desk, "the contract's responsible follows it")
        photos = self.env["ir.attachment"].search(
            [("res_model", "=", "after_sales.claim"), ("res_id", "=", claim.id)]
        )
        self.assertEqual(len(photos), 1)
        self.assertEqual(photos.mimetype, "image/png")
        self.assertTrue(claim.is_covered)
        self.assertEqual(claim.reimbursable_amount, 80.0, "flat 50 + on-site 30")

    def test_request_return(self):
        self.start_tour("/my/after-sales/returns", "after_sales_portal_return", login="as_portal_a")
        ret = self.env["after_sales.return"].search([("description", "=", "Tour: knobs cracked")])
        self.assertEqual(ret.state, "submitted")
        self.assertEqual(ret.dealer_id, self.dealer_a)
        self.assertEqual(ret.line_ids.quantity, 4)
        self.assertEqual(ret.line_ids.reason, "Cracked on arrival")
        self.assertEqual(ret.return_type, "dealer_stock", "no card: the dealer's stock")
        self.assertEqual(ret.stock_case, "product_fault")
        self.assertEqual(ret.date_defect, date(2026, 6, 14))
        self.assertEqual(ret.freight_in_payer, "manufacturer", "a product fault: we pay freight")

    def test_request_parts(self):
        self.start_tour("/my/after-sales/parts", "after_sales_portal_parts", login="as_portal_a")
        requisition = self.env["after_sales.parts.request"].search(
            [("dealer_id", "=", self.dealer_a.id), ("id", "!=", self.parts_a.id)]
        )
        self.assertEqual(requisition.state, "submitted")
        self.assertEqual(requisition.shipping_mode, "ems")
        self.assertEqual(requisition.line_ids.quantity, 2)
        self.assertEqual(requisition.contract_id, self.contract_a)

    def test_confirm_notice_and_download_pdf(self):
        self.start_tour(
            "/my/after-sales/settlements",
            "after_sales_portal_confirm_notice",
            login="as_portal_a",
        )
        self.assertIn(self.settlement_a.state, ("confirmed", "posted"))
        self.assertEqual(self.settlement_a.confirmed_by, self.user_a.name)
        self.assertEqual(self.settlement_b.state, "notified")

    def test_dispute_notice(self):
        self.start_tour(
            "/my/after-sales/settlements",
            "after_sales_portal_dispute_notice",
            login="as_portal_a",
        )
        self.assertEqual(self.settlement_a.state, "draft")
        self.assertEqual(self.settlement_a.activity_ids.user_id, self.desk)
        self.assertIn("one claim is missing", self.settlement_a.activity_ids.note)

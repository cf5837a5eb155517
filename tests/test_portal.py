from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDealerPortal(HttpCase):
    """A dealer's portal user sees its own settlements only and confirms a write-off notice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.dealer = env["res.partner"].create({"name": "Portal Dealer", "is_company": True})
        cls.contact = env["res.partner"].create(
            {"name": "Portal Contact", "parent_id": cls.dealer.id, "email": "pd@example.com"}
        )
        cls.portal_user = new_test_user(
            env,
            "as_portal_dealer",
            groups="base.group_portal",
            partner_id=cls.contact.id,
            password="as_portal_dealer",
        )
        other_dealer = env["res.partner"].create({"name": "Other Dealer", "is_company": True})
        contracts = env["after_sales.contract"].create(
            [
                {
                    "dealer_id": dealer.id,
                    "date_start": date(2026, 1, 1),
                    "claim_reimbursement": "flat",
                }
                for dealer in (cls.dealer, other_dealer)
            ]
        )
        contracts.action_start()
        cls.settlement, cls.other_settlement = env["after_sales.settlement"].create(
            [{"contract_id": contract.id, "year": 2026, "quarter": "1"} for contract in contracts]
        )
        (cls.settlement | cls.other_settlement).write(
            {"state": "notified", "reimbursed_amount": 80.0}
        )
        cls.claim = env["after_sales.claim"].create(
            {"name": "CLAIM-PORTAL-1", "dealer_id": cls.dealer.id, "onsite": True}
        )
        cls.claim.sudo().settlement_id = cls.settlement

    def test_portal_sees_own_settlements_only(self):
        Settlement = self.env["after_sales.settlement"].with_user(self.portal_user)
        self.assertEqual(Settlement.search([]), self.settlement)
        self.authenticate("as_portal_dealer", "as_portal_dealer")
        response = self.url_open(f"/my/after-sales/settlements/{self.other_settlement.id}")
        self.assertNotIn(self.other_settlement.name, response.text)
        response = self.url_open("/my/after-sales/settlements")
        self.assertIn(self.settlement.name, response.text)
        self.assertNotIn(self.other_settlement.name, response.text)
        pdf = self.url_open(f"/my/after-sales/settlements/{self.settlement.id}?report_type=html")
        self.assertIn("三包费用核销通知", pdf.content.decode())

    def test_dealer_confirms_write_off_notice(self):
        self.start_tour(
            "/my/after-sales/settlements",
            "after_sales_portal_confirm_writeoff",
            login="as_portal_dealer",
        )
        self.assertEqual(self.settlement.state, "posted")
        self.assertEqual(self.settlement.confirmed_by, self.portal_user.name)
        self.assertEqual(self.other_settlement.state, "notified")
        self.assertEqual(self.settlement.date_confirmed, date.today())
        self.assertTrue(
            self.settlement.message_ids.filtered(
                lambda m: m.author_id == self.portal_user.partner_id
            ),
            "the confirmation is logged in the dealer's name",
        )

    def test_portal_lists_the_dealers_own_documents(self):
        self.authenticate("as_portal_dealer", "as_portal_dealer")
        response = self.url_open("/my/after-sales/contracts")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.settlement.contract_id.name, response.text)
        self.assertNotIn(self.other_settlement.contract_id.name, response.text)
        response = self.url_open("/my/after-sales/claims")
        self.assertIn("CLAIM-PORTAL-1", response.text)
        other_claim = self.env["after_sales.claim"].create(
            {"name": "CLAIM-OTHER-9", "dealer_id": self.other_settlement.dealer_id.id}
        )
        response = self.url_open("/my/after-sales/claims")
        self.assertNotIn(other_claim.name, response.text)
        for kind in ("cards", "returns"):
            self.assertEqual(self.url_open(f"/my/after-sales/{kind}").status_code, 200)
        home = self.url_open("/my/home")
        self.assertIn("/my/after-sales/claims", home.text)

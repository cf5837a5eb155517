from datetime import date

from odoo import Command
from odoo.tests import HttpCase, freeze_time, tagged

from .common import TEST_DAY


@tagged("post_install", "-at_install")
@TEST_DAY
class TestBackendTours(HttpCase):
    """Key backend flows clicked through in headless Chromium."""

    @freeze_time("2026-06-15 10:00:00")
    def test_manager_creates_and_starts_a_contract(self):
        """The server (and the thread answering the browser) runs frozen on 15 June 2026: the
        contract starts on that day whatever the machine's date."""
        dealer = self.env["res.partner"].create({"name": "Tour Dealer", "is_company": True})
        self.env.ref("base.user_admin").lang = "en_US"
        self.start_tour("/odoo", "after_sales_contract_start", login="admin")
        contract = self.env["after_sales.contract"].search([("dealer_id", "=", dealer.id)])
        self.assertEqual(contract.state, "running")
        self.assertEqual(contract.warranty_months, 12)
        self.assertTrue(contract.name.startswith("ASC/"))
        self.assertEqual(contract.date_start, date(2026, 6, 15), "starts today by default")


@tagged("post_install", "-at_install")
@TEST_DAY
class TestChineseBackOfficeTour(HttpCase):
    """The main back-office flow clicked through in Simplified Chinese: warranty card, claim,
    approval, quarterly settlement and write-off notice; the tour fails on an English label
    left on those screens (after_sales_zh_flow_tour.js)."""

    @freeze_time("2026-05-20 10:00:00")
    def test_main_flow_in_chinese(self):
        """Runs frozen on 20 May 2026, in the second quarter: the server thread that answers
        the browser sees that day too (the claim's call time, the approval date, the wizard's
        quarter). The browser keeps its own clock, so the tour types the fixed quarter and year
        (after_sales_zh_flow_tour.js). The quarter is settled, and its notice sent, on the
        first day of the next quarter (a quarter is never settled before its end)."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        self.assertTrue(env["res.lang"]._get_data(code="zh_CN"), "the test database has zh_CN")
        groups = [
            "base.group_user",
            "after_sales_service.after_sales_service_group_manager",
            "account.group_account_manager",
        ]
        user = env["res.users"].create(
            {
                "name": "售后经理",
                "login": "as_zh_manager",
                "password": "as_zh_manager",
                "lang": "zh_CN",
                "tz": "Asia/Shanghai",
                "group_ids": [Command.set([env.ref(xmlid).id for xmlid in groups])],
            }
        )
        dealer = env["res.partner"].create(
            {"name": "顺达测试经销商", "is_company": True, "lang": "zh_CN"}
        )
        # the contract starts with this quarter (Q2 2026), the one the claim is settled in
        contract = env["after_sales.contract"].create(
            {
                "dealer_id": dealer.id,
                "date_start": date(2026, 4, 1),
                "date_end": date(2026, 12, 31),
                "allowance_basis": "none",
                "claim_reimbursement": "flat",
                "flat_claim_amount": 50.0,
            }
        )
        contract.action_start()
        product = env["product.product"].create({"name": "抽油烟机 RH-9", "list_price": 1899.0})
        card = env["after_sales.warranty.card"].create(
            {
                "dealer_id": dealer.id,
                "product_id": product.id,
                "customer_name": "张三",
                "customer_phone": "13800000001",
                "sale_date": date(2026, 5, 10),
            }
        )
        self.start_tour(
            f"/odoo/action-after_sales_service.after_sales_warranty_card_action/{card.id}",
            "after_sales_zh_flow",
            login="as_zh_manager",
        )
        self.assertEqual(card.state, "registered")
        claim = env["after_sales.claim"].search([("card_id", "=", card.id)])
        self.assertEqual(claim.symptom, "风机不转")
        self.assertEqual(claim.approver_id, user)
        self.assertEqual(claim.date_approved, date(2026, 5, 20))
        # a quarter is settled once it has ended: settle it as finance would on the next
        # quarter's first day, then send the notice from the settlement in Chinese
        with freeze_time("2026-07-01 02:00:00"):
            env["after_sales.settlement"]._settle_contracts(contract, 2026, 2)
            settlement = env["after_sales.settlement"].search([("contract_id", "=", contract.id)])
            self.assertEqual(settlement.state, "draft")
            self.start_tour(
                f"/odoo/action-after_sales_service.after_sales_settlement_action/{settlement.id}",
                "after_sales_zh_notice",
                login="as_zh_manager",
            )
        self.assertEqual(settlement.state, "notified")
        self.assertEqual(settlement.date_notified, date(2026, 7, 1))
        self.assertEqual((settlement.year, settlement.quarter), (2026, "2"))
        self.assertIn(claim, settlement.claim_ids)

"""Guards found missing by this wave's audit: who may put a contract in force, a manager's reach
over another company's service plans, and the receipt date of cards a dealer uploads."""

import base64
import io
from datetime import date, timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AfterSalesCase
from .common_portal import PortalCase


@tagged("post_install", "-at_install")
class TestActionGuards(AfterSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, "as_guard_sales", groups="sales_team.group_sale_salesman"
        )
        cls.storekeeper = new_test_user(cls.env, "as_guard_stock", groups="stock.group_stock_user")
        cls.draft = cls._create_contract(cls.other_dealer)

    def test_only_the_desk_puts_a_draft_contract_in_force(self):
        for user in (self.salesman, self.storekeeper, self.user_plain):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.draft.with_user(user).action_start()
            self.assertEqual(self.draft.state, "draft")
        self.draft.with_user(self.user_desk).action_start()
        self.assertEqual(self.draft.state, "running")

    def test_a_desk_user_starts_no_contract_of_a_company_he_does_not_work_for(self):
        other_company = self.env["res.company"].create({"name": "Guard Other Co"})
        foreign = self._create_contract(self.other_dealer, company_id=other_company.id)
        self.assertNotIn(other_company, self.user_desk.company_ids)
        with self.assertRaises(AccessError):
            foreign.with_user(self.user_desk).action_start()
        self.assertEqual(foreign.state, "draft")

    def test_a_manager_cancels_no_plan_of_another_company(self):
        other_company = self.env["res.company"].create({"name": "Guard Plan Co"})
        plan_product = self.env["product.product"].create(
            {
                "name": "Guard service card",
                "type": "service",
                "after_sales_is_plan": True,
                "after_sales_plan_visits": 2,
                "after_sales_plan_validity_months": 12,
                "company_id": other_company.id,
            }
        )
        customer = self.env["res.partner"].create({"name": "Mr Zhao"})
        plan = self.env["after_sales.service.plan"].create(
            {
                "partner_id": customer.id,
                "product_id": plan_product.id,
                "company_id": other_company.id,
                "date_start": date(2026, 12, 1),
            }
        )
        self.assertNotIn(other_company, self.user_manager.company_ids)
        with self.assertRaises(AccessError):
            plan.with_user(self.user_manager).action_cancel()
        self.assertNotEqual(plan.state, "cancelled")
        own = self.env["after_sales.service.plan"].create(
            {
                "partner_id": customer.id,
                "product_id": self.env["product.product"]
                .create({"name": "Guard own card", "type": "service", "after_sales_is_plan": True})
                .id,
                "date_start": date(2026, 12, 1),
            }
        )
        own.with_user(self.user_manager).action_cancel()
        self.assertEqual(own.state, "cancelled")


@tagged("post_install", "-at_install")
class TestPortalCardReceipt(PortalCase):
    def test_an_uploaded_card_is_received_the_day_it_is_uploaded(self):
        """A dealer's file cannot date back the receipt: a card sold 60 days ago is late even
        when the file says it was received five days after the sale."""
        self.authenticate("as_portal_a", "as_portal_a")
        sold = self.today - timedelta(days=60)
        claimed = sold + timedelta(days=5)
        csv_content = (
            "Product Code,Serial Number,Sale Date,Customer Name,Received Date\n"
            f"PH-100,SN-LATE-1,{sold},Late One,{claimed}\n"
            f"PH-100,SN-FRESH-1,{self.today - timedelta(days=3)},Fresh One,\n"
        ).encode()
        response = self.url_open(
            "/my/after-sales/cards/import",
            data={"csrf_token": self._csrf(), "mode": "good_rows"},
            files={"upload": ("cards.csv", io.BytesIO(csv_content), "text/csv")},
        )
        self.assertEqual(response.status_code, 200)
        Card = self.env["after_sales.warranty.card"]
        late = Card.search([("lot_id.name", "=", "SN-LATE-1")])
        fresh = Card.search([("lot_id.name", "=", "SN-FRESH-1")])
        self.assertEqual(late.date_received, self.today)
        self.assertTrue(late.is_late, "60 days after the sale, past the 20-day deadline")
        self.assertEqual(fresh.date_received, self.today)
        self.assertFalse(fresh.is_late)

    def test_the_back_office_still_imports_the_received_date_it_was_given(self):
        received = self.today - timedelta(days=50)
        csv_content = (
            "Product Code,Serial Number,Dealer,Sale Date,Customer Name,Received Date\n"
            f"PH-100,SN-DESK-1,{self.dealer_a.name},{received - timedelta(days=2)},"
            f"Desk One,{received}\n"
        ).encode()
        wizard = self.env["after_sales.warranty.card.import"].create(
            {"file": base64.b64encode(csv_content), "filename": "cards.csv"}
        )
        wizard.action_import()
        card = self.env["after_sales.warranty.card"].search([("lot_id.name", "=", "SN-DESK-1")])
        self.assertEqual(card.date_received, received)
        self.assertFalse(card.is_late)

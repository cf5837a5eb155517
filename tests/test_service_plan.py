from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged

from .common import AfterSalesCase


@tagged("post_install", "-at_install")
class TestServicePlan(AfterSalesCase):
    """R29: gold 24 h x 5 visits, single 72 h x 1, sold on a sale order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold = cls.env["product.product"].create(
            {
                "name": "Gold service card",
                "type": "service",
                "list_price": 2980.0,
                "after_sales_is_plan": True,
                "after_sales_plan_response_hours": 24,
                "after_sales_plan_visits": 5,
                "after_sales_plan_validity_months": 12,
            }
        )
        cls.single = cls.env["product.product"].create(
            {
                "name": "Single service",
                "type": "service",
                "list_price": 300.0,
                "after_sales_is_plan": True,
                "after_sales_plan_response_hours": 72,
                "after_sales_plan_visits": 1,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Mrs Li"})

    def _sell(self, product, qty=1):
        form = Form(self.env["sale.order"])
        form.partner_id = self.customer
        with form.order_line.new() as line:
            line.product_id = product
            line.product_uom_qty = qty
        order = form.save()
        with freeze_time("2026-03-15"):
            order.action_confirm()
        return order

    def test_confirming_the_order_creates_the_plans_once(self):
        order = self._sell(self.gold, qty=2)
        plans = self.env["after_sales.service.plan"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(len(plans), 2)
        self.assertRecordValues(
            plans[:1],
            [
                {
                    "partner_id": self.customer.id,
                    "response_hours": 24,
                    "visits_total": 5,
                    "visits_left": 5,
                    "date_start": date(2026, 3, 15),
                    "date_end": date(2027, 3, 14),
                }
            ],
        )
        self.env["after_sales.service.plan"]._create_from_sale_lines(order.order_line)
        self.assertEqual(
            self.env["after_sales.service.plan"].search_count([("sale_order_id", "=", order.id)]),
            2,
        )
        order._action_cancel()
        self.assertEqual(set(plans.mapped("state")), {"cancelled"})

    def test_visits_are_consumed_within_validity(self):
        plan = self.env["after_sales.service.plan"].search(
            [("sale_order_id", "=", self._sell(self.single).id)]
        )
        self.assertEqual(plan.state, "active")
        with self.assertRaisesRegex(UserError, "is valid from 2026-03-15"):
            plan._consume_visit(date(2026, 3, 1))
        plan._consume_visit(date(2026, 5, 1))
        self.assertEqual((plan.visits_left, plan.state), (0, "used"))
        with self.assertRaisesRegex(UserError, "has no visit left"):
            plan._consume_visit(date(2026, 5, 2))
        plan._release_visit()
        self.assertEqual((plan.visits_left, plan.state), (1, "active"))
        with freeze_time("2027-03-20"):
            self.env["after_sales.service.plan"]._cron_expire()
        self.assertEqual(plan.state, "expired")
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            plan.visits_total = -1

    def test_what_a_sold_plan_entitles_to_is_the_servers(self):
        plan = self.env["after_sales.service.plan"].search(
            [("sale_order_id", "=", self._sell(self.gold).id)]
        )
        desk = plan.with_user(self.user_desk)
        for fname, value in [
            ("visits_used", 0),
            ("state", "active"),
            ("visits_left", 9),
            ("sale_line_id", False),
            ("name", "SP-FORGED"),
        ]:
            with self.subTest(field=fname), self.assertRaises(AccessError):
                desk.write({fname: value})
        with self.assertRaisesRegex(AccessError, "only an after-sales manager changes"):
            desk.write({"visits_total": 50})
        with self.assertRaisesRegex(AccessError, "only an after-sales manager changes"):
            desk.write({"date_end": date(2030, 1, 1)})
        with self.assertRaisesRegex(AccessError, "Only an after-sales manager cancels"):
            desk.action_cancel()
        with self.assertRaises(AccessError):
            self.env["after_sales.service.plan"].with_user(self.user_desk).create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.gold.id,
                    "visits_used": -10,
                }
            )
        self.assertRecordValues(
            plan, [{"visits_total": 5, "visits_used": 0, "state": "active", "visits_left": 5}]
        )
        plan.with_user(self.user_manager).write({"visits_total": 6})
        self.assertEqual(plan.visits_left, 6)
        with self.assertRaisesRegex(UserError, "was sold or used: cancel it instead"):
            plan.with_user(self.user_manager).unlink()
        plan.with_user(self.user_manager).action_cancel()
        self.assertEqual(plan.state, "cancelled")

    def test_claim_uses_the_plan_visit_and_response_time(self):
        contract = self._running_contract(response_hours_urban=48, arrange_hours=2)
        plan = self.env["after_sales.service.plan"].search(
            [("sale_order_id", "=", self._sell(self.gold).id)]
        )
        product = self.env["product.product"].create({"name": "Range hood"})
        claim = self.env["after_sales.claim"].create(
            {
                "dealer_id": self.dealer.id,
                "product_id": product.id,
                "customer_id": self.customer.id,
                "call_time": "2026-04-01 08:00:00",
                "onsite": True,
            }
        )
        self.assertEqual(claim.contract_id, contract)
        self.assertEqual(claim.service_plan_id, plan)
        self.assertEqual(str(claim.arrival_deadline), "2026-04-02 08:00:00", "gold: 24 h")
        claim.action_submit()
        self.assertEqual(plan.visits_left, 4)
        claim.action_cancel()
        self.assertEqual(plan.visits_left, 5, "a cancelled request gives its visit back")

    def test_plans_follow_the_unit_and_the_companys_day(self):
        """A dozen sold is twelve plans; an order confirmed at 01:00 in Shanghai (17:00 UTC the
        day before) starts its plans on the Shanghai day; half a plan is refused."""
        self.env.company.partner_id.tz = "Asia/Shanghai"
        dozen = self.env.ref("uom.product_uom_dozen")
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.single.id,
                            "product_uom_qty": 1,
                            "product_uom_id": dozen.id,
                        }
                    )
                ],
            }
        )
        with freeze_time("2026-04-30 17:00:00"):
            order.action_confirm()
        plans = self.env["after_sales.service.plan"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(len(plans), 12)
        self.assertEqual(len(set(plans.mapped("name"))), 12)
        self.assertEqual(set(plans.mapped("date_start")), {date(2026, 5, 1)})
        self.assertEqual(set(plans.mapped("date_end")), {date(2027, 4, 30)})
        with self.assertRaisesRegex(UserError, "is not a whole number of plans"):
            self._sell(self.single, qty=1.5)

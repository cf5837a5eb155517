"""Audit of the customer service plans (R29, section 9): what any plan entitles to is set by
its sale or by an after-sales manager, never by a salesperson or the service desk."""

import re
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import AfterSalesCase


def _plan_product(env, name="Gold service card", visits=5, hours=24):
    return env["product.product"].create(
        {
            "name": name,
            "type": "service",
            "list_price": 2980.0,
            "invoice_policy": "order",
            "after_sales_is_plan": True,
            "after_sales_plan_response_hours": hours,
            "after_sales_plan_visits": visits,
            "after_sales_plan_validity_months": 12,
        }
    )


@tagged("post_install", "-at_install")
@freeze_time("2026-03-16 02:00:00")
class TestServicePlanEntitlement(AfterSalesCase):
    """Defect C: a salesperson or the desk created or stretched plans nobody sold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold = _plan_product(cls.env)
        cls.customer = cls.env["res.partner"].create({"name": "Mrs Li"})
        cls.salesman = new_test_user(
            cls.env, "plan_entitlement_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.Plan = cls.env["after_sales.service.plan"]

    def _create_error(self, fields):
        return re.escape(
            "Service plan Gold service card for Mrs Li: a plan is created by the sale order "
            "that sells it, or by an after-sales manager; you may not set what it entitles to "
            f"({fields})."
        )

    def test_nobody_but_a_manager_creates_a_plan(self):
        vals = {
            "partner_id": self.customer.id,
            "product_id": self.gold.id,
            "visits_total": 99,
            "response_hours": 1,
        }
        for user in (self.salesman, self.user_desk, self.user_appraiser):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(
                    AccessError, self._create_error("Customer, Plan, Visits, Response Hours")
                ),
            ):
                self.Plan.with_user(user).create(vals)
        # the same through the form's defaults
        with self.assertRaisesRegex(AccessError, self._create_error("Customer, Plan, Date End")):
            self.Plan.with_user(self.user_desk).with_context(
                default_partner_id=self.customer.id,
                default_product_id=self.gold.id,
                default_date_end="2040-01-01",
            ).create({})
        self.assertFalse(self.Plan.search([("partner_id", "=", self.customer.id)]))
        plan = self.Plan.with_user(self.user_manager).create(vals)
        self.assertRecordValues(
            plan, [{"visits_total": 99, "response_hours": 1, "state": "active"}]
        )

    def test_an_unsold_plan_keeps_its_entitlement(self):
        plan = self.Plan.create({"partner_id": self.customer.id, "product_id": self.gold.id})
        self.assertEqual(plan.date_end, date(2027, 3, 15))
        with self.assertRaisesRegex(
            AccessError,
            re.escape(
                f"Service plan {plan.name} was not sold on an order: only an after-sales "
                "manager sets what it entitles to (Visits, Date End)."
            ),
        ):
            plan.with_user(self.user_desk).write(
                {"visits_total": 500, "date_end": date(2040, 1, 1)}
            )
        for fname, value in [
            ("partner_id", self.dealer.id),
            ("product_id", _plan_product(self.env, name="Other card").id),
            ("response_hours", 1),
            ("date_start", date(2020, 1, 1)),
        ]:
            with self.subTest(field=fname), self.assertRaises(AccessError):
                plan.with_user(self.user_desk).write({fname: value})
        with self.assertRaisesRegex(
            AccessError,
            self._create_error(
                "Customer, Plan, Date Start, Date End, Visits, Response Hours, Company"
            ),
        ):
            plan.with_user(self.user_desk).copy()
        with self.assertRaises(AccessError):
            plan.with_user(self.salesman).write({"visits_total": 500})
        self.assertRecordValues(
            plan,
            [
                {
                    "partner_id": self.customer.id,
                    "visits_total": 5,
                    "response_hours": 24,
                    "date_start": date(2026, 3, 16),
                    "date_end": date(2027, 3, 15),
                }
            ],
        )
        plan.with_user(self.user_manager).write({"visits_total": 6})
        self.assertEqual(plan.visits_left, 6)

    def test_a_sold_plan_copied_by_a_manager_is_not_sold(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.gold.id})],
            }
        )
        order.action_confirm()
        plan = self.Plan.search([("sale_order_id", "=", order.id)])
        copy = plan.with_user(self.user_manager).copy()
        self.assertRecordValues(copy, [{"sale_line_id": False, "visits_total": 5}])
        self.assertEqual(self.Plan.search_count([("sale_order_id", "=", order.id)]), 1)

    def test_the_sale_sets_the_plan_for_the_salesperson(self):
        """The sale creates the plan under sudo() whoever confirms it."""
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [Command.create({"product_id": self.gold.id})],
                }
            )
        )
        order.action_confirm()
        self.assertRecordValues(
            self.Plan.search([("sale_order_id", "=", order.id)]),
            [{"visits_total": 5, "response_hours": 24, "state": "active"}],
        )

"""Audit of the customer service plans (R29, section 9): a plan exists as long as its sale sells
it. A quantity lowered on a confirmed order cancels the unused plans in excess (and is refused
when only used ones could go); a posted credit note cancels the unused plans it refunds and
leaves the used ones to a manager, with an activity for the salesperson; and what any plan
entitles to is set by its sale or by an after-sales manager, never by a salesperson or the
service desk."""

import re
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, freeze_time, new_test_user, tagged
from odoo.tools import html2plaintext

from .common import AfterSalesCase, SettlementCase


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


class PlanSaleMixin:
    """Selling plans as the salesperson, and reading what the chatter says."""

    def _sell(self, qty=2, product=None):
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "order_line": [
                        Command.create(
                            {"product_id": (product or self.gold).id, "product_uom_qty": qty}
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        return order.sudo(False), self._plans(order)

    def _plans(self, order, states=None):
        domain = [("sale_order_id", "=", order.id)]
        if states:
            domain.append(("state", "in", states))
        return self.env["after_sales.service.plan"].search(domain, order="id")

    def _notes(self, record):
        return [html2plaintext(body) for body in record.message_ids.mapped("body") if body]


@tagged("post_install", "-at_install")
@freeze_time("2026-03-16 02:00:00")
class TestServicePlanQuantity(PlanSaleMixin, AfterSalesCase):
    """Defect A: a quantity lowered on a confirmed order left every plan active."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold = _plan_product(cls.env)
        cls.customer = cls.env["res.partner"].create({"name": "Mrs Li"})
        cls.salesman = new_test_user(
            cls.env, "plan_salesman", groups="sales_team.group_sale_salesman"
        )

    def test_lowering_the_quantity_cancels_the_newest_unused_plan(self):
        order, plans = self._sell(qty=2)
        self.assertEqual(plans.mapped("state"), ["active", "active"])
        order.with_user(self.salesman).order_line.product_uom_qty = 1
        self.assertEqual(plans.mapped("state"), ["active", "cancelled"])
        note = (
            f"Service plan {plans[1].name} cancelled: order {order.name} now sells 1 Units "
            f"of Gold service card."
        )
        self.assertIn(note, self._notes(plans[1]))
        self.assertIn(note, self._notes(order))
        self.assertNotIn(note, self._notes(plans[0]))
        # raised again, the line sells a new plan; the cancelled one stays cancelled
        order.with_user(self.salesman).order_line.product_uom_qty = 2
        self.assertEqual(self._plans(order).mapped("state"), ["active", "cancelled", "active"])
        # to none: both active ones go
        order.with_user(self.salesman).order_line.product_uom_qty = 0
        self.assertEqual(self._plans(order, ["active"]).ids, [])

    def test_the_unused_plan_goes_before_the_used_one(self):
        order, plans = self._sell(qty=2)
        plans[0].sudo()._consume_visit(date(2026, 3, 20))
        order.with_user(self.salesman).order_line.product_uom_qty = 1
        self.assertRecordValues(
            plans,
            [
                {"state": "active", "visits_used": 1, "visits_left": 4},
                {"state": "cancelled", "visits_used": 0, "visits_left": 5},
            ],
        )

    def test_a_used_plan_is_not_cancelled_by_a_lower_quantity(self):
        order, plans = self._sell(qty=2)
        plans[1].sudo()._consume_visit(date(2026, 3, 20))
        line = order.order_line
        with self.assertRaisesRegex(
            UserError,
            re.escape(
                f"Order {order.name}: 0 Units of Gold service card would cancel service plan "
                f"{plans[1].name}, whose visits were already used. An after-sales manager "
                "cancels a used plan before the order sells fewer."
            ),
        ):
            line.with_user(self.salesman).product_uom_qty = 0
        # nothing half-saved: the quantity, the unused plan and the used one are as they were
        self.assertEqual(line.product_uom_qty, 2)
        self.assertEqual(plans.mapped("state"), ["active", "active"])
        # once the manager cancelled the used plan, the salesperson lowers the quantity
        plans[1].with_user(self.user_manager).action_cancel()
        line.with_user(self.salesman).product_uom_qty = 1
        self.assertEqual(plans.mapped("state"), ["active", "cancelled"])

    def test_another_plan_on_the_line_replaces_the_plans(self):
        silver = _plan_product(self.env, name="Silver service card", hours=48)
        order, plans = self._sell(qty=1)
        order.order_line.product_id = silver
        self.assertEqual(plans.state, "cancelled")
        new = self._plans(order, ["active"])
        self.assertRecordValues(new, [{"product_id": silver.id, "response_hours": 48}])

    def test_cancelling_the_order_cancels_its_unused_plans(self):
        order, plans = self._sell(qty=2)
        order.with_user(self.salesman)._action_cancel()
        self.assertEqual(plans.mapped("state"), ["cancelled", "cancelled"])
        order.action_draft()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(len(self._plans(order, ["active"])), 2)


@tagged("post_install", "-at_install")
@freeze_time("2026-12-07 02:00:00")
class TestServicePlanRefund(PlanSaleMixin, SettlementCase):
    """Defect B: a plan refunded by a posted credit note stayed active with its visits."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold = _plan_product(cls.env)
        cls.customer = cls.env["res.partner"].create({"name": "Mrs Li"})
        cls.salesman = new_test_user(
            cls.env,
            "plan_refund_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # an accountant who is neither a salesperson nor an after-sales user
        cls.accountant = new_test_user(
            cls.env,
            "plan_accountant",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _invoice(self, order):
        invoice = order._create_invoices()
        invoice.with_user(self.accountant).action_post()
        return invoice

    def _refund(self, invoice, quantity=None):
        """A credit note of ``invoice`` posted by the accountant, for ``quantity`` of its
        line (all of it by default)."""
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "plan returned"})
        )
        wizard.refund_moves()
        refund = invoice.reversal_move_ids
        if quantity is not None:
            refund.invoice_line_ids.quantity = quantity
        refund.with_user(self.accountant).action_post()
        return refund

    def test_a_full_refund_cancels_the_unused_plans(self):
        order, plans = self._sell(qty=2)
        invoice = self._invoice(order)
        self.assertEqual(plans.mapped("state"), ["active", "active"], "invoicing keeps them")
        refund = self._refund(invoice)
        self.assertEqual(refund.state, "posted")
        self.assertEqual(order.order_line.qty_invoiced, 0)
        self.assertEqual(plans.mapped("state"), ["cancelled", "cancelled"])
        for plan in plans:
            note = (
                f"Service plan {plan.name} cancelled: {refund.name} refunded Gold "
                f"service card of order {order.name}."
            )
            self.assertIn(note, self._notes(plan))
        self.assertIn(
            f"Service plan {plans[0].name}, {plans[1].name} cancelled: {refund.name} "
            f"refunded Gold service card of order {order.name}.",
            self._notes(order),
        )

    def test_a_partial_refund_then_a_lower_quantity_is_taken_off_once(self):
        order, plans = self._sell(qty=2)
        self._refund(self._invoice(order), quantity=1)
        self.assertEqual(plans.mapped("state"), ["active", "cancelled"])
        # the salesperson then brings the order to what the customer kept
        order.with_user(self.salesman).order_line.product_uom_qty = 1
        self.assertEqual(self._plans(order).mapped("state"), ["active", "cancelled"])

    def test_a_refund_corrected_by_a_new_invoice_sells_the_plans_again(self):
        order, plans = self._sell(qty=1)
        invoice = self._invoice(order)
        self._refund(invoice)
        self.assertEqual(plans.state, "cancelled")
        self._invoice(order)
        again = self._plans(order, ["active"])
        self.assertEqual(len(again), 1)
        self.assertRecordValues(again, [{"visits_total": 5, "date_start": date(2026, 12, 7)}])

    def test_a_credit_note_reset_to_draft_gives_the_plan_back(self):
        order, plans = self._sell(qty=1)
        refund = self._refund(self._invoice(order))
        self.assertEqual(plans.state, "cancelled")
        refund.with_user(self.accountant).button_draft()
        self.assertEqual(len(self._plans(order, ["active"])), 1)

    def test_a_used_plan_refunded_stays_with_an_activity_for_the_salesperson(self):
        order, plans = self._sell(qty=2)
        plans[0].sudo()._consume_visit(date(2026, 12, 8))
        refund = self._refund(self._invoice(order))
        # the accounting is not refused; the unused plan goes, the used one stays
        self.assertEqual(refund.state, "posted")
        self.assertRecordValues(
            plans,
            [{"state": "active", "visits_used": 1}, {"state": "cancelled", "visits_used": 0}],
        )
        note = (
            f"Service plan {plans[0].name} of order {order.name} is no longer sold "
            f"({refund.name}) but its visits were already used: it stays active. An "
            "after-sales manager decides whether to cancel it."
        )
        self.assertIn(note, self._notes(plans[0]))
        self.assertIn(note, self._notes(order))
        activity = order.activity_ids
        self.assertRecordValues(
            activity,
            [{"user_id": self.salesman.id, "summary": "Refunded service plan already used"}],
        )
        self.assertEqual(html2plaintext(activity.note), note)

    def test_cancelling_an_invoiced_order_cancels_its_plans(self):
        order, plans = self._sell(qty=2)
        self._invoice(order)
        order._action_cancel()
        self.assertEqual(plans.mapped("state"), ["cancelled", "cancelled"])


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


@tagged("post_install", "-at_install")
class TestServicePlanTiers(TransactionCase):
    """R29: the seed's plans (gold 24 h x 5, silver 48 h x 5, bronze 72 h x 5, single 72 h x 1)
    fill in a plan product's response time and visits."""

    def test_tier_fills_the_response_time_and_visits(self):
        Product = self.env["product.product"]
        for tier, hours, visits in (
            ("gold", 24, 5),
            ("silver", 48, 5),
            ("bronze", 72, 5),
            ("single", 72, 1),
        ):
            with self.subTest(tier=tier):
                plan = Product.create(
                    {
                        "name": f"{tier} card",
                        "after_sales_is_plan": True,
                        "after_sales_plan_tier": tier,
                    }
                )
                self.assertEqual(
                    (plan.after_sales_plan_response_hours, plan.after_sales_plan_visits),
                    (hours, visits),
                )
        # figures given with the tier win; the form fills them in and lets them be adjusted
        own = Product.create(
            {
                "name": "Gold, 6 visits",
                "after_sales_is_plan": True,
                "after_sales_plan_tier": "gold",
                "after_sales_plan_visits": 6,
            }
        )
        self.assertEqual(
            (own.after_sales_plan_response_hours, own.after_sales_plan_visits), (24, 6)
        )
        with Form(self.env["product.template"]) as form:
            form.name = "Silver card"
            form.after_sales_is_plan = True
            form.after_sales_plan_tier = "silver"
            self.assertEqual(
                (form.after_sales_plan_response_hours, form.after_sales_plan_visits), (48, 5)
            )
            form.after_sales_plan_visits = 4
        self.assertEqual(form.record.after_sales_plan_visits, 4)

from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, tagged

from .common import TEST_DAY
from .common_parts import PartsCase


@freeze_time("2026-06-15 10:00:00")
@tagged("post_install", "-at_install")
class TestPartsRules(PartsCase):
    """Issue 11 items 7-11 with hand-computed figures: initial stocking from what the dealer
    really sold, free below a price, fractional units on the fund, old parts that come back
    late, charges after the contract ended, VAT, stock value, payment before shipping, the
    shipping deadline and the one fund lock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.old_loc = cls.warehouse.after_sales_old_part_loc_id
        cls.hose = cls.env["product.product"].create(
            {
                "name": "Gas hose",
                "categ_id": cls.categ_fund.id,
                "is_storable": True,
                "uom_id": cls.env.ref("uom.product_uom_meter").id,
                "list_price": 8.0,
                "standard_price": 3.0,
                "taxes_id": [Command.clear()],
            }
        )

    def _approved(self, contract, lines, **values):
        request = self._request(contract, lines, **values)
        request.action_submit()
        request.action_approve()
        return request

    # ------------------------------------------------------------------ allocation
    def test_free_below_includes_the_price_and_metres_keep_fractions(self):
        """Knob at 8 with the threshold at 8 (以下 includes it): free. 4 m of hose at 8/m
        with 20 on the fund: 20 / 8 = 2.5 m on the fund, 1.5 m sold (12)."""
        contract = self._parts_contract(fund=20.0)
        contract.part_rule_ids.filtered(lambda r: r.policy == "free_below").threshold_price = 8.0
        request = self._request(contract, [(self.knob, 3), (self.hose, 4)])
        request.action_submit()
        preview = request._preview_split()
        self.assertEqual(
            [(row["policy"], row["qty_free"], row["qty_fund"], row["qty_sale"]) for row in preview],
            [("free_below", 3, 0, 0), ("none", 0, 2.5, 1.5)],
        )
        self.assertEqual([row["fund_amount"] for row in preview], [0.0, 20.0])
        self.assertFalse(request.line_ids.filtered("policy"), "the preview writes nothing")
        request.action_approve()
        knob, hose = request.line_ids
        self.assertEqual((knob.qty_free, knob.qty_fund, knob.qty_sale), (3.0, 0.0, 0.0))
        self.assertEqual((hose.qty_fund, hose.qty_sale), (2.5, 1.5))
        self.assertEqual(hose.fund_entry_id.amount, -20.0)
        self.assertEqual(request.sale_order_id.amount_untaxed, 12.0)

    # ------------------------------------------------------------------ stocking
    def _deliver(self, partner, product, qty, days_ago=0):
        self._stock(product, qty)
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": partner.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        self._validate(picking)
        if days_ago:
            picking.move_ids.date = fields.Datetime.now() - timedelta(days=days_ago)
        return picking

    def test_stocking_counts_what_the_dealer_really_sold(self):
        """Heaters: a sale of 30 ordered, 20 delivered (10 on backorder), 4 returned by the
        customer; a repair delivery of 5 does not count: 20 - 4 = 16 x 25 % = 4. Igniters
        are bought parts: never proposed. The dealer is stocked once, whatever its contracts."""
        part = self._part("Thermostat", self.categ_trade, 40.0, 20.0)
        self.heater.product_tmpl_id.after_sales_part_ids = [
            Command.set((part | self.igniter).product_tmpl_id.ids)
        ]
        contract = self._parts_contract(fund=0.0, stocking_months=3, stocking_percent=25.0)
        self._stock(self.heater, 30)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.dealer.id,
                "order_line": [
                    Command.create({"product_id": self.heater.id, "product_uom_qty": 30})
                ],
            }
        )
        order.action_confirm()
        delivery = order.picking_ids
        delivery.move_ids.quantity = 20
        delivery.move_ids.picked = True
        Form.from_action(self.env, delivery.button_validate()).save().process()
        self._return_from_customer(delivery, 4)
        repair = self._deliver(self.dealer, self.heater, 5)
        repair.move_ids.after_sales_return_kind = "delivery"
        wizard = Form(
            self.env["after_sales.contract.stocking"].with_context(
                active_model="after_sales.contract", active_id=contract.id
            )
        ).save()
        self.assertEqual(
            [(line.product_id, line.delivered_qty, line.proposed_qty) for line in wizard.line_ids],
            [(part, 16.0, 4.0)],
        )
        self._stock(part, 10)
        wizard.with_context(discard_logo_check=True).action_confirm()
        contract.with_user(self.user_manager).action_terminate("Renewed on new terms")
        renewal = self._parts_contract(fund=0.0)
        wizard = Form(
            self.env["after_sales.contract.stocking"].with_context(
                active_model="after_sales.contract", active_id=renewal.id
            )
        ).save()
        with self.assertRaisesRegex(UserError, "already has its initial stocking"):
            wizard.action_confirm()

    # ------------------------------------------------------------------ old parts
    def _issue(self, contract, lines):
        return self._approved(contract, lines)

    def test_late_old_part_charge_reversed_by_credit_note(self):
        """A payout contract: 3 elements at cost 60 = 180, with a 13 % VAT on the part:
        203.40 invoiced. The part comes back late: a credit note of 203.40."""
        tax = self.env["account.tax"].create(
            {"name": "VAT 13%", "amount": 13.0, "type_tax_use": "sale"}
        )
        self.element.taxes_id = [Command.set(tax.ids)]
        contract = self._parts_contract(fund=0.0, allowance_use="payout")
        old_part = self._issue(contract, [(self.element, 3)]).old_part_ids
        with freeze_time(old_part.date_due + timedelta(days=1)):
            self.env["after_sales.old.part"]._cron_charge_overdue()
        invoice = old_part.charge_invoice_id
        self.assertAlmostEqual(invoice.amount_untaxed, 180.0)
        self.assertAlmostEqual(invoice.amount_total, 203.4)
        old_part.with_user(self.user_stock).action_receive()
        self.assertEqual(old_part.state, "received")
        credit = old_part.charge_reversal_id
        self.assertEqual((credit.move_type, credit.state), ("out_refund", "posted"))
        self.assertAlmostEqual(credit.amount_total, 203.4)

    def test_charge_after_the_budget_contract_ended_is_invoiced(self):
        """The budget contract is terminated before the old part falls due: no fund to draw,
        the dealer is invoiced 2 x 45.50 = 91."""
        contract = self._parts_contract(fund=500.0)
        old_part = self._issue(contract, [(self.motor, 2)]).old_part_ids
        contract.with_user(self.user_manager).action_terminate("Dealer left")
        with freeze_time(old_part.date_due + timedelta(days=1)):
            self.env["after_sales.old.part"]._cron_charge_overdue()
        self.assertEqual(old_part.state, "charged")
        self.assertFalse(old_part.charge_entry_id)
        self.assertAlmostEqual(old_part.charge_invoice_id.amount_total, 91.0)

    def test_concurrent_charge_waits_for_the_fund_lock(self):
        """Another user holds the contract's fund lock: the cron charges nothing now (the
        old part stays expected) and charges it on its next run."""
        contract = self._parts_contract(fund=500.0)
        old_part = self._issue(contract, [(self.motor, 2)]).old_part_ids
        Contract = type(self.env["after_sales.contract"])

        def busy(contracts):
            raise UserError(contracts.env._("Another user is moving the repair fund"))

        with freeze_time(old_part.date_due + timedelta(days=1)):
            with patch.object(Contract, "_lock_fund", busy):
                self.env["after_sales.old.part"]._cron_charge_overdue()
            self.assertEqual(old_part.state, "expected")
            self.env["after_sales.old.part"]._cron_charge_overdue()
        self.assertEqual(old_part.state, "charged")
        self.assertEqual(old_part.charge_entry_id.amount, -91.0)

    def test_old_parts_and_returns_locations_are_not_valued(self):
        returns_loc = self.warehouse.after_sales_return_loc_id
        self.assertFalse(self.old_loc._should_be_valued())
        self.assertFalse(returns_loc._should_be_valued())
        self.assertTrue(self.stock_location._should_be_valued())
        self.assertFalse(self.old_loc.is_valued_internal)

    # ------------------------------------------------------------------ shipping
    def test_sold_parts_ship_after_payment(self):
        """款到发货: 2 igniters at 35 sold on a contract that ships after payment: invoiced
        at approval (70); the delivery is refused until the invoice is paid."""
        contract = self._parts_contract(fund=0.0)
        contract.with_user(self.user_manager).parts_prepayment = True
        self._stock(self.igniter, 5)
        request = self._approved(contract, [(self.igniter, 2)])
        self.assertTrue(request.payment_before_shipping)
        order = request.sale_order_id
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 70.0)
        delivery = order.picking_ids
        delivery.move_ids.quantity = 2
        delivery.move_ids.picked = True
        with self.assertRaisesRegex(UserError, "ships after payment"):
            delivery.button_validate()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        self.assertEqual(request.state, "done")

    def test_ship_deadline_counts_from_the_replacement_list(self):
        """Requested on 10 June, the parts replacement list received on 12 June: 3 days ->
        15 June."""
        contract = self._parts_contract(fund=100.0, parts_ship_days=3)
        request = self._request(contract, [(self.element, 1)], date_request=date(2026, 6, 10))
        self.assertEqual(request.ship_deadline, date(2026, 6, 13))
        request.date_list_received = date(2026, 6, 12)
        self.assertEqual(request.ship_deadline, date(2026, 6, 15))

    # ------------------------------------------------------------------ guards
    def test_state_and_split_written_by_actions_only(self):
        contract = self._parts_contract(fund=100.0)
        request = self._request(contract, [(self.board, 1)])
        for user in (self.user_desk, self.user_manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(AccessError, "change only through its actions"),
            ):
                request.with_user(user).write({"state": "approved"})
            with self.assertRaisesRegex(AccessError, "set by the approval only"):
                request.line_ids.with_user(user).write({"qty_free": 1})
        request.with_user(self.user_desk).action_submit()
        request.with_user(self.user_desk).action_approve()
        with self.assertRaisesRegex(UserError, "its parts can no longer change"):
            request.line_ids.with_user(self.user_manager).write({"quantity": 9})
        old_part = self._approved(contract, [(self.element, 1)]).old_part_ids
        with self.assertRaisesRegex(AccessError, "change only through its receipt"):
            old_part.with_user(self.user_manager).write({"state": "reusable"})
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            old_part.with_user(self.user_desk).action_appraise_scrap()


@tagged("post_install", "-at_install")
@TEST_DAY
class TestChargeConcurrency(TransactionCase):
    """Issue 11.11 on real, committed cursors: while another user holds the contract's fund
    lock (a settlement or a requisition drawing the fund), the old-part charge does not draw
    the fund; it is charged on the cron's next run. The data is removed afterwards."""

    def _env(self, cr):
        context = {"tracking_disable": True, "mail_create_nolog": True, "lang": "en_US"}
        return api.Environment(cr, SUPERUSER_ID, context)

    def test_old_part_charge_waits_for_the_fund_lock(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            dealer = env["res.partner"].create({"name": "Concurrent parts", "is_company": True})
            contract = env["after_sales.contract"].create(
                {
                    "dealer_id": dealer.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2099, 12, 31),
                    "allowance_use": "budget",
                }
            )
            contract.action_start()
            part = env["product.product"].create(
                {"name": "Concurrent motor", "standard_price": 45.5, "is_storable": True}
            )
            old_part = env["after_sales.old.part"].create(
                {
                    "contract_id": contract.id,
                    "product_id": part.id,
                    "quantity": 2,
                    "date_issued": date(2026, 1, 1),
                    "date_due": date(2026, 1, 15),
                }
            )
            ids = (dealer.id, contract.id, part.id, part.product_tmpl_id.id, old_part.id)
        try:
            with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
                env2 = self._env(cr2)
                env2["after_sales.contract"].browse(ids[1]).lock_for_update()
                env1 = self._env(cr1)
                OldPart = env1["after_sales.old.part"]
                OldPart._cron_charge_overdue()
                old_part = OldPart.browse(ids[4])
                self.assertEqual(old_part.state, "expected")
                self.assertFalse(old_part.charge_entry_id)
                cr1.rollback()
                cr2.rollback()
                # the lock released, the next run charges 2 x 45.50 once
                OldPart._cron_charge_overdue()
                old_part.invalidate_recordset()
                self.assertEqual(old_part.state, "charged")
                self.assertEqual(old_part.charge_entry_id.amount, -91.0)
                cr1.rollback()
        finally:
            with self.registry.cursor() as cr:
                cr.execute(
                    "DELETE FROM after_sales_fund_entry WHERE contract_id = %s; "
                    "DELETE FROM after_sales_old_part WHERE id = %s; "
                    "DELETE FROM after_sales_contract WHERE id = %s; "
                    "DELETE FROM product_product WHERE id = %s; "
                    "DELETE FROM product_template WHERE id = %s; "
                    "DELETE FROM res_partner WHERE id = %s",
                    [ids[1], ids[4], ids[1], ids[2], ids[3], ids[0]],
                )

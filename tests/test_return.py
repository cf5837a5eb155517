from datetime import datetime, time, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import AfterSalesCase


class ReturnCase(AfterSalesCase):
    """Dealers with delivered and invoiced goods: two serials of a water heater and ten knobs
    sold to the budget-contract dealer, one heater to the invoice-contract dealer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_stock = new_test_user(cls.env, "as_stock", groups="stock.group_stock_user")
        cls.user_manager.group_ids = [Command.link(cls.env.ref("account.group_account_invoice").id)]
        cls.contract = cls._running_contract(allowance_use="budget")
        cls.other_contract = cls._running_contract(cls.other_dealer, allowance_use="payout")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        Product = cls.env["product.product"]
        cls.heater = Product.create(
            {
                "name": "Water heater WH-60",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 1000.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.heater_v2 = Product.create(
            {
                "name": "Water heater WH-60 Mk II",
                "is_storable": True,
                "list_price": 1100.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.knob = Product.create(
            {
                "name": "Control knob",
                "is_storable": True,
                "list_price": 10.0,
                "taxes_id": [Command.clear()],
            }
        )
        Lot = cls.env["stock.lot"]
        cls.sn1, cls.sn2, cls.sn3 = Lot.create(
            [{"name": name, "product_id": cls.heater.id} for name in ("SN-1", "SN-2", "SN-3")]
        )
        Quant = cls.env["stock.quant"]
        for lot in cls.sn1 | cls.sn2 | cls.sn3:
            Quant._update_available_quantity(cls.heater, cls.stock_location, 1.0, lot_id=lot)
        Quant._update_available_quantity(cls.knob, cls.stock_location, 50.0)
        Quant._update_available_quantity(cls.heater_v2, cls.stock_location, 5.0)
        cls.order, cls.invoice = cls._sell(
            cls.dealer, [(cls.heater, 2, cls.sn1 | cls.sn2), (cls.knob, 10, None)]
        )
        cls.other_order, cls.other_invoice = cls._sell(cls.other_dealer, [(cls.heater, 1, cls.sn3)])

    @classmethod
    def _sell(cls, dealer, rows):
        order = cls.env["sale.order"].create(
            {
                "partner_id": dealer.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty, _lots in rows
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        for product, _qty, lots in rows:
            move = picking.move_ids.filtered(lambda m, p=product: m.product_id == p)
            if lots:
                move.move_line_ids.unlink()
                move.move_line_ids = [
                    Command.create(
                        {
                            "product_id": product.id,
                            "lot_id": lot.id,
                            "quantity": 1.0,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                            "picking_id": picking.id,
                        }
                    )
                    for lot in lots
                ]
            else:
                move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        invoice = order._create_invoices()
        invoice.action_post()
        return order, invoice

    def _return(self, dealer=None, lines=None, **values):
        vals = {
            "dealer_id": (dealer or self.dealer).id,
            "line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "lot_id": lot.id if lot else False,
                        "quantity": qty,
                        "reason": "Does not heat",
                    }
                )
                for product, qty, lot in (lines or [(self.heater, 1, self.sn1)])
            ],
        }
        vals.update(values)
        return self.env["after_sales.return"].create(vals)

    def _ready(self, rets):
        """What approval needs besides the written request: the dealer's failed repair (a
        claim) of a dead-on-arrival or quality-defect unit, the technical appraisal of a batch
        problem."""
        for ret in rets:
            if ret.return_type in ("doa", "quality") and not ret.claim_id:
                line = ret.line_ids[:1]
                ret.claim_id = self.env["after_sales.claim"].create(
                    {
                        "dealer_id": ret.dealer_id.id,
                        "card_id": ret.card_id.id,
                        "product_id": line.product_id.id,
                        "lot_id": line.lot_id.id,
                        "symptom": "Does not heat",
                        "result": "not_ok",
                    }
                )
            if ret.return_type == "batch" and not ret.date_batch_appraised:
                ret.with_user(self.user_appraiser).action_confirm_batch_appraisal(
                    "Same defect on the whole batch"
                )
        return rets

    def _approve(self, ret):
        self._ready(ret)
        ret.action_submit()
        ret.with_user(self.user_manager).action_approve()
        return ret._receipt_moves().picking_id

    def _receive(self, picking, quantities=None):
        """Validate a receipt; ``quantities`` maps product -> quantity actually received."""
        for move in picking.move_ids:
            if quantities and move.product_id in quantities:
                move.quantity = quantities[move.product_id]
        picking.move_ids.picked = True
        picking.with_context(
            skip_backorder=True, picking_ids_not_to_backorder=picking.ids
        ).button_validate()


@tagged("post_install", "-at_install")
class TestReturnType(ReturnCase):
    def _card(self, sale_date, lot=None):
        card = self.env["after_sales.warranty.card"].create(
            {
                "dealer_id": self.dealer.id,
                "product_id": self.heater.id,
                "lot_id": (lot or self.sn1).id,
                "sale_date": sale_date,
                "date_received": sale_date,
            }
        )
        card.action_register()
        return card

    def _suggest(self, defect, delivery=None, card=None):
        form = Form(self.env["after_sales.return"])
        form.dealer_id = self.dealer
        if card:
            form.card_id = card
        form.delivery_date = delivery
        form.date_defect = defect
        return form

    def test_doa_window_day_7_vs_day_8(self):
        delivered = self.today - timedelta(days=60)
        form = self._suggest(delivered + timedelta(days=7), delivered)
        self.assertEqual(form.return_type, "doa")
        self.assertIn("7 days after the dealer received", form.suggestion_note)
        self.assertIn("7-day dead-on-arrival window", form.suggestion_note)
        form = self._suggest(delivered + timedelta(days=8), delivered)
        self.assertEqual(form.return_type, "dealer_stock")
        self.assertIn("No warranty card", form.suggestion_note)

    def test_doa_window_follows_the_contract(self):
        self.contract.doa_days = 10
        delivered = self.today - timedelta(days=60)
        self.assertEqual(
            self._suggest(delivered + timedelta(days=10), delivered).return_type, "doa"
        )
        self.assertEqual(
            self._suggest(delivered + timedelta(days=11), delivered).return_type, "dealer_stock"
        )

    def test_quality_window_day_15_vs_day_16(self):
        sold = self.today - timedelta(days=40)
        card = self._card(sold)
        form = self._suggest(sold + timedelta(days=15), card=card)
        self.assertEqual(form.return_type, "quality")
        self.assertIn("15 days after the retail sale", form.suggestion_note)
        form = self._suggest(sold + timedelta(days=16), card=card)
        self.assertEqual(form.return_type, "in_warranty")
        # issue 15.7: no rule codes in the user's face
        self.assertIn("past the early windows, within the warranty ending", form.suggestion_note)
        self.assertNotIn("(R5)", form.suggestion_note)

    def test_warranty_end_boundary(self):
        sold = self.today - timedelta(days=500)
        card = self._card(sold)
        end = card.warranty_end
        self.assertEqual(self._suggest(end, card=card).return_type, "in_warranty")
        form = self._suggest(end + timedelta(days=1), card=card)
        self.assertEqual(form.return_type, "out_of_warranty")
        self.assertIn("The warranty ended on", form.suggestion_note)
        self.assertNotIn("(R6)", form.suggestion_note)

    def test_defect_before_the_retail_sale_is_dealer_stock(self):
        sold = self.today - timedelta(days=10)
        card = self._card(sold)
        self.assertEqual(
            self._suggest(sold - timedelta(days=1), card=card).return_type, "dealer_stock"
        )

    def test_delivery_day_is_the_companys_whoever_saves_the_return(self):
        # SN-1 left at 17:30 UTC: 01:30 the next day in Shanghai, where the company works. A
        # user in New York (still the same day there) sees the company's day, which the
        # dead-on-arrival window counts from.
        self.company.partner_id.tz = "Asia/Shanghai"
        delivered = self.order.picking_ids.move_line_ids.filtered(lambda ml: ml.lot_id == self.sn1)
        left = datetime.combine(self.today, time(17, 30))
        delivered.date = left
        ret = (
            self.env["after_sales.return"]
            .with_context(tz="America/New_York")
            .create(
                {
                    "dealer_id": self.dealer.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.heater.id,
                                "lot_id": self.sn1.id,
                                "quantity": 1,
                                "reason": "Does not heat",
                            }
                        )
                    ],
                }
            )
        )
        self.assertEqual(ret.delivery_date, self.today + timedelta(days=1))

    def test_user_confirms_another_type(self):
        delivered = self.today - timedelta(days=60)
        form = self._suggest(delivered + timedelta(days=30), delivered)
        self.assertEqual(form.return_type, "dealer_stock")
        form.type_override = "batch"
        self.assertEqual(form.return_type, "batch")
        with form.line_ids.new() as line:
            line.product_id = self.knob
            line.quantity = 3
            line.reason = "Cracked, whole lot"
        ret = form.save()
        self.assertEqual(ret.return_type, "batch")
        self.assertEqual(ret.suggested_type, "dealer_stock")
        self.assertTrue(ret.type_differs)
        ret.action_submit()
        self.assertEqual(ret.state, "submitted")

    def test_serials_come_from_the_dealers_deliveries(self):
        ret = self._return()
        line = ret.line_ids
        self.assertEqual(line.allowed_lot_ids, self.sn1 | self.sn2)
        self.assertEqual(ret.delivery_date, self.today, "SN-1 was delivered today")
        self.assertEqual(ret.return_type, "doa", "found on the day of delivery")
        self.assertEqual(ret.origin_invoice_id, self.invoice)
        with self.assertRaisesRegex(ValidationError, "SN-3 was never delivered to dealer"):
            self._return(lines=[(self.heater, 1, self.sn3)])
        with self.assertRaisesRegex(ValidationError, "the quantity must be 1"):
            self._return(lines=[(self.heater, 2, self.sn2)])

    def test_card_found_from_the_serial(self):
        card = self._card(self.today - timedelta(days=3), lot=self.sn2)
        ret = self._return(lines=[(self.heater, 1, self.sn2)], date_defect=self.today)
        self.assertEqual(ret.card_id, card)

    def test_dealer_stock_return_needs_its_case(self):
        ret = self._return(
            lines=[(self.knob, 2, None)], return_type="dealer_stock", delivery_date=False
        )
        with self.assertRaisesRegex(UserError, "needs its case"):
            ret.action_submit()
        ret.stock_case = "unsellable"
        ret.action_submit()
        self.assertEqual(ret.state, "submitted")


@tagged("post_install", "-at_install")
class TestReturnFlow(ReturnCase):
    def test_approval_is_written_and_creates_the_receipt(self):
        ret = self._return(lines=[(self.heater, 1, self.sn1), (self.knob, 4, None)])
        self.assertEqual(ret.state, "draft")
        ret.with_user(self.user_desk).action_submit()
        with self.assertRaisesRegex(AccessError, "Only an after-sales manager"):
            ret.with_user(self.user_desk).action_approve()
        self._ready(ret)
        ret.with_user(self.user_manager).action_approve(note="Pack in original boxes")
        self.assertEqual(ret.state, "approved")
        self.assertEqual(ret.approver_id, self.user_manager)
        self.assertEqual(ret.date_approved, self.today)
        self.assertEqual(ret.approval_note, "Pack in original boxes")
        picking = ret.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.picking_type_id, self.warehouse.in_type_id)
        self.assertEqual(picking.location_id, self.customers)
        returns_location = self.warehouse.after_sales_return_loc_id
        self.assertTrue(returns_location)
        self.assertEqual(picking.location_dest_id, returns_location, "apart from saleable stock")
        self.assertEqual(picking.partner_id, self.dealer)
        heater_move = picking.move_ids.filtered(lambda m: m.product_id == self.heater)
        self.assertEqual(heater_move.move_line_ids.lot_id, self.sn1)
        self.assertEqual(
            picking.move_ids.filtered(lambda m: m.product_id == self.knob).product_uom_qty, 4
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("after_sales_service.after_sales_return_report_document", ret.ids)[0]
            .decode()
        )
        self.assertIn(ret.name, html)
        self.assertIn("SN-1", html)
        self.assertIn(self.user_manager.name, html)

    def test_unapproved_goods_cannot_be_received(self):
        ret = self._return()
        ret.action_submit()
        line = ret.line_ids
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "partner_id": self.dealer.id,
                "location_id": self.customers.id,
                "location_dest_id": self.stock_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.heater.id,
                            "product_uom_qty": 1,
                            "location_id": self.customers.id,
                            "location_dest_id": self.stock_location.id,
                            "after_sales_return_line_id": line.id,
                            "after_sales_return_kind": "receipt",
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.lot_id = self.sn1
        picking.move_ids.picked = True
        with self.assertRaisesRegex(UserError, "is Submitted, not approved"):
            picking.button_validate()
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(line.qty_received, 0)

    def test_refused_return_cancels_its_receipt(self):
        ret = self._return()
        picking = self._approve(ret)
        with self.assertRaisesRegex(AccessError, "only an after-sales manager refuses"):
            ret.with_user(self.user_desk).action_refuse("no")
        wizard = Form(
            self.env["after_sales.return.refuse"]
            .with_user(self.user_stock)
            .with_context(default_return_ids=ret.ids)
        )
        wizard.reason = "Disordered goods, parts missing"
        wizard.save().action_confirm()
        self.assertEqual(ret.state, "refused")
        self.assertTrue(ret.refused_at_receipt)
        self.assertEqual(ret.refused_by_id, self.user_stock)
        self.assertEqual(ret.refuse_reason, "Disordered goods, parts missing")
        self.assertEqual(picking.state, "cancel")
        with self.assertRaises(AccessError):
            ret.with_user(self.user_stock).write({"freight_in_amount": 1.0})

    def test_refusal_needs_a_reason_and_comes_before_receipt(self):
        ret = self._return()
        ret.action_submit()
        with self.assertRaisesRegex(UserError, "a refusal reason is required"):
            ret.with_user(self.user_manager).action_refuse("  ")
        ret.with_user(self.user_manager).action_refuse("No written request")
        self.assertEqual(ret.state, "refused")
        self.assertFalse(ret.refused_at_receipt)
        ret.action_reset_draft()
        picking = self._approve(ret)
        self._receive(picking)
        self.assertEqual(ret.state, "received")
        with self.assertRaisesRegex(UserError, "is Received"):
            ret.with_user(self.user_manager).action_refuse("Too late")

    def test_received_quantity_prevails_for_the_refund(self):
        ret = self._return(
            lines=[(self.knob, 10, None)], resolution="refund", return_type="in_warranty"
        )
        picking = self._approve(ret)
        self._receive(picking, {self.knob: 7})
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.date_received, self.today)
        self.assertEqual(ret.line_ids.qty_received, 7)
        self.assertEqual(ret.refund_amount, 70.0)
        ret.with_user(self.user_manager).action_resolve()
        credit = ret.credit_note_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "posted")
        self.assertEqual(credit.reversed_entry_id, self.invoice)
        self.assertEqual(credit.partner_id, self.dealer)
        self.assertEqual(credit.invoice_line_ids.product_id, self.knob)
        self.assertEqual(credit.invoice_line_ids.quantity, 7)
        self.assertAlmostEqual(credit.amount_total, 70.0)
        self.assertEqual(ret.state, "done")
        with self.assertRaisesRegex(UserError, "is Done"):
            ret.with_user(self.user_manager).action_resolve()

    def test_repair_sends_the_same_serial_back(self):
        ret = self._return(resolution="repair", return_type="in_warranty")
        picking = self._approve(ret)
        self._receive(picking)
        returns_location = self.warehouse.after_sales_return_loc_id
        self.assertEqual(
            self.sn1.quant_ids.filtered(lambda q: q.quantity > 0).location_id, returns_location
        )
        ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret.state, "resolved")
        delivery = ret._delivery_moves().picking_id
        self.assertEqual(delivery.picking_type_id, self.warehouse.out_type_id)
        self.assertEqual(delivery.location_id, returns_location, "the repaired unit itself")
        self.assertEqual(delivery.location_dest_id, self.customers)
        self.assertEqual(delivery.move_ids.product_id, self.heater)
        self.assertEqual(delivery.move_ids.product_uom_qty, 1)
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, self.sn1)
        delivery.move_ids.picked = True
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.delivery_count, 1)
        self.assertEqual(ret.receipt_count, 1)

    def test_goods_and_decisions_of_a_resolved_return_no_longer_change(self):
        ret = self._return(resolution="repair", return_type="in_warranty")
        picking = self._approve(ret)
        with self.assertRaisesRegex(UserError, "its list of goods can no longer change"):
            self.env["after_sales.return.line"].with_user(self.user_desk).create(
                {"return_id": ret.id, "product_id": self.knob.id, "quantity": 1, "reason": "x"}
            )
        with self.assertRaisesRegex(UserError, "its list of goods can no longer change"):
            ret.line_ids.with_user(self.user_desk).unlink()
        self._receive(picking)
        ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret.state, "resolved")
        lines = ret.line_ids
        for user in (self.user_desk, self.user_manager):
            for fname, value in [
                ("resolution", "refund"),
                ("restocking_fee_value", 50.0),
                ("description", "Rewritten"),
                ("dealer_id", self.other_dealer.id),
                ("line_ids", [Command.clear()]),
            ]:
                with (
                    self.subTest(user=user.login, field=fname),
                    self.assertRaisesRegex(UserError, "is Resolved: .* can no longer change"),
                ):
                    ret.with_user(user).write({fname: value})
        self.assertRecordValues(
            ret, [{"resolution": "repair", "dealer_id": self.dealer.id, "restocking_fee_value": 0}]
        )
        self.assertEqual(ret.line_ids, lines)
        for fname, value in [("exchange_product_id", self.knob.id), ("reason", "Rewritten")]:
            with (
                self.subTest(field=fname),
                self.assertRaisesRegex(UserError, "its goods, their exchange and their reasons"),
            ):
                lines.with_user(self.user_manager).write({fname: value})
        self.assertNotIn("Rewritten", lines.mapped("reason"))
        # who follows it up is still the desk's to change
        ret.with_user(self.user_desk).write({"user_id": self.user_desk.id})
        self.assertEqual(ret.user_id, self.user_desk)

    def test_exchange_for_a_successor_product(self):
        ret = self._return(resolution="exchange", return_type="batch")
        ret.line_ids.exchange_product_id = self.heater_v2
        picking = self._approve(ret)
        self._receive(picking)
        ret.with_user(self.user_manager).action_resolve()
        delivery = ret._delivery_moves().picking_id
        self.assertEqual(delivery.move_ids.product_id, self.heater_v2)
        self.assertEqual(delivery.move_ids.product_uom_qty, 1)
        self.assertEqual(delivery.location_dest_id, self.customers)
        delivery.move_ids.picked = True
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        self.assertEqual(ret.state, "done")
        self.assertEqual(self.heater_v2.qty_available, 4)

    def test_exchange_of_what_was_actually_received(self):
        ret = self._return(
            lines=[(self.heater, 1, self.sn1), (self.knob, 2, None)],
            resolution="exchange",
            return_type="batch",
        )
        picking = self._approve(ret)
        self._receive(picking, {self.knob: 0})
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.mapped("qty_received"), [1.0, 0.0])
        ret.with_user(self.user_manager).action_resolve()
        delivery = ret._delivery_moves().picking_id
        self.assertEqual(delivery.move_ids.product_id, self.heater, "no knob came back")
        self.assertEqual(delivery.move_ids.product_uom_qty, 1)

    def test_refund_without_physical_return(self):
        ret = self._return(
            lines=[(self.knob, 3, None)], resolution="refund", return_type="in_warranty"
        )
        with self.assertRaisesRegex(AccessError, "Only an after-sales manager decides"):
            ret.line_ids.with_user(self.user_desk).refund_without_return = True
        ret.line_ids.with_user(self.user_manager).refund_without_return = True
        self.assertFalse(self._approve(ret), "nothing comes back: no receipt")
        self.assertEqual(ret.state, "approved")
        ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret.credit_note_id.invoice_line_ids.quantity, 3)
        self.assertAlmostEqual(ret.credit_note_id.amount_total, 30.0)
        self.assertEqual(ret.state, "done")

    def test_restocking_fee_on_a_dealer_stock_refund(self):
        ret = self._return(
            lines=[(self.knob, 10, None)],
            return_type="dealer_stock",
            stock_case="unsellable",
            resolution="refund",
            restocking_fee_type="percent",
            restocking_fee_value=15.0,
        )
        self._receive(self._approve(ret))
        self.assertEqual(ret.refund_base_amount, 100.0)
        self.assertEqual(ret.restocking_fee_amount, 15.0)
        ret.with_user(self.user_manager).action_resolve()
        self.assertAlmostEqual(ret.credit_note_id.amount_total, 85.0)
        fee_line = ret.credit_note_id.invoice_line_ids.filtered(lambda x: not x.product_id)
        self.assertAlmostEqual(fee_line.price_subtotal, -15.0)
        # the ten knobs are back: five more are sold, then returned against their invoice
        self._sell(self.dealer, [(self.knob, 5, None)])
        fixed = self._return(
            lines=[(self.knob, 5, None)],
            return_type="dealer_stock",
            stock_case="unsellable",
            resolution="refund",
            restocking_fee_type="fixed",
            restocking_fee_value=8.0,
        )
        with self.assertRaisesRegex(ValidationError, "dealer stock returns only"):
            self._return(
                lines=[(self.knob, 5, None)],
                return_type="quality",
                restocking_fee_type="fixed",
                restocking_fee_value=8.0,
            )
        self._receive(self._approve(fixed))
        fixed.with_user(self.user_manager).action_resolve()
        self.assertAlmostEqual(fixed.credit_note_id.amount_total, 42.0)

    def test_refund_is_refused_beyond_the_invoice(self):
        ret = self._return(
            lines=[(self.knob, 3, None)], resolution="refund", return_type="in_warranty"
        )
        ret.line_ids.refund_without_return = True
        self._approve(ret)
        ret.origin_invoice_id = self.other_invoice
        with self.assertRaisesRegex(UserError, "is not an invoice of dealer Dealer Shunda"):
            ret.with_user(self.user_manager).action_resolve()
        _order, small_invoice = self._sell(self.dealer, [(self.knob, 2, None)])
        ret.origin_invoice_id = small_invoice
        with self.assertRaisesRegex(UserError, "3.0 Control knob to refund, but invoice"):
            ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret.state, "approved")
        self.assertFalse(ret.credit_note_id)
        ret.origin_invoice_id = False
        with self.assertRaisesRegex(UserError, "choose the dealer's posted original invoice"):
            ret.with_user(self.user_manager).action_resolve()

    def test_batch_approval_receives_together(self):
        first = self._return()
        second = self._return(lines=[(self.heater, 1, self.sn2), (self.knob, 2, None)])
        third = self._return(dealer=self.other_dealer, lines=[(self.heater, 1, self.sn3)])
        batch = first | second | third
        self._ready(batch)
        batch.action_submit()
        batch.with_user(self.user_manager).action_approve()
        receipts = batch._receipt_moves().picking_id
        self.assertEqual(len(receipts), 2, "one receipt per dealer")
        ours = receipts.filtered(lambda p: p.partner_id == self.dealer)
        self.assertEqual(len(ours.move_ids), 3)
        self._receive(ours)
        self.assertEqual((first | second).mapped("state"), ["received", "received"])
        self.assertEqual(third.state, "approved")

    def test_from_a_doa_claim(self):
        card = self.env["after_sales.warranty.card"].create(
            {
                "dealer_id": self.dealer.id,
                "product_id": self.heater.id,
                "lot_id": self.sn2.id,
                "sale_date": self.today - timedelta(days=2),
            }
        )
        card.action_register()
        claim = self.env["after_sales.claim"].create(
            {
                "dealer_id": self.dealer.id,
                "card_id": card.id,
                "symptom": "No power",
            }
        )
        # delivered today (the serial's delivery, R3): dead on arrival
        self.assertEqual(claim.delivery_date, self.today)
        self.assertEqual(claim.coverage_window, "doa")
        action = self.env["after_sales.return"].action_create_from_claims(claim)
        ret = self.env["after_sales.return"].browse(action["res_id"])
        self.assertEqual(ret.claim_id, claim)
        self.assertEqual(ret.card_id, card)
        self.assertEqual(ret.return_type, "doa")
        self.assertEqual(ret.line_ids.lot_id, self.sn2)
        self.assertEqual(ret.line_ids.reason, "No power")
        form = Form(self.env["after_sales.return"])
        form.claim_id = claim
        self.assertEqual(form.dealer_id, self.dealer)
        self.assertEqual(len(form.line_ids), 1)
        # delivered 100 days ago, called before the sale: neither dead on arrival nor a quality
        # defect
        delivered = self.env["stock.move.line"].search(
            [("lot_id", "=", self.sn2.id), ("location_dest_id.usage", "=", "customer")]
        )
        delivered.write({"date": delivered[0].date - timedelta(days=100)})
        delivered.move_id.write({"date": delivered[0].date})
        late = self.env["after_sales.claim"].create(
            {
                "dealer_id": self.dealer.id,
                "card_id": card.id,
                "call_time": claim.call_time - timedelta(days=40),
                "symptom": "No power",
            }
        )
        self.assertEqual(late.delivery_date, self.today - timedelta(days=100))
        self.assertEqual(late.coverage_window, "none")
        with self.assertRaisesRegex(UserError, "not a dead-on-arrival or quality-defect"):
            self.env["after_sales.return"].action_create_from_claims(late)

    def test_contract_counts_its_returns(self):
        self._return()
        self._return(lines=[(self.knob, 1, None)])
        self._return(dealer=self.other_dealer, lines=[(self.heater, 1, self.sn3)])
        self.assertEqual(self.contract.return_count, 2)
        self.assertEqual(self.other_contract.return_count, 1)
        action = self.contract.action_view_returns()
        self.assertEqual(len(self.env["after_sales.return"].search(action["domain"])), 2)

    def test_portal_dealer_reads_its_own_returns(self):
        mine = self._return()
        other = self._return(dealer=self.other_dealer, lines=[(self.heater, 1, self.sn3)])
        portal = new_test_user(self.env, "as_portal_dealer", groups="base.group_portal")
        portal.partner_id.parent_id = self.dealer
        Return = self.env["after_sales.return"].with_user(portal)
        self.assertEqual(Return.search([]), mine)
        self.assertEqual(mine.with_user(portal).line_ids.reason, "Does not heat")
        with self.assertRaises(AccessError):
            other.with_user(portal).read(["name"])
        with self.assertRaises(AccessError):
            mine.with_user(portal).write({"description": "hacked"})


@tagged("post_install", "-at_install")
class TestReturnCharges(ReturnCase):
    COSTS = {
        "freight_in_amount": 80.0,
        "freight_out_amount": 60.0,
        "parts_amount": 120.0,
        "labour_amount": 45.0,
    }

    def _resolved(self, dealer=None, lines=None, **values):
        values = {**self.COSTS, "resolution": "repair", **values}
        ret = self._return(dealer=dealer, lines=lines, **values)
        self._receive(self._approve(ret))
        ret.with_user(self.user_manager).action_resolve()
        return ret

    def _return_charge_entries(self, contract):
        return self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", contract.id), ("kind", "=", "return_charge")]
        )

    def test_in_warranty_charges_the_dealers_fund(self):
        ret = self._resolved(return_type="in_warranty")
        self.assertEqual(
            (ret.freight_in_payer, ret.freight_out_payer, ret.parts_payer, ret.labour_payer),
            ("dealer", "manufacturer", "dealer", "manufacturer"),
        )
        entry = self._return_charge_entries(self.contract)
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.amount, -200.0, "R5: return freight 80 + parts 120")
        self.assertEqual(entry.source_ref, ret)
        self.assertEqual(ret.charge_entry_id, entry)
        self.assertFalse(ret.charge_move_id)
        self.assertEqual(self.contract.fund_balance, -200.0)
        ret.with_user(self.user_manager).action_post_charges()
        ret._post_charges()
        self.assertEqual(self._return_charge_entries(self.contract), entry, "idempotent")
        with self.assertRaisesRegex(UserError, "charges are posted"):
            ret.freight_in_amount = 10.0

    def test_charges_written_in_the_dealers_language(self):
        """An English-speaking manager resolves a Chinese dealer's return: its fund row and the
        invoice lines of a dealer without a budget are in the dealer's language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["zh_CN"])
        (self.dealer | self.other_dealer).write({"lang": "zh_CN"})
        self.user_manager.lang = "en_US"
        ret = self._resolved(return_type="in_warranty")
        self.assertEqual(ret.charge_entry_id.name, f"退货 {ret.name} 费用")
        self.assertIn("发往厂家的运费", ret.charge_entry_id.note)
        invoiced = self._resolved(
            dealer=self.other_dealer,
            lines=[(self.heater, 1, self.sn3)],
            return_type="out_of_warranty",
        )
        self.assertIn(
            f"发往厂家的运费（退货 {invoiced.name}）",
            invoiced.charge_move_id.invoice_line_ids.mapped("name"),
        )

    def test_out_of_warranty_invoices_the_dealer_without_budget(self):
        ret = self._resolved(
            dealer=self.other_dealer,
            lines=[(self.heater, 1, self.sn3)],
            return_type="out_of_warranty",
        )
        move = ret.charge_move_id
        self.assertEqual(move.move_type, "out_invoice")
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.partner_id, self.other_dealer)
        self.assertAlmostEqual(move.amount_total, 260.0, msg="R6: freight 80 + 60, parts 120")
        self.assertEqual(len(move.invoice_line_ids), 3)
        self.assertFalse(self._return_charge_entries(self.other_contract))
        ret.with_user(self.user_manager).action_post_charges()
        self.assertEqual(
            self.env["account.move"].search_count([("invoice_origin", "=", ret.name)]), 1
        )

    def test_manufacturer_pays_doa_quality_and_batch(self):
        card = self.env["after_sales.warranty.card"].create(
            {
                "dealer_id": self.dealer.id,
                "product_id": self.heater.id,
                "lot_id": self.sn2.id,
                "sale_date": self.today - timedelta(days=2),
            }
        )
        card.action_register()
        for rtype in ("doa", "quality", "batch"):
            with self.subTest(rtype=rtype):
                ret = self._resolved(
                    lines=[(self.heater, 1, self.sn2)]
                    if rtype == "quality"
                    else [(self.knob, 1, None)],
                    return_type=rtype,
                    resolution="exchange" if rtype == "batch" else "repair",
                )
                self.assertEqual(ret.dealer_charge_amount, 0.0)
                self.assertEqual(ret.manufacturer_cost_amount, 305.0)
                self.assertFalse(ret.charges_posted)
        self.assertFalse(self._return_charge_entries(self.contract))

    def test_dealer_stock_cases(self):
        rows = [
            ("product_fault", 0.0, 305.0),
            ("dismantled", 80.0 + 60.0 + 45.0, 120.0),
            ("unsellable", 80.0 + 60.0, 165.0),
        ]
        for case, dealer_amount, manufacturer_amount in rows:
            with self.subTest(case=case):
                ret = self._resolved(
                    lines=[(self.knob, 1, None)], return_type="dealer_stock", stock_case=case
                )
                self.assertAlmostEqual(ret.dealer_charge_amount, dealer_amount)
                self.assertAlmostEqual(ret.manufacturer_cost_amount, manufacturer_amount)
                self.assertAlmostEqual(ret.charge_entry_id.amount, -dealer_amount)
        self.assertAlmostEqual(
            sum(self._return_charge_entries(self.contract).mapped("amount")), -325.0
        )


@tagged("post_install", "-at_install")
class TestReturnAccess(ReturnCase):
    def test_service_desk_and_warehouse_work_their_part(self):
        form = Form(self.env["after_sales.return"].with_user(self.user_desk))
        form.dealer_id = self.dealer
        with form.line_ids.new() as line:
            line.product_id = self.knob
            line.quantity = 2
            line.reason = "Cracked"
        with form.line_ids.new() as line:
            line.product_id = self.heater
            line.lot_id = self.sn2
            line.reason = "Leaks"
        ret = form.save()
        self.assertEqual(ret.return_type, "doa")
        self.assertEqual(ret.origin_invoice_id, self.invoice)
        ret.with_user(self.user_desk).action_submit()
        self._ready(ret)
        ret.with_user(self.user_manager).action_approve()
        # The warehouse sees the return and validates its receipt.
        Form(ret.with_user(self.user_stock))
        picking = ret.picking_ids.with_user(self.user_stock)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.mapped("qty_received"), [2.0, 1.0])
        with self.assertRaisesRegex(AccessError, "Only an after-sales manager"):
            ret.with_user(self.user_stock).action_resolve()
        # The manager opens it without accounting rights.
        Form(ret.with_user(self.user_manager))


@tagged("post_install", "-at_install")
class TestReturnChargesWithoutContract(ReturnCase):
    def test_dealer_without_contract_is_invoiced(self):
        ret = self._return(
            lines=[(self.knob, 2, None)],
            return_type="dealer_stock",
            stock_case="dismantled",
            resolution="repair",
            freight_in_amount=30.0,
            labour_amount=50.0,
        )
        picking = self._approve(ret)
        # the contract ends before the goods come back: the fund is closed, the dealer is invoiced
        self.contract.action_terminate("Dealer left")
        self.assertEqual(ret.contract_id, self.contract)
        self._receive(picking)
        ret.with_user(self.user_manager).action_resolve()
        self.assertFalse(ret.charge_entry_id)
        self.assertEqual(ret.charge_move_id.partner_id, self.dealer)
        self.assertAlmostEqual(ret.charge_move_id.amount_total, 80.0)
        self.assertEqual(
            sorted(ret.charge_move_id.invoice_line_ids.mapped("price_unit")), [30.0, 50.0]
        )

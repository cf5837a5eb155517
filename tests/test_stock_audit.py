from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common_parts import PartsCase


@freeze_time("2026-03-10 09:00:00")
@tagged("post_install", "-at_install")
class TestStockAudit(PartsCase):
    """Spare parts deliveries as a warehouse runs them: short stock, backorders dropped."""

    def _approved(self, contract, lines, **values):
        request = self._request(contract, lines, **values)
        request.action_submit()
        request.action_approve()
        return request

    def _fund_rows(self, contract):
        return self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", contract.id)], order="id"
        )

    def _balance(self, contract):
        contract.invalidate_recordset(["fund_balance"])
        return contract.fund_balance

    def _ship(self, picking, quantities, backorder):
        """Validate ``picking`` with ``{product: quantity}``, with or without a backorder."""
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0.0)
            move.picked = True
        ctx = {"skip_backorder": True}
        if not backorder:
            ctx["picking_ids_not_to_backorder"] = picking.ids
        picking.with_user(self.user_stock).with_context(**ctx).button_validate()
        self.assertEqual(picking.state, "done")

    def test_short_delivery_without_backorder_gives_the_fund_back(self):
        """Four boards on the fund (320) and three trade-in elements; the warehouse has two
        boards and one element and ships them without a backorder: the two boards never sent
        come back to the fund by an appended row, the old parts expected are the one element
        shipped, and the requisition is done."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.board, 2)
        self._stock(self.element, 1)
        request = self._approved(contract, [(self.board, 4), (self.element, 3)])
        board_line = request.line_ids.filtered(lambda line: line.product_id == self.board)
        self.assertEqual(board_line.qty_fund, 4)
        consumption = board_line.fund_entry_id
        self.assertEqual(consumption.amount, -320.0)
        self.assertEqual(self._balance(contract), 180.0)
        self._ship(request.picking_id, {self.board: 2, self.element: 1}, backorder=False)
        self.assertEqual(request.state, "done")
        self.assertFalse(request.picking_id.backorder_ids)
        # the consumption row is untouched, a new row gives 160 back
        self.assertEqual(consumption.amount, -320.0)
        rows = self._fund_rows(contract)
        self.assertEqual(rows.mapped("amount"), [500.0, -320.0, 160.0])
        self.assertEqual(rows[-1].kind, "reversal")
        self.assertEqual(self._balance(contract), 340.0)
        # only the shipped element is owed back
        expected = request.old_part_ids.filtered(lambda o: o.state == "expected")
        self.assertEqual(sum(expected.mapped("quantity")), 1.0)
        self.assertEqual(sum(expected.receipt_move_id.mapped("product_uom_qty")), 1.0)

    def test_cancelled_backorder_gives_the_fund_back(self):
        """Partial delivery with a backorder, then the warehouse cancels the backorder (the
        parts will not come): the fund of the parts never sent is given back by an appended
        row, the old parts of the trade-in parts never sent are no longer expected, and the
        requisition is done."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.board, 1)
        self._stock(self.element, 2)
        request = self._approved(contract, [(self.board, 3), (self.element, 3)])
        self.assertEqual(self._balance(contract), 260.0)
        self._ship(request.picking_id, {self.board: 1, self.element: 2}, backorder=True)
        backorder = request.picking_id.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertEqual(
            sorted((m.product_id, m.product_uom_qty) for m in backorder.move_ids),
            sorted([(self.board, 2.0), (self.element, 1.0)]),
        )
        self.assertEqual(request.state, "approved")
        # the requisition shipped: it can no longer be cancelled, its backorder can
        with self.assertRaisesRegex(UserError, "has shipped"):
            request.with_user(self.user_manager).action_cancel()
        backorder.with_user(self.user_stock).action_cancel()
        self.assertEqual(backorder.state, "cancel")
        self.assertEqual(request.state, "done")
        rows = self._fund_rows(contract)
        self.assertEqual(rows.mapped("amount"), [500.0, -240.0, 160.0])
        self.assertEqual(self._balance(contract), 420.0)
        expected = request.old_part_ids.filtered(lambda o: o.state == "expected")
        self.assertEqual(sum(expected.mapped("quantity")), 2.0)

    def test_give_back_once_when_the_last_delivery_is_done(self):
        """Boards on the fund and an igniter sold: the boards' backorder is cancelled while the
        sale's delivery is open; the fund comes back once, when the last delivery is done."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.board, 1)
        self._stock(self.igniter, 1)
        request = self._approved(contract, [(self.board, 3), (self.igniter, 1)])
        self._ship(request.picking_id, {self.board: 1}, backorder=True)
        request.picking_id.backorder_ids.with_user(self.user_stock).action_cancel()
        self.assertEqual(request.state, "approved")
        self.assertEqual(self._fund_rows(contract).mapped("amount"), [500.0, -240.0])
        self._ship(request.sale_order_id.picking_ids, {self.igniter: 1}, backorder=False)
        self.assertEqual(request.state, "done")
        self.assertEqual(self._fund_rows(contract).mapped("amount"), [500.0, -240.0, 160.0])
        # validating or cancelling again moves nothing
        request._check_shipped()
        self.assertEqual(len(self._fund_rows(contract)), 3)
        self.assertEqual(self._balance(contract), 420.0)

    def test_charged_old_part_of_a_part_never_sent_is_reversed(self):
        """A trade-in motor waits on a backorder past its old part's due date: the cron charges
        the dealer its cost (45.50) on the fund, as the element's (60); the backorder is then
        cancelled: the motor's charge is reversed by an appended row and its old part is no
        longer owed."""
        contract = self._parts_contract(fund=500.0, old_part_return_days=10)
        self._stock(self.element, 1)
        request = self._approved(contract, [(self.element, 1), (self.motor, 1)])
        motor_old = request.old_part_ids.filtered(lambda o: o.product_id == self.motor)
        self._ship(request.picking_id, {self.element: 1}, backorder=True)
        with freeze_time("2026-03-25 09:00:00"):
            self.env["after_sales.old.part"]._cron_charge_overdue()
            self.assertEqual(motor_old.state, "charged")
            charge = motor_old.charge_entry_id
            self.assertEqual(charge.amount, -45.5)
            request.picking_id.backorder_ids.with_user(self.user_stock).action_cancel()
        self.assertEqual(request.state, "done")
        self.assertEqual(motor_old.state, "cancelled")
        self.assertTrue(charge.is_reversed)
        # the element shipped and its old part is late too: its cost (60) stays charged
        element_old = request.old_part_ids - motor_old
        self.assertEqual(element_old.state, "charged")
        self.assertEqual(self._balance(contract), 440.0)
        self.assertEqual(motor_old.receipt_move_id.state, "cancel")

    def test_whole_line_not_shipped_reverses_its_row(self):
        """No board at all in stock, shipped without backorder: the board's consumption row is
        reversed whole (marked reversed), nothing is drawn for it."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.knob, 5)
        request = self._approved(contract, [(self.board, 2), (self.knob, 5)])
        entry = request.line_ids.fund_entry_id
        self.assertEqual(entry.amount, -160.0)
        self._ship(request.picking_id, {self.knob: 5}, backorder=False)
        self.assertEqual(request.state, "done")
        self.assertTrue(entry.is_reversed)
        self.assertEqual(self._fund_rows(contract).mapped("amount"), [500.0, -160.0, 160.0])
        self.assertEqual(self._balance(contract), 500.0)

    def test_full_delivery_keeps_the_fund_drawn(self):
        contract = self._parts_contract(fund=500.0)
        self._stock(self.board, 4)
        request = self._approved(contract, [(self.board, 4)])
        self._ship(request.picking_id, {self.board: 4}, backorder=False)
        self.assertEqual(request.state, "done")
        self.assertEqual(self._fund_rows(contract).mapped("amount"), [500.0, -320.0])

    def test_nothing_shipped_delivery_still_cancelled_through_the_requisition(self):
        contract = self._parts_contract(fund=500.0)
        request = self._approved(contract, [(self.board, 2)])
        with self.assertRaisesRegex(UserError, "cancel the requisition instead"):
            request.picking_id.with_user(self.user_stock).action_cancel()
        request.with_user(self.user_manager).action_cancel()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(self._fund_rows(contract).mapped("amount"), [500.0, -160.0, 160.0])

    def test_cancelled_sale_backorder_completes_the_requisition(self):
        """The sold igniters ship partly and the rest of the sale's delivery is cancelled: the
        requisition is done with what shipped."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.igniter, 1)
        request = self._approved(contract, [(self.igniter, 3)])
        self.assertFalse(request.picking_id)
        sale_picking = request.sale_order_id.picking_ids
        self._ship(sale_picking, {self.igniter: 1}, backorder=True)
        self.assertEqual(request.state, "approved")
        rest = request.sale_order_id.picking_ids - sale_picking
        self.assertEqual(rest.move_ids.product_uom_qty, 2.0)
        rest.with_user(self.user_stock).action_cancel()
        self.assertEqual(request.state, "done")

    def test_parts_sent_back_give_their_fund_back(self):
        """Three boards at 80 drawn on the fund (240) and delivered: the requisition is done.
        The dealer sends one back with Odoo's return of the delivery: 80 comes back to the
        fund by an appended row; checking again gives nothing more; the two others sent back
        later give the rest, so the fund is where it started."""
        contract = self._parts_contract(fund=500.0)
        contract.dealer_id.lang = "zh_CN"
        self._stock(self.board, 3)
        request = self._approved(contract, [(self.board, 3)])
        consumption = request.line_ids.fund_entry_id
        self.assertEqual(consumption.amount, -240.0)
        self._ship(request.picking_id, {self.board: 3}, backorder=False)
        self.assertEqual(request.state, "done")
        self.assertEqual(self._balance(contract), 260.0)
        self._return_from_customer(request.picking_id, 1)
        rows = self._fund_rows(contract)
        self.assertEqual(rows.mapped("amount"), [500.0, -240.0, 80.0])
        self.assertEqual(rows[-1].kind, "reversal")
        self.assertEqual(rows[-1].reversed_entry_id, consumption)
        # in the dealer's language (Chinese)
        self.assertEqual(rows[-1].name, f"{request.name}：Control Board x 1.0 已退回")
        self.assertEqual(rows[-1].note, "配件已退回")
        self.assertEqual(self._balance(contract), 340.0)
        request._check_shipped()
        self.assertEqual(len(self._fund_rows(contract)), 3, "nothing given back twice")
        self._return_from_customer(request.picking_id, 2)
        self.assertEqual(self._fund_rows(contract).mapped("amount"), [500.0, -240.0, 80.0, 160.0])
        self.assertEqual(self._balance(contract), 500.0)
        self.assertEqual(consumption.amount, -240.0, "the consumption row is never edited")

    def test_parts_shipped_again_draw_the_fund_again(self):
        """Two boards at 80 drawn on the fund (160) and delivered; the dealer sends both back
        (160 given back), then the warehouse ships one of them to the dealer again with Odoo's
        return of that return: the fund is drawn again by 80, in a row of its own; checking
        again draws nothing more; sent back once more, it is given back again."""
        contract = self._parts_contract(fund=500.0)
        contract.dealer_id.lang = "en_US"
        self._stock(self.board, 2)
        request = self._approved(contract, [(self.board, 2)])
        consumption = request.line_ids.fund_entry_id
        self._ship(request.picking_id, {self.board: 2}, backorder=False)
        back = self._return_from_customer(request.picking_id, 2)
        self.assertEqual(self._balance(contract), 500.0)
        again = self._return_from_customer(back, 1)
        self.assertEqual(again.location_dest_id.usage, "customer")
        self.assertEqual(again.after_sales_parts_request_id, request)
        rows = self._fund_rows(contract)
        self.assertEqual(rows.mapped("amount"), [500.0, -160.0, 160.0, -80.0])
        self.assertEqual(rows[-1].kind, "consumption")
        self.assertEqual(rows[-1].reversed_entry_id, consumption)
        self.assertEqual(rows[-1].name, f"{request.name}: Control Board x 1.0 shipped again")
        self.assertEqual(self._balance(contract), 420.0)
        request._check_shipped()
        self.assertEqual(len(self._fund_rows(contract)), 4, "nothing drawn twice")
        self._return_from_customer(again, 1)
        self.assertEqual(
            self._fund_rows(contract).mapped("amount"), [500.0, -160.0, 160.0, -80.0, 80.0]
        )
        self.assertEqual(self._balance(contract), 500.0)
        self.assertEqual(consumption.amount, -160.0, "the consumption row is never edited")

    def test_trade_in_parts_shipped_again_are_owed_again(self):
        """Two trade-in elements delivered (two old parts expected); the dealer sends one back
        (one old part expected), then it is shipped again with the return of that return: the
        dealer owes two old parts again, on a receipt."""
        contract = self._parts_contract(fund=0.0)
        self._stock(self.element, 2)
        request = self._approved(contract, [(self.element, 2)])
        self._ship(request.picking_id, {self.element: 2}, backorder=False)
        back = self._return_from_customer(request.picking_id, 1)

        def owed():
            expected = request.old_part_ids.filtered(lambda o: o.state == "expected")
            return (
                sum(expected.mapped("quantity")),
                sum(expected.receipt_move_id.mapped("product_uom_qty")),
            )

        self.assertEqual(owed(), (1.0, 1.0))
        self._return_from_customer(back, 1)
        self.assertEqual(owed(), (2.0, 2.0))
        request._check_shipped()
        self.assertEqual(owed(), (2.0, 2.0), "nothing owed twice")

    def test_paid_parts_never_shipped_are_refunded(self):
        """款到发货: 3 igniters at 35 invoiced at approval (105.00) and paid; one ships, the
        warehouse cancels the backorder of the other two: a credit note of 70.00 is posted for
        the dealer, the order comes down to the one igniter delivered, and nothing is refunded
        twice."""
        contract = self._parts_contract(fund=0.0)
        contract.with_user(self.user_manager).parts_prepayment = True
        self._stock(self.igniter, 1)
        request = self._approved(contract, [(self.igniter, 3)])
        order = request.sale_order_id
        invoice = order.invoice_ids
        self.assertEqual(invoice.amount_total, 105.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        sale_picking = order.picking_ids
        self._ship(sale_picking, {self.igniter: 1}, backorder=True)
        rest = order.picking_ids - sale_picking
        rest.with_user(self.user_stock).action_cancel()
        self.assertEqual(request.state, "done")
        refund = order.invoice_ids - invoice
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.partner_id, contract.dealer_id)
        self.assertEqual(refund.amount_total, 70.0)
        self.assertEqual(refund.invoice_line_ids.quantity, 2.0)
        line = order.order_line.filtered(lambda sl: sl.product_id == self.igniter)
        self.assertEqual((line.product_uom_qty, line.qty_delivered, line.qty_invoiced), (1, 1, 1))
        self.assertFalse(request._refund_unshipped_sales())
        self.assertEqual(len(order.invoice_ids), 2)


@freeze_time("2026-03-10 09:00:00")
@tagged("post_install", "-at_install")
class TestStockAuditStocking(PartsCase):
    """R23 initial stocking from what the dealer really received."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.thermostat = cls._part("Thermostat", cls.categ_trade, 40.0, 20.0)
        cls.heater.product_tmpl_id.after_sales_part_ids = [
            Command.set(cls.thermostat.product_tmpl_id.ids)
        ]
        cls.dozen = cls.env.ref("uom.product_uom_dozen")

    def _sell(self, qty, uom=None):
        self._stock(self.heater, 100)
        line = {"product_id": self.heater.id, "product_uom_qty": qty}
        if uom:
            line["product_uom_id"] = uom.id
        order = self.env["sale.order"].create(
            {"partner_id": self.dealer.id, "order_line": [Command.create(line)]}
        )
        order.action_confirm()
        return order

    def _proposed(self, contract):
        wizard = Form(
            self.env["after_sales.contract.stocking"].with_context(
                active_model="after_sales.contract", active_id=contract.id
            )
        ).save()
        return [
            (line.product_id, line.delivered_qty, line.proposed_qty) for line in wizard.line_ids
        ]

    def test_short_delivery_without_backorder_counts_what_left(self):
        """30 heaters ordered, 20 shipped, the rest dropped (no backorder): 20 x 25 % = 5."""
        contract = self._parts_contract(fund=0.0, stocking_months=3, stocking_percent=25.0)
        delivery = self._sell(30).picking_ids
        delivery.move_ids.quantity = 20
        delivery.move_ids.picked = True
        Form.from_action(self.env, delivery.button_validate()).save().process_cancel_backorder()
        self.assertEqual(delivery.state, "done")
        self.assertFalse(delivery.backorder_ids)
        self.assertEqual(self._proposed(contract), [(self.thermostat, 20.0, 5.0)])

    def test_sales_in_dozens_count_in_units(self):
        """Two dozen heaters sold and shipped: 24 x 10 % = 2.4, rounded up to 3."""
        contract = self._parts_contract(fund=0.0, stocking_months=3, stocking_percent=10.0)
        delivery = self._sell(2, self.dozen).picking_ids
        self.assertEqual(delivery.move_ids.product_qty, 24.0)
        self._validate(delivery)
        self.assertEqual(self._proposed(contract), [(self.thermostat, 24.0, 3.0)])

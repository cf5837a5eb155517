"""Integrity of the after-sales stock flows as a warehouse runs them: a requisition's sale order
brought down to what shipped, price lists in another currency than the contract, old parts and
returned goods sent back to the dealer with Odoo's Return button, over-shipped parts, a
prepaid requisition cancelled before shipping, and a return's refund fixed once approved.
Every figure is computed by hand in the comments."""

import re

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common_parts import PartsCase
from .common_service import ServiceCase
from .test_return import ReturnCase


def _other_currency(case):
    """A currency other than the company's, at 0.5 of it since 1 January 2026 (1 company unit
    buys 0.5 of it: a price of 80 in it is worth 160 in the company's currency)."""
    company = case.env.company
    other = case.env.ref("base.EUR")
    if company.currency_id == other:
        other = case.env.ref("base.USD")
    other.active = True
    case.env["res.currency.rate"].create(
        {"currency_id": other.id, "rate": 0.5, "name": "2026-01-01", "company_id": company.id}
    )
    return other


def _fixed_pricelist(case, currency, prices):
    return case.env["product.pricelist"].create(
        {
            "name": f"Prices in {currency.name}",
            "currency_id": currency.id,
            "item_ids": [
                Command.create(
                    {
                        "applied_on": "0_product_variant",
                        "product_id": product.id,
                        "compute_price": "fixed",
                        "fixed_price": price,
                    }
                )
                for product, price in prices
            ],
        }
    )


def _send_back(case, picking, qty):
    """Odoo's Return button on ``picking`` for ``qty`` of its goods: the return picking, not
    validated."""
    wizard = Form(
        case.env["stock.return.picking"].with_context(
            active_id=picking.id, active_ids=picking.ids, active_model="stock.picking"
        )
    ).save()
    wizard.product_return_moves.quantity = qty
    return case.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])


def _validate(picking, user, quantities=None):
    """Validate ``picking`` as ``user`` with ``{product: quantity}`` (the demand by default),
    without a backorder."""
    for move in picking.move_ids:
        move.quantity = (quantities or {}).get(move.product_id, move.product_uom_qty)
        move.picked = True
    picking.with_user(user).with_context(
        skip_backorder=True, picking_ids_not_to_backorder=picking.ids
    ).button_validate()


@freeze_time("2026-03-10 09:00:00")
@tagged("post_install", "-at_install")
class TestStockFlowIntegrity(PartsCase):
    """Requisitions: what the sale order invoices, the fund draws and the dealer owes back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.old_loc = cls.warehouse.after_sales_old_part_loc_id

    def _approved(self, contract, lines, **values):
        request = self._request(contract, lines, **values)
        request.action_submit()
        request.action_approve()
        return request

    def _balance(self, contract):
        contract.invalidate_recordset(["fund_balance"])
        return contract.fund_balance

    # ------------------------------------------------------------------ defect 1
    def test_cancelled_backorder_invoices_only_the_parts_shipped(self):
        """5 igniters at 35 sold (175.00), not paid before shipping; 3 ship, the warehouse
        cancels the backorder of the other 2: the order comes down to the 3 delivered and
        invoices 105.00, not 175.00; nothing was invoiced, so no credit note."""
        contract = self._parts_contract(fund=0.0)
        self._stock(self.igniter, 3)
        request = self._approved(contract, [(self.igniter, 5)])
        order = request.sale_order_id
        self.assertEqual(order.amount_untaxed, 175.0)
        delivery = order.picking_ids
        for move in delivery.move_ids:
            move.quantity = 3
            move.picked = True
        delivery.with_user(self.user_stock).with_context(skip_backorder=True).button_validate()
        backorder = order.picking_ids - delivery
        self.assertEqual(backorder.move_ids.product_uom_qty, 2)
        self.assertEqual(request.state, "approved")
        backorder.with_user(self.user_stock).action_cancel()
        self.assertEqual(request.state, "done")
        line = order.order_line
        self.assertEqual(
            (line.product_uom_qty, line.qty_delivered, line.qty_to_invoice, line.qty_invoiced),
            (3.0, 3.0, 3.0, 0.0),
        )
        self.assertFalse(order.invoice_ids)
        invoice = order._create_invoices()
        self.assertEqual(invoice.amount_untaxed, 105.0)
        self.assertEqual(invoice.invoice_line_ids.quantity, 3.0)

    # ------------------------------------------------------------------ defect 2
    def test_parts_pricelist_in_another_currency_is_converted(self):
        """A parts price list in a currency at 0.5 of the contract's: a board at 80 is 160.00,
        a knob at 8 is 16.00 (over the free-below threshold of 10.00), an igniter at 35 is
        70.00. The fund of 500.00 draws 2 boards (320.00) and 3 knobs (48.00): 132.00 left.
        The igniter is sold on the order in the price list's currency at 35.00 and the EMS
        freight difference of 30.00 at 15.00."""
        other = _other_currency(self)
        pricelist = _fixed_pricelist(
            self, other, [(self.board, 80.0), (self.knob, 8.0), (self.igniter, 35.0)]
        )
        contract = self._parts_contract(fund=500.0, parts_pricelist_id=pricelist.id)
        self.assertEqual(contract.currency_id, self.company.currency_id)
        self._stock(self.board, 5)
        self._stock(self.knob, 5)
        self._stock(self.igniter, 5)
        request = self._approved(
            contract,
            [(self.board, 2), (self.knob, 3), (self.igniter, 1)],
            shipping_mode="ems",
        )
        board, knob, igniter = request.line_ids.sorted("id")
        self.assertEqual(
            [
                (line.unit_price, line.qty_free, line.qty_fund, line.qty_sale)
                for line in request.line_ids.sorted("id")
            ],
            [(160.0, 0.0, 2.0, 0.0), (16.0, 0.0, 3.0, 0.0), (70.0, 0.0, 0.0, 1.0)],
        )
        self.assertEqual(knob.policy, "free_below")
        self.assertEqual((board.fund_amount, knob.fund_amount), (320.0, 48.0))
        self.assertEqual((request.fund_amount, request.sale_amount), (368.0, 70.0))
        self.assertEqual(self._balance(contract), 132.0)
        order = request.sale_order_id
        self.assertEqual(order.currency_id, other)
        self.assertEqual(
            sorted(order.order_line.mapped("price_unit")), [15.0, 35.0], "freight, igniter"
        )
        self.assertEqual(igniter.sale_line_id.price_unit, 35.0)
        self.assertEqual(order.amount_untaxed, 50.0)

    # ------------------------------------------------------------------ defect 3
    def test_old_parts_sent_back_with_the_return_button_are_owed_again(self):
        """2 trade-in elements issued, their old parts received; the warehouse sends 1 back to
        the dealer with Odoo's Return button: the old part is split, 1 stays received, 1 is
        owed again on a receipt, and the Old Parts location holds 1. The received one is
        appraised reusable; the other is received again, then sent back whole: it is
        expected again itself. An appraised part cannot be sent back, nor a part sent back
        brought in by a return of the return."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.element, 10)
        request = self._approved(contract, [(self.element, 2)])
        self._validate(request.picking_id, self.user_stock)
        old_part = request.old_part_ids
        self.assertEqual((old_part.state, old_part.quantity), ("expected", 2.0))
        receipt = old_part.receipt_picking_id
        self._validate(receipt, self.user_stock)
        self.assertEqual(old_part.state, "received")
        self.assertEqual(self._qty_at(self.element, self.old_loc), 2.0)

        back = _send_back(self, receipt, 1)
        _validate(back, self.user_stock)
        self.assertEqual(back.state, "done")
        owed = request.old_part_ids - old_part
        self.assertEqual((old_part.state, old_part.quantity), ("received", 1.0))
        self.assertEqual((owed.state, owed.quantity), ("expected", 1.0))
        self.assertEqual(owed.date_due, old_part.date_due)
        self.assertEqual(owed.receipt_picking_id.state, "assigned")
        self.assertEqual(owed.receipt_move_id.product_uom_qty, 1.0)
        self.assertFalse(owed.date_received)
        self.assertEqual(self._qty_at(self.element, self.old_loc), 1.0)

        # a return of the return does not bring the owed part in: its receipt does
        again = _send_back(self, back, 1)
        with self.assertRaisesRegex(
            UserError,
            rf"Old part {re.escape(old_part.name)} went back to the dealer and is owed again: "
            rf"receive it on its receipt .*, not with {re.escape(again.name)}\.",
        ):
            _validate(again, self.user_stock)
        self.assertNotEqual(again.state, "done")
        again.action_cancel()

        old_part.with_user(self.user_appraiser).action_appraise_reusable()
        self.assertEqual(old_part.state, "reusable")
        self.assertEqual(self._qty_at(self.element, self.old_loc), 0.0)
        self.assertEqual(self._qty_at(self.element, self.stock_location), 9.0)
        appraised = _send_back(self, receipt, 1)
        with self.assertRaisesRegex(
            UserError,
            rf"Old part {re.escape(old_part.name)} is Reusable: only a received old part, "
            r"before its appraisal, can be sent back to the dealer "
            rf"\({re.escape(appraised.name)}\)\.",
        ):
            _validate(appraised, self.user_stock)
        self.assertEqual(old_part.state, "reusable")
        appraised.action_cancel()

        # the part owed again comes back on its receipt, and is sent back whole
        owed.with_user(self.user_stock).action_receive()
        self.assertEqual(owed.state, "received")
        second = owed.receipt_picking_id
        self.assertEqual(second.state, "done")
        _validate(_send_back(self, second, 1), self.user_stock)
        self.assertEqual(request.old_part_ids, old_part | owed, "no split: all of it went back")
        self.assertEqual((owed.state, owed.quantity), ("expected", 1.0))
        self.assertNotEqual(owed.receipt_picking_id, second)
        self.assertEqual(owed.receipt_move_id.state, "assigned")
        self.assertEqual(self._qty_at(self.element, self.old_loc), 0.0)
        with self.assertRaisesRegex(UserError, "only a received old part can be appraised"):
            owed.with_user(self.user_appraiser).action_appraise_scrap()

    def test_appraisal_moves_no_more_than_is_in_old_parts(self):
        """A received old part whose piece left the Old Parts location another way: the
        appraisal is refused (reusable or scrap), the location never goes negative."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.element, 10)
        request = self._approved(contract, [(self.element, 1)])
        self._validate(request.picking_id, self.user_stock)
        old_part = request.old_part_ids
        self._validate(old_part.receipt_picking_id, self.user_stock)
        self.assertEqual(old_part.state, "received")
        self._stock(self.element, -1, self.old_loc)
        message = (
            rf"Old part {re.escape(old_part.name)}: 1.0 {self.element.name} to appraise, but "
            rf"only 0.0 in {re.escape(self.old_loc.display_name)}\."
        )
        with self.assertRaisesRegex(UserError, message):
            old_part.with_user(self.user_appraiser).action_appraise_reusable()
        with self.assertRaisesRegex(UserError, message):
            old_part.with_user(self.user_appraiser).action_appraise_scrap()
        self.assertEqual(old_part.state, "received")
        self.assertEqual(self._qty_at(self.element, self.old_loc), 0.0)
        self.assertEqual(self._qty_at(self.element, self.stock_location), 9.0)

    # ------------------------------------------------------------------ defect 6
    def test_prepaid_requisition_cancelled_before_shipping_credits_the_freight(self):
        """款到发货 with EMS: 5 igniters at 35 (175.00) and the freight difference (30.00)
        invoiced at approval; the manager cancels the requisition before anything ships: one
        credit note gives back both, 205.00 untaxed, and the order is cancelled."""
        contract = self._parts_contract(fund=0.0)
        contract.with_user(self.user_manager).parts_prepayment = True
        self._stock(self.igniter, 10)
        request = self._approved(contract, [(self.igniter, 5)], shipping_mode="ems")
        order = request.sale_order_id
        invoice = order.invoice_ids
        self.assertEqual((invoice.state, invoice.amount_untaxed), ("posted", 205.0))
        request.with_user(self.user_manager).action_cancel()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.picking_ids.mapped("state"), ["cancel"])
        refund = order.invoice_ids - invoice
        self.assertEqual(len(refund), 1)
        self.assertEqual((refund.move_type, refund.state), ("out_refund", "posted"))
        self.assertEqual(refund.reversed_entry_id | invoice, invoice)
        self.assertEqual(refund.amount_untaxed, 205.0)
        self.assertEqual(refund.amount_total, invoice.amount_total)
        self.assertEqual(
            sorted(refund.invoice_line_ids.mapped(lambda aml: (aml.quantity, aml.price_unit))),
            [(1.0, 30.0), (5.0, 35.0)],
        )
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [0.0, 0.0])

    def test_prepaid_partial_shipment_keeps_the_freight(self):
        """款到发货 with EMS, paid: 1 of 3 igniters ships, the backorder is cancelled: only the 2
        igniters never sent are refunded (70.00), the freight of the shipment that went out
        stays charged."""
        contract = self._parts_contract(fund=0.0)
        contract.with_user(self.user_manager).parts_prepayment = True
        self._stock(self.igniter, 1)
        request = self._approved(contract, [(self.igniter, 3)], shipping_mode="ems")
        order = request.sale_order_id
        invoice = order.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 135.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        delivery = order.picking_ids
        for move in delivery.move_ids:
            move.quantity = 1
            move.picked = True
        delivery.with_user(self.user_stock).with_context(skip_backorder=True).button_validate()
        (order.picking_ids - delivery).with_user(self.user_stock).action_cancel()
        self.assertEqual(request.state, "done")
        refund = order.invoice_ids - invoice
        self.assertEqual(refund.amount_untaxed, 70.0)
        self.assertEqual(refund.invoice_line_ids.mapped("quantity"), [2.0])

    # ------------------------------------------------------------------ defect 7
    def test_parts_delivery_ships_no_more_than_its_demand(self):
        """2 boards on the fund (160.00); the warehouse validates 5: refused, naming the
        delivery, the part, the demand and the quantity; nothing moved, the fund unchanged.
        Validated at 2, it ships."""
        contract = self._parts_contract(fund=500.0)
        self._stock(self.board, 10)
        request = self._approved(contract, [(self.board, 2)])
        picking = request.picking_id
        self.assertEqual(self._balance(contract), 340.0)
        with self.assertRaisesRegex(
            UserError,
            rf"Delivery {re.escape(picking.name)} of parts requisition {re.escape(request.name)} "
            rf"ships 5.0 {self.board.name}, more than its demand of 2.0: an after-sales "
            r"delivery ships only the parts the requisition issued\.",
        ):
            _validate(picking, self.user_stock, {self.board: 5})
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(self._qty_at(self.board, self.stock_location), 10.0)
        self.assertEqual(self._balance(contract), 340.0)
        _validate(picking, self.user_stock)
        self.assertEqual((picking.state, request.state), ("done", "done"))
        self.assertEqual(self._qty_at(self.board, self.stock_location), 8.0)
        self.assertEqual(self._balance(contract), 340.0)


@tagged("post_install", "-at_install")
class TestStockFlowRepairPrice(ServiceCase):
    """Claims: the repair price list in another currency than the contract."""

    def test_repair_pricelist_in_another_currency_is_converted(self):
        """The repair price list in a currency at 0.5 of the contract's: the element at 100 is
        200.00, an hour of labour at 50 is 100.00; 1 element, 2 hours and 12.50 of freight
        are reimbursed 412.50."""
        other = _other_currency(self)
        pricelist = _fixed_pricelist(self, other, [(self.element, 100.0), (self.labour, 50.0)])
        self.contract.sudo().repair_pricelist_id = pricelist
        claim = self._claim()
        claim.write(
            {
                "line_ids": [
                    Command.create(
                        {"line_type": "part", "product_id": self.element.id, "quantity": 1}
                    ),
                    Command.create(
                        {"line_type": "labour", "product_id": self.labour.id, "quantity": 2}
                    ),
                    Command.create({"line_type": "freight", "name": "Freight", "price_unit": 12.5}),
                ]
            }
        )
        self.assertEqual(claim.currency_id, self.contract.currency_id)
        self.assertEqual(claim.line_ids.sorted("id").mapped("price_unit"), [200.0, 100.0, 12.5])
        self.assertEqual(claim.line_ids.sorted("id").mapped("subtotal"), [200.0, 200.0, 12.5])
        self.assertTrue(claim.is_covered)
        self.assertEqual(claim.reimbursable_amount, 412.5)


@tagged("post_install", "-at_install")
class TestStockFlowReturns(ReturnCase):
    """Returns: the refund fixed once approved, refunded goods kept by the manufacturer."""

    def _knob_return(self, qty, **values):
        vals = {
            "return_type": "dealer_stock",
            "stock_case": "unsellable",
            "resolution": "refund",
            "lines": [(self.knob, qty, None)],
        }
        vals.update(values)
        return self._return(lines=vals.pop("lines"), **vals)

    # ------------------------------------------------------------------ defect 4
    def test_refunded_goods_are_not_sent_back_with_the_return_button(self):
        """4 knobs at 10 returned; the warehouse sends 1 back before the refund (allowed: 3
        received), the manager refunds 30.00; sending another back after the credit note is
        refused, naming the return and the picking, and nothing moves."""
        ret = self._knob_return(4)
        receipt = self._approve(ret)
        self._receive(receipt)
        self.assertEqual((ret.state, ret.line_ids.qty_received), ("received", 4.0))
        before = _send_back(self, receipt, 1)
        _validate(before, self.user_stock)
        self.assertEqual(before.state, "done")
        self.assertEqual(ret.line_ids.qty_received, 3.0)
        ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.credit_note_id.amount_untaxed, 30.0)
        after = _send_back(self, receipt, 1)
        with self.assertRaisesRegex(
            UserError,
            rf"Return {re.escape(ret.name)} is Done: its goods cannot be sent back to the "
            rf"dealer with {re.escape(after.name)} \(the dealer would keep goods it was "
            r"refunded or resolved for\)\. Sell and deliver them through a sale order instead\.",
        ):
            _validate(after, self.user_stock)
        self.assertNotEqual(after.state, "done")
        ret.line_ids.invalidate_recordset(["qty_received"])
        self.assertEqual(ret.line_ids.qty_received, 3.0)
        self.assertEqual(ret.state, "done")

    # ------------------------------------------------------------------ defect 5
    def test_original_invoice_and_fee_are_fixed_once_approved(self):
        """A knob invoiced at 10 returned for a refund of 10.00; another invoice sold knobs at
        15. Submitted, the desk may still choose the invoice; approved, neither the invoice
        nor the restocking fee changes for the desk (the refund would become 15.00), the same
        value sent again is accepted, and the system (sudo) still writes them."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.dealer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.knob.id, "product_uom_qty": 2, "price_unit": 15.0}
                    )
                ],
            }
        )
        order.action_confirm()
        _validate(order.picking_ids, self.env.user)
        dearer = order._create_invoices()
        dearer.action_post()
        ret = self._knob_return(1, origin_invoice_id=self.invoice.id)
        self.assertEqual(ret.line_ids.price_unit, 10.0)
        ret.action_submit()
        desk = ret.with_user(self.user_desk)
        desk.origin_invoice_id = dearer
        self.assertEqual(ret.line_ids.price_unit, 15.0)
        desk.origin_invoice_id = self.invoice
        self.assertEqual(ret.line_ids.price_unit, 10.0)
        ret.with_user(self.user_manager).action_approve()
        receipt = ret._receipt_moves().picking_id
        self.assertEqual(ret.state, "approved")
        with self.assertRaisesRegex(
            UserError,
            rf"Return {re.escape(ret.name)} is Approved: the refund it was approved for is "
            r"fixed, its Original Invoice can no longer change\.",
        ):
            desk.write({"origin_invoice_id": dearer.id})
        with self.assertRaisesRegex(
            UserError,
            rf"Return {re.escape(ret.name)} is Approved: the refund it was approved for is "
            r"fixed, its Restocking Fee Type, Restocking Fee can no longer change\.",
        ):
            desk.write({"restocking_fee_type": "fixed", "restocking_fee_value": 5.0})
        self._receive(receipt)
        self.assertEqual(ret.state, "received")
        with self.assertRaisesRegex(UserError, "is Received: the refund it was approved for"):
            desk.write({"origin_invoice_id": dearer.id})
        ret.invalidate_recordset()
        self.assertEqual(ret.origin_invoice_id, self.invoice)
        self.assertEqual(ret.line_ids.invoice_line_id.move_id, self.invoice)
        self.assertEqual((ret.restocking_fee_type, ret.refund_amount), ("none", 10.0))
        desk.write({"origin_invoice_id": self.invoice.id, "restocking_fee_type": "none"})
        ret.sudo().write({"restocking_fee_type": "fixed", "restocking_fee_value": 2.0})
        self.assertEqual(ret.refund_amount, 8.0)
        ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret.credit_note_id.amount_untaxed, 8.0)

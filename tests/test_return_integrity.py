"""Integrity of returns, old parts and parts requisitions against what a client sends: units of
an exchange, the charge of partly returned old parts, the contract of a document and the
invoice line a refund is priced from. Every figure is computed by hand in the comments."""

import re
from contextlib import contextmanager
from datetime import timedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common_parts import PartsCase
from .test_return import ReturnCase


@contextmanager
def refused(case, pattern):
    """Expect a ValidationError matching ``pattern``, the refused write rolled back."""
    with case.assertRaisesRegex(ValidationError, pattern), case.env.cr.savepoint():
        yield
    case.env.invalidate_all()


@freeze_time("2026-06-15 10:00:00")
@tagged("post_install", "-at_install")
class TestReturnIntegrity(ReturnCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dozen = cls.env.ref("uom.product_uom_dozen")
        Product = cls.env["product.product"]
        cls.cartridge = Product.create(
            {
                "name": "Filter cartridge FC-1",
                "is_storable": True,
                "list_price": 5.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.cartridge_v2 = Product.create(
            {
                "name": "Filter cartridge FC-2",
                "is_storable": True,
                "list_price": 6.0,
                "taxes_id": [Command.clear()],
            }
        )
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.cartridge, cls.stock_location, 24.0)
        Quant._update_available_quantity(cls.cartridge_v2, cls.stock_location, 30.0)
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.dealer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.cartridge.id,
                            "product_uom_qty": 2,
                            "product_uom_id": cls.dozen.id,
                            "price_unit": 60.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = picking.move_ids.product_uom_qty  # 24 units
        picking.move_ids.picked = True
        picking.button_validate()
        cls.dozen_invoice = order._create_invoices()
        cls.dozen_invoice.action_post()

    # ------------------------------------------------------------
    # units of an exchange
    # ------------------------------------------------------------
    def test_exchange_for_a_successor_converts_the_units(self):
        """2 dozen cartridges FC-1 come back and are exchanged for their successor FC-2,
        counted in units: 2 x 12 = 24 units of FC-2 go back, not 2."""
        ret = self._return(
            lines=[(self.cartridge, 2, None)], resolution="exchange", return_type="batch"
        )
        ret.line_ids.write({"product_uom_id": self.dozen.id, "quantity": 2})
        ret.line_ids.exchange_product_id = self.cartridge_v2
        self._receive(self._approve(ret))
        self.assertEqual(ret.line_ids.qty_received, 2.0)
        self.assertEqual(ret.line_ids.product_uom_id, self.dozen)
        ret.with_user(self.user_manager).action_resolve()
        move = ret._delivery_moves()
        self.assertEqual(move.product_id, self.cartridge_v2)
        self.assertEqual(move.product_uom, self.cartridge_v2.uom_id)
        self.assertEqual(move.product_uom_qty, 24.0)
        self.assertFalse(move.sale_line_id, "the successor is not the order's product")
        move.picked = True
        move.picking_id.button_validate()
        self.assertEqual(move.state, "done")
        self.assertEqual(self.cartridge_v2.qty_available, 6.0)  # 30 - 24

    def test_exchange_for_the_same_product_keeps_the_lines_unit(self):
        """Exchanged for the same product, the 2 dozen go back as 2 dozen (24 units)."""
        ret = self._return(
            lines=[(self.cartridge, 2, None)], resolution="exchange", return_type="batch"
        )
        ret.line_ids.write({"product_uom_id": self.dozen.id, "quantity": 2})
        self._receive(self._approve(ret))
        ret.with_user(self.user_manager).action_resolve()
        move = ret._delivery_moves()
        self.assertEqual(
            (move.product_id, move.product_uom, move.product_uom_qty),
            (self.cartridge, self.dozen, 2.0),
        )
        self.assertEqual(move.product_qty, 24.0)

    # ------------------------------------------------------------
    # the contract of a return
    # ------------------------------------------------------------
    def test_return_refuses_another_dealers_contract(self):
        """Dealer Jiahe's running contract on Dealer Shunda's return would charge Shunda's
        freight to Jiahe's repair fund: refused, on create and on write."""
        with refused(
            self,
            re.escape(
                f"contract {self.other_contract.display_name} does not serve dealer Dealer "
                f"Shunda on 2026-06-15 (the serving contract is {self.contract.display_name})."
            ),
        ):
            self._return(contract_id=self.other_contract.id)
        ret = self._return()
        self.assertEqual(ret.contract_id, self.contract)
        with refused(self, re.escape(f"{ret.display_name}: contract ")):
            ret.with_user(self.user_desk).write({"contract_id": self.other_contract.id})
        self.assertEqual(ret.contract_id, self.contract)
        self.assertFalse(
            self.env["after_sales.fund.entry"].search(
                [("contract_id", "=", self.other_contract.id), ("kind", "=", "return_charge")]
            )
        )

    def test_sub_dealers_return_is_served_by_its_dealers_contract(self):
        """A sub-dealer without a contract of its own is served by its dealer's: accepted, as
        for its claims and cards; another dealer's contract is not."""
        ret = self._return(dealer=self.subdealer, lines=[(self.knob, 1, None)])
        self.assertEqual(ret.contract_id, self.contract)
        ret.contract_id = self.contract  # written back by a client: still accepted
        with refused(self, "does not serve dealer Sub-dealer Kunshan"):
            ret.contract_id = self.other_contract

    # ------------------------------------------------------------
    # the invoice line a refund is priced from
    # ------------------------------------------------------------
    def _knob_refund(self):
        ret = self._return(
            lines=[(self.knob, 2, None)], resolution="refund", return_type="in_warranty"
        )
        knob_line = self.invoice.invoice_line_ids.filtered(lambda x: x.product_id == self.knob)
        self.assertEqual(ret.origin_invoice_id, self.invoice)
        self.assertEqual(ret.line_ids.invoice_line_id, knob_line)
        return ret

    def test_invoice_line_of_another_invoice_is_refused(self):
        ret = self._knob_refund()
        other_line = self.dozen_invoice.invoice_line_ids
        with refused(
            self,
            re.escape(
                f"the original invoice line of Control knob is on "
                f"{self.dozen_invoice.display_name}, not on the return's original invoice "
                f"{self.invoice.display_name}."
            ),
        ):
            ret.line_ids.write({"invoice_line_id": other_line.id})

    def test_invoice_line_of_another_product_is_refused(self):
        """The heater line of the same invoice (1000 each) would refund 2 knobs at 2000."""
        ret = self._knob_refund()
        heater_line = self.invoice.invoice_line_ids.filtered(lambda x: x.product_id == self.heater)
        with refused(
            self,
            re.escape(
                "the original invoice line of Control knob is a line of Water heater WH-60 on "
                f"{self.invoice.display_name}; choose a line of the returned product."
            ),
        ):
            ret.line_ids.write({"invoice_line_id": heater_line.id})
        # the refund stays priced at the knob's line: 2 x 10
        self._receive(self._approve(ret))
        self.assertEqual(ret.refund_amount, 20.0)
        ret.with_user(self.user_manager).action_resolve()
        self.assertAlmostEqual(ret.credit_note_id.amount_untaxed, 20.0)

    def test_invoice_line_of_another_dealer_is_refused(self):
        """Without an original invoice, the line must still be on a customer invoice of the
        dealer: Dealer Jiahe's heater line is not."""
        ret = self._return(resolution="refund", return_type="in_warranty")
        ret.origin_invoice_id = False
        self.assertEqual(ret.line_ids.invoice_line_id.move_id, self.invoice)
        with refused(
            self,
            re.escape(
                f"is on {self.other_invoice.display_name}, which is not a customer invoice of "
                "dealer Dealer Shunda."
            ),
        ):
            ret.line_ids.invoice_line_id = self.other_invoice.invoice_line_ids
        # the return's invoice cannot be switched to another dealer's under its lines either
        with refused(self, "not a customer invoice of dealer"):
            ret.write({"origin_invoice_id": self.other_invoice.id})


@tagged("post_install", "-at_install")
class TestOldPartIntegrity(PartsCase):
    def _charged(self, contract, lines):
        request = self._request(contract, lines)
        request.action_submit()
        request.action_approve()
        old_part = request.old_part_ids
        old_part.date_due = self.today - timedelta(days=1)
        self.env["after_sales.old.part"]._cron_charge_overdue()
        self.assertEqual(old_part.state, "charged")
        return old_part

    def _receive_part(self, old_part, qty):
        move = old_part.receipt_move_id
        move.quantity = qty
        move.picked = True
        move.picking_id._action_done()

    def test_partly_returned_charged_old_part_keeps_the_rest_charged_on_the_fund(self):
        """2 fan motors at cost 45.50 charged 91.00 on the fund; one comes back late: its
        45.50 comes back, the missing one stays charged 45.50, on a row of its own."""
        contract = self._parts_contract(fund=1000.0)
        old_part = self._charged(contract, [(self.motor, 2)])
        charge = old_part.charge_entry_id
        self.assertEqual(charge.amount, -91.0)
        self._receive_part(old_part, 1)
        self.assertEqual((old_part.state, old_part.quantity), ("received", 1.0))
        rest = old_part.request_id.old_part_ids - old_part
        self.assertEqual((rest.state, rest.quantity), ("charged", 1.0))
        self.assertEqual(rest.charge_amount, 45.5)
        Entry = self.env["after_sales.fund.entry"]
        rows = Entry.search(
            [("contract_id", "=", contract.id), ("kind", "in", ("old_part_charge", "reversal"))],
            order="id",
        )
        self.assertEqual(rows.mapped("amount"), [-91.0, 91.0, -45.5])
        self.assertEqual(rows[1].reversed_entry_id, charge)
        self.assertEqual(rest.charge_entry_id, rows[2])
        self.assertEqual(rows[2].kind, "old_part_charge")
        self.assertEqual(rows[2].source_ref, rest.receipt_picking_id or rows[2].source_ref)
        self.assertIn(rest.name, rows[2].name)
        self.assertAlmostEqual(sum(rows.mapped("amount")), -45.5)
        self.assertAlmostEqual(contract.fund_balance, 1000.0 - 45.5)
        # the missing motor still comes back later: its own 45.50 is reversed, nothing else
        self._receive_part(rest, 1)
        self.assertEqual(rest.state, "received")
        rows = Entry.search(
            [("contract_id", "=", contract.id), ("kind", "in", ("old_part_charge", "reversal"))],
            order="id",
        )
        self.assertEqual(rows.mapped("amount"), [-91.0, 91.0, -45.5, 45.5])
        self.assertAlmostEqual(contract.fund_balance, 1000.0)

    def test_partly_returned_charged_old_part_keeps_the_rest_invoiced(self):
        """3 heating elements at cost 60 invoiced 180 (no fund); one comes back: the invoice
        is credited and the 2 still missing are invoiced again, 2 x 60 = 120."""
        contract = self._parts_contract(fund=0.0, allowance_use="payout")
        old_part = self._charged(contract, [(self.element, 3)])
        invoice = old_part.charge_invoice_id
        self.assertAlmostEqual(invoice.amount_total, 180.0)
        self._receive_part(old_part, 1)
        self.assertEqual((old_part.state, old_part.quantity), ("received", 1.0))
        self.assertAlmostEqual(old_part.charge_reversal_id.amount_total, 180.0)
        self.assertEqual(old_part.charge_reversal_id.state, "posted")
        rest = old_part.request_id.old_part_ids - old_part
        self.assertEqual((rest.state, rest.quantity, rest.charge_amount), ("charged", 2.0, 120.0))
        new_invoice = rest.charge_invoice_id
        self.assertNotEqual(new_invoice, invoice)
        self.assertEqual(new_invoice.state, "posted")
        self.assertEqual(new_invoice.partner_id, self.dealer)
        self.assertEqual(new_invoice.invoice_line_ids.product_id, self.element)
        self.assertEqual(new_invoice.invoice_line_ids.quantity, 2.0)
        self.assertAlmostEqual(new_invoice.amount_total, 120.0)
        self.assertFalse(
            self.env["after_sales.fund.entry"].search([("kind", "=", "old_part_charge")])
        )


@tagged("post_install", "-at_install")
class TestPartsRequestContract(PartsCase):
    def test_requisition_refuses_another_dealers_contract(self):
        """Through RPC, Dealer Jiahe's running contract on Dealer Shunda's requisition would
        issue Shunda's parts on Jiahe's repair fund: refused, on create and on write."""
        contract = self._parts_contract(fund=500.0)
        other = self._parts_contract(self.other_dealer, fund=500.0)
        with refused(
            self,
            re.escape(
                f"contract {other.display_name} does not serve dealer Dealer Shunda on "
                f"{self.today} (the serving contract is {contract.display_name})."
            ),
        ):
            self._request(contract, [(self.board, 1)], contract_id=other.id)
        request = self._request(contract, [(self.board, 1)])
        self.assertEqual(request.contract_id, contract)
        with refused(self, re.escape(f"{request.display_name}: contract ")):
            request.with_user(self.user_desk).write({"contract_id": other.id})
        self.assertEqual(request.contract_id, contract)
        self.assertAlmostEqual(other.fund_balance, 500.0)

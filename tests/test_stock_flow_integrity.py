"""Integrity of the after-sales stock flows as a warehouse runs them: a requisition's sale order
brought down to what shipped, price lists in another currency than the contract, old parts and
returned goods sent back to the dealer with Odoo's Return button, over-shipped parts, a
prepaid requisition cancelled before shipping, and a return's refund fixed once approved.
Every figure is computed by hand in the comments."""

from freezegun import freeze_time

from odoo.tests import tagged

from .common_parts import PartsCase


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

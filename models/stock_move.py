from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError


class StockMove(models.Model):
    _inherit = "stock.move"

    after_sales_return_line_id = fields.Many2one(
        "after_sales.return.line",
        string="Return Line",
        index="btree_not_null",
        ondelete="set null",
        help="The return request line this move receives or sends back.",
    )
    after_sales_return_kind = fields.Selection(
        [("receipt", "Return Receipt"), ("delivery", "Return Delivery")],
        string="Return Move",
        help="Receipt of the returned goods, or the repaired / exchanged goods sent back.",
    )
    after_sales_old_part_id = fields.Many2one(
        "after_sales.old.part",
        string="Old Part",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        groups="stock.group_stock_user,after_sales_service.after_sales_service_group_user",
        help="The expected old part this move receives; the rest of a partial receipt keeps it "
        "on the backorder.",
    )

    def _prepare_merge_moves_distinct_fields(self):
        # Two returned serials of one product stay two moves: each belongs to its return line.
        # Two old parts of one product on one receipt stay two moves: each is received for itself.
        return [
            *super()._prepare_merge_moves_distinct_fields(),
            "after_sales_return_line_id",
            "after_sales_old_part_id",
        ]

    def _action_done(self, cancel_backorder=False):
        """R7: the goods of a return that is not approved cannot be received, whatever the way
        the move is validated. Once validated, returns learn their received quantities and
        validated deliveries complete their returns. Goods sent back with Odoo's own return of
        a receipt (disordered or incomplete goods) lower the received quantity."""
        receipts = self.filtered(
            lambda m: (
                m.after_sales_return_kind == "receipt"
                and m.after_sales_return_line_id
                and m.location_id.usage == "customer"
            )
        )
        for move in receipts:
            ret = move.after_sales_return_line_id.return_id
            if ret.state != "approved":
                raise UserError(
                    self.env._(
                        "Return %(ret)s is %(state)s, not approved: its goods cannot be "
                        "received (%(picking)s). Unapproved returns are refused.",
                        ret=ret.display_name,
                        state=ret._state_label(),
                        picking=move.picking_id.display_name or move.product_id.display_name,
                    )
                )
        self._after_sales_check_parts_demand()
        self._after_sales_check_refunded_sent_back()
        old_part_returns = self._after_sales_old_part_returns()
        done = super()._action_done(cancel_backorder=cancel_backorder)
        (self | done)._after_sales_notify_returns()
        old_part_returns.filtered(lambda m: m.state == "done")._after_sales_reopen_old_parts()
        return done

    def _after_sales_check_parts_demand(self):
        """R25: an after-sales parts delivery ships what the requisition issued (free, drawn on
        the fund, owed back as old parts), never more: a part shipped beyond its demand would
        be neither drawn on the fund nor owed back. Called before the moves are done; refuses
        the whole validation, nothing half-done."""
        outgoing = self.filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and m.picked
                and m.location_dest_id.usage == "customer"
                and m.picking_id.sudo().after_sales_parts_request_id
            )
        )
        totals = defaultdict(lambda: [0.0, 0.0])
        for move in outgoing:
            uom = move.product_id.uom_id
            total = totals[move.picking_id, move.product_id]
            total[0] += move.product_uom._compute_quantity(move.product_uom_qty, uom, round=False)
            total[1] += move.product_uom._compute_quantity(move.quantity, uom, round=False)
        for (picking, product), (demand, quantity) in totals.items():
            if product.uom_id.compare(quantity, demand) > 0:
                raise UserError(
                    self.env._(
                        "Delivery %(picking)s of parts requisition %(request)s ships %(done)s "
                        "%(product)s, more than its demand of %(demand)s: an after-sales "
                        "delivery ships only the parts the requisition issued. Lower the "
                        "quantity to the demand; the dealer orders any more parts on a new "
                        "requisition.",
                        picking=picking.display_name,
                        request=picking.sudo().after_sales_parts_request_id.display_name,
                        done=product.uom_id.round(quantity),
                        product=product.display_name,
                        demand=product.uom_id.round(demand),
                    )
                )

    def _after_sales_check_refunded_sent_back(self):
        """R28: goods of a return that is resolved (refunded, repaired or exchanged) or done
        are the manufacturer's: Odoo's return of the return's receipt would hand them back to
        the dealer, which keeps what it was refunded for (or gets the unit twice). Refused;
        goods the dealer wants back are sold and delivered on a sale order."""
        sent_back = self.filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and m.after_sales_return_kind == "receipt"
                and m.after_sales_return_line_id
                and m.location_dest_id.usage == "customer"
            )
        )
        for move in sent_back:
            ret = move.after_sales_return_line_id.return_id.sudo()
            if ret.state in ("resolved", "done") or ret.credit_note_id:
                raise UserError(
                    self.env._(
                        "Return %(ret)s is %(state)s: its goods cannot be sent back to the "
                        "dealer with %(picking)s (the dealer would keep goods it was refunded "
                        "or resolved for). Sell and deliver them through a sale order instead.",
                        ret=ret.display_name,
                        state=ret._state_label(),
                        picking=move.picking_id.display_name or move.product_id.display_name,
                    )
                )

    def _after_sales_old_part_returns(self):
        """The moves of Odoo's return of an old parts receipt (old parts sent back to the
        dealer from the Old Parts location), checked before they are done: only a received
        old part, not yet appraised, goes back, and never more than came in. A return of such
        a return (the part shipped to the manufacturer again) is refused: the old part is owed
        again and is received on its own receipt. Returns the moves sending old parts back."""
        linked = self.sudo().filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and m.after_sales_old_part_id
                and m.origin_returned_move_id
            )
        )
        incoming = linked.filtered(lambda m: m.location_id.usage == "customer")
        if incoming:
            old_part = incoming[0].after_sales_old_part_id
            raise UserError(
                self.env._(
                    "Old part %(old_part)s went back to the dealer and is owed again: "
                    "receive it on its receipt %(receipt)s, not with %(picking)s.",
                    old_part=old_part.display_name,
                    receipt=old_part.receipt_picking_id.display_name or "-",
                    picking=incoming[0].picking_id.display_name,
                )
            )
        outgoing = linked.filtered(lambda m: m.location_dest_id.usage == "customer")
        returned = defaultdict(float)
        for move in outgoing:
            old_part = move.after_sales_old_part_id
            returned[old_part] += move.product_uom._compute_quantity(
                move.quantity, old_part.product_id.uom_id, round=False
            )
        for old_part, quantity in returned.items():
            if old_part.state != "received":
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s is %(state)s: only a received old part, before "
                        "its appraisal, can be sent back to the dealer (%(picking)s).",
                        old_part=old_part.display_name,
                        state=old_part._state_label(),
                        picking=outgoing.filtered(
                            lambda m, o=old_part: m.after_sales_old_part_id == o
                        )[:1].picking_id.display_name,
                    )
                )
            if old_part.product_id.uom_id.compare(quantity, old_part.quantity) > 0:
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s: %(qty)s %(product)s sent back to the dealer, "
                        "but only %(received)s came in.",
                        old_part=old_part.display_name,
                        qty=quantity,
                        product=old_part.product_id.display_name,
                        received=old_part.quantity,
                    )
                )
        return outgoing.with_env(self.env)

    def _after_sales_reopen_old_parts(self):
        """These done moves sent received old parts back to the dealer (Odoo's return of the
        old parts receipt: wrong or incomplete parts refused at the warehouse): what went back
        is owed again, expected on a receipt and charged at cost if it never comes back
        (R21, R24)."""
        returned = defaultdict(float)
        for move in self.sudo():
            old_part = move.after_sales_old_part_id
            returned[old_part] += move.product_uom._compute_quantity(
                move.quantity, old_part.product_id.uom_id, round=False
            )
        for old_part, quantity in returned.items():
            old_part._reopen_sent_back(quantity)

    def _action_cancel(self):
        """The rest of a partial return receipt cancelled (no backorder, or the backorder
        cancelled) moves the return on with what arrived."""
        result = super()._action_cancel()
        self._after_sales_notify_returns()
        return result

    def _after_sales_notify_returns(self):
        linked = self.filtered("after_sales_return_line_id")
        returns_ = linked.after_sales_return_line_id.return_id.sudo()
        if returns_:
            returns_.line_ids.invalidate_recordset(["qty_received"])
            returns_._on_receipt_done()
            returns_._check_done()

    def _after_sales_set_lots(self):
        """Put each return line's serial on its move lines (receipts of the returned serial,
        the repaired unit sent back)."""
        for move in self.filtered(lambda m: m.after_sales_return_line_id.lot_id):
            lot = move.after_sales_return_line_id.lot_id
            quantity = 1.0 if move.product_id.tracking == "serial" else move.product_uom_qty
            if move.move_line_ids:
                move.move_line_ids.write({"lot_id": lot.id, "quantity": quantity})
            else:
                self.env["stock.move.line"].create(
                    {
                        "move_id": move.id,
                        "picking_id": move.picking_id.id,
                        "product_id": move.product_id.id,
                        "product_uom_id": move.product_uom.id,
                        "lot_id": lot.id,
                        "quantity": quantity,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                )

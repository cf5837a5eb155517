from odoo import fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    """After-sales parts pickings: the initial stocking delivery of a contract (R23), the
    delivery of a parts requisition (R25) and old parts receipts (R26) report back to their
    documents when the warehouse validates them."""

    _inherit = "stock.picking"

    after_sales_parts_request_id = fields.Many2one(
        "after_sales.parts.request",
        string="Parts Requisition",
        readonly=True,
        index="btree_not_null",
    )
    after_sales_stocking_contract_id = fields.Many2one(
        "after_sales.contract",
        string="Initial Stocking of",
        readonly=True,
        index="btree_not_null",
        groups="stock.group_stock_user,sales_team.group_sale_salesman,"
        "after_sales_service.after_sales_service_group_user",
        help="R23: this delivery is the initial parts stocking (铺底) of that contract.",
    )
    after_sales_old_part_ids = fields.One2many(
        "after_sales.old.part",
        "receipt_picking_id",
        string="Old Parts",
        groups="stock.group_stock_user,after_sales_service.after_sales_service_group_user",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def action_cancel(self):
        """An approved requisition's delivery is cancelled through the requisition, which gives
        the fund back; cancelling the delivery alone would leave the fund drawn."""
        if not self.env.context.get("after_sales_request_cancel"):
            drawn = self.filtered(
                lambda p: (
                    p.after_sales_parts_request_id.state == "approved"
                    and p.state not in ("done", "cancel")
                )
            )
            if drawn:
                raise UserError(
                    self.env._(
                        "Delivery %(picking)s ships parts requisition %(request)s: cancel the "
                        "requisition instead, which also gives its repair fund back.",
                        picking=drawn[0].display_name,
                        request=drawn[0].after_sales_parts_request_id.display_name,
                    )
                )
        return super().action_cancel()

    def _action_done(self):
        result = super()._action_done()
        done = self.filtered(lambda p: p.state == "done").sudo()
        done.after_sales_old_part_ids._on_receipt_done()
        requests = done.after_sales_parts_request_id
        if done.sale_id:
            requests |= (
                self.env["after_sales.parts.request"]
                .sudo()
                .search([("sale_order_id", "in", done.sale_id.ids)])
            )
        requests._check_shipped()
        return result

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    """After-sales parts pickings: the initial stocking delivery of a dealer (R23), the
    delivery of a parts requisition (R25) and old parts receipts (R26) report back to their
    documents when the warehouse validates them. One builder prepares every after-sales
    transfer."""

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
        help="This delivery is the initial parts stocking (铺底) of that contract's dealer.",
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
        the fund back; cancelling the delivery alone would leave the fund drawn. Once part of
        it shipped (the requisition can no longer be cancelled), the warehouse cancels the
        backorder of the rest, and the requisition gives back what never shipped."""
        unwinding = self.env.su and self.env.context.get("after_sales_request_cancel")
        if not unwinding:
            drawn = self.filtered(
                lambda p: (
                    p.sudo().after_sales_parts_request_id.state == "approved"
                    and p.state not in ("done", "cancel")
                    and not p.sudo()._after_sales_request_shipped()
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
        result = super().action_cancel()
        if not unwinding:
            self.sudo()._after_sales_requests()._check_shipped()
        return result

    def _after_sales_request_shipped(self):
        """Whether a delivery of this picking's parts requisition is already done."""
        self.ensure_one()
        request = self.after_sales_parts_request_id
        pickings = self.search([("after_sales_parts_request_id", "=", request.id)])
        return any(p.state == "done" for p in pickings | request.sale_order_id.picking_ids)

    def _after_sales_requests(self):
        """The parts requisitions these pickings ship: their own, and those of their sale
        orders."""
        requests = self.after_sales_parts_request_id
        if self.sale_id:
            requests |= (
                self.env["after_sales.parts.request"]
                .sudo()
                .search([("sale_order_id", "in", self.sale_id.ids)])
            )
        return requests

    def _action_done(self):
        self._after_sales_check_paid()
        result = super()._action_done()
        done = self.filtered(lambda p: p.state == "done").sudo()
        done.after_sales_old_part_ids._on_receipt_done()
        done._after_sales_requests()._check_shipped()
        return result

    def _after_sales_check_paid(self):
        """款到发货 (方案2 三(二)1, 合同五 五.2): the delivery of parts sold on a requisition
        whose contract asks payment first waits until their invoice is paid."""
        outgoing = self.filtered(lambda p: p.sale_id and p.picking_type_code == "outgoing")
        if not outgoing:
            return
        requests = (
            self.env["after_sales.parts.request"]
            .sudo()
            .search(
                [
                    ("sale_order_id", "in", outgoing.sale_id.ids),
                    ("payment_before_shipping", "=", True),
                ]
            )
        )
        for request in requests:
            if not request._is_paid():
                picking = outgoing.filtered(lambda p, r=request: p.sale_id == r.sale_order_id)
                raise UserError(
                    self.env._(
                        "Delivery %(picking)s ships parts sold on requisition %(request)s, "
                        "which its contract ships after payment: register the payment of "
                        "%(order)s's invoice first.",
                        picking=picking[:1].display_name,
                        request=request.display_name,
                        order=request.sale_order_id.display_name,
                    )
                )

    @api.model
    def _after_sales_prepare_picking_vals(
        self, picking_type, partner, source, dest, *, origin, moves, **extra
    ):
        """The one builder of the addon's transfers (return receipts and deliveries, parts
        issues, initial stocking, old parts receipts), as core ``sale`` prepares its documents:
        ``moves`` are the values of the moves, completed with the picking's locations and
        company. ``extra`` adds fields of the picking (its document link)."""
        company = picking_type.company_id or self.env.company
        move_commands = [
            Command.create(
                {
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "company_id": company.id,
                    **move,
                }
            )
            for move in moves
        ]
        return {
            "picking_type_id": picking_type.id,
            "partner_id": partner.id,
            "location_id": source.id,
            "location_dest_id": dest.id,
            "origin": origin,
            "company_id": company.id,
            "move_ids": move_commands,
            **extra,
        }

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # Sales orders are read by salespeople, warehouse workers and accountants; only the sales team
    # (who attaches the agreement) and the after-sales users see the contract and the cards.
    service_contract_id = fields.Many2one(
        "after_sales.contract",
        compute="_compute_service_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('dealer_id', '=', commercial_partner_id), ('state', '=', 'running')]",
        groups="sales_team.group_sale_salesman,after_sales_service.after_sales_service_group_user",
        help="The dealer's after-sales service contract this order is placed under; "
        "defaults to the customer's running contract.",
    )
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id")
    warranty_card_ids = fields.One2many(
        "after_sales.warranty.card",
        "sale_order_id",
        string="Warranty Cards",
        groups="after_sales_service.after_sales_service_group_user",
    )
    warranty_card_count = fields.Integer(
        compute="_compute_warranty_card_count",
        groups="after_sales_service.after_sales_service_group_user",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("partner_id", "company_id")
    def _compute_service_contract_id(self):
        # Whoever creates the order (a salesperson, the shop, a warehouse worker's backorder)
        # gets the dealer's contract, whether or not they may read contracts.
        Contract = self.env["after_sales.contract"].sudo()
        serving = {}
        for company, orders in self.filtered("company_id").grouped("company_id").items():
            running = Contract._get_serving_contract_multi(
                orders.partner_id, company, walk_up=False
            )
            serving.update(
                {(p.commercial_partner_id, company): running[p.id] for p in orders.partner_id}
            )
        for order in self:
            key = (order.partner_id.commercial_partner_id, order.company_id)
            current = order.sudo().service_contract_id
            if current and (current.dealer_id, current.company_id) == key:
                order.service_contract_id = current.sudo(False)
            else:
                order.service_contract_id = serving.get(key, Contract).sudo(False)

    def _compute_warranty_card_count(self):
        counts = dict(
            self.env["after_sales.warranty.card"]._read_group(
                [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
            )
        )
        for order in self:
            order.warranty_card_count = counts.get(order, 0)

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("service_contract_id", "partner_id")
    def _check_service_contract_dealer(self):
        for order in self.sudo().filtered("service_contract_id"):
            if order.service_contract_id.dealer_id != order.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Order %(order)s: service contract %(contract)s belongs to dealer "
                        "%(dealer)s, not to the customer %(customer)s.",
                        order=order.display_name,
                        contract=order.service_contract_id.display_name,
                        dealer=order.service_contract_id.dealer_id.display_name,
                        customer=order.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def _action_confirm(self):
        """Confirming an order that sells customer service plans creates the customer's plans
        (R29), once per unit."""
        result = super()._action_confirm()
        self.env["after_sales.service.plan"].sudo()._create_from_sale_lines(self.order_line)
        return result

    def _action_cancel(self):
        """Cancelling the order cancels the service plans it sold."""
        result = super()._action_cancel()
        plans = (
            self.env["after_sales.service.plan"]
            .sudo()
            .search([("sale_line_id", "in", self.order_line.ids), ("state", "!=", "cancelled")])
        )
        plans.action_cancel()
        return result

    def action_create_warranty_cards(self):
        """R30: pre-fill draft warranty cards for the serials delivered to the dealer on these
        orders (done outgoing moves) that have no active card yet. The dealer later completes the
        customer and retail sale date; the service desk registers them. Running it again creates
        nothing new. Called by the "Create Warranty Cards" button of the order."""
        Card = self.env["after_sales.warranty.card"]
        # The service desk needs no inventory rights to read what was delivered.
        move_lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("move_id.sale_line_id.order_id", "in", self.ids),
                    ("state", "=", "done"),
                    ("lot_id", "!=", False),
                    ("location_dest_id.usage", "=", "customer"),
                ]
            )
        )
        carded = set(
            Card.sudo()
            .search([("lot_id", "in", move_lines.lot_id.ids), ("state", "!=", "void")])
            .lot_id.ids
        )
        vals_list = []
        for line in move_lines:
            if line.lot_id.id in carded:
                continue
            carded.add(line.lot_id.id)
            order = line.move_id.sale_line_id.order_id.sudo(False)
            vals = {
                "dealer_id": order.partner_id.commercial_partner_id.id,
                "company_id": order.company_id.id,
                "product_id": line.product_id.id,
                "lot_id": line.lot_id.id,
                "sale_order_id": order.id,
            }
            if order.service_contract_id:
                vals["contract_id"] = order.service_contract_id.id
            vals_list.append(vals)
        cards = Card.create(vals_list)
        if not cards:
            raise UserError(
                self.env._(
                    "Order %(order)s: every delivered serial already has a warranty card, or no "
                    "serial was delivered yet.",
                    order=", ".join(self.mapped("display_name")),
                )
            )
        return self.action_view_warranty_cards()

    def action_view_warranty_cards(self):
        """Smart button: the warranty cards of the serials delivered on this order."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_warranty_card_action"
        )
        action["domain"] = [("sale_order_id", "in", self.ids)]
        action["context"] = {}
        return action

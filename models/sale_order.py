from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleOrder(models.Model):
    _inherit = "sale.order"

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
        help="R30: the dealer's after-sales service contract this order is placed under; "
        "defaults to the customer's running contract.",
    )
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("partner_id", "company_id")
    def _compute_service_contract_id(self):
        contracts = self.env["after_sales.contract"].search(
            [
                ("state", "=", "running"),
                ("dealer_id", "in", self.partner_id.commercial_partner_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        by_key = {(c.dealer_id, c.company_id): c for c in contracts}
        for order in self:
            key = (order.partner_id.commercial_partner_id, order.company_id)
            current = order.service_contract_id
            if current and (current.dealer_id, current.company_id) == key:
                order.service_contract_id = current
            else:
                order.service_contract_id = by_key.get(key, False)

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("service_contract_id", "partner_id")
    def _check_service_contract_dealer(self):
        for order in self.filtered("service_contract_id"):
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

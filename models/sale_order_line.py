from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """A plan line added to a confirmed order sells its plans at once (R29)."""
        lines = super().create(vals_list)
        lines._after_sales_create_plans()
        return lines

    def write(self, vals):
        """A plan line's quantity raised on a confirmed order sells the plans it lacks."""
        result = super().write(vals)
        if {"product_uom_qty", "product_uom_id", "product_id"} & vals.keys():
            self._after_sales_create_plans()
        return result

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_create_plans(self):
        """Sell the service plans (R29) of these lines that are confirmed plan lines and lack
        some: called when a line is added to or raised on a confirmed order."""
        sold = self.filtered(
            lambda line: line.state == "sale" and line.product_id.after_sales_is_plan
        )
        if sold:
            self.env["after_sales.service.plan"].sudo()._create_from_sale_lines(sold)

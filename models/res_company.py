from odoo import fields, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_expiry_notice_days = fields.Integer(
        string="Contract Expiry Notice (days)",
        default=30,
        help="Running contracts that end within this many days are 'expiring soon' and their "
        "responsible gets a to-do.",
    )

    # ------------------------------------------------------------
    # FIELDS: parts requisitions (R25)
    # ------------------------------------------------------------
    after_sales_freight_ems = fields.Monetary(
        string="Freight Difference EMS",
        currency_field="currency_id",
        default=30.0,
        help="R25: charged to the dealer when a parts requisition ships by EMS.",
    )
    after_sales_freight_rail = fields.Monetary(
        string="Freight Difference Rail Express",
        currency_field="currency_id",
        default=50.0,
        help="R25: charged to the dealer when a parts requisition ships by rail express.",
    )
    after_sales_freight_air = fields.Monetary(
        string="Freight Difference Air",
        currency_field="currency_id",
        default=120.0,
        help="R25: charged to the dealer when a parts requisition ships by air.",
    )
    after_sales_freight_product_id = fields.Many2one(
        "product.product",
        string="Freight Product",
        domain="[('type', '=', 'service')]",
        help="The service product of the urgent freight difference on parts sale orders.",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_freight_difference(self, mode):
        """Return the freight difference this company charges for a requisition's shipping
        mode (0 for normal shipping). Called by parts requisitions."""
        self.ensure_one()
        if mode in ("ems", "rail", "air"):
            return self[f"after_sales_freight_{mode}"]
        return 0.0

    def _after_sales_freight_product(self):
        """Return the service product that carries the urgent freight difference."""
        self.ensure_one()
        product = self.after_sales_freight_product_id or self.env.ref(
            "after_sales_service.product_after_sales_freight", raise_if_not_found=False
        )
        if not product:
            raise UserError(
                self.env._(
                    "Company %(company)s has no freight product for urgent parts shipping: set "
                    "it in the After-Sales settings.",
                    company=self.display_name,
                )
            )
        return product.sudo()

from odoo import fields, models
from odoo.exceptions import AccessError

# Terms of returns and parts that only a manager changes on a running contract (see
# ``after_sales.contract._check_terms_writable``; to be merged into its TERM_FIELDS).
RETURN_PARTS_TERMS = ("dealer_stock_return_allowed", "parts_prepayment")


class AfterSalesContract(models.Model):
    """Contract terms of returns and sold parts (合同一 五.1, 合同五 五.2 / 方案2 三(二)1)."""

    _inherit = "after_sales.contract"

    dealer_stock_return_allowed = fields.Boolean(
        string="Dealer Stock Returns",
        default=True,
        tracking=True,
        help="Whether the dealer may return its unsold stock. Some contracts provide no "
        "return service at all (不提供退货服务): only dead-on-arrival, quality-defect, batch "
        "and repair returns are then accepted.",
    )
    parts_prepayment = fields.Boolean(
        string="Parts Paid before Shipping",
        tracking=True,
        help="Parts sold to the dealer ship only once their invoice is paid (款到发货).",
    )

    def _check_terms_writable(self, vals):
        super()._check_terms_writable(vals)
        changed = [name for name in vals if name in RETURN_PARTS_TERMS]
        if not changed or self.env.su:
            return
        if self.env.user.has_group("after_sales_service.after_sales_service_group_manager"):
            return
        running = self.filtered(lambda c: c.state == "running")
        if running:
            raise AccessError(
                self.env._(
                    "Contract %(contract)s is running: only an after-sales manager can change "
                    "its terms (%(fields)s).",
                    contract=running[0].display_name,
                    fields=", ".join(self._field_label(name) for name in changed),
                )
            )

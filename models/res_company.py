from odoo import fields, models

SETTLEMENT_PRODUCTS = {
    "reimbursement": "after_sales_service.product_after_sales_reimbursement",
    "payout": "after_sales_service.product_after_sales_payout",
    "overspend": "after_sales_service.product_after_sales_overspend",
    "old_part": "after_sales_service.product_after_sales_old_part",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_expiry_notice_days = fields.Integer(
        string="Contract Expiry Notice (days)",
        default=30,
        help="Running contracts that end within this many days are 'expiring soon' and their "
        "responsible gets a to-do.",
    )
    after_sales_journal_id = fields.Many2one(
        "account.journal",
        string="After-Sales Journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
        help="Sales journal of the repair fund invoices and credit notes; the first sales "
        "journal when empty.",
    )
    after_sales_reimbursement_product_id = fields.Many2one(
        "product.product",
        string="Claim Reimbursement Product",
        help="Credit note line of the quarterly write-off (三包费用核销); its income account and "
        "taxes apply.",
    )
    after_sales_payout_product_id = fields.Many2one(
        "product.product",
        string="Allowance Payout Product",
        help="Credit note line of a quarterly allowance paid to the dealer (R13 payout).",
    )
    after_sales_overspend_product_id = fields.Many2one(
        "product.product",
        string="Fund Overspend Product",
        help="Invoice line of a repair fund overspend (R13 budget).",
    )
    after_sales_old_part_product_id = fields.Many2one(
        "product.product",
        string="Missing Old Part Product",
        help="Invoice line charging the dealer for an old part not returned (R24).",
    )

    def _after_sales_product(self, kind):
        """The product of a repair fund invoice or credit note line for this company: the one
        chosen in settings, else the one the addon installs."""
        self.ensure_one()
        return self[f"after_sales_{kind}_product_id"] or self.env.ref(
            SETTLEMENT_PRODUCTS[kind], raise_if_not_found=False
        )

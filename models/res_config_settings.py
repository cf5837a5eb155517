from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    after_sales_expiry_notice_days = fields.Integer(
        related="company_id.after_sales_expiry_notice_days", readonly=False
    )
    after_sales_journal_id = fields.Many2one(
        related="company_id.after_sales_journal_id", readonly=False
    )
    after_sales_reimbursement_product_id = fields.Many2one(
        related="company_id.after_sales_reimbursement_product_id", readonly=False
    )
    after_sales_payout_product_id = fields.Many2one(
        related="company_id.after_sales_payout_product_id", readonly=False
    )
    after_sales_overspend_product_id = fields.Many2one(
        related="company_id.after_sales_overspend_product_id", readonly=False
    )
    after_sales_freight_ems = fields.Monetary(
        related="company_id.after_sales_freight_ems", readonly=False
    )
    after_sales_freight_rail = fields.Monetary(
        related="company_id.after_sales_freight_rail", readonly=False
    )
    after_sales_freight_air = fields.Monetary(
        related="company_id.after_sales_freight_air", readonly=False
    )
    after_sales_freight_product_id = fields.Many2one(
        related="company_id.after_sales_freight_product_id", readonly=False
    )
    after_sales_reimbursement_taxed = fields.Boolean(
        related="company_id.after_sales_reimbursement_taxed", readonly=False
    )
    after_sales_auto_post_confirmed = fields.Boolean(
        related="company_id.after_sales_auto_post_confirmed", readonly=False
    )

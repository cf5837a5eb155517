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
    after_sales_old_part_product_id = fields.Many2one(
        related="company_id.after_sales_old_part_product_id", readonly=False
    )

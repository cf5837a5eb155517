from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_expiry_notice_days = fields.Integer(
        string="Contract Expiry Notice (days)",
        default=30,
        help="Running contracts that end within this many days are 'expiring soon' and their "
        "responsible gets a to-do.",
    )

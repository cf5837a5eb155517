from odoo import fields, models


class ProductTemplate(models.Model):
    """Spare parts of a product (DOMAIN.md R23): a product lists the parts that repair it, a part
    serves many products. Initial stocking reads this link to turn a dealer's sales of products
    into quantities of parts."""

    _inherit = "product.template"

    after_sales_part_ids = fields.Many2many(
        "product.template",
        "after_sales_product_spare_part_rel",
        "product_tmpl_id",
        "part_tmpl_id",
        string="Spare Parts",
        help="The spare parts that repair this product (initial stocking, requisitions).",
    )
    after_sales_served_ids = fields.Many2many(
        "product.template",
        "after_sales_product_spare_part_rel",
        "part_tmpl_id",
        "product_tmpl_id",
        string="Serves Products",
        help="The products this spare part repairs.",
    )

    # ------------------------------------------------------------
    # FIELDS: customer service plans (R29)
    # ------------------------------------------------------------
    after_sales_is_plan = fields.Boolean(
        string="Customer Service Plan",
        help="Selling this product gives the customer a service plan (客户服务卡): a number "
        "of visits within a response time, valid for a period.",
    )
    after_sales_plan_response_hours = fields.Integer(string="Plan Response (hours)", default=72)
    after_sales_plan_visits = fields.Integer(string="Plan Visits", default=5)
    after_sales_plan_validity_months = fields.Integer(string="Plan Validity (months)", default=12)

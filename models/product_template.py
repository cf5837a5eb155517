from odoo import api, fields, models

from ..tools.terms import PLAN_TIERS


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
    after_sales_plan_tier = fields.Selection(
        [
            ("gold", "Gold (24 h, 5 visits)"),
            ("silver", "Silver (48 h, 5 visits)"),
            ("bronze", "Bronze (72 h, 5 visits)"),
            ("single", "Single visit (72 h, 1 visit)"),
        ],
        string="Plan Tier",
        help="The plans of the service contract template: choosing one fills in its response "
        "time and number of visits, which can still be adjusted.",
    )
    after_sales_plan_response_hours = fields.Integer(
        string="Plan Response (hours)",
        compute="_compute_after_sales_plan_terms",
        store=True,
        readonly=False,
        precompute=True,
    )
    after_sales_plan_visits = fields.Integer(
        string="Plan Visits",
        compute="_compute_after_sales_plan_terms",
        store=True,
        readonly=False,
        precompute=True,
    )
    after_sales_plan_validity_months = fields.Integer(string="Plan Validity (months)", default=12)

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("after_sales_plan_tier")
    def _compute_after_sales_plan_terms(self):
        """A tier fills in its response time and visits (figures typed afterwards, or given
        with it, stay); without one a plan keeps its own figures, the bronze plan's by default."""
        for template in self:
            tier = template.after_sales_plan_tier or "bronze"
            if template.after_sales_plan_tier or not template.after_sales_plan_response_hours:
                template.after_sales_plan_response_hours = PLAN_TIERS[tier]["response_hours"]
            if template.after_sales_plan_tier or not template.after_sales_plan_visits:
                template.after_sales_plan_visits = PLAN_TIERS[tier]["visits"]

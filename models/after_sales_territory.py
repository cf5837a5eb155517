from odoo import fields, models


class AfterSalesTerritory(models.Model):
    """A dealer's sales and service territory (经销区域), chosen on its contract."""

    _name = "after_sales.territory"
    _description = "After-Sales Territory"
    _inherit = ["after_sales.computed.guard.mixin"]
    _order = "sequence, name"
    _check_company_auto = True

    _code_unique = models.Constraint(
        "UNIQUE(company_id, code)",
        "A territory code must be unique per company.",
    )

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    country_id = fields.Many2one("res.country")
    state_ids = fields.Many2many(
        "res.country.state",
        string="Provinces",
        domain="[('country_id', '=?', country_id)]",
    )
    contract_ids = fields.One2many("after_sales.contract", "territory_id", string="Contracts")

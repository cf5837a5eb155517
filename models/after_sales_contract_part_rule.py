from odoo import api, fields, models


class AfterSalesContractPartRule(models.Model):
    """R24: how a dealer obtains the spare parts of a product category under its contract."""

    _name = "after_sales.contract.part.rule"
    _description = "Contract Parts Rule"
    _inherit = ["after_sales.computed.guard.mixin"]
    _order = "contract_id, sequence, id"

    _unique_category = models.Constraint(
        "UNIQUE(contract_id, product_categ_id)",
        "A contract has one parts rule per product category.",
    )
    _threshold_positive = models.Constraint(
        "CHECK(threshold_price >= 0)",
        "The free-below threshold cannot be negative.",
    )

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    sequence = fields.Integer(default=10)
    contract_id = fields.Many2one(
        "after_sales.contract", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    product_categ_id = fields.Many2one(
        "product.category", string="Product Category", required=True, ondelete="restrict"
    )
    policy = fields.Selection(
        [
            ("purchase", "Always Bought by the Dealer"),
            ("trade_in", "Trade-in (Old Part Back)"),
            ("free_below", "Free Below a Price"),
        ],
        required=True,
        default="trade_in",
        help="Bought: the dealer always buys these parts, no trade-in. Trade-in: issued against "
        "the old part; without it the dealer buys the part at cost. Free below: parts under "
        "the threshold price are free.",
    )
    threshold_price = fields.Monetary(
        string="Free Below",
        help="Free-below policy: parts priced under this amount are free.",
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules.contract_id._check_terms_writable({"part_rule_ids": True})
        return rules

    def write(self, vals):
        self.contract_id._check_terms_writable({"part_rule_ids": True})
        result = super().write(vals)
        if "contract_id" in vals:
            self.contract_id._check_terms_writable({"part_rule_ids": True})
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_if_terms_writable(self):
        self.contract_id._check_terms_writable({"part_rule_ids": True})

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _find_for_category(self, category):
        """Return the rule among ``self`` for ``category`` or its nearest ancestor."""
        by_category = {rule.product_categ_id: rule for rule in self}
        while category:
            if category in by_category:
                return by_category[category]
            category = category.parent_id
        return self.browse()

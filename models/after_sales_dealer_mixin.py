from odoo import api, fields, models


class AfterSalesDealerMixin(models.AbstractModel):
    """Documents a dealer or sub-dealer raises under its service contract (warranty cards,
    claims, returns): the contract follows the dealer, found with
    :meth:`after_sales.contract._find_serving_contracts` in one query for the whole batch.
    The inheriting model declares ``dealer_id`` and ``company_id``."""

    _name = "after_sales.dealer.mixin"
    _description = "After-Sales Dealer Document"

    contract_id = fields.Many2one(
        "after_sales.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
        tracking=True,
        help="The dealer's running service contract, or that of the dealer it is a sub-dealer "
        "of: its windows, reimbursement and fund terms apply.",
    )

    @api.depends("dealer_id", "company_id")
    def _compute_contract_id(self):
        serving = self.env["after_sales.contract"]._find_serving_contracts(
            {(record.dealer_id, record.company_id) for record in self}
        )
        for record in self:
            record.contract_id = serving[record.dealer_id, record.company_id]

from odoo import fields, models
from odoo.exceptions import AccessError


class AfterSalesSettlementBatchLine(models.Model):
    """One contract of a background settlement run and what became of it: settled (with the
    settlement created), skipped (already settled, or not in force in the quarter) or failed
    (with the reason, in the words the wizard would have shown). Written by the run only."""

    _name = "after_sales.settlement.batch.line"
    _description = "Quarterly Settlement Run Line"
    _inherit = ["after_sales.computed.guard.mixin"]
    _order = "batch_id, id"
    _check_company_auto = True

    batch_id = fields.Many2one(
        "after_sales.settlement.batch", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    contract_id = fields.Many2one(
        "after_sales.contract", required=True, index=True, ondelete="cascade", check_company=True
    )
    dealer_id = fields.Many2one(related="contract_id.dealer_id", store=True)
    forfeit_reason = fields.Char(
        string="Forfeiture", help="Why the quarter's allowance is forfeited, as decided."
    )
    result = fields.Selection(
        [
            ("pending", "Waiting"),
            ("settled", "Settled"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        index=True,
    )
    reason = fields.Text()
    settlement_id = fields.Many2one("after_sales.settlement", index="btree_not_null")
    date_done = fields.Datetime(string="Processed")

    def write(self, vals):
        """Only the run writes its lines (a JSON-RPC client cannot mark a dealer settled)."""
        if not self.env.su:
            raise AccessError(self.env._("The lines of a settlement run are written by the run."))
        return super().write(vals)

from odoo import fields, models


class AfterSalesClaimReopen(models.TransientModel):
    """Asks the technical appraiser why approved claims are reopened: the reason is posted in
    each claim's chatter (issue 10.3)."""

    _name = "after_sales.claim.reopen"
    _description = "Reopen Approved Warranty Claims"

    claim_ids = fields.Many2many("after_sales.claim", string="Claims", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Reopen the claims with the reason given (appraisers only, checked by the claim)."""
        self.ensure_one()
        self.claim_ids.action_reopen(self.reason)
        return {"type": "ir.actions.act_window_close"}

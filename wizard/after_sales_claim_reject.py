from odoo import fields, models


class AfterSalesClaimReject(models.TransientModel):
    """Asks the technical appraiser why claims are rejected: a rejection needs a reason (R19)."""

    _name = "after_sales.claim.reject"
    _description = "Reject Warranty Claims"

    claim_ids = fields.Many2many("after_sales.claim", string="Claims", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Reject the claims with the reason given (appraisers only, checked by the claim)."""
        self.ensure_one()
        self.claim_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}

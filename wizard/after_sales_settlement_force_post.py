from odoo import fields, models


class AfterSalesSettlementForcePost(models.TransientModel):
    """A manager posts write-offs the dealer has not confirmed, recording why (R15)."""

    _name = "after_sales.settlement.force.post"
    _description = "Post Settlement without Dealer Confirmation"

    settlement_ids = fields.Many2many("after_sales.settlement", string="Settlements")
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Post the settlements with the reason recorded on each."""
        self.settlement_ids.action_post(force_reason=self.reason)
        return {"type": "ir.actions.act_window_close"}

from odoo import fields, models


class AfterSalesReturnRefuse(models.TransientModel):
    """Asks why returns are refused (R7): by the manager before receipt, or by the warehouse
    for incomplete or disordered goods. A refusal needs a reason."""

    _name = "after_sales.return.refuse"
    _description = "Refuse a Return"

    return_ids = fields.Many2many("after_sales.return", string="Returns", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Refuse the returns with the reason given."""
        self.ensure_one()
        self.return_ids.action_refuse(self.reason)
        return {"type": "ir.actions.act_window_close"}

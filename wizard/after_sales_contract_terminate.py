from odoo import fields, models


class AfterSalesContractTerminate(models.TransientModel):
    """Asks the manager why a contract ends early: termination needs a reason (DOMAIN.md §1)."""

    _name = "after_sales.contract.terminate"
    _description = "Terminate a Service Contract"

    contract_id = fields.Many2one("after_sales.contract", required=True, ondelete="cascade")
    reason = fields.Text(required=True)
    date = fields.Date(string="Termination Date", default=fields.Date.context_today, required=True)

    def action_confirm(self):
        """Terminate the contract with the reason given."""
        self.ensure_one()
        self.contract_id.action_terminate(self.reason, self.date)
        return {"type": "ir.actions.act_window_close"}

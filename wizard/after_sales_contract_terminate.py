from odoo import api, fields, models


class AfterSalesContractTerminate(models.TransientModel):
    """Asks the manager why a contract ends early: termination needs a reason (DOMAIN.md §1)."""

    _name = "after_sales.contract.terminate"
    _description = "Terminate a Service Contract"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    contract_id = fields.Many2one("after_sales.contract", required=True, ondelete="cascade")
    reason = fields.Text(required=True)
    date = fields.Date(
        string="Termination Date",
        default=lambda self: self._default_date(),
        required=True,
        help="The contract's last day in force; today where the company works by default.",
    )

    # ------------------------------------------------------------
    # DEFAULT
    # ------------------------------------------------------------
    @api.model
    def _default_date(self):
        """Today where the contract's company works (the user's company without one)."""
        contract = self.env["after_sales.contract"].browse(
            self.env.context.get("default_contract_id")
        )
        return (contract.company_id or self.env.company)._after_sales_today()

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_confirm(self):
        """Terminate the contract with the reason given."""
        self.ensure_one()
        self.contract_id.action_terminate(self.reason, self.date)
        return {"type": "ir.actions.act_window_close"}

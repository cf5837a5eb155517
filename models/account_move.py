from odoo import models

from ..tools.settlement import allocate_oldest_first


class AccountMove(models.Model):
    _inherit = "account.move"

    def _after_sales_reconcile_oldest_first(self):
        """Reconcile this posted credit note's receivable line against the dealer's open
        receivables, oldest due date first (R15, R16: deducted from what the dealer owes).
        Only the receivables of the dealer's commercial partner and of its contacts count,
        never those of a sub-dealer that is a company of its own; what the receivables do not
        absorb stays as open credit. Called by the quarterly settlement for allowance payouts
        and claim write-offs."""
        self.ensure_one()
        credit_line = self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        if not credit_line:
            return
        open_lines = self.env["account.move.line"].search(
            [
                ("partner_id.commercial_partner_id", "=", self.commercial_partner_id.id),
                ("account_id", "=", credit_line.account_id.id),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("balance", ">", 0),
                ("company_id", "=", self.company_id.id),
                ("move_id", "!=", self.id),
            ],
            order="date_maturity asc, date asc, id asc",
        )
        allocations = allocate_oldest_first(
            -credit_line.amount_residual,
            [(line, line.amount_residual) for line in open_lines],
        )
        for line, _amount in allocations:
            if credit_line.reconciled:
                break
            (credit_line | line).reconcile()

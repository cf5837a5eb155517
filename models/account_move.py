from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _after_sales_reconcile_oldest_first(self):
        """Reconcile this posted credit note's receivable line against the partner's open
        receivables, oldest due date first (R15: deducted from what the dealer owes). Called by
        the quarterly settlement for allowance payouts and claim write-offs."""
        self.ensure_one()
        credit_line = self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        if not credit_line:
            return
        open_lines = self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", self.commercial_partner_id.id),
                ("account_id", "=", credit_line.account_id.id),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("balance", ">", 0),
                ("company_id", "=", self.company_id.id),
                ("move_id", "!=", self.id),
            ],
            order="date_maturity asc, date asc, id asc",
        )
        for line in open_lines:
            if credit_line.reconciled:
                break
            (credit_line | line).reconcile()

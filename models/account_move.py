from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.settlement import allocate_oldest_first, to_money


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    after_sales_kind = fields.Selection(
        [("settlement", "Repair fund settlement"), ("charge", "Dealer charge")],
        string="After-Sales Document",
        readonly=True,
        copy=True,  # a reversal (cancellation, credit note of a charge) is the same kind
        index="btree_not_null",
        help="Set on the invoices and credit notes that the quarterly settlement of the "
        "repair fund and the dealer charges (freight, refurbishment, old parts not returned) "
        "create. They are not sales: a sales-based repair allowance leaves them out.",
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Only the after-sales app (under ``sudo()``) marks its own documents; a user's
        reversal of one of them carries its mark."""
        if not self.env.su:
            for vals in vals_list:
                kind = vals.get("after_sales_kind")
                if kind and self.browse(vals.get("reversed_entry_id")).after_sales_kind != kind:
                    raise AccessError(self._after_sales_kind_error())
        return super().create(vals_list)

    def copy_data(self, default=None):
        """A reversal keeps the mark of what it reverses; a plain duplicate is a new document
        of the user's, unmarked."""
        vals_list = super().copy_data(default=default)
        for vals in vals_list:
            if not vals.get("reversed_entry_id"):
                vals.pop("after_sales_kind", None)
        return vals_list

    def write(self, vals):
        if (
            "after_sales_kind" in vals
            and not self.env.su
            and any(move.after_sales_kind != vals["after_sales_kind"] for move in self)
        ):
            raise AccessError(self._after_sales_kind_error())
        return super().write(vals)

    def _post(self, soft=True):
        """A posted customer invoice or credit note of service plans (R29) brings the plans of
        its sale lines to what they owe: a refund cancels the refunded unused plans."""
        posted = super()._post(soft=soft)
        posted._after_sales_sync_service_plans()
        return posted

    def button_draft(self):
        """A credit note of service plans reset to draft gives the plans it took back."""
        result = super().button_draft()
        self._after_sales_sync_service_plans()
        return result

    def _check_draftable(self):
        """The after-sales app's posted invoices and credit notes are not reset to draft nor
        cancelled by hand (both go through here): the settlement's figures, the dealer's
        confirmed notice and the fund ledger say what they hold. They change by cancelling the
        settlement or the charge in the app, which reverses them (under ``sudo()``)."""
        marked = self.filtered("after_sales_kind")
        if marked and not self.env.su:
            raise UserError(
                self.env._(
                    "%(move)s comes from the after-sales app: it cannot be reset to draft or "
                    "cancelled here. Cancel its repair fund settlement or dealer charge instead, "
                    "which reverses it.",
                    move=marked[0].display_name,
                )
            )
        return super()._check_draftable()

    def _after_sales_kind_error(self):
        return self.env._(
            "Only the after-sales app marks its repair fund settlements and dealer charges; "
            "they are not sales and a sales-based allowance leaves them out."
        )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_sync_service_plans(self):
        """Hand these moves' service plan sale lines to their plan synchronisation (never
        refused: used plans stay, with an activity for the salesperson), whether or not the
        accountant may read sale orders."""
        lines = (
            self.sudo()
            .filtered(lambda move: move.is_sale_document())
            .invoice_line_ids.sale_line_ids.filtered(
                lambda line: line.product_id.after_sales_is_plan
            )
        )
        if lines:
            lines._after_sales_sync_plans(moves=self)

    def _after_sales_reconcile_oldest_first(self):
        """Reconcile these posted credit notes' receivable lines against their dealers' open
        receivables, oldest due date first (R15, R16: deducted from what the dealer owes).
        Only the receivables of the dealer's commercial partner and of its contacts count,
        never those of a sub-dealer that is a company of its own; what the receivables do not
        absorb stays as open credit. Called by the quarterly settlement for allowance payouts
        and claim write-offs, with all the credit notes of a run at once.

        Batched: one search for the open receivables of all the dealers, the split computed
        here credit note after credit note (in the order of ``self``: a dealer's second credit
        note takes what the first left open), and one reconciliation plan for all the pairs."""
        receivable_of = {
            move: move.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            )
            for move in self
        }
        receivable_of = {move: lines for move, lines in receivable_of.items() if lines}
        if not receivable_of:
            return
        credit_lines = self.env["account.move.line"].concat(*receivable_of.values())
        open_lines = self.env["account.move.line"].search(
            [
                ("partner_id.commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("account_id", "in", credit_lines.account_id.ids),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("balance", ">", 0),
                ("company_id", "in", self.company_id.ids),
                ("move_id", "not in", self.ids),
            ],
            order="date_maturity asc, date asc, id asc",
        )
        # open receivables per (dealer, account, company), oldest first, and what is left of
        # each as the credit notes take their share
        queues = defaultdict(list)
        for line in open_lines:
            key = (line.partner_id.commercial_partner_id, line.account_id, line.company_id)
            queues[key].append(line)
        left = {line: to_money(line.amount_residual) for line in open_lines}
        plan = []
        for move, lines in receivable_of.items():
            key = (move.commercial_partner_id, lines.account_id, move.company_id)
            queue = queues.get(key, ())
            allocations = allocate_oldest_first(
                -sum(lines.mapped("amount_residual")),
                [(line, left[line]) for line in queue if left[line] > 0],
            )
            for line, amount in allocations:
                left[line] -= amount
                plan.append(lines | line)
        if plan:
            # one plan: the pairs are reconciled in order, each on what the previous left
            self.env["account.move.line"]._reconcile_plan(plan)

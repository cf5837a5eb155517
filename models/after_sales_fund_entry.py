from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import periods

FUND_KINDS = [
    ("accrual", "Accrual"),
    ("consumption", "Parts Consumption"),
    ("r5_charge", "Return Charge (R5)"),
    ("old_part_charge", "Missing Old Part Charge"),
    ("forfeiture", "Forfeiture"),
    ("overspend_charge", "Overspend Invoiced"),
    ("carry_forward", "Carried Forward"),
    ("payout", "Allowance Paid Out"),
    ("reimbursement", "Claim Reimbursement"),
    ("reversal", "Reversal"),
]


class AfterSalesFundEntry(models.Model):
    """One movement of a dealer's repair fund (DOMAIN.md §2): the fund ledger is append-only, and
    every balance or report is a sum over it. Rows are created by the documents that cause them
    (accrual cron, parts requisitions, returns, settlements) through
    :meth:`after_sales.contract._fund_post`; a settled row is locked, and corrections are new rows.

    Sign: a positive amount adds to the dealer's fund, a negative amount consumes it."""

    _name = "after_sales.fund.entry"
    _description = "Repair Fund Ledger Entry"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "contract_id", "dealer_id"]

    _accrual_once_per_month = models.UniqueIndex(
        "(contract_id, accrual_month) WHERE kind = 'accrual' AND reversed_entry_id IS NULL "
        "AND accrual_month IS NOT NULL AND is_reversed IS NOT TRUE",
        "The allowance of a month is accrued once per contract.",
    )

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    name = fields.Char(string="Description", required=True, readonly=True)
    contract_id = fields.Many2one(
        "after_sales.contract",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    dealer_id = fields.Many2one(related="contract_id.dealer_id", store=True, index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="contract_id.currency_id", store=True)
    date = fields.Date(required=True, readonly=True, index=True)
    period_year = fields.Integer(
        string="Year", compute="_compute_period", store=True, aggregator=False
    )
    period_quarter = fields.Selection(
        [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")],
        string="Quarter",
        compute="_compute_period",
        store=True,
    )
    kind = fields.Selection(FUND_KINDS, required=True, readonly=True, index=True)
    amount = fields.Monetary(required=True, readonly=True)
    accrual_month = fields.Date(
        readonly=True,
        help="First day of the month an accrual covers; a month is accrued once.",
    )
    basis_amount = fields.Monetary(
        readonly=True, help="Accruals: the collections, sales or units the allowance comes from."
    )
    source_ref = fields.Reference(
        selection="_selection_source_ref", string="Source Document", readonly=True
    )
    reversed_entry_id = fields.Many2one(
        "after_sales.fund.entry", string="Reverses", readonly=True, index="btree_not_null"
    )
    is_reversed = fields.Boolean(readonly=True, copy=False)
    settlement_id = fields.Many2one(
        "after_sales.settlement",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="The quarterly settlement that closed this row; a settled row is locked.",
    )
    note = fields.Text(readonly=True)

    # ------------------------------------------------------------
    # DEFAULT
    # ------------------------------------------------------------
    @api.model
    def _selection_source_ref(self):
        models_ = [
            "after_sales.contract",
            "account.move",
            "account.payment",
            "sale.order",
            "stock.picking",
            "after_sales.warranty.card",
            "after_sales.claim",
            "after_sales.settlement",
            "after_sales.parts.request",
            "after_sales.old.part",
            "after_sales.return",
        ]
        return [(m, self.env[m]._description) for m in models_ if m in self.env]

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("date")
    def _compute_period(self):
        for entry in self:
            if entry.date:
                year, quarter = periods.quarter_of(entry.date)
                entry.period_year, entry.period_quarter = year, str(quarter)
            else:
                entry.period_year, entry.period_quarter = 0, False

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    def write(self, vals):
        """The ledger is append-only for every user, managers and administrators included: no
        field of an existing row changes. Only the addon's own code, under ``sudo()``, sets the
        links a later document owns (the reversal mark, the settlement that closes the row); a
        context key sent by a client opens nothing."""
        forbidden = set(vals) - set(self._get_writable_fields())
        if not self.env.su or forbidden:
            raise UserError(
                self.env._(
                    "Fund entry %(entry)s cannot be changed: the repair fund ledger is "
                    "append-only. Record a correction as a new entry instead.",
                    entry=self[:1].display_name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Fund entry %(entry)s cannot be deleted: the repair fund ledger is append-only; "
                "reverse it instead.",
                entry=self[:1].display_name,
            )
        )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _get_writable_fields(self):
        """Fields a later document may set on an existing row (extended by the settlement)."""
        return ["is_reversed", "settlement_id"]

    def _reverse(self, date=None, reason=None):
        """Append the opposite of each row, dated ``date`` (today by default), and mark the rows
        reversed. Used to correct a row and by cancelled settlements and documents."""
        date = date or fields.Date.context_today(self)
        vals_list = [
            {
                "name": self.env._("Reversal of %(entry)s", entry=entry.name),
                "contract_id": entry.contract_id.id,
                "date": date,
                "kind": "reversal",
                "amount": -entry.amount,
                "source_ref": entry.source_ref
                and f"{entry.source_ref._name},{entry.source_ref.id}",
                "reversed_entry_id": entry.id,
                "note": reason,
            }
            for entry in self
        ]
        reversals = self.sudo().create(vals_list)
        self.sudo().write({"is_reversed": True})
        return reversals

    def _action_export_xlsx(self):
        """Download the selected ledger rows as an XLSX workbook (finance, from the list)."""
        labels = dict(self._fields["kind"]._description_selection(self.env))
        header = [
            self.env._("Date"),
            self.env._("Dealer"),
            self.env._("Contract"),
            self.env._("Kind"),
            self.env._("Description"),
            self.env._("Source Document"),
            self.env._("Basis"),
            self.env._("Amount"),
            self.env._("Settlement"),
        ]
        rows = [
            [
                entry.date,
                entry.dealer_id.display_name,
                entry.contract_id.name,
                labels[entry.kind],
                entry.name,
                entry.source_ref.display_name if entry.source_ref else "",
                entry.basis_amount,
                entry.amount,
                entry.settlement_id.name or "",
            ]
            for entry in self.sorted(lambda e: (e.date, e.id))
        ]
        return self.env["ir.attachment"]._after_sales_xlsx_download(
            self.env._("Repair fund ledger"), header, rows, money_columns=(6, 7)
        )

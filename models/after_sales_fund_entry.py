from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import periods

FUND_KINDS = [
    ("accrual", "Accrual"),
    ("accrual_correction", "Accrual Correction"),
    ("consumption", "Parts Consumption"),
    ("return_charge", "Return Charge"),
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
    :meth:`after_sales.fund._post` (``after_sales.contract._fund_post``); a settled row is locked,
    corrections are new rows, and no row is added to a quarter whose settlement is posted.

    Sign: a positive amount adds to the dealer's fund, a negative amount consumes it."""

    _name = "after_sales.fund.entry"
    _description = "Repair Fund Ledger Entry"
    _inherit = ["after_sales.computed.guard.mixin"]
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
        help="First day of the month an accrual covers; a month is accrued once. On a "
        "forfeiture row, the month of the late correction forfeited with its quarter.",
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
    running_balance = fields.Monetary(
        compute="_compute_running_balance",
        help="The contract's fund balance after this row (rows in date order).",
    )

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

    def _compute_running_balance(self):
        """One window query for all the rows shown: the running sum per contract."""
        saved = self.filtered("id")
        balances = {}
        if saved:
            self.env["after_sales.fund.entry"].flush_model(["amount", "date", "contract_id"])
            self.env.cr.execute(
                """
                SELECT id, balance FROM (
                    SELECT id, SUM(amount) OVER (
                        PARTITION BY contract_id ORDER BY date, id
                    ) AS balance
                      FROM after_sales_fund_entry
                     WHERE contract_id IN %s
                ) ledger WHERE id IN %s
                """,
                (tuple(saved.contract_id.ids), tuple(saved.ids)),
            )
            balances = dict(self.env.cr.fetchall())
        for entry in self:
            entry.running_balance = balances.get(entry.id, 0.0)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Rows are appended by the addon's code (under ``sudo()``), never in a quarter whose
        settlement is posted: its statement would no longer hold."""
        entries = super().create(vals_list)
        entries._check_quarter_open()
        return entries

    def write(self, vals):
        """The ledger is append-only for every user, managers and administrators included: no
        field of an existing row changes. Only the addon's own code, under ``sudo()``, sets the
        links a later document owns (the settlement that closes the row; the reversal mark,
        which holds only when a reversing row exists); a context key sent by a client opens
        nothing."""
        forbidden = set(vals) - set(self._get_writable_fields())
        if not self.env.su or forbidden:
            settled = self.filtered("settlement_id")[:1]
            if settled:
                raise UserError(
                    self.env._(
                        "Fund entry %(entry)s is locked by the settlement %(settlement)s: the "
                        "repair fund ledger is append-only. Record a correction as a new entry "
                        "instead.",
                        entry=settled.display_name,
                        settlement=settled.settlement_id.display_name,
                    )
                )
            raise UserError(
                self.env._(
                    "Fund entry %(entry)s cannot be changed: the repair fund ledger is "
                    "append-only. Record a correction as a new entry instead.",
                    entry=self[:1].display_name,
                )
            )
        if "is_reversed" in vals:
            reversed_ids = set(
                self.search([("reversed_entry_id", "in", self.ids)]).reversed_entry_id.ids
            )
            if not vals["is_reversed"] or set(self.ids) - reversed_ids:
                raise UserError(
                    self.env._(
                        "Fund entry %(entry)s: only its reversal marks a row reversed.",
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

    def _check_quarter_open(self):
        """Refuse rows dated in a quarter whose settlement is posted."""
        if not self:
            return
        posted = (
            self.env["after_sales.settlement"]
            .sudo()
            ._read_group(
                [
                    ("contract_id", "in", self.contract_id.ids),
                    ("state", "=", "posted"),
                    ("date_from", "<=", max(self.mapped("date"))),
                    ("date_to", ">=", min(self.mapped("date"))),
                ],
                ["contract_id", "date_from:day", "date_to:day"],
            )
        )
        for contract, date_from, date_to in posted:
            for entry in self:
                if entry.contract_id == contract and date_from <= entry.date <= date_to:
                    raise UserError(
                        self.env._(
                            "Fund entry %(entry)s is dated %(date)s, in a quarter of %(contract)s "
                            "that is already settled and posted: date it in an open quarter.",
                            entry=entry.name,
                            date=entry.date,
                            contract=contract.display_name,
                        )
                    )

    def _reverse(self, date=None, reason=None):
        """Append the opposite of each row, dated ``date`` (today where the rows' company works
        by default), and mark the rows reversed. Used to correct a row and by cancelled
        settlements and documents."""
        date = date or (self.company_id[:1] or self.env.company)._after_sales_today()
        # the ledger is the dealer's to read: its reversals are named in the dealer's language,
        # whoever cancels the document
        lang_envs = {
            dealer: self.with_context(lang=dealer._after_sales_lang()).env
            for dealer in self.contract_id.dealer_id
        }
        vals_list = [
            {
                "accrual_month": entry.accrual_month,
                "basis_amount": -entry.basis_amount,
                "name": lang_envs[entry.contract_id.dealer_id]._(
                    "Reversal of %(entry)s", entry=entry.name
                ),
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

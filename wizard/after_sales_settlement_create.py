from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.sql_rows import json_recordset
from ..tools import periods

# More contracts than this settle in a background run instead of the user's request.
BACKGROUND_THRESHOLD = 20


class AfterSalesSettlementCreate(models.TransientModel):
    """The quarterly settlement run (finance, after-sales manager): choose the year, quarter and
    contracts (all contracts in force in the company by default), preview one line per dealer,
    then settle. Settling accrues the quarter's months, creates one draft settlement per contract
    and skips contracts already settled for the quarter."""

    _name = "after_sales.settlement.create"
    _description = "Quarterly Repair Fund Settlement"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    year = fields.Integer(required=True, default=lambda self: self._default_period()[0])
    quarter = fields.Selection(
        [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")],
        required=True,
        default=lambda self: str(self._default_period()[1]),
    )
    contract_ids = fields.Many2many(
        "after_sales.contract",
        string="Contracts",
        compute="_compute_contract_ids",
        store=True,
        readonly=False,
        domain="[('company_id', '=', company_id), ('state', '!=', 'draft')]",
    )
    post_now = fields.Boolean(
        string="Post and Notify",
        help="Post the settlements that write off no claim, and send the write-off notice of "
        "the others to their dealers, instead of leaving drafts to review.",
    )
    line_ids = fields.One2many("after_sales.settlement.create.line", "wizard_id", string="Preview")
    previewed = fields.Boolean(readonly=True)
    result_message = fields.Html(readonly=True)
    settlement_ids = fields.Many2many("after_sales.settlement", string="Settlements", readonly=True)
    already_settled_count = fields.Integer(compute="_compute_already_settled_count")

    # ------------------------------------------------------------
    # DEFAULT
    # ------------------------------------------------------------
    @api.model
    def _default_period(self):
        """The last finished quarter where the company works."""
        today = self.env.company._after_sales_today()
        return periods.previous_quarter(*periods.quarter_of(today))

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("company_id", "year", "quarter")
    def _compute_contract_ids(self):
        Contract = self.env["after_sales.contract"]
        for wizard in self:
            if not (wizard.year and wizard.quarter):
                wizard.contract_ids = False
                continue
            start, end = periods.quarter_bounds(wizard.year, int(wizard.quarter))
            candidates = Contract.search(
                [
                    ("company_id", "=", wizard.company_id.id),
                    ("state", "in", ("running", "expired", "terminated")),
                    ("date_start", "<=", end),
                ]
            )
            wizard.contract_ids = self.env["after_sales.settlement"]._get_settleable_contracts(
                candidates, start, end
            )

    @api.depends("line_ids.settlement_id")
    def _compute_already_settled_count(self):
        for wizard in self:
            wizard.already_settled_count = len(wizard.line_ids.filtered("settlement_id"))

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_preview(self):
        """Accrue the quarter and show what each dealer's settlement will be, without creating
        any settlement. Forfeiture is proposed where the dealer's cards were falsified in the
        quarter; the user may tick or untick it and give the reason."""
        self.ensure_one()
        self.env["after_sales.settlement"]._check_manager()
        start, end = self._bounds()
        Settlement = self.env["after_sales.settlement"]
        done = Settlement._get_quarter_settlements(self.contract_ids, self.year, self.quarter)
        # a quarter already settled is shown as it was settled: nothing is accrued for it
        self.env["after_sales.fund"]._accrue(self.contract_ids - done.contract_id, end)
        falsified = self._falsified_cards(start, end)
        # all the contracts' figures at once (a few grouped queries, not per dealer)
        figures_of = Settlement._get_preview_figures(
            self.contract_ids - done.contract_id, self.year, self.quarter, falsified
        )
        values = [
            dict(vals, wizard_id=self.id)
            for vals in self._preview_values(figures_of, falsified, done)
        ]
        # after the values: deleting records empties Odoo's whole cache
        self.line_ids.unlink()
        self.env["after_sales.settlement.create.line"]._create_preview_lines(values)
        self.previewed = True
        return self._reopen()

    def action_settle(self):
        """Create the draft settlements (one per contract; none twice) and open them."""
        self.ensure_one()
        self.env["after_sales.settlement"]._check_manager()
        if not self.contract_ids:
            raise UserError(self.env._("Choose at least one contract to settle."))
        if len(self.contract_ids) > BACKGROUND_THRESHOLD:
            return self.action_settle_in_background()
        forfeits = self._forfeits()
        Settlement = self.env["after_sales.settlement"]
        already = Settlement._get_quarter_settlements(self.contract_ids, self.year, self.quarter)
        errors = []
        settlements = Settlement._settle_contracts(
            self.contract_ids,
            self.year,
            int(self.quarter),
            forfeits,
            post=self.post_now,
            errors=errors,
        )
        if errors and not settlements:
            raise UserError(
                "\n".join(
                    self.env._("%(dealer)s: %(reason)s", dealer=c.dealer_id.name, reason=m)
                    for c, m in errors
                )
            )
        if errors or already:
            self.write(
                {
                    "result_message": self._result_message(settlements, already, errors),
                    "settlement_ids": [fields.Command.set((settlements | already).ids)],
                }
            )
            return self._reopen()
        return self.action_open_settlements(settlements)

    def action_open_settlements(self, settlements=None):
        """Open the quarter's settlements of the chosen contracts."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_settlement_action"
        )
        action["domain"] = [
            ("contract_id", "in", self.contract_ids.ids),
            ("year", "=", self.year),
            ("quarter", "=", self.quarter),
        ]
        action["context"] = {"created_ids": (settlements or self.settlement_ids).ids}
        return action

    def action_settle_in_background(self):
        """Queue the settlement as a background run (hundreds of dealers run past a request's
        time limit) and open the run, which shows its progress and each dealer's result."""
        self.ensure_one()
        return self.env["after_sales.settlement.batch"]._create_from_wizard(self)._action_open()

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _forfeits(self):
        """``{contract: reason}`` of the allowances to forfeit: ticked in the preview or, without
        a preview, every contract whose dealer falsified cards in the quarter. Used by the
        settlement in the request and by the background run alike."""
        forfeits = {
            line.contract_id: (line.forfeit_reason or self.env._("Forfeited"))
            for line in self.line_ids
            if line.forfeit
        }
        if not self.previewed:
            start, end = self._bounds()
            for contract, cards in self._falsified_cards(start, end).items():
                forfeits.setdefault(contract, self._falsified_reason(cards))
        return forfeits

    def _bounds(self):
        return periods.quarter_bounds(self.year, int(self.quarter))

    def _falsified_cards(self, start, end):
        """The falsified cards received in the quarter, per contract."""
        if "after_sales.warranty.card" not in self.env:
            return {}
        cards = self.env["after_sales.warranty.card"].search(
            [
                ("contract_id", "in", self.contract_ids.ids),
                ("falsified", "=", True),
                ("date_received", ">=", start),
                ("date_received", "<=", end),
            ]
        )
        result = {}
        for card in cards:
            result.setdefault(card.contract_id, self.env["after_sales.warranty.card"])
            result[card.contract_id] |= card
        return result

    def _result_message(self, settlements, already, errors):
        """What the run did, in the user's words: created, already settled, failed and why."""
        paragraph = Markup("<p>{}</p>")
        parts = [
            paragraph.format(
                self.env._(
                    "%(count)s settlements created for %(year)s Q%(quarter)s.",
                    count=len(settlements),
                    year=self.year,
                    quarter=self.quarter,
                )
            )
        ]
        if already:
            parts.append(
                paragraph.format(
                    self.env._(
                        "Already settled for this quarter, nothing done: %(dealers)s.",
                        dealers=", ".join(already.mapped("dealer_id.name")),
                    )
                )
            )
        if errors:
            parts.append(paragraph.format(self.env._("Not settled:")))
            items = Markup("").join(
                Markup("<li>{}</li>").format(
                    self.env._(
                        "%(dealer)s: %(reason)s", dealer=contract.dealer_id.name, reason=message
                    )
                )
                for contract, message in errors
            )
            parts.append(Markup("<ul>{}</ul>").format(items))
        return Markup("").join(parts)

    def _falsified_reason(self, cards):
        return self.env._(
            "Falsified warranty cards: %(cards)s", cards=", ".join(cards.mapped("name"))
        )

    def _preview_values(self, figures_of, falsified, done):
        """One line per contract: the settled figures of a contract already settled for the
        quarter, else what its settlement would be (``figures_of``, all contracts computed
        in one batch by the settlement model)."""
        values = []
        settled_of = {settlement.contract_id: settlement for settlement in done}
        for contract in [*figures_of, *settled_of]:
            settled = settled_of.get(contract)
            if settled:
                values.append(
                    {
                        "contract_id": contract.id,
                        "settlement_id": settled.id,
                        "opening_balance": settled.opening_balance,
                        "accrued_amount": settled.accrued_amount,
                        "consumed_amount": settled.consumed_amount,
                        "reimbursed_amount": settled.reimbursed_amount,
                        "overspend_amount": settled.overspend_amount,
                        "paid_out_amount": settled.paid_out_amount,
                        "amount_owed": settled.amount_owed,
                        "amount_credited": settled.amount_credited,
                        "closing_balance": settled.closing_balance,
                        "forfeit": settled.forfeit,
                        "forfeit_reason": settled.forfeit_reason,
                    }
                )
                continue
            figures = figures_of[contract]
            cards = falsified.get(contract)
            values.append(
                dict(
                    figures,
                    amount_owed=figures["overspend_amount"],
                    amount_credited=figures["paid_out_amount"] + figures["reimbursed_amount"],
                    contract_id=contract.id,
                    forfeit=bool(cards),
                    forfeit_reason=cards and self._falsified_reason(cards),
                )
            )
        return values

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Quarterly Settlement"),
        }


class AfterSalesSettlementCreateLine(models.TransientModel):
    """One dealer's line of the settlement preview."""

    _name = "after_sales.settlement.create.line"
    _description = "Quarterly Settlement Preview Line"

    wizard_id = fields.Many2one("after_sales.settlement.create", required=True, ondelete="cascade")
    contract_id = fields.Many2one("after_sales.contract", required=True)
    dealer_id = fields.Many2one(related="contract_id.dealer_id")
    allowance_basis = fields.Selection(related="contract_id.allowance_basis", string="Basis")
    # the contract's currency, for the monetary widget (not a column the preview writes)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    settlement_id = fields.Many2one("after_sales.settlement", string="Already Settled")
    # The amounts are shown, never kept: the figures come rounded to the currency from the
    # ledger, so these are plain floats shown with the monetary widget. As Monetary fields
    # each of the ten amounts of every line was rounded again through its currency on create,
    # a third of the preview's time for a hundred dealers.
    opening_balance = fields.Float()
    accrued_amount = fields.Float(string="Accrued")
    forfeited_amount = fields.Float(string="Forfeited")
    consumed_amount = fields.Float(string="Consumed")
    reimbursed_amount = fields.Float(string="Claims")
    overspend_amount = fields.Float(string="Overspend")
    paid_out_amount = fields.Float(string="Paid Out")
    closing_balance = fields.Float()
    amount_owed = fields.Float(string="Owed")
    amount_credited = fields.Float(string="Credited")
    forfeit = fields.Boolean()
    forfeit_reason = fields.Char()

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    @api.model
    def _create_preview_lines(self, vals_list):
        """Create the preview's lines from ``vals_list`` (stored fields, as for ``create``)
        in one INSERT and return them; called by the wizard's preview. A quarter previews
        hundreds of dealers at once, and Odoo's ``create`` of 500 lines (defaults, conversion
        and cache of ten amounts per line, one statement per 100 rows) cost more than computing
        their figures. What ``create`` would do besides is void here: the lines are transient,
        with no default, no stored computed field, no ``create`` override and nothing tracked;
        the access rights are checked as it checks them. The rows travel as one JSON document
        (``json_to_recordset``): sent as arrays, one per column, their quoting value by value
        cost more than the insert itself."""
        self.check_access("create")
        if not vals_list:
            return self.browse()
        names = sorted({name for vals in vals_list for name in vals})
        columns = [self._fields[name] for name in names]
        if any(
            not field.store or field.compute or not field.column_type or field.company_dependent
            for field in columns
        ):
            raise ValueError(f"{self._name}: only stored plain fields, not {names}")
        converters = [(field.name, self._get_column_converter(field)) for field in columns]
        rows = [
            {name: convert(vals.get(name)) for name, convert in converters} for vals in vals_list
        ]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date) "
                "SELECT %s, %s, %s, %s, %s FROM %s RETURNING id",
                SQL.identifier(self._table),
                SQL(", ").join(SQL.identifier(name) for name in names),
                SQL(", ").join(SQL.identifier("row", name) for name in names),
                self.env.uid,
                self.env.uid,
                now,
                now,
                json_recordset(self, names, rows),
            )
        )
        lines = self.browse([row[0] for row in self.env.cr.fetchall()])
        # the wizards' cached lines are out of date
        self.env["after_sales.settlement.create"].invalidate_model(["line_ids"])
        return lines

    def _get_column_converter(self, field):
        """``convert(value)``: what ``create`` would store in ``field``'s column for ``value``.
        The amounts, plain floats with no digits, are converted directly: Odoo's conversion
        looks their digits up again for each of the thousands of values of a preview."""
        if field.type == "float" and not field.get_digits(self.env):
            return lambda value: float(value or 0.0)
        return lambda value: field.convert_to_column_insert(value, self)

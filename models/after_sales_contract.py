from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain

from ..tools import periods
from ..tools.terms import CONTRACT_DEFAULTS
from .after_sales_document_mixin import GROUP_MANAGER, GROUP_USER
from .after_sales_fund import ACCRUAL_KINDS

# Contract terms (DOMAIN.md R1-R16, R21, R23-R25, returns and sold parts): once a contract was put
# in force, only a manager edits them (``_check_terms_writable``).
TERM_FIELDS = (
    "warranty_months",
    "part_warranty_months",
    "card_deadline_days",
    "doa_days",
    "quality_days",
    "response_hours_urban",
    "response_hours_suburban",
    "arrange_hours",
    "revisit_ratio_min",
    "report_day",
    "portal_sub_dealer_access",
    "allowance_basis",
    "allowance_rate",
    "allowance_unit_amount",
    "allowance_use",
    "claim_reimbursement",
    "flat_claim_amount",
    "flat_onsite_amount",
    "repair_pricelist_id",
    "parts_pricelist_id",
    "old_part_return_mode",
    "old_part_return_days",
    "stocking_months",
    "stocking_percent",
    "parts_ship_days",
    "part_rule_ids",
    "dealer_stock_return_allowed",
    "parts_prepayment",
    "currency_id",
    "date_start",
    "date_end",
    "dealer_id",
)
# Who the contract binds and in which money: fixed once it was put in force, even for a manager
# (its cards, claims, fund rows and posted statements belong to that dealer in that currency).
PARTY_FIELDS = ("dealer_id", "company_id", "currency_id")
# What each month's allowance is computed with: fixed once the contract has accrued on them
# What the accrual re-reads for every month since the start: fixed once the contract accrued on
# it (with the card deadline on a unit-based contract, which decides which cards count).
ALLOWANCE_TERM_FIELDS = ("allowance_basis", "allowance_rate", "allowance_unit_amount", "date_start")
# Fields only the action methods write (under sudo()).
STATE_FIELDS = ("state", "termination_reason", "termination_date")
PERCENT_FIELDS = ("allowance_rate", "revisit_ratio_min", "stocking_percent")
NON_NEGATIVE_FIELDS = (
    "warranty_months",
    "part_warranty_months",
    "card_deadline_days",
    "doa_days",
    "quality_days",
    "response_hours_urban",
    "response_hours_suburban",
    "arrange_hours",
    "allowance_unit_amount",
    "flat_claim_amount",
    "flat_onsite_amount",
    "old_part_return_days",
    "stocking_months",
    "parts_ship_days",
)
# The states of a contract that has been in force (a draft never was).
IN_FORCE_STATES = ("running", "expired", "terminated")


def _last_day(date_end, termination_date):
    """The last day a contract is in force: the earlier of its end and termination dates;
    ``False`` for an open-ended contract."""
    days = [d for d in (date_end, termination_date) if d]
    return min(days) if days else False


def _in_force_on(state, date_start, last_day, day):
    """Whether a contract of ``state`` running from ``date_start`` to ``last_day`` (``False``
    when open-ended) was in force on ``day``."""
    return state in IN_FORCE_STATES and date_start <= day and (not last_day or day <= last_day)


class AfterSalesContract(models.Model):
    """A dealer's after-sales service contract (售后服务合同): who serves which territory, for how
    long, and on which terms (DOMAIN.md §1-§2). Every later document (warranty card, claim, return,
    parts request, settlement) reads its terms from the dealer's running contract."""

    _name = "after_sales.contract"
    _description = "Dealer Service Contract"
    _inherit = [
        "after_sales.sequence.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "after_sales.computed.guard.mixin",
    ]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "dealer_id"]

    _one_running_per_dealer = models.UniqueIndex(
        "(dealer_id, company_id) WHERE state = 'running'",
        "A dealer can have only one running service contract per company.",
    )

    # ------------------------------------------------------------
    # FIELDS: identity and parties
    # ------------------------------------------------------------
    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
        index="trigram",
    )
    dealer_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
        help="The dealer's commercial partner (乙方). Its sub-dealers are its child companies.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        tracking=True,
        default=lambda self: self.env.company.currency_id,
    )
    territory_id = fields.Many2one(
        "after_sales.territory",
        tracking=True,
        check_company=True,
        help="The dealer's service territory (经销区域).",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    note = fields.Html(string="Notes")

    # ------------------------------------------------------------
    # FIELDS: period and state
    # ------------------------------------------------------------
    date_start = fields.Date(
        string="Start Date",
        required=True,
        tracking=True,
        default=lambda self: self.env.company._after_sales_today(),
    )
    date_end = fields.Date(string="End Date", tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("expired", "Expired"),
            ("terminated", "Terminated"),
        ],
        string="Status",
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
    )
    termination_reason = fields.Text(readonly=True, copy=False, tracking=True)
    termination_date = fields.Date(readonly=True, copy=False)
    is_expiring_soon = fields.Boolean(
        string="Expiring Soon",
        compute="_compute_is_expiring_soon",
        search="_search_is_expiring_soon",
        help="Running and ending within the company's notice period (Settings).",
    )

    # ------------------------------------------------------------
    # FIELDS: warranty and service terms (R1-R4, R9-R11)
    # ------------------------------------------------------------
    warranty_months = fields.Integer(
        string="Warranty (months)",
        default=CONTRACT_DEFAULTS["warranty_months"],
        tracking=True,
        help="Free warranty from the retail sale date.",
    )
    part_warranty_months = fields.Integer(
        string="Replaced Part Warranty (months)",
        default=CONTRACT_DEFAULTS["part_warranty_months"],
        tracking=True,
        help="A part replaced under warranty is itself warranted for this period.",
    )
    card_deadline_days = fields.Integer(
        string="Card Deadline (days)",
        default=CONTRACT_DEFAULTS["card_deadline_days"],
        tracking=True,
        help="The warranty card must reach the manufacturer within this many days of the "
        "retail sale; a later card is late and its unit is not recognised for warranty.",
    )
    doa_days = fields.Integer(
        string="Dead on Arrival (days)",
        default=CONTRACT_DEFAULTS["doa_days"],
        tracking=True,
        help="A defect found within this many days of the dealer receiving the goods.",
    )
    quality_days = fields.Integer(
        string="Quality Defect (days)",
        default=CONTRACT_DEFAULTS["quality_days"],
        tracking=True,
        help="A defect found within this many days of the retail sale.",
    )
    response_hours_urban = fields.Integer(
        string="Urban Response (hours)",
        default=CONTRACT_DEFAULTS["response_hours_urban"],
        tracking=True,
        help="On-site service in the city within this many hours of the call.",
    )
    response_hours_suburban = fields.Integer(
        string="Suburban Response (hours)",
        default=CONTRACT_DEFAULTS["response_hours_suburban"],
        tracking=True,
        help="On-site service in suburbs and counties within this many hours of the call.",
    )
    arrange_hours = fields.Integer(
        string="Arrangement (hours)",
        default=CONTRACT_DEFAULTS["arrange_hours"],
        tracking=True,
        help="The dealer arranges a request and informs the customer within this many hours.",
    )
    revisit_ratio_min = fields.Float(
        string="Minimum Return Visits (%)",
        default=CONTRACT_DEFAULTS["revisit_ratio_min"],
        digits=(5, 2),
        tracking=True,
        help="Share of the month's repairs that get a follow-up visit or call.",
    )
    report_day = fields.Integer(
        string="Monthly Report Day",
        default=CONTRACT_DEFAULTS["report_day"],
        tracking=True,
        help="Monthly repair report, parts list and satisfaction statistics are due by this "
        "day of the next month.",
    )
    portal_sub_dealer_access = fields.Boolean(
        string="Portal Users See Sub-Dealers' Records",
        tracking=True,
        help="The dealer's portal users also see the warranty cards, claims, returns, parts "
        "requisitions, old parts, settlements and monthly reports of its sub-dealers. Off: "
        "each sees only its own.",
    )

    # ------------------------------------------------------------
    # FIELDS: repair allowance and fund (R12-R15)
    # ------------------------------------------------------------
    allowance_basis = fields.Selection(
        [
            ("collections", "Collections"),
            ("sales", "Invoiced Sales"),
            ("units", "Registered Units"),
            ("none", "None"),
        ],
        default=CONTRACT_DEFAULTS["allowance_basis"],
        required=True,
        tracking=True,
        help="What the repair allowance is computed from, accrued monthly.",
    )
    allowance_rate = fields.Float(
        string="Allowance Rate (%)",
        default=CONTRACT_DEFAULTS["allowance_rate"],
        digits=(5, 2),
        tracking=True,
        help="Percentage of collections or of invoiced sales.",
    )
    allowance_unit_amount = fields.Monetary(
        string="Allowance per Unit",
        default=CONTRACT_DEFAULTS["allowance_unit_amount"],
        tracking=True,
        help="Amount per registered, non-late warranty card of the dealer and its sub-dealers.",
    )
    allowance_use = fields.Selection(
        [("budget", "Repair Fund Budget"), ("payout", "Paid to Dealer")],
        default=CONTRACT_DEFAULTS["allowance_use"],
        required=True,
        tracking=True,
        help="A budget that parts and charges consume (overspend invoiced, surplus carried "
        "forward), or paid to the dealer each quarter as a credit note.",
    )
    claim_reimbursement = fields.Selection(
        [("actual", "Actual Cost"), ("flat", "Flat Amounts"), ("none", "Not Reimbursed")],
        default=CONTRACT_DEFAULTS["claim_reimbursement"],
        required=True,
        tracking=True,
        help="How approved warranty claims are reimbursed to the dealer.",
    )
    flat_claim_amount = fields.Monetary(
        string="Flat Amount per Claim",
        default=CONTRACT_DEFAULTS["flat_claim_amount"],
        tracking=True,
        help="Reimbursed for each approved, covered claim.",
    )
    flat_onsite_amount = fields.Monetary(
        string="Flat On-site Supplement",
        default=CONTRACT_DEFAULTS["flat_onsite_amount"],
        tracking=True,
        help="Added when the service was on-site.",
    )
    repair_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Repair Price List",
        check_company=True,
        tracking=True,
        help="The repair charge standard (维修收费标准) for parts and labour; also "
        "what a customer pays for work that is not covered.",
    )

    # ------------------------------------------------------------
    # FIELDS: spare parts and old parts (R21, R23-R25)
    # ------------------------------------------------------------
    parts_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Parts Price List",
        check_company=True,
        tracking=True,
        help="The price of parts drawn on the fund or sold to the dealer.",
    )
    old_part_return_mode = fields.Selection(
        [("days", "Within a Number of Days"), ("semiannual", "Twice a Year")],
        string="Old Part Return",
        default=CONTRACT_DEFAULTS["old_part_return_mode"],
        required=True,
        tracking=True,
        help="When replaced parts under a trade-in rule must be back.",
    )
    old_part_return_days = fields.Integer(
        string="Old Part Return (days)",
        default=CONTRACT_DEFAULTS["old_part_return_days"],
        tracking=True,
    )
    stocking_months = fields.Integer(
        string="Stocking History (months)",
        default=CONTRACT_DEFAULTS["stocking_months"],
        tracking=True,
        help="Initial stocking uses the dealer's sales over this many months.",
    )
    stocking_percent = fields.Float(
        string="Stocking (%)",
        default=CONTRACT_DEFAULTS["stocking_percent"],
        digits=(5, 2),
        tracking=True,
        help="Initial stocking quantity as a percentage of those sales, rounded up.",
    )
    parts_ship_days = fields.Integer(
        string="Warranty Parts Shipping (days)",
        default=CONTRACT_DEFAULTS["parts_ship_days"],
        tracking=True,
        help="Warranty replacement parts ship within this many days of the request.",
    )
    part_rule_ids = fields.One2many(
        "after_sales.contract.part.rule",
        "contract_id",
        string="Parts Rules",
        copy=True,
        help="Per product category, whether parts are bought, traded in or free.",
    )
    parts_prepayment = fields.Boolean(
        string="Parts Paid before Shipping",
        tracking=True,
        help="Parts sold to the dealer ship only once their invoice is paid (款到发货).",
    )

    # ------------------------------------------------------------
    # FIELDS: returns (合同一 五.1, 合同五 五.2 / 方案2 三(二)1)
    # ------------------------------------------------------------
    dealer_stock_return_allowed = fields.Boolean(
        string="Dealer Stock Returns",
        default=True,
        tracking=True,
        help="Whether the dealer may return its unsold stock. Some contracts provide no "
        "return service at all (不提供退货服务): only dead-on-arrival, quality-defect, batch "
        "and repair returns are then accepted.",
    )

    # ------------------------------------------------------------
    # FIELDS: related documents
    # ------------------------------------------------------------
    sale_order_ids = fields.One2many("sale.order", "service_contract_id", string="Sale Orders")
    sale_order_count = fields.Integer(compute="_compute_sale_order_count", compute_sudo=True)
    return_count = fields.Integer(compute="_compute_return_count", compute_sudo=True)
    monthly_missing_count = fields.Integer(
        string="Monthly Reports Missing",
        compute="_compute_monthly_report_counts",
        compute_sudo=True,
        help="Monthly reports whose due date passed without a file. With those sent late, they "
        "count against the dealer's monthly assessment (考核).",
    )
    monthly_late_count = fields.Integer(
        string="Monthly Reports Sent Late",
        compute="_compute_monthly_report_counts",
        compute_sudo=True,
        help="Monthly reports the dealer sent after their due date.",
    )
    fund_entry_ids = fields.One2many("after_sales.fund.entry", "contract_id", string="Fund Ledger")
    fund_balance = fields.Monetary(
        compute="_compute_fund_balance",
        compute_sudo=True,
        help="Sum of the repair fund ledger: what the dealer may still draw on its budget.",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("state", "date_end")
    @api.depends_context("company")
    def _compute_is_expiring_soon(self):
        for contract in self:
            today = (contract.company_id or self.env.company)._after_sales_today()
            notice = contract.company_id.after_sales_expiry_notice_days
            contract.is_expiring_soon = contract.state == "running" and periods.is_expiring_soon(
                today, contract.date_end, notice
            )

    def _search_is_expiring_soon(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        today = self.env.company._after_sales_today()
        notice = self.env.company.after_sales_expiry_notice_days
        domain = Domain(
            [
                ("state", "=", "running"),
                ("date_end", ">=", today),
                ("date_end", "<=", today + timedelta(days=notice)),
            ]
        )
        positive = True in value
        if operator == "not in":
            positive = not positive
        return domain if positive else ~domain

    def _compute_sale_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("service_contract_id", "in", self.ids)],
                ["service_contract_id"],
                ["__count"],
            )
        )
        for contract in self:
            contract.sale_order_count = counts.get(contract, 0)

    @api.depends("name", "dealer_id.name")
    def _compute_display_name(self):
        """A contract number alone says little to finance or the desk: show its dealer too."""
        for contract in self:
            contract.display_name = (
                f"{contract.name} ({contract.dealer_id.name})"
                if contract.dealer_id
                else contract.name
            )

    def _compute_return_count(self):
        counts = dict(
            self.env["after_sales.return"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.return_count = counts.get(contract, 0)

    def _compute_monthly_report_counts(self):
        counts = self.env["after_sales.monthly.submission"]._count_missed(self)
        for contract in self:
            contract.monthly_missing_count, contract.monthly_late_count = counts.get(
                contract.id, (0, 0)
            )

    @api.depends("fund_entry_ids.amount")
    def _compute_fund_balance(self):
        sums = dict(
            self.env["after_sales.fund.entry"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["amount:sum"]
            )
        )
        for contract in self:
            contract.fund_balance = sums.get(contract, 0.0)

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    def _field_label(self, field_name):
        return self._fields[field_name]._description_string(self.env)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end <= contract.date_start:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: the end date (%(end)s) must be after the start "
                        "date (%(start)s).",
                        contract=contract.display_name,
                        end=contract.date_end,
                        start=contract.date_start,
                    )
                )

    @api.constrains(*PERCENT_FIELDS)
    def _check_percentages(self):
        for contract in self:
            for field_name in PERCENT_FIELDS:
                if not 0 <= contract[field_name] <= 100:
                    raise ValidationError(
                        self.env._(
                            "Contract %(contract)s: %(field)s must be between 0 and 100, not "
                            "%(value)s.",
                            contract=contract.display_name,
                            field=self._field_label(field_name),
                            value=contract[field_name],
                        )
                    )

    @api.constrains(*NON_NEGATIVE_FIELDS)
    def _check_non_negative(self):
        for contract in self:
            for field_name in NON_NEGATIVE_FIELDS:
                if contract[field_name] < 0:
                    raise ValidationError(
                        self.env._(
                            "Contract %(contract)s: %(field)s cannot be negative (%(value)s).",
                            contract=contract.display_name,
                            field=self._field_label(field_name),
                            value=contract[field_name],
                        )
                    )

    @api.constrains("report_day")
    def _check_report_day(self):
        for contract in self:
            if not 1 <= contract.report_day <= 28:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: %(field)s must be a day between 1 and 28, not "
                        "%(value)s.",
                        contract=contract.display_name,
                        field=self._field_label("report_day"),
                        value=contract.report_day,
                    )
                )

    @api.constrains("dealer_id")
    def _check_dealer_is_commercial(self):
        for contract in self:
            if contract.dealer_id != contract.dealer_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: the dealer must be a company or an individual "
                        "without a parent; %(partner)s belongs to %(commercial)s.",
                        contract=contract.display_name,
                        partner=contract.dealer_id.display_name,
                        commercial=contract.dealer_id.commercial_partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get("state", "draft") != "draft"
            or set(vals) & {"termination_reason", "termination_date"}
            for vals in vals_list
        ):
            raise AccessError(
                self.env._("A new contract starts as a draft; use Start to put it in force.")
            )
        return super().create(vals_list)

    def write(self, vals):
        """The state and the termination move only through the action methods (which check
        the group and the state, then write under ``sudo()``); a running or ended contract's
        terms only by an after-sales manager."""
        protected = set(vals) & set(STATE_FIELDS)
        if protected and not self.env.su:
            raise AccessError(
                self.env._(
                    "Contract %(contract)s: its status changes only through its buttons "
                    "(Start, Terminate), not by writing %(fields)s.",
                    contract=self[:1].display_name,
                    fields=", ".join(self._field_label(name) for name in sorted(protected)),
                )
            )
        self._check_terms_writable(vals)
        result = super().write(vals)
        if "card_deadline_days" in vals:
            # the registered cards' late flag follows the new deadline: their state too, so
            # that claims (which read the state) and unit allowances (the flag) agree
            self.env["after_sales.warranty.card"].search(
                [("contract_id", "in", self.ids), ("state", "in", ("registered", "late"))]
            )._redecide_late()
        if "portal_sub_dealer_access" in vals or (
            {"state", "dealer_id", "company_id"} & vals.keys()
            and any(self.mapped("portal_sub_dealer_access"))
        ):
            # the portal record rules read the term (res.partner) and are cached per user
            self.env.registry.clear_cache()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        for contract in self:
            if contract.state != "draft":
                raise UserError(
                    self.env._(
                        "Contract %(contract)s is %(state)s: only draft contracts can be deleted.",
                        contract=contract.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env)).get(
                            contract.state
                        ),
                    )
                )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_start(self):
        """Put draft contracts in force (service desk, manager). Refused when the dealer already
        has a running contract in the company, naming it; the unique index keeps that true when
        two users start contracts at the same moment. The state is written under ``sudo()``:
        the user's group and record rules are checked first, so that a salesperson, a
        warehouse user or a dealer reading a draft through the portal cannot put it in force."""
        if not (self.env.su or self.env.user.has_group(GROUP_USER)):
            raise AccessError(self.env._("Only the after-sales service desk starts a contract."))
        self.check_access("write")
        for contract in self:
            if contract.state != "draft":
                raise UserError(
                    self.env._(
                        "Contract %(contract)s is not a draft and cannot be started.",
                        contract=contract.display_name,
                    )
                )
            if contract.date_end and contract.date_end < contract.company_id._after_sales_today():
                raise UserError(
                    self.env._(
                        "Contract %(contract)s ended on %(end)s and cannot be started.",
                        contract=contract.display_name,
                        end=contract.date_end,
                    )
                )
        running = self.search(
            [
                ("state", "=", "running"),
                ("dealer_id", "in", self.dealer_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        for contract in self:
            other = running.filtered(
                lambda r, c=contract: r.dealer_id == c.dealer_id and r.company_id == c.company_id
            ) or (self - contract).filtered(
                lambda r, c=contract: r.dealer_id == c.dealer_id and r.company_id == c.company_id
            )
            if other:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s cannot start: dealer %(dealer)s already has the "
                        "running contract %(other)s in %(company)s.",
                        contract=contract.display_name,
                        dealer=contract.dealer_id.display_name,
                        other=other[0].display_name,
                        company=contract.company_id.display_name,
                    )
                )
        self.sudo().write({"state": "running"})
        return True

    def action_open_terminate_wizard(self):
        """Open the wizard that asks for the termination reason (termination needs one)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Terminate Contract"),
            "res_model": "after_sales.contract.terminate",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def action_terminate(self, reason, date=None):
        """End running contracts before their term (manager, through the terminate wizard).

        :param reason: why the contract ends; required, recorded and shown in the chatter.
        """
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(self.env._("Only an after-sales manager terminates a contract."))
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "Contract %(contract)s: a termination reason is required.",
                    contract=", ".join(self.mapped("display_name")),
                )
            )
        for contract in self:
            if contract.state == "draft":
                # a terminated contract was in force until its termination date: a draft never
                # was, and would take its dealer's documents from the contract that runs
                raise UserError(
                    self.env._(
                        "Contract %(contract)s is a draft and was never in force: delete it "
                        "instead of terminating it.",
                        contract=contract.display_name,
                    )
                )
            if contract.state != "running":
                raise UserError(
                    self.env._(
                        "Contract %(contract)s is already ended and cannot be terminated.",
                        contract=contract.display_name,
                    )
                )
        too_early = date and self.filtered(lambda c: date < c.date_start)
        if too_early:
            raise UserError(
                self.env._(
                    "Contract %(contract)s started on %(start)s: it cannot end on %(date)s, "
                    "before its start.",
                    contract=too_early[0].display_name,
                    start=too_early[0].date_start,
                    date=date,
                )
            )
        for company, contracts in self.grouped("company_id").items():
            # by default the contracts end today where their company works, the day their
            # fund, allowance and cards go by
            contracts.sudo().write(
                {
                    "state": "terminated",
                    "termination_reason": reason.strip(),
                    "termination_date": date or company._after_sales_today(),
                }
            )
        return True

    def action_view_returns(self):
        """Smart button: the dealer's returns under this contract."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_return_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_dealer_id": self.dealer_id.id}
        return action

    def action_view_fund_entries(self):
        """Smart button: the contract's repair fund ledger."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_fund_entry_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"search_default_group_period": 1}
        return action

    def action_view_monthly_reports(self):
        """Smart button: the contract's monthly reports grouped by status; its pivot shows
        which kinds of report each status holds (one dealer: no column per dealer)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_monthly_submission_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1, "pivot_column_groupby": ["kind"]}
        return action

    def action_view_sale_orders(self):
        """Smart button: the sale orders placed under this contract."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["domain"] = [("service_contract_id", "=", self.id)]
        action["context"] = {
            "default_service_contract_id": self.id,
            "default_partner_id": self.dealer_id.id,
        }
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_system_fields(self):
        return STATE_FIELDS

    def _check_terms_writable(self, vals):
        """Refuse changes to the terms of a contract that was put in force (running, expired or
        terminated) by anyone but an after-sales manager: cards, claims and settlements already
        rely on them. Its state cannot be written back to draft, so a draft is one that never
        ran. Its dealer, company and currency change for no one (a new contract is started).
        Called by write."""
        changed = [name for name in vals if name in TERM_FIELDS or name in PARTY_FIELDS]
        if not changed or self.env.su:
            return
        started = self.filtered(lambda c: c.state != "draft")
        parties = [
            name
            for name in changed
            if name in PARTY_FIELDS and any(c[name].id != (vals[name] or False) for c in started)
        ]
        if parties:
            raise UserError(
                self.env._(
                    "Contract %(contract)s was put in force: its %(fields)s no longer change; "
                    "terminate it and start a new contract instead.",
                    contract=started[0].display_name,
                    fields=", ".join(self._field_label(name) for name in parties),
                )
            )
        self._check_allowance_terms_kept(vals, started)
        if self.env.user.has_group(GROUP_MANAGER):
            return
        if started:
            raise AccessError(
                self.env._(
                    "Contract %(contract)s is running: only an after-sales manager can change "
                    "its terms (%(fields)s).",
                    contract=started[0].display_name,
                    fields=", ".join(self._field_label(name) for name in changed),
                )
            )

    def _check_allowance_terms_kept(self, vals, started):
        """Refuse, even to a manager, a new allowance basis, rate, unit amount or start date
        (or card deadline, on a unit-based contract) on a contract that has accrued under its
        terms: the accrual re-checks every month since the start with the contract's terms,
        so the new terms would re-price months already accrued and quarters already posted.
        New terms take effect through a new contract from the day they apply (terminate this
        one; the renewal splits the months)."""
        names = [name for name in (*ALLOWANCE_TERM_FIELDS, "card_deadline_days") if name in vals]
        if not names or not started:
            return
        accrued = (
            self.env["after_sales.fund.entry"]
            .sudo()
            ._read_group(
                [("contract_id", "in", started.ids), ("kind", "in", ACCRUAL_KINDS)],
                ["contract_id"],
            )
        )
        for (contract,) in accrued:
            changed = [
                name
                for name in names
                if contract._fields[name].convert_to_cache(vals[name], contract) != contract[name]
                and (name != "card_deadline_days" or contract.allowance_basis == "units")
            ]
            if changed:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s has accrued its dealer's allowance on these terms: "
                        "its %(fields)s no longer change. Terminate it and start a new contract "
                        "on the new terms from the day they apply.",
                        contract=contract.display_name,
                        fields=", ".join(self._field_label(name) for name in changed),
                    )
                )

    def _fund_post(self, kind, amount, date, name, source=None, **values):
        """Append one row to this contract's repair fund ledger and return it. Called by every
        document that moves fund money (parts issues, return and old-part charges,
        settlements); the fund itself lives in ``after_sales.fund``. ``amount`` is signed:
        negative consumes."""
        return self.env["after_sales.fund"]._post(
            self, kind, amount, date, name, source=source, **values
        )

    def _lock_fund(self):
        """Take the one repair fund lock on these contracts (see ``after_sales.fund._lock``)."""
        self.env["after_sales.fund"]._lock(self)

    def _accrue_period(self, start, end):
        """Bring these contracts' allowance up to date for the finished months until ``end``
        (``start`` is kept for callers: earlier months are checked too, for late documents)."""
        return self.env["after_sales.fund"]._accrue(self, end)

    @api.model
    def _cron_accrue_allowances(self):
        """Kept for callers of the former cron entry point: the fund runs it now."""
        return self.env["after_sales.fund"]._cron_accrue_allowances()

    def _get_last_day(self):
        """The last day this contract is in force: its end or termination date, the earlier of
        the two; ``False`` for an open-ended contract."""
        self.ensure_one()
        return _last_day(self.date_end, self.termination_date)

    def _is_in_force_on(self, day):
        """Whether this contract was in force on ``day`` (started, and not yet ended)."""
        self.ensure_one()
        return _in_force_on(self.state, self.date_start, self._get_last_day(), day)

    def _ended(self):
        """The contracts of ``self`` that have ended (expired or terminated, with a last
        day): their late documents and waiting claims are still settled."""
        return self.filtered(lambda c: c.state in ("expired", "terminated") and c._get_last_day())

    def _in_force_between(self, start, end):
        """The contracts of ``self`` that were in force at some day of [start, end]."""
        return self.filtered(
            lambda c: (
                c.state in IN_FORCE_STATES
                and c.date_start <= end
                and (not c._get_last_day() or c._get_last_day() >= start)
            )
        )

    # ------------------------------------------------------------
    # BUSINESS: which contract serves a dealer
    # ------------------------------------------------------------
    @api.model
    def _get_serving_contract_resolver(self, partners, companies):
        """Load, in one query, the contracts that may serve ``partners`` in ``companies`` and
        return ``resolve(partner, company, day=None, walk_up=True, until=None)``: the contract
        of the partner's commercial partner or, with ``walk_up``, of the nearest dealer above it
        that has one (a sub-dealer's cards count for its dealer). Without ``day``, the running
        contract; with ``day``, the contract in force on that day (renewals split at their
        dates); with ``day`` and ``until``, the contract serving the partner on every day of
        [day, until], or ``None`` when a contract that could serve it starts or ends in between
        (the fund's accrual then reads that month day by day). The one home of that decision:
        :meth:`_get_serving_contract_multi` and the fund's accrual use it."""
        # {partner id: [ids of its commercial partner and of the commercial partners above]},
        # walked once per commercial partner (a dealer's contacts share its chain)
        chains, chain_of = {}, {}
        for partner in partners:
            commercial = partner.commercial_partner_id
            chain = chain_of.get(commercial.id)
            if chain is None:
                chain, node = [], commercial
                while node and node.id not in chain:
                    chain.append(node.id)
                    node = node.parent_id.commercial_partner_id
                chain_of[commercial.id] = chain
            chains[partner.id] = chain
        # the candidates' dealer, company, state and dates in one query, as plain values: the
        # accrual resolves hundreds of partners' months against them
        query = self._search(
            [
                ("state", "!=", "draft"),
                ("dealer_id", "in", list({node for chain in chains.values() for node in chain})),
                ("company_id", "in", companies.ids),
            ],
            order="date_start desc, id desc",
        )
        columns = (
            "id",
            "dealer_id",
            "company_id",
            "state",
            "date_start",
            "date_end",
            "termination_date",
        )
        rows = self.env.execute_query(
            query.select(*(self._field_to_sql(self._table, name, query) for name in columns))
        )
        candidates = self.browse([row[0] for row in rows])
        by_key = defaultdict(list)
        for contract, (__, dealer_id, company_id, state, date_start, date_end, ended) in zip(
            candidates, rows, strict=True
        ):
            by_key[dealer_id, company_id].append(
                (contract, state, date_start, _last_day(date_end, ended))
            )

        def changes_between(nodes, company, start, end):
            for node in nodes:
                for _contract, state, date_start, last_day in by_key.get((node, company.id), ()):
                    if state in IN_FORCE_STATES and (
                        start < date_start <= end or (last_day and start <= last_day < end)
                    ):
                        return True
            return False

        def resolve(partner, company, day=None, walk_up=True, until=None):
            chain = chains.get(partner.id, [])
            nodes = chain if walk_up else chain[:1]
            if day and until and changes_between(nodes, company, day, until):
                return None
            for node in nodes:
                for contract, state, date_start, last_day in by_key.get((node, company.id), ()):
                    if (
                        _in_force_on(state, date_start, last_day, day)
                        if day
                        else state == "running"
                    ):
                        return contract
            return self.browse()

        return resolve

    @api.model
    def _get_serving_contract_multi(self, partners, company=None, date=None, walk_up=True):
        """Return ``{partner_id: contract}`` for ``partners`` in ``company`` (the current one
        by default): the contract serving each (see :meth:`_get_serving_contract_resolver`),
        an empty recordset when none. Batched like
        ``product.pricelist._get_partner_pricelist_multi``: one query for all the partners."""
        company = company or self.env.company
        resolve = self._get_serving_contract_resolver(partners, company)
        return {
            partner.id: resolve(partner, company, day=date, walk_up=walk_up) for partner in partners
        }

    def _get_part_policy(self, product):
        """Return the R24 parts rule of this contract for ``product``: the rule of its category,
        or of the nearest parent category that has one; an empty recordset when none applies."""
        self.ensure_one()
        return self.part_rule_ids._find_for_category(product.categ_id)

    def _pricelist_price(self, pricelist, product, quantity, uom=None, date=None):
        """The unit price of ``product`` on ``pricelist`` (the parts or the repair price list),
        in this contract's currency: what the fund is drawn, the free-below threshold tested
        and a claim reimbursed in. The price list's own price is converted from its currency
        (the product's list price from the company's when there is no price list) at the
        company's rate of ``date`` (the requisition's or the repair's day), unrounded. Called
        by the parts requisition's split and the claim line's price."""
        self.ensure_one()
        company = self.company_id or self.env.company
        currency = self.currency_id or company.currency_id
        date = date or company._after_sales_today()
        product = product.with_company(company)
        if pricelist:
            source = pricelist.currency_id or company.currency_id
            price = pricelist.with_company(company)._get_product_price(
                product, quantity or 1.0, currency=source, uom=uom, date=date
            )
        else:
            source = company.currency_id
            price = product.lst_price
        if source != currency:
            price = source._convert(price, currency, company, date, round=False)
        return price

    @api.model
    def _cron_expire_contracts(self):
        """Daily: running contracts whose end date has passed become expired; a running contract
        that ends within the company's notice period gets a to-do for its responsible. A
        contract has ended once its end date has passed where its company works, whatever the
        time zone of the cron's user."""
        # tomorrow in UTC is the latest "today" of any time zone: the candidates, then each
        # contract against its own company's day
        latest_today = fields.Date.today() + timedelta(days=1)
        running = self.search([("state", "=", "running"), ("date_end", "<", latest_today)])
        today_of = {company: company._after_sales_today() for company in running.company_id}
        ended = running.filtered(lambda c: c.date_end < today_of[c.company_id])
        ended.sudo().write({"state": "expired"})
        ended._message_log_batch(
            bodies={c.id: self.env._("Expired on its end date.") for c in ended},
        )
        self._schedule_expiry_activities()
        return True

    def _schedule_expiry_activities(self):
        soon = self.search([("is_expiring_soon", "=", True)])
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        already = self.env["mail.activity"].search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", soon.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )
        # one reminder per contract end date, whatever language it was written in
        done = {(a.res_id, a.date_deadline) for a in already}
        for contract in soon.filtered(lambda c: (c.id, c.date_end) not in done):
            # written in the responsible's language, not in that of whoever runs the cron
            responsible = contract.user_id or self.env.user
            lang_env = contract.with_context(lang=responsible.lang or self.env.lang).env
            contract.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=contract.date_end,
                summary=lang_env._("Contract expiring"),
                note=lang_env._(
                    "Renew or let the contract of %(dealer)s end on %(end)s.",
                    dealer=contract.dealer_id.display_name,
                    end=contract.date_end,
                ),
                user_id=responsible.id,
            )

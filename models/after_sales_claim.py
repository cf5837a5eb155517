from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date, format_datetime

from ..tools import coverage, parts, sla
from .after_sales_claim_visit import SATISFACTION
from .after_sales_document_mixin import GROUP_APPRAISER, GROUP_USER, check_protected_write
from .after_sales_old_part import BACK_STATES
from .sql_rows import json_recordset

# Computed or system-managed: no user writes them, through the form or JSON-RPC (issue 10.3).
PROTECTED_FIELDS = (
    "is_covered",
    "coverage_reason",
    "coverage_window",
    "coverage_payer",
    "warranty_end",
    "amount_total",
    "reimbursable_amount",
    "customer_amount",
    "dealer_amount",
    "old_parts_missing",
    "old_parts_rejected",
    "date_old_parts_back",
    "is_reimbursable",
    "reimbursable_note",
    "date_reimbursable",
    "arrange_deadline",
    "arrival_deadline",
    "is_sla_overdue",
    "settlement_id",
    "date_approved",
    "approver_id",
    "reject_reason",
    "service_plan_visit_used",
    "currency_id",
)
LINE_PROTECTED_FIELDS = ("subtotal", "part_warranty_end", "company_id", "currency_id")
# What a dealer reports from the portal; coverage, amounts and appraisal are the manufacturer's.
PORTAL_FIELDS = (
    "call_time",
    "arranged_time",
    "arrival_time",
    "completion_time",
    "onsite",
    "zone",
    "symptom",
    "cause",
    "cause_category",
    "solution",
    "result",
    "technician_name",
    "delivery_date",
)
# What an approved claim's coverage, deadlines, reimbursement and printed receipt rest on: frozen
# for every user until the technical department reopens it (issue 10.3).
FROZEN_WHEN_APPROVED = (
    "card_id",
    "dealer_id",
    "contract_id",
    "company_id",
    "product_id",
    "lot_id",
    "customer_id",
    "line_ids",
    "replaced_line_id",
    "service_plan_id",
    *PORTAL_FIELDS,
)
# Claim line fields that make the money; the old part's receipt and appraisal stay open.
FROZEN_LINE_FIELDS = (
    "claim_id",
    "line_type",
    "product_id",
    "quantity",
    "price_unit",
    "old_part_required",
)
# A submitted or approved claim owes its trade-in parts' old parts (the seed returns them with
# the 三包维修记录, before the technical department appraises them); settled, they came back.
OLD_PARTS_OWED_STATES = ("submitted", "approved", "settled")
# A claim in these states repaired nothing under the three guarantees (rejected by the technical
# department, or cancelled as entered by mistake): its days under repair do not extend the unit's
# warranty and the parts it lists carry no warranty of their own.
VOID_REPAIR_STATES = ("rejected", "cancel")
# What a settled claim keeps as it was settled (R16), computed by the three computes below.
COVERAGE_FIELDS = (
    "is_covered",
    "coverage_reason",
    "coverage_window",
    "warranty_end",
    "coverage_payer",
)
AMOUNT_FIELDS = ("amount_total", "reimbursable_amount", "customer_amount", "dealer_amount")
REIMBURSABLE_FIELDS = ("is_reimbursable", "reimbursable_note", "date_reimbursable")
SETTLED_KEPT_FIELDS = COVERAGE_FIELDS + AMOUNT_FIELDS + REIMBURSABLE_FIELDS
# An approved claim keeps the coverage and amounts the technical department approved, whatever
# changes later on its card, on its unit's other claims or in its contract's terms (issue 10.3):
# only reopening it computes them again. Whether it is reimbursable still follows its old parts
# coming back (R21) until it is settled.
DECIDED_STATES = ("approved", "settled")
# The clock skew allowed between the desk's or the dealer's clock and the server's: a service
# time up to this far ahead of now is taken as now, later it is refused (not yet happened).
CLOCK_SKEW = timedelta(minutes=10)
# The service times that record what already happened (R19): none is in the future.
PAST_TIMES = ("call_time", "arrival_time", "completion_time")

CAUSE_CATEGORIES = [
    ("product_defect", "Product Defect"),
    ("customer_misuse", "Customer Misuse"),
    ("transport", "Transport Damage"),
    ("wear", "Normal Wear"),
    ("other", "Other"),
]

COVERAGE_REASONS = [
    (coverage.COVERED, "Covered by the three-guarantee warranty"),
    (coverage.COVERED_PART, "Covered by the replaced part's own warranty"),
    (coverage.NO_CONTRACT, "The dealer has no service contract"),
    (coverage.CONTRACT_NOT_RUNNING, "The dealer's contract is not running"),
    (coverage.NO_CARD, "No registered warranty card"),
    (coverage.CARD_VOID, "The warranty card is void"),
    (coverage.CARD_LATE, "The warranty card arrived late: the unit is not recognised"),
    (coverage.CARD_FALSIFIED, "The warranty card is falsified"),
    (coverage.NO_SALE_DATE, "The retail sale date is unknown"),
    (coverage.CALL_BEFORE_SALE, "The call is dated before the retail sale"),
    (coverage.OUT_OF_WARRANTY, "Out of warranty"),
    (coverage.CUSTOMER_MISUSE, "Caused by the customer: charged at the price list"),
]

PAYERS = [
    (coverage.PAYER_MANUFACTURER, "Manufacturer (three-guarantee)"),
    (coverage.PAYER_CUSTOMER, "End customer"),
    (coverage.PAYER_DEALER, "Dealer (not reimbursed)"),
]


class AfterSalesClaim(models.Model):
    """A three-guarantee claim / service order (三包维修记录, DOMAIN.md R19-R22): one repair of a
    registered unit by a dealer. Coverage is computed from the card, the contract and the cause
    (tools/coverage.py); the technical department approves or rejects; approved, covered claims
    whose old parts are back are reimbursed by the quarterly settlement."""

    _name = "after_sales.claim"
    _description = "Warranty Claim"
    _inherit = [
        "after_sales.sequence.mixin",
        "after_sales.document.mixin",
        "after_sales.dealer.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "call_time desc, id desc"
    _check_company_auto = True
    _contract_date_depends = ("call_time",)

    # ------------------------------------------------------------
    # FIELDS: identity and state
    # ------------------------------------------------------------
    name = fields.Char(
        string="Claim Number",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
        index="trigram",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", store=True, precompute=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("settled", "Settled"),
            ("cancel", "Cancelled"),
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
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    date_approved = fields.Date(string="Approved On", readonly=True, copy=False)
    approver_id = fields.Many2one("res.users", string="Appraised By", readonly=True, copy=False)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Follows the claim: gets the SLA and return-visit activities.",
    )

    # ------------------------------------------------------------
    # FIELDS: dealer, card, product
    # ------------------------------------------------------------
    dealer_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True, check_company=True
    )
    card_id = fields.Many2one(
        "after_sales.warranty.card",
        string="Warranty Card",
        index=True,
        tracking=True,
        check_company=True,
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_from_card",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        compute="_compute_from_card",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    customer_id = fields.Many2one(
        "res.partner",
        string="End Customer",
        compute="_compute_from_card",
        store=True,
        readonly=False,
        precompute=True,
    )
    service_plan_id = fields.Many2one(
        "after_sales.service.plan",
        string="Customer Service Plan",
        compute="_compute_service_plan_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        domain="[('partner_id', 'child_of', customer_id), ('state', '=', 'active')]",
        help="The customer's service plan this request uses: one visit is consumed on "
        "submission and the plan's response time applies.",
    )
    service_plan_visit_used = fields.Boolean(readonly=True, copy=False)
    delivery_date = fields.Date(
        string="Delivered to Dealer",
        compute="_compute_delivery_date",
        store=True,
        readonly=False,
        precompute=True,
        help="When the dealer received the unit: the serial's first done delivery to the dealer "
        "(or the dealer above a sub-dealer); typed only for a unit whose delivery is not in the "
        "system. A defect (not caused in transport) within the contract's dead-on-arrival days "
        "of this date is dead on arrival.",
    )
    delivery_date_known = fields.Boolean(
        compute="_compute_delivery_date_known",
        help="The serial's delivery to the dealer is in the system: the delivery date follows it "
        "and is not typed.",
    )
    replaced_line_id = fields.Many2one(
        "after_sales.claim.line",
        string="Claimed Replaced Part",
        index="btree_not_null",
        domain="[('claim_id.lot_id', '=', lot_id), ('claim_id', '!=', id), "
        "('part_warranty_end', '!=', False)]",
        help="When the part that fails was replaced under warranty by an earlier repair: that "
        "part carries its own warranty, which covers this claim even after the unit's "
        "warranty has ended.",
    )

    # ------------------------------------------------------------
    # FIELDS: the service (R19)
    # ------------------------------------------------------------
    call_time = fields.Datetime(required=True, default=fields.Datetime.now, tracking=True)
    arranged_time = fields.Datetime(string="Arranged At")
    arrival_time = fields.Datetime(string="Arrived At")
    completion_time = fields.Datetime(string="Completed At")
    onsite = fields.Boolean(string="On-site Service")
    zone = fields.Selection([("urban", "Urban"), ("suburban", "Suburban / County")])
    symptom = fields.Text(string="Fault Symptom")
    cause = fields.Text(string="Fault Cause")
    cause_category = fields.Selection(CAUSE_CATEGORIES, tracking=True)
    solution = fields.Text()
    result = fields.Selection([("ok", "OK"), ("not_ok", "Not OK")], tracking=True)
    technician_name = fields.Char(string="Technician")
    customer_signature = fields.Binary(copy=False, attachment=True)
    technician_signature = fields.Binary(copy=False, attachment=True)
    line_ids = fields.One2many("after_sales.claim.line", "claim_id", string="Lines", copy=True)
    attachment_count = fields.Integer(
        string="Photos", compute="_compute_attachment_count", help="Photos and files attached."
    )

    # ------------------------------------------------------------
    # FIELDS: SLA (R9) and return visits (R10)
    # ------------------------------------------------------------
    arrange_deadline = fields.Datetime(
        compute="_compute_sla",
        store=True,
        help="Call time plus the contract's arrangement hours.",
    )
    arrival_deadline = fields.Datetime(
        compute="_compute_sla",
        store=True,
        help="Call time plus the contract's urban or suburban response hours (on-site only).",
    )
    is_sla_overdue = fields.Boolean(
        string="SLA Overdue",
        compute="_compute_sla",
        store=True,
        help="Arranged or on site after the deadline, or still not at the deadline. A completed "
        "repair is never overdue for a missing arrival time. Refreshed hourly by a scheduled "
        "action.",
    )
    visit_ids = fields.One2many("after_sales.claim.visit", "claim_id", string="Return Visits")
    satisfaction = fields.Selection(
        SATISFACTION,
        string="Customer Satisfaction",
        compute="_compute_from_visits",
        store=True,
        readonly=False,
        tracking=True,
        help="The customer's score given on the latest return visit.",
    )
    satisfaction_comment = fields.Text(
        string="Return Visit Comment", compute="_compute_from_visits", store=True, readonly=False
    )
    revisit_date = fields.Date(
        string="Return Visit On",
        compute="_compute_from_visits",
        store=True,
        readonly=False,
        help="When the repair was first followed up: it counts for the month's return-visit ratio.",
    )

    # ------------------------------------------------------------
    # FIELDS: coverage (R20)
    # ------------------------------------------------------------
    is_covered = fields.Boolean(string="Covered", compute="_compute_coverage", store=True)
    coverage_reason = fields.Selection(COVERAGE_REASONS, compute="_compute_coverage", store=True)
    coverage_window = fields.Selection(
        [
            (coverage.WINDOW_DOA, "Dead on Arrival"),
            (coverage.WINDOW_QUALITY, "Quality Defect"),
            (coverage.WINDOW_NONE, "Repair"),
        ],
        string="Defect Window",
        compute="_compute_coverage",
        store=True,
    )
    warranty_end = fields.Date(
        compute="_compute_coverage",
        store=True,
        help="The retail sale date plus the contract's warranty months, plus the days the unit "
        "spent under three-guarantee repair before this call (the warranty does not run while "
        "the unit is repaired).",
    )
    coverage_payer = fields.Selection(
        PAYERS,
        string="Cost Borne By",
        compute="_compute_coverage",
        store=True,
        help="The end customer pays only for misuse and work out of warranty; a late or "
        "falsified card, a missing contract or a call before the sale are the dealer's cost.",
    )

    # ------------------------------------------------------------
    # FIELDS: amounts (R15) and old parts (R21)
    # ------------------------------------------------------------
    amount_total = fields.Monetary(
        string="Total at Price List", compute="_compute_amounts", store=True
    )
    reimbursable_amount = fields.Monetary(compute="_compute_amounts", store=True)
    customer_amount = fields.Monetary(
        string="Customer Charge",
        compute="_compute_amounts",
        store=True,
        help="Misuse or work out of warranty, charged to the customer at the price list.",
    )
    dealer_amount = fields.Monetary(
        string="Dealer's Cost",
        compute="_compute_amounts",
        store=True,
        help="Not covered through the dealer's own failure (late or falsified card, no "
        "contract...): the dealer bears it, it is not reimbursed and not charged to the "
        "customer.",
    )
    old_part_ids = fields.One2many(
        "after_sales.old.part", "claim_id", string="Old Parts", readonly=True
    )
    old_part_count = fields.Integer(compute="_compute_old_part_count")
    old_parts_missing = fields.Boolean(
        compute="_compute_old_parts", store=True, help="A required old part is not back yet."
    )
    old_parts_rejected = fields.Boolean(
        compute="_compute_old_parts",
        store=True,
        help="The technical department rejected a returned old part (not the original, "
        "damaged by the dealer...): the claim is not reimbursed.",
    )
    date_old_parts_back = fields.Date(
        compute="_compute_old_parts",
        store=True,
        help="When the last required old part came back.",
    )
    is_reimbursable = fields.Boolean(compute="_compute_reimbursable", store=True)
    reimbursable_note = fields.Char(compute="_compute_reimbursable", store=True)
    settlement_id = fields.Many2one(
        "after_sales.settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The quarterly settlement whose write-off notice reimburses this claim.",
    )
    date_reimbursable = fields.Date(
        compute="_compute_reimbursable",
        store=True,
        help="From this day the claim can go on a write-off notice: approval, or the return of "
        "its last old part, whichever is later.",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("contract_id.currency_id", "company_id")
    def _compute_currency_id(self):
        for claim in self:
            claim.currency_id = claim.contract_id.currency_id or claim.company_id.currency_id

    def _compute_attachment_count(self):
        counts = dict(
            self.env["ir.attachment"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        for claim in self:
            claim.attachment_count = counts.get(claim.id, 0)

    @api.depends(
        "call_time",
        "arranged_time",
        "arrival_time",
        "completion_time",
        "onsite",
        "zone",
        "contract_id.arrange_hours",
        "contract_id.response_hours_urban",
        "contract_id.response_hours_suburban",
        "service_plan_id.response_hours",
    )
    def _compute_sla(self):
        now = fields.Datetime.now()
        for claim in self:
            contract = claim.contract_id
            arrange_hours, response_hours = claim._sla_hours()
            arrange_due, arrival_due = sla.sla_deadlines(
                claim.call_time, arrange_hours, response_hours, claim.onsite
            )
            claim.arrange_deadline = arrange_due
            claim.arrival_deadline = arrival_due
            claim.is_sla_overdue = bool(contract) and sla.is_sla_overdue(
                claim.call_time,
                arranged=claim.arranged_time,
                arrived=claim.arrival_time,
                arrange_hours=arrange_hours,
                response_hours=response_hours,
                onsite=claim.onsite,
                now=now,
                completed=claim.completion_time,
            )

    @api.depends(
        "visit_ids.date_done", "visit_ids.result", "visit_ids.satisfaction", "visit_ids.comment"
    )
    def _compute_from_visits(self):
        """The claim shows its first done visit's date and the latest score; a claim without a
        done visit keeps what was entered on it. A visit that could not reach the customer
        is done but followed nothing up (R10): it gives no return-visit date."""
        for claim in self:
            done = claim.visit_ids.filtered("date_done")
            if not done:
                claim.revisit_date = claim.revisit_date
                claim.satisfaction = claim.satisfaction
                claim.satisfaction_comment = claim.satisfaction_comment
                continue
            reached = done.filtered(lambda v: v.result != "unreachable").sorted(
                lambda v: (v.date_done, v.id)
            )
            claim.revisit_date = reached[0].date_done if reached else False
            scored = reached.filtered("satisfaction")
            claim.satisfaction = scored[-1].satisfaction if scored else claim.satisfaction
            commented = reached.filtered("comment")
            claim.satisfaction_comment = (
                commented[-1].comment if commented else claim.satisfaction_comment
            )

    @api.depends("card_id")
    def _compute_from_card(self):
        for claim in self:
            if claim.card_id:
                claim.product_id = claim.card_id.product_id
                claim.lot_id = claim.card_id.lot_id
                claim.customer_id = claim.card_id.customer_id
            else:
                claim.product_id = claim.product_id
                claim.lot_id = claim.lot_id
                claim.customer_id = claim.customer_id

    @api.depends("lot_id", "dealer_id", "company_id")
    def _compute_delivery_date(self):
        """R3: the serial's first done delivery to the dealer, as for returns; the typed date
        stays for a unit delivered before the system. Decided claims keep theirs."""
        todo = self._skip_kept(("delivery_date",), DECIDED_STATES)
        known = todo._known_delivery_dates()
        for claim in todo:
            claim.delivery_date = known.get(claim) or claim.delivery_date

    @api.depends("lot_id", "dealer_id", "company_id")
    def _compute_delivery_date_known(self):
        known = self._known_delivery_dates()
        for claim in self:
            claim.delivery_date_known = bool(known.get(claim))

    @api.depends("customer_id", "call_time")
    def _compute_service_plan_id(self):
        """The customer's active plan valid on the call date (company time zone), the one
        ending first: a call before the plan was sold or after it ended is not under it."""
        customers = self.customer_id.commercial_partner_id
        plans = self.env["after_sales.service.plan"].search(
            [("partner_id", "child_of", customers.ids), ("state", "=", "active")],
            order="date_end asc",
        )
        for claim in self:
            if claim.service_plan_visit_used:
                continue
            commercial = claim.customer_id.commercial_partner_id
            call_date = claim._get_contract_date()
            claim.service_plan_id = plans.filtered(
                lambda p, c=commercial, co=claim.company_id, day=call_date: (
                    p.partner_id.commercial_partner_id == c
                    and p.company_id == co
                    and p.date_start <= day <= p.date_end
                )
            )[:1]

    @api.depends(
        "call_time",
        "delivery_date",
        "cause_category",
        "card_id.state",
        "card_id.sale_date",
        "card_id.falsified",
        "contract_id.state",
        "contract_id.date_start",
        "contract_id.date_end",
        "contract_id.termination_date",
        "contract_id.warranty_months",
        "contract_id.doa_days",
        "contract_id.quality_days",
        "card_id.contract_id.warranty_months",
        "card_id.contract_id.doa_days",
        "card_id.contract_id.quality_days",
        "replaced_line_id.part_warranty_end",
        "replaced_line_id.claim_id.completion_time",
        "card_id.claim_ids.state",
        "card_id.claim_ids.call_time",
        "card_id.claim_ids.completion_time",
        "card_id.claim_ids.cause_category",
    )
    def _compute_coverage(self):
        for claim in self._skip_kept(COVERAGE_FIELDS, DECIDED_STATES):
            decision = coverage.decide(claim._coverage_facts())
            claim.is_covered = decision.covered
            claim.coverage_reason = decision.reason
            claim.coverage_window = decision.window
            claim.warranty_end = decision.warranty_end
            claim.coverage_payer = decision.payer

    @api.depends(
        "line_ids.subtotal",
        "is_covered",
        "coverage_payer",
        "onsite",
        "contract_id.claim_reimbursement",
        "contract_id.flat_claim_amount",
        "contract_id.flat_onsite_amount",
    )
    def _compute_amounts(self):
        for claim in self._skip_kept(AMOUNT_FIELDS, DECIDED_STATES):
            total = sum(claim.line_ids.mapped("subtotal"))
            claim.amount_total = total
            contract = claim.contract_id
            if not claim.is_covered:
                # Who pays (合同二 第三条2): the customer only for misuse and out of warranty.
                by_customer = claim.coverage_payer == coverage.PAYER_CUSTOMER
                claim.reimbursable_amount = 0.0
                claim.customer_amount = total if by_customer else 0.0
                claim.dealer_amount = 0.0 if by_customer else total
                continue
            claim.customer_amount = 0.0
            claim.dealer_amount = 0.0
            mode = contract.claim_reimbursement
            if mode == "actual":
                claim.reimbursable_amount = total
            elif mode == "flat":
                claim.reimbursable_amount = contract.flat_claim_amount + (
                    contract.flat_onsite_amount if claim.onsite else 0.0
                )
            else:
                claim.reimbursable_amount = 0.0

    @api.depends("old_part_ids.state")
    def _compute_old_part_count(self):
        counts = dict(
            self.env["after_sales.old.part"]._read_group(
                [("claim_id", "in", self.ids), ("state", "!=", "cancelled")],
                ["claim_id"],
                ["__count"],
            )
        )
        for claim in self:
            claim.old_part_count = counts.get(claim, 0)

    @api.depends(
        "line_ids.old_part_required",
        "line_ids.product_id",
        "line_ids.quantity",
        "old_part_ids.state",
        "old_part_ids.quantity",
        "old_part_ids.product_id",
        "old_part_ids.claim_line_id",
        "old_part_ids.date_received",
    )
    def _compute_old_parts(self):
        """The claim's old parts are its expected old part records (R21): missing while a
        required part line's quantity is not back, rejected when the appraiser rejected one."""
        for claim in self:
            required = claim.line_ids.filtered(lambda line: line._needs_old_part())
            missing = required.filtered(lambda line: not line._old_part_back())
            back = required._old_parts().filtered(lambda o: o.state in BACK_STATES)
            claim.old_parts_missing = bool(missing)
            claim.old_parts_rejected = any(o.state == "rejected" for o in back)
            dates = [claim._local_date(o.date_received) for o in back if o.date_received]
            claim.date_old_parts_back = max(dates) if dates and not missing else False

    @api.depends(
        "state",
        "is_covered",
        "reimbursable_amount",
        "old_parts_missing",
        "old_parts_rejected",
        "date_approved",
        "date_old_parts_back",
        "contract_id.claim_reimbursement",
    )
    def _compute_reimbursable(self):
        for claim in self._skip_kept(REIMBURSABLE_FIELDS, ("settled",)):
            note = claim._reimbursable_blocker()
            claim.is_reimbursable = not note
            claim.reimbursable_note = note or False
            if note:
                claim.date_reimbursable = False
            else:
                claim.date_reimbursable = max(
                    d for d in (claim.date_approved, claim.date_old_parts_back) if d
                )

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("revisit_date", "completion_time")
    def _check_revisit_date(self):
        """A repair is followed up after it was completed (R10): a return-visit date typed on
        the claim counts for the month's ratio as a visit's does. That it is not in the future
        is checked when it is typed (:meth:`_check_revisit_date_typed`); a visit's own date
        was held to its day."""
        for claim in self.filtered("revisit_date"):
            completed = claim._local_date(claim.completion_time) if claim.completion_time else None
            if not completed or claim.revisit_date < completed:
                raise claim._revisit_date_error(completed)

    @api.constrains("dealer_id", "card_id")
    def _check_dealer_of_card(self):
        """Issue 10.7: a claim's dealer is the card's dealer or one of its sub-dealers."""
        for claim in self.filtered("card_id"):
            card_dealer = claim.card_id.dealer_id.commercial_partner_id
            if card_dealer not in claim.dealer_id._after_sales_dealer_chain():
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: dealer %(dealer)s neither sold the unit of warranty "
                        "card %(card)s nor is a sub-dealer of its dealer %(card_dealer)s.",
                        claim=claim.display_name,
                        dealer=claim.dealer_id.display_name,
                        card=claim.card_id.display_name,
                        card_dealer=claim.card_id.dealer_id.display_name,
                    )
                )

    @api.constrains("contract_id", "dealer_id", "company_id", "call_time")
    def _check_contract(self):
        """The claim's contract is the one serving its dealer on the call date."""
        self._check_contract_serves_dealer()

    @api.constrains("call_time", "arranged_time", "arrival_time", "completion_time")
    def _check_service_times(self):
        """R9, R19: the service follows the call. A visit is arranged, the technician arrives and
        the repair is completed no earlier than the customer called, and the repair is completed
        no earlier than the technician arrived: out of order, the response deadlines (counted
        from the call, tools/sla.py) would look met. Arranged and arrival times are not
        compared: each has its own deadline from the call, and an arrangement recorded after
        the arrival only makes the arrangement later, never a deadline met. Times compare as
        stored (UTC) and read in the message in the company's time zone."""
        for claim in self:
            call, arranged = claim.call_time, claim.arranged_time
            arrival, completion = claim.arrival_time, claim.completion_time
            tz = claim._company_tz().zone

            def local(moment, tz=tz):
                return format_datetime(self.env, moment, tz=tz, dt_format="medium")

            if call and arranged and arranged < call:
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the visit is recorded as arranged at %(arranged)s, "
                        "before the customer called at %(call)s. Correct the arranged time or "
                        "the call time.",
                        claim=claim.display_name,
                        arranged=local(arranged),
                        call=local(call),
                    )
                )
            if call and arrival and arrival < call:
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the technician is recorded as arriving on site at "
                        "%(arrival)s, before the customer called at %(call)s. Correct the arrival "
                        "time or the call time.",
                        claim=claim.display_name,
                        arrival=local(arrival),
                        call=local(call),
                    )
                )
            if call and completion and completion < call:
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the repair is recorded as completed at %(completion)s, "
                        "before the customer called at %(call)s. Correct the completion time or "
                        "the call time.",
                        claim=claim.display_name,
                        completion=local(completion),
                        call=local(call),
                    )
                )
            if arrival and completion and completion < arrival:
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the repair is recorded as completed at %(completion)s, "
                        "before the technician arrived on site at %(arrival)s. Correct the "
                        "completion time or the arrival time.",
                        claim=claim.display_name,
                        completion=local(completion),
                        arrival=local(arrival),
                    )
                )

    @api.constrains(*PAST_TIMES)
    def _check_service_times_past(self):
        """R19: the call, the arrival and the completion record what happened: none is later
        than now (with a few minutes of clock skew). A future time would file, cover and
        reimburse a service that has not taken place, and move its deadlines."""
        limit = fields.Datetime.now() + CLOCK_SKEW
        for claim in self:
            for fname in PAST_TIMES:
                moment = claim[fname]
                if not moment or moment <= limit:
                    continue
                tz = claim._company_tz().zone
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: %(field)s %(moment)s is in the future (it is now "
                        "%(now)s). Record the time it happened.",
                        claim=claim.display_name,
                        field=self._fields[fname]._description_string(self.env),
                        moment=format_datetime(self.env, moment, tz=tz, dt_format="medium"),
                        now=format_datetime(
                            self.env, fields.Datetime.now(), tz=tz, dt_format="medium"
                        ),
                    )
                )

    @api.constrains("delivery_date", "lot_id", "dealer_id", "company_id")
    def _check_delivery_date(self):
        """R3: a known delivery of the serial to the dealer is the claim's delivery date; a
        typed date that contradicts it would open or close the dead-on-arrival window."""
        known_dates = self._known_delivery_dates()
        for claim in self:
            known = known_dates.get(claim)
            if known and claim.delivery_date != known:
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: serial %(lot)s was delivered to dealer %(dealer)s on "
                        "%(known)s; %(field)s %(typed)s contradicts it. The date follows the "
                        "delivery and is typed only for a unit whose delivery is not in the "
                        "system.",
                        claim=claim.display_name,
                        lot=claim.lot_id.display_name,
                        dealer=claim.dealer_id.display_name,
                        known=format_date(self.env, known),
                        field=self._fields["delivery_date"]._description_string(self.env),
                        typed=format_date(self.env, claim.delivery_date)
                        if claim.delivery_date
                        else "-",
                    )
                )

    @api.constrains("service_plan_id", "customer_id", "company_id")
    def _check_service_plan(self):
        """R29: a request uses the service plan of its own customer, in its company."""
        for claim in self.filtered("service_plan_id"):
            plan = claim.service_plan_id
            if (
                plan.partner_id.commercial_partner_id != claim.customer_id.commercial_partner_id
                or plan.company_id != claim.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: service plan %(plan)s belongs to %(owner)s, not to the "
                        "claim's customer %(customer)s.",
                        claim=claim.display_name,
                        plan=plan.display_name,
                        owner=plan.partner_id.display_name,
                        customer=claim.customer_id.display_name or "-",
                    )
                )

    @api.constrains("replaced_line_id", "lot_id", "call_time")
    def _check_replaced_line(self):
        """R20: the replaced part named by a claim was fitted to the same unit by an earlier
        repair that counts (not rejected or cancelled) and was completed by the time of this
        call; otherwise the part's own warranty would cover the claim for nothing. Coverage
        checks the same again (:meth:`_replaced_part_warranty_end`), as the earlier claim can
        still be rejected or cancelled afterwards."""
        for claim in self.filtered("replaced_line_id"):
            line = claim.replaced_line_id
            earlier = line.claim_id
            part = line.product_id.display_name or line.name or ""
            if earlier == claim or earlier.lot_id != claim.lot_id:
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the replaced part %(part)s was not fitted to serial "
                        "%(lot)s by an earlier repair.",
                        claim=claim.display_name,
                        part=part,
                        lot=claim.lot_id.name or "",
                    )
                )
            if earlier.state in VOID_REPAIR_STATES:
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the replaced part %(part)s comes from claim "
                        "%(earlier)s, which is %(state)s: a part of a rejected or cancelled "
                        "claim carries no warranty of its own.",
                        claim=claim.display_name,
                        part=part,
                        earlier=earlier.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            earlier.state
                        ],
                    )
                )
            if not earlier.completion_time or earlier.completion_time > claim.call_time:
                tz = claim._company_tz().zone
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the replaced part %(part)s comes from claim "
                        "%(earlier)s, whose repair was not completed before this call at "
                        "%(call)s. Enter when that repair was completed, or choose the part of "
                        "an earlier repair.",
                        claim=claim.display_name,
                        part=part,
                        earlier=earlier.display_name,
                        call=format_datetime(self.env, claim.call_time, tz=tz, dt_format="medium"),
                    )
                )

    # ------------------------------------------------------------
    # ONCHANGE
    # ------------------------------------------------------------
    @api.onchange("card_id")
    def _onchange_card_id(self):
        if self.card_id and not self.dealer_id:
            self.dealer_id = self.card_id.dealer_id

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "draft") != "draft":
                self._check_state_write(vals)
        claims = super().create(vals_list)
        typed = [c for c, vals in zip(claims, vals_list, strict=True) if vals.get("revisit_date")]
        self.browse().union(*typed)._check_revisit_date_typed()
        claims.filtered("completion_time")._schedule_return_visits()
        return claims

    def write(self, vals):
        self._check_not_settled()
        if vals.get("state") in ("approved", "rejected") and not self.env.su:
            self._check_appraiser()
        self._check_state_write(vals)
        self._check_protected_write(vals, PROTECTED_FIELDS)
        self._check_not_approved(vals)
        if "service_plan_id" in vals and not self.env.su:
            self._check_plan_kept(vals["service_plan_id"])
        if vals.get("state") == "approved":
            # Approved claims keep their coverage and amounts (_skip_kept): finish pending
            # computations with the facts of the state they come from
            self.flush_recordset()
        if vals.get("state") == "settled":
            # Settled claims keep their values (_skip_kept): finish pending computations
            # with the state they were approved in, then settle them without computing again
            # what they keep (a quarter settles thousands of claims at once).
            self.flush_recordset()
            with self.env.protecting([self._fields[f] for f in SETTLED_KEPT_FIELDS], self):
                result = super().write(vals)
        else:
            result = super().write(vals)
        if vals.get("revisit_date"):
            self._check_revisit_date_typed()
        if {"call_time", "completion_time", "contract_id"} & set(vals):
            self.filtered(lambda c: c.state in OLD_PARTS_OWED_STATES)._sync_old_parts()
        if vals.get("completion_time"):
            self._schedule_return_visits()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled_or_approved(self):
        """Only draft or cancelled claims are deleted: a filed claim holds a service call, the
        visit of a service plan and the old parts it owes; it is cancelled first."""
        for claim in self:
            if claim.state not in ("draft", "cancel"):
                raise UserError(
                    self.env._(
                        "Claim %(claim)s is %(state)s and cannot be deleted; cancel it instead.",
                        claim=claim.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            claim.state
                        ],
                    )
                )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_submit(self):
        """The service desk (or the portal, for its dealer, under ``sudo()``) files draft
        claims with the technical department. Filing needs the dealer's contract to run today
        (DOMAIN §1). A request under a customer service plan uses one of its visits (R29)."""
        self._check_state("draft")
        self._check_group(
            GROUP_USER,
            self.env._("Only the after-sales service desk files claims."),
        )
        self._check_contract_running()
        for claim in self.filtered(lambda c: c.service_plan_id and not c.service_plan_visit_used):
            claim.service_plan_id.sudo()._consume_visit(claim._get_contract_date())
            claim.sudo().service_plan_visit_used = True
        self.sudo().write({"state": "submitted"})
        self._sync_old_parts()
        return True

    def action_approve(self):
        """The technical appraiser approves submitted claims (R19). A non-covered claim can be
        approved as a paid repair; it is never reimbursed (R20)."""
        self._check_appraiser()
        self._check_state("submitted")
        self.sudo().write(
            {
                "state": "approved",
                "date_approved": self._company_today(),
                "approver_id": self.env.uid,
            }
        )
        self._sync_old_parts()
        return True

    def action_reopen(self, reason):
        """The technical appraiser reopens approved claims (back to submitted) to correct what
        the approval rested on; the reason is required and posted in the chatter. A claim on a
        settlement stays as it is: cancel or refresh the settlement first."""
        self._check_appraiser()
        self._check_state("approved")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(
                self.env._(
                    "Claim %(claim)s: a reason is required to reopen an approved claim.",
                    claim=", ".join(self.mapped("display_name")),
                )
            )
        on_settlement = self.filtered("settlement_id")
        if on_settlement:
            raise UserError(
                self.env._(
                    "Claim %(claim)s is on settlement %(settlement)s and cannot be reopened.",
                    claim=on_settlement[0].display_name,
                    settlement=on_settlement[0].settlement_id.display_name,
                )
            )
        self.sudo().write({"state": "submitted", "date_approved": False, "approver_id": False})
        # what the approval kept is computed again from today's facts (_skip_kept)
        for fname in COVERAGE_FIELDS + AMOUNT_FIELDS:
            self.env.add_to_compute(self._fields[fname], self)
        self._sync_old_parts()
        for claim in self:
            claim.message_post(
                body=Markup("%s<br/>%s")
                % (self.env._("Approval reopened by the technical department:"), reason),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_reject(self, reason):
        """The technical appraiser rejects submitted claims; the reason is required."""
        self._check_appraiser()
        self._check_state("submitted")
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "Claim %(claim)s: a rejection reason is required.",
                    claim=", ".join(self.mapped("display_name")),
                )
            )
        self.sudo().write({"state": "rejected", "reject_reason": reason.strip()})
        self._sync_old_parts()
        return True

    def action_open_reopen_wizard(self):
        """Open the wizard that asks the appraiser why the approved claim is reopened."""
        self._check_appraiser()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reopen Claim"),
            "res_model": "after_sales.claim.reopen",
            "view_mode": "form",
            "target": "new",
            "context": {"default_claim_ids": self.ids},
        }

    def action_open_reject_wizard(self):
        """Open the wizard that asks the appraiser for the rejection reason."""
        self._check_appraiser()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Claim"),
            "res_model": "after_sales.claim.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_claim_ids": self.ids},
        }

    def action_complete(self):
        """The technician finished the repair (R10): record the completion time (now unless
        entered) and schedule the two return visits for the responsible user: the first 3-7
        days after the repair, the second within 7 days of the first. Called from the claim
        form; completing twice schedules nothing new. A completion time entered without this
        button (typed in the form, sent by the portal) plans the same visits, see
        :meth:`_schedule_return_visits`."""
        for claim in self:
            if claim.state in ("rejected", "settled", "cancel"):
                raise UserError(
                    self.env._(
                        "Claim %(claim)s is closed and cannot be completed.",
                        claim=claim.display_name,
                    )
                )
            if claim.onsite and not claim.arrival_time:
                raise UserError(
                    self.env._(
                        "Claim %(claim)s: enter when the technician arrived on site before "
                        "completing the repair.",
                        claim=claim.display_name,
                    )
                )
        self.filtered(lambda c: not c.completion_time).write(
            {"completion_time": fields.Datetime.now()}
        )
        self._schedule_return_visits()
        return True

    def action_view_attachments(self):
        """Smart button: the photos and files attached to the claim."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Photos"),
            "res_model": "ir.attachment",
            "view_mode": "kanban,list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def action_cancel(self):
        """Cancel claims that are not settled (service desk). A cancelled claim brought back to
        draft is submitted and approved again before it is reimbursed."""
        self._check_group(
            GROUP_USER, self.env._("Only the after-sales service desk cancels claims.")
        )
        self._check_state("draft", "submitted", "approved", "rejected")
        on_settlement = self.filtered("settlement_id")
        if on_settlement:
            raise UserError(
                self.env._(
                    "Claim %(claim)s is on settlement %(settlement)s and cannot be cancelled.",
                    claim=on_settlement[0].display_name,
                    settlement=on_settlement[0].settlement_id.display_name,
                )
            )
        used = self.filtered("service_plan_visit_used")
        for claim in used:
            claim.service_plan_id.sudo()._release_visit()
        used.sudo().write({"service_plan_visit_used": False})
        self.sudo().write({"state": "cancel"})
        self._sync_old_parts()
        return True

    def action_create_return(self):
        """Open a draft return pre-filled from this dead-on-arrival or quality-defect claim
        (R3/R4: exchange or return after the technical department's confirmation)."""
        return self.env["after_sales.return"].action_create_from_claims(self)

    def action_draft(self):
        """Bring rejected or cancelled claims back to draft for correction (service desk)."""
        self._check_group(
            GROUP_USER, self.env._("Only the after-sales service desk corrects claims.")
        )
        self._check_state("rejected", "cancel")
        self.sudo().write({"state": "draft", "reject_reason": False})
        self._sync_old_parts()
        return True

    def action_view_old_parts(self):
        """Smart button: the old parts this claim owes back."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_old_part_action"
        )
        action["domain"] = [("claim_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _write_settlement_columns(self, vals_list):
        """Write ``vals_list`` (one dict of ``state`` and/or ``settlement_id`` per claim, all
        with the same keys, as Odoo's ``_write_multi`` takes them) in one SQL ``UPDATE``.
        Called under ``sudo()`` by the quarterly settlement when it links, releases, settles
        or unsettles the thousands of claims of a quarter: Odoo's write flushes them in
        statements of 100 rows, the only queries of a settlement that grew with the claims per
        dealer. As Odoo does for its own mass updates (the partners' ranks), pending
        computations are flushed first, the cache is invalidated and the fields depending on
        these are notified before and after; what a settled claim keeps is not computed again
        (see :meth:`write`). Nothing is tracked: the caller logs the change."""
        if not self:
            return
        assert self.env.su, "settlement columns are written by the settlement, under sudo()"
        assert len(vals_list) == len(self) == len(set(self._ids))
        fnames = sorted(vals_list[0])
        assert set(fnames) <= {"state", "settlement_id"}, fnames
        self.flush_recordset()
        settling = any(vals.get("state") == "settled" for vals in vals_list)
        kept = [self._fields[f] for f in SETTLED_KEPT_FIELDS] if settling else []
        with self.env.protecting(kept, self):
            # as Odoo's write: the records depending on the former link are found first
            self.modified([f for f in fnames if self._fields[f].relational], before=True)
            self.env.execute_query(self._prepare_settlement_columns_update(fnames, vals_list))
            self.invalidate_recordset([*fnames, "write_uid", "write_date"])
            if "settlement_id" in fnames:
                self.env["after_sales.settlement"].invalidate_model(["claim_ids"])
            self.modified(fnames)
        self._validate_fields(fnames)

    def _prepare_settlement_columns_update(self, fnames, vals_list):
        """The ``UPDATE`` of :meth:`_write_settlement_columns`. The claims' ids travel as one
        array literal and, when every claim gets the same values (settling, unsettling), the
        values once; else the rows travel as one JSON document. Sent as Python lists, the
        thirty thousand values of a quarter were quoted one by one, which cost more than the
        update."""
        ids = "{" + ",".join(str(int(claim_id)) for claim_id in self._ids) + "}"
        converted = [
            {f: self._fields[f].convert_to_column(vals[f], self) for f in fnames}
            for vals in vals_list
        ]
        common = dict(
            table=SQL.identifier(self._table),
            uid=self.env.uid,
            now=self.env.cr.now(),
        )
        if all(vals == converted[0] for vals in converted):
            return SQL(
                """UPDATE %(table)s SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
                    WHERE id = ANY(%(ids)s::int4[])""",
                assignments=SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(f), converted[0][f]) for f in fnames
                ),
                ids=ids,
                **common,
            )
        return SQL(
            """UPDATE %(table)s AS claim SET %(assignments)s,
                      write_uid = %(uid)s, write_date = %(now)s
                 FROM %(rows)s
                WHERE claim.id = new.id""",
            assignments=SQL(", ").join(
                SQL("%s = new.%s", SQL.identifier(f), SQL.identifier(f)) for f in fnames
            ),
            rows=json_recordset(
                self,
                ["id", *fnames],
                [
                    dict(vals, id=claim_id)
                    for claim_id, vals in zip(self._ids, converted, strict=True)
                ],
                alias="new",
            ),
            **common,
        )

    def _write_settlement_state(self, state, other_vals=None):
        """Settle or unsettle these claims (``state`` ``settled`` or ``approved``, with
        ``other_vals`` written together, such as the settlement link): called under ``sudo()``
        by the quarterly settlement when it posts or is cancelled, for thousands of claims at
        once. The change is logged on each claim's chatter as Odoo's tracking logs it (Status:
        Approved → Settled), but with Odoo's batch log (``_message_log_batch``) and one create
        of the tracking values, instead of a message per claim when the transaction commits."""
        vals = dict(other_vals or {}, state=state)
        # the state the checks and the log read, for all the claims in one query (a record's
        # prefetch would read every field of a thousand claims at a time)
        self.fetch(["state"])
        if self.env.context.get("tracking_disable") or self.env.context.get("mail_notrack"):
            self._write_settlement_columns([vals] * len(self))
            return
        # claims already changed in this transaction keep Odoo's own tracking, which logs all
        # their changes at commit in one message
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        tracked = self.filtered(lambda claim: claim.id in pending)
        tracked.write(vals)
        batch = self - tracked
        before = batch.grouped("state")
        batch._write_settlement_columns([vals] * len(batch))
        col_info = self.fields_get(["state"], attributes=("string", "type", "selection"))["state"]
        Tracking = self.env["mail.tracking.value"].sudo()
        tracking_of = {}
        for old_state, claims in before.items():
            if old_state != state:
                tracking = Tracking._create_tracking_values(
                    old_state, state, "state", col_info, claims[:1]
                )
                tracking_of.update(dict.fromkeys(claims.ids, tracking))
        if not tracking_of:
            return
        messages = batch.browse(list(tracking_of))._message_log_batch(
            bodies=dict.fromkeys(tracking_of, "")
        )
        Tracking.create(
            [dict(tracking_of[message.res_id], mail_message_id=message.id) for message in messages]
        )

    @api.model
    def _portal_file(self, dealer, card, values):
        """File the claim a dealer sends from the portal for ``card``. The portal controller
        checks that ``dealer`` is the logged-in dealer or one of its sub-dealers and that it may
        see ``card``, then calls this under ``sudo()``. Only the dealer's report of the service
        is read from ``values`` (times, on-site and zone, symptom, cause, solution, result,
        technician); the claim is created and submitted to the technical department, with the
        desk's refusals (the card's dealer, a running contract...)."""
        vals = {key: values[key] for key in PORTAL_FIELDS if key in values}
        vals.update(dealer_id=dealer.id, card_id=card.id, company_id=card.company_id.id)
        claim = self.with_company(card.company_id).create(vals)
        claim.action_submit()
        return claim

    def _known_delivery_dates(self):
        """{claim: the day its dealer received its serial, where the company works}, from the
        serial's first done delivery (``after_sales.return._lot_delivery_dates``, the one
        lookup of returns and claims); claims whose delivery is not known are left out. One
        lookup per dealer and company, not per claim (an import or a portal batch creates
        many claims at once)."""
        Return = self.env["after_sales.return"]
        known = {}
        with_lot = self.filtered("lot_id")
        for (dealer, company), claims in with_lot.grouped(
            lambda c: (c.dealer_id, c.company_id)
        ).items():
            dates = Return._lot_delivery_dates(dealer, company, claims.lot_id._origin)
            for claim in claims:
                day = dates.get(claim.lot_id._origin)
                if day:
                    known[claim] = day
        return known

    def _get_contract_date(self):
        """The call date, in the company's time zone: the contract that served the dealer on
        that day applies, even after it expired."""
        self.ensure_one()
        return self._local_date(self.call_time) or self._company_today()

    def _coverage_facts(self):
        """Coverage is decided for the call date (company time zone): the contract as it was
        that day, the card, the warranty end, a replaced part's own warranty. The warranty's
        length and its dead-on-arrival and quality windows are those the unit was sold under:
        the terms of its card's contract (the card shows that warranty end), else of the
        claim's."""
        self.ensure_one()
        card = self.card_id
        contract = self.contract_id
        terms = card.contract_id or contract
        call_date = self._get_contract_date()
        contract_state = None
        if contract:
            contract_state = (
                "running"
                if coverage.contract_in_force(
                    call_date,
                    contract.state,
                    contract.date_start,
                    contract.date_end,
                    contract.termination_date,
                )
                else (contract.state if contract.state != "running" else "not_in_force")
            )
        return coverage.Facts(
            call_date=call_date,
            sale_date=card.sale_date or None,
            delivery_date=self.delivery_date or None,
            card_state=card.state or None,
            card_falsified=card.falsified,
            cause_category=self.cause_category or None,
            contract_state=contract_state,
            part_warranty_end=self._replaced_part_warranty_end(),
            part_fitted_date=self._local_date(self.replaced_line_id.claim_id.completion_time)
            or None,
            warranty_months=terms.warranty_months if terms else 12,
            doa_days=terms.doa_days if terms else 7,
            quality_days=terms.quality_days if terms else 15,
            extra_warranty_days=self._repair_days_before(),
        )

    def _repair_days_before(self):
        """The days the unit spent under repair before this call, from each earlier repair's
        call to its completion (company-local days): the three-guarantee period does not run
        while the unit is repaired or waits for parts (三包规定 第八条; a 15-day repair moves
        the end 15 days). Repairs the customer caused, rejected claims and claims cancelled
        as entered by mistake do not count."""
        self.ensure_one()
        if not self.call_time:
            return 0
        earlier = self.card_id.claim_ids.filtered(
            lambda c: (
                c._origin != self._origin
                and c.state not in VOID_REPAIR_STATES
                and c.cause_category != "customer_misuse"
                and c.call_time
                and c.completion_time
                and c.completion_time <= self.call_time
            )
        )
        return sum(
            max((self._local_date(c.completion_time) - self._local_date(c.call_time)).days, 0)
            for c in earlier
        )

    def _replaced_part_warranty_end(self):
        """The own warranty end of the replaced part this claim names (R20), or None when it
        gives none: the part counts only when an earlier repair of this unit actually fitted
        it, i.e. its claim was not rejected or cancelled (as for the days under repair, see
        :meth:`_repair_days_before`) and was completed no later than this call. A part of a
        repair completed after the call was not in the unit when it failed."""
        self.ensure_one()
        line = self.replaced_line_id
        earlier = line.claim_id
        if (
            not line.part_warranty_end
            or earlier._origin == self._origin
            or earlier.state in VOID_REPAIR_STATES
            or not earlier.completion_time
            or not self.call_time
            or earlier.completion_time > self.call_time
        ):
            return None
        return line.part_warranty_end

    def _reimbursable_blocker(self):
        """Why the claim cannot be reimbursed now, in the user's language; empty when it can."""
        self.ensure_one()
        if self.state not in ("approved", "settled"):
            return self.env._("Not approved")
        if not self.is_covered:
            return dict(self._fields["coverage_reason"]._description_selection(self.env)).get(
                self.coverage_reason
            )
        if self.contract_id.claim_reimbursement == "none":
            return self.env._("The contract does not reimburse claims")
        if self.old_parts_missing:
            lines = self.line_ids.filtered(
                lambda line: line._needs_old_part() and not line._old_part_back()
            )
            return self.env._(
                "Old parts not returned (不予核销): %(parts)s",
                parts=", ".join(lines.mapped(lambda line: line.product_id.display_name or "")),
            )
        if self.old_parts_rejected:
            return self.env._("A returned old part was rejected by the technical department")
        if not self.reimbursable_amount:
            return self.env._("Nothing to reimburse")
        return ""

    def _sync_old_parts(self):
        """Keep the claims' expected old parts (``after_sales.old.part``) in line with their
        trade-in part lines (R21). A submitted or approved claim owes one old part per trade-in
        part line, due by its contract's return rule from the repair date (N days, or the
        half-year end); a line corrected after submission or after the appraiser reopened the
        claim has its expected old part replaced. A claim back in draft, rejected or cancelled
        owes nothing: its old parts still expected are cancelled with their receipt lines.
        Called by the claim's workflow actions and by changes of its lines."""
        OldPart = self.env["after_sales.old.part"].sudo()
        claims = self.sudo()
        live = claims.old_part_ids.filtered(lambda o: o.state != "cancelled")
        to_cancel = OldPart.browse()
        vals_list = []
        for claim in claims:
            mine = live.filtered(lambda o, c=claim: o.claim_id == c)
            expected = mine.filtered(lambda o: o.state == "expected")
            contract = claim.contract_id
            if claim.state not in OLD_PARTS_OWED_STATES or not contract:
                to_cancel |= expected
                continue
            lines = claim.line_ids.filtered(lambda line: line._needs_old_part())
            to_cancel |= expected.filtered(
                lambda o, ls=lines: (
                    o.claim_line_id not in ls or o.product_id != o.claim_line_id.product_id
                )
            )
            repair_date = claim._repair_date()
            date_due = parts.old_part_due_date(
                repair_date, contract.old_part_return_mode, contract.old_part_return_days
            )
            for line in lines:
                line_parts = mine.filtered(
                    lambda o, ln=line: o.claim_line_id == ln and o.product_id == ln.product_id
                )
                uom = line.product_id.uom_id
                owed = line.quantity - sum(line_parts.mapped("quantity"))
                if uom.compare(owed, 0.0) != 0:
                    # the line's quantity was corrected: what is still expected is owed anew,
                    # in one old part, beside what came back or was charged
                    to_cancel |= line_parts.filtered(lambda o: o.state == "expected")
                    kept = line_parts.filtered(lambda o: o.state != "expected")
                    owed = line.quantity - sum(kept.mapped("quantity"))
                    line_parts = kept
                line_parts.filtered(
                    lambda o, d=date_due: o.state == "expected" and o.date_due != d
                ).write({"date_issued": repair_date, "date_due": date_due})
                if uom.compare(owed, 0.0) > 0:
                    vals_list.append(
                        OldPart._prepare_old_part_vals(
                            contract,
                            line.product_id,
                            uom.round(owed),
                            repair_date,
                            company_id=claim.company_id.id,
                            claim_id=claim.id,
                            claim_line_id=line.id,
                        )
                    )
        to_cancel._action_cancel()
        if vals_list:
            OldPart._create_expected(vals_list)

    def _sync_owed_old_parts(self):
        """After a change of lines: resynchronise the old parts of the claims that owe them
        (a draft claim's lines owe nothing yet)."""
        claims = self.filtered(lambda c: c.state in OLD_PARTS_OWED_STATES)
        if claims:
            claims._sync_old_parts()

    def _sla_hours(self):
        """R9: the contract's ``(arrange_hours, response_hours)`` for this claim's zone."""
        self.ensure_one()
        contract = self.contract_id
        if self.service_plan_id:
            return contract.arrange_hours or 2, self.service_plan_id.response_hours
        if not contract:
            return 0, 0
        if self.zone == "suburban":
            return contract.arrange_hours, contract.response_hours_suburban
        return contract.arrange_hours, contract.response_hours_urban

    def _repair_date(self):
        """The day of the repair: completion, else the call (company-local dates)."""
        self.ensure_one()
        return self._local_date(self.completion_time or self.call_time) or self._company_today()

    def _check_contract_running(self):
        """DOMAIN §1: a claim is filed only while its dealer's contract runs (checked at
        submission, on the server)."""
        today = self._company_today()
        for claim in self:
            contract = claim.contract_id
            if (
                not contract
                or not coverage.contract_in_force(
                    today,
                    contract.state,
                    contract.date_start,
                    contract.date_end,
                    contract.termination_date,
                )
                or contract.state != "running"
            ):
                raise UserError(
                    self.env._(
                        "Claim %(claim)s: dealer %(dealer)s has no running service contract; "
                        "a claim is filed only while the contract runs.",
                        claim=claim.display_name,
                        dealer=claim.dealer_id.display_name,
                    )
                )

    def _check_plan_kept(self, plan_id):
        """R29: a request that used a visit keeps its plan, so that cancelling it gives the
        visit back to the plan it came from."""
        moved = self.filtered(
            lambda c: c.service_plan_visit_used and c.service_plan_id.id != (plan_id or False)
        )
        if moved:
            raise UserError(
                self.env._(
                    "Claim %(claim)s used a visit of service plan %(plan)s: its plan can no "
                    "longer change. Cancel the request to give the visit back.",
                    claim=moved[0].display_name,
                    plan=moved[0].service_plan_id.display_name,
                )
            )

    def _check_not_approved(self, vals):
        """Issue 10.3: an approved claim is frozen (lines, card, dealer, contract, what
        coverage rests on) for every user; the appraiser reopens it with a reason first."""
        frozen = [name for name in vals if name in FROZEN_WHEN_APPROVED]
        if not frozen or self.env.su:
            return
        approved = self.filtered(lambda c: c.state == "approved")
        if approved:
            raise UserError(
                self.env._(
                    "Claim %(claim)s is approved: %(fields)s can no longer be changed. The "
                    "technical department reopens it, with a reason, to correct it.",
                    claim=approved[0].display_name,
                    fields=", ".join(self._fields[f]._description_string(self.env) for f in frozen),
                )
            )

    @api.model
    def _cron_check_sla(self):
        """Hourly (R9): refresh the overdue flag of open claims and give each overdue claim one
        "SLA overdue" activity for its responsible user (none twice)."""
        open_claims = self.search(
            [
                ("state", "in", ("draft", "submitted")),
                ("contract_id", "!=", False),
                "|",
                ("arranged_time", "=", False),
                "&",
                ("onsite", "=", True),
                ("arrival_time", "=", False),
            ]
        )
        self.env.add_to_compute(self._fields["is_sla_overdue"], open_claims)
        open_claims.flush_recordset(["is_sla_overdue"])
        overdue = self.search(
            [("is_sla_overdue", "=", True), ("state", "in", ("draft", "submitted"))]
        )
        activity_type = self.env.ref("after_sales_service.mail_activity_type_sla_overdue")
        already = set(
            self.env["mail.activity"]
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", overdue.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .mapped("res_id")
        )
        for claim in overdue.filtered(lambda c: c.id not in already):
            today = claim._company_today()
            responsible = claim.user_id or claim.contract_id.user_id or self.env.user
            # written for the responsible: in its language, the deadlines in the company's time
            # zone (not UTC, not the time zone of whoever runs the cron)
            lang_env = claim.with_context(lang=responsible.lang or self.env.lang).env
            tz = claim._company_tz().zone

            def local(moment, lang_env=lang_env, tz=tz):
                return (
                    format_datetime(lang_env, moment, tz=tz, dt_format="short") if moment else "-"
                )

            claim.activity_schedule(
                "after_sales_service.mail_activity_type_sla_overdue",
                date_deadline=today,
                note=lang_env._(
                    "Claim %(claim)s missed its service deadline (arrange by %(arrange)s, "
                    "on site by %(arrival)s).",
                    claim=claim.display_name,
                    arrange=local(claim.arrange_deadline),
                    arrival=local(claim.arrival_deadline),
                ),
                user_id=responsible.id,
            )
        return True

    def _schedule_return_visits(self):
        """R10: plan the two return visits of these completed repairs (the first 3-7 days
        after the repair date, company time zone; the second within 7 days of the first), with
        their activities for the responsible user. Called whenever a completion time is set:
        by :meth:`action_complete`, and by ``create`` and ``write`` (the completion time typed
        in the form, sent by the portal or over JSON-RPC), so that every repair gets its
        visits. Once per claim: a claim with visits or a return-visit activity gets nothing
        new; closed claims (rejected, settled, cancelled) and repairs not completed get none."""
        claims = self.filtered(
            lambda c: c.completion_time and c.state not in ("rejected", "settled", "cancel")
        )
        if not claims:
            return
        activity_type = self.env.ref("after_sales_service.mail_activity_type_return_visit")
        already = set(
            self.env["mail.activity"]
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", claims.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .mapped("res_id")
        )
        visits = []
        for claim in claims.filtered(lambda c: c.id not in already and not c.visit_ids):
            first_from, first_due, second_due = sla.return_visit_dates(claim._repair_date())
            user = claim._return_visit_user()
            # written for the responsible, in its language, whoever completes the repair
            lang_env = claim.with_context(lang=user.lang or self.env.lang).env
            first = claim.activity_schedule(
                "after_sales_service.mail_activity_type_return_visit",
                date_deadline=first_due,
                summary=lang_env._("First return visit"),
                note=lang_env._(
                    "Call the customer between %(start)s and %(end)s: is the repair holding, "
                    "how satisfied are they (1-5)?",
                    start=format_date(lang_env, first_from),
                    end=format_date(lang_env, first_due),
                ),
                user_id=user.id,
            )
            second = claim.activity_schedule(
                "after_sales_service.mail_activity_type_return_visit",
                date_deadline=second_due,
                summary=lang_env._("Second return visit"),
                note=lang_env._("Second follow-up, within 7 days of the first."),
                user_id=user.id,
            )
            visits += [
                {
                    "claim_id": claim.id,
                    "sequence": 1,
                    "date_planned": first_due,
                    "activity_id": first.id,
                    "user_id": False,
                },
                {
                    "claim_id": claim.id,
                    "sequence": 2,
                    "date_planned": second_due,
                    "activity_id": second.id,
                    "user_id": False,
                },
            ]
        self.env["after_sales.claim.visit"].sudo().create(visits)

    def _return_visit_user(self):
        """Who makes the return visits: the claim's responsible, else its contract's, else the
        current user; never a dealer's portal user nor the superuser the portal reads records
        with (a claim completed on the portal without a responsible goes to the
        administrator)."""
        self.ensure_one()
        user = self.user_id or self.contract_id.user_id or self.env.user
        if user.share or user._is_superuser():
            user = self.env.ref("base.user_admin", raise_if_not_found=False) or user
        return user

    def _check_revisit_date_typed(self):
        """A return-visit date typed on the claim (create, write) is not in the future (R10):
        nobody called the customer yet."""
        for claim in self.filtered("revisit_date"):
            if claim.revisit_date > claim._company_today():
                completed = claim.completion_time and claim._local_date(claim.completion_time)
                raise claim._revisit_date_error(completed)

    def _revisit_date_error(self, completed):
        """The refusal of this claim's return-visit date: before the repair, or in the future."""
        return ValidationError(
            self.env._(
                "Claim %(claim)s: a return visit on %(date)s must fall between the repair's "
                "completion (%(completed)s) and today.",
                claim=self.display_name,
                date=self.revisit_date,
                completed=completed or self.env._("not completed"),
            )
        )

    def _skip_kept(self, fnames, states):
        """The claims in ``states`` keep the stored values of ``fnames``, even when their card,
        their unit's other claims or their contract's terms change later: an approved claim
        what the technical department approved (issue 10.3), a settled one what it was settled
        with (R16). Computes call this; the other claims are returned to be computed."""
        kept = self.filtered(lambda c: c.state in states and c._origin)
        for claim in kept:
            for fname in fnames:
                claim[fname] = claim._origin[fname]
        return self - kept

    def _check_not_settled(self):
        """Nobody edits a settled claim (R16); only the settlement itself, under ``sudo()``, may
        write on it (to link or unlink it). No context key opens it."""
        settled = self.filtered(lambda c: c.state == "settled")
        if settled and not self.env.su:
            raise UserError(
                self.env._(
                    "Claim %(claim)s is settled and can no longer be changed.",
                    claim=settled[0].display_name,
                )
            )

    def _after_sales_system_fields(self):
        return PROTECTED_FIELDS

    def _check_appraiser(self):
        self._check_group(
            GROUP_APPRAISER,
            self.env._("Only the technical department (appraisers) approves or rejects claims."),
        )


class AfterSalesClaimLine(models.Model):
    """A part, labour or freight line of a claim, priced at the contract's repair price list.
    Part lines under a trade-in rule (R24) expect the old part back (R21)."""

    _name = "after_sales.claim.line"
    _description = "Warranty Claim Line"
    _inherit = ["after_sales.computed.guard.mixin"]
    _order = "claim_id, sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    sequence = fields.Integer(default=10)
    claim_id = fields.Many2one("after_sales.claim", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="claim_id.company_id", store=True)
    currency_id = fields.Many2one(related="claim_id.currency_id")
    line_type = fields.Selection(
        [("part", "Part"), ("labour", "Labour"), ("freight", "Freight")],
        string="Type",
        required=True,
        default="part",
    )
    product_id = fields.Many2one("product.product", check_company=True)
    name = fields.Char(string="Description")
    quantity = fields.Float(default=1.0, digits="Product Unit")
    price_unit = fields.Monetary(
        string="Unit Price", compute="_compute_price_unit", store=True, readonly=False
    )
    subtotal = fields.Monetary(compute="_compute_subtotal", store=True)
    old_lot_name = fields.Char(string="Old Serial")
    new_lot_name = fields.Char(string="New Serial")
    # R21/R24: the contract's parts rule decides, never the user (read-only, so the computed
    # fields guard refuses it in create and write): unticked, a trade-in part would be
    # reimbursed without its old part.
    old_part_required = fields.Boolean(
        compute="_compute_old_part_required",
        store=True,
        help="A part under a trade-in rule must come back.",
    )
    old_part_ids = fields.One2many(
        "after_sales.old.part", "claim_line_id", string="Old Parts", readonly=True
    )
    old_part_due_date = fields.Date(
        string="Old Part Due",
        compute="_compute_old_part_status",
        compute_sudo=True,
        help="When the old part is due back: its expected old part's due date once the claim is "
        "submitted; before, the repair date plus the contract's return days, or the end of the "
        "half-year when old parts come back twice a year.",
    )
    old_part_state = fields.Selection(
        [
            ("expected", "Expected"),
            ("charged", "Charged at Cost"),
            ("back", "Back"),
            ("rejected", "Rejected"),
        ],
        string="Old Part Status",
        compute="_compute_old_part_status",
        compute_sudo=True,
        help="Where the old part of this line is: expected back, charged at cost because it "
        "did not come back, back with the manufacturer, or rejected by the appraiser.",
    )
    part_warranty_end = fields.Date(
        compute="_compute_part_warranty_end",
        store=True,
        help="A part replaced under warranty is itself warranted for the contract's replaced part "
        "period from the repair.",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("product_id", "quantity", "claim_id.contract_id.repair_pricelist_id")
    def _compute_price_unit(self):
        """The price list's price for the line's quantity (its quantity breaks too), in the
        claim's currency. An approved or settled claim keeps the prices it was approved with,
        whatever its contract's price list becomes (issue 10.3, R16)."""
        for line in self:
            if line.claim_id.state in DECIDED_STATES and line._origin:
                line.price_unit = line._origin.price_unit
                continue
            company = line.claim_id.company_id or self.env.company
            contract = line.claim_id.contract_id
            product = line.product_id.with_company(company)
            if not product:
                line.price_unit = line.price_unit or 0.0
            elif contract:
                # in the claim's currency (the contract's), whatever the price list's
                line.price_unit = contract._pricelist_price(
                    contract.repair_pricelist_id,
                    product,
                    line.quantity or 1,
                    date=line.claim_id._repair_date(),
                )
            else:
                line.price_unit = product.lst_price

    @api.depends("quantity", "price_unit")
    def _compute_subtotal(self):
        for line in self:
            line.subtotal = line.claim_id.currency_id.round(line.quantity * line.price_unit)

    @api.depends("product_id", "line_type", "claim_id.contract_id.part_rule_ids.policy")
    def _compute_old_part_required(self):
        for line in self:
            contract = line.claim_id.contract_id
            line.old_part_required = bool(
                line.line_type == "part"
                and line.product_id
                and contract
                and contract._get_part_policy(line.product_id).policy == "trade_in"
            )

    @api.depends(
        "old_part_required",
        "quantity",
        "product_id",
        "old_part_ids.state",
        "old_part_ids.date_due",
        "claim_id.call_time",
        "claim_id.completion_time",
        "claim_id.contract_id.old_part_return_mode",
        "claim_id.contract_id.old_part_return_days",
    )
    def _compute_old_part_status(self):
        """Display of the line's old part, read from its old part records (computed as
        superuser: a sub-dealer sees the state of the part its repair replaced, under its
        parent dealer's contract)."""
        for line in self:
            contract = line.claim_id.contract_id
            if not line._needs_old_part() or not contract:
                line.old_part_due_date = False
                line.old_part_state = False
                continue
            old_parts = line._old_parts()
            if old_parts:
                line.old_part_due_date = min(old_parts.mapped("date_due"))
            else:
                line.old_part_due_date = parts.old_part_due_date(
                    line.claim_id._repair_date(),
                    contract.old_part_return_mode,
                    contract.old_part_return_days,
                )
            if any(o.state == "rejected" for o in old_parts):
                line.old_part_state = "rejected"
            elif line._old_part_back():
                line.old_part_state = "back"
            elif any(o.state == "charged" for o in old_parts):
                line.old_part_state = "charged"
            else:
                line.old_part_state = "expected" if old_parts else False

    @api.depends(
        "line_type",
        "claim_id.state",
        "claim_id.is_covered",
        "claim_id.completion_time",
        "claim_id.contract_id.part_warranty_months",
    )
    def _compute_part_warranty_end(self):
        """R20: a part fitted by a covered repair is warranted for the contract's replaced part
        months from the day the repair was completed (company time zone). A repair not yet
        completed fitted nothing yet, and a rejected or cancelled claim fitted nothing under
        warranty: their parts have no warranty of their own."""
        for line in self:
            claim = line.claim_id
            if (
                line.line_type != "part"
                or not claim.is_covered
                or not claim.contract_id
                or not claim.completion_time
                or claim.state in VOID_REPAIR_STATES
            ):
                line.part_warranty_end = False
                continue
            line.part_warranty_end = coverage.warranty_end(
                claim._local_date(claim.completion_time), claim.contract_id.part_warranty_months
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        claims = self.env["after_sales.claim"].browse(
            {vals["claim_id"] for vals in vals_list if vals.get("claim_id")}
        )
        claims._check_not_settled()
        claims._check_not_approved({"line_ids": True})
        for vals in vals_list:
            check_protected_write(self, vals, LINE_PROTECTED_FIELDS)
            self._check_dealer_priced(vals)
        lines = super().create(vals_list)
        lines.claim_id._sync_owed_old_parts()
        return lines

    def write(self, vals):
        self.claim_id._check_not_settled()
        if set(vals) & set(FROZEN_LINE_FIELDS):
            self.claim_id._check_not_approved({"line_ids": True})
            if "claim_id" in vals:
                self.env["after_sales.claim"].browse(vals["claim_id"])._check_not_approved(
                    {"line_ids": True}
                )
        check_protected_write(self, vals, LINE_PROTECTED_FIELDS)
        if {"line_type", "product_id", "price_unit"} & set(vals):
            for line in self:
                line._check_dealer_priced(vals)
        claims = self.claim_id
        result = super().write(vals)
        if set(vals) & set(FROZEN_LINE_FIELDS):
            (claims | self.claim_id)._sync_owed_old_parts()
        return result

    def unlink(self):
        claims = self.claim_id
        result = super().unlink()
        claims.exists()._sync_owed_old_parts()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        self.claim_id._check_not_settled()
        self.claim_id._check_not_approved({"line_ids": True})

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _check_dealer_priced(self, vals):
        """R15, R21: a dealer (a portal user, also when the portal writes for it under
        ``sudo()``) prices freight only. Its part and labour lines name a product and are
        priced at the contract's repair price list: at a price of its own, a part line would
        be reimbursed at any amount and, without a product, owe no old part. ``self`` is the
        line written (empty in ``create``); ``vals`` what is written."""
        if not self.env.user.share:
            return
        line_type = vals.get("line_type") or self.line_type or "part"
        if line_type == "freight":
            return
        product = vals.get("product_id", self.product_id.id)
        if product and "price_unit" not in vals:
            return
        claim = self.claim_id or self.env["after_sales.claim"].browse(vals.get("claim_id"))
        raise UserError(
            self.env._(
                "Claim %(claim)s, line %(line)s: a dealer enters the price of freight only. "
                "Choose the part or the labour from the product list: it is priced at the "
                "contract's price list.",
                claim=claim.sudo().display_name or "-",
                line=vals.get("name") or self.name or "-",
            )
        )

    def _needs_old_part(self):
        """A part line under a trade-in rule with something replaced owes its old part."""
        self.ensure_one()
        return bool(self.old_part_required and self.product_id and self.quantity > 0)

    def _old_parts(self):
        """The line's old part records that count: of its part, not cancelled."""
        return self.old_part_ids.filtered(
            lambda o: o.state != "cancelled" and o.product_id == o.claim_line_id.product_id
        )

    def _old_part_back(self):
        """The line's whole quantity came back (received, then appraised or not)."""
        self.ensure_one()
        back = self._old_parts().filtered(lambda o: o.state in BACK_STATES)
        uom = self.product_id.uom_id
        return uom.compare(sum(back.mapped("quantity")), self.quantity) >= 0

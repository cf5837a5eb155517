from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import coverage

CAUSE_CATEGORIES = [
    ("product_defect", "Product Defect"),
    ("customer_misuse", "Customer Misuse"),
    ("transport", "Transport Damage"),
    ("wear", "Normal Wear"),
    ("other", "Other"),
]

COVERAGE_REASONS = [
    (coverage.COVERED, "Covered by the three-guarantee warranty"),
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


class AfterSalesClaim(models.Model):
    """A three-guarantee claim / service order (三包维修记录, DOMAIN.md R19-R22): one repair of a
    registered unit by a dealer. Coverage is computed from the card, the contract and the cause
    (tools/coverage.py); the technical department approves or rejects; approved, covered claims
    whose old parts are back are reimbursed by the quarterly settlement."""

    _name = "after_sales.claim"
    _description = "Warranty Claim"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "call_time desc, id desc"
    _check_company_auto = True

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
    )
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    date_approved = fields.Date(string="Approved On", readonly=True, copy=False)
    approver_id = fields.Many2one("res.users", string="Appraised By", readonly=True, copy=False)

    # ------------------------------------------------------------
    # FIELDS: dealer, card, product
    # ------------------------------------------------------------
    dealer_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True, check_company=True
    )
    contract_id = fields.Many2one(
        "after_sales.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
        tracking=True,
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
    delivery_date = fields.Date(
        string="Delivered to Dealer",
        help="R3: when the dealer received the unit; a defect within the DOA window of this "
        "date is dead on arrival.",
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
    warranty_end = fields.Date(compute="_compute_coverage", store=True)

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
        help="Work not covered by the warranty, charged to the customer at the price list.",
    )
    old_parts_missing = fields.Boolean(
        compute="_compute_old_parts", store=True, help="R21: a required old part is not back yet."
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

    @api.depends("dealer_id", "company_id")
    def _compute_contract_id(self):
        Contract = self.env["after_sales.contract"]
        for claim in self:
            contract = Contract._get_running_contract(claim.dealer_id, claim.company_id)
            if not contract and claim.dealer_id.parent_id:
                contract = Contract._get_running_contract(
                    claim.dealer_id.parent_id, claim.company_id
                )
            claim.contract_id = contract or claim.contract_id

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

    @api.depends(
        "call_time",
        "delivery_date",
        "cause_category",
        "card_id.state",
        "card_id.sale_date",
        "card_id.falsified",
        "contract_id.state",
        "contract_id.warranty_months",
        "contract_id.doa_days",
        "contract_id.quality_days",
    )
    def _compute_coverage(self):
        for claim in self:
            decision = coverage.decide(claim._coverage_facts())
            claim.is_covered = decision.covered
            claim.coverage_reason = decision.reason
            claim.coverage_window = decision.window
            claim.warranty_end = decision.warranty_end

    @api.depends(
        "line_ids.subtotal",
        "is_covered",
        "onsite",
        "contract_id.claim_reimbursement",
        "contract_id.flat_claim_amount",
        "contract_id.flat_onsite_amount",
    )
    def _compute_amounts(self):
        for claim in self:
            total = sum(claim.line_ids.mapped("subtotal"))
            claim.amount_total = total
            contract = claim.contract_id
            if not claim.is_covered:
                claim.reimbursable_amount = 0.0
                claim.customer_amount = total
                continue
            claim.customer_amount = 0.0
            mode = contract.claim_reimbursement
            if mode == "actual":
                claim.reimbursable_amount = total
            elif mode == "flat":
                claim.reimbursable_amount = contract.flat_claim_amount + (
                    contract.flat_onsite_amount if claim.onsite else 0.0
                )
            else:
                claim.reimbursable_amount = 0.0

    @api.depends("line_ids.old_part_required", "line_ids.old_part_date_received")
    def _compute_old_parts(self):
        for claim in self:
            required = claim.line_ids.filtered("old_part_required")
            missing = required.filtered(lambda line: not line.old_part_date_received)
            claim.old_parts_missing = bool(missing)
            dates = required.mapped("old_part_date_received")
            claim.date_old_parts_back = max(dates) if dates and not missing else False

    @api.depends(
        "state",
        "is_covered",
        "reimbursable_amount",
        "old_parts_missing",
        "date_approved",
        "date_old_parts_back",
        "contract_id.claim_reimbursement",
    )
    def _compute_reimbursable(self):
        for claim in self:
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
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        new = self.env._("New")
        for vals in vals_list:
            if vals.get("name", new) == new:
                vals["name"] = self.env["ir.sequence"].next_by_code("after_sales.claim") or new
        return super().create(vals_list)

    def write(self, vals):
        settled = self.filtered(lambda c: c.state == "settled")
        if settled and not self.env.context.get("after_sales_settlement"):
            raise UserError(
                self.env._(
                    "Claim %(claim)s is settled and can no longer be changed.",
                    claim=settled[0].display_name,
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_submit(self):
        """The service desk submits a draft claim to the technical department."""
        self._check_state("draft")
        self.write({"state": "submitted"})
        return True

    def action_approve(self):
        """The technical appraiser approves submitted claims (R19). A non-covered claim can be
        approved as a paid repair; it is never reimbursed (R20)."""
        self._check_appraiser()
        self._check_state("submitted")
        self.write(
            {
                "state": "approved",
                "date_approved": fields.Date.context_today(self),
                "approver_id": self.env.uid,
            }
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
        self.write({"state": "rejected", "reject_reason": reason.strip()})
        return True

    def action_cancel(self):
        """Cancel a claim that is not settled."""
        self._check_state("draft", "submitted", "approved", "rejected")
        self.write({"state": "cancel"})
        return True

    def action_draft(self):
        """Bring a rejected or cancelled claim back to draft for correction."""
        self._check_state("rejected", "cancel")
        self.write({"state": "draft", "reject_reason": False})
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _coverage_facts(self):
        self.ensure_one()
        card = self.card_id
        contract = self.contract_id
        return coverage.Facts(
            call_date=fields.Datetime.context_timestamp(self, self.call_time).date()
            if self.call_time
            else fields.Date.context_today(self),
            sale_date=card.sale_date or None,
            delivery_date=self.delivery_date or None,
            card_state=card.state or None,
            card_falsified=card.falsified,
            cause_category=self.cause_category or None,
            contract_state=contract.state or None,
            warranty_months=contract.warranty_months if contract else 12,
            doa_days=contract.doa_days if contract else 7,
            quality_days=contract.quality_days if contract else 15,
        )

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
            return self.env._("Old parts not returned (不予核销)")
        if not self.reimbursable_amount:
            return self.env._("Nothing to reimburse")
        return ""

    def _check_state(self, *states):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for claim in self:
            if claim.state not in states:
                raise UserError(
                    self.env._(
                        "Claim %(claim)s is %(state)s; this needs it to be %(expected)s.",
                        claim=claim.display_name,
                        state=labels[claim.state],
                        expected=" / ".join(labels[s] for s in states),
                    )
                )

    def _check_appraiser(self):
        if not self.env.user.has_group("after_sales_service.after_sales_service_group_appraiser"):
            raise UserError(
                self.env._("Only the technical department (appraisers) approves or rejects claims.")
            )


class AfterSalesClaimLine(models.Model):
    """A part, labour or freight line of a claim, priced at the contract's repair price list.
    Part lines under a trade-in rule (R24) expect the old part back (R21)."""

    _name = "after_sales.claim.line"
    _description = "Warranty Claim Line"
    _order = "claim_id, sequence, id"
    _check_company_auto = True

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
    old_part_required = fields.Boolean(
        compute="_compute_old_part_required",
        store=True,
        readonly=False,
        help="R21: a part under a trade-in rule must come back.",
    )
    old_part_due_date = fields.Date(string="Old Part Due")
    old_part_date_received = fields.Date(string="Old Part Received")
    old_part_appraisal = fields.Selection(
        [("reusable", "Reusable"), ("scrap", "Scrap"), ("rejected", "Rejected")]
    )

    @api.depends("product_id", "claim_id.contract_id.repair_pricelist_id")
    def _compute_price_unit(self):
        for line in self:
            pricelist = line.claim_id.contract_id.repair_pricelist_id
            if not line.product_id:
                line.price_unit = line.price_unit or 0.0
            elif pricelist:
                line.price_unit = pricelist._get_product_price(line.product_id, line.quantity or 1)
            else:
                line.price_unit = line.product_id.lst_price

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

from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, format_date

from ..tools import returns
from .after_sales_document_mixin import GROUP_APPRAISER, GROUP_MANAGER, GROUP_USER

RETURN_TYPES = [
    (returns.TYPE_DOA, "Dead on Arrival"),
    (returns.TYPE_QUALITY, "Quality Defect"),
    (returns.TYPE_BATCH, "Batch Quality Problem"),
    (returns.TYPE_IN_WARRANTY, "In-warranty Repair Return"),
    (returns.TYPE_OUT_OF_WARRANTY, "Out of Warranty"),
    (returns.TYPE_DEALER_STOCK, "Dealer Stock Return"),
]
STOCK_CASES = [
    (returns.STOCK_PRODUCT_FAULT, "Product Fault"),
    (returns.STOCK_DISMANTLED, "Dismantled by the Dealer"),
    (returns.STOCK_UNSELLABLE, "Unsellable"),
]
PAYERS = [(returns.MANUFACTURER, "Manufacturer"), (returns.DEALER, "Dealer")]
RESOLUTIONS = [
    ("repair", "Repair and Send Back"),
    ("exchange", "Exchange"),
    ("refund", "Refund (Credit Note)"),
]
GROUP_STOCK = "stock.group_stock_user"
OPEN_STATES = ("submitted", "approved", "received", "resolved")

# What a resolved or done return still takes from a user: who follows it up. Its goods, money
# and decisions are what the dealer was credited or charged for.
OPEN_WHEN_RESOLVED = ("user_id",)


class AfterSalesReturn(models.Model):
    """A dealer's return request (退货 / 返修, DOMAIN.md R27-R28 with R3-R8): products, serials,
    quantities and reasons. Its type, suggested from the dates and confirmed by the user, decides
    who pays the freight, refurbishment parts and restoration labour (tools/returns.py). The
    manager approves it in writing (R7), the warehouse receives the goods (the quantity actually
    received prevails), then the unit is repaired and sent back, exchanged or refunded."""

    _name = "after_sales.return"
    _description = "Return Request"
    _inherit = [
        "after_sales.sequence.mixin",
        "after_sales.document.mixin",
        "after_sales.dealer.mixin",
        "after_sales.charge.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "date_request desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "dealer_id", "line_ids.lot_id"]

    _restocking_fee_value_positive = models.Constraint(
        "CHECK(restocking_fee_value >= 0)",
        "The restocking fee cannot be negative.",
    )
    _costs_positive = models.Constraint(
        "CHECK(freight_in_amount >= 0 AND freight_out_amount >= 0 AND parts_amount >= 0 "
        "AND labour_amount >= 0)",
        "Return costs cannot be negative.",
    )

    # ------------------------------------------------------------
    # FIELDS: identity and state
    # ------------------------------------------------------------
    name = fields.Char(
        string="Return Number",
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
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("received", "Received"),
            ("resolved", "Resolved"),
            ("done", "Done"),
            ("refused", "Refused"),
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
    date_request = fields.Date(
        string="Request Date", required=True, default=lambda self: self._company_today(), copy=False
    )
    description = fields.Text(
        string="Request",
        help="The dealer's written request; the detailed list is in the lines.",
    )

    # ------------------------------------------------------------
    # FIELDS: dealer, contract and origin
    # ------------------------------------------------------------
    dealer_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The dealer (or sub-dealer) returning the goods.",
    )
    commercial_dealer_id = fields.Many2one(
        related="dealer_id.commercial_partner_id", string="Commercial Dealer", store=True
    )
    claim_id = fields.Many2one(
        "after_sales.claim",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        help="The warranty claim this return comes from; choosing it pre-fills the lines.",
    )
    card_id = fields.Many2one(
        "after_sales.warranty.card",
        string="Warranty Card",
        compute="_compute_card_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        help="The card of the returned serial, when the unit was sold to a customer.",
    )
    origin_invoice_id = fields.Many2one(
        "account.move",
        string="Original Invoice",
        compute="_compute_origin_invoice_id",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', commercial_dealer_id)]",
        help="The dealer's invoice for the returned goods; a refund is its credit note.",
    )

    # ------------------------------------------------------------
    # FIELDS: type (R27) and its suggestion
    # ------------------------------------------------------------
    date_defect = fields.Date(
        string="Defect Found On",
        required=True,
        default=lambda self: self._company_today(),
        tracking=True,
    )
    delivery_date = fields.Date(
        string="Received by Dealer",
        compute="_compute_delivery_date",
        store=True,
        readonly=False,
        precompute=True,
        help="When the dealer received the goods: the done delivery of the returned serials "
        "(the earliest of them), or the claim's delivery date.",
    )
    transport_damage = fields.Boolean(
        string="Damaged in Transport",
        compute="_compute_transport_damage",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Damage caused in transport is never dead on arrival (合同一 五.2); the claim's "
        "cause says so when it is a transport damage.",
    )
    card_late = fields.Boolean(related="card_id.is_late", string="Card Received Late")
    sale_date = fields.Date(related="card_id.sale_date", string="Retail Sale Date")
    warranty_end = fields.Date(related="card_id.warranty_end")
    suggested_type = fields.Selection(
        RETURN_TYPES, compute="_compute_suggestion", help="What the dates and the card say."
    )
    suggestion_note = fields.Char(string="Why", compute="_compute_suggestion")
    return_type = fields.Selection(
        RETURN_TYPES,
        string="Type",
        compute="_compute_return_type",
        inverse="_inverse_return_type",
        store=True,
        precompute=True,
        tracking=True,
        help="The suggested type unless the user confirmed another one. It decides who pays.",
    )
    type_override = fields.Selection(
        RETURN_TYPES,
        string="Confirmed Type",
        help="Leave empty to accept the suggested type; choose another one to override it "
        "(e.g. a batch quality problem after the technical appraisal).",
    )
    type_differs = fields.Boolean(compute="_compute_suggestion")
    stock_case = fields.Selection(
        STOCK_CASES,
        string="Dealer Stock Case",
        tracking=True,
        help="方案2 三(二)9: a product fault (manufacturer pays the freight), dismantled by the "
        "dealer (dealer pays all freight and the restoration labour) or otherwise unsellable "
        "(dealer pays the freight).",
    )

    # ------------------------------------------------------------
    # FIELDS: technical appraisal of a batch quality problem (合同五 六)
    # ------------------------------------------------------------
    batch_appraiser_id = fields.Many2one(
        "res.users", string="Batch Problem Appraised By", readonly=True, copy=False
    )
    date_batch_appraised = fields.Date(
        string="Batch Problem Appraised On", readonly=True, copy=False
    )
    batch_appraisal_note = fields.Text(
        copy=False,
        help="The technical department's finding that confirms the batch quality problem; "
        "the exchange is approved only after it.",
    )

    # ------------------------------------------------------------
    # FIELDS: approval and refusal (R7)
    # ------------------------------------------------------------
    approver_id = fields.Many2one("res.users", string="Approved By", readonly=True, copy=False)
    date_approved = fields.Date(string="Approved On", readonly=True, copy=False)
    approval_note = fields.Text(
        help="Conditions of the written approval, printed on the return authorization."
    )
    refuse_reason = fields.Text(readonly=True, copy=False, tracking=True)
    refused_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    date_refused = fields.Date(string="Refused On", readonly=True, copy=False)
    refused_at_receipt = fields.Boolean(
        readonly=True,
        copy=False,
        help="The warehouse refused incomplete or disordered goods.",
    )
    date_received = fields.Date(string="Received On", readonly=True, copy=False)

    # ------------------------------------------------------------
    # FIELDS: lines and resolution
    # ------------------------------------------------------------
    line_ids = fields.One2many("after_sales.return.line", "return_id", string="Lines", copy=True)
    resolution = fields.Selection(
        RESOLUTIONS,
        tracking=True,
        help="Repaired and sent back (a delivery), exchanged (a delivery, possibly of a "
        "successor product) or refunded (a credit note on the original invoice).",
    )
    needs_receipt = fields.Boolean(
        compute="_compute_needs_receipt",
        help="Some line comes back physically (not refunded without return).",
    )
    picking_ids = fields.Many2many(
        "stock.picking", string="Transfers", compute="_compute_picking_ids"
    )
    receipt_count = fields.Integer(compute="_compute_picking_ids")
    delivery_count = fields.Integer(compute="_compute_picking_ids")
    credit_note_id = fields.Many2one(
        "account.move", readonly=True, copy=False, index="btree_not_null"
    )

    # ------------------------------------------------------------
    # FIELDS: who pays (R3-R8, 方案2 三(二)9)
    # ------------------------------------------------------------
    freight_in_amount = fields.Monetary(
        string="Freight to Manufacturer", help="Freight of the goods coming back."
    )
    freight_out_amount = fields.Monetary(
        string="Freight back to Dealer", help="Freight of the repaired or exchanged goods."
    )
    parts_amount = fields.Monetary(
        string="Refurbishment Parts", help="Parts used to refurbish the returned goods."
    )
    labour_amount = fields.Monetary(
        string="Restoration Labour", help="Labour to restore the returned goods."
    )
    freight_in_payer = fields.Selection(PAYERS, compute="_compute_payers")
    freight_out_payer = fields.Selection(PAYERS, compute="_compute_payers")
    parts_payer = fields.Selection(PAYERS, compute="_compute_payers")
    labour_payer = fields.Selection(PAYERS, compute="_compute_payers")
    dealer_charge_amount = fields.Monetary(
        compute="_compute_payers",
        help="What the dealer bears: a repair fund row on a budget contract, an invoice otherwise.",
    )
    manufacturer_cost_amount = fields.Monetary(compute="_compute_payers")
    charge_entry_id = fields.Many2one(
        "after_sales.fund.entry",
        string="Fund Charge",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    charge_move_id = fields.Many2one(
        "account.move",
        string="Charge Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    charges_posted = fields.Boolean(compute="_compute_charges_posted")

    # ------------------------------------------------------------
    # FIELDS: refund and restocking fee
    # ------------------------------------------------------------
    restocking_fee_type = fields.Selection(
        [("none", "None"), ("fixed", "Fixed Amount"), ("percent", "Percentage")],
        default="none",
        required=True,
        help="Dealer stock returns only: deducted from the refund.",
    )
    restocking_fee_value = fields.Float(
        string="Restocking Fee",
        digits="Account",
        help="A percentage of the refund, or a fixed amount in the company's currency "
        "(converted to the invoice's currency at the request date).",
    )
    refund_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_refund_currency_id",
        help="The original invoice's currency: refunds are in it.",
    )
    refund_base_amount = fields.Monetary(
        string="Refund before Fee",
        currency_field="refund_currency_id",
        compute="_compute_refund_amounts",
        help="Refunded quantities (the received quantity prevails) at the original invoice "
        "prices after discount, untaxed, in the invoice's currency.",
    )
    restocking_fee_amount = fields.Monetary(
        currency_field="refund_currency_id", compute="_compute_refund_amounts"
    )
    refund_amount = fields.Monetary(
        string="Refund (untaxed)",
        currency_field="refund_currency_id",
        compute="_compute_refund_amounts",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("contract_id.currency_id", "company_id")
    def _compute_currency_id(self):
        for ret in self:
            ret.currency_id = ret.contract_id.currency_id or ret.company_id.currency_id

    @api.depends("claim_id.card_id", "line_ids.lot_id")
    def _compute_card_id(self):
        lots = self.line_ids.lot_id
        cards = self.env["after_sales.warranty.card"]
        if lots:
            cards = cards.search([("lot_id", "in", lots.ids), ("state", "!=", "void")])
        for ret in self:
            card = (
                ret.claim_id.card_id
                or cards.filtered(lambda c, r=ret: c.lot_id in r.line_ids.lot_id)[:1]
            )
            ret.card_id = card or ret.card_id

    @api.depends("line_ids.lot_id", "dealer_id", "claim_id.delivery_date")
    def _compute_delivery_date(self):
        for ret in self:
            dates = ret._delivered_lot_dates()
            found = [dates[lot] for lot in ret.line_ids.lot_id if lot in dates]
            ret.delivery_date = (
                min(found) if found else (ret.claim_id.delivery_date or ret.delivery_date)
            )

    @api.depends("claim_id.cause_category")
    def _compute_transport_damage(self):
        for ret in self:
            if ret.claim_id.cause_category == "transport":
                ret.transport_damage = True
            elif not ret.transport_damage:
                ret.transport_damage = False

    @api.depends("origin_invoice_id.currency_id", "currency_id")
    def _compute_refund_currency_id(self):
        for ret in self:
            ret.refund_currency_id = ret.origin_invoice_id.sudo().currency_id or ret.currency_id

    @api.depends("line_ids.lot_id", "line_ids.product_id", "dealer_id")
    def _compute_origin_invoice_id(self):
        for ret in self:
            if ret.origin_invoice_id or not ret.dealer_id:
                ret.origin_invoice_id = ret.origin_invoice_id
                continue
            ret.origin_invoice_id = ret._find_origin_invoice()

    @api.depends(
        "date_defect",
        "delivery_date",
        "card_id.sale_date",
        "card_id.warranty_end",
        "contract_id.doa_days",
        "contract_id.quality_days",
        "transport_damage",
        "card_id.is_late",
        "return_type",
    )
    def _compute_suggestion(self):
        for ret in self:
            suggestion = returns.suggest(ret._suggestion_facts())
            ret.suggested_type = suggestion.return_type
            ret.suggestion_note = ret._suggestion_text(suggestion)
            ret.type_differs = bool(ret.return_type) and ret.return_type != ret.suggested_type

    @api.depends(
        "type_override",
        "date_defect",
        "delivery_date",
        "card_id.sale_date",
        "card_id.warranty_end",
        "contract_id.doa_days",
        "contract_id.quality_days",
        "transport_damage",
        "card_id.is_late",
    )
    def _compute_return_type(self):
        for ret in self:
            if ret.state not in (False, "draft") and ret.return_type:
                ret.return_type = ret.return_type
                continue
            ret.return_type = (
                ret.type_override or returns.suggest(ret._suggestion_facts()).return_type
            )

    def _inverse_return_type(self):
        """Writing the type is the user confirming it: it no longer follows the dates."""
        for ret in self:
            ret.type_override = ret.return_type

    @api.depends("line_ids.refund_without_return")
    def _compute_needs_receipt(self):
        for ret in self:
            ret.needs_receipt = any(not line.refund_without_return for line in ret.line_ids)

    @api.depends("line_ids.move_ids.picking_id")
    def _compute_picking_ids(self):
        for ret in self:
            moves = ret.line_ids.move_ids
            ret.picking_ids = moves.picking_id
            ret.receipt_count = len(
                moves.filtered(lambda m: m.after_sales_return_kind == "receipt").picking_id
            )
            ret.delivery_count = len(
                moves.filtered(lambda m: m.after_sales_return_kind == "delivery").picking_id
            )

    @api.depends(
        "return_type",
        "stock_case",
        "freight_in_amount",
        "freight_out_amount",
        "parts_amount",
        "labour_amount",
    )
    def _compute_payers(self):
        for ret in self:
            rule = ret._liability()
            for item in returns.COST_ITEMS:
                ret[f"{item}_payer"] = rule.payer(item) if rule else False
            split = ret._cost_split()
            ret.dealer_charge_amount = sum(split[returns.DEALER].values())
            ret.manufacturer_cost_amount = sum(split[returns.MANUFACTURER].values())

    @api.depends("charge_entry_id", "charge_move_id")
    def _compute_charges_posted(self):
        for ret in self:
            ret.charges_posted = bool(ret.charge_entry_id or ret.charge_move_id)

    @api.depends(
        "line_ids.qty_refund",
        "line_ids.price_unit",
        "return_type",
        "resolution",
        "restocking_fee_type",
        "restocking_fee_value",
        "refund_currency_id",
        "date_request",
    )
    def _compute_refund_amounts(self):
        for ret in self:
            currency = ret.refund_currency_id or ret.company_id.currency_id
            base = currency.round(sum(ret.line_ids.mapped("refund_subtotal")))
            fee = 0.0
            if ret.return_type == returns.TYPE_DEALER_STOCK and ret.resolution == "refund":
                value = ret.restocking_fee_value
                if ret.restocking_fee_type == "fixed":
                    # a fixed fee is set in the company's currency
                    value = ret.company_id.currency_id._convert(
                        value,
                        currency,
                        ret.company_id,
                        ret.date_request or ret._company_today(),
                        round=False,
                    )
                fee = currency.round(returns.restocking_fee(base, ret.restocking_fee_type, value))
            ret.refund_base_amount = base
            ret.restocking_fee_amount = fee
            ret.refund_amount = base - fee

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("return_type", "stock_case", "restocking_fee_type", "restocking_fee_value")
    def _check_type_details(self):
        for ret in self:
            if ret.restocking_fee_type != "none" and ret.return_type != returns.TYPE_DEALER_STOCK:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: a restocking fee applies to dealer stock returns only.",
                        ret=ret.display_name,
                    )
                )
            if ret.restocking_fee_type == "percent" and ret.restocking_fee_value > 100:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: the restocking fee cannot exceed 100%%.",
                        ret=ret.display_name,
                    )
                )

    @api.constrains("contract_id", "dealer_id", "company_id")
    def _check_contract(self):
        """The return's contract is the running contract serving its dealer (or the dealer
        above it), as for claims and cards: its freight and refurbishment are charged to that
        contract's repair fund, never to another dealer's."""
        self._check_contract_serves_dealer()

    @api.constrains("date_defect", "delivery_date", "company_id")
    def _check_date_defect(self):
        """R3-R6: the defect day decides the return's type and who pays; it is a day that has
        come, where the company works, and not before the dealer received the goods (a future
        day, or one before the delivery such as year 1, would move the unit into or out of a
        window)."""
        for ret in self.filtered("date_defect"):
            field = self._fields["date_defect"]._description_string(self.env)
            today = ret._company_today()
            if ret.date_defect > today:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: %(field)s %(day)s is in the future (today is "
                        "%(today)s). Record the day the defect was found.",
                        ret=ret.display_name,
                        field=field,
                        day=format_date(self.env, ret.date_defect),
                        today=format_date(self.env, today),
                    )
                )
            # A delivery dated after today has not happened yet: it bounds nothing.
            if ret.delivery_date and ret.date_defect < ret.delivery_date <= today:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: %(field)s %(day)s is before the dealer received the "
                        "goods on %(delivery)s. Record the day the defect was found.",
                        ret=ret.display_name,
                        field=field,
                        day=format_date(self.env, ret.date_defect),
                        delivery=format_date(self.env, ret.delivery_date),
                    )
                )

    @api.constrains("origin_invoice_id", "dealer_id")
    def _check_origin_invoice(self):
        """A line's original invoice line follows the return's invoice and dealer."""
        self.line_ids._check_origin_invoice_line()

    @api.constrains("claim_id", "card_id", "dealer_id")
    def _check_links(self):
        for ret in self:
            dealer = ret.dealer_id.commercial_partner_id
            for doc in (ret.claim_id, ret.card_id):
                if doc and doc.dealer_id.commercial_partner_id != dealer:
                    raise ValidationError(
                        self.env._(
                            "Return %(ret)s: %(doc)s belongs to dealer %(other)s, not to "
                            "%(dealer)s.",
                            ret=ret.display_name,
                            doc=doc.display_name,
                            other=doc.dealer_id.display_name,
                            dealer=ret.dealer_id.display_name,
                        )
                    )

    # ------------------------------------------------------------
    # ONCHANGE
    # ------------------------------------------------------------
    @api.onchange("claim_id")
    def _onchange_claim_id(self):
        """Choosing a claim on a new return fills the dealer, the lines and, for a DOA or
        quality-defect claim, the type (the claim form has no return button yet)."""
        if not self.claim_id or self.line_ids:
            return
        vals = self._prepare_from_claim(self.claim_id)
        self.update(vals)

    @api.onchange("return_type")
    def _onchange_return_type(self):
        if self.return_type != returns.TYPE_DEALER_STOCK:
            self.stock_case = False
            self.restocking_fee_type = "none"

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        rets = super().create(vals_list)
        # the lines were computed before their return knew its original invoice
        rets.line_ids.filtered(lambda line: not line.invoice_line_id)._compute_origin_lines()
        return rets

    def write(self, vals):
        guarded = self._guarded_fields() & set(vals)
        if guarded and not self.env.su:
            raise AccessError(
                self.env._(
                    "Return %(ret)s: %(fields)s change only through the return's actions "
                    "(submit, approve, refuse, receive, resolve).",
                    ret=", ".join(self[:3].mapped("display_name")),
                    fields=", ".join(
                        self._fields[name]._description_string(self.env) for name in sorted(guarded)
                    ),
                )
            )
        if (
            "batch_appraisal_note" in vals
            and not self.env.su
            and (
                self.filtered("date_batch_appraised")
                or not self.env.user.has_group(GROUP_APPRAISER)
            )
        ):
            raise AccessError(
                self.env._(
                    "Return %(ret)s: only the technical department writes its finding on "
                    "a batch problem, before confirming it.",
                    ret=self[:1].display_name,
                )
            )
        closed = self.filtered(lambda r: r.state in ("resolved", "done"))
        if closed and not self.env.su:
            changed = [
                name
                for name in vals
                if name not in OPEN_WHEN_RESOLVED and not name.startswith(("message_", "activity_"))
            ]
            if changed:
                raise UserError(
                    self.env._(
                        "Return %(ret)s is %(state)s: %(fields)s can no longer change.",
                        ret=closed[0].display_name,
                        state=closed[0]._state_label(),
                        fields=", ".join(
                            self._fields[name]._description_string(self.env)
                            for name in sorted(changed)
                        ),
                    )
                )
        priced = {"origin_invoice_id", "restocking_fee_type", "restocking_fee_value"} & set(vals)
        if priced and not self.env.su:
            approved = self.filtered(
                lambda r: (
                    r.state not in ("draft", "submitted", "refused")
                    and any(r._field_changes(name, vals[name]) for name in priced)
                )
            )
            if approved:
                raise UserError(
                    self.env._(
                        "Return %(ret)s is %(state)s: the refund it was approved for is "
                        "fixed, its %(fields)s can no longer change.",
                        ret=approved[0].display_name,
                        state=approved[0]._state_label(),
                        fields=", ".join(
                            self._fields[name]._description_string(self.env)
                            for name in sorted(priced)
                        ),
                    )
                )
        locked = {
            "freight_in_amount",
            "freight_out_amount",
            "parts_amount",
            "labour_amount",
            "return_type",
            "stock_case",
            "restocking_fee_type",
            "restocking_fee_value",
        }
        fixed = {"return_type", "type_override", "stock_case"} & set(vals)
        if fixed and not (self.env.su or self.env.user.has_group(GROUP_MANAGER)):
            submitted = self.filtered(lambda r: r.state != "draft")
            if submitted:
                raise AccessError(
                    self.env._(
                        "Return %(ret)s is submitted: only an after-sales manager changes its "
                        "type, which decides who pays.",
                        ret=submitted[0].display_name,
                    )
                )
        if fixed and not self.env.su:
            approved = self.filtered(lambda r: r.state not in ("draft", "submitted"))
            if approved:
                raise UserError(
                    self.env._(
                        "Return %(ret)s is approved: its type can no longer change.",
                        ret=approved[0].display_name,
                    )
                )
        if locked & set(vals):
            posted = self.filtered("charges_posted")
            if posted:
                raise UserError(
                    self.env._(
                        "Return %(ret)s: its charges are posted; its type and costs can no "
                        "longer change.",
                        ret=posted[0].display_name,
                    )
                )
        return super().write(vals)

    def _after_sales_system_fields(self):
        return tuple(self._guarded_fields())

    def _field_changes(self, name, value):
        """Whether writing ``value`` (as sent to ``write``) in field ``name`` changes this
        return: a client sending a field again unchanged is not refused."""
        self.ensure_one()
        field = self._fields[name]
        if field.type == "many2one":
            return self[name].id != (value or False)
        if field.type == "float":
            return float_compare(self[name], value or 0.0, precision_digits=6) != 0
        return self[name] != value

    @api.model
    def _guarded_fields(self):
        """Fields only the return's actions (under sudo) write: its state and what records
        the approval, the refusal, the receipt, the appraisal and the money posted."""
        return {
            "state",
            "approver_id",
            "date_approved",
            "refuse_reason",
            "refused_by_id",
            "date_refused",
            "refused_at_receipt",
            "date_received",
            "credit_note_id",
            "charge_entry_id",
            "charge_move_id",
            "batch_appraiser_id",
            "date_batch_appraised",
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        for ret in self:
            if ret.state not in ("draft", "refused"):
                raise UserError(
                    self.env._(
                        "Return %(ret)s is %(state)s: only draft or refused returns can be "
                        "deleted.",
                        ret=ret.display_name,
                        state=ret._state_label(),
                    )
                )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_submit(self):
        """The service desk (or the dealer's request entered by it) submits draft returns for
        written approval (R7): a detailed list and a confirmed type are required, and nothing
        beyond what the dealer bought and has not yet returned (issue 11.2)."""
        self._check_desk()
        self._check_state("draft")
        for ret in self:
            if not ret.line_ids:
                raise UserError(
                    self.env._(
                        "Return %(ret)s: list the returned products before submitting.",
                        ret=ret.display_name,
                    )
                )
            if not ret.return_type:
                raise UserError(
                    self.env._("Return %(ret)s: confirm its type.", ret=ret.display_name)
                )
            if ret.contract_id.state != "running":
                raise UserError(
                    self.env._(
                        "Return %(ret)s: dealer %(dealer)s has no running service contract; "
                        "only a running contract accepts returns.",
                        ret=ret.display_name,
                        dealer=ret.dealer_id.display_name,
                    )
                )
            if ret.return_type == returns.TYPE_DEALER_STOCK and not ret.stock_case:
                raise UserError(
                    self.env._(
                        "Return %(ret)s: a dealer stock return needs its case (product fault, "
                        "dismantled or unsellable).",
                        ret=ret.display_name,
                    )
                )
            ret._check_type_allowed()
            ret.line_ids._check_returnable()
        self.sudo().write({"state": "submitted"})
        return True

    def action_approve(self, note=None):
        """The after-sales manager approves submitted returns in writing (R7). Approving several
        returns at once handles them as a batch: one receipt per dealer for all their goods."""
        self._check_manager()
        self._check_state("submitted")
        for ret in self:
            ret._check_type_allowed()
            ret._check_approvable()
        vals = {"state": "approved", "approver_id": self.env.uid}
        vals["date_approved"] = self._company_today()
        if note:
            vals["approval_note"] = note
        self.sudo().write(vals)
        self._create_receipts()
        for ret in self:
            ret.message_post(
                body=self.env._(
                    "Return approved in writing by %(user)s on %(date)s.",
                    user=self.env.user.name,
                    date=format_date(self.env, ret.date_approved),
                )
            )
        return True

    def action_confirm_batch_appraisal(self, note=None):
        """The technical department confirms a batch quality problem (成批质量问题, 合同五 六)
        with its finding: only then may the exchange be approved."""
        self._check_group(
            GROUP_APPRAISER,
            self.env._(
                "Only the technical department appraises a batch quality problem (%(ret)s).",
                ret=", ".join(self.mapped("display_name")),
            ),
        )
        self._check_state("draft", "submitted")
        note = note or (self[:1].batch_appraisal_note if len(self) == 1 else None)
        if not (note or "").strip():
            raise UserError(
                self.env._(
                    "Return %(ret)s: write the technical finding of the batch problem.",
                    ret=", ".join(self.mapped("display_name")),
                )
            )
        wrong = self.filtered(lambda r: r.return_type != returns.TYPE_BATCH)
        if wrong:
            raise UserError(
                self.env._(
                    "Return %(ret)s is not a batch quality problem.", ret=wrong[0].display_name
                )
            )
        self.sudo().write(
            {
                "batch_appraiser_id": self.env.uid,
                "date_batch_appraised": self._company_today(),
                "batch_appraisal_note": note.strip(),
            }
        )
        for ret in self:
            ret.message_post(
                body=self.env._(
                    "Batch quality problem confirmed by %(user)s: %(note)s",
                    user=self.env.user.name,
                    note=note.strip(),
                )
            )
        return True

    def action_open_refuse_wizard(self):
        """Open the wizard asking why the returns are refused."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refuse Return"),
            "res_model": "after_sales.return.refuse",
            "view_mode": "form",
            "target": "new",
            "context": {"default_return_ids": self.ids},
        }

    def action_refuse(self, reason):
        """Refuse returns before their goods are received (R7), with a reason: the manager at
        any point, the warehouse when incomplete or disordered goods arrive. Pending receipts
        are cancelled; the dealer bears the loss."""
        self._check_state("draft", "submitted", "approved")
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "Return %(ret)s: a refusal reason is required.",
                    ret=", ".join(self.mapped("display_name")),
                )
            )
        is_manager = self.env.user.has_group(GROUP_MANAGER)
        is_stock = self.env.user.has_group(GROUP_STOCK)
        for ret in self:
            if not is_manager and not (is_stock and ret.state == "approved"):
                raise AccessError(
                    self.env._(
                        "Return %(ret)s: only an after-sales manager refuses a return; the "
                        "warehouse refuses the goods of an approved one.",
                        ret=ret.display_name,
                    )
                )
            received = ret._receipt_moves().filtered(lambda m: m.state == "done")
            if received:
                raise UserError(
                    self.env._(
                        "Return %(ret)s: goods are already received (%(picking)s); it can no "
                        "longer be refused.",
                        ret=ret.display_name,
                        picking=received[0].picking_id.display_name,
                    )
                )
        at_receipt = self.filtered(lambda r: r.state == "approved").sudo()
        self._receipt_moves().sudo().filtered(lambda m: m.state != "done")._action_cancel()
        # The warehouse only reads returns: the checks above allowed it this refusal.
        self.sudo().write(
            {
                "state": "refused",
                "refuse_reason": reason.strip(),
                "refused_by_id": self.env.uid,
                "date_refused": self._company_today(),
                "refused_at_receipt": False,
            }
        )
        at_receipt.write({"refused_at_receipt": True})
        return True

    def action_reset_draft(self):
        """Bring refused returns back to draft, to correct and resubmit them."""
        self._check_desk()
        self._check_state("refused")
        self.sudo().write(
            {
                "state": "draft",
                "approver_id": False,
                "date_approved": False,
                "refused_at_receipt": False,
            }
        )
        return True

    def action_resolve(self):
        """The after-sales manager resolves received returns (or approved ones refunded without
        physical return): repaired or exchanged goods go back on a delivery, refunds become a
        posted credit note against the original invoice; the dealer's charges are posted."""
        self._check_manager()
        self._lock()
        for ret in self:
            ret._check_resolvable()
        for ret in self:
            if ret.resolution in ("repair", "exchange"):
                ret._create_delivery()
            else:
                ret._create_credit_note()
        self.sudo().write({"state": "resolved"})
        self._post_charges()
        self._check_done()
        return True

    def action_post_charges(self):
        """Post what the dealer bears (R5, R6, 方案2 三(二)9) once: a repair fund row on a budget
        contract, an invoice otherwise. Running it again creates nothing new."""
        self._check_manager()
        for ret in self:
            if ret.state not in ("received", "resolved", "done"):
                raise UserError(
                    self.env._(
                        "Return %(ret)s: its charges are posted once its goods are received.",
                        ret=ret.display_name,
                    )
                )
        self._lock()
        self._post_charges()
        return True

    def action_view_pickings(self):
        """Smart button: the return's receipts and deliveries."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("id", "in", self.picking_ids.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_credit_note(self):
        """Smart button: the refund's credit note."""
        self.ensure_one()
        return self._open_move(self.credit_note_id)

    def action_view_charge(self):
        """Smart button: the dealer's charge (fund row or invoice)."""
        self.ensure_one()
        if self.charge_move_id:
            return self._open_move(self.charge_move_id)
        return {
            "type": "ir.actions.act_window",
            "res_model": "after_sales.fund.entry",
            "res_id": self.charge_entry_id.id,
            "view_mode": "form",
        }

    @api.model
    def action_create_from_claims(self, claims):
        """Create one draft return per claim, pre-filled from it (dealer, card, serial, symptom
        as the reason; DOA or quality type from the claim's window), and open them. Meant for a
        button on the claim form."""
        if not claims:
            return False
        refused = claims.filtered(lambda c: c.coverage_window not in ("doa", "quality"))
        if refused:
            raise UserError(
                self.env._(
                    "Claim %(claim)s is not a dead-on-arrival or quality-defect case: create "
                    "its return by hand.",
                    claim=refused[0].display_name,
                )
            )
        new = self.create([self._prepare_from_claim(claim, commands=True) for claim in claims])
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_return_action"
        )
        if len(new) == 1:
            action.update({"res_id": new.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", new.ids)]
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    @api.model
    def _prepare_from_claim(self, claim, commands=False):
        """Values of a return reached from ``claim``: its dealer and card, one line for its
        product and serial with the fault symptom as reason, and the type from its defect
        window when it is dead on arrival or a quality defect."""
        line = {
            "product_id": claim.product_id.id,
            "lot_id": claim.lot_id.id,
            "quantity": 1.0,
            "reason": claim.symptom or claim.cause or claim.name,
        }
        vals = {
            "claim_id": claim.id,
            "dealer_id": claim.dealer_id.id,
            "company_id": claim.company_id.id,
            "card_id": claim.card_id.id,
            "line_ids": [Command.create(line)] if claim.product_id else [],
        }
        if claim.call_time:
            vals["date_defect"] = claim._local_date(claim.call_time)
        if claim.coverage_window in ("doa", "quality"):
            vals["type_override"] = claim.coverage_window
        if not commands:
            vals["line_ids"] = [Command.clear()] + vals["line_ids"]
        return vals

    def _suggestion_facts(self):
        self.ensure_one()
        contract = self.contract_id.sudo()
        return returns.Facts(
            defect_date=self.date_defect or self._company_today(),
            delivery_date=self.delivery_date or None,
            sale_date=self.card_id.sale_date or None,
            warranty_end=self.card_id.warranty_end or None,
            doa_days=contract.doa_days if contract else 7,
            quality_days=contract.quality_days if contract else 15,
            transport_damage=self.transport_damage,
            card_late=bool(self.card_id.is_late),
        )

    def _suggestion_text(self, suggestion):
        """The reason of the suggestion, in the user's language."""
        facts = self._suggestion_facts()
        _ = self.env._
        if suggestion.reason == returns.REASON_DOA_WINDOW:
            return _(
                "Defect found %(days)s days after the dealer received the goods on %(date)s: "
                "within the %(window)s-day dead-on-arrival window.",
                days=suggestion.days,
                date=format_date(self.env, facts.delivery_date),
                window=facts.doa_days,
            )
        if suggestion.reason == returns.REASON_QUALITY_WINDOW:
            return _(
                "Defect found %(days)s days after the retail sale on %(date)s: within the "
                "%(window)s-day quality-defect window.",
                days=suggestion.days,
                date=format_date(self.env, facts.sale_date),
                window=facts.quality_days,
            )
        if suggestion.reason == returns.REASON_IN_WARRANTY:
            return _(
                "Sold on %(sale)s, past the early windows, within the warranty ending %(end)s.",
                sale=format_date(self.env, facts.sale_date),
                end=format_date(self.env, facts.warranty_end) if facts.warranty_end else "-",
            )
        if suggestion.reason == returns.REASON_OUT_OF_WARRANTY:
            return _(
                "The warranty ended on %(end)s.",
                end=format_date(self.env, facts.warranty_end),
            )
        if suggestion.reason == returns.REASON_BEFORE_SALE:
            return _(
                "Defect found before the retail sale on %(sale)s: the unit was still the "
                "dealer's stock.",
                sale=format_date(self.env, facts.sale_date),
            )
        return _("No warranty card: the unit was not sold, a dealer stock return.")

    def _liability(self):
        self.ensure_one()
        if not self.return_type or (
            self.return_type == returns.TYPE_DEALER_STOCK and not self.stock_case
        ):
            return None
        return returns.liability(self.return_type, self.stock_case)

    def _cost_split(self):
        self.ensure_one()
        rule = self._liability()
        if not rule:
            return {returns.MANUFACTURER: {}, returns.DEALER: {}}
        return returns.split_costs(
            rule,
            {
                returns.FREIGHT_IN: self.freight_in_amount,
                returns.FREIGHT_OUT: self.freight_out_amount,
                returns.PARTS: self.parts_amount,
                returns.LABOUR: self.labour_amount,
            },
        )

    def _cost_labels(self):
        _ = self.env._
        return {
            returns.FREIGHT_IN: _("Freight to the manufacturer"),
            returns.FREIGHT_OUT: _("Freight back to the dealer"),
            returns.PARTS: _("Refurbishment parts"),
            returns.LABOUR: _("Restoration labour"),
        }

    def _delivered_lot_dates(self):
        """{lot: day the dealer received it, where the company works}: the first done delivery
        of each serial to the dealer (see :meth:`_lot_delivery_dates`)."""
        self.ensure_one()
        return self._lot_delivery_dates(self.dealer_id, self.company_id)

    @api.model
    def _lot_delivery_dates(self, dealer, company, lots=None):
        """R3: {lot: day the dealer received it, where ``company`` works}: the first done
        delivery of each serial (of ``lots`` when given) to the dealer's commercial partner or
        its sub-dealers, or, for a sub-dealer, to the dealer above it. The one answer to "when
        did the dealer receive this unit" for returns and claims (the dead-on-arrival window
        counts from it)."""
        if not dealer or not company or (lots is not None and not lots):
            return {}
        commercial = dealer.commercial_partner_id
        above = commercial.parent_id.commercial_partner_id
        partner_domain = [("picking_partner_id", "child_of", commercial.id)]
        if above:
            partner_domain = [
                "|",
                *partner_domain,
                ("picking_partner_id.commercial_partner_id", "=", above.id),
            ]
        domain = [
            ("state", "=", "done"),
            ("lot_id", "!=", False),
            ("location_dest_id.usage", "=", "customer"),
            ("company_id", "=", company.id),
            *partner_domain,
        ]
        if lots is not None:
            domain.append(("lot_id", "in", lots.ids))
        groups = self.env["stock.move.line"].sudo()._read_group(domain, ["lot_id"], ["date:min"])
        local = self.with_company(company)
        return {lot.with_env(self.env): local._local_date(date) for lot, date in groups}

    def _refundable_invoice_partners(self):
        """The commercial partners whose customer invoices this return may refund: the
        dealer's own and, for a sub-dealer, those of the dealer above it (which may have
        invoiced the goods the sub-dealer sends back). The one answer to that question for
        the original invoice's search, its lines' check and the credit note."""
        self.ensure_one()
        dealer = self.dealer_id.commercial_partner_id
        return dealer | dealer.parent_id.commercial_partner_id

    def _find_origin_invoice(self):
        """The dealer's latest posted invoice for the returned serials (through their sale
        order lines) or, without serials, for the returned products."""
        self.ensure_one()
        AML = self.env["account.move.line"].sudo()
        lots = self.line_ids.lot_id
        if lots:
            mls = (
                self.env["stock.move.line"]
                .sudo()
                .search(
                    [
                        ("state", "=", "done"),
                        ("lot_id", "in", lots.ids),
                        ("location_dest_id.usage", "=", "customer"),
                        ("move_id.sale_line_id", "!=", False),
                    ]
                )
            )
            partners = self._refundable_invoice_partners()
            invoices = mls.move_id.sale_line_id.invoice_lines.move_id.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state == "posted"
                    and m.company_id == self.company_id
                    and m.commercial_partner_id in partners
                )
            )
            if invoices:
                return invoices.sorted("invoice_date")[-1:].with_env(self.env)
        products = self.line_ids.product_id
        if not products:
            return self.env["account.move"]
        # the invoices of the order lines the goods were delivered on (the latest one that
        # still holds the quantity returned), else the latest invoice of the products
        sale_lines = self.env["sale.order.line"].concat(
            *(line._find_sale_line(use_invoice=False) for line in self.line_ids)
        )
        invoices = sale_lines.sudo().invoice_lines.move_id.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "posted"
                and m.company_id == self.company_id
                and m.commercial_partner_id == self.commercial_dealer_id
            )
        )
        if invoices:
            return invoices.sorted(lambda m: (m.invoice_date, m.id))[-1:].with_env(self.env)
        line = AML.search(
            [
                ("move_id.move_type", "=", "out_invoice"),
                ("parent_state", "=", "posted"),
                ("move_id.commercial_partner_id", "=", self.commercial_dealer_id.id),
                ("product_id", "in", products.ids),
                ("company_id", "=", self.company_id.id),
            ],
            order="date desc, id desc",
            limit=1,
        )
        return line.move_id.with_env(self.env)

    def _receipt_moves(self):
        return self.line_ids.move_ids.filtered(lambda m: m.after_sales_return_kind == "receipt")

    def _delivery_moves(self):
        return self.line_ids.move_ids.filtered(lambda m: m.after_sales_return_kind == "delivery")

    def _warehouse(self):
        self.ensure_one()
        warehouse = (
            self.env["stock.warehouse"]
            .sudo()
            .search([("company_id", "=", self.company_id.id)], limit=1)
        )
        if not warehouse:
            raise UserError(
                self.env._(
                    "Return %(ret)s: company %(company)s has no warehouse.",
                    ret=self.display_name,
                    company=self.company_id.display_name,
                )
            )
        return warehouse

    def _prepare_picking_vals(self, picking_type, source, dest, move_vals, origin=None):
        """The one builder of the return's transfers (receipts and deliveries): ``move_vals``
        are the values of its moves."""
        self.ensure_one()
        return self.env["stock.picking"]._after_sales_prepare_picking_vals(
            picking_type,
            self.commercial_dealer_id if len(self) == 1 else self.dealer_id,
            source,
            dest,
            origin=origin or self.name,
            moves=move_vals,
        )

    def _create_receipts(self):
        """One receipt per dealer and company for the physical lines of the returns in ``self``
        (a batch approved together arrives together). Serials are set on the move lines; each
        move is linked to the sale line it gives back (so the order's delivered quantity drops
        with the receipt and its invoiced quantity with the credit note)."""
        Picking = self.env["stock.picking"].sudo()

        groups = defaultdict(self.browse)
        for ret in self.filtered("needs_receipt"):
            groups[(ret.company_id, ret.commercial_dealer_id)] |= ret
        pickings = Picking.browse()
        for (company, _dealer), rets in groups.items():
            first = rets[0]
            warehouse = first._warehouse()
            ptype = warehouse.in_type_id
            source = first.commercial_dealer_id.with_company(company).property_stock_customer
            # returned goods wait apart from saleable stock until repaired or appraised
            dest = warehouse.after_sales_return_loc_id or ptype.default_location_dest_id
            lines = rets.line_ids.filtered(lambda line: not line.refund_without_return)
            vals = first._prepare_picking_vals(
                ptype,
                source,
                dest,
                [
                    line._prepare_move_vals(line.product_id, line.quantity, source, dest, "receipt")
                    for line in lines
                ],
                origin=", ".join(rets.mapped("name")),
            )
            picking = Picking.with_company(company).create(vals)
            picking.action_confirm()
            picking.move_ids._after_sales_set_lots()
            pickings |= picking
        return pickings

    def _create_delivery(self):
        """Send repaired (same serial) or exchanged (possibly a successor product) goods back
        to the dealer: one delivery of the received quantities."""
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda line: not line.product_uom_id.is_zero(line.qty_received)
        )
        if not lines:
            raise UserError(
                self.env._(
                    "Return %(ret)s: nothing was received, nothing can be sent back.",
                    ret=self.display_name,
                )
            )
        warehouse = self._warehouse()
        ptype = warehouse.out_type_id
        source = ptype.default_location_src_id
        if self.resolution == "repair" and warehouse.after_sales_return_loc_id:
            source = warehouse.after_sales_return_loc_id  # the repaired unit itself goes back
        dest = self.commercial_dealer_id.with_company(self.company_id).property_stock_customer
        moves = []
        for line in lines:
            product = line.product_id
            if self.resolution == "exchange" and line.exchange_product_id:
                product = line.exchange_product_id
            # An exchange replaces what was accepted; a repair sends back what came in.
            qty = line._qty_accepted() if self.resolution == "exchange" else line.qty_received
            moves.append(line._prepare_move_vals(product, qty, source, dest, "delivery"))
        picking = (
            self.env["stock.picking"]
            .sudo()
            .with_company(self.company_id)
            .create(self._prepare_picking_vals(ptype, source, dest, moves))
        )
        picking.action_confirm()
        picking.action_assign()
        if self.resolution == "repair":
            picking.move_ids._after_sales_set_lots()
        return picking

    def _prepare_refund_vals(self, invoice, date, lines):
        """The credit note of the refunded ``lines`` of this return against ``invoice`` (the
        original invoice's partner, currency, journal and fiscal position), minus the
        restocking fee (as OCA rma's ``_prepare_refund_vals``)."""
        self.ensure_one()
        commands = [Command.create(line._prepare_refund_line_vals()) for line in lines]
        if self.restocking_fee_amount:
            commands.append(
                Command.create(
                    {
                        "name": self._get_charge_lang_env(self.commercial_dealer_id)._(
                            "Restocking fee of %(ret)s", ret=self.name
                        ),
                        "quantity": 1.0,
                        "price_unit": -self.restocking_fee_amount,
                        "account_id": lines[:1].invoice_line_id.account_id.id,
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        return {
            "move_type": "out_refund",
            "partner_id": invoice.partner_id.id,
            "company_id": invoice.company_id.id,
            "currency_id": invoice.currency_id.id,
            "journal_id": invoice.journal_id.id,
            "fiscal_position_id": invoice.fiscal_position_id.id,
            "reversed_entry_id": invoice.id,
            "invoice_date": date,
            "date": date,
            "invoice_origin": self.name,
            "ref": self.env._("Return %(ret)s of %(invoice)s", ret=self.name, invoice=invoice.name),
            "invoice_line_ids": commands,
        }

    def _create_credit_note(self):
        """Refund the refunded quantities (received, or requested when refunded without return)
        at the original invoice's prices after discount, per the unit refunded, minus the
        restocking fee, and post it. Never more than the invoice line still holds."""
        self.ensure_one()
        self._check_invoicing()
        invoice = self.origin_invoice_id.sudo()
        if not invoice or invoice.state != "posted":
            raise UserError(
                self.env._(
                    "Return %(ret)s: choose the dealer's posted original invoice to refund.",
                    ret=self.display_name,
                )
            )
        dealer = self.dealer_id.commercial_partner_id
        if invoice.commercial_partner_id not in self._refundable_invoice_partners():
            raise UserError(
                self.env._(
                    "Return %(ret)s: invoice %(invoice)s is not an invoice of dealer %(dealer)s.",
                    ret=self.display_name,
                    invoice=invoice.display_name,
                    dealer=dealer.display_name,
                )
            )
        lines = self.line_ids.filtered(lambda line: line.qty_refund > 0)
        if not lines:
            raise UserError(
                self.env._(
                    "Return %(ret)s: no quantity to refund (nothing received).",
                    ret=self.display_name,
                )
            )
        for product in lines.product_id:
            mine = lines.filtered(lambda line, p=product: line.product_id == p)
            qty = sum(line._to_product_qty(line.qty_refund) for line in mine)
            invoiced = mine[:1]._invoiced_left(exclude=self)
            if not mine.invoice_line_id or product.uom_id.compare(qty, invoiced) > 0:
                raise UserError(
                    self.env._(
                        "Return %(ret)s: %(qty)s %(product)s to refund, but invoice %(invoice)s "
                        "has only %(invoiced)s.",
                        ret=self.display_name,
                        qty=qty,
                        product=product.display_name,
                        invoice=invoice.display_name,
                        invoiced=invoiced if mine.invoice_line_id else 0.0,
                    )
                )
        today = self._company_today()
        credit = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(self._prepare_refund_vals(invoice, today, lines))
        )
        credit.action_post()
        self.sudo().credit_note_id = credit
        lines._reduce_ordered_quantities()
        return credit

    def _post_charges(self):
        """Idempotent: returns whose charges are already posted are skipped; callers lock the
        rows first so that two runs at once post once. The dealer's part goes to its repair
        fund or on an invoice, as decided by the charge mixin."""
        if any(not r._charges_on_fund() for r in self):
            self._check_invoicing()
        product = self.env.ref(
            "after_sales_service.product_after_sales_return_charge", raise_if_not_found=False
        )
        for ret in self.filtered(lambda r: not r.charges_posted):
            dealer_items = ret._cost_split()[returns.DEALER]
            if not dealer_items:
                continue
            lang_env = ret._get_charge_lang_env(ret.commercial_dealer_id)
            labels = ret.with_env(lang_env)._cost_labels()
            note = "\n".join(
                f"{labels[item]}: {amount:.2f}" for item, amount in dealer_items.items()
            )
            charge = ret._post_dealer_charge(
                ret.commercial_dealer_id,
                [
                    {
                        "name": lang_env._(
                            "%(item)s (return %(ret)s)", item=labels[item], ret=ret.name
                        ),
                        "product": product,
                        "quantity": 1.0,
                        "price_unit": ret.currency_id.round(amount),
                    }
                    for item, amount in dealer_items.items()
                ],
                ret._company_today(),
                label=lang_env._("Return %(ret)s charges", ret=ret.name),
                kind="return_charge",
                source=ret,
                note=note,
            )
            field = (
                "charge_entry_id" if charge._name == "after_sales.fund.entry" else "charge_move_id"
            )
            ret.sudo()[field] = charge

    def _check_type_allowed(self):
        """What the seed allows of each type, checked on submission and approval: transport
        damage is never dead on arrival (合同一 五.2), a quality defect needs a card received in
        time (R2), and a contract may refuse dealer stock returns (合同一 五.1)."""
        self.ensure_one()
        if self.return_type == returns.TYPE_DOA and self.transport_damage:
            raise UserError(
                self.env._(
                    "Return %(ret)s: damage from transport is never dead on arrival; choose "
                    "another type.",
                    ret=self.display_name,
                )
            )
        if self.return_type == returns.TYPE_QUALITY and (not self.card_id or self.card_id.is_late):
            raise UserError(
                self.env._(
                    "Return %(ret)s: a quality-defect return needs the unit's warranty card, "
                    "received in time; without it the unit is an ordinary in-warranty return.",
                    ret=self.display_name,
                )
            )
        contract = self.contract_id.sudo()
        if (
            self.return_type == returns.TYPE_DEALER_STOCK
            and contract
            and not contract.dealer_stock_return_allowed
        ):
            raise UserError(
                self.env._(
                    "Return %(ret)s: contract %(contract)s provides no return of the dealer's "
                    "stock.",
                    ret=self.display_name,
                    contract=self.contract_id.display_name,
                )
            )

    def _check_approvable(self):
        """Before the written approval: a dead-on-arrival or quality-defect unit is repaired
        by the dealer first (应先进行维修) and returned only when the repair failed, recorded as
        a claim; a batch quality problem waits for the technical appraisal (合同五 六)."""
        self.ensure_one()
        if self.return_type in (returns.TYPE_DOA, returns.TYPE_QUALITY):
            claim = self.claim_id.sudo()
            if not claim or claim.state == "cancel" or claim.result != "not_ok":
                raise UserError(
                    self.env._(
                        "Return %(ret)s: the dealer repairs a dead-on-arrival or quality-defect "
                        "unit first. Record the failed repair (a claim whose result is Not OK) "
                        "on the return before approving it.",
                        ret=self.display_name,
                    )
                )
        if self.return_type == returns.TYPE_BATCH and not self.date_batch_appraised:
            raise UserError(
                self.env._(
                    "Return %(ret)s: a batch quality problem is exchanged only after the "
                    "technical department's appraisal.",
                    ret=self.display_name,
                )
            )

    def _check_resolvable(self):
        self.ensure_one()
        if self.state == "approved" and not self.needs_receipt:
            pass
        elif self.state != "received":
            raise UserError(
                self.env._(
                    "Return %(ret)s is %(state)s: it is resolved once its goods are received "
                    "(or when every line is refunded without return).",
                    ret=self.display_name,
                    state=self._state_label(),
                )
            )
        if not self.resolution:
            raise UserError(
                self.env._(
                    "Return %(ret)s: choose how it is resolved (repair, exchange or refund).",
                    ret=self.display_name,
                )
            )
        if self.return_type == returns.TYPE_BATCH and self.resolution != "exchange":
            raise UserError(
                self.env._(
                    "Return %(ret)s: a batch quality problem is resolved by exchange after the "
                    "technical appraisal, not by repair or refund.",
                    ret=self.display_name,
                )
            )
        if self.resolution != "refund" and not self.needs_receipt:
            raise UserError(
                self.env._(
                    "Return %(ret)s: goods refunded without return cannot be repaired or "
                    "exchanged.",
                    ret=self.display_name,
                )
            )
        if self.credit_note_id or self._delivery_moves():
            raise UserError(
                self.env._("Return %(ret)s is already resolved.", ret=self.display_name)
            )

    def _check_done(self):
        """Resolved returns whose deliveries are all validated and whose credit note is posted
        are done. Called after resolving and after each validated delivery."""
        for ret in self.filtered(lambda r: r.state == "resolved"):
            deliveries = ret._delivery_moves()
            if any(m.state not in ("done", "cancel") for m in deliveries):
                continue
            if ret.resolution == "refund" and ret.credit_note_id.sudo().state != "posted":
                continue
            ret.sudo().state = "done"

    def _on_receipt_done(self):
        """Called when receipt moves are validated or cancelled: approved returns whose
        receipts are all validated or cancelled (the rest of a partial receipt cancelled, no
        backorder, or the backorder cancelled) become received with what arrived. The
        warehouse's quantities prevail; a return of which nothing at all arrived stays
        approved."""
        for ret in self.filtered(lambda r: r.state == "approved"):
            today = ret._company_today()
            moves = ret._receipt_moves().filtered(lambda m: m.location_id.usage == "customer")
            if not moves or any(m.state not in ("done", "cancel") for m in moves):
                continue
            if not moves.filtered(lambda m: m.state == "done"):
                continue
            ret.sudo().write({"state": "received", "date_received": today})
            lines = ret.line_ids.filtered(lambda line: not line.refund_without_return)
            excess = lines.filtered(
                lambda line: line.product_uom_id.compare(line.qty_received, line.quantity) > 0
            )
            short = lines.filtered(
                lambda line: line.product_uom_id.compare(line.qty_received, line.quantity) < 0
            )
            if excess:
                ret.message_post(
                    body=self.env._(
                        "Received beyond the approved list, refused and not credited: %(lines)s",
                        lines=", ".join(
                            self.env._(
                                "%(product)s %(excess)s (%(received)s received, %(approved)s "
                                "approved)",
                                product=line.product_id.display_name,
                                excess=f"{line.qty_received - line.quantity:g}",
                                received=f"{line.qty_received:g}",
                                approved=f"{line.quantity:g}",
                            )
                            for line in excess
                        ),
                    )
                )
            if short:
                ret.message_post(
                    body=self.env._(
                        "Received quantities differ from the request and prevail: %(lines)s",
                        lines=", ".join(
                            f"{line.product_id.display_name} "
                            f"{line.qty_received:g}/{line.quantity:g}"
                            for line in short
                        ),
                    )
                )

    def _lock(self):
        """Row-lock the returns (money-moving actions): a concurrent run fails at once instead
        of posting twice."""
        if not self.ids:
            return
        if len(self.try_lock_for_update()) != len(self.ids):
            raise UserError(
                self.env._(
                    "Another user is working on return %(ret)s right now. Try again in a moment.",
                    ret=self[:1].display_name,
                )
            )
        self.invalidate_recordset()

    def _open_move(self, move):
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
        }

    def _check_manager(self):
        """Approving, refusing and resolving are an after-sales manager's."""
        self._check_group(
            GROUP_MANAGER,
            self.env._("Only an after-sales manager approves, refuses and resolves returns."),
        )

    def _check_desk(self):
        self._check_group(
            GROUP_USER, self.env._("Only the after-sales service desk submits and reopens returns.")
        )

    def _check_invoicing(self):
        """Credit notes and charge invoices are posted with Odoo's invoicing rights (§9)."""
        self._check_group(
            "account.group_account_invoice",
            self.env._(
                "Posting the credit notes and invoices of returns needs invoicing rights "
                "(Accounting / Invoicing)."
            ),
        )


class AfterSalesReturnLine(models.Model):
    """One returned product of a return request: serial (chosen among those delivered to the
    dealer), requested and received quantities, reason and photos."""

    _name = "after_sales.return.line"
    _description = "Return Request Line"
    _inherit = ["after_sales.computed.guard.mixin"]
    _order = "return_id, sequence, id"
    _check_company_auto = True

    _quantity_positive = models.Constraint(
        "CHECK(quantity > 0)", "The requested quantity must be positive."
    )

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    sequence = fields.Integer(default=10)
    return_id = fields.Many2one("after_sales.return", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="return_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="return_id.currency_id")
    dealer_id = fields.Many2one(related="return_id.commercial_dealer_id", store=True, index=True)
    state = fields.Selection(related="return_id.state")
    product_id = fields.Many2one("product.product", required=True, check_company=True)
    tracking = fields.Selection(related="product_id.tracking")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        check_company=True,
        domain="[('id', 'in', allowed_lot_ids)]",
        help="Chosen among the serials delivered to the dealer.",
    )
    allowed_lot_ids = fields.Many2many("stock.lot", compute="_compute_allowed_lot_ids")
    quantity = fields.Float(string="Requested", default=1.0, required=True, digits="Product Unit")
    product_uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_product_uom_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The unit of the requested, received and refunded quantities; the product's by "
        "default.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        compute="_compute_origin_lines",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        help="The dealer's order line the goods were delivered on: the return gives it back "
        "(its delivered and invoiced quantities drop together).",
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        string="Original Invoice Line",
        compute="_compute_origin_lines",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        help="The original invoice's line of the goods: its price after discount is refunded.",
    )
    qty_received = fields.Float(
        string="Received",
        compute="_compute_qty_received",
        store=True,
        digits="Product Unit",
        help="What the warehouse actually received; it prevails over the request.",
    )
    refund_without_return = fields.Boolean(
        help="Decided by the manager: refunded without the goods coming back.",
    )
    qty_refund = fields.Float(
        string="To Refund",
        compute="_compute_qty_refund",
        digits="Product Unit",
        help="The received quantity, or the requested one when refunded without return.",
    )
    exchange_product_id = fields.Many2one(
        "product.product",
        string="Exchange For",
        check_company=True,
        help="Exchange: the product sent instead (a successor model); the same product if empty.",
    )
    reason = fields.Char(required=True, help="Why the product is returned (fault, case).")
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "after_sales_return_line_attachment_rel",
        "line_id",
        "attachment_id",
        string="Photos",
    )
    move_ids = fields.One2many("stock.move", "after_sales_return_line_id", string="Stock Moves")
    refund_currency_id = fields.Many2one(related="return_id.refund_currency_id")
    price_unit = fields.Monetary(
        string="Invoiced Price",
        currency_field="refund_currency_id",
        compute="_compute_price_unit",
        help="Untaxed and after discount, on the original invoice, per the line's unit.",
    )
    refund_subtotal = fields.Monetary(
        currency_field="refund_currency_id", compute="_compute_refund_subtotal"
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("return_id.dealer_id", "product_id")
    def _compute_allowed_lot_ids(self):
        for ret in self.return_id:
            lots = self.env["stock.lot"].browse([lot.id for lot in ret._delivered_lot_dates()])
            for line in self.filtered(lambda x, r=ret: x.return_id == r):
                line.allowed_lot_ids = lots.filtered(
                    lambda lot, p=line.product_id: lot.product_id == p
                )
        for line in self.filtered(lambda x: not x.return_id):
            line.allowed_lot_ids = False

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        for line in self:
            product_uom = line.product_id.uom_id
            if not product_uom:
                continue
            if not line.product_uom_id or not line.product_uom_id._has_common_reference(
                product_uom
            ):
                line.product_uom_id = product_uom

    @api.depends(
        "product_id",
        "lot_id",
        "quantity",
        "product_uom_id",
        "return_id.origin_invoice_id",
        "return_id.dealer_id",
    )
    def _compute_origin_lines(self):
        """The sale line and the invoice line the goods come from, one pair: the receipt gives
        the goods back to that sale line and the credit note refunds that invoice line."""
        for line in self:
            sale_line = line._find_sale_line()
            invoice = line.return_id.origin_invoice_id.sudo()
            if invoice:
                amls = invoice.invoice_line_ids
            else:
                amls = sale_line.sudo().invoice_lines.filtered(
                    lambda x: x.move_id.move_type == "out_invoice" and x.parent_state == "posted"
                )
            amls = amls.filtered(
                lambda x, p=line.product_id: x.display_type == "product" and x.product_id == p
            )
            aml = amls.filtered(lambda x, sl=sale_line: sl in x.sale_line_ids)[:1] or amls[:1]
            if not sale_line and aml.sale_line_ids:
                sale_line = aml.sale_line_ids[:1]
            line.sale_line_id = sale_line.with_env(self.env)
            line.invoice_line_id = aml.with_env(self.env)

    @api.depends(
        "move_ids.state",
        "move_ids.quantity",
        "move_ids.after_sales_return_kind",
        "move_ids.location_id",
        "move_ids.location_dest_id",
    )
    def _compute_qty_received(self):
        for line in self:
            qty = 0.0
            for move in line.move_ids:
                if move.after_sales_return_kind != "receipt" or move.state != "done":
                    continue
                done = move.product_uom._compute_quantity(
                    move.quantity, line.product_uom_id or line.product_id.uom_id, round=False
                )
                if move.location_id.usage == "customer":
                    qty += done
                elif move.location_dest_id.usage == "customer":
                    qty -= done
            line.qty_received = qty

    @api.depends("qty_received", "quantity", "refund_without_return")
    def _compute_qty_refund(self):
        for line in self:
            line.qty_refund = line.quantity if line.refund_without_return else line._qty_accepted()

    def _qty_accepted(self):
        """R7/R28: what the manufacturer accepts of the received goods: the received quantity
        (it prevails over a shorter delivery), but no more than the approved list's quantity;
        goods beyond the list are refused, neither credited nor exchanged. A line without a
        listed quantity takes what was received."""
        self.ensure_one()
        if self.quantity <= 0:
            return self.qty_received
        return min(self.qty_received, self.quantity)

    @api.depends("invoice_line_id.price_unit", "invoice_line_id.discount", "product_uom_id")
    def _compute_price_unit(self):
        for line in self:
            aml = line.invoice_line_id.sudo()
            if not aml:
                line.price_unit = 0.0
                continue
            price = aml.price_unit * (1.0 - (aml.discount or 0.0) / 100.0)
            unit = line.product_uom_id or line.product_id.uom_id
            line.price_unit = (aml.product_uom_id or unit)._compute_price(price, unit)

    @api.depends("qty_refund", "price_unit", "refund_currency_id")
    def _compute_refund_subtotal(self):
        for line in self:
            amount = line.qty_refund * line.price_unit
            currency = line.refund_currency_id
            line.refund_subtotal = currency.round(amount) if currency else amount

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("lot_id", "product_id", "quantity")
    def _check_lot(self):
        for line in self.filtered("lot_id"):
            if line.lot_id.product_id != line.product_id:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: serial %(lot)s belongs to %(lot_product)s, not to "
                        "%(product)s.",
                        ret=line.return_id.display_name,
                        lot=line.lot_id.name,
                        lot_product=line.lot_id.product_id.display_name,
                        product=line.product_id.display_name,
                    )
                )
            if line.product_id.tracking == "serial" and line._to_product_qty(line.quantity) != 1:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: serial %(lot)s is one unit; the quantity must be 1.",
                        ret=line.return_id.display_name,
                        lot=line.lot_id.name,
                    )
                )
            if line.lot_id not in line.allowed_lot_ids:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: serial %(lot)s was never delivered to dealer %(dealer)s.",
                        ret=line.return_id.display_name,
                        lot=line.lot_id.name,
                        dealer=line.return_id.dealer_id.display_name,
                    )
                )

    @api.constrains("invoice_line_id", "product_id")
    def _check_origin_invoice_line(self):
        """The credit note refunds the original invoice line at its price: it must be a line
        of the return's original invoice (when one is chosen), of a customer invoice of the
        dealer (or of the dealer above a sub-dealer, as the credit note accepts), for the
        returned product. Otherwise a client could refund the goods at another line's
        price. A serial never delivered to the dealer (its line follows another dealer's
        invoice) is left to :meth:`_check_lot`, which refuses it for its serial."""
        lines = self.filtered(
            lambda x: x.invoice_line_id and not (x.lot_id and x.lot_id not in x.allowed_lot_ids)
        )
        for line in lines:
            ret = line.return_id
            aml = line.invoice_line_id.sudo()
            invoice = aml.move_id
            origin = ret.origin_invoice_id.sudo()
            if origin and invoice != origin:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: the original invoice line of %(product)s is on "
                        "%(invoice)s, not on the return's original invoice %(origin)s.",
                        ret=ret.display_name,
                        product=line.product_id.display_name,
                        invoice=invoice.display_name,
                        origin=origin.display_name,
                    )
                )
            if (
                invoice.move_type != "out_invoice"
                or invoice.commercial_partner_id not in ret._refundable_invoice_partners()
            ):
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: the original invoice line of %(product)s is on "
                        "%(invoice)s, which is not a customer invoice of dealer %(dealer)s.",
                        ret=ret.display_name,
                        product=line.product_id.display_name,
                        invoice=invoice.display_name,
                        dealer=ret.dealer_id.display_name,
                    )
                )
            if aml.product_id != line.product_id:
                raise ValidationError(
                    self.env._(
                        "Return %(ret)s: the original invoice line of %(product)s is a line "
                        "of %(other)s on %(invoice)s; choose a line of the returned product.",
                        ret=ret.display_name,
                        product=line.product_id.display_name,
                        other=aml.product_id.display_name or aml.name,
                        invoice=invoice.display_name,
                    )
                )

    @api.constrains("refund_without_return")
    def _check_refund_without_return(self):
        if self.env.su or self.env.user.has_group(GROUP_MANAGER):
            return
        if self.filtered("refund_without_return"):
            raise AccessError(
                self.env._("Only an after-sales manager decides a refund without return.")
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_goods_editable()
        return lines

    def write(self, vals):
        if "refund_without_return" in vals and not (
            self.env.su or self.env.user.has_group(GROUP_MANAGER)
        ):
            raise AccessError(
                self.env._("Only an after-sales manager decides a refund without return.")
            )
        frozen = {
            "product_id",
            "lot_id",
            "quantity",
            "product_uom_id",
            "sale_line_id",
            "invoice_line_id",
            "refund_without_return",
            "return_id",
        } & set(vals)
        if frozen:
            self._check_goods_editable()
        closed = (
            self.return_id.filtered(lambda r: r.state in ("resolved", "done"))
            if not self.env.su and set(vals) - {"sequence"}
            else self.return_id.browse()
        )
        if closed:
            raise UserError(
                self.env._(
                    "Return %(ret)s is %(state)s: its goods, their exchange and their "
                    "reasons can no longer change.",
                    ret=closed[0].display_name,
                    state=closed[0]._state_label(),
                )
            )
        result = super().write(vals)
        if "return_id" in vals:
            self._check_goods_editable()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_if_goods_editable(self):
        self._check_goods_editable()

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _check_goods_editable(self):
        """Refuse, unless under ``sudo()``, to add, change or remove goods of a return past
        submission (refused returns are reset to draft first): its approval, receipt and
        refund are for that list of goods. Called by create, write and unlink."""
        if self.env.su:
            return
        approved = self.return_id.filtered(
            lambda r: r.state not in ("draft", "submitted", "refused")
        )
        if approved:
            raise UserError(
                self.env._(
                    "Return %(ret)s is approved: its list of goods can no longer change.",
                    ret=approved[0].display_name,
                )
            )

    def _to_product_qty(self, quantity):
        """``quantity`` of the line's unit in the product's unit."""
        self.ensure_one()
        unit = self.product_uom_id or self.product_id.uom_id
        return unit._compute_quantity(quantity, self.product_id.uom_id, round=False)

    def _find_sale_line(self, use_invoice=True):
        """The sale line the line's goods were delivered on: the serial's delivery; else the
        order line of the return's original invoice (unless ``use_invoice`` is false: the
        original invoice proposed is looked up from this line); else the dealer's latest
        delivered order line of the product that still has the quantity to return (the
        latest one when none has: the submission then says how much is left)."""
        self.ensure_one()
        ret = self.return_id
        SaleLine = self.env["sale.order.line"].sudo()
        if not self.product_id or not ret.dealer_id:
            return SaleLine.browse()
        if self.lot_id:
            ml = (
                self.env["stock.move.line"]
                .sudo()
                .search(
                    [
                        ("state", "=", "done"),
                        ("lot_id", "=", self.lot_id.id),
                        ("location_dest_id.usage", "=", "customer"),
                        ("move_id.sale_line_id", "!=", False),
                        ("move_id.after_sales_return_line_id", "=", False),
                    ],
                    order="date desc, id desc",
                    limit=1,
                )
            )
            return ml.move_id.sale_line_id
        invoice = ret.origin_invoice_id.sudo() if use_invoice else None
        if invoice:
            invoiced = invoice.invoice_line_ids.filtered(
                lambda x: x.display_type == "product" and x.product_id == self.product_id
            ).sale_line_ids.filtered(lambda sl: sl.qty_delivered > 0)
            if invoiced:
                return invoiced.sorted("id", reverse=True)[:1]
        candidates = SaleLine.search(
            [
                ("order_id.partner_id", "child_of", ret.commercial_dealer_id.id),
                ("company_id", "=", ret.company_id.id),
                ("product_id", "=", self.product_id.id),
                ("qty_delivered", ">", 0),
                ("state", "=", "sale"),
            ],
            order="id desc",
        )
        wanted = self._to_product_qty(self.quantity)
        uom = self.product_id.uom_id
        for candidate in candidates:
            if uom.compare(self._delivered_left(candidate), wanted) >= 0:
                return candidate
        return candidates[:1]

    def _other_lines(self, field, record=None):
        """Lines of the dealer's other returns, still open or done, on the same ``field``
        (sale line or invoice line) as this one, or on ``record``; refused and draft returns
        do not count."""
        self.ensure_one()
        record = self[field] if record is None else record
        if not record:
            return self.browse()
        return (
            self.sudo()
            .search(
                [
                    (field, "=", record.id),
                    ("return_id", "!=", self.return_id._origin.id),
                    ("return_id.state", "in", (*OPEN_STATES, "done")),
                ]
            )
            .with_env(self.env)
        )

    def _claimed_qty(self):
        """What a return line holds of its origin, in the product's unit: the received
        quantity once goods arrived, the requested one before."""
        self.ensure_one()
        received = self.return_id.state in ("received", "resolved", "done")
        qty = self.qty_refund if received or self.refund_without_return else self.quantity
        return self._to_product_qty(qty)

    def _delivered_left(self, sale_line=None):
        """What the dealer can still return of the line's sale line (or of ``sale_line``), in
        the product's unit: delivered on it (the manufacturer's own returns deducted, never
        the after-sales moves), minus the other returns that hold or sent back goods of it.
        None without a sale line."""
        self.ensure_one()
        sale_line = (self.sale_line_id if sale_line is None else sale_line).sudo()
        if not sale_line:
            return None
        uom = self.product_id.uom_id
        delivered = 0.0
        for move in sale_line.move_ids.filtered(
            lambda m: m.state == "done" and not m.after_sales_return_line_id
        ):
            qty = move.product_uom._compute_quantity(move.quantity, uom, round=False)
            if move.location_dest_id.usage == "customer":
                delivered += qty
            elif move.location_id.usage == "customer" and move.to_refund:
                delivered -= qty
        others = self._other_lines("sale_line_id", sale_line).filtered(
            lambda x: (
                not (
                    x.return_id.resolution in ("repair", "exchange") and x.return_id.state == "done"
                )
            )
        )
        returned = sum(other._claimed_qty() for other in others)
        return returns.returnable_quantity(delivered, returned)

    def _invoiced_left(self, exclude=None):
        """What the invoice line can still refund, in the product's unit: its quantity minus
        the posted credit notes of the same invoice and product, and minus the other open
        returns to be refunded from it. None without an invoice line."""
        self.ensure_one()
        aml = self.invoice_line_id.sudo()
        if not aml:
            return None
        uom = self.product_id.uom_id
        invoice = aml.move_id
        invoiced = aml.product_uom_id._compute_quantity(aml.quantity, uom, round=False)
        same = invoice.invoice_line_ids.filtered(
            lambda x: x.display_type == "product" and x.product_id == aml.product_id
        )
        if len(same) > 1:
            invoiced = sum(
                x.product_uom_id._compute_quantity(x.quantity, uom, round=False) for x in same
            )
        refunds = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("reversed_entry_id", "=", invoice.id),
                    ("move_type", "=", "out_refund"),
                    ("state", "=", "posted"),
                ]
            )
        )
        refunded = sum(
            x.product_uom_id._compute_quantity(x.quantity, uom, round=False)
            for x in refunds.invoice_line_ids
            if x.display_type == "product" and x.product_id == aml.product_id
        )
        others = self._other_lines("invoice_line_id").filtered(
            lambda x: (
                x.return_id != exclude
                and x.return_id.resolution not in ("repair", "exchange")
                and x.return_id.credit_note_id.state != "posted"
            )
        )
        pending = sum(other._claimed_qty() for other in others)
        return returns.returnable_quantity(invoiced, refunded + pending)

    def _check_returnable(self):
        """Refuse, on submission, a line beyond what the dealer bought and has not returned
        yet (with the earlier returns and credit notes of the same sale and invoice line), and
        a serial that is already back at the manufacturer or on another open return."""
        for line in self:
            ret = line.return_id
            if line.lot_id:
                line._check_serial_is_out()
            qty = line._to_product_qty(line.quantity)
            uom = line.product_id.uom_id
            for left, doc in (
                (line._delivered_left(), line.sale_line_id.sudo().order_id),
                (line._invoiced_left(), line.invoice_line_id.sudo().move_id),
            ):
                if left is not None and uom.compare(qty, left) > 0:
                    raise UserError(
                        self.env._(
                            "Return %(ret)s: %(qty)s %(uom)s of %(product)s is more than dealer "
                            "%(dealer)s can still return from %(doc)s (%(left)s %(uom)s left "
                            "after the earlier returns and credit notes).",
                            ret=ret.display_name,
                            qty=qty,
                            uom=uom.name,
                            product=line.product_id.display_name,
                            dealer=ret.dealer_id.display_name,
                            doc=doc.display_name,
                            left=left,
                        )
                    )

    def _check_serial_is_out(self):
        """The serial must be at the dealer's: its latest move delivered it to a customer,
        and no other open return holds it."""
        self.ensure_one()
        ret = self.return_id
        last = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("state", "=", "done"),
                    ("lot_id", "=", self.lot_id.id),
                    ("company_id", "=", ret.company_id.id),
                ],
                order="date desc, id desc",
                limit=1,
            )
        )
        if last and last.location_dest_id.usage != "customer":
            raise UserError(
                self.env._(
                    "Return %(ret)s: serial %(lot)s is already back at the manufacturer (%(doc)s).",
                    ret=ret.display_name,
                    lot=self.lot_id.name,
                    doc=last.picking_id.display_name or last.reference,
                )
            )
        other = self.sudo().search(
            [
                ("lot_id", "=", self.lot_id.id),
                ("return_id", "!=", ret.id),
                ("return_id.state", "in", OPEN_STATES),
            ],
            limit=1,
        )
        if other:
            raise UserError(
                self.env._(
                    "Return %(ret)s: serial %(lot)s is already on return %(other)s.",
                    ret=ret.display_name,
                    lot=self.lot_id.name,
                    other=other.return_id.display_name,
                )
            )

    def _prepare_move_vals(self, product, quantity, source, dest, kind):
        """A receipt (``kind`` "receipt") or delivery ("delivery") move of this line, for
        ``quantity`` in the line's unit. Goods of the line's own product move in that unit and
        give back (or deliver again) its sale line; another product (an exchange's successor)
        moves in its own unit, the quantity converted (2 dozen are 24 units)."""
        self.ensure_one()
        unit = self.product_uom_id or self.product_id.uom_id
        if product != self.product_id:
            quantity = unit._compute_quantity(quantity, product.uom_id)
            unit = product.uom_id
        vals = {
            "product_id": product.id,
            "product_uom_qty": quantity,
            "product_uom": unit.id,
            "location_id": source.id,
            "location_dest_id": dest.id,
            "company_id": self.company_id.id,
            "partner_id": self.return_id.dealer_id.id,
            "origin": self.return_id.name,
            "after_sales_return_line_id": self.id,
            "after_sales_return_kind": kind,
        }
        exchange_other = (
            self.return_id.resolution == "exchange"
            and self.exchange_product_id
            and self.exchange_product_id != self.product_id
        )
        if self.sale_line_id and product == self.product_id and not exchange_other:
            vals["sale_line_id"] = self.sale_line_id.id
            vals["to_refund"] = True
        return vals

    def _reduce_ordered_quantities(self):
        """A refunded line of an order invoiced on ordered quantities lowers the ordered
        quantity too: delivered, invoiced and ordered drop together and the refunded goods do
        not come back as "to invoice" (delivered-quantity orders need nothing: both drop)."""
        for line in self.filtered(lambda x: x.sale_line_id and not x.refund_without_return):
            sale_line = line.sale_line_id.sudo()
            if sale_line.product_id.invoice_policy != "order":
                continue
            unit = line.product_uom_id or line.product_id.uom_id
            qty = unit._compute_quantity(line.qty_refund, sale_line.product_uom_id, round=False)
            new_qty = max(sale_line.qty_delivered, sale_line.product_uom_qty - qty)
            if sale_line.product_uom_id.compare(new_qty, sale_line.product_uom_qty) < 0:
                sale_line.product_uom_qty = new_qty

    def _prepare_refund_line_vals(self):
        """The credit note line of this line: the original invoice line's product, account,
        taxes, discount and sale line, for the refunded quantity in the line's unit at the
        invoice price per that unit."""
        self.ensure_one()
        aml = self.invoice_line_id.sudo()
        unit = self.product_uom_id or self.product_id.uom_id
        return {
            "product_id": self.product_id.id,
            "name": aml.name or self.product_id.display_name,
            "product_uom_id": unit.id,
            "quantity": self.qty_refund,
            "price_unit": (aml.product_uom_id or unit)._compute_price(aml.price_unit, unit),
            "discount": aml.discount,
            "account_id": aml.account_id.id,
            "tax_ids": [Command.set(aml.tax_ids.ids)],
            # goods kept by the dealer (refund without return) are a price allowance: the
            # order keeps them delivered and invoiced
            "sale_line_ids": [
                Command.set([] if self.refund_without_return else aml.sale_line_ids.ids)
            ],
            "analytic_distribution": aml.analytic_distribution,
        }

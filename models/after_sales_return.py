from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from ..tools import returns

RETURN_TYPES = [
    (returns.TYPE_DOA, "Dead on Arrival (R3)"),
    (returns.TYPE_QUALITY, "Quality Defect (R4)"),
    (returns.TYPE_BATCH, "Batch Quality Problem (R8)"),
    (returns.TYPE_IN_WARRANTY, "In-warranty Repair Return (R5)"),
    (returns.TYPE_OUT_OF_WARRANTY, "Out of Warranty (R6)"),
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
GROUP_MANAGER = "after_sales_service.after_sales_service_group_manager"
GROUP_STOCK = "stock.group_stock_user"


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
        "after_sales.dealer.mixin",
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
        string="Request Date", required=True, default=fields.Date.context_today, copy=False
    )
    description = fields.Text(
        string="Request",
        help="R7: the dealer's written request; the detailed list is in the lines.",
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
        default=fields.Date.context_today,
        tracking=True,
    )
    delivery_date = fields.Date(
        string="Received by Dealer",
        compute="_compute_delivery_date",
        store=True,
        readonly=False,
        precompute=True,
        help="R3: when the dealer received the goods: the done delivery of the returned serials "
        "(the earliest of them), or the claim's delivery date.",
    )
    sale_date = fields.Date(related="card_id.sale_date", string="Retail Sale Date")
    warranty_end = fields.Date(related="card_id.warranty_end")
    suggested_type = fields.Selection(
        RETURN_TYPES, compute="_compute_suggestion", help="What the dates say (R3-R6)."
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
        help="The warehouse refused incomplete or disordered goods (R7).",
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
    restocking_fee_value = fields.Float(string="Restocking Fee", digits="Account")
    refund_base_amount = fields.Monetary(
        string="Refund before Fee",
        compute="_compute_refund_amounts",
        help="Refunded quantities (the received quantity prevails) at the original invoice "
        "prices, untaxed.",
    )
    restocking_fee_amount = fields.Monetary(compute="_compute_refund_amounts")
    refund_amount = fields.Monetary(string="Refund (untaxed)", compute="_compute_refund_amounts")

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
    )
    def _compute_refund_amounts(self):
        for ret in self:
            base = ret.currency_id.round(sum(ret.line_ids.mapped("refund_subtotal")))
            fee = 0.0
            if ret.return_type == returns.TYPE_DEALER_STOCK and ret.resolution == "refund":
                fee = ret.currency_id.round(
                    returns.restocking_fee(base, ret.restocking_fee_type, ret.restocking_fee_value)
                )
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

    def write(self, vals):
        locked = {
            "freight_in_amount",
            "freight_out_amount",
            "parts_amount",
            "labour_amount",
            "return_type",
            "stock_case",
        }
        fixed = {"return_type", "type_override", "stock_case"} & set(vals)
        if fixed and not (self.env.su or self.env.user.has_group(GROUP_MANAGER)):
            submitted = self.filtered(lambda r: r.state != "draft")
            if submitted:
                raise AccessError(
                    self.env._(
                        "Return %(ret)s is submitted: only an after-sales manager changes its "
                        "type, which decides who pays (R7).",
                        ret=submitted[0].display_name,
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
        written approval (R7): a detailed list and a confirmed type are required."""
        self._check_state("draft")
        for ret in self:
            if not ret.line_ids:
                raise UserError(
                    self.env._(
                        "Return %(ret)s: list the returned products before submitting (R7).",
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
        self.write({"state": "submitted"})
        return True

    def action_approve(self, note=None):
        """The after-sales manager approves submitted returns in writing (R7). Approving several
        returns at once handles them as a batch: one receipt per dealer for all their goods."""
        self._check_manager()
        self._check_state("submitted")
        vals = {"state": "approved", "approver_id": self.env.uid}
        vals["date_approved"] = fields.Date.context_today(self)
        if note:
            vals["approval_note"] = note
        self.write(vals)
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
                "date_refused": fields.Date.context_today(self),
                "refused_at_receipt": False,
            }
        )
        at_receipt.write({"refused_at_receipt": True})
        return True

    def action_reset_draft(self):
        """Bring refused returns back to draft, to correct and resubmit them."""
        self._check_state("refused")
        self.write(
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
        self.write({"state": "resolved"})
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
            "delivery_date": claim.delivery_date,
            "line_ids": [Command.create(line)] if claim.product_id else [],
        }
        if claim.call_time:
            vals["date_defect"] = fields.Datetime.context_timestamp(self, claim.call_time).date()
        if claim.coverage_window in ("doa", "quality"):
            vals["type_override"] = claim.coverage_window
        if not commands:
            vals["line_ids"] = [Command.clear()] + vals["line_ids"]
        return vals

    def _suggestion_facts(self):
        self.ensure_one()
        contract = self.contract_id.sudo()
        return returns.Facts(
            defect_date=self.date_defect or fields.Date.context_today(self),
            delivery_date=self.delivery_date or None,
            sale_date=self.card_id.sale_date or None,
            warranty_end=self.card_id.warranty_end or None,
            doa_days=contract.doa_days if contract else 7,
            quality_days=contract.quality_days if contract else 15,
        )

    def _suggestion_text(self, suggestion):
        """The reason of the suggestion, in the user's language."""
        facts = self._suggestion_facts()
        _ = self.env._
        if suggestion.reason == returns.REASON_DOA_WINDOW:
            return _(
                "Defect found %(days)s days after the dealer received the goods on %(date)s: "
                "within the %(window)s-day dead-on-arrival window (R3).",
                days=suggestion.days,
                date=format_date(self.env, facts.delivery_date),
                window=facts.doa_days,
            )
        if suggestion.reason == returns.REASON_QUALITY_WINDOW:
            return _(
                "Defect found %(days)s days after the retail sale on %(date)s: within the "
                "%(window)s-day quality-defect window (R4).",
                days=suggestion.days,
                date=format_date(self.env, facts.sale_date),
                window=facts.quality_days,
            )
        if suggestion.reason == returns.REASON_IN_WARRANTY:
            return _(
                "Sold on %(sale)s, past the early windows, within the warranty ending "
                "%(end)s (R5).",
                sale=format_date(self.env, facts.sale_date),
                end=format_date(self.env, facts.warranty_end) if facts.warranty_end else "-",
            )
        if suggestion.reason == returns.REASON_OUT_OF_WARRANTY:
            return _(
                "The warranty ended on %(end)s (R6).",
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
        """{lot: date the dealer received it}: the first done delivery of each serial to the
        dealer or its sub-dealers."""
        self.ensure_one()
        if not self.dealer_id:
            return {}
        groups = (
            self.env["stock.move.line"]
            .sudo()
            ._read_group(
                [
                    ("state", "=", "done"),
                    ("lot_id", "!=", False),
                    ("location_dest_id.usage", "=", "customer"),
                    ("picking_partner_id", "child_of", self.commercial_dealer_id.id),
                    ("company_id", "=", self.company_id.id),
                ],
                ["lot_id"],
                ["date:min"],
            )
        )
        return {
            lot.with_env(self.env): fields.Datetime.context_timestamp(self, date).date()
            for lot, date in groups
        }

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
            dealer = self.dealer_id.commercial_partner_id
            invoices = mls.move_id.sale_line_id.invoice_lines.move_id.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state == "posted"
                    and m.company_id == self.company_id
                    and m.commercial_partner_id in (dealer, dealer.parent_id.commercial_partner_id)
                )
            )
            if invoices:
                return invoices.sorted("invoice_date")[-1:].with_env(self.env)
        products = self.line_ids.product_id
        if not products:
            return self.env["account.move"]
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

    def _create_receipts(self):
        """One receipt per dealer and company for the physical lines of the returns in ``self``
        (a batch approved together arrives together). Serials are set on the move lines."""
        Picking = self.env["stock.picking"].sudo()

        groups = defaultdict(self.browse)
        for ret in self.filtered("needs_receipt"):
            groups[(ret.company_id, ret.commercial_dealer_id)] |= ret
        pickings = Picking.browse()
        for (company, dealer), rets in groups.items():
            warehouse = rets[0]._warehouse()
            ptype = warehouse.in_type_id
            source = dealer.with_company(company).property_stock_customer
            # returned goods wait apart from saleable stock until repaired or appraised
            dest = warehouse.after_sales_return_loc_id or ptype.default_location_dest_id
            lines = rets.line_ids.filtered(lambda line: not line.refund_without_return)
            picking = Picking.with_company(company).create(
                {
                    "picking_type_id": ptype.id,
                    "partner_id": dealer.id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "company_id": company.id,
                    "origin": ", ".join(rets.mapped("name")),
                    "move_ids": [
                        Command.create(
                            line._prepare_move_vals(line.product_id, line.quantity, source, dest)
                            | {"after_sales_return_kind": "receipt"}
                        )
                        for line in lines
                    ],
                }
            )
            picking.action_confirm()
            picking.move_ids._after_sales_set_lots()
            pickings |= picking
        return pickings

    def _create_delivery(self):
        """Send repaired (same serial) or exchanged (possibly a successor product) goods back
        to the dealer: one delivery of the received quantities."""
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda line: not line.product_id.uom_id.is_zero(line.qty_received)
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
            vals = line._prepare_move_vals(product, line.qty_received, source, dest)
            vals["after_sales_return_kind"] = "delivery"
            moves.append(Command.create(vals))
        picking = (
            self.env["stock.picking"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "picking_type_id": ptype.id,
                    "partner_id": self.dealer_id.id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "company_id": self.company_id.id,
                    "origin": self.name,
                    "move_ids": moves,
                }
            )
        )
        picking.action_confirm()
        picking.action_assign()
        if self.resolution == "repair":
            picking.move_ids._after_sales_set_lots()
        return picking

    def _create_credit_note(self):
        """Refund the refunded quantities (received, or requested when refunded without return)
        at the original invoice's prices with a reversal of that invoice, minus the restocking
        fee, and post it."""
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
        if invoice.commercial_partner_id not in (dealer, dealer.parent_id.commercial_partner_id):
            raise UserError(
                self.env._(
                    "Return %(ret)s: invoice %(invoice)s is not an invoice of dealer %(dealer)s.",
                    ret=self.display_name,
                    invoice=invoice.display_name,
                    dealer=dealer.display_name,
                )
            )
        qty_by_product = defaultdict(float)
        for line in self.line_ids:
            qty_by_product[line.product_id] += line.qty_refund
        qty_by_product = {p: q for p, q in qty_by_product.items() if q > 0}
        if not qty_by_product:
            raise UserError(
                self.env._(
                    "Return %(ret)s: no quantity to refund (nothing received).",
                    ret=self.display_name,
                )
            )
        invoiced = defaultdict(float)
        for aml in invoice.invoice_line_ids.filtered(lambda x: x.display_type == "product"):
            invoiced[aml.product_id] += aml.quantity
        for product, qty in qty_by_product.items():
            if product.uom_id.compare(qty, invoiced.get(product, 0.0)) > 0:
                raise UserError(
                    self.env._(
                        "Return %(ret)s: %(qty)s %(product)s to refund, but invoice %(invoice)s "
                        "has only %(invoiced)s.",
                        ret=self.display_name,
                        qty=qty,
                        product=product.display_name,
                        invoice=invoice.display_name,
                        invoiced=invoiced.get(product, 0.0),
                    )
                )
        today = fields.Date.context_today(self)
        credit = invoice.with_company(self.company_id)._reverse_moves(
            [
                {
                    "ref": self.env._(
                        "Return %(ret)s of %(invoice)s", ret=self.name, invoice=invoice.name
                    ),
                    "invoice_date": today,
                    "date": today,
                }
            ]
        )
        commands = []
        remaining = dict(qty_by_product)
        income_account = credit.invoice_line_ids[:1].account_id
        for aml in credit.invoice_line_ids:
            if aml.display_type != "product":
                continue
            qty = remaining.get(aml.product_id, 0.0)
            if qty > 0:
                take = min(qty, aml.quantity)
                remaining[aml.product_id] = qty - take
                commands.append(Command.update(aml.id, {"quantity": take}))
                income_account = aml.account_id
            else:
                commands.append(Command.delete(aml.id))
        if self.restocking_fee_amount:
            commands.append(
                Command.create(
                    {
                        "name": self.env._("Restocking fee of %(ret)s", ret=self.name),
                        "quantity": 1.0,
                        "price_unit": -self.restocking_fee_amount,
                        "account_id": income_account.id,
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        credit.write({"invoice_line_ids": commands})
        credit.action_post()
        self.credit_note_id = credit
        return credit

    def _post_charges(self):
        """Idempotent: returns whose charges are already posted are skipped; callers lock the
        rows first so that two runs at once post once."""
        if any(not r._charges_on_fund() for r in self):
            self._check_invoicing()
        today = fields.Date.context_today(self)
        labels = self._cost_labels()
        for ret in self.filtered(lambda r: not r.charges_posted):
            dealer_items = ret._cost_split()[returns.DEALER]
            if not dealer_items:
                continue
            total = ret.currency_id.round(sum(dealer_items.values()))
            contract = ret.contract_id
            if ret._charges_on_fund():
                note = "\n".join(
                    f"{labels[item]}: {amount:.2f}" for item, amount in dealer_items.items()
                )
                entry = contract._fund_post(
                    "r5_charge",
                    -total,
                    today,
                    self.env._("Return %(ret)s charges", ret=ret.name),
                    source=ret,
                    note=note,
                )
                ret.charge_entry_id = entry
            else:
                move = (
                    self.env["account.move"]
                    .sudo()
                    .with_company(ret.company_id)
                    .create(
                        {
                            "move_type": "out_invoice",
                            "partner_id": ret.commercial_dealer_id.id,
                            "company_id": ret.company_id.id,
                            "currency_id": ret.currency_id.id,
                            "invoice_date": today,
                            "invoice_origin": ret.name,
                            "invoice_line_ids": [
                                Command.create(
                                    {
                                        "name": self.env._(
                                            "%(item)s (return %(ret)s)",
                                            item=labels[item],
                                            ret=ret.name,
                                        ),
                                        "quantity": 1.0,
                                        "price_unit": amount,
                                        "tax_ids": [Command.clear()],
                                    }
                                )
                                for item, amount in dealer_items.items()
                            ],
                        }
                    )
                )
                move.action_post()
                ret.charge_move_id = move

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
                    "technical appraisal (R8), not by repair or refund.",
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
            ret.state = "done"

    def _on_receipt_done(self):
        """Called when receipt moves are validated: approved returns whose receipts are all
        validated (or cancelled) become received. The warehouse's quantities prevail."""
        today = fields.Date.context_today(self)
        for ret in self.filtered(lambda r: r.state == "approved"):
            moves = ret._receipt_moves()
            if moves and all(m.state in ("done", "cancel") for m in moves):
                ret.write({"state": "received", "date_received": today})
                short = ret.line_ids.filtered(
                    lambda line: (
                        line.product_id.uom_id.compare(line.qty_received, line.quantity) != 0
                        and not line.refund_without_return
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
                    "Another user is working on return %(ret)s right now. Try again in a "
                    "moment.",
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

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env)).get(self.state)

    def _check_state(self, *states):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for ret in self:
            if ret.state not in states:
                raise UserError(
                    self.env._(
                        "Return %(ret)s is %(state)s; this needs it to be %(expected)s.",
                        ret=ret.display_name,
                        state=labels[ret.state],
                        expected=" / ".join(labels[s] for s in states),
                    )
                )

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only an after-sales manager approves, refuses and resolves returns.")
            )

    def _charges_on_fund(self):
        """Dealer charges go to the repair fund while the dealer's budget contract runs (R5);
        otherwise, contract ended or paid out, they are invoiced."""
        self.ensure_one()
        return self.contract_id.state == "running" and self.contract_id.allowance_use == "budget"

    def _check_invoicing(self):
        """Credit notes and charge invoices are posted with Odoo's invoicing rights (§9)."""
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "Posting the credit notes and invoices of returns needs invoicing rights "
                    "(Accounting / Invoicing)."
                )
            )


class AfterSalesReturnLine(models.Model):
    """One returned product of a return request: serial (chosen among those delivered to the
    dealer), requested and received quantities, reason and photos."""

    _name = "after_sales.return.line"
    _description = "Return Request Line"
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
    qty_received = fields.Float(
        string="Received",
        compute="_compute_qty_received",
        store=True,
        digits="Product Unit",
        help="R7: what the warehouse actually received; it prevails over the request.",
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
    price_unit = fields.Monetary(
        string="Invoiced Price",
        compute="_compute_price_unit",
        help="Untaxed, on the original invoice.",
    )
    refund_subtotal = fields.Monetary(compute="_compute_refund_subtotal")

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
                done = move.product_uom._compute_quantity(move.quantity, line.product_id.uom_id)
                if move.location_id.usage == "customer":
                    qty += done
                elif move.location_dest_id.usage == "customer":
                    qty -= done
            line.qty_received = qty

    @api.depends("qty_received", "quantity", "refund_without_return")
    def _compute_qty_refund(self):
        for line in self:
            line.qty_refund = line.quantity if line.refund_without_return else line.qty_received

    @api.depends("product_id", "return_id.origin_invoice_id")
    def _compute_price_unit(self):
        for line in self:
            amls = line.return_id.origin_invoice_id.sudo().invoice_line_ids.filtered(
                lambda x, p=line.product_id: x.product_id == p and x.display_type == "product"
            )
            line.price_unit = amls[:1].price_unit if amls else 0.0

    @api.depends("qty_refund", "price_unit")
    def _compute_refund_subtotal(self):
        for line in self:
            line.refund_subtotal = line.qty_refund * line.price_unit

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
            if line.product_id.tracking == "serial" and line.quantity != 1:
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
    def write(self, vals):
        if "refund_without_return" in vals and not (
            self.env.su or self.env.user.has_group(GROUP_MANAGER)
        ):
            raise AccessError(
                self.env._("Only an after-sales manager decides a refund without return.")
            )
        return super().write(vals)

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _prepare_move_vals(self, product, quantity, source, dest):
        self.ensure_one()
        return {
            "product_id": product.id,
            "product_uom_qty": quantity,
            "product_uom": product.uom_id.id,
            "location_id": source.id,
            "location_dest_id": dest.id,
            "company_id": self.company_id.id,
            "partner_id": self.return_id.dealer_id.id,
            "origin": self.return_id.name,
            "after_sales_return_line_id": self.id,
        }

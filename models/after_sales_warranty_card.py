from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from ..tools import coverage
from .after_sales_document_mixin import GROUP_USER, check_number_kept

# Text limits of a card (the import reports longer cells row by row; the form refuses them).
MAX_LENGTH = {
    "customer_name": 128,
    "customer_phone": 32,
    "customer_address": 256,
    "invoice_number": 64,
}
# What a dealer fills in on the portal; the rest is the manufacturer's.
PORTAL_FIELDS = (
    "product_id",
    "lot_id",
    "sale_date",
    "invoice_number",
    "customer_name",
    "customer_phone",
    "customer_address",
)
# Dates of a registered card that decide whether it is late.
DATE_FIELDS = ("sale_date", "date_received")
# What the coverage of a card's approved claims was decided on (with the serial and product).
DECIDED_FIELDS = (*DATE_FIELDS, "dealer_id")


class AfterSalesWarrantyCard(models.Model):
    """A warranty registration card (三包回执卡, DOMAIN.md R17, R18, R2): one serial of a product
    sold by a dealer to an end customer. The service desk registers it when the card arrives; a
    card that arrives after the contract's deadline is late and its unit is not recognised for
    three-guarantee service (claims not reimbursable, not counted for unit allowances)."""

    _name = "after_sales.warranty.card"
    _description = "Warranty Card"
    _inherit = [
        "after_sales.document.mixin",
        "after_sales.dealer.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "date_received desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "lot_id", "customer_id", "invoice_number"]

    _one_active_card_per_serial = models.UniqueIndex(
        "(product_id, lot_id) WHERE state != 'void' AND active IS TRUE AND lot_id IS NOT NULL",
        "A serial number can have only one active warranty card.",
    )
    # the quarterly settlement looks up the quarter's falsified cards: a handful among the
    # hundreds of thousands of cards a network registers
    _falsified_received_idx = models.Index("(date_received, contract_id) WHERE falsified IS TRUE")

    # ------------------------------------------------------------
    # FIELDS: identity
    # ------------------------------------------------------------
    name = fields.Char(
        string="Card Number",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
        index="trigram",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("registered", "Registered"),
            ("late", "Late"),
            ("void", "Void"),
        ],
        string="Status",
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )

    # ------------------------------------------------------------
    # FIELDS: dealer and product
    # ------------------------------------------------------------
    dealer_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The dealer or sub-dealer that sold the unit.",
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, tracking=True, check_company=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index=True,
        tracking=True,
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )

    # ------------------------------------------------------------
    # FIELDS: customer and sale
    # ------------------------------------------------------------
    customer_id = fields.Many2one(
        "res.partner",
        string="End Customer",
        index=True,
        tracking=True,
        help="Left empty, a customer is created from the name, phone and address below.",
    )
    customer_name = fields.Char(
        compute="_compute_customer_details",
        store=True,
        readonly=False,
        precompute=True,
        help="The end customer's name as written on the card.",
    )
    customer_phone = fields.Char(
        compute="_compute_customer_details", store=True, readonly=False, precompute=True
    )
    customer_address = fields.Char(
        compute="_compute_customer_details", store=True, readonly=False, precompute=True
    )
    sale_date = fields.Date(
        string="Retail Sale Date",
        tracking=True,
        help="The warranty runs from this date. Required to register the card; a draft "
        "pre-filled from a delivery may not know it yet.",
    )
    invoice_number = fields.Char(tracking=True)
    date_received = fields.Date(
        string="Received On",
        tracking=True,
        help="When the manufacturer received the card from the dealer.",
    )
    warranty_end = fields.Date(
        compute="_compute_warranty_end",
        store=True,
        help="Retail sale date plus the contract's warranty months.",
    )
    is_late = fields.Boolean(
        compute="_compute_is_late",
        store=True,
        help="Received after the contract's card deadline: the unit is not recognised for "
        "three-guarantee service (the dealer's cost, never the customer's).",
    )
    falsified = fields.Boolean(
        tracking=True,
        help="A falsified card cancels the dealer's allowance for the quarter.",
    )
    falsified_reason = fields.Text(
        tracking=True, help="Required when the card is marked falsified: what was found."
    )
    sale_order_id = fields.Many2one("sale.order", string="Dealer Order", index="btree_not_null")
    claim_ids = fields.One2many("after_sales.claim", "card_id", string="Claims")
    claim_count = fields.Integer(compute="_compute_claim_count")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("customer_id")
    def _compute_customer_details(self):
        for card in self:
            partner = card.customer_id
            if partner:
                card.customer_name = partner.name
                card.customer_phone = partner.phone
                card.customer_address = ", ".join(
                    part for part in (partner.street, partner.street2, partner.city) if part
                )
            else:
                card.customer_name = card.customer_name
                card.customer_phone = card.customer_phone
                card.customer_address = card.customer_address

    def _compute_claim_count(self):
        counts = dict(
            self.env["after_sales.claim"]._read_group(
                [("card_id", "in", self.ids)], ["card_id"], ["__count"]
            )
        )
        for card in self:
            card.claim_count = counts.get(card, 0)

    @api.depends("sale_date", "contract_id.warranty_months")
    def _compute_warranty_end(self):
        for card in self:
            card.warranty_end = coverage.warranty_end(
                card.sale_date, card.contract_id.warranty_months or 12
            )

    @api.depends("sale_date", "date_received", "contract_id.card_deadline_days")
    def _compute_is_late(self):
        for card in self:
            deadline = card.contract_id.card_deadline_days if card.contract_id else 20
            card.is_late = coverage.is_card_late(card.sale_date, card.date_received, deadline)

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("sale_date", "date_received")
    def _check_dates(self):
        today = self._company_today()
        for card in self:
            if card.sale_date and card.sale_date > today:
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: the retail sale date %(date)s is in the future.",
                        card=card.display_name,
                        date=card.sale_date,
                    )
                )
            if card.date_received and card.date_received > today:
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: the received date %(date)s is in the future.",
                        card=card.display_name,
                        date=card.date_received,
                    )
                )
            if card.date_received and card.sale_date and card.date_received < card.sale_date:
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: the card was received on %(received)s, before "
                        "the retail sale on %(sale)s.",
                        card=card.display_name,
                        received=card.date_received,
                        sale=card.sale_date,
                    )
                )

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        """A card's serial is one of its product's; a serial that also exists under another
        product of the company is refused, by the form as by the import (a mistyped product
        or serial)."""
        for card in self.filtered("lot_id"):
            if card.lot_id.product_id != card.product_id:
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: serial %(lot)s belongs to %(lot_product)s, not "
                        "to %(product)s.",
                        card=card.display_name,
                        lot=card.lot_id.name,
                        lot_product=card.lot_id.product_id.display_name,
                        product=card.product_id.display_name,
                    )
                )
        others = self._serials_under_other_products(
            [(card.company_id, card.product_id, card.lot_id.name) for card in self if card.lot_id]
        )
        for card in self.filtered("lot_id"):
            other = others.get((card.company_id, card.product_id, card.lot_id.name))
            if other:
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: serial %(serial)s belongs to another product: "
                        "%(product)s.",
                        card=card.display_name,
                        serial=card.lot_id.name,
                        product=other.display_name,
                    )
                )

    @api.constrains(*MAX_LENGTH)
    def _check_lengths(self):
        for card in self:
            for fname, limit in MAX_LENGTH.items():
                if card[fname] and len(card[fname]) > limit:
                    raise ValidationError(
                        self.env._(
                            "Warranty card %(card)s: %(field)s is longer than %(limit)s "
                            "characters.",
                            card=card.display_name,
                            field=self._fields[fname]._description_string(self.env),
                            limit=limit,
                        )
                    )

    @api.constrains("contract_id", "dealer_id", "company_id")
    def _check_contract(self):
        """The card's contract is the one serving its dealer (the running contract of the dealer
        or of the dealer above it) when it is set; registration then needs it to run."""
        self._check_contract_serves_dealer()

    def _check_falsified_reason(self):
        """The falsification reason is required from every user (constraints run as superuser,
        so create and write call this for the user's own writes; code under ``sudo()`` may
        flag a card first and explain it after)."""
        if self.env.su:
            return
        for card in self:
            if card.falsified and not (card.falsified_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: say why it is marked falsified.",
                        card=card.display_name,
                    )
                )

    @api.constrains("lot_id", "product_id", "state", "active")
    def _check_unique_serial(self):
        cards = self.filtered(lambda c: c.lot_id and c.active and c.state != "void")
        self._check_serials_free(
            [(card.product_id.id, card.lot_id.id, card.id) for card in cards], exclude=cards.ids
        )

    @api.constrains("state", "sale_date")
    def _check_sale_date_when_registered(self):
        for card in self:
            if card.state in ("registered", "late") and not card.sale_date:
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: a registered card needs its retail sale date.",
                        card=card.display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # the customers, numbers and details filled below are this call's: the caller's dicts
        # stay as given (base_import retries a failed batch row by row with the same values)
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            if vals.get("state", "draft") != "draft":
                self._check_state_write(vals)
        self._check_serials_free(
            [
                (vals.get("product_id"), vals.get("lot_id"), index)
                for index, vals in enumerate(vals_list)
                if vals.get("lot_id")
                and vals.get("active", True)
                and vals.get("state", "draft") != "void"
            ],
            companies=self.env["res.company"].browse(
                {vals.get("company_id") or self.env.company.id for vals in vals_list}
            ),
        )
        for vals in vals_list:
            if vals.get("customer_id"):
                # Empty details are filled from the chosen customer.
                for key in ("customer_name", "customer_phone", "customer_address"):
                    if key in vals and not vals[key]:
                        del vals[key]
        self._create_customers(vals_list)
        new = self.env._("New")
        by_company = {}
        for vals in vals_list:
            if vals.get("name", new) == new:
                company = vals.get("company_id") or self.env.company.id
                by_company.setdefault(company, []).append(vals)
        for company_id, unnamed in by_company.items():
            company = self.env["res.company"].browse(company_id)
            numbers = self._next_card_numbers(len(unnamed), company)
            for vals, name in zip(unnamed, numbers, strict=True):
                vals["name"] = name or new
        cards = super().create(vals_list)
        # a card entered falsified needs its reason as much as one flagged later
        cards.filtered("falsified")._check_falsified_reason()
        return cards

    def write(self, vals):
        self._check_state_write(vals)
        check_number_kept(self, vals)
        if {"lot_id", "product_id", "state", "active"} & set(vals):
            candidates = []
            for card in self:
                lot_id = vals.get("lot_id", card.lot_id.id)
                product_id = vals.get("product_id", card.product_id.id)
                state = vals.get("state", card.state)
                active = vals.get("active", card.active)
                if lot_id and active and state != "void":
                    candidates.append((product_id, lot_id, card.id))
            self._check_serials_free(candidates, exclude=self.ids, companies=self.company_id)
        if "active" in vals and not self.env.su:
            kept = self.filtered(lambda c: c.state in ("registered", "late"))
            if kept:
                raise UserError(
                    self.env._(
                        "Warranty card %(card)s is registered: void it instead of archiving "
                        "it, so that its serial and its claims keep their history.",
                        card=kept[0].display_name,
                    )
                )
        if set(DECIDED_FIELDS) & set(vals):
            self._check_dates_writable()
        if "falsified" in vals:
            self.filtered(lambda c: c.falsified != bool(vals["falsified"]))._check_flag_writable()
        result = super().write(vals)
        if not vals.get("customer_id") and vals.get("customer_name"):
            cards = self.filtered(lambda c: not c.customer_id and c.customer_name)
            customers = [
                {
                    "customer_name": card.customer_name,
                    "customer_phone": card.customer_phone,
                    "customer_address": card.customer_address,
                    "company_id": card.company_id.id,
                }
                for card in cards
            ]
            self._create_customers(customers)
            for card, values in zip(cards, customers, strict=True):
                card.customer_id = values["customer_id"]
        if set(DATE_FIELDS) & set(vals):
            self._redecide_late()
        if {"falsified", "falsified_reason"} & set(vals):
            self._check_falsified_reason()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_claims(self):
        """A card that claims rely on is voided, never deleted."""
        with_claims = self.sudo().filtered("claim_ids")
        if with_claims:
            raise UserError(
                self.env._(
                    "Warranty card %(card)s has claims and cannot be deleted; void it instead.",
                    card=with_claims[0].display_name,
                )
            )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_register(self):
        """Register draft cards (service desk, or the portal for its dealer under ``sudo()``):
        registered, or late when received after the contract's deadline (R2). The received
        date defaults to today (company time zone). A card is registered only while its
        dealer's contract runs (DOMAIN §1)."""
        self._check_group(
            GROUP_USER, self.env._("Only the after-sales service desk registers cards.")
        )
        today = self._company_today()
        for card in self:
            if not card.sale_date:
                raise UserError(
                    self.env._(
                        "Warranty card %(card)s: enter the retail sale date before registering.",
                        card=card.display_name,
                    )
                )
            if card.state != "draft":
                raise UserError(
                    self.env._(
                        "Warranty card %(card)s is not a draft and cannot be registered.",
                        card=card.display_name,
                    )
                )
        self.filtered(lambda c: not c.date_received).write({"date_received": today})
        # a draft keeps the contract found when it was entered (none yet, or one expired
        # since): the contract serving its dealer now registers it, with that contract's terms
        serving = self._serving_contracts()
        stale = self.filtered(lambda c: serving[c] and c.contract_id != serving[c])
        for contract, cards in stale.grouped(lambda c: serving[c]).items():
            cards.write({"contract_id": contract.id})
        for card in self:
            contract = card.contract_id
            if (
                not contract
                or contract.state != "running"
                or not coverage.contract_in_force(
                    today,
                    contract.state,
                    contract.date_start,
                    contract.date_end,
                    contract.termination_date,
                )
            ):
                raise UserError(
                    self.env._(
                        "Warranty card %(card)s: dealer %(dealer)s has no running service "
                        "contract.",
                        card=card.display_name,
                        dealer=card.dealer_id.display_name,
                    )
                )
        late = self.filtered("is_late")
        late.sudo().write({"state": "late"})
        (self - late).sudo().write({"state": "registered"})
        return True

    def action_void(self):
        """Void a card (entered by mistake, unit returned): it no longer covers the serial."""
        self._check_group(GROUP_USER, self.env._("Only the after-sales service desk voids cards."))
        self._check_state("draft", "registered", "late")
        # an approved claim's coverage rests on its card (settled ones keep theirs)
        approved = self.filtered(lambda c: any(cl.state == "approved" for cl in c.sudo().claim_ids))
        if approved:
            raise UserError(
                self.env._(
                    "Warranty card %(card)s has approved claims: the technical department "
                    "reopens them before the card is voided.",
                    card=approved[0].display_name,
                )
            )
        self.sudo().write({"state": "void"})
        return True

    def action_reset_draft(self):
        """Bring a void card back to draft (its serial must still be free)."""
        self._check_group(GROUP_USER, self.env._("Only the after-sales service desk voids cards."))
        self.filtered(lambda c: c.state == "void").sudo().write({"state": "draft"})
        return True

    def action_view_claims(self):
        """Smart button: the claims made on this card."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_claim_action"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {"default_card_id": self.id, "default_dealer_id": self.dealer_id.id}
        return action

    def action_new_claim(self):
        """Open a new claim pre-filled from this card (service desk takes a call)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "after_sales.claim",
            "view_mode": "form",
            "context": {"default_card_id": self.id, "default_dealer_id": self.dealer_id.id},
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    @api.model
    def _portal_register(self, dealer, values, company=None, drafts_domain=None):
        """Register the card a dealer sends from the portal: the one home of portal
        registration, called by the portal controller under ``sudo()`` once it has checked
        that ``dealer`` is the logged-in dealer or one of its sub-dealers. Only the dealer's
        own fields of ``values`` are read (product, serial as ``lot_id`` or ``lot_name``,
        customer, sale date, invoice). The draft pre-filled from the serial's delivery (R30)
        to ``dealer`` (or to the dealers of ``drafts_domain``, those the portal user works
        for) is completed; otherwise a card is created, received today. It is registered, late
        when past the contract's deadline (R2), with the desk's refusals (no running contract,
        serial taken, dates in the future...), and its chatter says who registered it."""
        company = company or self.env.company
        Card = self.with_company(company)
        vals = {key: values[key] for key in PORTAL_FIELDS if values.get(key)}
        if not vals.get("lot_id") and values.get("lot_name") and vals.get("product_id"):
            Lot = self.env["stock.lot"].sudo()
            name = values["lot_name"].strip()
            lot = Lot.search(
                [
                    ("product_id", "=", vals["product_id"]),
                    ("name", "=", name),
                    ("company_id", "in", [False, company.id]),
                ],
                limit=1,
            ) or Lot.create(
                {"product_id": vals["product_id"], "name": name, "company_id": company.id}
            )
            vals["lot_id"] = lot.id
        vals["dealer_id"] = dealer.id
        # another dealer's card of the serial is refused by the create below
        card = (
            Card.search(
                Domain.AND(
                    [
                        [
                            ("lot_id", "=", vals["lot_id"]),
                            ("product_id", "=", vals["product_id"]),
                            ("state", "=", "draft"),
                            ("company_id", "=", company.id),
                        ],
                        drafts_domain or [("dealer_id", "=", dealer.id)],
                    ]
                ),
                limit=1,
            )
            if vals.get("lot_id") and vals.get("product_id")
            else Card.browse()
        )
        if card:
            card.write(vals)
        else:
            card = Card.create(
                dict(vals, company_id=company.id, date_received=Card._company_today())
            )
        card.action_register()
        user = self.env.user
        card.message_post(
            body=self.env._("Registered on the portal by %(user)s.", user=user.name),
            author_id=user.partner_id.id,
            subtype_xmlid="mail.mt_note",
        )
        return card

    @api.model
    def _check_serials_free(self, candidates, exclude=(), companies=None):
        """Refuse, before the unique index does, a serial that already has an active card, naming
        that card (R17) when it is of the companies of the cards saved (``companies``); another
        company's card or dealer is never named. ``candidates`` are ``(product_id, lot_id,
        key)`` triples of the cards about to exist; ``exclude`` the ids of cards being
        rewritten. One query for the batch."""
        candidates = [c for c in candidates if c[1]]
        if not candidates:
            return
        lots = self.env["stock.lot"].browse({lot_id for __, lot_id, __ in candidates})
        existing = (
            self.with_context(active_test=False)
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "!=", "void"),
                    ("active", "=", True),
                    ("id", "not in", list(exclude)),
                ]
            )
        )
        taken = {(card.product_id.id, card.lot_id.id): card for card in existing}
        seen = {}
        for product_id, lot_id, key in candidates:
            other = taken.get((product_id, lot_id))
            if other:
                lot = self.env["stock.lot"].sudo().browse(lot_id)
                if companies is not None and other.company_id not in companies:
                    raise ValidationError(
                        self.env._(
                            "Serial %(lot)s of %(product)s already has a warranty card in "
                            "another company.",
                            lot=lot.name,
                            product=lot.product_id.display_name,
                        )
                    )
                raise ValidationError(
                    self.env._(
                        "Serial %(lot)s of %(product)s already has the warranty card %(other)s "
                        "(dealer %(dealer)s).",
                        lot=lot.name,
                        product=lot.product_id.display_name,
                        other=other.name,
                        dealer=other.dealer_id.display_name,
                    )
                )
            if (product_id, lot_id) in seen and seen[(product_id, lot_id)] != key:
                lot = self.env["stock.lot"].browse(lot_id)
                raise ValidationError(
                    self.env._(
                        "Serial %(lot)s of %(product)s appears twice among the warranty cards "
                        "being saved.",
                        lot=lot.name,
                        product=lot.product_id.display_name,
                    )
                )
            seen[(product_id, lot_id)] = key

    @api.model
    def _next_card_numbers(self, count, company=None):
        """Return ``count`` card numbers from the card sequence of ``company`` (the current one
        by default). A bulk import draws them with one query instead of one per card (standard
        sequences are PostgreSQL sequences)."""
        company = company or self.env.company
        Sequence = self.env["ir.sequence"].with_company(company)
        if count <= 1:
            return [Sequence.next_by_code("after_sales.warranty.card")] * count
        sequence = Sequence.sudo().search(
            [
                ("code", "=", "after_sales.warranty.card"),
                ("company_id", "in", [company.id, False]),
            ],
            order="company_id",
            limit=1,
        )
        if not sequence or sequence.implementation != "standard" or sequence.use_date_range:
            return [Sequence.next_by_code("after_sales.warranty.card") for __ in range(count)]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [f"ir_sequence_{sequence.id:03d}", count],
        )
        numbers = [number for (number,) in self.env.cr.fetchall()]
        # the prefix and suffix interpolated once for the batch (get_next_char does it per number)
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{number:0{sequence.padding}d}{suffix}" for number in numbers]

    @api.model
    def _create_customers(self, vals_list):
        """R17: give the cards written without a partner their end customer: the customer of
        the card's company with the same phone (the same name preferred), else a new partner of
        that company from the name, phone and address; one search and one create for the
        batch. Called by create (form, import, portal) and write."""
        todo = [v for v in vals_list if not v.get("customer_id") and v.get("customer_name")]
        if not todo:
            return
        Partner = self.env["res.partner"].sudo()
        for vals in todo:
            vals.setdefault("company_id", self.env.company.id)
        companies = list({vals["company_id"] for vals in todo})
        raw_phones = {v["customer_phone"].strip() for v in todo if v.get("customer_phone")}
        known = {}
        if raw_phones:
            for partner in Partner.search(
                [
                    ("company_id", "in", companies),
                    ("phone", "in", list(raw_phones)),
                    ("is_company", "=", False),
                ],
                order="id",
            ):
                known.setdefault((partner.company_id.id, partner.phone.strip()), []).append(partner)
        create, new_by_key = [], {}
        for vals in todo:
            key = (vals["company_id"], (vals.get("customer_phone") or "").strip())
            matches = known.get(key) if key[1] else None
            if matches:
                same_name = [p for p in matches if p.name == vals["customer_name"]]
                vals["customer_id"] = (same_name or matches)[0].id
            elif key[1] and key in new_by_key:
                new_by_key[key].append(vals)
            else:
                create.append(vals)
                if key[1]:
                    new_by_key[key] = [vals]
        partner_vals = [
            {
                "name": vals["customer_name"],
                "phone": vals.get("customer_phone") or False,
                "street": vals.get("customer_address") or False,
                "type": "contact",
                "company_id": vals["company_id"],
            }
            for vals in create
        ]
        # new partners without parent or children have nothing to sync: Odoo's per-partner
        # sync of commercial and address fields is skipped
        partners = Partner.with_context(_partners_skip_fields_sync=True).create(
            _with_batch_defaults(Partner, partner_vals)
        )
        for vals, partner in zip(create, partners, strict=True):
            vals["customer_id"] = partner.id
        # Two new cards of one new customer (same phone) share the partner just created.
        for group in new_by_key.values():
            for vals in group[1:]:
                vals["customer_id"] = group[0]["customer_id"]

    @api.model
    def _serials_under_other_products(self, triples):
        """For ``(company, product, serial name)`` triples, return ``{triple: other product}``
        when the serial exists under another product of that company (or a shared one). One
        query; the card form and the import share it."""
        names = {name for __, __, name in triples if name}
        if not names:
            return {}
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search(
                [
                    ("name", "in", list(names)),
                    ("company_id", "in", [False, *{c.id for c, __, __ in triples}]),
                ]
            )
        )
        by_name = {}
        for lot in lots:
            by_name.setdefault(lot.name, []).append(lot)
        result = {}
        for company, product, name in triples:
            other = [
                lot
                for lot in by_name.get(name, [])
                if lot.product_id != product and lot.company_id.id in (False, company.id)
            ]
            if other:
                result[company, product, name] = other[0].product_id.sudo(self.env.su)
        return result

    def _check_dates_writable(self):
        """A card whose claims were approved keeps the dealer and the dates that decided their
        coverage."""
        if self.env.su:
            return
        decided = self.filtered(
            lambda c: any(cl.state in ("approved", "settled") for cl in c.sudo().claim_ids)
        )
        if decided:
            raise UserError(
                self.env._(
                    "Warranty card %(card)s has approved claims: its dealer and its sale and "
                    "received dates can no longer change.",
                    card=decided[0].display_name,
                )
            )

    def _check_flag_writable(self):
        """An approved claim keeps the coverage it was approved with (issue 10.3): flagging its
        card falsified, or clearing the flag, would leave it reimbursed, or not, on what the
        technical department no longer sees. The appraiser reopens the claim first, then the
        card is flagged and the claim decided again. Settled claims keep what they were settled
        with, and the flag still forfeits the quarter's allowance (R14)."""
        if self.env.su:
            return
        approved = self.sudo().claim_ids.filtered(lambda cl: cl.state == "approved")
        if approved:
            raise UserError(
                self.env._(
                    "Warranty card %(card)s: claim %(claim)s was approved on this card as it "
                    "is. The technical department reopens the claim first, then the card can "
                    "be marked or cleared as falsified.",
                    card=approved[0].card_id.display_name,
                    claim=approved[0].display_name,
                )
            )

    def _redecide_late(self):
        """Issue 10.4: a registered card's state follows its dates: changing the sale or the
        received date re-decides whether it is late."""
        for card in self.filtered(lambda c: c.state in ("registered", "late")):
            state = "late" if card.is_late else "registered"
            if card.state != state:
                card.sudo().write({"state": state})
                card.message_post(
                    body=self.env._(
                        "The card's dates changed: it is now %(state)s.",
                        state=card._state_label(state),
                    ),
                    subtype_xmlid="mail.mt_note",
                )


def _with_batch_defaults(model, vals_list):
    """``vals_list`` completed with ``model``'s default values, computed once for the batch
    instead of once per record by ``create`` (a bulk import creates thousands of partners and
    serials whose values all have the same keys; the defaults, which depend on the
    environment and not on the values, are the same for each). Values given win."""
    if len(vals_list) < 2:
        return vals_list
    keys = {key for vals in vals_list for key in vals}
    defaults = model._add_missing_default_values(dict.fromkeys(keys))
    defaults = {key: value for key, value in defaults.items() if key not in keys}
    return [
        {
            **{
                key: value.copy() if isinstance(value, (list, dict)) else value
                for key, value in defaults.items()
            },
            **vals,
        }
        for vals in vals_list
    ]

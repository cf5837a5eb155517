from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import coverage


class AfterSalesWarrantyCard(models.Model):
    """A warranty registration card (三包回执卡, DOMAIN.md R17, R18, R2): one serial of a product
    sold by a dealer to an end customer. The service desk registers it when the card arrives; a
    card that arrives after the contract's deadline is late and its unit is not recognised for
    three-guarantee service (claims not reimbursable, not counted for unit allowances)."""

    _name = "after_sales.warranty.card"
    _description = "Warranty Card"
    _inherit = ["after_sales.dealer.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_received desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "lot_id", "customer_id", "invoice_number"]

    _one_active_card_per_serial = models.UniqueIndex(
        "(product_id, lot_id) WHERE state != 'void' AND active IS TRUE AND lot_id IS NOT NULL",
        "A serial number can have only one active warranty card.",
    )

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
        help="R17: the end customer's name as written on the card.",
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
        help="R1: the warranty runs from this date. Required to register the card; a draft "
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
        help="R18: retail sale date plus the contract's warranty months.",
    )
    is_late = fields.Boolean(
        compute="_compute_is_late",
        store=True,
        help="R2: received after the contract's card deadline.",
    )
    falsified = fields.Boolean(
        tracking=True,
        help="R14: a falsified card cancels the dealer's allowance for the quarter.",
    )
    falsified_reason = fields.Text(tracking=True)
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
        today = fields.Date.context_today(self)
        for card in self:
            if card.sale_date and card.sale_date > today:
                raise ValidationError(
                    self.env._(
                        "Warranty card %(card)s: the retail sale date %(date)s is in the future.",
                        card=card.display_name,
                        date=card.sale_date,
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
        self._check_serials_free(
            [
                (vals.get("product_id"), vals.get("lot_id"), index)
                for index, vals in enumerate(vals_list)
                if vals.get("lot_id")
                and vals.get("active", True)
                and vals.get("state", "draft") != "void"
            ]
        )
        for vals in vals_list:
            if vals.get("customer_id"):
                # Empty details are filled from the chosen customer.
                for key in ("customer_name", "customer_phone", "customer_address"):
                    if key in vals and not vals[key]:
                        del vals[key]
        self._create_customers(vals_list)
        new = self.env._("New")
        unnamed = [vals for vals in vals_list if vals.get("name", new) == new]
        for vals, name in zip(unnamed, self._next_card_numbers(len(unnamed)), strict=True):
            vals["name"] = name or new
        return super().create(vals_list)

    def write(self, vals):
        if {"lot_id", "product_id", "state", "active"} & set(vals):
            candidates = []
            for card in self:
                lot_id = vals.get("lot_id", card.lot_id.id)
                product_id = vals.get("product_id", card.product_id.id)
                state = vals.get("state", card.state)
                active = vals.get("active", card.active)
                if lot_id and active and state != "void":
                    candidates.append((product_id, lot_id, card.id))
            self._check_serials_free(candidates, exclude=self.ids)
        result = super().write(vals)
        if not vals.get("customer_id") and vals.get("customer_name"):
            cards = self.filtered(lambda c: not c.customer_id and c.customer_name)
            customers = [
                {
                    "customer_name": card.customer_name,
                    "customer_phone": card.customer_phone,
                    "customer_address": card.customer_address,
                }
                for card in cards
            ]
            self._create_customers(customers)
            for card, values in zip(cards, customers, strict=True):
                card.customer_id = values["customer_id"]
        return result

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_register(self):
        """Register draft cards (service desk): registered, or late when received after the
        contract's deadline (R2). The received date defaults to today."""
        today = fields.Date.context_today(self)
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
            if not card.contract_id:
                raise UserError(
                    self.env._(
                        "Warranty card %(card)s: dealer %(dealer)s has no running service "
                        "contract.",
                        card=card.display_name,
                        dealer=card.dealer_id.display_name,
                    )
                )
        self.filtered(lambda c: not c.date_received).write({"date_received": today})
        late = self.filtered("is_late")
        late.write({"state": "late"})
        (self - late).write({"state": "registered"})
        return True

    def action_void(self):
        """Void a card (entered by mistake, unit returned): it no longer covers the serial."""
        self.write({"state": "void"})
        return True

    def action_reset_draft(self):
        """Bring a void card back to draft."""
        self.filtered(lambda c: c.state == "void").write({"state": "draft"})
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
    def _check_serials_free(self, candidates, exclude=()):
        """Refuse, before the unique index does, a serial that already has an active card, naming
        that card (R17). ``candidates`` are ``(product_id, lot_id, key)`` triples of the cards
        about to exist; ``exclude`` the ids of cards being rewritten. One query for the batch."""
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
                lot = self.env["stock.lot"].browse(lot_id)
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
    def _next_card_numbers(self, count):
        """Return ``count`` card numbers from the card sequence. A bulk import draws them with
        one query instead of one per card (standard sequences are PostgreSQL sequences)."""
        if count <= 1:
            return [self.env["ir.sequence"].next_by_code("after_sales.warranty.card")] * count
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [
                    ("code", "=", "after_sales.warranty.card"),
                    ("company_id", "in", [self.env.company.id, False]),
                ],
                order="company_id",
                limit=1,
            )
        )
        if not sequence or sequence.implementation != "standard" or sequence.use_date_range:
            return [
                self.env["ir.sequence"].next_by_code("after_sales.warranty.card")
                for __ in range(count)
            ]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [f"ir_sequence_{sequence.id:03d}", count],
        )
        return [sequence.get_next_char(number) for (number,) in self.env.cr.fetchall()]

    @api.model
    def _create_customers(self, vals_list):
        """R17: create the end customers written on cards (name, phone, address) when no partner
        is given, in one batch; called by create (form, import) and write."""
        todo = [v for v in vals_list if not v.get("customer_id") and v.get("customer_name")]
        if not todo:
            return
        partners = (
            self.env["res.partner"]
            .sudo()
            .create(
                [
                    {
                        "name": vals["customer_name"],
                        "phone": vals.get("customer_phone") or False,
                        "street": vals.get("customer_address") or False,
                        "type": "contact",
                    }
                    for vals in todo
                ]
            )
        )
        for vals, partner in zip(todo, partners, strict=True):
            vals["customer_id"] = partner.id

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
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
    contract_id = fields.Many2one(
        "after_sales.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
        tracking=True,
        help="The dealer's running contract, or that of the dealer it is a sub-dealer of.",
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
    customer_id = fields.Many2one("res.partner", string="End Customer", index=True, tracking=True)
    customer_phone = fields.Char(related="customer_id.phone", string="Customer Phone")
    sale_date = fields.Date(string="Retail Sale Date", required=True, tracking=True)
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

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("dealer_id", "company_id")
    def _compute_contract_id(self):
        Contract = self.env["after_sales.contract"]
        for card in self:
            contract = Contract._get_running_contract(card.dealer_id, card.company_id)
            if not contract and card.dealer_id.parent_id:
                contract = Contract._get_running_contract(card.dealer_id.parent_id, card.company_id)
            card.contract_id = contract

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
        if not cards:
            return
        others = self.search(
            [
                ("lot_id", "in", cards.lot_id.ids),
                ("state", "!=", "void"),
                ("id", "not in", cards.ids),
            ]
        )
        for card in cards:
            duplicate = others.filtered(
                lambda o, c=card: o.lot_id == c.lot_id and o.product_id == c.product_id
            ) or (cards - card).filtered(
                lambda o, c=card: o.lot_id == c.lot_id and o.product_id == c.product_id
            )
            if duplicate:
                raise ValidationError(
                    self.env._(
                        "Serial %(lot)s of %(product)s already has the warranty card %(other)s.",
                        lot=card.lot_id.name,
                        product=card.product_id.display_name,
                        other=duplicate[0].display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        new = self.env._("New")
        for vals in vals_list:
            if vals.get("name", new) == new:
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("after_sales.warranty.card") or new
                )
        return super().create(vals_list)

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_register(self):
        """Register draft cards (service desk): registered, or late when received after the
        contract's deadline (R2). The received date defaults to today."""
        today = fields.Date.context_today(self)
        for card in self:
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

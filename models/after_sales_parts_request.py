from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import parts
from .after_sales_dealer_mixin import contract_not_serving_error
from .after_sales_document_mixin import GROUP_MANAGER, GROUP_USER

URGENT_MODES = ("ems", "rail", "air")


# Written by the requisition's actions only (under sudo()): its status, dates and documents.
SYSTEM_FIELDS = (
    "state",
    "date_submitted",
    "date_approved",
    "date_shipped",
    "picking_id",
    "sale_order_id",
    "payment_before_shipping",
)


class AfterSalesPartsRequest(models.Model):
    """A dealer's parts requisition (《维修配件备料》单, DOMAIN.md R25). On approval each line is
    split: parts free under their rule, parts drawn on the repair fund while its balance allows,
    and the rest sold on one sale order at the parts price list, with the urgent freight
    difference. Free and fund parts ship on one after-sales delivery; traded-in parts expect
    their old part back (R24, R26)."""

    _name = "after_sales.parts.request"
    _description = "Parts Requisition"
    _inherit = [
        "after_sales.sequence.mixin",
        "after_sales.document.mixin",
        "after_sales.charge.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "date_request desc, id desc"
    _check_company_auto = True

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
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    dealer_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
        help="The dealer's commercial partner that requests the parts.",
    )
    contract_id = fields.Many2one(
        "after_sales.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('dealer_id', '=', dealer_id), ('state', '=', 'running')]",
        help="The dealer's running service contract: its parts rules, price list and fund apply.",
    )
    currency_id = fields.Many2one(related="contract_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    note = fields.Html(string="Notes")

    # ------------------------------------------------------------
    # FIELDS: request and shipping
    # ------------------------------------------------------------
    request_type = fields.Selection(
        [("warranty", "Warranty Replacement"), ("stock", "Monthly Stock Requisition")],
        required=True,
        default="warranty",
        tracking=True,
        help="Warranty replacement parts must ship within the contract's shipping days of "
        "the receipt of the dealer's parts replacement list.",
    )
    date_request = fields.Date(
        string="Request Date",
        required=True,
        default=lambda self: self._company_today(),
        tracking=True,
    )
    shipping_mode = fields.Selection(
        [
            ("normal", "Normal"),
            ("ems", "Urgent: EMS"),
            ("rail", "Urgent: Rail Express"),
            ("air", "Urgent: Air"),
        ],
        required=True,
        default="normal",
        tracking=True,
        help="Urgent modes charge the dealer the freight difference over normal shipping.",
    )
    freight_amount = fields.Monetary(
        string="Freight Difference",
        compute="_compute_freight_amount",
        store=True,
        readonly=False,
        precompute=True,
        help="Charged to the dealer on the sale order when shipping is urgent (from Settings).",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
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
    date_submitted = fields.Date(readonly=True, copy=False)
    date_approved = fields.Date(readonly=True, copy=False)
    date_list_received = fields.Date(
        string="Replacement List Received On",
        compute="_compute_date_list_received",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="When the manufacturer received the dealer's parts replacement list (and its "
        "waybill): the shipping deadline of warranty replacement parts counts from it "
        "(合同五 五.2-3). The request date by default.",
    )
    ship_deadline = fields.Date(
        compute="_compute_ship_deadline",
        store=True,
        help="Warranty replacement parts ship within the contract's days of the receipt of "
        "the parts replacement list.",
    )
    payment_before_shipping = fields.Boolean(
        readonly=True,
        copy=False,
        help="The contract asks payment before shipping (款到发货): the sold parts ship once "
        "their invoice is paid.",
    )
    date_shipped = fields.Datetime(readonly=True, copy=False)
    is_overdue = fields.Boolean(
        string="Shipping Overdue",
        compute="_compute_is_overdue",
        store=True,
        help="A warranty replacement not shipped by its deadline (refreshed daily).",
    )

    # ------------------------------------------------------------
    # FIELDS: lines and resulting documents
    # ------------------------------------------------------------
    line_ids = fields.One2many(
        "after_sales.parts.request.line", "request_id", string="Lines", copy=True
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Parts Delivery",
        readonly=True,
        copy=False,
        check_company=True,
        help="The after-sales delivery of the free and fund parts.",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        readonly=True,
        copy=False,
        check_company=True,
        help="The parts sold to the dealer and the urgent freight difference.",
    )
    old_part_ids = fields.One2many("after_sales.old.part", "request_id", string="Old Parts")
    old_part_count = fields.Integer(compute="_compute_old_part_count")
    free_amount = fields.Monetary(compute="_compute_amounts", store=True)
    fund_amount = fields.Monetary(compute="_compute_amounts", store=True)
    sale_amount = fields.Monetary(string="Sold Amount", compute="_compute_amounts", store=True)

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("dealer_id", "company_id")
    def _compute_contract_id(self):
        Contract = self.env["after_sales.contract"]
        to_find = self.filtered(
            lambda r: not r.contract_id or r.contract_id.dealer_id != r.dealer_id
        )
        for company, requests in to_find.grouped("company_id").items():
            running = Contract._get_serving_contract_multi(
                requests.dealer_id, company or None, walk_up=False
            )
            for request in requests:
                request.contract_id = running.get(request.dealer_id.id, Contract)

    @api.depends("shipping_mode", "company_id")
    def _compute_freight_amount(self):
        for request in self:
            request.freight_amount = request.company_id._after_sales_freight_difference(
                request.shipping_mode
            )

    @api.depends("date_request")
    def _compute_date_list_received(self):
        for request in self:
            if not request.date_list_received:
                request.date_list_received = request.date_request

    @api.depends("request_type", "date_list_received", "contract_id.parts_ship_days")
    def _compute_ship_deadline(self):
        for request in self:
            if request.request_type == "warranty" and request.date_list_received:
                days = request.contract_id.parts_ship_days
                request.ship_deadline = request.date_list_received + timedelta(days=days)
            else:
                request.ship_deadline = False

    @api.depends("state", "ship_deadline", "date_shipped")
    def _compute_is_overdue(self):
        # the deadline is a day where the company works: so are today and the shipping day
        for request in self:
            deadline = request.ship_deadline
            if not deadline or request.state in ("draft", "cancelled"):
                request.is_overdue = False
            elif request.date_shipped:
                request.is_overdue = request._local_date(request.date_shipped) > deadline
            else:
                request.is_overdue = request._company_today() > deadline

    def _compute_old_part_count(self):
        counts = dict(
            self.env["after_sales.old.part"]._read_group(
                [("request_id", "in", self.ids)], ["request_id"], ["__count"]
            )
        )
        for request in self:
            request.old_part_count = counts.get(request, 0)

    @api.depends("line_ids.free_amount", "line_ids.fund_amount", "line_ids.sale_amount")
    def _compute_amounts(self):
        for request in self:
            request.free_amount = sum(request.line_ids.mapped("free_amount"))
            request.fund_amount = sum(request.line_ids.mapped("fund_amount"))
            request.sale_amount = sum(request.line_ids.mapped("sale_amount"))

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("contract_id", "dealer_id", "company_id")
    def _check_contract(self):
        """DOMAIN §1: the requisition's contract is its dealer's own running contract (the one
        the compute proposes, the field's domain in the form), whatever a client sends: its
        parts rules, price list and repair fund are that dealer's, never another's. The
        decision is the contract's (:meth:`after_sales.contract._get_serving_contract_multi`),
        one query per company."""
        Contract = self.env["after_sales.contract"]
        for company, requests in self.filtered("contract_id").grouped("company_id").items():
            serving = Contract._get_serving_contract_multi(
                requests.dealer_id, company or None, walk_up=False
            )
            for request in requests:
                running = serving.get(request.dealer_id.id, Contract)
                if request.contract_id != running:
                    raise contract_not_serving_error(request, running, request._company_today())

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    def write(self, vals):
        guarded = set(vals) & set(SYSTEM_FIELDS)
        if guarded and not self.env.su:
            raise AccessError(
                self.env._(
                    "Parts requisition %(request)s: %(fields)s change only through its actions "
                    "(submit, approve, cancel).",
                    request=", ".join(self[:3].mapped("display_name")),
                    fields=", ".join(
                        self._fields[name]._description_string(self.env) for name in sorted(guarded)
                    ),
                )
            )
        frozen = {
            "dealer_id",
            "contract_id",
            "company_id",
            "line_ids",
            "shipping_mode",
            "request_type",
            "date_request",
            "freight_amount",
        }
        if frozen & set(vals) and not self.env.su:
            approved = self.filtered(lambda r: r.state not in ("draft", "submitted"))
            if approved:
                raise UserError(
                    self.env._(
                        "Parts requisition %(request)s is %(state)s: its dealer, contract, "
                        "parts, type, date and freight can no longer change.",
                        request=approved[0].display_name,
                        state=approved[0]._state_label(),
                    )
                )
        return super().write(vals)

    def _after_sales_system_fields(self):
        return SYSTEM_FIELDS

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        for request in self:
            if request.state not in ("draft", "cancelled"):
                raise UserError(
                    self.env._(
                        "Parts requisition %(request)s is not a draft: cancel it instead of "
                        "deleting it.",
                        request=request.display_name,
                    )
                )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_submit(self):
        """The service desk sends the dealer's requisition for approval: it needs a running
        contract and at least one line."""
        self._check_desk()
        for request in self:
            if request.state != "draft":
                raise UserError(
                    self.env._(
                        "Parts requisition %(request)s is not a draft and cannot be submitted.",
                        request=request.display_name,
                    )
                )
            request._check_can_issue()
        # each requisition dated by its own company's day (a batch may hold several companies)
        for requests in self.grouped("company_id").values():
            requests.sudo().write(
                {"state": "submitted", "date_submitted": requests[:1]._company_today()}
            )
        return True

    def action_approve(self):
        """Approve submitted requisitions (service desk): split every line between free, fund
        and sale, post the fund rows, create the delivery, the sale order and the expected old
        parts. Safe to run twice (an approved requisition is left as it is) and under
        concurrency (the dealer's contract row is locked while the fund is drawn)."""
        self._check_group(
            GROUP_USER,
            self.env._(
                "Only the after-sales service desk can approve parts requisitions (%(request)s).",
                request=", ".join(self.mapped("display_name")),
            ),
        )
        # the approval runs under sudo(): the user's record rules (company, dealer) first
        self.check_access("write")
        for request in self:
            # prices, stock and accounts are the requisition's company's, whatever the user's;
            # the checks above allowed this user the approval, done by the system
            request.sudo().with_company(request.company_id)._approve()
        return True

    def action_cancel(self):
        """Cancel requisitions. An approved one that has not shipped yet is unwound by an
        after-sales manager: its fund rows are reversed, its expected old parts dropped, its
        delivery and sale order cancelled, so that no money stays drawn for parts never sent."""
        self._check_desk()
        for request in self:
            if request.state not in ("draft", "submitted", "approved"):
                raise UserError(
                    self.env._(
                        "Parts requisition %(request)s is %(state)s and cannot be cancelled.",
                        request=request.display_name,
                        state=request._state_label(),
                    )
                )
        approved = self.filtered(lambda r: r.state == "approved")
        if approved:
            approved._unwind_approval()
        self.sudo().write({"state": "cancelled"})
        return True

    def _unwind_approval(self):
        self._check_group(
            GROUP_MANAGER,
            self.env._("Only an after-sales manager cancels an approved parts requisition."),
        )
        sudo = self.sudo()
        pickings = sudo.picking_id | sudo.sale_order_id.picking_ids
        shipped = pickings.filtered(lambda p: p.state == "done")
        if shipped:
            raise UserError(
                self.env._(
                    "Parts requisition %(request)s has shipped (%(picking)s): return the parts "
                    "instead of cancelling it.",
                    request=self[:1].display_name,
                    picking=shipped[0].display_name,
                )
            )
        self.contract_id._lock_fund()
        entries = sudo.line_ids.fund_entry_id.filtered(lambda e: not e.is_reversed)
        entries._reverse(reason=self.env._("Parts requisition cancelled before shipping"))
        sudo.old_part_ids.filtered(lambda o: o.state == "expected").unlink()
        # the requisition cancels its own delivery: under sudo with its key, which the
        # delivery's guard accepts (a client can send the key, never sudo)
        pickings.sudo().with_context(after_sales_request_cancel=True).action_cancel()
        # nothing shipped: the parts and the freight invoiced before shipping are credited
        for request in sudo:
            request._refund_unshipped_sales()
        sudo.sale_order_id.filtered(lambda o: o.state != "cancel")._action_cancel()

    def action_draft(self):
        """Reopen a cancelled requisition."""
        self._check_desk()
        for request in self:
            if request.state != "cancelled":
                raise UserError(
                    self.env._(
                        "Parts requisition %(request)s is not cancelled.",
                        request=request.display_name,
                    )
                )
        self.sudo().write({"state": "draft"})
        return True

    def action_view_picking(self):
        """Smart button: the after-sales delivery."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "view_mode": "form",
            "res_id": self.picking_id.id,
        }

    def action_view_sale_order(self):
        """Smart button: the sale order of the sold parts."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "view_mode": "form",
            "res_id": self.sale_order_id.id,
        }

    def action_view_old_parts(self):
        """Smart button: the old parts expected back."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_old_part_action"
        )
        action["domain"] = [("request_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _check_desk(self):
        self._check_group(
            GROUP_USER,
            self.env._(
                "Only the after-sales service desk submits, cancels and reopens parts "
                "requisitions (%(request)s).",
                request=", ".join(self.mapped("display_name")),
            ),
        )

    def _preview_split(self):
        """The free / fund / bought split the approval would make now, without writing
        anything: a list of dicts (line, policy, unit_price, free, fund, sold and their
        amounts) in the order of the lines. For the portal's preview and the form."""
        self.ensure_one()
        contract = self.contract_id.sudo()
        if not contract:
            return []
        contract.invalidate_recordset(["fund_balance"])
        result = []
        for line, vals in self.line_ids._split(contract, contract.fund_balance):
            price = vals["unit_price"]
            currency = contract.currency_id
            result.append(
                {
                    "line": line,
                    **vals,
                    "free_amount": currency.round(price * vals["qty_free"]),
                    "fund_amount": currency.round(price * vals["qty_fund"]),
                    "sale_amount": currency.round(price * vals["qty_sale"]),
                }
            )
        return result

    def _check_can_issue(self):
        self.ensure_one()
        if not self.contract_id or self.contract_id.state != "running":
            raise UserError(
                self.env._(
                    "Parts requisition %(request)s: dealer %(dealer)s has no running service "
                    "contract.",
                    request=self.display_name,
                    dealer=self.dealer_id.display_name,
                )
            )
        if not self.line_ids:
            raise UserError(
                self.env._(
                    "Parts requisition %(request)s has no lines: add the parts requested.",
                    request=self.display_name,
                )
            )

    def _lock_contract(self):
        """Lock the contract row so that two approvals never draw the same fund balance."""
        self.contract_id._lock_fund()

    def _approve(self):
        self.ensure_one()
        if self.state in ("approved", "done"):
            return
        if self.state != "submitted":
            raise UserError(
                self.env._(
                    "Parts requisition %(request)s is %(state)s: only submitted requisitions can "
                    "be approved.",
                    request=self.display_name,
                    state=self._state_label(),
                )
            )
        self._check_can_issue()
        self._lock_contract()
        # another transaction may have approved it while we waited for the row
        self.invalidate_recordset(["state"])
        if self.state != "submitted":
            return
        contract = self.contract_id
        contract.invalidate_recordset(["fund_balance"])
        self.line_ids._allocate(contract, contract.fund_balance)
        today = self._company_today()
        self.payment_before_shipping = bool(contract.parts_prepayment)
        picking = self._create_issue_picking()
        lang_env = self._get_charge_lang_env(self.dealer_id)
        for line in self.line_ids.filtered("qty_fund"):
            line.fund_entry_id = contract._fund_post(
                "consumption",
                -line.fund_amount,
                today,
                lang_env._(
                    "%(request)s: %(part)s x %(qty)s",
                    request=self.name,
                    part=line.product_id.with_context(lang=lang_env.lang).display_name,
                    qty=line.qty_fund,
                ),
                source=picking,
            )
        order = self._create_sale_order()
        if order and self.payment_before_shipping:
            self._invoice_before_shipping(order)
        self.env["after_sales.old.part"].sudo()._create_for_lines(self.line_ids, today)
        self.write({"state": "approved", "date_approved": today})
        if not picking and not self.sale_order_id.picking_ids:
            self.state = "done"

    def _get_warehouse(self):
        self.ensure_one()
        return (
            self.env["stock.warehouse"]
            .sudo()
            ._after_sales_get_parts_warehouse(self.company_id, raise_if_not_found=True)
        )

    def _create_issue_picking(self):
        """Create and confirm the one after-sales delivery of the free and fund parts."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.qty_free + line.qty_fund > 0)
        if not lines:
            return self.env["stock.picking"]
        vals = self._get_warehouse()._after_sales_prepare_parts_delivery_vals(
            self.dealer_id,
            origin=self.name,
            quantities=[(line.product_id, line.qty_free + line.qty_fund) for line in lines],
            after_sales_parts_request_id=self.id,
        )
        picking = self.env["stock.picking"].sudo().with_company(self.company_id).create(vals)
        picking.action_confirm()
        picking.action_assign()
        self.picking_id = picking
        return picking

    def _create_sale_order(self):
        """Create and confirm the one sale order of the sold parts and the freight difference,
        in the order's currency (its price list's): the parts at the price list's own price,
        the freight converted from the contract's currency at the request date's rate."""
        self.ensure_one()
        lines = self.line_ids.filtered("qty_sale")
        freight = self.freight_amount if self.shipping_mode in URGENT_MODES else 0.0
        if not lines and not freight:
            return self.env["sale.order"]
        contract = self.contract_id
        vals = {
            "partner_id": self.dealer_id.id,
            "company_id": self.company_id.id,
            "origin": self.name,
            "user_id": self.env.uid,
            "service_contract_id": contract.id,
        }
        if contract.parts_pricelist_id:
            vals["pricelist_id"] = contract.parts_pricelist_id.id
        order = self.env["sale.order"].sudo().with_company(self.company_id).create(vals)
        currency = order.currency_id
        order_lines = [
            fields.Command.create(
                {
                    "product_id": line.product_id.id,
                    "product_uom_qty": line.qty_sale,
                    "price_unit": line._sale_price(currency),
                }
            )
            for line in lines
        ]
        if freight:
            product = self.company_id._after_sales_freight_product()
            # a line of the dealer's order: in the dealer's language
            lang_env = self._get_charge_lang_env(self.dealer_id)
            mode = dict(self._fields["shipping_mode"]._description_selection(lang_env))
            if currency != self.currency_id:
                freight = self.currency_id._convert(
                    freight, currency, self.company_id, self.date_request
                )
            order_lines.append(
                fields.Command.create(
                    {
                        "product_id": product.id,
                        "name": lang_env._(
                            "Freight difference: %(mode)s", mode=mode[self.shipping_mode]
                        ),
                        "product_uom_qty": 1.0,
                        "price_unit": freight,
                    }
                )
            )
        order.order_line = order_lines
        order.action_confirm()
        self.sale_order_id = order
        # order lines keep the order they were created in: the parts first, then the freight
        for line, sale_line in zip(lines, order.order_line.sorted("id"), strict=False):
            line.sale_line_id = sale_line
        return order

    def _invoice_before_shipping(self, order):
        """款到发货 (方案2 三(二)1, 合同五 五.2): the sold parts are invoiced at once; their
        delivery waits for the payment (see ``stock.picking._after_sales_check_paid``)."""
        self.ensure_one()
        try:
            invoices = order._create_invoices()
        except UserError:
            return self.env["account.move"]  # nothing invoiceable before delivery
        invoices.action_post()
        return invoices

    def _is_paid(self):
        """Whether the sold parts of a requisition that ships after payment are paid."""
        self.ensure_one()
        order = self.sale_order_id.sudo()
        invoices = order.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        return bool(invoices) and all(
            m.payment_state in ("paid", "in_payment", "reversed") for m in invoices
        )

    def _check_shipped(self):
        """Called when a delivery (or a return of it) is validated or cancelled: the
        requisition is done once its after-sales delivery and the sale order's deliveries are
        all done or cancelled; a done requisition whose parts the dealer sent back with Odoo's
        return of its delivery gives their fund back."""
        backorders = self.env["stock.picking"].search(
            [("after_sales_parts_request_id", "in", self.ids)]
        )
        for request in self.filtered(lambda r: r.state in ("approved", "done")):
            pickings = (
                request.picking_id
                | request.sale_order_id.picking_ids
                | backorders.filtered(lambda p, r=request: p.after_sales_parts_request_id == r)
            )
            if request.state == "done":
                request.sudo()._give_back_unshipped(pickings)
                continue
            if pickings and all(p.state in ("done", "cancel") for p in pickings):
                done = pickings.filtered(lambda p: p.state == "done")
                request.sudo()._give_back_unshipped(pickings)
                request.sudo()._refund_unshipped_sales()
                request.sudo().write(
                    {
                        "state": "done",
                        "date_shipped": max(done.mapped("date_done")) if done else False,
                    }
                )

    def _give_back_unshipped(self, pickings):
        """The free and fund parts that the after-sales delivery ``pickings`` did not leave
        with the dealer (shipped short without a backorder, their backorder cancelled, or sent
        back with Odoo's return of the delivery) were never issued: their fund consumption is
        given back by appended rows (the whole row reversed when none of the line stayed; the
        ledger is never edited) and the old parts of trade-in parts never kept are no longer
        expected (R24, R25). Parts sent back and then shipped to the dealer again (Odoo's
        return of the return) are issued again: the fund is drawn again by a row of its own
        and their old parts are owed again. What the ledger already gave back and drew again
        is counted, so the call is idempotent: made when the deliveries are all done or
        cancelled, and again when a return of them is validated later."""
        self.ensure_one()
        issued = self.line_ids.filtered(lambda line: line.qty_free + line.qty_fund > 0)
        if not issued:
            return
        shipped, returned = self._shipped_and_returned(pickings)
        entries = issued.fund_entry_id
        # net of what was given back (reversals) and drawn again (consumptions) for each row
        given = {
            entry.id: amount
            for entry, amount in self.env["after_sales.fund.entry"]
            .sudo()
            ._read_group(
                [
                    ("reversed_entry_id", "in", entries.ids),
                    ("kind", "in", ("reversal", "consumption")),
                ],
                ["reversed_entry_id"],
                ["amount:sum"],
            )
        }
        lang_env = self._get_charge_lang_env(self.dealer_id)
        today = self._company_today()
        locked = False
        for product, lines in issued.grouped("product_id").items():
            uom = product.uom_id
            kept = shipped[product] - returned[product]
            short = uom.round(sum(line.qty_free + line.qty_fund for line in lines) - kept)
            sent_back = bool(returned[product])
            reason = (
                lang_env._("Parts sent back") if sent_back else lang_env._("Parts never shipped")
            )
            part = product.with_context(lang=lang_env.lang).display_name
            for line in reversed(lines):
                take = max(min(short, line.qty_free + line.qty_fund), 0.0)
                short = uom.round(short - take)
                entry = line.fund_entry_id
                if line.qty_fund and entry:
                    currency = line.currency_id
                    whole = uom.compare(take, line.qty_fund) >= 0
                    due = -entry.amount if whole else currency.round(take * line.unit_price)
                    missing = currency.round(due - given.get(entry.id, 0.0))
                    if currency.is_zero(missing):
                        continue
                    if not locked:
                        self.contract_id._lock_fund()
                        locked = True
                    if missing < 0:
                        self._draw_again(line, entry, missing)
                        continue
                    if whole and not given.get(entry.id) and not entry.is_reversed:
                        entry._reverse(date=today, reason=reason)
                        continue
                    if sent_back:
                        name = lang_env._(
                            "%(request)s: %(part)s x %(qty)s sent back",
                            request=self.name,
                            part=part,
                            qty=take,
                        )
                    else:
                        name = lang_env._(
                            "%(request)s: %(part)s x %(qty)s never shipped",
                            request=self.name,
                            part=part,
                            qty=take,
                        )
                    self.contract_id._fund_post(
                        "reversal",
                        missing,
                        today,
                        name,
                        source=entry.source_ref or self.picking_id,
                        reversed_entry_id=entry.id,
                        note=reason,
                    )
                elif line.policy == parts.POLICY_TRADE_IN:
                    owed = sum(
                        old_part.quantity
                        for old_part in self.old_part_ids
                        if old_part.request_line_id == line and old_part.state != "cancelled"
                    )
                    drop = uom.round(owed - (line.qty_free + line.qty_fund - take))
                    if uom.compare(drop, 0.0) > 0:
                        self._drop_expected_old_parts(line, drop)
                    elif uom.compare(drop, 0.0) < 0:
                        self._expect_old_parts_again(line, -drop)

    def _shipped_and_returned(self, pickings):
        """``({product: quantity shipped}, {product: quantity sent back})`` of this
        requisition's own deliveries among ``pickings``, in the products' units: what was
        done, not the demand (a move shipped short without a backorder keeps its demand);
        sent back is Odoo's return of a delivery (an old part's receipt is no return), and a
        return of that return ships again."""
        shipped, returned = defaultdict(float), defaultdict(float)
        own = pickings.filtered(lambda p: p.after_sales_parts_request_id == self)
        for move in own.move_ids.filtered(lambda m: m.state == "done"):
            qty = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
            if move.location_dest_id.usage == "customer":
                shipped[move.product_id] += qty
            elif move.location_id.usage == "customer" and move.origin_returned_move_id:
                returned[move.product_id] += qty
        return shipped, returned

    def _draw_again(self, line, entry, amount):
        """Fund parts of requisition ``line``, given back when the dealer sent them back, were
        shipped to the dealer again: the fund is drawn again (``amount``, negative) by a
        consumption row that refers to the line's first one (``entry``), in the dealer's
        language."""
        lang_env = self._get_charge_lang_env(self.dealer_id)
        part = line.product_id.with_context(lang=lang_env.lang).display_name
        quantity = line.product_id.uom_id.round(-amount / line.unit_price)
        return self.contract_id._fund_post(
            "consumption",
            amount,
            self._company_today(),
            lang_env._(
                "%(request)s: %(part)s x %(qty)s shipped again",
                request=self.name,
                part=part,
                qty=quantity,
            ),
            source=entry.source_ref or self.picking_id,
            reversed_entry_id=entry.id,
            note=lang_env._("Parts shipped again"),
        )

    def _expect_old_parts_again(self, line, quantity):
        """``quantity`` trade-in parts of requisition ``line``, no longer owed back when the
        dealer sent them back, were shipped to the dealer again: their old parts are owed
        again, on a receipt (R24)."""
        return (
            self.env["after_sales.old.part"]
            .sudo()
            ._create_expected(
                [
                    self.env["after_sales.old.part"]._prepare_old_part_vals(
                        self.contract_id,
                        line.product_id,
                        quantity,
                        self._company_today(),
                        company_id=self.company_id.id,
                        request_id=self.id,
                        request_line_id=line.id,
                    )
                ]
            )
        )

    def _refund_unshipped_sales(self):
        """Bring the requisition's sale order down to what left: every sold part's order line
        comes down to its delivered quantity (shipped short without a backorder, or its
        backorder cancelled), invoiced or not, so that the order no longer invoices parts
        never sent; when nothing of the requisition shipped at all (cancelled before
        shipping), the urgent freight difference comes down to nothing too. What was already
        invoiced beyond that (款到发货: invoiced before shipping) is refunded by Odoo's own
        invoicing of the order, a credit note posted at once. Called when the requisition's
        deliveries are all done or cancelled, and when an approved requisition is cancelled;
        nothing is refunded twice (the order is then invoiced as delivered)."""
        self.ensure_one()
        order = self.sale_order_id.sudo()
        if not order or order.state != "sale":
            return self.env["account.move"]
        nothing_shipped = not any(p.state == "done" for p in self.sudo()._all_pickings())
        over = order.order_line.filtered(
            lambda line: (
                not line.display_type
                and (line.product_id.type == "consu" or nothing_shipped)
                and line.product_uom_id.compare(line.product_uom_qty, line.qty_delivered) > 0
            )
        )
        for line in over:
            line.product_uom_qty = line.qty_delivered
        invoiced = order.order_line.filtered(
            lambda line: (
                not line.display_type
                and line.product_uom_id.compare(line.qty_invoiced, line.product_uom_qty) > 0
            )
        )
        if not invoiced:
            return self.env["account.move"]
        refunds = order.with_context(lang=self.dealer_id._after_sales_lang())._create_invoices(
            final=True
        )
        refunds.action_post()
        return refunds

    def _all_pickings(self):
        """Every delivery of this requisition: its after-sales delivery and its backorders
        (and Odoo's returns of them), and the deliveries of its sale order."""
        self.ensure_one()
        own = self.env["stock.picking"].search([("after_sales_parts_request_id", "=", self.id)])
        return self.picking_id | own | self.sale_order_id.picking_ids

    def _drop_expected_old_parts(self, line, quantity):
        """The dealer no longer owes ``quantity`` old parts of requisition ``line``: its
        expected old parts are lowered (the latest first), or cancelled with their receipt
        lines; one already charged at cost for a part never sent has its charge reversed."""
        uom = line.product_id.uom_id
        owed = self.old_part_ids.filtered(
            lambda o: o.request_line_id == line and o.state in ("expected", "charged")
        ).sorted(lambda o: (o.state == "charged", -o.id))
        for old_part in owed:
            if uom.compare(quantity, 0.0) <= 0:
                break
            if uom.compare(old_part.quantity, quantity) <= 0:
                quantity = uom.round(quantity - old_part.quantity)
                if old_part.state == "charged":
                    old_part._reverse_charge()
                    old_part._cancel_receipt_moves()
                    old_part.sudo().state = "cancelled"
                else:
                    old_part._action_cancel()
                continue
            if old_part.state == "charged":
                continue  # its charge covers more than the parts never sent: left as it is
            rest = uom.round(old_part.quantity - quantity)
            old_part.sudo().quantity = rest
            move = old_part.receipt_move_id
            if move and move.state not in ("done", "cancel"):
                # the receipt line is in the part's unit (``_prepare_receipt_move_vals``)
                move.sudo().product_uom_qty = rest
            quantity = 0.0

    @api.model
    def _cron_flag_overdue(self):
        """Daily: refresh the overdue flag of open warranty requisitions (it depends on today)."""
        requests = self.search(
            [("state", "in", ("submitted", "approved")), ("ship_deadline", "!=", False)]
        )
        self.env.add_to_compute(self._fields["is_overdue"], requests)
        requests.flush_recordset(["is_overdue"])
        return True


class AfterSalesPartsRequestLine(models.Model):
    """One part of a requisition and, once approved, how its quantity was split (R24, R25)."""

    _name = "after_sales.parts.request.line"
    _description = "Parts Requisition Line"
    _inherit = ["after_sales.computed.guard.mixin"]
    _order = "request_id, sequence, id"
    _check_company_auto = True

    _quantity_positive = models.Constraint(
        "CHECK(quantity > 0)",
        "A requisition line needs a positive quantity.",
    )

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    sequence = fields.Integer(default=10)
    request_id = fields.Many2one(
        "after_sales.parts.request", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="request_id.company_id", store=True)
    currency_id = fields.Many2one(related="request_id.currency_id")
    state = fields.Selection(related="request_id.state")
    product_id = fields.Many2one(
        "product.product",
        string="Part",
        required=True,
        check_company=True,
        domain="[('type', '=', 'consu')]",
    )
    quantity = fields.Float(default=1.0, digits="Product Unit", required=True)
    policy = fields.Selection(
        [
            ("purchase", "Bought"),
            ("trade_in", "Trade-in"),
            ("free_below", "Free Below"),
            ("none", "No Rule"),
        ],
        readonly=True,
        copy=False,
        help="The contract's parts rule applied at approval.",
    )
    unit_price = fields.Monetary(
        readonly=True, copy=False, help="The parts price list price at approval."
    )
    qty_free = fields.Float(string="Free", readonly=True, copy=False, digits="Product Unit")
    qty_fund = fields.Float(string="On Fund", readonly=True, copy=False, digits="Product Unit")
    qty_sale = fields.Float(string="Sold", readonly=True, copy=False, digits="Product Unit")
    free_amount = fields.Monetary(compute="_compute_amounts", store=True)
    fund_amount = fields.Monetary(compute="_compute_amounts", store=True)
    sale_amount = fields.Monetary(compute="_compute_amounts", store=True)
    fund_entry_id = fields.Many2one("after_sales.fund.entry", readonly=True, copy=False)
    sale_line_id = fields.Many2one("sale.order.line", readonly=True, copy=False)

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("unit_price", "qty_free", "qty_fund", "qty_sale", "currency_id")
    def _compute_amounts(self):
        for line in self:
            currency = line.currency_id
            line.free_amount = currency.round(line.unit_price * line.qty_free) if currency else 0
            line.fund_amount = currency.round(line.unit_price * line.qty_fund) if currency else 0
            line.sale_amount = currency.round(line.unit_price * line.qty_sale) if currency else 0

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_editable()
        return lines

    def write(self, vals):
        computed = {
            "policy",
            "unit_price",
            "qty_free",
            "qty_fund",
            "qty_sale",
            "fund_entry_id",
            "sale_line_id",
        } & set(vals)
        if computed and not self.env.su:
            raise AccessError(
                self.env._(
                    "Parts requisition %(request)s: the split between free, fund and sold "
                    "parts is set by the approval only.",
                    request=self[:1].request_id.display_name,
                )
            )
        if {"product_id", "quantity", "request_id"} & set(vals):
            self._check_editable()
        result = super().write(vals)
        if "request_id" in vals:
            self._check_editable()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_if_editable(self):
        self._check_editable()

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _check_editable(self):
        if self.env.su:
            return
        approved = self.request_id.filtered(lambda r: r.state not in ("draft", "submitted"))
        if approved:
            raise UserError(
                self.env._(
                    "Parts requisition %(request)s is %(state)s: its parts can no longer change.",
                    request=approved[0].display_name,
                    state=approved[0]._state_label(),
                )
            )

    def _get_unit_price(self, contract):
        """The part's price on the contract's parts price list, in the contract's currency (the
        fund's): what a fund part draws, what the free-below threshold is tested against and
        what a sold part costs (R24, R25). A price list in another currency is converted at
        the company's rate of the request date. Called by the split (approval, preview)."""
        self.ensure_one()
        price = contract._pricelist_price(
            contract.parts_pricelist_id,
            self.product_id,
            self.quantity,
            date=self.request_id.date_request,
        )
        return contract.currency_id.round(price)

    def _sale_price(self, currency):
        """The unit price of this line's sold parts on the dealer's sale order, in the order's
        ``currency``: the approval's price when the order is in the contract's currency, the
        parts price list's own price when it is in the price list's (no round trip through
        the contract's currency), else the approval's price converted at the request date's
        rate. Called by the sale order's creation."""
        self.ensure_one()
        request = self.request_id
        contract = request.contract_id
        if currency == contract.currency_id:
            return self.unit_price
        company = request.company_id
        pricelist = contract.parts_pricelist_id
        if pricelist and pricelist.currency_id == currency:
            price = pricelist.with_company(company)._get_product_price(
                self.product_id.with_company(company),
                self.quantity,
                currency=currency,
                date=request.date_request,
            )
        else:
            price = contract.currency_id._convert(
                self.unit_price, currency, company, request.date_request, round=False
            )
        return currency.round(price)

    def _split(self, contract, balance):
        """The parts policy table (``tools.parts.allocate``) applied to these lines with the
        fund ``balance``: a list of ``(line, values)``, nothing written. A part at or under its
        free-below price is free; bought parts are sold; trade-in parts are issued against the
        old part; others are drawn on the fund while the balance allows, on a budget contract
        that runs, and sold beyond. Metres and litres keep fractional quantities."""
        budget = self[:1].request_id._charges_on_fund(contract) if self else False
        result = []
        for line in self:
            rule = contract._get_part_policy(line.product_id)
            policy = rule.policy or parts.POLICY_NONE
            price = line._get_unit_price(contract)
            allocation, balance = parts.allocate(
                policy,
                line.quantity,
                price,
                balance,
                budget,
                threshold=rule.threshold_price,
                step=line._fund_step(),
            )
            result.append(
                (
                    line,
                    {
                        "policy": policy,
                        "unit_price": price,
                        "qty_free": allocation.free,
                        "qty_fund": allocation.fund,
                        "qty_sale": allocation.sold,
                    },
                )
            )
        return result

    def _fund_step(self):
        """Counted parts (units, dozens) are drawn on the fund one piece at a time; parts
        measured otherwise (metres, litres, kilograms) to their unit's rounding."""
        self.ensure_one()
        uom = self.product_id.uom_id
        unit = self.env.ref("uom.product_uom_unit", raise_if_not_found=False)
        if not unit or uom._has_common_reference(unit):
            return 1
        return uom.rounding

    def _allocate(self, contract, balance):
        """Write the split of ``_split`` on the lines (at approval) and return the fund balance
        left."""
        split = self._split(contract, balance)
        for line, vals in split:
            line.write(vals)
        return balance - sum(vals["qty_fund"] * vals["unit_price"] for _line, vals in split)

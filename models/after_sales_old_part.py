from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..tools import parts
from .after_sales_document_mixin import GROUP_APPRAISER


class AfterSalesOldPart(models.Model):
    """An old part a dealer owes back for a trade-in part it was issued (以旧换新, DOMAIN.md R24,
    R26). It comes back through a receipt into the warehouse's Old Parts location; the technical
    appraiser moves it to stock (reusable) or scraps it. When its due date passes without it, a
    daily cron charges the dealer the part's cost price once: a fund ledger row while its
    budget contract runs, otherwise an invoice with the part's VAT. A charged part that still
    comes back is received and its charge reversed (the seed charges cost only when no old
    part returns: 无旧配件返回由乙方按成本价购买)."""

    _name = "after_sales.old.part"
    _description = "Expected Old Part"
    _inherit = [
        "after_sales.sequence.mixin",
        "after_sales.document.mixin",
        "after_sales.charge.mixin",
        "mail.thread",
    ]
    _order = "date_due, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS: identity
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
    contract_id = fields.Many2one(
        "after_sales.contract", required=True, readonly=True, index=True, check_company=True
    )
    dealer_id = fields.Many2one(related="contract_id.dealer_id", store=True, index=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    request_id = fields.Many2one(
        "after_sales.parts.request",
        string="Requisition",
        readonly=True,
        index=True,
        check_company=True,
    )
    request_line_id = fields.Many2one("after_sales.parts.request.line", readonly=True)
    product_id = fields.Many2one(
        "product.product", string="Part", required=True, readonly=True, check_company=True
    )
    quantity = fields.Float(required=True, readonly=True, digits="Product Unit")

    # ------------------------------------------------------------
    # FIELDS: return, appraisal and charge
    # ------------------------------------------------------------
    date_issued = fields.Date(readonly=True)
    date_due = fields.Date(string="Due Date", required=True, readonly=True, index=True)
    state = fields.Selection(
        [
            ("expected", "Expected"),
            ("received", "Received"),
            ("reusable", "Reusable"),
            ("scrapped", "Scrapped"),
            ("charged", "Charged"),
        ],
        string="Status",
        required=True,
        default="expected",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="Still expected after its due date: the cron charges the dealer its cost.",
    )
    receipt_picking_id = fields.Many2one(
        "stock.picking", string="Receipt", readonly=True, copy=False, check_company=True
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Old Parts Location",
        readonly=True,
        check_company=True,
    )
    date_received = fields.Datetime(readonly=True, copy=False)
    appraiser_id = fields.Many2one("res.users", readonly=True, copy=False)
    appraisal_note = fields.Text()
    stock_move_id = fields.Many2one(
        "stock.move", string="Move to Stock", readonly=True, copy=False, check_company=True
    )
    scrap_id = fields.Many2one("stock.scrap", readonly=True, copy=False, check_company=True)
    charge_amount = fields.Monetary(readonly=True, copy=False)
    charge_entry_id = fields.Many2one(
        "after_sales.fund.entry", string="Charged on Fund", readonly=True, copy=False
    )
    charge_invoice_id = fields.Many2one(
        "account.move", readonly=True, copy=False, check_company=True
    )
    charge_reversal_id = fields.Many2one(
        "account.move",
        string="Charge Credit Note",
        readonly=True,
        copy=False,
        check_company=True,
        help="The credit note of the cost-price invoice when the old part came back late.",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("state", "date_due")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for old_part in self:
            old_part.is_overdue = old_part.state == "expected" and old_part.date_due < today

    def _search_is_overdue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = Domain(
            [("state", "=", "expected"), ("date_due", "<", fields.Date.context_today(self))]
        )
        positive = True in value
        if operator == "not in":
            positive = not positive
        return domain if positive else ~domain

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    def write(self, vals):
        guarded = {
            "state",
            "contract_id",
            "request_id",
            "request_line_id",
            "product_id",
            "quantity",
            "date_due",
            "receipt_picking_id",
            "appraiser_id",
            "stock_move_id",
            "scrap_id",
            "charge_amount",
            "charge_entry_id",
            "charge_invoice_id",
            "charge_reversal_id",
        } & set(vals)
        if guarded and not self.env.su:
            raise AccessError(
                self.env._(
                    "Old part %(old_part)s: %(fields)s change only through its receipt, its "
                    "appraisal and its charge.",
                    old_part=", ".join(self[:3].mapped("display_name")),
                    fields=", ".join(
                        self._fields[name]._description_string(self.env) for name in sorted(guarded)
                    ),
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_receive(self):
        """The old part arrived: validate its receipt into the Old Parts location (warehouse or
        technical department). Validating the receipt from the Inventory app does the same."""
        user = self.env.user
        if not (user.has_group("stock.group_stock_user") or user.has_group(GROUP_APPRAISER)):
            raise AccessError(
                self.env._(
                    "Only the warehouse or the technical department receives old parts "
                    "(%(old_part)s).",
                    old_part=", ".join(self.mapped("display_name")),
                )
            )
        for old_part in self:
            if old_part.state not in ("expected", "charged"):
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s is %(state)s: only an expected (or charged, "
                        "late) old part can be received.",
                        old_part=old_part.display_name,
                        state=old_part._state_label(),
                    )
                )
        pickings = self.receipt_picking_id.sudo().filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        pickings._action_done()
        return True

    def action_appraise_reusable(self):
        """The technical appraiser found the old part reusable: it moves to stock (R26)."""
        self._check_appraisal()
        for old_part in self:
            warehouse = old_part.location_id.warehouse_id
            move = (
                self.env["stock.move"]
                .sudo()
                .create(
                    {
                        "product_id": old_part.product_id.id,
                        "product_uom_qty": old_part.quantity,
                        "product_uom": old_part.product_id.uom_id.id,
                        "location_id": old_part.location_id.id,
                        "location_dest_id": warehouse.lot_stock_id.id,
                        "origin": old_part.name,
                        "company_id": old_part.company_id.id,
                    }
                )
            )
            move._action_confirm()
            move._action_assign()
            move.quantity = old_part.quantity
            move.picked = True
            move._action_done()
            old_part.sudo().write(
                {"state": "reusable", "stock_move_id": move.id, "appraiser_id": self.env.uid}
            )
        return True

    def action_appraise_scrap(self):
        """The technical appraiser found the old part unusable: it is scrapped (R26)."""
        self._check_appraisal()
        for old_part in self:
            scrap = (
                self.env["stock.scrap"]
                .sudo()
                .create(
                    {
                        "product_id": old_part.product_id.id,
                        "product_uom_id": old_part.product_id.uom_id.id,
                        "scrap_qty": old_part.quantity,
                        "location_id": old_part.location_id.id,
                        "origin": old_part.name,
                        "company_id": old_part.company_id.id,
                    }
                )
            )
            scrap.do_scrap()
            old_part.sudo().write(
                {"state": "scrapped", "scrap_id": scrap.id, "appraiser_id": self.env.uid}
            )
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _check_appraisal(self):
        self._check_group(
            GROUP_APPRAISER,
            self.env._(
                "Only the technical department appraises old parts (%(old_part)s).",
                old_part=", ".join(self.mapped("display_name")),
            ),
        )
        for old_part in self:
            if old_part.state != "received":
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s is %(state)s: only a received old part can be "
                        "appraised.",
                        old_part=old_part.display_name,
                        state=old_part._state_label(),
                    )
                )

    @api.model
    def _create_for_lines(self, lines, date):
        """Create the expected old parts of the trade-in parts issued on requisition ``lines``
        (free or on the fund; a sold part is the dealer's) and their receipts. Called by the
        requisition's approval."""
        vals_list = []
        for line in lines.filtered(lambda rec: rec.policy == "trade_in"):
            qty = line.qty_free + line.qty_fund
            if not qty:
                continue
            request = line.request_id
            contract = request.contract_id
            vals_list.append(
                {
                    "company_id": request.company_id.id,
                    "contract_id": contract.id,
                    "request_id": request.id,
                    "request_line_id": line.id,
                    "product_id": line.product_id.id,
                    "quantity": qty,
                    "date_issued": date,
                    "date_due": parts.old_part_due_date(
                        date, contract.old_part_return_mode, contract.old_part_return_days
                    ),
                }
            )
        old_parts = self.create(vals_list)
        old_parts._create_receipts()
        return old_parts

    def _create_receipts(self):
        """Create one receipt per old part, from the dealer into the Old Parts location."""
        Picking = self.env["stock.picking"].sudo()
        for old_part in self:
            warehouse = (
                self.env["stock.warehouse"]
                .sudo()
                ._after_sales_get_parts_warehouse(old_part.company_id)
            )
            picking_type = warehouse.after_sales_old_part_type_id
            src = old_part.dealer_id.with_company(old_part.company_id).property_stock_customer
            dest = warehouse.after_sales_old_part_loc_id
            vals = Picking._after_sales_prepare_picking_vals(
                picking_type,
                old_part.dealer_id,
                src,
                dest,
                origin=old_part.name,
                moves=[
                    {
                        "product_id": old_part.product_id.id,
                        "product_uom_qty": old_part.quantity,
                        "product_uom": old_part.product_id.uom_id.id,
                    }
                ],
            )
            picking = Picking.with_company(old_part.company_id).create(vals)
            picking.action_confirm()
            old_part.sudo().write({"receipt_picking_id": picking.id, "location_id": dest.id})

    def _on_receipt_done(self):
        """Called when an old parts receipt is validated: the quantity actually received is
        received; what is missing stays expected (on the backorder, if the warehouse made
        one) and is charged at cost if it never comes back (R24). A charged old part that comes
        back late is received too, and its charge is reversed."""
        for old_part in self.filtered(lambda rec: rec.state in ("expected", "charged")):
            receipt = old_part.receipt_picking_id
            received = sum(
                receipt.move_ids.filtered(
                    lambda m, p=old_part.product_id: m.state == "done" and m.product_id == p
                ).mapped("quantity")
            )
            rest = old_part.quantity - received
            if received and rest > 0:
                backorder = (
                    self.env["stock.picking"]
                    .sudo()
                    .search(
                        [
                            ("backorder_id", "=", receipt.id),
                            ("state", "not in", ("done", "cancel")),
                        ],
                        limit=1,
                    )
                )
                old_part.sudo().copy(
                    {
                        "quantity": rest,
                        "receipt_picking_id": backorder.id,
                        "date_due": old_part.date_due,
                        "state": old_part.state,
                    }
                )
                old_part.sudo().quantity = received
            if old_part.state == "charged":
                old_part._reverse_charge()
            old_part.sudo().write({"state": "received", "date_received": receipt.date_done})

    @api.model
    def _cron_charge_overdue(self):
        """Daily: charge the dealer the cost price (standard price) of each old part not back by
        its due date, once (R24). The rows are locked (skipping those another run holds) and
        leave the 'expected' state, so a second run charges nothing; a contract whose fund
        another user is moving is charged on the next run."""
        overdue = self.search([("is_overdue", "=", True)])
        if not overdue:
            return True
        locked = overdue.try_lock_for_update()
        locked.invalidate_recordset(["state"])
        for old_part in locked.filtered(lambda rec: rec.state == "expected"):
            try:
                old_part._charge()
            except UserError:
                continue  # the contract's fund is locked by another user: next run
        return True

    def _charge(self):
        """Charge the dealer this old part's cost price: a fund row while its budget contract
        runs, otherwise an invoice with the part's VAT (the one decision of the charge
        mixin). Its receipt stays open: the part may still come back."""
        self.ensure_one()
        product = self.product_id.with_company(self.company_id)
        today = fields.Date.context_today(self)
        price = product.standard_price
        if self.currency_id and self.currency_id != self.company_id.currency_id:
            price = self.company_id.currency_id._convert(
                price, self.currency_id, self.company_id, today, round=False
            )
        amount = (self.currency_id or self.company_id.currency_id).round(price * self.quantity)
        label = self.env._(
            "Old part %(old_part)s not returned: %(part)s x %(qty)s at cost",
            old_part=self.name,
            part=product.display_name,
            qty=self.quantity,
        )
        charge = self._post_dealer_charge(
            self.dealer_id,
            [{"name": label, "product": product, "quantity": self.quantity, "price_unit": price}],
            today,
            label=label,
            kind="old_part_charge",
            source=self.receipt_picking_id,
        )
        vals = {"state": "charged", "charge_amount": amount}
        if charge._name == "after_sales.fund.entry":
            vals["charge_entry_id"] = charge.id
        else:
            vals["charge_invoice_id"] = charge.id
        self.sudo().write(vals)
        self.message_post(body=label)

    def _reverse_charge(self):
        """The charged old part came back: its cost-price charge is reversed (a reversing fund
        row under the fund lock, or a posted credit note of the invoice)."""
        self.ensure_one()
        reason = self.env._("Old part %(old_part)s returned after its charge", old_part=self.name)
        entry = self.charge_entry_id.sudo()
        if entry and not entry.is_reversed:
            self.contract_id.sudo()._lock_fund()
            entry._reverse(reason=reason)
        invoice = self.charge_invoice_id.sudo()
        if invoice and invoice.state == "posted" and not self.charge_reversal_id:
            credit = invoice._reverse_moves(
                [{"ref": reason, "invoice_date": fields.Date.context_today(self)}]
            )
            credit.action_post()
            self.sudo().charge_reversal_id = credit
        self.message_post(body=reason)

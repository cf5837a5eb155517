from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import parts


class AfterSalesOldPart(models.Model):
    """An old part a dealer owes back for a trade-in part it was issued (以旧换新, DOMAIN.md R24,
    R26). It comes back through a receipt into the warehouse's Old Parts location; the technical
    appraiser moves it to stock (reusable) or scraps it. When its due date passes without it, a
    daily cron charges the dealer the part's cost price once: a fund ledger row on a budget
    contract, otherwise an invoice."""

    _name = "after_sales.old.part"
    _description = "Expected Old Part"
    _inherit = ["after_sales.sequence.mixin", "mail.thread"]
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
    # ACTION
    # ------------------------------------------------------------
    def action_receive(self):
        """The old part arrived: validate its receipt into the Old Parts location (warehouse or
        technical department). Validating the receipt from the Inventory app does the same."""
        user = self.env.user
        if not (
            user.has_group("stock.group_stock_user")
            or user.has_group("after_sales_service.after_sales_service_group_appraiser")
        ):
            raise AccessError(
                self.env._(
                    "Only the warehouse or the technical department receives old parts "
                    "(%(old_part)s).",
                    old_part=", ".join(self.mapped("display_name")),
                )
            )
        for old_part in self:
            if old_part.state != "expected":
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s is %(state)s: only an expected old part can be "
                        "received.",
                        old_part=old_part.display_name,
                        state=old_part._state_label(),
                    )
                )
        pickings = self.receipt_picking_id.sudo()
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
            old_part.write(
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
            old_part.write(
                {"state": "scrapped", "scrap_id": scrap.id, "appraiser_id": self.env.uid}
            )
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env)).get(self.state)

    def _check_appraisal(self):
        if not self.env.user.has_group("after_sales_service.after_sales_service_group_appraiser"):
            raise AccessError(
                self.env._(
                    "Only the technical department appraises old parts (%(old_part)s).",
                    old_part=", ".join(self.mapped("display_name")),
                )
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
        for old_part in self:
            warehouse = self.env["stock.warehouse"]._after_sales_get_parts_warehouse(
                old_part.company_id
            )
            picking_type = warehouse.after_sales_old_part_type_id
            src = old_part.dealer_id.with_company(old_part.company_id).property_stock_customer
            dest = warehouse.after_sales_old_part_loc_id
            picking = (
                self.env["stock.picking"]
                .with_company(old_part.company_id)
                .create(
                    {
                        "picking_type_id": picking_type.id,
                        "partner_id": old_part.dealer_id.id,
                        "location_id": src.id,
                        "location_dest_id": dest.id,
                        "origin": old_part.name,
                        "company_id": old_part.company_id.id,
                        "move_ids": [
                            fields.Command.create(
                                {
                                    "product_id": old_part.product_id.id,
                                    "product_uom_qty": old_part.quantity,
                                    "product_uom": old_part.product_id.uom_id.id,
                                    "location_id": src.id,
                                    "location_dest_id": dest.id,
                                    "company_id": old_part.company_id.id,
                                }
                            )
                        ],
                    }
                )
            )
            picking.action_confirm()
            old_part.write({"receipt_picking_id": picking.id, "location_id": dest.id})

    def _on_receipt_done(self):
        """Called when an old parts receipt is validated: the quantity actually received is
        received; what is missing stays expected (on the backorder, if the warehouse made
        one) and is charged at cost if it never comes back (R24)."""
        for old_part in self.filtered(lambda rec: rec.state == "expected"):
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
                old_part.copy(
                    {
                        "quantity": rest,
                        "receipt_picking_id": backorder.id,
                        "date_due": old_part.date_due,
                    }
                )
                old_part.quantity = received
            old_part.write({"state": "received", "date_received": receipt.date_done})

    @api.model
    def _cron_charge_overdue(self):
        """Daily: charge the dealer the cost price (standard price) of each old part not back by
        its due date, once (R24): a fund ledger row on a budget contract, otherwise a posted
        invoice. The rows are locked (skipping those another run holds) and leave the
        'expected' state, so a second run charges nothing."""
        overdue = self.search([("is_overdue", "=", True)])
        if not overdue:
            return True
        self.env.cr.execute(
            SQL(
                "SELECT id FROM after_sales_old_part WHERE id IN %s AND state = 'expected' "
                "FOR UPDATE SKIP LOCKED",
                tuple(overdue.ids),
            )
        )
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_recordset(["state"])
        for old_part in locked.filtered(lambda rec: rec.state == "expected"):
            old_part._charge()
        return True

    def _charge(self):
        self.ensure_one()
        contract = self.contract_id
        product = self.product_id.with_company(self.company_id)
        amount = contract.currency_id.round(product.standard_price * self.quantity)
        today = fields.Date.context_today(self)
        label = self.env._(
            "Old part %(old_part)s not returned: %(part)s x %(qty)s at cost",
            old_part=self.name,
            part=product.display_name,
            qty=self.quantity,
        )
        vals = {"state": "charged", "charge_amount": amount}
        if contract.allowance_use == "budget":
            vals["charge_entry_id"] = contract._fund_post(
                "old_part_charge", -amount, today, label, source=self.receipt_picking_id
            ).id
        else:
            invoice = (
                self.env["account.move"]
                .with_company(self.company_id)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.dealer_id.id,
                        "company_id": self.company_id.id,
                        "currency_id": contract.currency_id.id,
                        "invoice_date": today,
                        "invoice_origin": self.name,
                        "invoice_line_ids": [
                            fields.Command.create(
                                {
                                    "product_id": product.id,
                                    "name": label,
                                    "quantity": self.quantity,
                                    "price_unit": product.standard_price,
                                    "tax_ids": [fields.Command.clear()],
                                }
                            )
                        ],
                    }
                )
            )
            invoice.action_post()
            vals["charge_invoice_id"] = invoice.id
        if self.receipt_picking_id.state not in ("done", "cancel"):
            self.receipt_picking_id.action_cancel()
        self.write(vals)
        self.message_post(body=label)

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..tools import parts
from .after_sales_document_mixin import GROUP_APPRAISER

GROUP_STOCK = "stock.group_stock_user"
# Back in the manufacturer's hands: received, then appraised one way or the other.
BACK_STATES = ("received", "reusable", "scrapped", "rejected")
# Owed and not back: still expected, or charged at cost and still welcome back.
OPEN_STATES = ("expected", "charged")


# Written by the old part's receipt, appraisal and charge only (under sudo()).
SYSTEM_FIELDS = (
    "state",
    "contract_id",
    "request_id",
    "request_line_id",
    "claim_id",
    "claim_line_id",
    "product_id",
    "quantity",
    "date_issued",
    "date_due",
    "receipt_picking_id",
    "receipt_move_id",
    "location_id",
    "date_received",
    "appraiser_id",
    "stock_move_id",
    "scrap_id",
    "charge_amount",
    "charge_entry_id",
    "charge_invoice_id",
    "charge_reversal_id",
)


class AfterSalesOldPart(models.Model):
    """An old part a dealer owes back (旧件, DOMAIN.md R21, R24, R26): for a trade-in part issued
    on a requisition (以旧换新), or for a trade-in part replaced by a submitted claim (the seed
    returns the old parts with the 《三包维修记录》). The one record of both flows: it comes back
    through a receipt into the warehouse's Old Parts location (the old parts of one dealer due
    the same day share one receipt), the technical appraiser moves it to stock (reusable),
    scraps it, or rejects a claim's part (not the part replaced, damaged by misuse: the claim is
    not reimbursed). When its due date passes without it, a daily cron charges the dealer the
    part's cost price once: a fund ledger row while its budget contract runs, otherwise an
    invoice with the part's VAT. A charged part that still comes back is received and its
    charge reversed (the seed charges cost only when no old part returns: 无旧配件返回由乙方按
    成本价购买). A claim sent back to draft, rejected or cancelled cancels its old parts still
    expected."""

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
    claim_id = fields.Many2one(
        "after_sales.claim",
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )
    claim_line_id = fields.Many2one(
        "after_sales.claim.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
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
            ("rejected", "Rejected"),
            ("charged", "Charged"),
            ("cancelled", "Cancelled"),
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
        "stock.picking",
        string="Receipt",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    receipt_move_id = fields.Many2one(
        "stock.move",
        readonly=True,
        copy=False,
        check_company=True,
        help="This old part's own line on its receipt, which other old parts of the dealer may "
        "share: what it receives is what came back of this part.",
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Old Parts Location",
        readonly=True,
        check_company=True,
    )
    date_received = fields.Datetime(readonly=True, copy=False)
    appraiser_id = fields.Many2one("res.users", readonly=True, copy=False)
    appraisal_note = fields.Text(
        help="The appraiser's findings; say why when the part is rejected (not the part "
        "replaced, damaged by misuse)."
    )
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
        for old_part in self:
            today = old_part._company_today()
            old_part.is_overdue = old_part.state == "expected" and old_part.date_due < today

    def _search_is_overdue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = Domain([("state", "=", "expected"), ("date_due", "<", self._company_today())])
        positive = True in value
        if operator == "not in":
            positive = not positive
        return domain if positive else ~domain

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    def write(self, vals):
        guarded = set(vals) & set(SYSTEM_FIELDS)
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
        if "appraisal_note" in vals and not self.env.su:
            appraised = self.filtered(lambda p: p.state not in ("expected", "received"))
            if appraised:
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s is %(state)s: its appraisal note is the record "
                        "of that appraisal and can no longer change.",
                        old_part=appraised[0].display_name,
                        state=appraised[0]._state_label(),
                    )
                )
        return super().write(vals)

    def _after_sales_system_fields(self):
        return SYSTEM_FIELDS

    @api.ondelete(at_uninstall=False)
    def _unlink_only_expected(self):
        """An old part that came back, was appraised or charged is the record of that receipt,
        appraisal or charge: only an expected or cancelled one is deleted."""
        kept = self.filtered(lambda p: p.state not in ("expected", "cancelled"))
        if kept:
            raise UserError(
                self.env._(
                    "Old part %(old_part)s is %(state)s and cannot be deleted.",
                    old_part=kept[0].display_name,
                    state=kept[0]._state_label(),
                )
            )

    def unlink(self):
        # A requisition cancelled before shipping deletes its expected old parts: their lines
        # leave the (possibly shared) receipt with them.
        self._cancel_receipt_moves()
        return super().unlink()

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_receive(self):
        """The old parts arrived: validate their own lines of their receipts into the Old Parts
        location (warehouse or technical department). Other old parts of a shared receipt stay
        expected on its backorder. Validating the receipt from the Inventory app does the
        same."""
        self._check_receiver()
        for old_part in self:
            if old_part.state not in OPEN_STATES:
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s is %(state)s: only an expected (or charged, "
                        "late) old part can be received.",
                        old_part=old_part.display_name,
                        state=old_part._state_label(),
                    )
                )
        self.filtered(lambda rec: not rec._open_receipt_move())._assign_receipts()
        moves = self.sudo().receipt_move_id.filtered(lambda m: m.state not in ("done", "cancel"))
        for move in moves:
            move.quantity = move.product_uom_qty
            move.picked = True
        moves.picking_id._action_done()
        return True

    def action_create_return_receipt(self):
        """The dealer ships these old parts back together (with its service records, or with
        a delivery truck, 随销售发货车): put them on one new receipt, whatever their due dates,
        and open it. For the warehouse or the technical department, from the list of expected
        old parts of one dealer."""
        self._check_receiver()
        if not self:
            return True
        if len(self.company_id) > 1 or len(self.dealer_id) > 1:
            raise UserError(
                self.env._(
                    "One return receipt is for the old parts of one dealer: %(dealers)s.",
                    dealers=", ".join(self.dealer_id.mapped("display_name")),
                )
            )
        closed = self.filtered(lambda rec: rec.state not in OPEN_STATES)
        if closed:
            raise UserError(
                self.env._(
                    "Old part %(old_part)s is %(state)s: only expected (or charged) old parts "
                    "go on a return receipt.",
                    old_part=closed[0].display_name,
                    state=closed[0]._state_label(),
                )
            )
        self._cancel_receipt_moves()
        picking = self._assign_receipts(join=False)
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "view_mode": "form",
            "res_id": picking.id,
        }

    def action_appraise_reusable(self):
        """The technical appraiser found the old part reusable: it moves to stock (R26)."""
        self._check_appraisal()
        self._check_on_hand()
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
        self._scrap("scrapped")
        return True

    def action_appraise_rejected(self):
        """The technical appraiser rejects a claim's old part (R21): not the part the repair
        replaced, or damaged by misuse. The claim is not reimbursed; the part, of no use, is
        scrapped. A requisition's old part is only reusable or scrap: a wrong part is charged
        as not returned."""
        self._check_appraisal()
        not_claimed = self.filtered(lambda rec: not rec.claim_id)
        if not_claimed:
            raise UserError(
                self.env._(
                    "Old part %(old_part)s comes from a parts requisition: only a claim's old "
                    "part is rejected.",
                    old_part=not_claimed[0].display_name,
                )
            )
        self._scrap("rejected")
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _check_receiver(self):
        user = self.env.user
        if not self.env.su and not (user.has_group(GROUP_STOCK) or user.has_group(GROUP_APPRAISER)):
            raise AccessError(
                self.env._(
                    "Only the warehouse or the technical department receives old parts "
                    "(%(old_part)s).",
                    old_part=", ".join(self.mapped("display_name")),
                )
            )

    def _open_receipt_move(self):
        self.ensure_one()
        move = self.sudo().receipt_move_id
        return move if move.state not in ("done", "cancel") else move.browse()

    def _scrap(self, state):
        """Scrap the received old parts out of the Old Parts location, in ``state``."""
        self._check_on_hand()
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
                {"state": state, "scrap_id": scrap.id, "appraiser_id": self.env.uid}
            )

    def _check_on_hand(self):
        """The appraisal moves the old parts out of the Old Parts location (to stock, or
        scrapped): never more than is on hand there, all the appraised old parts of a product
        together, so that an appraisal never makes that location's stock negative. Called by
        the appraisal before it moves anything."""
        wanted = defaultdict(float)
        # a consumable that is not stored keeps no quantity anywhere: nothing to check
        for old_part in self.filtered(lambda o: o.product_id.is_storable):
            wanted[old_part.product_id, old_part.location_id] += old_part.quantity
        Quant = self.env["stock.quant"].sudo()
        for (product, location), quantity in wanted.items():
            on_hand = sum(Quant._gather(product, location).mapped("quantity"))
            if product.uom_id.compare(quantity, on_hand) > 0:
                old_parts = self.filtered(
                    lambda o, p=product, loc=location: o.product_id == p and o.location_id == loc
                )
                raise UserError(
                    self.env._(
                        "Old part %(old_part)s: %(qty)s %(product)s to appraise, but only "
                        "%(on_hand)s in %(location)s.",
                        old_part=", ".join(old_parts.mapped("display_name")),
                        qty=quantity,
                        product=product.display_name,
                        on_hand=product.uom_id.round(on_hand),
                        location=location.display_name,
                    )
                )

    def _reopen_sent_back(self, quantity):
        """``quantity`` of this received old part went back to the dealer with Odoo's return
        of its receipt (the warehouse refused it: wrong or incomplete part): that much is owed
        again. The whole part is expected again; part of it is split off as a new expected
        old part, the rest staying received. What is owed again goes on a receipt, and is
        charged at cost by the daily job if it does not come back by its due date (R24). A
        cost charged and reversed when it came back is a closed episode of the ledger: the
        part expected again carries no charge. Called when the return is validated."""
        self.ensure_one()
        uom = self.product_id.uom_id
        if uom.compare(quantity, 0.0) <= 0:
            return self.browse()
        rest = uom.round(self.quantity - quantity)
        reopen = {
            "state": "expected",
            "receipt_move_id": False,
            "receipt_picking_id": False,
            "date_received": False,
            "charge_amount": 0.0,
            "charge_entry_id": False,
            "charge_invoice_id": False,
            "charge_reversal_id": False,
        }
        if uom.compare(rest, 0.0) > 0:
            owed = self.sudo().copy(
                {**reopen, "quantity": uom.round(quantity), "date_due": self.date_due}
            )
            self.sudo().quantity = rest
        else:
            owed = self.sudo()
            owed.write(reopen)
        owed._assign_receipts()
        body = self.env._(
            "%(qty)s %(product)s sent back to the dealer: owed again (%(old_part)s).",
            qty=uom.round(quantity),
            product=self.product_id.display_name,
            old_part=owed.name,
        )
        for old_part in self | owed:
            old_part.message_post(body=body)
        return owed.with_env(self.env)

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
        (free or on the fund; a sold part is the dealer's) and put them on receipts. Called by
        the requisition's approval."""
        vals_list = []
        for line in lines.filtered(lambda rec: rec.policy == "trade_in"):
            qty = line.qty_free + line.qty_fund
            if not qty:
                continue
            request = line.request_id
            vals_list.append(
                self._prepare_old_part_vals(
                    request.contract_id,
                    line.product_id,
                    qty,
                    date,
                    company_id=request.company_id.id,
                    request_id=request.id,
                    request_line_id=line.id,
                )
            )
        return self._create_expected(vals_list)

    @api.model
    def _prepare_old_part_vals(self, contract, product, quantity, date, **links):
        """Values of an old part ``contract``'s dealer owes for ``quantity`` of ``product``
        issued or replaced on ``date``: due back by the contract's return rule (N days, or
        twice a year). ``links`` name its document (requisition or claim, and its line)."""
        return {
            "company_id": contract.company_id.id,
            "contract_id": contract.id,
            "product_id": product.id,
            "quantity": quantity,
            "date_issued": date,
            "date_due": parts.old_part_due_date(
                date, contract.old_part_return_mode, contract.old_part_return_days
            ),
            **links,
        }

    @api.model
    def _create_expected(self, vals_list):
        """Create expected old parts and put them on receipts (requisitions and claims)."""
        old_parts = self.sudo().create(vals_list)
        old_parts._assign_receipts()
        return old_parts.with_env(self.env)

    def _assign_receipts(self, join=True):
        """Put these old parts on receipts from their dealer into the Old Parts location, one
        line (move) each. With ``join``, the old parts of one dealer due on one day (the same
        half-year end when parts come back twice a year) share a receipt: an open one of the
        same dealer and due date is completed, else one is created. Without ``join`` they all go
        on one new receipt (the "Create Return Receipt" action). Returns the receipts."""
        Picking = self.env["stock.picking"].sudo()
        Warehouse = self.env["stock.warehouse"].sudo()
        groups = defaultdict(self.browse)
        for old_part in self:
            key = (old_part.company_id, old_part.dealer_id, join and old_part.date_due)
            groups[key] |= old_part
        pickings = Picking.browse()
        for (company, dealer, date_due), old_parts in groups.items():
            warehouse = Warehouse._after_sales_get_parts_warehouse(company)
            picking_type = warehouse.after_sales_old_part_type_id
            src = dealer.with_company(company).property_stock_customer
            dest = warehouse.after_sales_old_part_loc_id
            moves = [old_part._prepare_receipt_move_vals(src, dest) for old_part in old_parts]
            picking = Picking.browse()
            if join:
                picking = Picking.search(
                    [
                        ("picking_type_id", "=", picking_type.id),
                        ("partner_id", "=", dealer.id),
                        ("company_id", "=", company.id),
                        ("state", "not in", ("done", "cancel")),
                        (
                            "after_sales_old_part_ids",
                            "any",
                            [("date_due", "=", date_due), ("state", "in", OPEN_STATES)],
                        ),
                    ],
                    order="id",
                    limit=1,
                )
            if picking:
                new_moves = (
                    self.env["stock.move"]
                    .sudo()
                    .create([{**move, "picking_id": picking.id} for move in moves])
                )
                new_moves._action_confirm()
                picking.origin = ", ".join(
                    filter(None, [picking.origin, *old_parts.mapped("name")])
                )
            else:
                vals = Picking._after_sales_prepare_picking_vals(
                    picking_type,
                    dealer,
                    src,
                    dest,
                    origin=", ".join(old_parts.mapped("name")),
                    moves=moves,
                )
                picking = Picking.with_company(company).create(vals)
                picking.action_confirm()
            for move in picking.move_ids.filtered(
                lambda m, ops=old_parts: m.after_sales_old_part_id in ops
            ):
                move.after_sales_old_part_id.sudo().write(
                    {
                        "receipt_move_id": move.id,
                        "receipt_picking_id": picking.id,
                        "location_id": dest.id,
                    }
                )
            pickings |= picking
        return pickings

    def _prepare_receipt_move_vals(self, source, dest):
        """The receipt line (move) of this old part; the picking builder completes it."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_uom_qty": self.quantity,
            "product_uom": self.product_id.uom_id.id,
            "location_id": source.id,
            "location_dest_id": dest.id,
            "company_id": self.company_id.id,
            "after_sales_old_part_id": self.id,
        }

    def _cancel_receipt_moves(self):
        """Take these old parts' lines off their open receipts (a receipt left without a
        line is cancelled with them)."""
        moves = self.sudo().receipt_move_id.filtered(lambda m: m.state not in ("done", "cancel"))
        moves._action_cancel()

    def _action_cancel(self):
        """The old parts are no longer owed (their claim went back to draft, was rejected or
        cancelled, or its line changed): the expected ones are cancelled with their open
        receipt lines. What came back, or was charged, stays as it is."""
        expected = self.filtered(lambda rec: rec.state == "expected")
        expected._cancel_receipt_moves()
        expected.sudo().write({"state": "cancelled"})
        return expected

    def _on_receipt_done(self):
        """Called when an old parts receipt is validated, for the old parts on it: each one
        learns from its own receipt line what came back. A line not received went to the
        backorder with its old part; the rest of a line partly received stays expected as a
        new old part, on the backorder's line if the warehouse made one, and is charged at
        cost if it never comes back (R24). A charged old part that comes back late is
        received too, and its charge is reversed; when only some of it comes back, the parts
        still missing are charged again on their own, at the cost first charged."""
        todo = self.filtered(lambda rec: rec.state in OPEN_STATES and rec.receipt_move_id)
        if not todo:
            return
        rest_moves = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("after_sales_old_part_id", "in", todo.ids),
                    ("state", "not in", ("done", "cancel")),
                ]
            )
        )
        for old_part in todo:
            move = old_part.receipt_move_id
            if move.state == "cancel":
                # the rest was not backordered: still owed, without a receipt
                old_part.sudo().write({"receipt_move_id": False, "receipt_picking_id": False})
                continue
            if move.state != "done":
                old_part.sudo().receipt_picking_id = move.picking_id
                continue
            uom = old_part.product_id.uom_id
            received = move.product_uom._compute_quantity(move.quantity, uom)
            rest = uom.round(old_part.quantity - received)
            copy = self.browse()
            # the cost per part the dealer was charged, before the charge is split
            unit_charge = old_part.charge_amount / old_part.quantity if old_part.quantity else 0.0
            if uom.compare(rest, 0.0) > 0:
                rest_move = rest_moves.filtered(
                    lambda m, o=old_part: (
                        m.after_sales_old_part_id == o and m.location_dest_id == o.location_id
                    )
                )[:1]
                copy = old_part.sudo().copy(
                    {
                        "quantity": rest,
                        "date_due": old_part.date_due,
                        "state": old_part.state,
                        "receipt_move_id": rest_move.id,
                        "receipt_picking_id": rest_move.picking_id.id,
                        "location_id": old_part.location_id.id,
                    }
                )
                rest_move.after_sales_old_part_id = copy
                old_part.sudo().quantity = received
            if old_part.state == "charged":
                old_part._reverse_charge()
                if copy:
                    # R24: the parts still missing stay charged at the cost first charged, as
                    # a new charge of their own (the ledger and invoices are append-only)
                    copy._charge(price=unit_charge)
            old_part.sudo().write(
                {"state": "received", "date_received": move.date or move.picking_id.date_done}
            )

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

    def _charge(self, price=None):
        """Charge the dealer this old part's cost price: a fund row while its budget contract
        runs, otherwise an invoice with the part's VAT (the one decision of the charge
        mixin). Its receipt stays open: the part may still come back. ``price`` (in the
        charge's currency) is the cost per part already charged when the missing rest of a
        partly returned charged old part is charged again on its own; by default, the part's
        cost price today."""
        self.ensure_one()
        product = self.product_id.with_company(self.company_id)
        today = self._company_today()
        if price is None:
            price = product.standard_price
            if self.currency_id and self.currency_id != self.company_id.currency_id:
                price = self.company_id.currency_id._convert(
                    price, self.currency_id, self.company_id, today, round=False
                )
        amount = (self.currency_id or self.company_id.currency_id).round(price * self.quantity)
        lang_env = self._get_charge_lang_env(self.dealer_id)
        label = lang_env._(
            "Old part %(old_part)s not returned: %(part)s x %(qty)s at cost",
            old_part=self.name,
            part=product.with_context(lang=lang_env.lang).display_name,
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
                [{"ref": reason, "invoice_date": self._company_today()}]
            )
            credit.action_post()
            self.sudo().charge_reversal_id = credit
        self.message_post(body=reason)

import datetime

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import parts, periods


class AfterSalesContractStocking(models.TransientModel):
    """Initial parts stocking of a dealer (铺底, DOMAIN.md R23): proposes each spare part's
    quantity from what the dealer really sold of the products it serves over the contract's
    last months (delivered, net of the customer returns, never the manufacturer's own repair
    or exchange deliveries) x its percentage, rounded up; parts the dealer always buys are not
    handed out. The user adjusts the lines and confirms one delivery from the after-sales parts
    operation type, with its stocking list. A dealer is stocked once, whatever its contracts."""

    _name = "after_sales.contract.stocking"
    _description = "Initial Parts Stocking"

    contract_id = fields.Many2one(
        "after_sales.contract",
        required=True,
        domain="[('state', '=', 'running')]",
        ondelete="cascade",
        default=lambda self: self._default_contract_id(),
    )
    dealer_id = fields.Many2one(related="contract_id.dealer_id")
    company_id = fields.Many2one(related="contract_id.company_id")
    stocking_months = fields.Integer(related="contract_id.stocking_months")
    stocking_percent = fields.Float(related="contract_id.stocking_percent")
    date_from = fields.Date(
        string="Sales Since",
        compute="_compute_date_from",
        help="Deliveries to the dealer from this date on count.",
    )
    line_ids = fields.One2many(
        "after_sales.contract.stocking.line",
        "wizard_id",
        string="Parts",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )

    # ------------------------------------------------------------
    # DEFAULT
    # ------------------------------------------------------------
    @api.model
    def _default_contract_id(self):
        """Opened from a contract (its Action menu): that contract."""
        if self.env.context.get("active_model") == "after_sales.contract":
            return self.env.context.get("active_id")
        return False

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("contract_id")
    def _compute_date_from(self):
        for wizard in self:
            today = (wizard.contract_id.company_id or self.env.company)._after_sales_today()
            wizard.date_from = periods.add_months(today, -wizard.contract_id.stocking_months)

    @api.depends("contract_id")
    def _compute_line_ids(self):
        for wizard in self:
            commands = [fields.Command.clear()]
            if wizard.contract_id:
                commands += [
                    fields.Command.create(vals) for vals in wizard._propose_lines(wizard.date_from)
                ]
            wizard.line_ids = commands

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_confirm(self):
        """Create the one stocking delivery to the dealer and print its stocking list."""
        self.ensure_one()
        contract = self.contract_id
        if contract.state != "running":
            raise UserError(
                self.env._(
                    "Contract %(contract)s is not running: no initial stocking.",
                    contract=contract.display_name,
                )
            )
        existing = (
            self.env["stock.picking"]
            .sudo()
            .search(
                [
                    ("after_sales_stocking_contract_id.dealer_id", "=", contract.dealer_id.id),
                    ("state", "!=", "cancel"),
                ],
                limit=1,
            )
        )
        if existing:
            raise UserError(
                self.env._(
                    "Dealer %(dealer)s already has its initial stocking %(picking)s (contract "
                    "%(contract)s): a dealer is stocked once; later needs go through "
                    "requisitions.",
                    dealer=contract.dealer_id.display_name,
                    picking=existing.display_name,
                    contract=existing.after_sales_stocking_contract_id.display_name,
                )
            )
        lines = self.line_ids.filtered(lambda line: line.quantity > 0)
        if not lines:
            raise UserError(
                self.env._(
                    "Initial stocking of %(contract)s: no part has a quantity to deliver.",
                    contract=contract.display_name,
                )
            )
        warehouse = self.env["stock.warehouse"]._after_sales_get_parts_warehouse(
            contract.company_id, raise_if_not_found=True
        )
        vals = warehouse._after_sales_prepare_parts_delivery_vals(
            contract.dealer_id,
            origin=self.env._("Initial stocking %(contract)s", contract=contract.name),
            quantities=[(line.product_id, line.quantity) for line in lines],
            after_sales_stocking_contract_id=contract.id,
        )
        picking = self.env["stock.picking"].with_company(contract.company_id).create(vals)
        picking.action_confirm()
        picking.action_assign()
        contract.message_post(
            body=self.env._(
                "Initial parts stocking %(picking)s created.", picking=picking.display_name
            )
        )
        return self.env.ref("after_sales_service.action_report_after_sales_stocking").report_action(
            picking
        )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _get_delivered_quantities(self, date_from):
        """Return ``{product.template: quantity}`` the dealer (its commercial partner and
        children) really sold since ``date_from``, in the products' units: done deliveries to
        a customer location, minus the goods it returned in that window (Odoo's returns that
        update the sale, and after-sales returns that were refunded). The manufacturer's own
        repair and exchange deliveries, the receipts of repaired or exchanged returns and the
        after-sales parts transfers do not count."""
        self.ensure_one()
        contract = self.contract_id
        warehouses = (
            self.env["stock.warehouse"].sudo().search([("company_id", "=", contract.company_id.id)])
        )
        parts_types = warehouses.after_sales_parts_type_id | warehouses.after_sales_old_part_type_id
        # the window opens at midnight of ``date_from`` where the company works, in UTC
        start = (
            contract.company_id._after_sales_tz()
            .localize(datetime.datetime.combine(date_from, datetime.time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        common = [
            ("state", "=", "done"),
            ("company_id", "=", contract.company_id.id),
            ("picking_id.partner_id", "child_of", contract.dealer_id.id),
            ("date", ">=", start),
            ("product_id.product_tmpl_id.after_sales_part_ids", "!=", False),
            ("picking_type_id", "not in", parts_types.ids),
        ]
        # the quantities done, in the products' units (a delivery validated short without a
        # backorder keeps its demand on the move: only its move lines say what left)
        MoveLine = self.env["stock.move.line"].sudo()
        delivered = MoveLine._read_group(
            [
                (
                    "move_id",
                    "any",
                    [
                        *common,
                        ("location_dest_id.usage", "=", "customer"),
                        ("location_id.usage", "=", "internal"),
                        ("after_sales_return_kind", "=", False),
                    ],
                )
            ],
            ["product_id"],
            ["quantity_product_uom:sum"],
        )
        returned = MoveLine._read_group(
            [
                (
                    "move_id",
                    "any",
                    [
                        *common,
                        ("location_id.usage", "=", "customer"),
                        ("location_dest_id.usage", "=", "internal"),
                        "|",
                        "&",
                        ("after_sales_return_kind", "=", False),
                        ("to_refund", "=", True),
                        "&",
                        ("after_sales_return_kind", "=", "receipt"),
                        ("after_sales_return_line_id.return_id.resolution", "=", "refund"),
                    ],
                )
            ],
            ["product_id"],
            ["quantity_product_uom:sum"],
        )
        result = {}
        for sign, groups in ((1, delivered), (-1, returned)):
            for product, qty in groups:
                template = product.product_tmpl_id
                result[template] = result.get(template, 0.0) + sign * qty
        return {template: qty for template, qty in result.items() if qty > 0}

    def _propose_lines(self, date_from):
        """Return the proposed wizard line values: for each spare part of the delivered
        products, the sum of their quantities x the contract's percentage, rounded up. Parts
        whose products had no sales are not proposed."""
        self.ensure_one()
        delivered = self._get_delivered_quantities(date_from)
        by_part = {}
        for template, qty in delivered.items():
            for part in template.after_sales_part_ids:
                by_part[part] = by_part.get(part, 0.0) + qty
        contract = self.contract_id
        percent = contract.stocking_percent
        lines = []
        for part, qty in sorted(by_part.items(), key=lambda item: item[0].display_name):
            proposed = parts.stocking_quantity(qty, percent)
            if not proposed or not part.product_variant_id:
                continue
            if contract._get_part_policy(part.product_variant_id).policy == parts.POLICY_PURCHASE:
                continue  # always bought by the dealer, never handed out
            lines.append(
                {
                    "product_id": part.product_variant_id.id,
                    "delivered_qty": qty,
                    "proposed_qty": proposed,
                    "quantity": proposed,
                }
            )
        return lines


class AfterSalesContractStockingLine(models.TransientModel):
    _name = "after_sales.contract.stocking.line"
    _description = "Initial Parts Stocking Line"

    wizard_id = fields.Many2one("after_sales.contract.stocking", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", string="Part", required=True)
    delivered_qty = fields.Float(
        string="Products Delivered",
        digits="Product Unit",
        readonly=True,
        help="The dealer's delivered quantity of the products this part serves.",
    )
    proposed_qty = fields.Float(string="Proposed", digits="Product Unit", readonly=True)
    quantity = fields.Float(digits="Product Unit")

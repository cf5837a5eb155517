import datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import periods
from .after_sales_document_mixin import GROUP_MANAGER

# Written by the claims that use visits, the sale that sold the plan, the expiry and the Cancel
# button, never by a user.
SYSTEM_FIELDS = ("state", "visits_used", "sale_line_id")
# What a plan entitles its customer to: set by the sale that sells it (under ``sudo()``) or by an
# after-sales manager, on every plan, sold or not.
ENTITLEMENT_FIELDS = (
    "partner_id",
    "product_id",
    "date_start",
    "date_end",
    "visits_total",
    "response_hours",
    "company_id",
)


class AfterSalesServicePlan(models.Model):
    """A customer's service plan entitlement (客户服务卡, DOMAIN.md R29): created when a sale order
    selling a plan product is confirmed; service requests (claims) consume its visits and are held
    to its response time while it is valid."""

    _name = "after_sales.service.plan"
    _description = "Customer Service Plan"
    _inherit = ["after_sales.sequence.mixin", "mail.thread", "after_sales.computed.guard.mixin"]
    _order = "date_end desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    name = fields.Char(
        string="Plan Number",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    product_id = fields.Many2one(
        "product.product",
        string="Plan",
        required=True,
        check_company=True,
        domain="[('after_sales_is_plan', '=', True)]",
    )
    # a copy is not sold: only the sale links its plans
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Sale Order Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    sale_order_id = fields.Many2one(related="sale_line_id.order_id", store=True)
    date_start = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    date_end = fields.Date(
        compute="_compute_date_end", store=True, readonly=False, precompute=True, tracking=True
    )
    response_hours = fields.Integer(
        compute="_compute_from_product", store=True, readonly=False, precompute=True
    )
    visits_total = fields.Integer(
        string="Visits",
        compute="_compute_from_product",
        store=True,
        readonly=False,
        precompute=True,
    )
    visits_used = fields.Integer(readonly=True, copy=False, tracking=True)
    visits_left = fields.Integer(compute="_compute_visits_left", store=True)
    state = fields.Selection(
        [
            ("active", "Active"),
            ("used", "Used Up"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        compute="_compute_state",
        store=True,
        readonly=False,
        tracking=True,
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("product_id")
    def _compute_from_product(self):
        for plan in self:
            template = plan.product_id.product_tmpl_id
            plan.response_hours = template.after_sales_plan_response_hours
            plan.visits_total = template.after_sales_plan_visits

    @api.depends("date_start", "product_id")
    def _compute_date_end(self):
        for plan in self:
            months = plan.product_id.product_tmpl_id.after_sales_plan_validity_months or 12
            plan.date_end = plan.date_start and (
                periods.add_months(plan.date_start, months) - datetime.timedelta(days=1)
            )

    @api.depends("visits_total", "visits_used")
    def _compute_visits_left(self):
        for plan in self:
            plan.visits_left = max(plan.visits_total - plan.visits_used, 0)

    @api.depends("visits_left", "date_end")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for plan in self:
            if plan.state == "cancelled":
                continue
            if plan.date_end and plan.date_end < today:
                plan.state = "expired"
            elif not plan.visits_left:
                plan.state = "used"
            else:
                plan.state = "active"

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("visits_total", "response_hours")
    def _check_positive(self):
        for plan in self:
            if plan.visits_total < 0 or plan.response_hours < 0:
                raise ValidationError(
                    self.env._(
                        "Service plan %(plan)s: visits and response hours cannot be negative.",
                        plan=plan.display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """A plan is the customer's entitlement: the sale order that sells it creates it (under
        ``sudo()``, :meth:`_create_from_sale_lines`), or an after-sales manager does. A
        salesperson or the service desk creating one (form, import, JSON-RPC, a copy) would give
        a customer visits and a response time nobody sold."""
        if not self._may_set_entitlement():
            for vals in vals_list:
                self._check_entitlement_create(vals)
        return super().create(vals_list)

    def write(self, vals):
        """What a plan entitles to (customer, plan, validity, visits, response time) is the
        sale's or an after-sales manager's, whether the plan was sold or not."""
        changed = [name for name in vals if name in ENTITLEMENT_FIELDS]
        if self and changed and not self._may_set_entitlement():
            labels = ", ".join(self._fields[name]._description_string(self.env) for name in changed)
            sold = self.filtered("sale_line_id")
            if sold:
                raise AccessError(
                    self.env._(
                        "Service plan %(plan)s was sold on order %(order)s: only an "
                        "after-sales manager changes what it entitles to (%(fields)s).",
                        plan=sold[0].display_name,
                        order=sold[0].sudo().sale_order_id.display_name,
                        fields=labels,
                    )
                )
            raise AccessError(
                self.env._(
                    "Service plan %(plan)s was not sold on an order: only an after-sales "
                    "manager sets what it entitles to (%(fields)s).",
                    plan=self[0].display_name,
                    fields=labels,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sold_or_used(self):
        """A plan sold on an order or whose visits were used is the customer's entitlement and
        the claims' record: it is cancelled, not deleted."""
        kept = self.filtered(lambda p: p.sale_line_id or p.visits_used)
        if kept:
            raise UserError(
                self.env._(
                    "Service plan %(plan)s was sold or used: cancel it instead of deleting it.",
                    plan=kept[0].display_name,
                )
            )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_cancel(self):
        """Cancel plans (an after-sales manager; the sale order's cancellation under
        ``sudo()``): they no longer entitle to visits."""
        if not (self.env.su or self.env.user.has_group(GROUP_MANAGER)):
            raise AccessError(self.env._("Only an after-sales manager cancels service plans."))
        # the plans of another company stay out of reach: the rules are checked as the user
        self.check_access("write")
        self.sudo().write({"state": "cancelled"})
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_system_fields(self):
        return SYSTEM_FIELDS

    def _may_set_entitlement(self):
        """Whether the caller sets what plans entitle to: the server's own code (the sale,
        under ``sudo()``) or an after-sales manager."""
        return self.env.su or self.env.user.has_group(GROUP_MANAGER)

    def _check_entitlement_create(self, vals):
        """Refuse a new plan to a caller who may not set its entitlement, naming the customer
        and plan it would have had and the entitlement fields given (in ``vals`` or as
        ``default_`` keys of the context). Called by :meth:`create`."""
        context = self.env.context
        given = [
            name for name in ENTITLEMENT_FIELDS if name in vals or f"default_{name}" in context
        ] or ["partner_id", "product_id"]
        partner = self.env["res.partner"].browse(
            vals.get("partner_id") or context.get("default_partner_id")
        )
        product = self.env["product.product"].browse(
            vals.get("product_id") or context.get("default_product_id")
        )
        labels = ", ".join(self._fields[name]._description_string(self.env) for name in given)
        raise AccessError(
            self.env._(
                "Service plan %(plan)s for %(customer)s: a plan is created by the sale order "
                "that sells it, or by an after-sales manager; you may not set what it entitles "
                "to (%(fields)s).",
                plan=product.sudo().display_name or self.env._("New"),
                customer=partner.sudo().display_name or "-",
                fields=labels,
            )
        )

    def _consume_visit(self, when=None):
        """Use one visit of this plan for a service request made on ``when`` (today by
        default); refuse when the plan is cancelled, expired or used up, saying which."""
        self.ensure_one()
        day = when or fields.Date.context_today(self)
        if self.state == "cancelled":
            raise UserError(
                self.env._("Service plan %(plan)s is cancelled.", plan=self.display_name)
            )
        if not self.date_start <= day <= self.date_end:
            raise UserError(
                self.env._(
                    "Service plan %(plan)s is valid from %(start)s to %(end)s, not on %(day)s.",
                    plan=self.display_name,
                    start=self.date_start,
                    end=self.date_end,
                    day=day,
                )
            )
        if not self.visits_left:
            raise UserError(
                self.env._(
                    "Service plan %(plan)s has no visit left (%(total)s used).",
                    plan=self.display_name,
                    total=self.visits_total,
                )
            )
        self.visits_used += 1
        return True

    def _release_visit(self):
        """Give back the visit of a cancelled service request."""
        for plan in self.filtered("visits_used"):
            plan.visits_used -= 1

    @api.model
    def _create_from_sale_lines(self, lines):
        """Create the plans that confirmed sale order ``lines`` still owe (one per unit of the
        plan product, whatever unit the line sells in: a dozen is twelve plans, less the units
        refunded by posted credit notes, see ``sale.order.line._after_sales_plans_due``): a line
        gets the plans it lacks beside those of its product it holds that are not cancelled (an
        order cancelled and confirmed again sells them again; a quantity raised on a confirmed
        order sells the difference). A plan starts on the order's date where the company works.
        Called by sale order confirmation and by the lines' plan synchronisation (lines added,
        changed, invoiced or refunded on a confirmed order), under ``sudo()``."""
        lines = lines.filtered(lambda line: line.product_id.after_sales_is_plan)
        due = lines._after_sales_plans_due()
        existing = self.search([("sale_line_id", "in", lines.ids), ("state", "!=", "cancelled")])
        held = {}
        for plan in existing:
            if plan.product_id == plan.sale_line_id.product_id:
                held[plan.sale_line_id] = held.get(plan.sale_line_id, 0) + 1
        vals_list = []
        for line in lines:
            order = line.order_id
            tz = order.company_id.partner_id.tz or "UTC"
            date_start = fields.Date.context_today(
                self.with_context(tz=tz), timestamp=order.date_order
            )
            vals_list += [
                {
                    "partner_id": order.partner_id.id,
                    "product_id": line.product_id.id,
                    "sale_line_id": line.id,
                    "company_id": order.company_id.id,
                    "date_start": date_start,
                }
                for _unit in range(due[line] - held.get(line, 0))
            ]
        return self.create(vals_list)

    @api.model
    def _cron_expire(self):
        """Daily: plans past their end date become expired."""
        today = fields.Date.context_today(self)
        self.search([("state", "in", ("active", "used")), ("date_end", "<", today)]).write(
            {"state": "expired"}
        )
        return True

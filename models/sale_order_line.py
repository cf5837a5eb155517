from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """A plan line added to a confirmed order sells its plans at once (R29)."""
        lines = super().create(vals_list)
        lines._after_sales_create_plans()
        return lines

    def write(self, vals):
        """A plan line's quantity raised on a confirmed order sells the plans it lacks; lowered
        (or its product changed), it cancels the unused plans in excess and is refused when
        only used plans could go."""
        plan_keys = {"product_uom_qty", "product_uom_id", "product_id"} & vals.keys()
        if plan_keys:
            # refused before anything is written
            self._after_sales_sync_plans(values=vals, check_only=True)
        result = super().write(vals)
        if plan_keys:
            self._after_sales_sync_plans()
        return result

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_create_plans(self):
        """Sell the service plans (R29) of these lines that are confirmed plan lines and lack
        some: called when a line is added to a confirmed order."""
        sold = self.filtered(
            lambda line: line.state == "sale" and line.product_id.after_sales_is_plan
        )
        if sold:
            self.env["after_sales.service.plan"].sudo()._create_from_sale_lines(sold)

    def _after_sales_plans_due(self, values=None):
        """How many service plans each of these lines owes its customer (R29), as a dict line ->
        count: none unless the order is confirmed and the line sells a plan product; otherwise
        one per unit ordered (in the product's unit), less the units refunded by posted credit
        notes that no later invoice billed again. A refund counts against what was sold, the
        larger of the ordered and the posted invoiced quantity, and never above the ordered
        one: a quantity lowered after its refund is not taken off twice, a credit note
        followed by a corrected invoice takes nothing off. Half a plan is refused.

        ``values`` (a ``write``'s values) gives the product, unit and quantity the lines are
        about to have. Called by the plans' creation and the lines' plan synchronisation."""
        values = values or {}
        new_product = "product_id" in values and self.env["product.product"].browse(
            values["product_id"]
        )
        new_uom = "product_uom_id" in values and self.env["uom.uom"].browse(
            values["product_uom_id"]
        )
        due = {}
        for line in self:
            product = new_product if new_product is not False else line.product_id
            if line.state != "sale" or not product.after_sales_is_plan:
                due[line] = 0
                continue
            # a new product brings its own unit (sale's _compute_product_uom_id)
            line_uom = new_uom or (product.uom_id if new_product else line.product_uom_id)
            quantity = values.get("product_uom_qty", line.product_uom_qty)
            uom = product.uom_id
            units = line_uom._compute_quantity(quantity, uom, round=False)
            count = round(units)
            if float_compare(units, count, precision_digits=3):
                raise UserError(
                    self.env._(
                        "Order %(order)s: %(quantity)s %(uom)s of service plan %(product)s is "
                        "not a whole number of plans; a plan is sold per unit.",
                        order=line.order_id.display_name,
                        quantity=quantity,
                        uom=line_uom.display_name,
                        product=product.display_name,
                    )
                )
            invoiced = refunded = 0.0
            # the salesperson, the desk or the accountant: what was billed decides, not who asks
            for invoice_line in line.sudo().invoice_lines:
                if invoice_line.parent_state != "posted":
                    continue
                billed = invoice_line.product_uom_id._compute_quantity(
                    invoice_line.quantity, uom, round=False
                )
                if invoice_line.move_id.move_type == "out_invoice":
                    invoiced += billed
                elif invoice_line.move_id.move_type == "out_refund":
                    refunded += billed
            kept = float_round(
                max(count, invoiced) - refunded, precision_digits=0, rounding_method="DOWN"
            )
            due[line] = max(0, min(count, int(kept)))
        return due

    def _after_sales_sync_plans(self, moves=None, values=None, check_only=False):
        """Bring the service plans of these lines to what they owe (R29,
        :meth:`_after_sales_plans_due`): create the missing ones, cancel those in excess (a
        plan of another product than the line's, then the unused ones, newest first), saying
        so on the plans' and the order's chatter.

        Without ``moves`` (a salesperson lowering a line's quantity, or changing its product),
        a used plan that would have to go refuses the change: which customer visit to take
        back is a manager's decision. ``check_only`` (with the ``values`` about to be written)
        only refuses, before the line's ``write`` writes anything. With ``moves`` (posted or
        reset customer invoices and credit notes of these lines, from ``account.move``), the
        accounting is never refused: used plans in excess stay active, and the salesperson
        gets an activity to settle them with an after-sales manager. Called by the lines'
        ``write`` and by ``account.move``."""
        # only a confirmed line holds plans that are not cancelled (cancelling the order
        # cancels them all)
        confirmed = self.filtered(lambda line: line.state == "sale")
        if not confirmed:
            return
        Plan = self.env["after_sales.service.plan"].sudo()
        held = Plan.search(
            [("sale_line_id", "in", confirmed.ids), ("state", "!=", "cancelled")], order="id"
        ).grouped("sale_line_id")
        if values and "product_id" in values:
            new_product = self.env["product.product"].browse(values["product_id"])
        else:
            new_product = None
        lines = confirmed.filtered(
            lambda line: (new_product or line.product_id).after_sales_is_plan or line in held
        )
        if not lines:
            return
        due = lines._after_sales_plans_due(values)
        going, stuck = {}, {}
        for line in lines:
            product = new_product or line.product_id
            plans = held.get(line, Plan)
            same = plans.filtered(lambda plan, product=product: plan.product_id == product)
            # the used plans are the customer's record: kept first, then the oldest
            kept = same.sorted(lambda plan: (not plan.visits_used, plan.id))[: due[line]]
            excess = plans - kept
            if excess.filtered(lambda plan: not plan.visits_used):
                going[line] = excess.filtered(lambda plan: not plan.visits_used)
            if excess.filtered("visits_used"):
                stuck[line] = excess.filtered("visits_used")
        if stuck and moves is None:
            line, plans = next(iter(stuck.items()))
            values = values or {}
            quantity = values.get("product_uom_qty", line.product_uom_qty)
            uom = line.product_uom_id
            if "product_uom_id" in values:
                uom = self.env["uom.uom"].browse(values["product_uom_id"])
            raise UserError(
                self.env._(
                    "Order %(order)s: %(quantity)s %(uom)s of %(product)s would cancel service "
                    "plan %(plans)s, whose visits were already used. An after-sales manager "
                    "cancels a used plan before the order sells fewer.",
                    order=line.order_id.display_name,
                    quantity=f"{quantity:g}",
                    uom=uom.display_name,
                    product=(new_product or line.product_id).display_name,
                    plans=", ".join(plans.mapped("display_name")),
                )
            )
        if check_only:
            return
        for line, plans in going.items():
            plans.action_cancel()
            for plan in plans:
                plan.message_post(body=line._after_sales_plan_note(plan, moves))
            line.order_id.sudo().message_post(body=line._after_sales_plan_note(plans, moves))
        for line, plans in stuck.items():
            note = line._after_sales_plan_note(plans, moves, used=True)
            for plan in plans:
                plan.message_post(body=note)
            order = line.order_id.sudo()
            order.message_post(body=note)
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Refunded service plan already used"),
                note=note,
                user_id=order.user_id.id or self.env.uid,
            )
        Plan._create_from_sale_lines(lines)

    def _after_sales_plan_note(self, plans, moves=None, used=False):
        """The chatter note of this line's plans cancelled (or, ``used``, kept though in
        excess) by its synchronisation, naming the documents that caused it."""
        self.ensure_one()
        values = {
            "plans": ", ".join(plans.mapped("display_name")),
            "order": self.order_id.display_name,
            "product": self.product_id.display_name,
            "quantity": f"{self.product_uom_qty:g}",
            "uom": self.product_uom_id.display_name,
        }
        if moves is None:
            return self.env._(
                "Service plan %(plans)s cancelled: order %(order)s now sells %(quantity)s "
                "%(uom)s of %(product)s.",
                **values,
            )
        values["moves"] = ", ".join(
            move.name if move.name and move.name != "/" else move.display_name
            for move in moves & self.sudo().invoice_lines.move_id
        )
        if used:
            return self.env._(
                "Service plan %(plans)s of order %(order)s is no longer sold (%(moves)s) but "
                "its visits were already used: it stays active. An after-sales manager decides "
                "whether to cancel it.",
                **values,
            )
        return self.env._(
            "Service plan %(plans)s cancelled: %(moves)s refunded %(product)s of order %(order)s.",
            **values,
        )

import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import sla

SATISFACTION = [
    ("1", "1 - Very Dissatisfied"),
    ("2", "2 - Dissatisfied"),
    ("3", "3 - Neutral"),
    ("4", "4 - Satisfied"),
    ("5", "5 - Very Satisfied"),
]


class AfterSalesClaimVisit(models.Model):
    """A return visit (回访, DOMAIN.md R10, 方案5 4-5) of a completed repair: planned when the
    repair is completed (the first 3-7 days after it), the second due 7 days after the first
    was actually done. The service desk records who called, when, the result and the
    customer's satisfaction; the month's share of repairs followed up is held against the
    contract's minimum."""

    _name = "after_sales.claim.visit"
    _description = "Return Visit"
    _inherit = ["after_sales.computed.guard.mixin"]
    _order = "claim_id, sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    claim_id = fields.Many2one(
        "after_sales.claim", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(related="claim_id.company_id", store=True, index=True)
    dealer_id = fields.Many2one(related="claim_id.dealer_id", store=True)
    customer_id = fields.Many2one(related="claim_id.customer_id")
    sequence = fields.Integer(string="Visit", default=1, readonly=True)
    date_planned = fields.Date(string="Due", required=True)
    date_done = fields.Date(string="Done On", copy=False)
    user_id = fields.Many2one(
        "res.users",
        string="Done By",
        domain="[('share', '=', False)]",
        default=lambda self: self.env.user,
    )
    result = fields.Selection(
        [
            ("holding", "Repair holding"),
            ("problem", "Problem again"),
            ("unreachable", "Customer unreachable"),
        ],
        copy=False,
    )
    satisfaction = fields.Selection(SATISFACTION, copy=False)
    comment = fields.Text(copy=False)
    activity_id = fields.Many2one("mail.activity", readonly=True, copy=False, ondelete="set null")
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done")],
        compute="_compute_state",
        store=True,
    )
    is_overdue = fields.Boolean(compute="_compute_is_overdue")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("date_done")
    def _compute_state(self):
        for visit in self:
            visit.state = "done" if visit.date_done else "planned"

    def _compute_is_overdue(self):
        today = self.env["after_sales.claim"]._company_today()
        for visit in self:
            visit.is_overdue = not visit.date_done and visit.date_planned < today

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    @api.constrains("date_done")
    def _check_date_done(self):
        """A return visit follows its repair (R10): it is done on or after the day the repair
        was completed (company time zone) and not after today, or it would count a repair as
        followed up that nobody called."""
        Claim = self.env["after_sales.claim"]
        for visit in self.filtered("date_done"):
            claim = visit.claim_id
            completed = claim._local_date(claim.completion_time) if claim.completion_time else None
            if not completed or not completed <= visit.date_done <= Claim._company_today():
                raise ValidationError(
                    self.env._(
                        "Return visit %(visit)s of claim %(claim)s: done on %(date)s, it must "
                        "fall between the repair's completion (%(completed)s) and today.",
                        visit=visit.sequence,
                        claim=claim.display_name,
                        date=visit.date_done,
                        completed=completed or self.env._("not completed"),
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    def write(self, vals):
        result = super().write(vals)
        if "date_done" in vals:
            self._after_done()
        return result

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_done(self):
        """Record the visit as done today (company time zone) by the current user; the next
        visit falls due 7 days after it."""
        for visit in self:
            if visit.date_done:
                raise UserError(
                    self.env._(
                        "Return visit %(visit)s of claim %(claim)s is already done.",
                        visit=visit.sequence,
                        claim=visit.claim_id.display_name,
                    )
                )
        self.write(
            {"date_done": self.env["after_sales.claim"]._company_today(), "user_id": self.env.uid}
        )
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_done(self):
        """The visit's activity is marked done; the next visit's due date moves to 7 days after
        this one was actually done (方案5: second within 7 days of the first)."""
        for visit in self.filtered("date_done"):
            if visit.activity_id:
                visit.activity_id.sudo().action_feedback(feedback=visit.comment or "")
            following = visit.claim_id.visit_ids.filtered(
                lambda v, s=visit.sequence: v.sequence == s + 1 and not v.date_done
            )
            due = visit.date_done + datetime.timedelta(days=sla.SECOND_VISIT_MAX_DAYS)
            for nxt in following:
                nxt.date_planned = due
                if nxt.activity_id:
                    nxt.activity_id.sudo().date_deadline = due

import base64
import datetime
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.mimetypes import guess_mimetype

from ..tools import periods

GROUP_USER = "after_sales_service.after_sales_service_group_user"
GROUP_MANAGER = "after_sales_service.after_sales_service_group_manager"

# What a dealer may send as a monthly report: spreadsheets, PDF, pictures; by the file's name and
# by its content as detected (a CSV is detected as plain text).
REPORT_EXTENSIONS = {"xlsx", "xls", "csv", "pdf", "png", "jpg", "jpeg", "gif", "webp"}
REPORT_MIMETYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "text/csv",
    "application/csv",
    "text/plain",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
}

# The reports a dealer owes every month (DOMAIN.md R11).
REPORT_KINDS = [
    ("repair", "Monthly Repair Report"),
    ("parts", "Monthly Parts Replacement List"),
    ("satisfaction", "Customer Satisfaction Statistics"),
]

# Written only by the action methods and the crons (under sudo()); a manager may create a
# missing report with the first three.
SUBMISSION_FIELDS = (
    "date_submitted",
    "submitted_by_id",
    "attachment_id",
    "date_accepted",
    "accepted_by_id",
    "late_notified",
)
PROTECTED_FIELDS = ("contract_id", "month", "kind", *SUBMISSION_FIELDS)


class AfterSalesMonthlySubmission(models.Model):
    """One monthly report a dealer owes under its contract (DOMAIN.md R11: repair report, parts
    replacement list, customer satisfaction statistics), due by the contract's report day of the
    next month. The monthly cron creates the month's records for the contracts in force; the
    dealer uploads the file on the portal; a report still missing after its due date is late
    and gives the contract's responsible a to-do; the service desk accepts what it received.
    Missing and late reports count against the dealer's monthly assessment (考核)."""

    _name = "after_sales.monthly.submission"
    _description = "Dealer Monthly Report"
    _inherit = ["after_sales.document.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "month desc, contract_id, kind"
    _check_company_auto = True

    _unique_report = models.Constraint(
        "UNIQUE(contract_id, month, kind)",
        "A contract owes each monthly report once per month.",
    )
    _month_first_day = models.Constraint(
        "CHECK(EXTRACT(DAY FROM month) = 1)",
        "A monthly report's month is given by its first day.",
    )

    # ------------------------------------------------------------
    # FIELDS: what is owed
    # ------------------------------------------------------------
    contract_id = fields.Many2one(
        "after_sales.contract",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    dealer_id = fields.Many2one(
        related="contract_id.dealer_id", store=True, index=True, precompute=True
    )
    user_id = fields.Many2one(related="contract_id.user_id", string="Responsible")
    month = fields.Date(
        required=True, readonly=True, index=True, help="The first day of the reported month."
    )
    kind = fields.Selection(REPORT_KINDS, string="Report Kind", required=True, readonly=True)
    date_due = fields.Date(
        string="Due Date",
        compute="_compute_date_due",
        store=True,
        help="The contract's report day of the next month (the month's last day when shorter).",
    )

    # ------------------------------------------------------------
    # FIELDS: what the dealer sent
    # ------------------------------------------------------------
    date_submitted = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    submitted_by_id = fields.Many2one("res.partner", readonly=True, copy=False)
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="File",
        readonly=True,
        copy=False,
        help="The file last sent; earlier ones stay in the chatter.",
    )
    date_accepted = fields.Datetime(string="Accepted On", readonly=True, copy=False)
    accepted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    state = fields.Selection(
        [
            ("due", "Due"),
            ("late", "Late"),
            ("submitted", "Submitted"),
            ("submitted_late", "Submitted Late"),
        ],
        string="Status",
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
        help="Late: the due date passed without a file (refreshed daily).",
    )
    is_accepted = fields.Boolean(
        string="Accepted", compute="_compute_is_accepted", search="_search_is_accepted"
    )
    late_notified = fields.Boolean(readonly=True, copy=False)

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("kind", "month", "contract_id.name")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for record in self:
            record.display_name = " ".join(
                part
                for part in (
                    labels.get(record.kind, ""),
                    f"{record.month:%Y-%m}" if record.month else "",
                    record.contract_id.name or "",
                )
                if part
            )

    @api.depends("month", "contract_id.report_day")
    def _compute_date_due(self):
        for record in self:
            record.date_due = (
                self._due_date(record.month, record.contract_id.report_day)
                if record.month
                else False
            )

    @api.depends("date_submitted", "date_due")
    def _compute_state(self):
        """Submitted (on time or late) from the submission date in the company's time zone;
        otherwise due or late against today: the daily cron refreshes that part."""
        for record in self:
            if record.date_submitted:
                on_time = record._local_date(record.date_submitted) <= record.date_due
                record.state = "submitted" if on_time else "submitted_late"
            elif record.date_due and record._company_today() > record.date_due:
                record.state = "late"
            else:
                record.state = "due"

    @api.depends("date_accepted")
    def _compute_is_accepted(self):
        for record in self:
            record.is_accepted = bool(record.date_accepted)

    def _search_is_accepted(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        accepted = (operator == "=") == bool(value)
        return [("date_accepted", "!=" if accepted else "=", False)]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(set(vals) & set(SUBMISSION_FIELDS) for vals in vals_list):
            raise AccessError(
                self.env._("A monthly report is submitted and accepted only with its buttons.")
            )
        for vals in vals_list:
            if vals.get("month"):
                vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)
        return super().create(vals_list)

    def write(self, vals):
        """What is owed and what was sent move only through the action methods and the crons
        (under ``sudo()``)."""
        protected = set(vals) & set(PROTECTED_FIELDS)
        if protected and not self.env.su:
            raise AccessError(
                self.env._(
                    "Monthly report %(report)s: %(fields)s change only through its buttons.",
                    report=self[:1].display_name,
                    fields=", ".join(
                        self._fields[name]._description_string(self.env)
                        for name in sorted(protected)
                    ),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        """A report the dealer sent is its record of that month's duty: kept."""
        sent = self.filtered(lambda s: s.state in ("submitted", "submitted_late"))
        if sent:
            raise UserError(
                self.env._(
                    "Monthly report %(report)s was sent by the dealer and cannot be deleted.",
                    report=sent[0].display_name,
                )
            )

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_accept(self):
        """The service desk accepts the reports it received: the dealer can no longer replace
        them (service desk button)."""
        if not self.env.su and not self.env.user.has_group(GROUP_USER):
            raise AccessError(self.env._("Only the service desk accepts monthly reports."))
        missing = self.filtered(lambda r: not r.date_submitted)
        if missing:
            raise UserError(
                self.env._(
                    "Monthly report %(report)s has not been submitted yet.",
                    report=missing[0].display_name,
                )
            )
        todo = self.filtered(lambda r: not r.date_accepted)
        todo.sudo().write({"date_accepted": fields.Datetime.now(), "accepted_by_id": self.env.uid})
        todo._message_log_batch(
            bodies={r.id: self.env._("Accepted by the service desk.") for r in todo}
        )
        return True

    def _action_submit(self, partner, filename, content):
        """The dealer sends this report's file (called by the portal controller with the
        logged-in user's partner): the file is attached to the report and posted in its
        chatter; a new file replaces the previous one until the service desk accepted it.

        :param partner: the dealer's contact who sends it (a record or an id); must belong to
            the report's dealer.
        :param filename: the uploaded file's name.
        :param content: the file's bytes.
        """
        self.ensure_one()
        if isinstance(partner, int):
            partner = self.env["res.partner"].browse(partner)
        if not partner or partner.commercial_partner_id != self.dealer_id:
            raise AccessError(self.env._("This monthly report is not yours to send."))
        if self.date_accepted:
            raise UserError(
                self.env._(
                    "Monthly report %(report)s was accepted: ask the service desk to change it.",
                    report=self.display_name,
                )
            )
        if not content:
            raise UserError(self.env._("Choose the file to send."))
        self._check_report_file(filename, content)
        record = self.sudo()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename or record.display_name,
                    "datas": base64.b64encode(content),
                    "res_model": self._name,
                    "res_id": record.id,
                }
            )
        )
        record.write(
            {
                "date_submitted": fields.Datetime.now(),
                "submitted_by_id": partner.id,
                "attachment_id": attachment.id,
            }
        )
        lang_env = record.with_context(lang=record.user_id.lang or self.env.lang).env
        record.message_post(
            body=lang_env._(
                "%(report)s submitted on the portal by %(user)s.",
                report=record.display_name,
                user=partner.name,
            ),
            attachment_ids=attachment.ids,
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        if record.late_notified:
            # the responsible's to-do about the late report is done
            record.activity_feedback(["mail.mail_activity_data_todo"])
        return attachment

    def _check_report_file(self, filename, content):
        """A monthly report is a spreadsheet (xlsx, xls, csv), a PDF or a picture: its name
        says so and its content, as detected, is one (a CSV is plain text); anything else
        (a program, a web page) is refused."""
        extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
        mimetype = guess_mimetype(content or b"", default="application/octet-stream")
        if extension not in REPORT_EXTENSIONS or mimetype not in REPORT_MIMETYPES:
            raise UserError(
                self.env._(
                    "Monthly report %(report)s: %(file)s is not a spreadsheet (xlsx, xls, csv), "
                    "a PDF or a picture (png, jpg).",
                    report=self.display_name,
                    file=filename or "-",
                )
            )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    @api.model
    def _due_date(self, month, report_day):
        """The contract's report day of the month after ``month``, clamped to its last day."""
        next_month = periods.add_months(month.replace(day=1), 1)
        last_day = periods.month_bounds(next_month.year, next_month.month)[1].day
        return next_month.replace(day=min(max(report_day or 1, 1), last_day))

    @api.model
    def _prepare_submission_vals(self, contract, month, kind):
        return {"contract_id": contract.id, "month": month, "kind": kind}

    @api.model
    def _create_for_month(self, month, companies=None):
        """Create the reports owed for ``month`` (any day of it) by the contracts in force at
        some day of it (of ``companies`` only, when given), skipping those that exist: running
        it twice creates nothing more. Returns the records created."""
        start, end = periods.month_bounds(month.year, month.month)
        domain = [
            ("state", "in", ("running", "expired", "terminated")),
            ("date_start", "<=", end),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", start),
        ]
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        contracts = (
            self.env["after_sales.contract"].sudo().search(domain)._in_force_between(start, end)
        )
        if not contracts:
            return self.browse()
        existing = {
            (r.contract_id.id, r.kind)
            for r in self.sudo().search(
                [("contract_id", "in", contracts.ids), ("month", "=", start)]
            )
        }
        vals_list = [
            self._prepare_submission_vals(contract, start, kind)
            for contract in contracts
            for kind, _label in REPORT_KINDS
            if (contract.id, kind) not in existing
        ]
        return self.sudo().create(vals_list)

    @api.model
    def _count_missed(self, contracts):
        """``{contract id: (missing, sent late)}``: the reports of ``contracts`` whose due date
        passed without a file (whether or not the daily refresh has flagged them yet), and
        those sent after it. What counts against the dealer's monthly assessment (R11, 考核);
        the contract shows it."""
        today = self._company_today()
        Submission = self.sudo()
        missing = dict(
            Submission._read_group(
                [
                    ("contract_id", "in", contracts.ids),
                    ("date_submitted", "=", False),
                    ("date_due", "<", today),
                ],
                ["contract_id"],
                ["__count"],
            )
        )
        late = dict(
            Submission._read_group(
                [("contract_id", "in", contracts.ids), ("state", "=", "submitted_late")],
                ["contract_id"],
                ["__count"],
            )
        )
        return {
            contract.id: (missing.get(contract, 0), late.get(contract, 0))
            for contract in missing.keys() | late.keys()
        }

    @api.model
    def _cron_create_month(self, month=None):
        """Daily: the reports owed for the month that has ended where each company works, once
        its last day is over there (later runs create nothing more), not by the day of the
        cron's user; ``month`` for a catch-up run of every company. Then the late ones are
        flagged at once."""
        if month:
            self._create_for_month(month)
        else:
            companies_of = defaultdict(lambda: self.env["res.company"])
            for company in self.env["res.company"].sudo().search([]):
                companies_of[company._after_sales_last_month()] |= company
            for last_month, companies in companies_of.items():
                self._create_for_month(last_month, companies)
        self._cron_flag_late()
        return True

    @api.model
    def _cron_flag_late(self):
        """Daily: a report whose due date passed without a file becomes late (the status depends
        on today), and its contract's responsible gets one to-do, in the responsible's
        language."""
        # a day ahead: the compute decides in the company's time zone
        horizon = fields.Date.today() + datetime.timedelta(days=1)
        candidates = self.sudo().search([("state", "=", "due"), ("date_due", "<", horizon)])
        self.env.add_to_compute(self._fields["state"], candidates)
        candidates.flush_recordset(["state"])
        late = self.sudo().search([("state", "=", "late"), ("late_notified", "=", False)])
        late._schedule_late_activities()
        late.write({"late_notified": True})
        return True

    def _schedule_late_activities(self):
        """One to-do per late report for its contract's responsible (created in one batch)."""
        if not self:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for record in self:
            responsible = record.contract_id.user_id
            lang_env = record.with_context(lang=responsible.lang or self.env.lang).env
            kind = dict(self._fields["kind"]._description_selection(lang_env)).get(record.kind)
            vals_list.append(
                {
                    "res_model_id": model,
                    "res_id": record.id,
                    "activity_type_id": activity_type.id,
                    "automated": True,
                    "user_id": responsible.id or self.env.uid,
                    "date_deadline": record._company_today(),
                    "summary": lang_env._("Monthly report late"),
                    "note": lang_env._(
                        "%(dealer)s has not sent its %(report)s for %(month)s, due on %(due)s.",
                        dealer=record.dealer_id.display_name,
                        report=kind,
                        month=f"{record.month:%Y-%m}",
                        due=record.date_due,
                    ),
                }
            )
        self.env["mail.activity"].sudo().create(vals_list)

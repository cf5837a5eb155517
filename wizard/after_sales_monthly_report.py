from odoo import api, fields, models
from odoo.exceptions import UserError

MONTHS = [(str(m), str(m)) for m in range(1, 13)]


class AfterSalesMonthlyReport(models.TransientModel):
    """The dealers' monthly duties (R11): repair report, parts replacement list and
    satisfaction statistics of a month, as a PDF or an XLSX workbook (service desk)."""

    _name = "after_sales.monthly.report"
    _description = "Monthly Repair Report"

    year = fields.Integer(required=True, default=lambda self: self._default_month()[0])
    month = fields.Selection(MONTHS, required=True, default=lambda self: self._default_month()[1])
    dealer_ids = fields.Many2many(
        "res.partner",
        string="Dealers",
        help="Leave empty for every dealer with a service contract in the company.",
    )

    @api.model
    def _default_month(self):
        """Last month where the company works, the one whose reports are due (R11)."""
        last = self.env.company._after_sales_last_month()
        return last.year, str(last.month)

    def _dealers(self):
        self.ensure_one()
        dealers = (
            self.dealer_ids
            or self.env["after_sales.contract"]
            .search([("company_id", "=", self.env.company.id), ("state", "!=", "draft")])
            .dealer_id
        )
        if not dealers:
            raise UserError(self.env._("There is no dealer with a service contract to report."))
        return dealers

    def action_print(self):
        """The monthly repair report PDF, one section per dealer.

        The dealers travel in ``data``: a report action that carries data is printed by the web
        client from ``/report/pdf/<report>?options=<data>`` without the record ids, so ids given
        only as ``docids`` never reach the report (which then printed an empty page)."""
        dealers = self._dealers()
        return self.env.ref("after_sales_service.action_report_monthly_repair").report_action(
            dealers,
            data={"year": self.year, "month": int(self.month), "dealer_ids": dealers.ids},
        )

    def action_export_xlsx(self):
        """The same figures as an XLSX workbook: repairs, parts replacement list, summary."""
        dealers = self._dealers()
        sections = self.env["report.after_sales_service.report_monthly_repair"]._sections(
            dealers, self.year, int(self.month)
        )
        _ = self.env._
        repairs = [
            [
                claim._local_date(claim.completion_time),
                section["dealer"].display_name,
                claim.name,
                claim.product_id.display_name,
                claim.lot_id.name or "",
                claim.symptom or "",
                claim.cause or "",
                claim.solution or "",
                _("Yes") if claim.is_covered else _("No"),
                claim.satisfaction or "",
            ]
            for section in sections
            for claim in section["claims"]
        ]
        parts = [
            [section["dealer"].display_name, part.display_name, quantity, old]
            for section in sections
            for part, quantity, old in section["parts"]
        ]
        summary = [
            [
                section["dealer"].display_name,
                section["summary"].repairs,
                section["summary"].covered,
                section["summary"].onsite,
                section["summary"].revisited,
                section["summary"].revisit_ratio,
                section["summary"].satisfaction_average or "",
            ]
            for section in sections
        ]
        title = _("Monthly repair report %(year)s-%(month)s", year=self.year, month=self.month)
        return self.env["ir.attachment"]._after_sales_xlsx_download(
            title,
            [
                _("Date"),
                _("Dealer"),
                _("Claim"),
                _("Product"),
                _("Serial"),
                _("Symptom"),
                _("Cause"),
                _("Solution"),
                _("Covered"),
                _("Satisfaction"),
            ],
            repairs,
            extra_sheets=[
                (
                    _("Parts"),
                    [_("Dealer"), _("Part"), _("Quantity"), _("Old Parts Expected")],
                    parts,
                ),
                (
                    _("Summary"),
                    [
                        _("Dealer"),
                        _("Repairs"),
                        _("Covered"),
                        _("On-site"),
                        _("Return Visits"),
                        _("Return Visit %"),
                        _("Satisfaction"),
                    ],
                    summary,
                ),
            ],
        )

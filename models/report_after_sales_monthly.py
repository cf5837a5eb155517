import datetime

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..tools import monthly, periods


class ReportAfterSalesMonthly(models.AbstractModel):
    """Values of the dealers' monthly repair report (R11: 维修月报表, 每月零件更换清单,
    顾客满意度调查统计表), for the PDF and the XLSX of the monthly report wizard."""

    _name = "report.after_sales_service.report_monthly_repair"
    _description = "Monthly Repair Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        # printed from the wizard, the dealers come in data (the URL has no ids then)
        dealers = self.env["res.partner"].browse(docids or data.get("dealer_ids") or [])
        self._check_dealers_readable(dealers)
        if "year" not in data or "month" not in data:
            raise UserError(
                self.env._("Print the monthly repair report from its wizard: choose the month.")
            )
        year, month = int(data["year"]), int(data["month"])
        return {
            "doc_ids": dealers.ids,
            "doc_model": "res.partner",
            "docs": dealers,
            "year": year,
            "month": month,
            "sections": self._sections(dealers, year, month),
        }

    @api.model
    def _check_dealers_readable(self, dealers):
        """The report is the service desk's; a portal user who calls its URL gets only its own
        dealer and sub-dealers (the claims are filtered by their record rules, but the
        dealers' names and sections would still print)."""
        if self.env.su or self.env.user._is_internal():
            return
        own = self.env.user.commercial_partner_id
        if dealers - dealers.sudo().filtered_domain([("id", "child_of", own.id)]):
            raise AccessError(self.env._("This monthly repair report is not one of your dealer's."))

    @api.model
    def _sections(self, dealers, year, month):
        """One section per dealer: its repairs completed in the month (with its sub-dealers'),
        the summary against its contract's return-visit ratio, and the parts list. Two queries
        in all (claims, then their lines through prefetch)."""
        start, end = periods.month_bounds(year, month)
        # a day either side in UTC holds the month of every time zone; the claim's own
        # company day decides (a repair at 01:30 in Shanghai on the 1st is that month's)
        day = datetime.timedelta(days=1)
        claims = (
            self.env["after_sales.claim"]
            .search(
                [
                    ("dealer_id", "child_of", dealers.ids),
                    ("state", "not in", ("draft", "cancel")),
                    (
                        "completion_time",
                        ">=",
                        datetime.datetime.combine(start - day, datetime.time.min),
                    ),
                    (
                        "completion_time",
                        "<=",
                        datetime.datetime.combine(end + day, datetime.time.max),
                    ),
                ],
                order="completion_time, id",
            )
            .filtered(lambda c: start <= c._local_date(c.completion_time) <= end)
        )
        # the contract in force at the month's end, the one whose minimum the month is held to
        # (the report is printed after the month: the contract may have ended or been renewed)
        Contract = self.env["after_sales.contract"]
        serving = {}
        for company, company_dealers in dealers.grouped("company_id").items():
            serving.update(
                Contract._get_serving_contract_multi(company_dealers, company or None, date=end)
            )
        sections = []
        for dealer in dealers:
            mine = claims.filtered(
                lambda c, d=dealer: (
                    d.commercial_partner_id in c.dealer_id._after_sales_dealer_chain()
                )
            )
            contract = serving.get(dealer.id)
            summary = monthly.summarize(
                (
                    monthly.RepairRow(
                        dealer=claim.dealer_id.display_name,
                        covered=claim.is_covered,
                        onsite=claim.onsite,
                        revisited=bool(claim.revisit_date),
                        satisfaction=int(claim.satisfaction) if claim.satisfaction else None,
                    )
                    for claim in mine
                ),
                contract.revisit_ratio_min if contract else 0.0,
            )
            parts = monthly.parts_list(
                (line.product_id, line.quantity, line.old_part_required)
                for line in mine.line_ids.filtered(
                    lambda line: line.line_type == "part" and line.product_id
                )
            )
            sections.append(
                {
                    "dealer": dealer,
                    "contract": contract,
                    "claims": mine,
                    "summary": summary,
                    "parts": parts,
                }
            )
        return sections

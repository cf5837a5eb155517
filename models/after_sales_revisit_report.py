from odoo import api, fields, models
from odoo.tools import SQL


class AfterSalesRevisitReport(models.Model):
    """The month's return-visit ratio per dealer contract (DOMAIN.md R10, 合同二 第二条8): of the
    repairs completed in the month (company time zone), the share followed up by a return
    visit, against the contract's minimum. A read-only SQL view; a monthly scheduled action
    gives each contract below its minimum an activity."""

    _name = "after_sales.revisit.report"
    _description = "Return Visit Ratio"
    _auto = False
    _order = "month desc, dealer_id"

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    contract_id = fields.Many2one("after_sales.contract", readonly=True)
    dealer_id = fields.Many2one("res.partner", readonly=True)
    repair_count = fields.Integer(string="Repairs", readonly=True)
    revisited_count = fields.Integer(string="Followed Up", readonly=True)
    revisit_ratio = fields.Float(string="Ratio (%)", digits=(5, 2), readonly=True, aggregator="avg")
    revisit_ratio_min = fields.Float(
        string="Contract Minimum (%)", digits=(5, 2), readonly=True, aggregator="avg"
    )
    is_below = fields.Boolean(string="Below Minimum", readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                """
CREATE OR REPLACE VIEW %(table)s AS (
    SELECT
        min(claim.id) AS id,
        claim.company_id,
        claim.contract_id,
        contract.dealer_id,
        months.month,
        count(*) AS repair_count,
        count(*) FILTER (WHERE claim.revisit_date IS NOT NULL) AS revisited_count,
        round(100.0 * count(*) FILTER (WHERE claim.revisit_date IS NOT NULL) / count(*), 2)
            AS revisit_ratio,
        contract.revisit_ratio_min,
        round(100.0 * count(*) FILTER (WHERE claim.revisit_date IS NOT NULL) / count(*), 2)
            < contract.revisit_ratio_min AS is_below
    FROM after_sales_claim claim
    JOIN after_sales_contract contract ON contract.id = claim.contract_id
    JOIN res_company company ON company.id = claim.company_id
    JOIN res_partner company_partner ON company_partner.id = company.partner_id
    CROSS JOIN LATERAL (
        SELECT date_trunc(
            'month',
            (claim.completion_time AT TIME ZONE 'UTC')
                AT TIME ZONE COALESCE(company_partner.tz, 'UTC')
        )::date AS month
    ) months
    WHERE claim.completion_time IS NOT NULL AND claim.state NOT IN ('draft', 'cancel')
    GROUP BY claim.company_id, claim.contract_id, contract.dealer_id, months.month,
        contract.revisit_ratio_min
)
                """,
                table=SQL.identifier(self._table),
            )
        )

    @api.model
    def _cron_flag_below_minimum(self):
        """Monthly, on the first at noon UTC (last month has then ended in every time zone):
        each dealer contract whose last month stayed below its return-visit minimum gets one
        activity for its responsible (none twice)."""
        Claim = self.env["after_sales.claim"]
        today = Claim._company_today()
        last_month = Claim._get_document_company()._after_sales_last_month()
        rows = self.search([("month", "=", last_month), ("is_below", "=", True)])
        activity_type = self.env.ref("after_sales_service.mail_activity_type_revisit_ratio")
        already = set(
            self.env["mail.activity"]
            .search(
                [
                    ("res_model", "=", "after_sales.contract"),
                    ("res_id", "in", rows.contract_id.ids),
                    ("activity_type_id", "=", activity_type.id),
                    ("date_deadline", ">=", today.replace(day=1)),
                ]
            )
            .mapped("res_id")
        )
        for row in rows.filtered(lambda r: r.contract_id.id not in already):
            contract = row.contract_id
            user = contract.user_id or self.env.user
            contract.sudo().activity_schedule(
                "after_sales_service.mail_activity_type_revisit_ratio",
                date_deadline=today,
                note=self.with_context(lang=user.lang).env._(
                    "Return visits of %(month)s: %(ratio)s %% of %(repairs)s repairs followed up, "
                    "below the contract's minimum of %(minimum)s %%.",
                    month=row.month.strftime("%Y-%m"),
                    ratio=row.revisit_ratio,
                    repairs=row.repair_count,
                    minimum=row.revisit_ratio_min,
                ),
                user_id=user.id,
            )
        return True

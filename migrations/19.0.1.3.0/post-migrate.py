"""19.0.1.3.0: the allowance accrual and the dealers' monthly reports run daily, each month
handled once it has ended where the company works. Their crons are not updated from the data
files (noupdate), so an existing database still running them monthly is switched here. The
monthly return-visit check runs at noon UTC, when last month has ended in every time zone."""

from odoo import SUPERUSER_ID, api

DAILY_CRONS = (
    "after_sales_service.ir_cron_after_sales_accrue_allowances",
    "after_sales_service.ir_cron_after_sales_monthly_submission_create",
)
REVISIT_CRON = "after_sales_service.ir_cron_after_sales_revisit_ratio"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in DAILY_CRONS:
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron and cron.interval_type == "months":
            cron.write({"interval_number": 1, "interval_type": "days"})
    revisit = env.ref(REVISIT_CRON, raise_if_not_found=False)
    if revisit and revisit.nextcall.hour < 12:
        revisit.nextcall = revisit.nextcall.replace(hour=12, minute=0, second=0)

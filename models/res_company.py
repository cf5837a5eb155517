import pytz

from odoo import fields, models
from odoo.exceptions import UserError

from ..tools import periods

SETTLEMENT_PRODUCTS = {
    "reimbursement": "after_sales_service.product_after_sales_reimbursement",
    "payout": "after_sales_service.product_after_sales_payout",
    "overspend": "after_sales_service.product_after_sales_overspend",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_expiry_notice_days = fields.Integer(
        string="Contract Expiry Notice (days)",
        default=30,
        help="Running contracts that end within this many days are 'expiring soon' and their "
        "responsible gets a to-do.",
    )
    after_sales_journal_id = fields.Many2one(
        "account.journal",
        string="After-Sales Journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
        help="Sales journal of the repair fund invoices and credit notes; the first sales "
        "journal when empty.",
    )
    after_sales_reimbursement_product_id = fields.Many2one(
        "product.product",
        string="Claim Reimbursement Product",
        help="Credit note line of the quarterly write-off (三包费用核销); its income account and "
        "taxes apply.",
    )
    after_sales_payout_product_id = fields.Many2one(
        "product.product",
        string="Allowance Payout Product",
        help="Credit note line of a quarterly allowance paid to the dealer.",
    )
    after_sales_overspend_product_id = fields.Many2one(
        "product.product",
        string="Fund Overspend Product",
        help="Invoice line of a repair fund overspend.",
    )

    after_sales_reimbursement_taxed = fields.Boolean(
        string="Claim Reimbursement Is Taxed",
        help="Add the taxes of the reimbursement product to the write-off credit note; the "
        "notice then shows the tax. Off: the credit note deducts exactly the confirmed amount.",
    )
    after_sales_auto_post_confirmed = fields.Boolean(
        string="Post Automatically on Dealer Confirmation",
        help="When a dealer confirms its write-off notice on the portal, post the settlement at "
        "once. Off: the confirmed settlement waits for finance to post it.",
    )

    # ------------------------------------------------------------
    # FIELDS: parts requisitions (R25)
    # ------------------------------------------------------------
    after_sales_freight_ems = fields.Monetary(
        string="Freight Difference EMS",
        currency_field="currency_id",
        default=30.0,
        help="Charged to the dealer when a parts requisition ships by EMS.",
    )
    after_sales_freight_rail = fields.Monetary(
        string="Freight Difference Rail Express",
        currency_field="currency_id",
        default=50.0,
        help="Charged to the dealer when a parts requisition ships by rail express.",
    )
    after_sales_freight_air = fields.Monetary(
        string="Freight Difference Air",
        currency_field="currency_id",
        default=120.0,
        help="Charged to the dealer when a parts requisition ships by air.",
    )
    after_sales_freight_product_id = fields.Many2one(
        "product.product",
        string="Freight Product",
        domain="[('type', '=', 'service')]",
        help="The service product of the urgent freight difference on parts sale orders.",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_tz(self):
        """The time zone this company works in: its partner's (Asia/Shanghai in the demo), UTC
        without one. Not the user's: a claim keeps its dates whoever saves it."""
        self.ensure_one()
        # the one column it needs: a cold read of the company and its partner fetches every
        # column of both, a few milliseconds for each preview, accrual or document saved
        self.fetch(["partner_id"])
        self.partner_id.fetch(["tz"])
        return pytz.timezone(self.partner_id.tz or "UTC")

    def _after_sales_today(self):
        """Today where this company works, whoever asks: the repair fund's rows, its charges
        and its quarters are the company's days, not those of a user in another time zone or
        of the cron."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self._after_sales_tz().zone))

    def _after_sales_last_month(self):
        """The first day of the last month that has ended where this company works: the month
        the monthly jobs (allowance accrual, dealers' reports, return visits) and the monthly
        report's default look at, whatever the time zone of the cron or of the user."""
        return periods.previous_month(self._after_sales_today())

    def _after_sales_product(self, kind):
        """The product of a repair fund invoice or credit note line for this company: the one
        chosen in settings, else the one the addon installs."""
        self.ensure_one()
        return self[f"after_sales_{kind}_product_id"] or self.env.ref(
            SETTLEMENT_PRODUCTS[kind], raise_if_not_found=False
        )

    def _after_sales_freight_difference(self, mode):
        """Return the freight difference this company charges for a requisition's shipping
        mode (0 for normal shipping). Called by parts requisitions."""
        self.ensure_one()
        if mode in ("ems", "rail", "air"):
            return self[f"after_sales_freight_{mode}"]
        return 0.0

    def _after_sales_freight_product(self):
        """Return the service product that carries the urgent freight difference."""
        self.ensure_one()
        product = self.after_sales_freight_product_id or self.env.ref(
            "after_sales_service.product_after_sales_freight", raise_if_not_found=False
        )
        if not product:
            raise UserError(
                self.env._(
                    "Company %(company)s has no freight product for urgent parts shipping: set "
                    "it in the After-Sales settings.",
                    company=self.display_name,
                )
            )
        return product.sudo()

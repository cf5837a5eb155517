from datetime import datetime
from unittest.mock import patch

from odoo.tests import tagged

from .common import AfterSalesCase

HEADERS = "_after_sales_pdf_has_headers"


@tagged("post_install", "-at_install")
class TestReportLayout(AfterSalesCase):
    """The after-sales reports print the company's letterhead whatever wkhtmltopdf is installed,
    and in the addon's stylesheet (Noto Sans CJK SC for Chinese documents)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls._running_contract()
        product = cls.env["product.product"].create({"name": "Range hood RH-9"})
        cls.claim = cls.env["after_sales.claim"].create(
            {
                "dealer_id": cls.dealer.id,
                "product_id": product.id,
                "call_time": datetime(2026, 3, 10, 9, 0),
                "symptom": "Fan does not start",
            }
        )

    @property
    def report_class(self):
        return type(self.env["ir.actions.report"])

    def _render(self, report, docids, data):
        return (
            self.env["ir.actions.report"]._render_qweb_html(report, docids, data=data)[0].decode()
        )

    def test_letterhead_in_the_body_when_wkhtmltopdf_prints_no_header(self):
        receipt = "after_sales_service.action_report_after_sales_claim"
        with patch.object(self.report_class, HEADERS, return_value=False):
            html = self._render(receipt, self.claim.ids, {"report_type": "pdf"})
            self.assertIn("o_after_sales_letterhead", html)
            self.assertIn(self.company.name, html.split('class="page')[0].split("article")[-1])
            # the monthly report is the company's: it asks for the letterhead too
            monthly = self._render(
                "after_sales_service.action_report_monthly_repair",
                None,
                {"report_type": "pdf", "year": 2026, "month": 3, "dealer_ids": self.dealer.ids},
            )
            self.assertIn("o_after_sales_letterhead", monthly)
            # other reports are left alone
            invoice_layout = self.env["ir.qweb"]._render(
                "web.external_layout",
                {"o": self.dealer, "company": self.company, "report_type": "pdf", "doc": None},
            )
            self.assertNotIn("o_after_sales_letterhead", str(invoice_layout))
        with patch.object(self.report_class, HEADERS, return_value=True):
            html = self._render(receipt, self.claim.ids, {"report_type": "pdf"})
            self.assertNotIn("o_after_sales_letterhead", html, "the header prints it")
        # the HTML preview shows the layout's header: no second letterhead
        html = self._render(receipt, self.claim.ids, {})
        self.assertNotIn("o_after_sales_letterhead", html)

    def test_report_stylesheet(self):
        bundle = self.env["ir.qweb"]._get_asset_bundle("web.report_assets_common")
        paths = [asset["url"] for asset in bundle.files]
        self.assertIn("/after_sales_service/static/src/scss/after_sales_report.scss", paths)
        css = bundle.css().raw.decode()
        self.assertIn('"Noto Sans CJK SC"', css)

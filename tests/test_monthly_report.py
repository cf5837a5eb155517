import base64
import io
import json
from datetime import date, datetime
from urllib.parse import quote

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from odoo import Command
from odoo.tests import BaseCase, HttpCase, TransactionCase, freeze_time, new_test_user, tagged
from odoo.tools.misc import format_date
from odoo.tools.pdf import PdfFileReader

from ..tools import monthly
from .common import TEST_DAY, AfterSalesCase
from .property_settings import PROPERTY_SETTINGS


@tagged("post_install", "-at_install")
class TestMonthlyRules(BaseCase):
    def test_summary_table(self):
        rows = [
            monthly.RepairRow("A", True, True, True, 5),
            monthly.RepairRow("A", True, False, False, None),
            monthly.RepairRow("A", False, False, True, 3),
        ]
        summary = monthly.summarize(rows, 30.0)
        self.assertEqual(
            (summary.repairs, summary.covered, summary.onsite, summary.revisited),
            (3, 2, 1, 2),
        )
        self.assertEqual(summary.revisit_ratio, 66.67)
        self.assertTrue(summary.revisit_ratio_met)
        self.assertEqual(summary.satisfaction_average, 4.0)
        self.assertEqual(summary.satisfaction_counts, {1: 0, 2: 0, 3: 1, 4: 0, 5: 1})
        self.assertFalse(monthly.summarize(rows[1:2], 30.0).revisit_ratio_met)
        self.assertTrue(monthly.summarize([], 30.0).revisit_ratio_met)

    def test_parts_list(self):
        self.assertEqual(
            monthly.parts_list([("motor", 1, True), ("knob", 4, False), ("motor", 2, True)]),
            [("knob", 4, 0.0), ("motor", 3, 3.0)],
        )

    @PROPERTY_SETTINGS
    @given(
        st.lists(
            st.tuples(
                st.booleans(), st.booleans(), st.booleans(), st.one_of(st.none(), st.integers(1, 5))
            ),
            max_size=30,
        ),
        st.floats(0, 100),
    )
    def test_summary_bounds(self, facts, ratio_min):
        rows = [monthly.RepairRow("A", *fact) for fact in facts]
        summary = monthly.summarize(rows, ratio_min)
        self.assertLessEqual(summary.revisited, summary.repairs)
        self.assertTrue(0 <= summary.revisit_ratio <= 100)
        self.assertEqual(
            sum(summary.satisfaction_counts.values()), sum(1 for row in rows if row.satisfaction)
        )


@tagged("post_install", "-at_install")
class TestMonthlyReport(AfterSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._running_contract(revisit_ratio_min=50.0)
        cls.motor = cls.env["product.product"].create({"name": "Fan motor"})
        heater = cls.env["product.product"].create({"name": "Range hood RH-9"})
        Claim = cls.env["after_sales.claim"]
        cls.claims = Claim.create(
            [
                {
                    "dealer_id": dealer.id,
                    "product_id": heater.id,
                    "call_time": datetime(2026, 3, day, 9, 0),
                    "completion_time": datetime(2026, 3, day, 15, 0),
                    "symptom": f"Noise {day}",
                    "revisit_date": date(2026, 3, day + 3) if day == 10 else False,
                    "satisfaction": "4" if day == 10 else False,
                    "line_ids": [
                        Command.create(
                            {"line_type": "part", "product_id": cls.motor.id, "quantity": 1}
                        )
                    ],
                }
                for dealer, day in ((cls.dealer, 10), (cls.subdealer, 12), (cls.dealer, 20))
            ]
        )
        cls.claims.action_submit()
        Claim.create(
            {
                "dealer_id": cls.dealer.id,
                "product_id": heater.id,
                "call_time": datetime(2026, 4, 2, 9, 0),
                "completion_time": datetime(2026, 4, 2, 12, 0),
                "symptom": "April, not in March",
            }
        ).action_submit()

    def test_sections_and_pdf(self):
        report = self.env["report.after_sales_service.report_monthly_repair"]
        (section,) = report._sections(self.dealer, 2026, 3)
        self.assertEqual(section["claims"], self.claims)
        self.assertEqual(section["summary"].repairs, 3)
        self.assertEqual(section["summary"].revisit_ratio, 33.33)
        self.assertFalse(section["summary"].revisit_ratio_met, "below the contract's 50 %")
        self.assertEqual(section["parts"], [(self.motor, 3.0, 0.0)])
        wizard = (
            self.env["after_sales.monthly.report"]
            .with_user(self.user_desk)
            .create({"year": 2026, "month": "3", "dealer_ids": [Command.set(self.dealer.ids)]})
        )
        action = wizard.action_print()
        self.assertEqual(action["data"], {"year": 2026, "month": 3, "dealer_ids": self.dealer.ids})
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "after_sales_service.action_report_monthly_repair",
                self.dealer.ids,
                data=action["data"],
            )[0]
            .decode()
        )
        for text in ("Noise 10", "Noise 12", "Noise 20", "Fan motor", "Below the contract"):
            self.assertIn(text, html)
        self.assertNotIn("April, not in March", html)

    def test_month_held_to_the_contract_in_force_then(self):
        """R10/R11: March's report, printed in April, holds March's repairs to the minimum of
        the contract in force in March, not to that of the renewal running since April."""
        with freeze_time("2026-03-20 02:00:00"):
            march = self._create_contract(
                self.other_dealer,
                date_start=date(2026, 1, 1),
                date_end=date(2026, 3, 31),
                revisit_ratio_min=50.0,
            )
            march.action_start()
            Claim = self.env["after_sales.claim"]
            claims = Claim.create(
                [
                    {
                        "dealer_id": self.other_dealer.id,
                        "product_id": self.motor.id,
                        "call_time": datetime(2026, 3, day, 1, 0),
                        "completion_time": datetime(2026, 3, day, 6, 0),
                        "symptom": f"Fan stops {day}",
                    }
                    for day in (5, 6)
                ]
            )
            claims.action_submit()
        with freeze_time("2026-04-15 02:00:00"):
            Contract = self.env["after_sales.contract"]
            Contract._cron_expire_contracts()
            self.assertEqual(march.state, "expired")
            renewal = self._running_contract(
                self.other_dealer,
                date_start=date(2026, 4, 1),
                date_end=date(2027, 3, 31),
                revisit_ratio_min=0.0,
            )
            report = self.env["report.after_sales_service.report_monthly_repair"]
            (section,) = report._sections(self.other_dealer, 2026, 3)
            self.assertEqual(section["contract"], march)
            self.assertEqual((section["summary"].repairs, section["summary"].revisit_ratio), (2, 0))
            self.assertFalse(section["summary"].revisit_ratio_met, "below March's 50 %")
            (section,) = report._sections(self.other_dealer, 2026, 4)
            self.assertEqual(section["contract"], renewal)

    def test_month_of_the_company_and_dealers_at_every_level(self):
        """A repair finished at 01:30 in Shanghai on 1 April (17:30 UTC on 31 March) is
        April's, as the return-visit report counts it; a repair by the sub-dealer of a
        sub-dealer is in the dealer's report, in the PDF and the XLSX, dated where it was done."""
        self.company.partner_id.tz = "Asia/Shanghai"
        self.user_desk.tz = "UTC"
        grandchild = self.env["res.partner"].create(
            {"name": "Taicang shop", "is_company": True, "parent_id": self.subdealer.id}
        )
        Claim = self.env["after_sales.claim"]
        product = self.claims[0].product_id
        late_night, by_grandchild = Claim.create(
            [
                {
                    "dealer_id": self.dealer.id,
                    "product_id": product.id,
                    "call_time": datetime(2026, 3, 31, 12, 0),
                    "completion_time": datetime(2026, 3, 31, 17, 30),
                    "symptom": "Shanghai's first of April",
                },
                {
                    "dealer_id": grandchild.id,
                    "product_id": product.id,
                    "call_time": datetime(2026, 3, 31, 6, 0),
                    "completion_time": datetime(2026, 3, 31, 6, 30),
                    "symptom": "Taicang repair",
                },
            ]
        )
        (late_night | by_grandchild).action_submit()
        report = self.env["report.after_sales_service.report_monthly_repair"]
        (march,) = report._sections(self.dealer, 2026, 3)
        self.assertEqual(march["claims"], self.claims | by_grandchild)
        (april,) = report._sections(self.dealer, 2026, 4)
        self.assertIn(late_night, april["claims"])
        self.assertNotIn(by_grandchild, april["claims"])
        (sub_march,) = report._sections(self.subdealer, 2026, 3)
        self.assertEqual(sub_march["claims"], self.claims[1] | by_grandchild)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.user_desk)
            ._render_qweb_html(
                "after_sales_service.action_report_monthly_repair",
                self.dealer.ids,
                data={"year": 2026, "month": 3, "dealer_ids": self.dealer.ids},
            )[0]
            .decode()
        )
        self.assertIn("Taicang repair", html)
        self.assertIn(format_date(self.env, date(2026, 3, 31)), html)
        self.assertNotIn("Shanghai&#39;s first of April", html)
        self.assertNotIn("Shanghai's first of April", html)
        wizard = (
            self.env["after_sales.monthly.report"]
            .with_user(self.user_desk)
            .create({"year": 2026, "month": "4", "dealer_ids": [Command.set(self.dealer.ids)]})
        )
        action = wizard.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        dates = [row[0].value for row in book.worksheets[0].iter_rows(min_row=2)]
        self.assertEqual(dates[0].date(), date(2026, 4, 1), "the repair's day in Shanghai")

    def test_xlsx_export(self):
        wizard = self.env["after_sales.monthly.report"].create(
            {"year": 2026, "month": "3", "dealer_ids": [Command.set(self.dealer.ids)]}
        )
        action = wizard.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        repairs, parts, summary = book.worksheets
        self.assertEqual(repairs.max_row, 4)
        self.assertEqual([c.value for c in parts[2]], ["Dealer Shunda", "Fan motor", 3, 0])
        self.assertEqual([c.value for c in summary[2]][:6], ["Dealer Shunda", 3, 0, 0, 1, 33.33])


class MonthlyPrintData:
    """Two dealers with a repair each in March 2026, and a service desk user."""

    freeze_time = TEST_DAY

    @classmethod
    def _setup_print_data(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.env.company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        groups = "after_sales_service.after_sales_service_group_user"
        cls.user_desk = new_test_user(cls.env, "as_print_desk", groups=groups)
        cls.dealer = cls.env["res.partner"].create({"name": "Dealer Shunda", "is_company": True})
        cls.other = cls.env["res.partner"].create({"name": "Dealer Jiahe", "is_company": True})
        for dealer in cls.dealer | cls.other:
            contract = cls.env["after_sales.contract"].create(
                {
                    "dealer_id": dealer.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                }
            )
            contract.action_start()
        product = cls.env["product.product"].create({"name": "Range hood RH-9"})
        cls.env["after_sales.claim"].create(
            [
                {
                    "dealer_id": dealer.id,
                    "product_id": product.id,
                    "call_time": datetime(2026, 3, 10, 9, 0),
                    "completion_time": datetime(2026, 3, 10, 15, 0),
                    "symptom": symptom,
                }
                for dealer, symptom in ((cls.dealer, "Shunda noise"), (cls.other, "Jiahe leak"))
            ]
        ).action_submit()


@tagged("post_install", "-at_install")
class TestMonthlyReportPrint(MonthlyPrintData, HttpCase):
    """The wizard's Print, followed the way the web client follows it: a report action with
    ``data`` is fetched from ``/report/<type>/<report>?options=<data>&context=<context>``, with
    no record ids in the URL. The PDF used to come out blank (its dealers were only in docids)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_print_data()

    def _print_from_wizard(self, dealers, render_pdf):
        wizard = (
            self.env["after_sales.monthly.report"]
            .with_user(self.user_desk)
            .create({"year": 2026, "month": "3", "dealer_ids": [Command.set(dealers.ids)]})
        )
        action = wizard.action_print()
        self.assertEqual(action["type"], "ir.actions.report", "no layout dialog on the way")
        self.assertEqual(action["data"]["dealer_ids"], dealers.ids)
        context = dict(action["context"], lang="en_US", force_report_rendering=render_pdf)
        # what web/static/src/webclient/actions/reports/utils.js getReportUrl() builds
        url = "/report/{}/{}?options={}&context={}".format(
            "pdf" if render_pdf else "html",
            action["report_name"],
            quote(json.dumps(action["data"])),
            quote(json.dumps(context)),
        )
        self.authenticate("as_print_desk", "as_print_desk")
        response = self.url_open(url, timeout=120)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response

    def test_html_from_the_wizard_has_every_chosen_dealer(self):
        html = self._print_from_wizard(self.dealer | self.other, render_pdf=False).text
        for text in ("Dealer Shunda", "Shunda noise", "Dealer Jiahe", "Jiahe leak"):
            self.assertIn(text, html)
        # one letterhead around both sections: one document, which unpatched wkhtmltopdf prints
        self.assertEqual(html.count('class="article '), 1)


@tagged("post_install", "-at_install")
class TestMonthlyReportPdf(MonthlyPrintData, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_print_data()

    def test_pdf_from_the_wizard_has_the_dealers_figures(self):
        """The PDF itself, rendered by wkhtmltopdf from what the PDF route receives: the report
        name and the action's data, no record ids."""
        wizard = (
            self.env["after_sales.monthly.report"]
            .with_user(self.user_desk)
            .create({"year": 2026, "month": "3", "dealer_ids": [Command.set(self.dealer.ids)]})
        )
        action = wizard.action_print()
        pdf, report_format = (
            self.env["ir.actions.report"]
            .with_user(self.user_desk)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(action["report_name"], None, data=action["data"])
        )
        self.assertEqual(report_format, "pdf")
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        for expected in ("Monthly Repair Report 2026-03", "Dealer Shunda", "Shunda noise"):
            self.assertIn(expected, text)
        self.assertNotIn("Jiahe leak", text, "only the chosen dealer")
        # the company's letterhead: wkhtmltopdf's header, or the body's when it cannot print one
        self.assertIn(self.env.company.name, text)

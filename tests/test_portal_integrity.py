"""The portal's forms and the notice mail refuse what they cannot take, in words, with nothing
saved: numbers that are no numbers, quantities of zero or less, times before year 1, another
dealer's hands on a notice reached with its token, monthly reports that are no report; and the
write-off notice mail links to the portal with the notice's access token."""

import importlib.util
import json
import pathlib

from lxml import html

from odoo.tests import tagged

from .common_portal import PNG, PortalCase


@tagged("post_install", "-at_install")
class TestPortalIntegrity(PortalCase):
    """The portal speaks the website's language, Chinese: the refusals are read in Chinese."""

    def _error(self, response):
        """The refusal shown on the page, or None."""
        self.assertEqual(response.status_code, 200, response.text[:500])
        nodes = html.fromstring(response.content).xpath(
            "//*[contains(concat(' ', @class, ' '), ' o_as_error ')]"
        )
        return nodes[0].text_content().strip() if nodes else None

    # ------------------------------------------------------------
    # The notice mail
    # ------------------------------------------------------------
    def _notice_mail(self, settlement):
        return settlement.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.attachment_ids
        )

    def test_notice_mail_links_to_the_portal_with_the_token(self):
        settlement = self.settlement_b
        self.assertFalse(settlement.access_token)
        self.dealer_b.write({"email": "bravo@x.com", "lang": "en_US"})
        self.assertEqual(settlement._mail_get_partner_fields(), ["dealer_id"])
        self.assertEqual(settlement._mail_get_partners()[settlement.id], self.dealer_b)
        settlement.action_notify()
        token = settlement.access_token
        self.assertTrue(token, "the notice has its access token once sent")
        mail = self._notice_mail(settlement)
        self.assertEqual(len(mail), 1)
        self.assertIn("Confirm or dispute the notice on the portal:", mail.body)
        link = f"/my/after-sales/settlements/{settlement.id}?access_token={token}"
        self.assertIn(link, mail.body)
        self.assertIn(f">{settlement.name}</a>", mail.body)
        # the link opens the notice with its buttons without logging in
        page = self.url_open(link)
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_as_confirm", page.text)

    def test_notice_mail_links_to_the_portal_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.dealer_b.write({"email": "bravo@x.com", "lang": "zh_CN"})
        self.settlement_b.action_notify()
        mail = self._notice_mail(self.settlement_b)
        self.assertIn("请在门户网站上确认该通知或提出异议：", mail.body)
        self.assertIn(
            f"/my/after-sales/settlements/{self.settlement_b.id}"
            f"?access_token={self.settlement_b.access_token}",
            mail.body,
        )

    def test_migration_adds_the_portal_link_in_each_language(self):
        path = pathlib.Path(__file__).parents[1] / "migrations" / "19.0.1.4.0" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("after_sales_notice_link_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        template = self.env.ref("after_sales_service.mail_template_after_sales_writeoff_notice")
        old = {
            "en_US": "<div>\n    <p>Please confirm the notice so that we can post the credit "
            "note.</p>\n    <p>Best regards,</p>\n</div>",
            "zh_CN": "<div>\n    <p>请确认该通知，以便我方过账红字发票。</p>\n"
            "    <p>此致敬礼！</p>\n</div>",
            "fr_FR": "<div>\n    <p>Veuillez confirmer.</p>\n</div>",
        }
        self.env.cr.execute(
            "UPDATE mail_template SET body_html = %s::jsonb WHERE id = %s",
            [json.dumps(old), template.id],
        )
        template.invalidate_recordset(["body_html"])
        migration.migrate(self.env.cr, "19.0.1.3.0")
        self.env.cr.execute("SELECT body_html FROM mail_template WHERE id = %s", [template.id])
        bodies = self.env.cr.fetchone()[0]
        link = """<a t-att-href="object.get_portal_url()" t-out="object.name or ''">"""
        self.assertEqual(
            bodies["en_US"],
            "<div>\n    <p>Please confirm the notice so that we can post the credit note.</p>\n"
            f"    <p>Confirm or dispute the notice on the portal: {link}ASS/2026/Q1</a></p>\n"
            "    <p>Best regards,</p>\n</div>",
        )
        self.assertEqual(
            bodies["zh_CN"],
            "<div>\n    <p>请确认该通知，以便我方过账红字发票。</p>\n"
            f"    <p>请在门户网站上确认该通知或提出异议：{link}ASS/2026/Q1</a></p>\n"
            "    <p>此致敬礼！</p>\n</div>",
        )
        self.assertEqual(
            bodies["fr_FR"],
            "<div>\n    <p>Veuillez confirmer.</p>\n"
            f"    <p>Confirm or dispute the notice on the portal: {link}ASS/2026/Q1</a></p>\n"
            "</div>",
        )
        # run again: nothing added twice
        migration.migrate(self.env.cr, "19.0.1.3.0")
        self.env.cr.execute("SELECT body_html FROM mail_template WHERE id = %s", [template.id])
        self.assertEqual(self.env.cr.fetchone()[0], bodies)

    # ------------------------------------------------------------
    # Numbers and dates of the forms
    # ------------------------------------------------------------
    def test_numbers_that_are_no_numbers_are_refused(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        Request = self.env["after_sales.parts.request"]
        before = Request.search_count([])
        for typed in ("nan", "inf", "-inf", "1e308"):
            with self.subTest(quantity=typed):
                response = self.url_open(
                    "/my/after-sales/parts/new",
                    data={
                        "csrf_token": token,
                        "line_0_product_id": str(self.knob.id),
                        "line_0_quantity": typed,
                    },
                )
                self.assertEqual(self._error(response), "请输入 Portal Knob 的正数数量。")
        self.assertEqual(Request.search_count([]), before, "nothing saved")
        # a claim's freight priced "nan" costs nothing
        response = self.url_open(
            f"/my/after-sales/claims/new?card_id={self.card_a.id}",
            data={
                "csrf_token": token,
                "call_time": f"{self.today}T09:00",
                "symptom": "No heat",
                "line_0_type": "freight",
                "line_0_name": "Truck",
                "line_0_quantity": "1",
                "line_0_price": "nan",
            },
        )
        self.assertIsNone(self._error(response))
        claim = self.env["after_sales.claim"].search([("symptom", "=", "No heat")])
        self.assertRecordValues(claim.line_ids, [{"name": "Truck", "price_unit": 0.0}])

    def test_return_quantity_zero_or_less_is_refused_on_the_form(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        Return = self.env["after_sales.return"]
        before = Return.search_count([])
        form = {
            "csrf_token": token,
            "description": "Knobs broken",
            "date_defect": str(self.today),
            "line_0_product_id": str(self.knob.id),
            "line_0_reason": "Cracked",
        }
        for typed in ("0", "-5", "nan", "abc"):
            with self.subTest(quantity=typed):
                response = self.url_open(
                    "/my/after-sales/returns/new", data=dict(form, line_0_quantity=typed)
                )
                self.assertEqual(self._error(response), "请输入 Portal Knob 的正数数量。")
                self.assertIn("Knobs broken", response.text, "the form keeps what was typed")
        self.assertEqual(Return.search_count([]), before, "nothing saved")
        response = self.url_open("/my/after-sales/returns/new", data=dict(form, line_0_quantity=""))
        self.assertIsNone(self._error(response))
        ret = Return.search([("description", "=", "Knobs broken")])
        self.assertEqual(ret.line_ids.quantity, 1.0, "no quantity typed: one")

    def test_time_of_year_one_is_no_time(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        Claim = self.env["after_sales.claim"]
        before = Claim.search_count([])
        for typed in ("0001-01-01T00:00", "0001-01-01T09:00", "99999-12-07T09:00", "x"):
            with self.subTest(call_time=typed):
                response = self.url_open(
                    f"/my/after-sales/claims/new?card_id={self.card_a.id}",
                    data={"csrf_token": token, "call_time": typed, "symptom": "Year one"},
                )
                self.assertEqual(self._error(response), "请输入客户报修时间。")
        self.assertEqual(Claim.search_count([]), before, "nothing saved")

    # ------------------------------------------------------------
    # Another dealer with the notice's token
    # ------------------------------------------------------------
    def test_other_dealer_with_the_token_cannot_act_on_the_notice(self):
        token = self.settlement_a.access_token
        url = f"/my/after-sales/settlements/{self.settlement_a.id}"
        self.authenticate("as_portal_b", "as_portal_b")
        page = self.url_open(f"{url}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = self.url_open(
            f"{url}/message",
            data={"csrf_token": csrf, "access_token": token, "body": "Hello from Bravo"},
        )
        self.assertEqual(
            self._error(response),
            f"{self.settlement_a.with_context(lang='zh_CN').display_name} 不是发给 "
            "Portal Dealer Bravo 的。",
        )
        response = self.url_open(
            f"{url}/dispute?access_token={token}",
            data={"csrf_token": csrf, "comment": "Bravo says no"},
        )
        self.assertEqual(self._error(response), "此通知不是发给您的。")
        response = self.url_open(f"{url}/confirm?access_token={token}", data={"csrf_token": csrf})
        self.assertEqual(self._error(response), "此通知不是发给您的。")
        self.env.invalidate_all()
        self.assertEqual(self.settlement_a.state, "notified")
        self.assertFalse(self.settlement_a.activity_ids)
        self.assertFalse(
            self.env["mail.message"].search(
                ["|", ("body", "ilike", "Bravo says no"), ("body", "ilike", "Hello from Bravo")]
            )
        )
        # the dealer's own contact, logged in, writes in its own name
        self.authenticate("as_portal_a", "as_portal_a")
        csrf = self._csrf()
        response = self.url_open(
            f"{url}/message",
            data={"csrf_token": csrf, "access_token": token, "body": "Hello from Alpha"},
        )
        self.assertIsNone(self._error(response))
        message = self.settlement_a.message_ids.filtered(lambda m: "Hello from Alpha" in m.body)
        self.assertEqual(message.author_id, self.user_a.partner_id)

    # ------------------------------------------------------------
    # Monthly reports
    # ------------------------------------------------------------
    def test_monthly_report_is_a_spreadsheet_a_pdf_or_a_picture(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        url = f"/my/after-sales/monthly/{self.monthly_a.id}/submit"
        name = self.monthly_a.with_context(lang="zh_CN").display_name
        refused = (
            ("r.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
            ("r.html", b"<html><script>alert(1)</script></html>"),
            ("r.xlsx", b"<html><script>alert(1)</script></html>"),
            ("r.txt", b"Month,Repairs\n"),
        )
        for filename, content in refused:
            with self.subTest(file=filename):
                response = self.url_open(
                    url,
                    data={"csrf_token": token},
                    files={"upload": (filename, content, "application/octet-stream")},
                )
                self.assertEqual(
                    self._error(response),
                    f"月度报表 {name}：{filename} 不是电子表格（xlsx、xls、csv）、PDF "
                    "或图片（png、jpg）。",
                )
        self.monthly_a.invalidate_recordset()
        self.assertFalse(self.monthly_a.date_submitted, "nothing sent")
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "after_sales.monthly.submission")]
        )
        self.assertFalse(attachments)
        accepted = (
            ("repairs.csv", b"Month,Repairs\n2026-05,3\n"),
            ("repairs.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
            ("repairs.png", PNG),
        )
        for filename, content in accepted:
            with self.subTest(file=filename):
                response = self.url_open(
                    url,
                    data={"csrf_token": token},
                    files={"upload": (filename, content, "application/octet-stream")},
                )
                self.assertIsNone(self._error(response))
                self.monthly_a.invalidate_recordset()
                self.assertEqual(self.monthly_a.attachment_id.name, filename)
                self.assertEqual(self.monthly_a.attachment_id.raw, content)

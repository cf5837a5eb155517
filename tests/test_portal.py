import base64
import io
import json
from datetime import timedelta

from lxml import html

from odoo.tests import tagged

from .common_portal import PNG, PortalCase


@tagged("post_install", "-at_install")
class TestDealerPortal(PortalCase):
    """What a dealer sees and does on the portal (§9), and what another dealer cannot."""

    # ------------------------------------------------------------
    # Lists and pages
    # ------------------------------------------------------------
    def test_lists_show_own_documents_only(self):
        self.authenticate("as_portal_a", "as_portal_a")
        expectations = {
            "contracts": (self.contract_a.name, self.contract_b.name),
            "cards": (self.card_a.name, self.card_b.name),
            "claims": (self.claim_a.name, self.claim_b.name),
            "returns": (self.return_a.name, self.return_b.name),
            "parts": (self.parts_a.name, self.parts_b.name),
            "settlements": (self.settlement_a.name, self.settlement_b.name),
        }
        for kind, (mine, theirs) in expectations.items():
            response = self.url_open(f"/my/after-sales/{kind}")
            self.assertEqual(response.status_code, 200, kind)
            self.assertIn(mine, response.text, kind)
            self.assertNotIn(theirs, response.text, kind)
        # search, sort and filter keep to the dealer's own
        response = self.url_open(
            "/my/after-sales/cards?search=SN-&search_in=serial&sortby=warranty_end&filterby=all"
        )
        self.assertIn("SN-ALPHA-1", response.text)
        self.assertIn("SN-ALPHA-SUB", response.text, "a dealer sees its sub-dealer's cards")
        self.assertNotIn("SN-BRAVO-1", response.text)
        response = self.url_open("/my/after-sales/cards?filterby=void")
        self.assertNotIn("SN-ALPHA-1", response.text)

    def test_return_lines_keep_their_columns_without_a_serial(self):
        """A returned part with no serial number still has its serial cell: the quantity sits
        under "Requested", not under "Serial Number"."""
        self.authenticate("as_portal_a", "as_portal_a")
        page = html.fromstring(self.url_open(f"/my/after-sales/returns/{self.return_a.id}").text)
        table = page.xpath("//table[contains(@class, 'o_as_return_lines')]")[0]
        headers = table.xpath("./thead/tr/th")
        rows = table.xpath("./tbody/tr")
        self.assertFalse(self.return_a.line_ids.lot_id)
        self.assertEqual(len(rows), 1)
        cells = rows[0].xpath("./td")
        self.assertEqual(len(cells), len(headers))
        self.assertEqual(cells[2].text_content().strip(), "2.0")

    def test_detail_pages_show_the_dealers_figures(self):
        self.authenticate("as_portal_a", "as_portal_a")
        card = self.url_open(f"/my/after-sales/cards/{self.card_a.id}").text
        self.assertIn("SN-ALPHA-1", card)
        self.assertIn("INV-ALPHA", card)
        claim = self.url_open(f"/my/after-sales/claims/{self.claim_a.id}").text
        self.assertIn("Alpha heater leaks", claim)
        self.assertIn("o_as_covered", claim)
        self.assertIn("80.00", claim, "flat 50 + on-site 30 reimbursed")
        ret = self.url_open(f"/my/after-sales/returns/{self.return_a.id}").text
        self.assertIn("Alpha knobs broken", ret)
        self.assertIn("o_as_payers", ret)
        parts = self.url_open(f"/my/after-sales/parts/{self.parts_a.id}").text
        self.assertIn("Portal Knob", parts)
        fund = self.url_open("/my/after-sales/fund").text
        self.assertIn("500.00", fund)
        self.assertIn("Accrual Portal Dealer Alpha", fund)
        self.assertNotIn("Accrual Portal Dealer Bravo", fund)
        home = self.url_open("/my/home").text
        for kind in ("cards", "claims", "returns", "parts", "fund", "settlements", "monthly"):
            self.assertIn(f"/my/after-sales/{kind}", home)
        self.assertNotIn("static/description/icon.png", home, "normal-size icons")

    def test_home_counters(self):
        self.authenticate("as_portal_a", "as_portal_a")
        response = self.make_jsonrpc_request(
            "/my/counters",
            {
                "counters": [
                    "after_sales_cards_count",
                    "after_sales_claims_count",
                    "after_sales_settlements_count",
                    "after_sales_parts_count",
                ]
            },
        )
        self.assertEqual(response["after_sales_cards_count"], 2, "own card and sub-dealer's")
        self.assertEqual(response["after_sales_claims_count"], 1)
        self.assertEqual(response["after_sales_settlements_count"], 1)
        self.assertEqual(response["after_sales_parts_count"], 1)

    def test_subdealer_sees_only_its_own(self):
        self.authenticate("as_portal_sub", "as_portal_sub")
        response = self.url_open("/my/after-sales/cards")
        self.assertIn("SN-ALPHA-SUB", response.text)
        self.assertNotIn("SN-ALPHA-1<", response.text)
        self.assertNotIn(self.card_a.name + "<", response.text)
        response = self.url_open(f"/my/after-sales/cards/{self.card_a.id}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Customer Alpha<", response.text)

    # ------------------------------------------------------------
    # Another dealer: 404 everywhere, never the content
    # ------------------------------------------------------------
    def test_other_dealer_gets_404_on_every_page_and_download(self):
        self.authenticate("as_portal_b", "as_portal_b")
        secrets = (
            "SN-ALPHA-1",
            "Customer Alpha",
            "Alpha heater leaks",
            "Alpha knobs broken",
            self.settlement_a.name,
        )
        urls = [
            f"/my/after-sales/cards/{self.card_a.id}",
            f"/my/after-sales/claims/{self.claim_a.id}",
            f"/my/after-sales/claims/{self.claim_a.id}/edit",
            f"/my/after-sales/claims/{self.claim_a.id}?report_type=pdf",
            f"/my/after-sales/claims/{self.claim_a.id}?report_type=html",
            f"/my/after-sales/claims/{self.claim_a.id}/photo/{self.photo_a.id}",
            f"/my/after-sales/claims/new?card_id={self.card_a.id}",
            f"/my/after-sales/returns/{self.return_a.id}",
            f"/my/after-sales/returns/{self.return_a.id}/edit",
            f"/my/after-sales/returns/{self.return_a.id}?report_type=html",
            f"/my/after-sales/parts/{self.parts_a.id}",
            f"/my/after-sales/parts/{self.parts_a.id}/edit",
            f"/my/after-sales/settlements/{self.settlement_a.id}",
            f"/my/after-sales/settlements/{self.settlement_a.id}?report_type=pdf",
            f"/my/after-sales/settlements/{self.settlement_a.id}?report_type=html",
            f"/my/after-sales/fund/{self.contract_a.id}",
            f"/my/after-sales/claims/{self.claim_b.id}/photo/{self.photo_a.id}",
        ]
        for url in urls:
            response = self.url_open(url)
            self.assertIn(response.status_code, (403, 404), url)
            for secret in secrets:
                self.assertNotIn(secret, response.text, url)
        self.assertNotIn(PNG, response.content)

    def test_other_dealer_post_actions_are_refused(self):
        self.authenticate("as_portal_b", "as_portal_b")
        token = self._csrf()
        posts = {
            f"/my/after-sales/claims/{self.claim_a.id}/edit": {
                "call_time": "2026-01-01T10:00",
                "symptom": "HACKED",
            },
            f"/my/after-sales/claims/{self.claim_a.id}/submit": {},
            f"/my/after-sales/returns/{self.return_a.id}/edit": {
                "date_defect": "2026-01-01",
                "line_0_product_id": str(self.knob.id),
                "line_0_reason": "HACKED",
            },
            f"/my/after-sales/returns/{self.return_a.id}/submit": {},
            f"/my/after-sales/parts/{self.parts_a.id}/edit": {
                "line_0_product_id": str(self.knob.id),
                "line_0_quantity": "99",
            },
            f"/my/after-sales/parts/{self.parts_a.id}/submit": {},
            f"/my/after-sales/settlements/{self.settlement_a.id}/confirm": {},
            f"/my/after-sales/settlements/{self.settlement_a.id}/dispute": {"comment": "HACKED"},
            f"/my/after-sales/claims/{self.claim_a.id}/message": {"body": "HACKED"},
            f"/my/after-sales/cards/{self.card_a.id}/message": {"body": "HACKED"},
            f"/my/after-sales/claims/new?card_id={self.card_a.id}": {
                "call_time": "2026-01-01T10:00",
                "symptom": "HACKED",
            },
        }
        for url, data in posts.items():
            response = self.url_open(url, data=dict(data, csrf_token=token))
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("Alpha", response.text, url)
        response = self.url_open(
            f"/my/after-sales/claims/{self.claim_a.id}/photos",
            data={"csrf_token": token, "category": "fault"},
            files={"photos": ("x.png", PNG, "image/png")},
        )
        self.assertEqual(response.status_code, 404)
        result = self.make_jsonrpc_request(
            f"/my/after-sales/claims/{self.claim_a.id}/sign/customer",
            {"name": "X", "signature": base64.b64encode(PNG).decode()},
        )
        self.assertIn("error", result)
        self.env.invalidate_all()
        self.assertEqual(self.claim_a.state, "draft")
        self.assertEqual(self.claim_a.symptom, "Alpha heater leaks")
        self.assertFalse(self.claim_a.customer_signature)
        self.assertEqual(self.return_a.state, "draft")
        self.assertEqual(self.parts_a.state, "draft")
        self.assertEqual(self.parts_a.line_ids.quantity, 3)
        self.assertEqual(self.settlement_a.state, "notified")
        self.assertEqual(self.claim_a.attachment_count, 1)
        self.assertFalse(self.env["after_sales.claim"].search([("symptom", "=", "HACKED")]))
        self.assertFalse(
            self.env["mail.message"].search([("body", "ilike", "HACKED")]),
            "no message posted on another dealer's records",
        )

    def test_every_post_needs_the_csrf_token(self):
        self.authenticate("as_portal_a", "as_portal_a")
        posts = [
            "/my/after-sales/cards/new",
            "/my/after-sales/cards/import",
            f"/my/after-sales/claims/new?card_id={self.card_a.id}",
            f"/my/after-sales/claims/{self.claim_a.id}/edit",
            f"/my/after-sales/claims/{self.claim_a.id}/submit",
            f"/my/after-sales/claims/{self.claim_a.id}/photos",
            f"/my/after-sales/claims/{self.claim_a.id}/message",
            "/my/after-sales/returns/new",
            f"/my/after-sales/returns/{self.return_a.id}/submit",
            "/my/after-sales/parts/new",
            f"/my/after-sales/parts/{self.parts_a.id}/submit",
            f"/my/after-sales/settlements/{self.settlement_a.id}/confirm",
            f"/my/after-sales/settlements/{self.settlement_a.id}/dispute",
            f"/my/after-sales/monthly/{self.monthly_a.id}/submit",
        ]
        for url in posts:
            response = self.url_open(url, data={"symptom": "x", "comment": "x", "body": "x"})
            self.assertEqual(response.status_code, 400, url)
        self.env.invalidate_all()
        self.assertEqual(self.claim_a.state, "draft")
        self.assertEqual(self.return_a.state, "draft")
        self.assertEqual(self.parts_a.state, "draft")
        self.assertEqual(self.settlement_a.state, "notified")

    # ------------------------------------------------------------
    # Settlements and notices
    # ------------------------------------------------------------
    def test_portal_sees_settlements_from_the_notice_on(self):
        Settlement = self.env["after_sales.settlement"].with_user(self.user_a)
        self.assertEqual(Settlement.search([]), self.settlement_a)
        self.settlement_a.write({"state": "draft"})
        self.assertFalse(Settlement.search([]), "a draft is not the dealer's yet")
        self.settlement_a.write({"state": "cancel"})
        self.assertFalse(Settlement.search([]), "a cancelled settlement is not shown")
        self.authenticate("as_portal_a", "as_portal_a")
        response = self.url_open(f"/my/after-sales/settlements/{self.settlement_a.id}")
        self.assertEqual(response.status_code, 404)

    def test_notice_pdf_downloads(self):
        self.authenticate("as_portal_a", "as_portal_a")
        response = self.url_open(
            f"/my/after-sales/settlements/{self.settlement_a.id}?report_type=pdf&download=true"
        )
        self.assertEqual(response.status_code, 200)
        # tests render reports as HTML (no wkhtmltopdf run), served as the PDF download
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("三包费用核销通知", response.content.decode())
        self.assertIn(self.dealer_a.name, response.content.decode())
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        html = self.url_open(f"/my/after-sales/settlements/{self.settlement_a.id}?report_type=html")
        self.assertIn("三包费用核销通知", html.content.decode())
        statement = self.url_open(
            f"/my/after-sales/settlements/{self.settlement_a.id}?report_type=pdf&statement=1"
        )
        self.assertEqual(statement.status_code, 200)
        self.assertEqual(statement.headers["Content-Type"], "application/pdf")
        receipt = self.url_open(f"/my/after-sales/claims/{self.claim_a.id}?report_type=pdf")
        self.assertEqual(receipt.status_code, 200)
        self.assertIn(self.claim_a.name, receipt.content.decode())

    def test_notice_link_with_access_token_works_without_login(self):
        token = self.settlement_a.access_token
        url = f"/my/after-sales/settlements/{self.settlement_a.id}"
        anonymous = self.url_open(url)
        self.assertNotIn(self.settlement_a.name, anonymous.text)
        response = self.url_open(f"{url}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.settlement_a.name, response.text)
        self.assertIn("o_as_confirm", response.text)
        wrong = self.url_open(f"{url}?access_token=not-the-token")
        self.assertEqual(wrong.status_code, 404)
        pdf = self.url_open(f"{url}?access_token={token}&report_type=pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        # the notice mail's button leads there with the token
        share = self.settlement_a._get_share_url(redirect=False)
        self.assertIn(f"access_token={token}", share)
        self.assertTrue(share.startswith(url))
        # the dealer answers from the mail's link, in the dealer's name
        csrf = response.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        self.url_open(
            f"{url}/message", data={"csrf_token": csrf, "access_token": token, "body": "Seen."}
        )
        message = self.settlement_a.message_ids.filtered(lambda m: "Seen." in m.body)
        self.assertEqual(message.author_id, self.dealer_a)
        other = self.url_open(
            f"/my/after-sales/settlements/{self.settlement_b.id}?access_token={token}"
        )
        self.assertEqual(other.status_code, 404, "a token opens its own settlement only")

    def test_dealer_confirms_the_notice_over_http(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        response = self.url_open(
            f"/my/after-sales/settlements/{self.settlement_a.id}/confirm",
            data={"csrf_token": token},
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.settlement_a.state, "confirmed")
        self.assertEqual(self.settlement_a.confirmed_by, self.user_a.name)
        self.assertEqual(self.settlement_b.state, "notified")
        self.assertTrue(
            self.settlement_a.message_ids.filtered(lambda m: m.author_id == self.user_a.partner_id)
        )

    def test_dispute_returns_the_notice_to_the_desk(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        response = self.url_open(
            f"/my/after-sales/settlements/{self.settlement_a.id}/dispute",
            data={"csrf_token": token, "comment": ""},
        )
        self.env.invalidate_all()
        self.assertEqual(self.settlement_a.state, "notified", "a dispute needs a comment")
        response = self.url_open(
            f"/my/after-sales/settlements/{self.settlement_a.id}/dispute",
            data={"csrf_token": token, "comment": "Claim 3 is missing"},
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.settlement_a.state, "draft")
        activity = self.settlement_a.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.desk)
        self.assertIn("Claim 3 is missing", activity.note)
        message = self.settlement_a.message_ids.filtered(
            lambda m: m.author_id == self.user_a.partner_id
        )
        self.assertIn("Claim 3 is missing", message.body)

    # ------------------------------------------------------------
    # Writing over HTTP
    # ------------------------------------------------------------
    def test_register_card_over_http(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        data = {
            "csrf_token": token,
            "product_id": str(self.heater.id),
            "serial": "SN-NEW-1",
            "customer_name": "New Customer",
            "customer_phone": "13911112222",
            "customer_address": "1 Road",
            "sale_date": str(self.today),
            "invoice_number": "INV-NEW",
        }
        response = self.url_open("/my/after-sales/cards/new", data=data)
        self.assertEqual(response.status_code, 200)
        card = self.env["after_sales.warranty.card"].search([("lot_id.name", "=", "SN-NEW-1")])
        self.assertEqual(card.dealer_id, self.dealer_a)
        self.assertEqual(card.state, "registered")
        self.assertEqual(card.contract_id, self.contract_a)
        self.assertEqual(card.customer_id.name, "New Customer")
        # the same serial again is refused with the existing card named
        response = self.url_open("/my/after-sales/cards/new", data=data)
        self.assertIn("o_as_error", response.text)
        self.assertIn(card.name, response.text)
        self.assertEqual(
            self.env["after_sales.warranty.card"].search_count([("lot_id.name", "=", "SN-NEW-1")]),
            1,
        )
        # another dealer's serial: refused without naming its card or its dealer
        response = self.url_open("/my/after-sales/cards/new", data=dict(data, serial="SN-BRAVO-1"))
        self.assertIn("o_as_error", response.text)
        self.assertIn("SN-BRAVO-1", response.text)
        self.assertNotIn(self.card_b.name, response.text)
        self.assertNotIn(self.dealer_b.name, response.text)

    def test_import_forces_the_portal_dealer(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        csv_content = (
            "Product Code,Serial Number,Dealer,Sale Date,Customer Name\n"
            f"PH-100,SN-IMP-1,{self.dealer_b.name},{self.today},Imp One\n"
            f"PH-100,SN-IMP-2,,{self.today},Imp Two\n"
            f"PH-100,SN-BRAVO-1,,{self.today},Imp Three\n"
        ).encode()
        response = self.url_open(
            "/my/after-sales/cards/import",
            data={"csrf_token": token, "mode": "good_rows"},
            files={"upload": ("cards.csv", io.BytesIO(csv_content), "text/csv")},
        )
        self.assertEqual(response.status_code, 200)
        cards = self.env["after_sales.warranty.card"].search(
            [("lot_id.name", "in", ("SN-IMP-1", "SN-IMP-2"))]
        )
        # the wizard imports for the portal dealer: the row naming another dealer is refused,
        # the row without a dealer is the portal dealer's
        self.assertEqual(cards.lot_id.mapped("name"), ["SN-IMP-2"])
        self.assertEqual(cards.dealer_id, self.dealer_a, "the file cannot name another dealer")
        portal_env = self.env(context={"lang": self.user_a.lang})
        self.assertIn(
            portal_env._(
                "This file registers the cards of %(dealer)s: the row names another dealer.",
                dealer=self.dealer_a.name,
            ),
            response.text,
        )
        self.assertIn("此文件只登记", response.text, "refused in the dealer's language")
        self.assertIn("o_as_import_error", response.text)
        self.assertIn("SN-BRAVO-1", response.text)
        self.assertIn("data:text/csv;base64,", response.text)
        self.assertNotIn(self.card_b.name, response.text, "no other dealer's card named")
        self.assertNotIn(self.dealer_b.name, response.text)

    def test_claim_signature_and_photo_over_http(self):
        self.authenticate("as_portal_a", "as_portal_a")
        token = self._csrf()
        response = self.url_open(
            f"/my/after-sales/claims/{self.claim_a.id}/photos",
            data={"csrf_token": token, "category": "nameplate"},
            files={"photos": ("plate.png", PNG, "image/png")},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.claim_a.attachment_count, 2)
        response = self.url_open(
            f"/my/after-sales/claims/{self.claim_a.id}/photos",
            data={"csrf_token": token, "category": "fault"},
            files={"photos": ("evil.html", b"<script>alert(1)</script>", "text/html")},
        )
        self.assertIn("o_as_error", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.claim_a.attachment_count, 2, "not a photo: nothing attached")
        result = self.make_jsonrpc_request(
            f"/my/after-sales/claims/{self.claim_a.id}/sign/technician",
            {"name": "Tech Li", "signature": base64.b64encode(PNG).decode()},
        )
        self.assertTrue(result.get("force_refresh"), json.dumps(result))
        self.env.invalidate_all()
        self.assertTrue(self.claim_a.technician_signature)
        self.assertEqual(self.claim_a.technician_name, "Tech Li")

    # ------------------------------------------------------------
    # Fund and monthly duties
    # ------------------------------------------------------------
    def test_fund_ledger_by_quarter(self):
        year, quarter = self._previous_quarter()
        first_month = (quarter - 1) * 3 + 1
        self.contract_a._fund_post(
            "consumption",
            -120.0,
            self.today.replace(year=year, month=first_month, day=10),
            "Old quarter parts",
        )
        self.authenticate("as_portal_a", "as_portal_a")
        page = self.url_open("/my/after-sales/fund").text
        self.assertIn("Accrual Portal Dealer Alpha", page, "the current quarter by default")
        self.assertNotIn("Old quarter parts", page)
        self.assertIn("380.00", page, "balance today: 500 - 120")
        page = self.url_open(
            f"/my/after-sales/fund/{self.contract_a.id}?quarter={year}-{quarter}"
        ).text
        self.assertIn("Old quarter parts", page)
        self.assertNotIn("Accrual Portal Dealer Alpha", page)
        self.authenticate("as_portal_sub", "as_portal_sub")
        page = self.url_open("/my/after-sales/fund").text
        self.assertNotIn("Old quarter parts", page, "the dealer's fund is not the sub-dealer's")

    def test_monthly_duties(self):
        self.authenticate("as_portal_a", "as_portal_a")
        last_month = (self.today.replace(day=1) - timedelta(days=1)).replace(day=1)
        due = self.today.replace(day=self.contract_a.report_day)
        page = self.url_open("/my/after-sales/monthly").text
        open_status = "late" if self.today > due else "due"
        self.assertGreaterEqual(page.count(f"o_as_duty_{open_status}"), 3)
        token = self._csrf()
        self.assertEqual(self.monthly_a.month, last_month)
        response = self.url_open(
            f"/my/after-sales/monthly/{self.monthly_a.id}/submit",
            data={"csrf_token": token},
            files={"upload": ("repairs.xlsx", b"report", "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 200)
        done = "submitted_late" if self.today > due else "submitted"
        self.assertIn(f"o_as_duty o_as_duty_{done}", response.text)
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "after_sales.monthly.submission"),
                ("res_id", "=", self.monthly_a.id),
            ]
        )
        self.assertEqual(len(attachment), 1)
        self.assertEqual(
            self.url_open(f"/my/after-sales/monthly/file/{attachment.id}").content, b"report"
        )
        self.authenticate("as_portal_b", "as_portal_b")
        response = self.url_open(f"/my/after-sales/monthly/file/{attachment.id}")
        self.assertEqual(response.status_code, 404)
        self.assertNotEqual(response.content, b"report")

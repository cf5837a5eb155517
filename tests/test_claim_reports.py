import base64
from datetime import date, datetime

from odoo.tests import tagged
from odoo.tools.misc import format_date

from .common_service import ServiceCase

# A 1x1 PNG standing for a drawn signature.
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
)


@tagged("post_install", "-at_install")
class TestClaimReports(ServiceCase):
    def _render(self, report_ref, claims):
        html, __ = self.env["ir.actions.report"]._render_qweb_html(report_ref, claims.ids)
        return html.decode() if isinstance(html, bytes) else html

    def test_service_receipt_has_every_r22_field_in_both_copies(self):
        self.company.name = "Sunrise Appliances (日升电器)"
        claim = self._claim(
            completion_time=datetime(2026, 5, 6, 10, 0),
            cause="加热管老化 Heating element worn out",
            solution="更换加热管 Replaced the heating element",
            result="ok",
            technician_name="Zhou Gong (周工)",
            customer_signature=SIGNATURE,
            technician_signature=SIGNATURE,
        )
        html = self._render("after_sales_service.action_report_after_sales_service_receipt", claim)
        self.assertIn("客户联", html)
        self.assertIn("服务联", html)
        self.assertEqual(html.count('class="o_as_receipt_copy"'), 2)
        for value in (
            "Sunrise Appliances (日升电器)",
            format_date(self.env, date(2026, 5, 6)),
            "加热管老化 Heating element worn out",
            "更换加热管 Replaced the heating element",
            "Zhou Gong (周工)",
            claim.name,
            "Noto Sans CJK SC",
        ):
            with self.subTest(value=value):
                self.assertEqual(html.count(value), 2 if value != "Noto Sans CJK SC" else 1)
        self.assertEqual(html.count("☑</span> OK"), 2, "result OK ticked on both copies")
        self.assertEqual(html.count("data:image/png;base64,"), 4, "two signatures per copy")
        for label in ("维修日期", "故障原因", "解决办法", "是否OK", "维修人员签字", "客户签字"):
            with self.subTest(label=label):
                self.assertEqual(html.count(label), 2)

    def test_service_receipt_names_the_dealer_and_hides_no_text(self):
        """Issue 12.13: the servicing dealer is named; a long diagnosis wraps and continues
        instead of being cut, on both copies."""
        self.dealer.phone = "0571-8888 1234"
        long_cause = "加热管内部结垢严重导致干烧，" * 60 + "END-OF-CAUSE"
        long_solution = "Replaced-the-heating-element-and-the-thermostat-" * 20 + "END-OF-SOLUTION"
        claim = self._claim(
            self._card(dealer_id=self.subdealer.id),
            cause=long_cause,
            solution=long_solution,
            symptom="不出热水 " * 100 + "END-OF-SYMPTOM",
        )
        html = self._render("after_sales_service.action_report_after_sales_service_receipt", claim)
        self.assertEqual(html.count('class="o_as_receipt_copy"'), 2)
        self.assertEqual(html.count("Sub-dealer Kunshan"), 2)
        self.assertEqual(html.count("服务商 Servicing Dealer"), 2)
        for text in (long_cause, long_solution, "END-OF-SYMPTOM"):
            with self.subTest(text=text[:20]):
                self.assertEqual(html.count(text), 2, "complete on both copies")
        self.assertNotIn("overflow: hidden", html)
        self.assertIn("overflow-wrap: anywhere", html)

    def test_documents_carry_the_company_day_whoever_prints(self):
        """A repair finished at 01:30 on 20 March in Shanghai (17:30 UTC on the 19th): the
        receipt and the claim form say the 20th, also printed by a user in UTC."""
        self.company.partner_id.tz = "Asia/Shanghai"
        self.user_desk.tz = "UTC"
        claim = self._claim(
            call_time=datetime(2026, 3, 19, 16, 10),
            completion_time=datetime(2026, 3, 19, 17, 30),
        )
        Report = self.env["ir.actions.report"].with_user(self.user_desk)
        receipt = Report._render_qweb_html(
            "after_sales_service.action_report_after_sales_service_receipt", claim.ids
        )[0].decode()
        self.assertEqual(receipt.count(format_date(self.env, date(2026, 3, 20))), 2)
        self.assertNotIn(format_date(self.env, date(2026, 3, 19)), receipt)
        form = Report._render_qweb_html(
            "after_sales_service.action_report_after_sales_claim", claim.ids
        )[0].decode()
        day = format_date(self.env, date(2026, 3, 20))
        self.assertIn(f"{day} 00:10:00", form, "called at 00:10 in Shanghai")
        self.assertIn(f"{day} 01:30:00", form)

    def test_claim_form_report(self):
        claim = self._claim(symptom="不出热水 No hot water", technician_name="Zhou")
        claim.write(
            {
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "line_type": "part",
                            "product_id": self.element.id,
                            "old_lot_name": "OLD-77",
                            "new_lot_name": "NEW-77",
                        },
                    ),
                ]
            }
        )
        html = self._render("after_sales_service.action_report_after_sales_claim", claim)
        self.assertIn("三包维修记录", html)
        self.assertIn("不出热水 No hot water", html)
        self.assertIn("OLD-77", html)
        self.assertIn("NEW-77", html)
        self.assertIn(claim.card_id.name, html)

    def test_views_load_for_the_service_desk(self):
        """Every view of cards, claims and the wizards opens for a service desk user."""
        views = {
            "after_sales.warranty.card": ["list", "form", "search"],
            "after_sales.claim": ["list", "form", "kanban", "calendar", "pivot", "graph", "search"],
            "after_sales.claim.reject": ["form"],
            "after_sales.warranty.card.import": ["form"],
        }
        for model, kinds in views.items():
            with self.subTest(model=model):
                result = (
                    self.env[model]
                    .with_user(self.user_desk)
                    .get_views([(False, kind) for kind in kinds])
                )
                self.assertEqual(set(result["views"]), set(kinds))
        for xmlid in (
            "after_sales_service.after_sales_warranty_card_action",
            "after_sales_service.after_sales_claim_action",
            "after_sales_service.after_sales_warranty_card_import_action",
        ):
            action = self.env["ir.actions.act_window"].with_user(self.user_desk)._for_xml_id(xmlid)
            self.assertTrue(action["res_model"])

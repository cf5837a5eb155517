import base64
import csv
import io
from datetime import date

import openpyxl

from odoo.exceptions import ValidationError
from odoo.tests import Form, freeze_time, tagged

from .common_service import ServiceCase

HEADERS = (
    "Product Code,Serial Number,Dealer,Sale Date,Received Date,Customer Name,Customer Phone,"
    "Customer Address"
)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestCardImportFormats(ServiceCase):
    """Issue 12 items 9-12: files read as they are (row numbers, quotes, separators,
    encodings), text limits, the form and the import agreeing, drafts completed, customers
    matched by phone, the company's numbering and a template."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.hood_lot = cls._lot(cls.hood, "SN-HOOD-7")

    def _wizard(self, content, mode="all_or_nothing", filename="cards.csv"):
        return (
            self.env["after_sales.warranty.card.import"]
            .with_user(self.user_desk)
            .create({"file": base64.b64encode(content), "filename": filename, "mode": mode})
        )

    def _import(self, content, mode="all_or_nothing", filename="cards.csv"):
        wizard = self._wizard(content, mode, filename)
        wizard.action_import()
        return wizard

    def _errors(self, content, filename="cards.csv"):
        """The row errors of ``content``, checked without saving anything."""
        wizard = self._wizard(content, filename=filename)
        return wizard._check_rows(*wizard._read_file())[1]

    def test_quotes_separators_and_blank_rows(self):
        text = (
            "\n"  # a blank line before the header: the header is row 2
            f"{HEADERS}\n"
            'T-WH-60,SN-Q1,Dealer Shunda,2026-06-01,2026-06-05,"Wang, Fang","138 0013 8000",'
            '"5 Huaihai Road, Room ""A"""\n'
            ",,,,,,,\n"
            "\n"
            "T-WH-60,SN-Q2,Nobody Ltd,2026-06-01,2026-06-05,Li Lei,13800138001,x\n"
        ).encode()
        errors = self._errors(text)
        self.assertEqual([(e["row"], e["column"]) for e in errors], [(6, "Dealer")])
        wizard = self._import(text, mode="good_rows")
        self.assertEqual(wizard.imported_count, 1)
        card = wizard.card_ids
        self.assertEqual(card.customer_name, "Wang, Fang")
        self.assertEqual(card.customer_phone, "138 0013 8000")
        self.assertEqual(card.customer_address, '5 Huaihai Road, Room "A"')
        self.assertEqual(card.state, "registered")
        self.assertIn("<td>6</td>", wizard.error_report)

    def test_dates_written_with_their_time(self):
        """A spreadsheet saved as CSV writes date cells with a time; the day is the date. A
        time that is not one is still refused."""
        text = (
            f"{HEADERS}\n"
            "T-WH-60,SN-DT1,Dealer Shunda,2026-06-01 00:00:00,2026/6/5 0:00,Li Lei,13800138001,x\n"
            "T-WH-60,SN-DT2,Dealer Shunda,2026-06-02T00:00,2026-06-06,Li Lei,13800138002,x\n"
            "T-WH-60,SN-DT3,Dealer Shunda,2026-06-02 noon,2026-06-06,Li Lei,13800138003,x\n"
        ).encode()
        errors = self._errors(text)
        self.assertEqual([(e["row"], e["column"]) for e in errors], [(4, "Sale Date")])
        wizard = self._import(text, mode="good_rows")
        self.assertEqual(
            wizard.card_ids.sorted("id").mapped(lambda c: (c.sale_date, c.date_received)),
            [(date(2026, 6, 1), date(2026, 6, 5)), (date(2026, 6, 2), date(2026, 6, 6))],
        )

    def test_semicolons_and_chinese_encodings(self):
        header = "产品编码;序列号;经销商;销售日期;收卡日期;客户姓名;联系电话;地址"
        for encoding, bom in (
            ("gbk", b""),
            ("gb18030", b""),
            ("utf-8", b""),
            ("utf-8", b"\xef\xbb\xbf"),
        ):
            with self.subTest(encoding=encoding, bom=bool(bom)):
                serial = f"SN-ENC-{encoding}-{len(bom)}"
                text = (
                    f"{header}\nT-WH-60;{serial};Dealer Shunda;2026/06/01;2026/06/03;"
                    "王芳;13900001111;上海市南京路1号\n"
                )
                wizard = self._import(bom + text.encode(encoding))
                self.assertEqual(wizard.error_count, 0, wizard.error_report)
                self.assertEqual(wizard.card_ids.customer_name, "王芳")
                self.assertEqual(wizard.card_ids.customer_address, "上海市南京路1号")
                self.assertEqual(wizard.card_ids.lot_id.name, serial)

    def test_text_limits_and_future_received_date(self):
        rows = [
            "T-WH-60,SN-L1,Dealer Shunda,2026-06-01,2026-06-05,Li," + "1" * 33 + ",x",
            "T-WH-60,SN-L2,Dealer Shunda,2026-06-01,2026-06-16,Li,13800138000,x",
            "T-WH-60,SN-L3,Dealer Shunda,2026-06-01,2026-06-05," + "N" * 129 + ",13800138000,x",
        ]
        content = ("\n".join([HEADERS, *rows]) + "\n").encode()
        wizard = self._import(content)
        self.assertEqual(wizard.imported_count, 0)
        errors = self._errors(content)
        self.assertEqual(
            [(e["row"], e["column"]) for e in errors],
            [(2, "Customer Phone"), (3, "Received Date"), (4, "Customer Name")],
        )
        self.assertIn("Longer than 32 characters", errors[0]["reason"])
        self.assertIn("received date is in the future", errors[1]["reason"])
        # the form refuses the same received date
        with self.assertRaisesRegex(ValidationError, "received date 2026-06-16 is in the future"):
            self._card(register=False, sale_date=date(2026, 6, 1), date_received=date(2026, 6, 16))

    def test_form_and_import_agree_on_a_serial_of_another_product(self):
        twin = self.env["stock.lot"].create(
            {"product_id": self.heater.id, "name": "SN-HOOD-7", "company_id": self.company.id}
        )
        with self.assertRaises(ValidationError) as caught:  # in a savepoint: nothing stays
            self._card(register=False, lot_id=twin.id)
        self.assertIn(
            "serial SN-HOOD-7 belongs to another product: [T-RH-900] Range Hood",
            str(caught.exception),
        )
        (error,) = self._errors(
            f"{HEADERS}\nT-WH-60,SN-HOOD-7,Dealer Shunda,2026-06-01,2026-06-05,Li,"
            "13800138000,x\n".encode()
        )
        self.assertEqual(error["column"], "Serial Number")
        self.assertIn("belongs to another product: [T-RH-900] Range Hood", error["reason"])

    def test_import_completes_draft_cards_from_deliveries(self):
        lot = self._lot(self.heater, "SN-DELIVERED-1")
        draft = self.env["after_sales.warranty.card"].create(
            {"dealer_id": self.dealer.id, "product_id": self.heater.id, "lot_id": lot.id}
        )
        self.assertEqual(draft.state, "draft")
        wizard = self._import(
            f"{HEADERS}\nT-WH-60,SN-DELIVERED-1,Sub-dealer Kunshan,2026-06-01,2026-06-05,"
            "Zhou Min,13811110000,x\n".encode()
        )
        self.assertEqual(wizard.error_count, 0, wizard.error_report)
        self.assertEqual(wizard.card_ids, draft)
        self.assertEqual(draft.state, "registered")
        self.assertEqual(draft.dealer_id, self.subdealer)
        self.assertEqual(draft.customer_id.name, "Zhou Min")
        self.assertEqual(draft.sale_date, date(2026, 6, 1))
        # delivered to Shunda: another dealer's row is refused
        other = self._lot(self.heater, "SN-DELIVERED-2")
        self.env["after_sales.warranty.card"].create(
            {"dealer_id": self.dealer.id, "product_id": self.heater.id, "lot_id": other.id}
        )
        self._running_contract(self.other_dealer)
        (error,) = self._errors(
            f"{HEADERS}\nT-WH-60,SN-DELIVERED-2,Dealer Jiahe,2026-06-01,2026-06-05,"
            "Zhou Min,13811110000,x\n".encode()
        )
        self.assertIn("was delivered to Dealer Shunda", error["reason"])

    def test_customers_matched_by_phone_in_the_company(self):
        known = self.env["res.partner"].create(
            {"name": "Qian Wei", "phone": "13955556666", "company_id": self.company.id}
        )
        elsewhere = self.env["res.company"].create({"name": "Elsewhere Co."})
        self.env["res.partner"].create(
            {"name": "Not Here", "phone": "13977778888", "company_id": elsewhere.id}
        )
        wizard = self._import(
            (
                f"{HEADERS}\n"
                "T-WH-60,SN-P1,Dealer Shunda,2026-06-01,2026-06-05,Qian Wei,13955556666,x\n"
                "T-WH-60,SN-P2,Dealer Shunda,2026-06-01,2026-06-05,Zhao Lei,13977778888,y\n"
                "T-WH-60,SN-P3,Dealer Shunda,2026-06-01,2026-06-05,Zhao Lei,13977778888,y\n"
            ).encode()
        )
        cards = wizard.card_ids.sorted(lambda c: c.lot_id.name)
        self.assertEqual(cards[0].customer_id, known)
        self.assertNotEqual(cards[1].customer_id.name, "Not Here")
        self.assertEqual(cards[1].customer_id.company_id, self.company)
        self.assertEqual(cards[1].customer_id, cards[2].customer_id, "one new customer")

    def test_card_numbers_from_the_company_sequence(self):
        other = self.env["res.company"].create({"name": "Numbered Co."})
        self.env["ir.sequence"].create(
            {
                "name": "Cards of Numbered Co.",
                "code": "after_sales.warranty.card",
                "prefix": "NC-",
                "padding": 3,
                "company_id": other.id,
            }
        )
        Card = self.env["after_sales.warranty.card"]
        self.assertEqual(Card._next_card_numbers(2, other), ["NC-001", "NC-002"])
        self.assertEqual(Card._next_card_numbers(1, other), ["NC-003"])
        self.assertTrue(Card._next_card_numbers(1, self.company)[0].startswith("WC/"))

    def test_template_download_and_safe_bad_rows(self):
        wizard = (
            self.env["after_sales.warranty.card.import"]
            .with_user(self.user_desk)
            .create({"file": base64.b64encode(b"x"), "filename": "x.csv"})
        )
        action = wizard.action_download_template()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3][:-14]))
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(len(rows), 2, "headers and one example row")
        self.assertEqual(rows[0][0], "产品编码 / Product Code")
        self.assertEqual(rows[0][1], "序列号 / Serial Number")
        self.assertEqual(rows[1][1], "SN20260001")
        # the template is read back by the import: only the example's data is wrong
        errors = self._errors(base64.b64decode(attachment.datas), filename="template.xlsx")
        self.assertEqual({e["row"] for e in errors}, {2})
        self.assertNotIn("Serial Number", {e["column"] for e in errors})
        # a bad row's cells come back as text, never as formulas
        content = (
            f"{HEADERS}\n"
            'T-WH-60,SN-F1,Nobody Ltd,2026-06-01,2026-06-05,"=HYPERLINK(""http://x"")",'
            "+8613800138000,@SUM(A1)\n"
        ).encode()
        bad = self._import(content, mode="good_rows")
        returned = base64.b64decode(bad.bad_rows_file).decode("utf-8-sig")
        (__, line) = list(csv.reader(io.StringIO(returned)))
        self.assertEqual(line[5], '\'=HYPERLINK("http://x")')
        self.assertEqual(line[6], "'+8613800138000")
        self.assertEqual(line[7], "'@SUM(A1)")
        self.assertFalse(any(cell.startswith(("=", "+", "-", "@")) for cell in line))

    def test_form_asks_nothing_of_a_draft(self):
        form = Form(self.env["after_sales.warranty.card"].with_user(self.user_desk))
        form.dealer_id = self.dealer
        form.product_id = self.heater
        form.lot_id = self._lot()
        card = form.save()
        self.assertEqual(card.state, "draft")
        self.assertEqual(card.contract_id, self.contract)

    def test_another_company_card_is_not_named(self):
        other = self.env["res.company"].create({"name": "Far Away Co."})
        lot = self.env["stock.lot"].create(
            {"product_id": self.heater.id, "name": "SN-SHARED-9", "company_id": False}
        )
        far_dealer = self.env["res.partner"].create(
            {"name": "Dealer Faraway", "is_company": True, "company_id": other.id}
        )
        far_card = self.env["after_sales.warranty.card"].create(
            {
                "company_id": other.id,
                "dealer_id": far_dealer.id,
                "product_id": self.heater.id,
                "lot_id": lot.id,
            }
        )
        (error,) = self._errors(
            f"{HEADERS}\nT-WH-60,SN-SHARED-9,Dealer Shunda,2026-06-01,2026-06-05,Li,"
            "13800138000,x\n".encode()
        )
        self.assertIn("already has a warranty card in another company", error["reason"])
        self.assertNotIn(far_card.name, error["reason"])
        self.assertNotIn("Faraway", error["reason"])

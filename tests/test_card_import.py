import base64
import csv
import io
from datetime import datetime, timedelta
from unittest.mock import patch

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..wizard import after_sales_warranty_card_import as card_import
from .common_service import ServiceCase

HEADERS = [
    "Product Code",
    "Serial Number",
    "Dealer",
    "Sale Date",
    "Received Date",
    "Customer Name",
    "Customer Phone",
    "Customer Address",
    "Invoice Number",
]


@tagged("post_install", "-at_install")
class TestCardImport(ServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sale = cls.today - timedelta(days=30)
        cls.received = cls.today - timedelta(days=20)
        Product = cls.env["product.product"]
        Product.create(
            [
                {
                    "name": "Twin A",
                    "default_code": "T-DUP",
                    "tracking": "serial",
                    "is_storable": True,
                },
                {
                    "name": "Twin B",
                    "default_code": "T-DUP",
                    "tracking": "serial",
                    "is_storable": True,
                },
            ]
        )
        cls.env["res.partner"].create(
            [{"name": "Twin Dealer", "is_company": True}, {"name": "Twin Dealer"}]
        )
        cls.dealer.ref = "D-SHUNDA"
        cls.hood_lot = cls._lot(cls.hood, "SN-HOOD-1")
        cls.carded = cls._card(lot_id=cls._lot(cls.heater, "SN-CARDED").id)

    def _row(self, serial, **changes):
        row = {
            "Product Code": "T-WH-60",
            "Serial Number": serial,
            "Dealer": "Dealer Shunda",
            "Sale Date": self.sale.isoformat(),
            "Received Date": self.received.isoformat(),
            "Customer Name": "Zhang San",
            "Customer Phone": "+86 138-0013-8000",
            "Customer Address": "1 Nanjing Road",
            "Invoice Number": "INV-0001",
        }
        row.update(changes)
        return [row[h] for h in HEADERS]

    def _csv(self, rows, headers=None):
        headers = headers or HEADERS
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(headers)
        writer.writerows(rows)
        return base64.b64encode(output.getvalue().encode("utf-8-sig"))

    def _wizard(self, content, mode="all_or_nothing", filename="cards.csv"):
        return (
            self.env["after_sales.warranty.card.import"]
            .with_user(self.user_desk)
            .create({"file": content, "filename": filename, "mode": mode})
        )

    def _bad_rows(self):
        """(row cells, column, reason) of every kind of bad row the import reports."""
        future = (self.today + timedelta(days=1)).isoformat()
        return [
            (
                self._row("SN-B01", **{"Product Code": ""}),
                "Product Code",
                "product code is missing",
            ),
            (
                self._row("SN-B02", **{"Product Code": "NOPE"}),
                "Product Code",
                "No product has the internal reference NOPE",
            ),
            (
                self._row("SN-B03", **{"Product Code": "T-DUP"}),
                "Product Code",
                "Several products have the internal reference T-DUP",
            ),
            (
                self._row("SN-B04", **{"Product Code": "T-ELEM"}),
                "Product Code",
                "is not tracked by serial number",
            ),
            (self._row(""), "Serial Number", "serial number is missing"),
            (self._row("SN B06"), "Serial Number", "contains spaces"),
            (self._row("S" * 65), "Serial Number", "Longer than 64 characters"),
            (
                self._row("SN-CARDED"),
                "Serial Number",
                f"already has the warranty card {self.carded.name}",
            ),
            (self._row("SN-HOOD-1"), "Serial Number", "belongs to another product"),
            (self._row("SN-B10", Dealer=""), "Dealer", "dealer is missing"),
            (self._row("SN-B11", Dealer="Nobody Ltd"), "Dealer", "No dealer is named Nobody Ltd"),
            (self._row("SN-B12", Dealer="Twin Dealer"), "Dealer", "Several partners are named"),
            (self._row("SN-B13", Dealer="Dealer Jiahe"), "Dealer", "no running service contract"),
            (self._row("SN-B14", **{"Sale Date": ""}), "Sale Date", "sale date is missing"),
            (
                self._row("SN-B15", **{"Sale Date": "2026-02-31"}),
                "Sale Date",
                "2026-02-31 is not a date",
            ),
            (
                self._row("SN-B16", **{"Sale Date": future, "Received Date": ""}),
                "Sale Date",
                "sale date is in the future",
            ),
            (
                self._row("SN-B17", **{"Received Date": "yesterday"}),
                "Received Date",
                "yesterday is not a date",
            ),
            (
                self._row("SN-B18", **{"Received Date": future}),
                "Received Date",
                "received date is in the future",
            ),
            (
                self._row(
                    "SN-B19", **{"Received Date": (self.sale - timedelta(days=1)).isoformat()}
                ),
                "Received Date",
                "received before the sale date",
            ),
            (
                self._row("SN-B20", **{"Customer Name": ""}),
                "Customer Name",
                "customer name is missing",
            ),
            (
                self._row("SN-B21", **{"Customer Name": "N" * 129}),
                "Customer Name",
                "Longer than 128 characters",
            ),
            (
                self._row("SN-B22", **{"Customer Phone": "call me"}),
                "Customer Phone",
                "call me is not a phone number",
            ),
            (
                self._row("SN-B23", **{"Invoice Number": "I" * 65}),
                "Invoice Number",
                "Longer than 64 characters",
            ),
            (
                self._row("SN-B24", **{"Customer Address": "A" * 257}),
                "Customer Address",
                "Longer than 256 characters",
            ),
        ]

    def _assert_errors(self, errors, expected):
        by_row = {}
        for error in errors:
            by_row.setdefault(error["row"], []).append(error)
        for row, column, reason in expected:
            with self.subTest(row=row, column=column):
                self.assertIn(row, by_row, f"row {row} ({reason}) not reported")
                self.assertEqual([e["column"] for e in by_row[row]], [column])
                self.assertRegex(by_row[row][0]["reason"], reason)

    def test_every_kind_of_bad_row_is_reported_and_nothing_saved(self):
        bad = self._bad_rows()
        good = [self._row("SN-G1"), self._row("SN-G2", Dealer="D-SHUNDA")]
        # A serial twice in the file: the second occurrence is the bad row.
        duplicate = self._row("SN-G1", **{"Customer Name": "Copy"})
        rows = good + [cells for cells, __, __ in bad] + [duplicate]
        expected = [(index + 4, column, reason) for index, (__, column, reason) in enumerate(bad)]
        expected.append((len(rows) + 1, "Serial Number", "SN-G1 is already on row 2 of this file"))
        self.assertGreaterEqual(len(expected), 25)
        cards_before = self.env["after_sales.warranty.card"].search_count([])
        lots_before = self.env["stock.lot"].search_count([])
        wizard = self._wizard(self._csv(rows))
        wizard.action_import()
        self.assertEqual(wizard.imported_count, 0)
        self.assertEqual(wizard.error_count, len(expected))
        self.assertEqual(self.env["after_sales.warranty.card"].search_count([]), cards_before)
        self.assertEqual(self.env["stock.lot"].search_count([]), lots_before)
        self.assertFalse(wizard.bad_rows_file)
        self.assertIn("no running service contract", wizard.error_report)
        result = wizard._import_rows(HEADERS, rows)
        self.assertFalse(result["cards"])
        self._assert_errors(result["errors"], expected)
        self.assertEqual({e["row"] for e in result["errors"]}, {row for row, __, __ in expected})

    def test_good_rows_saved_and_bad_rows_returned(self):
        bad_cells, __, __ = self._bad_rows()[10]  # unknown dealer
        late_sale = self.today - timedelta(days=60)
        rows = [
            self._row("SN-OK1"),
            bad_cells,
            self._row(
                "SN-OK2", **{"Sale Date": late_sale.strftime("%Y/%m/%d"), "Received Date": ""}
            ),
        ]
        wizard = self._wizard(self._csv(rows), mode="good_rows")
        wizard.action_import()
        self.assertEqual(wizard.imported_count, 2)
        self.assertEqual(wizard.error_count, 1)
        cards = wizard.card_ids.sorted(lambda c: c.lot_id.name)
        self.assertEqual(cards.lot_id.mapped("name"), ["SN-OK1", "SN-OK2"])
        self.assertEqual(cards.mapped("state"), ["registered", "late"])
        self.assertEqual(cards[1].date_received, self.today)
        self.assertEqual(cards[1].sale_date, late_sale)
        self.assertEqual(cards.contract_id, self.contract)
        self.assertEqual(cards[0].customer_id.name, "Zhang San")
        self.assertEqual(cards[0].customer_id.phone, "+86 138-0013-8000")
        self.assertEqual(cards[0].invoice_number, "INV-0001")
        self.assertEqual(cards.lot_id.product_id, self.heater)
        self.assertEqual(wizard.bad_rows_filename, "bad_rows_cards.csv")
        returned = base64.b64decode(wizard.bad_rows_file).decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(returned)))
        self.assertEqual(lines[0], [*HEADERS, "Errors"])
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[1][1], "SN-B11")
        self.assertEqual(lines[1][-1], "Dealer: No dealer is named Nobody Ltd.")
        action = wizard.action_view_cards()
        self.assertEqual(self.env["after_sales.warranty.card"].search(action["domain"]), cards)

    def test_xlsx_with_chinese_headers_and_date_cells(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["产品编码", "序列号", "经销商", "销售日期", "客户姓名", "联系电话"])
        sheet.append(
            [
                "T-WH-60",
                "SN-XL-1",
                "Dealer Shunda",
                datetime.combine(self.sale, datetime.min.time()),
                "王芳",
                "13900001111",
            ]
        )
        sheet.append(["T-WH-60", "SN-XL-2", "Sub-dealer Kunshan", self.sale, "李雷", None])
        sheet.append([None, None, None, None, None, None])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self._wizard(base64.b64encode(buffer.getvalue()), filename="cards.xlsx")
        wizard.action_import()
        self.assertEqual(wizard.error_count, 0, wizard.error_report)
        cards = wizard.card_ids.sorted(lambda c: c.lot_id.name)
        self.assertEqual(cards.mapped("customer_name"), ["王芳", "李雷"])
        self.assertEqual(cards.mapped("sale_date"), [self.sale, self.sale])
        self.assertEqual(cards[1].dealer_id, self.subdealer)
        self.assertEqual(cards.contract_id, self.contract, "a sub-dealer uses its parent's")

    def test_file_level_errors(self):
        with self.assertRaisesRegex(UserError, "no column Dealer"):
            self._wizard(self._csv([], headers=["Product Code", "Serial Number"])).action_import()
        with self.assertRaisesRegex(UserError, "not a readable XLSX"):
            self._wizard(base64.b64encode(b"PK not a zip"), filename="x.xlsx").action_import()

    def test_thousands_of_rows_in_one_go(self):
        rows = [self._row(f"SN-BULK-{i:05d}") for i in range(2000)]
        wizard = self._wizard(self._csv(rows))
        queries_before = self.env.cr.sql_log_count
        wizard.action_import()
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - queries_before
        self.assertLess(queries, 1000, "batched: far fewer queries than rows")
        self.assertEqual(wizard.error_count, 0)
        self.assertEqual(wizard.imported_count, 2000)
        self.assertEqual(len(set(wizard.card_ids.mapped("name"))), 2000)
        self.assertEqual(
            self.env["after_sales.warranty.card"].search_count(
                [("lot_id.name", "=like", "SN-BULK-%"), ("state", "=", "registered")]
            ),
            2000,
        )

    def test_rows_saved_chunk_by_chunk_are_one_import(self):
        """A large file is saved in chunks (the ORM cache emptied between them): every card,
        serial and customer is the same as in one go, and a customer created by an earlier
        chunk is found again by its phone."""
        existing_lot = self._lot(self.heater, "SN-CHUNK-2")
        rows = [
            self._row(f"SN-CHUNK-{i}", **{"Customer Phone": f"+86 139-0000-000{i % 3}"})
            for i in range(5)
        ]
        wizard = self._wizard(self._csv(rows))
        Wizard = type(wizard)
        chunks = []
        save_chunk = Wizard._create_cards_chunk

        def spy(wizard, good):
            chunks.append(len(good))
            return save_chunk(wizard, good)

        with (
            patch.object(card_import, "IMPORT_CHUNK", 2),
            patch.object(Wizard, "_create_cards_chunk", spy),
        ):
            wizard.action_import()
        self.assertEqual(chunks, [2, 2, 1])
        self.assertEqual((wizard.imported_count, wizard.error_count), (5, 0))
        cards = wizard.card_ids.sorted(lambda c: c.lot_id.name)
        self.assertEqual(cards.mapped("lot_id.name"), [f"SN-CHUNK-{i}" for i in range(5)])
        self.assertEqual(cards[2].lot_id, existing_lot)
        self.assertEqual(set(cards.mapped("state")), {"registered"})
        # rows 0 and 3, 1 and 4 share a phone across chunks: one customer each
        self.assertEqual(cards[0].customer_id, cards[3].customer_id)
        self.assertEqual(cards[1].customer_id, cards[4].customer_id)
        self.assertEqual(len(cards.customer_id), 3)

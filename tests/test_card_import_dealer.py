import base64
import csv
import io
from datetime import date

import openpyxl

from odoo.tests import freeze_time, tagged

from .common_service import ServiceCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestCardImportDealer(ServiceCase):
    """Issue 13: the back-office import can be given its dealer (the portal gives the uploading
    dealer): every row is that dealer's, the file needs no dealer column, a row naming another
    dealer is refused with its row number, and the template shows the column as optional."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.dealer.ref = "D-SHUNDA"

    def _wizard(self, rows, headers, dealer, mode="all_or_nothing"):
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(headers)
        writer.writerows(rows)
        return (
            self.env["after_sales.warranty.card.import"]
            .with_user(self.user_desk)
            .create(
                {
                    "file": base64.b64encode(output.getvalue().encode("utf-8-sig")),
                    "filename": "cards.csv",
                    "mode": mode,
                    "dealer_id": dealer.id,
                }
            )
        )

    def test_rows_are_the_dealers_without_a_dealer_column(self):
        wizard = self._wizard(
            [
                ["T-WH-60", "SN-DL-1", "2026-06-01", "Zhang San"],
                ["T-WH-60", "SN-DL-2", "2026-06-02", "Li Si"],
            ],
            ["Product Code", "Serial Number", "Sale Date", "Customer Name"],
            self.dealer,
        )
        wizard.action_import()
        self.assertEqual(wizard.error_count, 0, wizard.error_report)
        self.assertEqual(wizard.imported_count, 2)
        cards = wizard.card_ids.sorted(lambda c: c.lot_id.name)
        self.assertEqual(cards.lot_id.mapped("name"), ["SN-DL-1", "SN-DL-2"])
        self.assertEqual(cards.dealer_id, self.dealer)
        self.assertEqual(cards.contract_id, self.contract)
        self.assertEqual(cards.mapped("state"), ["registered", "registered"])
        self.assertEqual(cards.mapped("date_received"), [date(2026, 6, 15)] * 2, "today")

    def test_a_row_naming_another_dealer_is_refused_with_its_row(self):
        headers = ["Product Code", "Serial Number", "Dealer", "Sale Date", "Customer Name"]
        rows = [
            ["T-WH-60", "SN-DD-1", "", "2026-06-01", "Empty Dealer Cell"],  # row 2
            ["T-WH-60", "SN-DD-2", "D-SHUNDA", "2026-06-01", "By Reference"],  # row 3
            ["T-WH-60", "SN-DD-3", "Dealer Jiahe", "2026-06-01", "Another Dealer"],  # row 4
            ["T-WH-60", "SN-DD-4", "Dealer Shunda", "2026-06-01", "By Name"],  # row 5
            ["T-WH-60", "SN-DD-5", "Sub-dealer Kunshan", "2026-06-01", "Its Sub-dealer"],  # 6
        ]
        wizard = self._wizard(rows, headers, self.dealer)
        checked, errors = wizard._check_rows(*wizard._read_file())
        self.assertEqual(
            [(e["row"], e["column"], e["reason"]) for e in errors],
            [
                (
                    4,
                    "Dealer",
                    "This file registers the cards of Dealer Shunda: the row names another dealer.",
                ),
                (
                    6,
                    "Dealer",
                    "This file registers the cards of Dealer Shunda: the row names another dealer.",
                ),
            ],
        )
        self.assertEqual(len(checked), 5)
        # all or nothing: nothing saved
        wizard.action_import()
        self.assertEqual(wizard.imported_count, 0)
        self.assertEqual(wizard.error_count, 2)
        self.assertFalse(
            self.env["after_sales.warranty.card"].search([("lot_id.name", "=like", "SN-DD-%")])
        )
        # the good rows saved, the two bad ones returned
        wizard = self._wizard(rows, headers, self.dealer, mode="good_rows")
        wizard.action_import()
        self.assertEqual(wizard.imported_count, 3)
        self.assertEqual(wizard.card_ids.dealer_id, self.dealer)
        self.assertEqual(
            sorted(wizard.card_ids.lot_id.mapped("name")), ["SN-DD-1", "SN-DD-2", "SN-DD-4"]
        )
        returned = base64.b64decode(wizard.bad_rows_file).decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(returned)))
        self.assertEqual([line[1] for line in lines[1:]], ["SN-DD-3", "SN-DD-5"])

    def test_a_dealer_without_running_contract(self):
        wizard = self._wizard(
            [["T-WH-60", "SN-NC-1", "2026-06-01", "Wang Wu"]],
            ["Product Code", "Serial Number", "Sale Date", "Customer Name"],
            self.other_dealer,
        )
        errors = wizard._check_rows(*wizard._read_file())[1]
        self.assertEqual(
            [(e["row"], e["column"], e["reason"]) for e in errors],
            [(2, "Dealer", "Dealer Dealer Jiahe has no running service contract.")],
        )

    def test_template_shows_the_dealer_column_as_optional(self):
        wizard = self._wizard([], ["Product Code"], self.dealer)
        action = wizard.action_download_template()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3][:-14]))
        content = base64.b64decode(attachment.datas)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        headers, example = list(sheet.iter_rows(values_only=True))
        self.assertEqual(headers[2], "经销商（选填） / Dealer (optional)")
        self.assertIn(example[2], (None, ""), "the example names no dealer")
        # the template is read back with the optional header: the dealer's contract is found,
        # only the example's product (not in this database) is wrong
        wizard.write({"file": base64.b64encode(content), "filename": "template.xlsx"})
        errors = wizard._check_rows(*wizard._read_file())[1]
        self.assertEqual(
            {(e["row"], e["column"]) for e in errors}, {(2, "产品编码 / Product Code")}
        )
        # without a dealer the column stays required, and so marked
        wizard.dealer_id = False
        action = wizard.action_download_template()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3][:-14]))
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active
        headers, example = list(sheet.iter_rows(values_only=True))
        self.assertEqual(headers[2], "经销商 / Dealer")
        self.assertEqual(example[2], "D-0001")

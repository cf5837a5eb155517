import base64
import io

import xlsxwriter

from odoo import api, models


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _after_sales_xlsx_download(self, title, header, rows, money_columns=(), extra_sheets=()):
        """Write ``rows`` under ``header`` into an XLSX sheet (and each ``(title, header,
        rows)`` of ``extra_sheets`` into one more), store it as an attachment and return the
        action that downloads it. Shared by the ledger, settlement and monthly exports and the
        card import template. Text stays text: a cell starting with ``=`` is never run as a
        formula (``strings_to_formulas`` off); only the totals written here are formulas."""
        buffer = io.BytesIO()
        workbook = self._after_sales_xlsx_workbook(buffer)
        self._after_sales_xlsx_sheet(workbook, title, header, rows, money_columns)
        for extra_title, extra_header, extra_rows in extra_sheets:
            self._after_sales_xlsx_sheet(workbook, extra_title, extra_header, extra_rows)
        workbook.close()
        attachment = self.create(
            {
                "name": f"{title}.xlsx",
                "datas": base64.b64encode(buffer.getvalue()),
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "res_model": self.env.context.get("active_model"),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    @api.model
    def _after_sales_xlsx_workbook(self, buffer):
        """The one way the addon opens an XLSX workbook: in memory, text never a formula or a
        URL (a dealer's or customer's text cannot run in finance's spreadsheet)."""
        return xlsxwriter.Workbook(
            buffer,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )

    @api.model
    def _after_sales_xlsx_sheet(self, workbook, title, header, rows, money_columns=()):
        sheet = workbook.add_worksheet(title[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
        money = workbook.add_format({"num_format": "#,##0.00"})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, header, bold)
        for row_index, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if hasattr(value, "isoformat"):
                    sheet.write_datetime(row_index, col, value, date_format)
                elif col in money_columns:
                    sheet.write_number(row_index, col, value or 0.0, money)
                else:
                    sheet.write(row_index, col, value)
        if rows:
            for col in money_columns:
                letter = xlsxwriter.utility.xl_col_to_name(col)
                sheet.write_formula(
                    len(rows) + 1, col, f"=SUM({letter}2:{letter}{len(rows) + 1})", money
                )
        sheet.set_column(0, len(header) - 1, 16)
        sheet.freeze_panes(1, 0)
        return sheet

import base64
import csv
import datetime
import io
import re
from collections import defaultdict

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError

from ..models.after_sales_warranty_card import MAX_LENGTH as CARD_MAX_LENGTH
from ..models.after_sales_warranty_card import _with_batch_defaults

# The documented file layout (README, "Importing warranty cards"): one header row, then one card
# per row. Headers are matched case-insensitively, in English or Chinese; column order is free.
# (key, label, accepted headers, required)
COLUMNS = (
    (
        "product",
        "Product Code",
        ("product code", "product", "internal reference", "产品编码"),
        True,
    ),
    ("serial", "Serial Number", ("serial number", "serial", "lot", "序列号", "机身编号"), True),
    (
        "dealer",
        "Dealer",
        ("dealer", "dealer code", "经销商", "dealer (optional)", "经销商（选填）"),
        True,
    ),
    ("sale_date", "Sale Date", ("sale date", "retail sale date", "销售日期", "购买日期"), True),
    ("date_received", "Received Date", ("received date", "date received", "收卡日期"), False),
    ("customer_name", "Customer Name", ("customer name", "customer", "客户姓名", "用户姓名"), True),
    ("customer_phone", "Customer Phone", ("customer phone", "phone", "联系电话", "电话"), False),
    ("customer_address", "Customer Address", ("customer address", "address", "地址"), False),
    ("invoice_number", "Invoice Number", ("invoice number", "invoice", "发票号"), False),
)
LABELS = {key: label for key, label, __, __ in COLUMNS}
MAX_LENGTH = {"serial": 64, **CARD_MAX_LENGTH}
# One example row of the template, under its Chinese / English headers.
TEMPLATE_EXAMPLE = {
    "product": "WH-60",
    "serial": "SN20260001",
    "dealer": "D-0001",
    "sale_date": "2026-03-01",
    "date_received": "2026-03-10",
    "customer_name": "张三",
    "customer_phone": "13800138000",
    "customer_address": "上海市南京路1号",
    "invoice_number": "INV-0001",
}
# The template's dealer header when the import has its dealer: the column may be left out.
OPTIONAL_DEALER_HEADER = "经销商（选填） / Dealer (optional)"
# Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# rows saved at once by the import (see _create_cards)
IMPORT_CHUNK = 2000
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,}[0-9]$")


class AfterSalesWarrantyCardImport(models.TransientModel):
    """Bulk registration of warranty cards from an XLSX or CSV file (R18). Every row is checked
    against the database in a few batched queries; the report lists row, column and reason for
    each bad row. By default nothing is saved when a row is bad; the user may instead save the good
    rows and download the bad ones as a file to correct and import again."""

    _name = "after_sales.warranty.card.import"
    _description = "Import Warranty Cards"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------
    file = fields.Binary(required=True, help="XLSX or CSV, one card per row.")
    filename = fields.Char()
    mode = fields.Selection(
        [
            ("all_or_nothing", "Save nothing if any row is bad"),
            ("good_rows", "Save the good rows, return the bad ones as a file"),
        ],
        required=True,
        default="all_or_nothing",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    dealer_id = fields.Many2one(
        "res.partner",
        help="When set, every row is this dealer's: the file's dealer column may be left out "
        "or empty, and a row naming another dealer is refused. The portal sets it to the "
        "dealer uploading the file.",
    )
    received_on_upload = fields.Boolean(
        help="The cards are received the day the file is uploaded, whatever received date the "
        "file gives. The portal sets it: a dealer cannot date back the receipt of its cards.",
    )
    state = fields.Selection(
        [("upload", "Upload"), ("done", "Done")], default="upload", required=True
    )
    imported_count = fields.Integer(readonly=True)
    error_count = fields.Integer(string="Bad Rows", readonly=True)
    error_report = fields.Html(readonly=True, sanitize=False)
    bad_rows_file = fields.Binary(readonly=True, attachment=False)
    bad_rows_filename = fields.Char(readonly=True)
    card_ids = fields.Many2many("after_sales.warranty.card", string="Imported Cards", readonly=True)

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_import(self):
        """Read the file, check every row, and save per the chosen mode. Called by the wizard's
        Import button; reopens the wizard on its report."""
        self.ensure_one()
        headers, rows, header_row = self._read_file()
        result = self._import_rows(headers, rows, header_row)
        errors = result["errors"]
        bad_rows = sorted({error["row"] for error in errors})
        values = {
            "state": "done",
            "imported_count": len(result["cards"]),
            "error_count": len(bad_rows),
            "error_report": self._render_errors(errors),
            "card_ids": [fields.Command.set(result["cards"].ids)],
        }
        if errors and self.mode == "good_rows":
            values["bad_rows_file"] = base64.b64encode(
                self._bad_rows_csv(headers, rows, errors, header_row)
            )
            stem = (self.filename or "cards").rsplit(".", 1)[0]
            values["bad_rows_filename"] = f"bad_rows_{stem}.csv"
        self.write(values)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import Warranty Cards"),
        }

    def action_download_template(self):
        """Download an XLSX template: one header row (Chinese / English, as the import reads
        them) and one example row."""
        headers = [
            OPTIONAL_DEALER_HEADER
            if key == "dealer" and self.dealer_id
            else f"{next(a for a in aliases if not a.isascii())} / {label}"
            for key, label, aliases, __ in COLUMNS
        ]
        example = [
            "" if key == "dealer" and self.dealer_id else TEMPLATE_EXAMPLE[key]
            for key, __, __, __ in COLUMNS
        ]
        return (
            self.env["ir.attachment"]
            .with_context(active_model=self._name)
            ._after_sales_xlsx_download(self.env._("Warranty Cards Template"), headers, [example])
        )

    def action_view_cards(self):
        """Open the cards just imported."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_warranty_card_action"
        )
        action["domain"] = [("id", "in", self.card_ids.ids)]
        return action

    # ------------------------------------------------------------
    # BUSINESS: reading
    # ------------------------------------------------------------
    def _read_file(self):
        """Return ``(headers, rows, header_row)`` of the uploaded file: ``rows`` are lists of cell
        values (strings, numbers, dates) after the header row, blank rows included, so that
        row ``header_row + 1 + i`` of the file is ``rows[i]``: errors name the row the user
        sees in a spreadsheet program. The header is the first row that is not blank."""
        content = base64.b64decode(self.file or b"")
        if not content:
            raise UserError(self.env._("The file is empty."))
        is_xlsx = content[:2] == b"PK" or (self.filename or "").lower().endswith(".xlsx")
        table = self._read_xlsx(content) if is_xlsx else self._read_csv(content)
        header_index = next(
            (i for i, row in enumerate(table) if any(_text(cell) for cell in row)), None
        )
        if header_index is None:
            raise UserError(self.env._("The file has no header row."))
        headers = [_text(cell) for cell in table[header_index]]
        return headers, table[header_index + 1 :], header_index + 1

    def _read_xlsx(self, content):
        import openpyxl  # noqa: PLC0415 - Odoo requires it; imported only when reading XLSX

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise UserError(
                self.env._(
                    "The file %(file)s is not a readable XLSX workbook: %(error)s",
                    file=self.filename or "",
                    error=error,
                )
            ) from error
        sheet = workbook.worksheets[0]
        # read-only sheets yield blank rows too: row numbers stay those of the file
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return table

    def _read_csv(self, content):
        """A CSV file read with Python's ``csv`` module: UTF-8 (with or without BOM), else
        GB18030 (which reads GBK and GB2312); the dialect (separator, quoting) sniffed from a
        sample, so quoted separators and doubled quotes read right."""
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UserError(self.env._("The CSV file is neither UTF-8 nor GBK / GB18030 encoded."))
        text = text.lstrip("\ufeff")
        sample = text[:8192]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            dialect.doublequote = True
        except csv.Error:
            dialect = csv.excel
        try:
            return list(csv.reader(io.StringIO(text, newline=""), dialect))
        except csv.Error as error:
            raise UserError(
                self.env._("The CSV file cannot be read: %(error)s", error=error)
            ) from error

    def _map_columns(self, headers):
        """Return ``{key: (index, header)}`` for the documented columns found in ``headers``;
        refuse a file missing a required column (the dealer column is not required when the
        import has its dealer)."""
        normalized = [
            {part.strip().lower() for part in (h or "").split("/")} | {(h or "").strip().lower()}
            for h in headers
        ]
        mapping = {}
        for key, label, aliases, required in COLUMNS:
            index = next((i for i, h in enumerate(normalized) if h & set(aliases)), None)
            if index is None:
                if required and not (key == "dealer" and self.dealer_id):
                    raise UserError(
                        self.env._(
                            "The file has no column %(column)s (accepted headers: %(aliases)s).",
                            column=label,
                            aliases=", ".join(aliases),
                        )
                    )
                continue
            if key == "date_received" and self.received_on_upload:
                # the cards are received today: the file's received dates are not read
                continue
            mapping[key] = (index, headers[index])
        return mapping

    # ------------------------------------------------------------
    # BUSINESS: checking and saving
    # ------------------------------------------------------------
    def _import_rows(self, headers, rows, header_row=1):
        """Check ``rows`` (cell lists under ``headers``, blank rows included) and save the cards
        per ``mode``.

        Returns ``{"errors": [{"row", "column", "reason"}], "cards": cards}``; ``row`` is the
        row number in the file (the header is row ``header_row``). A few queries whatever the
        row count: products, serials, dealers, contracts and existing cards are fetched once
        each, and serials, customers and cards are created with one ``create`` each."""
        self.ensure_one()
        checked, errors = self._check_rows(headers, rows, header_row)
        Card = self.env["after_sales.warranty.card"]
        if errors and self.mode == "all_or_nothing":
            return {"errors": errors, "cards": Card}
        bad = {error["row"] for error in errors}
        good = [values for row, values in checked if row not in bad]
        return {"errors": errors, "cards": self._create_cards(good)}

    def _check_rows(self, headers, rows, header_row=1):
        """Check ``rows`` without saving anything: ``(checked, errors)``, ``checked`` the
        ``(row, values)`` of every non-blank row, ``errors`` as :meth:`_import_rows` returns
        them. Blank rows are skipped but keep their numbers."""
        columns = self._map_columns(headers)
        records = []
        for offset, row in enumerate(rows):
            if not any(_text(cell) for cell in row or ()):
                continue
            raw = {}
            for key, (index, __) in columns.items():
                raw[key] = row[index] if index < len(row) else None
            records.append((header_row + 1 + offset, raw))
        return self._check_records(records, columns)

    def _check_records(self, records, columns):  # noqa: C901, PLR0915
        Card = self.env["after_sales.warranty.card"].with_company(self.company_id)
        today = Card._company_today()
        company = self.company_id
        errors = []

        def error(row, key, reason):
            # the dealer column may be left out when the import has its dealer
            column = columns[key][1] if key in columns else LABELS[key]
            errors.append({"row": row, "column": column, "reason": reason})

        # Parse and check each cell alone.
        parsed = []
        for row, raw in records:
            values = {key: _text(raw.get(key)) for key in columns}
            values.setdefault("dealer", "")
            values["row"] = row
            for key, limit in MAX_LENGTH.items():
                if key in columns and len(values[key]) > limit:
                    error(row, key, self.env._("Longer than %(limit)s characters.", limit=limit))
            if not values["product"]:
                error(row, "product", self.env._("The product code is missing."))
            if not values["serial"]:
                error(row, "serial", self.env._("The serial number is missing."))
            elif re.search(r"\s", values["serial"]):
                error(row, "serial", self.env._("The serial number contains spaces."))
            if not values["dealer"] and not self.dealer_id:
                error(row, "dealer", self.env._("The dealer is missing."))
            if not values["customer_name"]:
                error(row, "customer_name", self.env._("The customer name is missing."))
            phone = values.get("customer_phone")
            if phone and not PHONE_RE.match(phone):
                error(
                    row,
                    "customer_phone",
                    self.env._("%(phone)s is not a phone number.", phone=phone),
                )
            sale_date = received = None
            if not values["sale_date"]:
                error(row, "sale_date", self.env._("The sale date is missing."))
            else:
                sale_date = _parse_date(raw.get("sale_date"))
                if not sale_date:
                    error(
                        row,
                        "sale_date",
                        self.env._(
                            "%(value)s is not a date (use YYYY-MM-DD).", value=values["sale_date"]
                        ),
                    )
                elif sale_date > today:
                    error(row, "sale_date", self.env._("The sale date is in the future."))
            if values.get("date_received"):
                received = _parse_date(raw.get("date_received"))
                if not received:
                    error(
                        row,
                        "date_received",
                        self.env._(
                            "%(value)s is not a date (use YYYY-MM-DD).",
                            value=values["date_received"],
                        ),
                    )
                elif received > today:
                    error(row, "date_received", self.env._("The received date is in the future."))
                elif sale_date and received < sale_date:
                    error(
                        row,
                        "date_received",
                        self.env._("The card was received before the sale date."),
                    )
            values["sale_date"] = sale_date
            values["date_received"] = received or today
            parsed.append(values)

        # Products: one search.
        codes = {v["product"] for v in parsed if v["product"]}
        products = self.env["product.product"].search(
            [("default_code", "in", list(codes)), ("company_id", "in", [False, company.id])]
        )
        products_by_code = defaultdict(list)
        for product in products:
            products_by_code[product.default_code].append(product)

        # Dealers by name or reference: one search; their running contracts: one search. An
        # import with its dealer reads no dealer from the file: a row may only name that one.
        own_keys = {
            key
            for key in (self.dealer_id.name, self.dealer_id.ref, self.dealer_id.display_name)
            if key
        }
        dealer_keys = set() if self.dealer_id else {v["dealer"] for v in parsed if v["dealer"]}
        dealers = self.env["res.partner"]
        if dealer_keys:
            dealers = dealers.search(
                [
                    "|",
                    ("name", "in", list(dealer_keys)),
                    ("ref", "in", list(dealer_keys)),
                    ("company_id", "in", [False, company.id]),
                ]
            )
        dealers_by_key = defaultdict(set)
        for dealer in dealers:
            for key in (dealer.name, dealer.ref):
                if key in dealer_keys:
                    dealers_by_key[key].add(dealer)
        # the contract running today accepts the cards (registration needs it to run)
        contract_on = Card._find_contracts_on_dates(
            {
                (next(iter(dealers_by_key[v["dealer"]])), company, today)
                for v in parsed
                if len(dealers_by_key.get(v["dealer"], ())) == 1
            }
            | ({(self.dealer_id, company, today)} if self.dealer_id else set())
        )

        # Serials: one search; their active cards: one search.
        serials = {v["serial"] for v in parsed if v["serial"]}
        lots = self.env["stock.lot"].search(
            [("name", "in", list(serials)), ("company_id", "in", [False, company.id])]
        )
        lot_by_key = {(lot.product_id.id, lot.name): lot for lot in lots}
        cards = Card.sudo().search([("lot_id", "in", lots.ids), ("state", "!=", "void")])
        card_by_lot = {card.lot_id.id: card for card in cards}
        other_products = Card._serials_under_other_products(
            [
                (company, found[0], v["serial"])
                for v in parsed
                if v["serial"] and len(found := products_by_code.get(v["product"], [])) == 1
            ]
        )

        first_row = {}
        checked = []
        for values in parsed:
            row = values["row"]
            product = dealer = contract = lot = None
            if values["product"]:
                found = products_by_code.get(values["product"], [])
                if not found:
                    error(
                        row,
                        "product",
                        self.env._(
                            "No product has the internal reference %(code)s.",
                            code=values["product"],
                        ),
                    )
                elif len(found) > 1:
                    error(
                        row,
                        "product",
                        self.env._(
                            "Several products have the internal reference %(code)s.",
                            code=values["product"],
                        ),
                    )
                else:
                    product = found[0]
                    if product.tracking != "serial":
                        error(
                            row,
                            "product",
                            self.env._(
                                "Product %(product)s is not tracked by serial number.",
                                product=product.display_name,
                            ),
                        )
            if self.dealer_id:
                if values["dealer"] and values["dealer"] not in own_keys:
                    error(
                        row,
                        "dealer",
                        self.env._(
                            "This file registers the cards of %(dealer)s: the row names "
                            "another dealer.",
                            dealer=self.dealer_id.display_name,
                        ),
                    )
                else:
                    dealer = self.dealer_id
            elif values["dealer"]:
                found = dealers_by_key.get(values["dealer"], set())
                if not found:
                    error(
                        row,
                        "dealer",
                        self.env._("No dealer is named %(dealer)s.", dealer=values["dealer"]),
                    )
                elif len(found) > 1:
                    error(
                        row,
                        "dealer",
                        self.env._(
                            "Several partners are named %(dealer)s; use the dealer's reference.",
                            dealer=values["dealer"],
                        ),
                    )
                else:
                    dealer = next(iter(found))
            if dealer:
                contract = contract_on.get((dealer, company, today))
                if not contract or contract.state != "running":
                    error(
                        row,
                        "dealer",
                        self.env._(
                            "Dealer %(dealer)s has no running service contract.",
                            dealer=dealer.display_name,
                        ),
                    )
            serial = values["serial"]
            draft = None
            if serial and product:
                key = (product.id, serial)
                lot = lot_by_key.get(key)
                other_product = other_products.get((company, product, serial))
                if key in first_row:
                    error(
                        row,
                        "serial",
                        self.env._(
                            "Serial %(serial)s is already on row %(row)s of this file.",
                            serial=serial,
                            row=first_row[key],
                        ),
                    )
                else:
                    first_row[key] = row
                card = lot and card_by_lot.get(lot.id)
                if card and card.company_id != company:
                    error(
                        row,
                        "serial",
                        self.env._(
                            "Serial %(serial)s already has a warranty card in another company.",
                            serial=serial,
                        ),
                    )
                elif card and card.state == "draft" and card.active:
                    # R30: a draft pre-filled from a delivery is completed by the row.
                    draft = card
                    if dealer and not _sold_by(dealer, card.dealer_id):
                        error(
                            row,
                            "dealer",
                            self.env._(
                                "Serial %(serial)s was delivered to %(dealer)s: the dealer "
                                "must be it or one of its sub-dealers.",
                                serial=serial,
                                dealer=card.dealer_id.display_name,
                            ),
                        )
                elif card:
                    error(
                        row,
                        "serial",
                        self.env._(
                            "Serial %(serial)s already has the warranty card %(card)s.",
                            serial=serial,
                            card=card.name,
                        ),
                    )
                elif other_product:
                    error(
                        row,
                        "serial",
                        self.env._(
                            "Serial %(serial)s belongs to another product: %(product)s.",
                            serial=serial,
                            product=other_product.display_name,
                        ),
                    )
            values.update(product=product, dealer=dealer, contract=contract, lot=lot, draft=draft)
            checked.append((row, values))
        errors.sort(key=lambda e: e["row"])
        return checked, errors

    def _create_cards(self, good):
        """Create the serials that do not exist yet, complete the draft cards pre-filled from
        deliveries (R30) and create the others, then register them all (registered, or late
        per R2): one batched ``create`` or ``write`` each per chunk of ``IMPORT_CHUNK`` rows.
        The rows were all checked before: every chunk is saved in the same transaction, so
        nothing is half-saved; between chunks the ORM cache is emptied, which keeps a 50,000
        row import's memory to that of one chunk."""
        card_ids = []
        for start in range(0, len(good), IMPORT_CHUNK):
            card_ids += self._create_cards_chunk(good[start : start + IMPORT_CHUNK]).ids
            if len(good) > IMPORT_CHUNK:
                self.env.flush_all()
                self.env.invalidate_all()
        return self.env["after_sales.warranty.card"].browse(card_ids)

    def _create_cards_chunk(self, good):
        Card = self.env["after_sales.warranty.card"].with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        if not good:
            return Card.browse()
        missing = {}
        for values in good:
            if not values["lot"]:
                missing[(values["product"].id, values["serial"])] = None
        Lot = Card.env["stock.lot"]
        new_lots = Lot.create(
            _with_batch_defaults(
                Lot,
                [
                    {"product_id": product_id, "name": name, "company_id": self.company_id.id}
                    for product_id, name in missing
                ],
            )
        )
        lot_by_key = dict(zip(missing, new_lots.ids, strict=True))
        vals_list, drafts = [], Card.browse()
        for values in good:
            lot = values["lot"]
            lot_id = lot.id if lot else lot_by_key[(values["product"].id, values["serial"])]
            vals = {
                "dealer_id": values["dealer"].id,
                "sale_date": values["sale_date"],
                "date_received": values["date_received"],
                "customer_name": values["customer_name"],
                "customer_phone": values.get("customer_phone") or False,
                "customer_address": values.get("customer_address") or False,
                "invoice_number": values.get("invoice_number") or False,
            }
            if values["draft"]:
                draft = values["draft"].with_env(Card.env)
                draft.write(vals)
                drafts |= draft
                continue
            # the contract checked above: the card's own compute would find it again, record
            # by record (its constraint still checks that it serves the dealer)
            vals.update(
                company_id=self.company_id.id,
                product_id=values["product"].id,
                lot_id=lot_id,
                contract_id=values["contract"].id,
            )
            vals_list.append(vals)
        cards = drafts | Card.create(_with_batch_defaults(Card, vals_list))
        cards.action_register()
        return cards

    # ------------------------------------------------------------
    # BUSINESS: reporting
    # ------------------------------------------------------------
    def _render_errors(self, errors):
        if not errors:
            return False
        head = Markup("<tr><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Row"),
            self.env._("Column"),
            self.env._("Reason"),
        )
        body = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (e["row"], e["column"], e["reason"])
            for e in errors
        )
        return Markup('<table class="table table-sm o_as_import_errors">%s%s</table>') % (
            head,
            body,
        )

    def _bad_rows_csv(self, headers, rows, errors, header_row=1):
        """The bad rows as they were, with their errors in a last column, to correct and
        import again (UTF-8 with BOM so that spreadsheet programs read Chinese). A cell that a
        spreadsheet program would run as a formula (=, +, -, @) is written as text."""
        by_row = defaultdict(list)
        for e in errors:
            by_row[e["row"]].append(f"{e['column']}: {e['reason']}")
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow([_safe_cell(h) for h in [*headers, self.env._("Errors")]])
        for offset, row in enumerate(rows):
            number = header_row + 1 + offset
            if number in by_row:
                writer.writerow(
                    [_safe_cell(_text(cell)) for cell in row]
                    + [_safe_cell("; ".join(by_row[number]))]
                )
        return output.getvalue().encode("utf-8-sig")


def _text(value):
    """A cell as stripped text (numbers without a trailing .0, dates in ISO)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _parse_date(value):
    """A cell as a date: a spreadsheet date, or text in one of ``DATE_FORMATS``; else None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    # a spreadsheet saved as CSV writes a date cell with its time ("2024-03-05 00:00:00",
    # "2024/3/5 0:00"): the day is the sale date
    day, __, time = text.replace("T", " ", 1).partition(" ")
    if time and _parse_time(time.strip()):
        text = day
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_time(text):
    """Whether ``text`` is a time of day (``H:MM`` or ``H:MM:SS``, fractions of seconds too)."""
    for fmt in ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f"):
        try:
            datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return True
    return False


def _safe_cell(text):
    """``text`` as a spreadsheet program shows it, never runs it: a leading quote before a
    formula character (OWASP's CSV injection advice)."""
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _sold_by(dealer, card_dealer):
    """Whether ``dealer`` is ``card_dealer`` or one of its sub-dealers."""
    return card_dealer.commercial_partner_id in dealer._after_sales_dealer_chain()

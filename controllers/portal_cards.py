import base64

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.http import request

from .portal import AfterSalesPortal

CARD_FIELDS = (
    "product_id",
    "serial",
    "customer_name",
    "customer_phone",
    "customer_address",
    "sale_date",
    "invoice_number",
)


class AfterSalesPortalCards(AfterSalesPortal):
    """Warranty cards on the portal (R17, R18, R2): the dealer registers a card, or uploads a
    spreadsheet checked exactly as the back-office import does, and follows its cards."""

    # ------------------------------------------------------------
    # ROUTES
    # ------------------------------------------------------------
    @http.route("/my/after-sales/cards/<int:card_id>", type="http", auth="user", website=True)
    def portal_my_after_sales_card(self, card_id, **kwargs):
        try:
            card = self._as_check("after_sales.warranty.card", card_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_card",
                "card": card,
                "claims": request.env["after_sales.claim"]
                .search([("card_id", "=", card.id)])
                .sudo(),
                "can_claim": card.state in ("registered", "late") and bool(card.contract_id),
                "message": kwargs.get("message"),
                "messages": self._as_messages(card),
                "chatter_url": f"/my/after-sales/cards/{card.id}/message",
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_card", values)

    @http.route(
        "/my/after-sales/cards/new",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_after_sales_card_new(self, **post):
        """Register one card: GET shows the form, POST checks and registers it."""
        contract = self._as_serving_contract()
        error = None
        if request.httprequest.method == "POST":
            if not contract:
                error = request.env._("You have no running service contract.")
            else:
                try:
                    with request.env.cr.savepoint():
                        card = self._as_register_card(contract, post)
                except (UserError, ValidationError) as exc:
                    error = self._as_error_text(exc)
                    foreign = self._as_foreign_cards([(post.get("serial") or "").strip()])
                    if any(c.name in error for c in foreign):
                        error = self._as_foreign_serial_message(post.get("serial"))
                else:
                    return self._as_redirect(
                        f"/my/after-sales/cards/{card.id}", message="registered"
                    )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_card_new",
                "contract": contract.sudo(),
                "products": self._as_card_products(contract),
                "post": post,
                "error": error,
            }
        )
        return request.render("after_sales_service.portal_after_sales_card_new", values)

    @http.route(
        "/my/after-sales/cards/import",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_after_sales_card_import(self, upload=None, mode=None, **post):
        """Upload a spreadsheet of cards: every row is checked as in the back office; the bad
        rows are listed and can be downloaded to correct."""
        contract = self._as_serving_contract()
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "after_sales_card_import", "contract": contract.sudo()})
        if request.httprequest.method == "POST":
            if not contract:
                values["error"] = request.env._("You have no running service contract.")
            else:
                try:
                    content = self._as_read_upload(upload)
                    if not content:
                        raise UserError(request.env._("Choose the file to upload."))
                    with request.env.cr.savepoint():
                        values["result"] = self._as_import_cards(
                            contract, content, upload.filename, mode
                        )
                except (UserError, ValidationError) as exc:
                    values["error"] = self._as_error_text(exc)
        return request.render("after_sales_service.portal_after_sales_card_import", values)

    # ------------------------------------------------------------
    # HELPERS (model calls)
    # ------------------------------------------------------------
    def _as_card_products(self, contract):
        if not contract:
            return request.env["product.product"]
        return self._as_products(
            contract.company_id, [("tracking", "=", "serial"), ("sale_ok", "=", True)]
        )

    def _as_register_card(self, contract, post):
        """Check the portal form and register the portal dealer's card through the card's
        one home of portal registration (``after_sales.warranty.card._portal_register``): the
        draft pre-filled from the serial's delivery (R30) completed, or a card received today;
        late when past the contract's deadline (R2). Same checks as the back office: unique
        serial (R17), dates, serial of the product."""
        env = request.env
        for key in ("product_id", "serial", "customer_name", "sale_date"):
            if not (post.get(key) or "").strip():
                raise UserError(env._("Fill in the product, serial, customer and sale date."))
        company = contract.company_id
        product = self._as_card_products(contract).filtered(
            lambda p: p.id == self._as_int(post.get("product_id"))
        )
        if not product:
            raise UserError(env._("Choose a product from the list."))
        sale_date = self._as_date(post.get("sale_date"))
        if not sale_date:
            raise UserError(env._("The retail sale date is not a date."))
        serial = post["serial"].strip()
        if any(ch.isspace() for ch in serial):
            raise UserError(env._("The serial number contains spaces."))
        return (
            env["after_sales.warranty.card"]
            .sudo()
            ._portal_register(
                self._as_dealer(),
                {
                    "product_id": product.id,
                    "lot_name": serial,
                    "customer_name": post["customer_name"].strip(),
                    "customer_phone": (post.get("customer_phone") or "").strip(),
                    "customer_address": (post.get("customer_address") or "").strip(),
                    "sale_date": sale_date,
                    "invoice_number": (post.get("invoice_number") or "").strip(),
                },
                company=company,
                drafts_domain=self._as_dealer_domain(),
            )
        )

    def _as_import_cards(self, contract, content, filename, mode):
        """Run the back office's import wizard under sudo on the uploaded file, for the portal
        dealer (the wizard's dealer): every row is the dealer's, the file needs no dealer
        column, and a row naming another dealer is refused (a dealer cannot register another's
        cards), and the cards are received today, whatever received date the file gives (the
        card deadline is counted to the day the manufacturer gets them). Returns the counts,
        the row errors and the bad rows as a downloadable CSV."""
        dealer = self._as_dealer()
        Wizard = (
            request.env["after_sales.warranty.card.import"].sudo().with_company(contract.company_id)
        )
        wizard = Wizard.create(
            {
                "file": base64.b64encode(content),
                "filename": filename,
                "mode": "good_rows" if mode == "good_rows" else "all_or_nothing",
                "company_id": contract.company_id.id,
                "dealer_id": dealer.id,
                # received the day the dealer uploads them, as a card entered on the portal
                "received_on_upload": True,
            }
        )
        # the rows keep the file's numbering: rows[i] is row header_row + 1 + i of the file
        headers, rows, header_row = wizard._read_file()
        result = wizard._import_rows(headers, rows, header_row)
        errors = self._as_redact_import_errors(wizard, headers, rows, result["errors"])
        bad_rows = sorted({e["row"] for e in errors})
        bad_csv = wizard._bad_rows_csv(headers, rows, errors, header_row) if errors else b""
        return {
            "imported": result["cards"],
            "errors": errors,
            "error_count": len(bad_rows),
            "saved_nothing": bool(errors) and wizard.mode == "all_or_nothing",
            "bad_rows_csv": base64.b64encode(bad_csv).decode() if bad_csv else "",
            "bad_rows_filename": "bad_rows_{}.csv".format((filename or "cards").rsplit(".", 1)[0]),
        }

    def _as_foreign_cards(self, serials):
        """Active cards of ``serials`` that the portal dealer does not see (another dealer's,
        or a sub-dealer's its contract does not show): their numbers and dealers are not the
        portal user's to read."""
        serials = [s for s in serials if s]
        if not serials:
            return request.env["after_sales.warranty.card"]
        return (
            request.env["after_sales.warranty.card"]
            .sudo()
            .search(
                Domain.AND(
                    [
                        [("lot_id.name", "in", serials), ("state", "!=", "void")],
                        ~self._as_dealer_domain(),
                    ]
                )
            )
        )

    def _as_foreign_serial_message(self, serial):
        return request.env._(
            "Serial %(serial)s is already registered by another dealer: contact the "
            "manufacturer's service desk.",
            serial=(serial or "").strip(),
        )

    def _as_redact_import_errors(self, wizard, headers, rows, errors):
        """The wizard names the card that already holds a serial; for another dealer's card
        the portal says only that the serial is taken."""
        index = wizard._map_columns(headers)["serial"][0]
        serials = {str(row[index]).strip() for row in rows if index < len(row) and row[index]}
        foreign = self._as_foreign_cards(list(serials))
        if not foreign:
            return errors
        by_name = {card.name: card.lot_id.name for card in foreign}
        redacted = []
        for error in errors:
            serial = next((lot for name, lot in by_name.items() if name in error["reason"]), None)
            redacted.append(
                dict(error, reason=self._as_foreign_serial_message(serial)) if serial else error
            )
        return redacted

"""The dealer portal (DOMAIN.md §9): a dealer's portal users register warranty cards, file
claims, request returns and parts, follow their fund, confirm or dispute write-off notices and
see their monthly duties under /my/after-sales.

Reading runs as the portal user, so that the record rules keep each dealer to its own records
(and its sub-dealers'). Portal users have read-only access rights: every write goes through a
small ``_as_*`` helper of these controllers that checks the record belongs to the dealer and
then calls the model under ``sudo()``, forcing the dealer, company and responsible."""

import base64
import datetime
import math
import re
from urllib.parse import quote

import pytz
from markupsafe import Markup
from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.http import content_disposition, request
from odoo.tools.misc import format_amount, format_date, format_datetime
from odoo.tools.translate import LazyTranslate

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..tools import periods

_lt = LazyTranslate(__name__)

# Some model labels still carry the spec's rule ids ("Dead on Arrival (R3)"): not for dealers.
RULE_ID_RE = re.compile(r"\s*[(（]R\d+[a-z]?[)）]")

# Photos larger than this are refused (phones send 3-8 MB pictures).
MAX_UPLOAD_BYTES = 15 * 1024 * 1024

# A number typed in a form beyond this (a quantity, a freight price) is no value: "1e308" would
# overflow the amounts computed from it.
MAX_FORM_NUMBER = 1e12

# Dates and times typed in a form outside these years are no value (year 1 overflows the
# conversion to UTC, the ORM's computations around it, the reports).
MIN_FORM_YEAR = 1900
MAX_FORM_YEAR = 9998

# The lists of the portal: model, columns (label, field), sortings, filters and search inputs.
# Record rules decide which records a dealer sees; ``domain`` narrows further.
SECTIONS = {
    "contracts": {
        "model": "after_sales.contract",
        "title": _lt("Service Contracts"),
        "domain": [("state", "!=", "draft")],
        "columns": [
            (_lt("Contract"), "name"),
            (_lt("Start"), "date_start"),
            (_lt("End"), "date_end"),
            (_lt("Status"), "state"),
        ],
        "sortings": {
            "date": {"label": _lt("Newest"), "order": "date_start desc, id desc"},
            "name": {"label": _lt("Reference"), "order": "name"},
        },
        "filters": {
            "all": {"label": _lt("All"), "domain": []},
            "running": {"label": _lt("Running"), "domain": [("state", "=", "running")]},
        },
        "inputs": {"name": {"label": _lt("Search in Reference"), "fields": ["name"]}},
        "detail": False,
    },
    "cards": {
        "model": "after_sales.warranty.card",
        "title": _lt("Warranty Cards"),
        "domain": [],
        "columns": [
            (_lt("Card"), "name"),
            (_lt("Product"), "product_id"),
            (_lt("Serial Number"), "lot_id"),
            (_lt("Customer"), "customer_name"),
            (_lt("Retail Sale"), "sale_date"),
            (_lt("Warranty End"), "warranty_end"),
            (_lt("Status"), "state"),
        ],
        "sortings": {
            "date": {"label": _lt("Newest"), "order": "date_received desc, id desc"},
            "sale_date": {"label": _lt("Retail Sale Date"), "order": "sale_date desc, id desc"},
            "warranty_end": {"label": _lt("Warranty End"), "order": "warranty_end, id"},
            "name": {"label": _lt("Card Number"), "order": "name"},
        },
        "filters": {
            "all": {"label": _lt("All"), "domain": []},
            "registered": {"label": _lt("Registered"), "domain": [("state", "=", "registered")]},
            "late": {"label": _lt("Late"), "domain": [("state", "=", "late")]},
            "draft": {"label": _lt("Draft"), "domain": [("state", "=", "draft")]},
            "void": {"label": _lt("Void"), "domain": [("state", "=", "void")]},
        },
        "inputs": {
            "all": {
                "label": _lt("Search in All"),
                "fields": ["name", "lot_id.name", "customer_name", "invoice_number"],
            },
            "serial": {"label": _lt("Search in Serial Number"), "fields": ["lot_id.name"]},
            "customer": {
                "label": _lt("Search in Customer"),
                "fields": ["customer_name", "customer_phone"],
            },
        },
        "detail": True,
    },
    "claims": {
        "model": "after_sales.claim",
        "title": _lt("Warranty Claims"),
        "domain": [],
        "columns": [
            (_lt("Claim"), "name"),
            (_lt("Product"), "product_id"),
            (_lt("Serial Number"), "lot_id"),
            (_lt("Call"), "call_time"),
            (_lt("Covered"), "is_covered"),
            (_lt("Reimbursable"), "reimbursable_amount"),
            (_lt("Status"), "state"),
        ],
        "sortings": {
            "date": {"label": _lt("Newest"), "order": "call_time desc, id desc"},
            "name": {"label": _lt("Claim Number"), "order": "name desc"},
            "state": {"label": _lt("Status"), "order": "state, call_time desc"},
        },
        "filters": {
            "all": {"label": _lt("All"), "domain": []},
            "draft": {"label": _lt("Draft"), "domain": [("state", "=", "draft")]},
            "submitted": {"label": _lt("Submitted"), "domain": [("state", "=", "submitted")]},
            "approved": {"label": _lt("Approved"), "domain": [("state", "=", "approved")]},
            "rejected": {"label": _lt("Rejected"), "domain": [("state", "=", "rejected")]},
            "settled": {"label": _lt("Settled"), "domain": [("state", "=", "settled")]},
        },
        "inputs": {
            "all": {
                "label": _lt("Search in All"),
                "fields": ["name", "lot_id.name", "card_id.name", "symptom"],
            },
            "serial": {"label": _lt("Search in Serial Number"), "fields": ["lot_id.name"]},
        },
        "detail": True,
    },
    "returns": {
        "model": "after_sales.return",
        "title": _lt("Returns"),
        "domain": [],
        "columns": [
            (_lt("Return"), "name"),
            (_lt("Requested On"), "date_request"),
            (_lt("Type"), "return_type"),
            (_lt("Dealer Pays"), "dealer_charge_amount"),
            (_lt("Status"), "state"),
        ],
        "sortings": {
            "date": {"label": _lt("Newest"), "order": "date_request desc, id desc"},
            "name": {"label": _lt("Return Number"), "order": "name desc"},
        },
        "filters": {
            "all": {"label": _lt("All"), "domain": []},
            "draft": {"label": _lt("Draft"), "domain": [("state", "=", "draft")]},
            "open": {
                "label": _lt("Waiting"),
                "domain": [("state", "in", ("submitted", "approved"))],
            },
            "received": {
                "label": _lt("Received"),
                "domain": [("state", "in", ("received", "resolved", "done"))],
            },
            "refused": {"label": _lt("Refused"), "domain": [("state", "=", "refused")]},
        },
        "inputs": {
            "all": {"label": _lt("Search in All"), "fields": ["name", "line_ids.lot_id.name"]},
        },
        "detail": True,
    },
    "parts": {
        "model": "after_sales.parts.request",
        "title": _lt("Parts Requisitions"),
        "domain": [],
        "columns": [
            (_lt("Requisition"), "name"),
            (_lt("Requested On"), "date_request"),
            (_lt("Type"), "request_type"),
            (_lt("Shipping"), "shipping_mode"),
            (_lt("Shipped"), "date_shipped"),
            (_lt("Status"), "state"),
        ],
        "sortings": {
            "date": {"label": _lt("Newest"), "order": "date_request desc, id desc"},
            "name": {"label": _lt("Reference"), "order": "name desc"},
        },
        "filters": {
            "all": {"label": _lt("All"), "domain": []},
            "draft": {"label": _lt("Draft"), "domain": [("state", "=", "draft")]},
            "open": {
                "label": _lt("Waiting"),
                "domain": [("state", "in", ("submitted", "approved"))],
            },
            "done": {"label": _lt("Shipped"), "domain": [("state", "=", "done")]},
        },
        "inputs": {"name": {"label": _lt("Search in Reference"), "fields": ["name"]}},
        "detail": True,
    },
    "settlements": {
        "model": "after_sales.settlement",
        "title": _lt("Repair Fund Settlements"),
        # R15: the dealer sees a settlement from its notice on (the record rule says so too)
        "domain": [("state", "in", ("notified", "confirmed", "posted"))],
        "columns": [
            (_lt("Settlement"), "name"),
            (_lt("Claims Reimbursed"), "reimbursed_amount"),
            (_lt("Closing Balance"), "closing_balance"),
            (_lt("Status"), "state"),
        ],
        "sortings": {
            "date": {"label": _lt("Newest"), "order": "year desc, quarter desc, id desc"},
        },
        "filters": {
            "all": {"label": _lt("All"), "domain": []},
            "notified": {"label": _lt("To Confirm"), "domain": [("state", "=", "notified")]},
        },
        "inputs": {},
        "detail": True,
    },
}


class AfterSalesPortal(CustomerPortal):
    """Shared machinery of the dealer portal: the home counters, the lists (search, sort,
    filter, pager), record access, form parsing, reports and the helpers that write."""

    # ------------------------------------------------------------
    # HOME
    # ------------------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        for kind, section in SECTIONS.items():
            counter = f"after_sales_{kind}_count"
            if counter in counters:
                Model = request.env[section["model"]]
                values[counter] = (
                    Model.search_count(section["domain"]) if Model.has_access("read") else 0
                )
        if "after_sales_monthly_count" in counters:
            values["after_sales_monthly_count"] = self._as_monthly_count()
        if "after_sales_fund_count" in counters:
            values["after_sales_fund_count"] = len(self._as_fund_contracts())
        return values

    # ------------------------------------------------------------
    # LISTS
    # ------------------------------------------------------------
    @http.route(
        [
            "/my/after-sales/<any(contracts,cards,claims,returns,parts,settlements):kind>",
            "/my/after-sales/<any(contracts,cards,claims,returns,parts,settlements):kind>"
            "/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_after_sales_documents(
        self, kind, page=1, *, sortby=None, filterby=None, search=None, search_in=None, **kwargs
    ):
        """A dealer's documents of one kind: searched as the portal user (record rules keep
        them to the dealer's own), then formatted with sudo, as related records (serials,
        products) may not be readable by portal users."""
        section = SECTIONS[kind]
        Model = request.env[section["model"]]
        sortings = {key: dict(v, label=str(v["label"])) for key, v in section["sortings"].items()}
        filters = {key: dict(v, label=str(v["label"])) for key, v in section["filters"].items()}
        inputs = {
            key: {"input": key, "label": str(v["label"])} for key, v in section["inputs"].items()
        }
        sortby = sortby if sortby in sortings else next(iter(sortings))
        filterby = filterby if filterby in filters else "all"
        search_in = search_in if search_in in inputs else next(iter(inputs), None)
        domain = Domain.AND([section["domain"], filters[filterby]["domain"]])
        if search and search_in:
            # related fields (serials...) may not be readable by portal users: search them
            # under sudo, the record rules still apply to the result through ``domain``
            matching = Model.sudo()._search(
                Domain.OR(
                    [(fname, "ilike", search)] for fname in section["inputs"][search_in]["fields"]
                )
            )
            domain &= Domain("id", "in", matching)
        count = Model.search_count(domain)
        url = f"/my/after-sales/{kind}"
        pager = portal_pager(
            url=url,
            url_args={
                "sortby": sortby,
                "filterby": filterby,
                "search": search or "",
                "search_in": search_in or "",
            },
            total=count,
            page=page,
            step=self._items_per_page,
        )
        records = Model.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        columns = section["columns"]
        rows = [
            {
                "url": f"{url}/{record.id}" if section["detail"] else False,
                "cells": [self._after_sales_cell(record.sudo(), fname) for _l, fname in columns],
                "state": record.sudo().state,
            }
            for record in records
        ]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "kind": kind,
                "title": str(section["title"]),
                "headers": [str(label) for label, _field in columns],
                "rows": rows,
                "pager": pager,
                "page_name": f"after_sales_{kind}",
                "default_url": url,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
                "searchbar_inputs": inputs,
                "search_in": search_in,
                "search": search,
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_documents", values)

    def _after_sales_cell(self, record, field_name):
        """A record's field as the portal shows it (labels, names, local dates, amounts)."""
        field = record._fields[field_name]
        value = record[field_name]
        if field.type == "many2one":
            return value.display_name or ""
        if field.type == "selection":
            return strip_rule_ids(dict(field._description_selection(record.env)).get(value, ""))
        if field.type == "boolean":
            return "✓" if value else ""
        if field.type == "date":
            return format_date(record.env, value) if value else ""
        if field.type == "datetime":
            return format_datetime(record.env, value) if value else ""
        if field.type == "monetary":
            return format_amount(record.env, value or 0.0, record.currency_id)
        return value or ""

    # ------------------------------------------------------------
    # HELPERS: access
    # ------------------------------------------------------------
    def _as_dealer(self):
        """The commercial partner the portal user works for."""
        return request.env.user.commercial_partner_id

    def _as_dealer_domain(self, field="dealer_id"):
        """The records of the dealers the portal user works for, as its record rules say: its
        commercial partner's, and its sub-dealers' in the companies where the dealer's running
        contract lets its portal users see them (for searches under ``sudo()``)."""
        dealer = self._as_dealer()
        companies = dealer.sudo().after_sales_portal_sub_dealer_company_ids
        return Domain(field, "=", dealer.id) | (
            Domain(field, "child_of", [dealer.id]) & Domain("company_id", "in", companies.ids)
        )

    def _as_check(self, model_name, record_id, access_token=None):
        """The record if the portal user may read it (record rules) or holds its token, sudoed;
        else raises AccessError/MissingError, answered by a 404 (never the content)."""
        if access_token and "access_token" not in request.env[model_name]._fields:
            access_token = None
        return self._document_check_access(model_name, int(record_id), access_token)

    def _as_not_found(self):
        return request.not_found()

    def _as_serving_contract(self, dealer=None):
        """The running contract serving ``dealer`` (the portal dealer by default): its own, or,
        for a sub-dealer without one, its parent dealer's; in the user's current company first,
        then in its other companies. The decision is the contract model's
        (:meth:`after_sales.contract._get_serving_contract_resolver`)."""
        dealer = (dealer or self._as_dealer()).commercial_partner_id
        Contract = request.env["after_sales.contract"].sudo()
        companies = request.env.company | request.env.user.sudo().company_ids
        resolve = Contract._get_serving_contract_resolver(dealer, companies)
        for company in companies:
            contract = resolve(dealer, company)
            if contract:
                return contract
        return Contract

    def _as_draft_to_edit(self, model_name, record_id, path):
        """The dealer's draft ``record_id`` opened on its form (a claim, a return, a
        requisition): ``(record, None)``; or ``(None, response)``: a 404 for an id that is not
        the dealer's, the document's page once it has left the draft."""
        try:
            record = self._as_check(model_name, record_id)
        except (AccessError, MissingError):
            return None, self._as_not_found()
        if record.state != "draft":
            return None, request.redirect(f"{path}/{record.id}")
        return record, None

    def _as_run_on_document(self, model_name, record_id, path, action, message):
        """The POST of a dealer's button on one of its documents (submit a claim, a return, a
        requisition): the document is checked as the dealer's, ``action(record)`` runs in a
        savepoint, and the dealer is sent back to the document with ``message`` or with the
        refusal in words. Another dealer's id answers 404."""
        try:
            record = self._as_check(model_name, record_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        url = f"{path}/{record.id}"
        try:
            with request.env.cr.savepoint():
                action(record)
        except (UserError, ValidationError, AccessError) as exc:
            return self._as_redirect(url, error=self._as_error_text(exc))
        return self._as_redirect(url, message=message)

    def _as_post_draft_form(
        self, path, post, save, submit=None, errors=(UserError, ValidationError, AccessError)
    ):
        """The POST of a dealer's draft form (a claim, a return, a requisition): ``save()``
        creates or updates the draft and returns it; when the dealer pressed Submit
        (``post["submit"]``) and the form has ``submit``, ``submit(record)`` runs in the same
        savepoint. Returns ``(response, error)``: the redirect to the document (``saved`` or
        ``submitted``) and None, or None and the refusal in words to show on the form."""
        submitting = bool(submit and post.get("submit"))
        try:
            with request.env.cr.savepoint():
                record = save()
                if submitting:
                    submit(record)
        except errors as exc:
            return None, self._as_error_text(exc)
        message = "submitted" if submitting else "saved"
        return self._as_redirect(f"{path}/{record.id}", message=message), None

    def _as_require_contract(self, contract):
        """Refuse a dealer's form when no service contract serves it; return the contract."""
        if not contract:
            raise UserError(request.env._("You have no running service contract."))
        return contract

    def _as_redirect(self, url, message=None, error=None):
        params = {}
        if message:
            params["message"] = message
        if error:
            params["error"] = error
        if params:
            url = f"{url}?{url_encode(params)}"
        return request.redirect(url)

    def _as_error_text(self, error):
        if isinstance(error, (UserError, ValidationError, AccessError)):
            return error.args[0] if error.args else str(error)
        return str(error)

    # ------------------------------------------------------------
    # HELPERS: forms
    # ------------------------------------------------------------
    def _as_date(self, value):
        try:
            day = fields.Date.to_date(value) if value else False
        except (ValueError, OverflowError):
            return False
        if day and not MIN_FORM_YEAR <= day.year <= MAX_FORM_YEAR:
            return False
        return day

    def _as_datetime(self, value):
        """A browser's ``datetime-local`` value (the user's local time) as UTC for the ORM;
        False for no value or one that is not a time (year 1 overflows the conversion)."""
        if not value:
            return False
        try:
            local = datetime.datetime.fromisoformat(value)
            if local.tzinfo or not MIN_FORM_YEAR <= local.year <= MAX_FORM_YEAR:
                return False
            tz = pytz.timezone(request.env.user.tz or request.env.context.get("tz") or "UTC")
            return tz.localize(local).astimezone(pytz.UTC).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError):
            return False

    def _as_local_input(self, value):
        """A stored UTC datetime as the value of a ``datetime-local`` input."""
        if not value:
            return ""
        tz = pytz.timezone(request.env.user.tz or "UTC")
        return pytz.UTC.localize(value).astimezone(tz).strftime("%Y-%m-%dT%H:%M")

    def _as_int(self, value):
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0

    def _as_float(self, value):
        """A number typed in a form; 0.0 for none or one that is no number ("nan", "inf",
        "1e308"), which the forms' own checks then refuse."""
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return 0.0
        if not math.isfinite(number) or abs(number) > MAX_FORM_NUMBER:
            return 0.0
        return number

    def _as_products(self, company, domain):
        """Products a dealer may pick in a form (read under sudo: portal users cannot read
        every product)."""
        return (
            request.env["product.product"]
            .sudo()
            .search(
                Domain.AND([domain, [("company_id", "in", [False, company.id])]]),
                order="default_code, name",
                limit=500,
            )
        )

    def _as_selection(self, model_name, field_name):
        field = request.env[model_name]._fields[field_name]
        return [
            (key, strip_rule_ids(label)) for key, label in field._description_selection(request.env)
        ]

    def _as_find_lot(self, product, serial, company):
        """The serial ``serial`` of ``product``; checked by the caller to belong to the dealer
        where it matters."""
        return (
            request.env["stock.lot"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product.id),
                    ("name", "=", serial),
                    ("company_id", "in", [False, company.id]),
                ],
                limit=1,
            )
        )

    # ------------------------------------------------------------
    # HELPERS: chatter
    # ------------------------------------------------------------
    def _as_messages(self, record):
        """The messages of ``record`` a dealer may read: comments and e-mails, no internal
        notes (read under sudo; the caller checked the record)."""
        return record.sudo().message_ids.filtered(
            lambda m: (
                m.message_type in ("comment", "email")
                and not (m.subtype_id and m.subtype_id.internal)
                and not m.is_internal
            )
        )

    def _as_message_author(self, record):
        """Who comments on ``record``: the logged-in contact when its dealer's record rules let
        it read the record, or when it works for the record's dealer; the record's dealer when
        it is opened anonymously with the access token of its mail. Another dealer's contact
        holding the token is refused (the message would be signed by that other dealer)."""
        user = request.env.user
        dealer = record.sudo().dealer_id
        if user._is_public():
            return dealer
        if record.with_user(user).has_access("read"):
            return user.partner_id
        if dealer and user.partner_id.commercial_partner_id == dealer.commercial_partner_id:
            return user.partner_id
        raise AccessError(
            request.env._(
                "%(document)s is not addressed to %(dealer)s.",
                document=record.sudo().display_name,
                dealer=user.partner_id.commercial_partner_id.name,
            )
        )

    def _as_post_message(self, record, body):
        """Post the dealer's comment on ``record`` in the dealer's name."""
        author = self._as_message_author(record)
        record.sudo().message_post(
            body=Markup("<p>%s</p>") % body,
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    @http.route(
        "/my/after-sales/<any(cards,claims,returns,parts,settlements):kind>/<int:record_id>"
        "/message",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_after_sales_message(self, kind, record_id, body=None, access_token=None, **kw):
        """A dealer's comment on one of its documents, posted in its chatter."""
        try:
            record = self._as_check(SECTIONS[kind]["model"], record_id, access_token)
            if kind == "settlements":
                record = self._as_settlement_for_action(record_id, access_token)
        except (AccessError, MissingError):
            return self._as_not_found()
        url = f"/my/after-sales/{kind}/{record_id}"
        params = {"access_token": access_token} if access_token else {}
        if (body or "").strip():
            try:
                with request.env.cr.savepoint():
                    self._as_post_message(record, body.strip())
            except (UserError, ValidationError) as error:
                params["error"] = self._as_error_text(error)
        if params:
            url += f"?{url_encode(params)}"
        return request.redirect(url + "#o_as_chatter")

    # ------------------------------------------------------------
    # HELPERS: reports
    # ------------------------------------------------------------
    def _as_show_report(self, record, report_ref, report_type="pdf", download=False):
        return self._show_report(
            model=record, report_type=report_type, report_ref=report_ref, download=download
        )

    def _get_http_headers(self, model, report_type, report, download):
        """Odoo's portal names a PDF with ``_get_report_base_filename``, which only some models
        define: the after-sales documents take their report's printed name instead (without
        this the notice download answered HTTP 500)."""
        if not model._name.startswith("after_sales.") or hasattr(
            model, "_get_report_base_filename"
        ):
            return super()._get_http_headers(model, report_type, report, download)
        headers = {
            "Content-Type": "application/pdf" if report_type == "pdf" else "text/html",
            "Content-Length": len(report),
        }
        if report_type == "pdf":
            stem = re.sub(r"[^\w\-]+", "_", model.display_name or model._name)
            headers["Content-Disposition"] = content_disposition(
                f"{stem}.pdf", disposition_type="attachment" if download else "inline"
            )
        return headers

    # ------------------------------------------------------------
    # HELPERS: files
    # ------------------------------------------------------------
    def _as_read_upload(self, upload):
        """The bytes of an uploaded file, or None when none was sent; refuses big files."""
        if not upload or not getattr(upload, "filename", None):
            return None
        content = upload.read()
        if len(content) > MAX_UPLOAD_BYTES:
            raise UserError(
                request.env._(
                    "The file %(file)s is too large (at most %(size)s MB).",
                    file=upload.filename,
                    size=MAX_UPLOAD_BYTES // (1024 * 1024),
                )
            )
        return content

    def _as_attachment_response(self, attachment):
        attachment = attachment.sudo()
        content = base64.b64decode(attachment.datas or b"")
        return request.make_response(
            content,
            headers=[
                ("Content-Type", attachment.mimetype or "application/octet-stream"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(attachment.name or "file")),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )

    # ------------------------------------------------------------
    # FUND (R12-R13)
    # ------------------------------------------------------------
    def _as_fund_contracts(self):
        Contract = request.env["after_sales.contract"]
        if not Contract.has_access("read"):
            return Contract
        return Contract.search([("state", "!=", "draft")])

    @http.route(
        ["/my/after-sales/fund", "/my/after-sales/fund/<int:contract_id>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_after_sales_fund(self, contract_id=None, quarter=None, **kwargs):
        """The repair fund of one of the dealer's contracts: its balance today and its ledger
        rows, quarter by quarter."""
        contracts = self._as_fund_contracts()
        if contract_id:
            contract = contracts.filtered(lambda c: c.id == contract_id)
            if not contract:
                return self._as_not_found()
        else:
            contract = contracts.filtered(lambda c: c.state == "running")[:1] or contracts[:1]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_fund",
                "contracts": contracts.sudo(),
                "contract": contract.sudo(),
            }
        )
        if contract:
            values.update(self._as_fund_values(contract, quarter))
        return request.render("after_sales_service.portal_my_after_sales_fund", values)

    def _as_fund_values(self, contract, quarter_key):
        """Balance today and ledger rows by quarter (rows read as the portal user: the ledger's
        record rule applies)."""
        Entry = request.env["after_sales.fund.entry"]
        today = contract.company_id.sudo()._after_sales_today()
        groups = Entry._read_group(
            [("contract_id", "=", contract.id)],
            ["period_year", "period_quarter"],
            ["amount:sum"],
        )
        quarters = sorted(
            ({"key": f"{y}-{q}", "year": y, "quarter": q, "total": t} for y, q, t in groups),
            key=lambda x: x["key"],
            reverse=True,
        )
        current = "{}-{}".format(*periods.quarter_of(today))
        keys = [q["key"] for q in quarters]
        if quarter_key not in keys:
            quarter_key = current if current in keys else (keys[0] if keys else None)
        domain = [("contract_id", "=", contract.id)]
        if quarter_key:
            year, quarter = quarter_key.split("-")
            domain += [("period_year", "=", int(year)), ("period_quarter", "=", quarter)]
        entries = Entry.search(domain, order="date, id")
        balance = sum(
            Entry.search([("contract_id", "=", contract.id), ("date", "<=", today)]).mapped(
                "amount"
            )
        )
        return {
            "quarters": quarters,
            "quarter_key": quarter_key,
            "entries": entries.sudo(),
            "balance": balance,
            "today": today,
            "currency": contract.sudo().currency_id,
        }

    # ------------------------------------------------------------
    # SETTLEMENTS AND WRITE-OFF NOTICES (R15)
    # ------------------------------------------------------------
    @http.route(
        ["/my/after-sales/settlements/<int:settlement_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_after_sales_settlement(
        self, settlement_id, access_token=None, report_type=None, download=None, **kwargs
    ):
        """One settlement: its figures and claims, the notice as PDF, the confirm and dispute
        buttons. The notice mail's link carries the access token."""
        try:
            settlement = self._as_check("after_sales.settlement", settlement_id, access_token)
        except (AccessError, MissingError):
            return self._as_not_found()
        if settlement.state not in ("notified", "confirmed", "posted"):
            return self._as_not_found()
        if report_type in ("html", "pdf", "text"):
            report = (
                "after_sales_service.action_report_after_sales_settlement"
                if kwargs.get("statement")
                else "after_sales_service.action_report_after_sales_writeoff_notice"
            )
            return self._as_show_report(settlement, report, report_type, download == "true")
        values = self._prepare_portal_layout_values()
        values = self._get_page_view_values(
            settlement, access_token, values, "my_after_sales_settlement_history", False
        )
        values.update(
            {
                "settlement": settlement,
                "page_name": "after_sales_settlement",
                "message": kwargs.get("message"),
                "error": kwargs.get("error"),
                "messages": self._as_messages(settlement),
                "chatter_url": f"/my/after-sales/settlements/{settlement.id}/message",
                "token_query": f"access_token={access_token}" if access_token else "",
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_settlement", values)

    def _as_settlement_for_action(self, settlement_id, access_token):
        settlement = self._as_check("after_sales.settlement", settlement_id, access_token)
        if settlement.state not in ("notified", "confirmed", "posted"):
            raise MissingError(request.env._("This document does not exist."))
        return settlement

    @http.route(
        ["/my/after-sales/settlements/<int:settlement_id>/confirm"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_confirm_after_sales_settlement(self, settlement_id, access_token=None, **kwargs):
        """The dealer confirms the write-off notice."""
        try:
            settlement = self._as_settlement_for_action(settlement_id, access_token)
        except (AccessError, MissingError):
            return self._as_not_found()
        url = f"/my/after-sales/settlements/{settlement_id}"
        query = f"access_token={access_token}&" if access_token else ""
        if settlement.state != "notified":
            return request.redirect(f"{url}?{query}")
        try:
            with request.env.cr.savepoint():
                self._as_confirm_settlement(settlement)
        except (UserError, ValidationError) as error:
            return request.redirect(f"{url}?{query}error={quote(self._as_error_text(error))}")
        return request.redirect(f"{url}?{query}message=confirmed")

    def _as_portal_partner(self, settlement):
        """Who acts on the notice: the logged-in dealer contact, or the dealer itself when the
        notice is opened with its access token from the mail."""
        user = request.env.user
        return user.partner_id if not user._is_public() else settlement.dealer_id

    def _as_confirm_settlement(self, settlement):
        """The dealer's own confirmation of a write-off notice: confirmed, and posted at once
        only when finance enabled automatic posting (the settlement decides)."""
        settlement.sudo()._action_dealer_confirm(self._as_portal_partner(settlement).sudo())

    @http.route(
        ["/my/after-sales/settlements/<int:settlement_id>/dispute"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_dispute_after_sales_settlement(
        self, settlement_id, access_token=None, comment=None, **kwargs
    ):
        """The dealer disputes the write-off notice with a comment: the notice goes back to
        the service desk, which gets an activity to review it."""
        try:
            settlement = self._as_settlement_for_action(settlement_id, access_token)
        except (AccessError, MissingError):
            return self._as_not_found()
        url = f"/my/after-sales/settlements/{settlement_id}"
        query = f"access_token={access_token}&" if access_token else ""
        if settlement.state != "notified":
            return request.redirect(f"{url}?{query}")
        comment = (comment or "").strip()
        if not comment:
            error = request.env._("Say what is wrong with the notice.")
            return request.redirect(f"{url}?{query}error={quote(error)}")
        try:
            with request.env.cr.savepoint():
                self._as_dispute_settlement(settlement, comment)
        except (UserError, ValidationError) as error:
            return request.redirect(f"{url}?{query}error={quote(self._as_error_text(error))}")
        return request.redirect("/my/after-sales/settlements?filterby=all")

    def _as_dispute_settlement(self, settlement, comment):
        """Return a disputed notice to the service desk (the settlement records the reason,
        goes back to draft and gives its responsible a to-do); the comment also shows in the
        dealer's chatter."""
        partner = self._as_portal_partner(settlement).sudo()
        settlement = settlement.sudo()
        settlement._action_dealer_dispute(partner, comment)
        settlement.message_post(
            body=Markup("<p>%s</p><p>%s</p>")
            % (request.env._("The dealer disputes the write-off notice:"), comment),
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    # ------------------------------------------------------------
    # MONTHLY DUTIES (R11)
    # ------------------------------------------------------------
    MONTHLY_FILTERS = {
        "all": {"label": _lt("All"), "domain": []},
        "open": {"label": _lt("To Send"), "domain": [("state", "in", ("due", "late"))]},
        "late": {"label": _lt("Late"), "domain": [("state", "=", "late")]},
    }

    def _as_monthly_count(self):
        """Reports still to send (due or late), as the portal user reads them."""
        Submission = request.env["after_sales.monthly.submission"]
        if not Submission.has_access("read"):
            return 0
        return Submission.search_count(self.MONTHLY_FILTERS["open"]["domain"])

    @http.route(
        ["/my/after-sales/monthly", "/my/after-sales/monthly/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_after_sales_monthly(self, page=1, filterby=None, **kwargs):
        """The dealer's monthly reports (read as the portal user: the record rules keep them to
        the dealer's own): which are due, submitted or late, with a file input on each one the
        dealer still may send."""
        Submission = request.env["after_sales.monthly.submission"]
        filters = {k: dict(v, label=str(v["label"])) for k, v in self.MONTHLY_FILTERS.items()}
        filterby = filterby if filterby in filters else "all"
        domain = filters[filterby]["domain"]
        count = Submission.search_count(domain)
        pager = portal_pager(
            url="/my/after-sales/monthly",
            url_args={"filterby": filterby},
            total=count,
            page=page,
            step=self._items_per_page,
        )
        submissions = Submission.search(
            domain,
            order="month desc, contract_id, kind",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        dealer = self._as_dealer()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_monthly",
                "submissions": submissions.sudo(),
                "dealer": dealer,
                "contract": self._as_serving_contract().sudo(),
                "pager": pager,
                "default_url": "/my/after-sales/monthly",
                "searchbar_filters": filters,
                "filterby": filterby,
                "message": kwargs.get("message"),
                "error": kwargs.get("error"),
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_monthly", values)

    @http.route(
        "/my/after-sales/monthly/<int:submission_id>/submit",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_after_sales_monthly_submit(self, submission_id, upload=None, **kwargs):
        """The dealer uploads one of its monthly reports; another dealer's report answers 404."""
        try:
            submission = self._as_check("after_sales.monthly.submission", submission_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        url = "/my/after-sales/monthly"
        try:
            content = self._as_read_upload(upload)
            with request.env.cr.savepoint():
                self._as_submit_monthly(submission, upload.filename if content else "", content)
        except (UserError, AccessError) as error:
            return self._as_redirect(url, error=self._as_error_text(error))
        return self._as_redirect(url, message="submitted")

    def _as_submit_monthly(self, submission, filename, content):
        """Attach the dealer's file to its report (the report checks the dealer)."""
        return submission.sudo()._action_submit(
            request.env.user.partner_id.sudo(), filename, content
        )

    @http.route(
        "/my/after-sales/monthly/file/<int:attachment_id>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_after_sales_monthly_file(self, attachment_id, **kwargs):
        """A file sent for one of the dealer's monthly reports (the report's record rule
        decides)."""
        attachment = request.env["ir.attachment"].sudo().browse(attachment_id).exists()
        if not attachment or attachment.res_model != "after_sales.monthly.submission":
            return self._as_not_found()
        try:
            self._as_check("after_sales.monthly.submission", attachment.res_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        return self._as_attachment_response(attachment)


def strip_rule_ids(text):
    """``text`` without the spec's rule ids, e.g. "Out of Warranty (R6)" -> "Out of Warranty"."""
    return RULE_ID_RE.sub("", text or "")

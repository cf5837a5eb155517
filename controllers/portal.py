from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools.misc import format_date, format_datetime
from odoo.tools.translate import LazyTranslate

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_lt = LazyTranslate(__name__)

# The dealer's documents listed on the portal (§9): their model, and the columns shown as
# (label, field) pairs. Record rules decide which records a dealer sees.
PORTAL_MODELS = {
    "contracts": "after_sales.contract",
    "cards": "after_sales.warranty.card",
    "claims": "after_sales.claim",
    "returns": "after_sales.return",
}
PORTAL_COLUMNS = {
    "contracts": [
        (_lt("Contract"), "name"),
        (_lt("Start"), "date_start"),
        (_lt("End"), "date_end"),
        (_lt("Status"), "state"),
    ],
    "cards": [
        (_lt("Card"), "name"),
        (_lt("Product"), "product_id"),
        (_lt("Retail Sale"), "sale_date"),
        (_lt("Received"), "date_received"),
        (_lt("Status"), "state"),
    ],
    "claims": [
        (_lt("Claim"), "name"),
        (_lt("Product"), "product_id"),
        (_lt("Call"), "call_time"),
        (_lt("Covered"), "is_covered"),
        (_lt("Status"), "state"),
    ],
    "returns": [
        (_lt("Return"), "name"),
        (_lt("Requested"), "date_request"),
        (_lt("Type"), "return_type"),
        (_lt("Status"), "state"),
    ],
}


class AfterSalesPortal(CustomerPortal):
    """The dealer portal: a dealer's portal users see their service contracts, warranty cards,
    claims, returns and quarterly settlements, and confirm write-off notices (R15) without
    calling the manufacturer."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Settlement = request.env["after_sales.settlement"]
        if "after_sales_settlement_count" in counters:
            values["after_sales_settlement_count"] = (
                Settlement.search_count(self._after_sales_settlement_domain())
                if Settlement.has_access("read")
                else 0
            )
        for kind, model in PORTAL_MODELS.items():
            counter = f"after_sales_{kind}_count"
            if counter in counters:
                Model = request.env[model]
                values[counter] = (
                    Model.search_count(self._after_sales_document_domain(kind))
                    if Model.has_access("read")
                    else 0
                )
        return values

    def _after_sales_document_domain(self, kind):
        return [("state", "!=", "draft")] if kind == "contracts" else []

    @http.route(
        [
            "/my/after-sales/<any(contracts,cards,claims,returns):kind>",
            "/my/after-sales/<any(contracts,cards,claims,returns):kind>/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_after_sales_documents(self, kind, page=1, **kwargs):
        """A dealer's contracts, warranty cards, claims or returns, read-only. The search runs
        as the portal user (record rules keep it to the dealer's own); the rows are then
        formatted with sudo, as related records (serials, products) may not be readable."""
        columns = PORTAL_COLUMNS[kind]
        Model = request.env[PORTAL_MODELS[kind]]
        domain = self._after_sales_document_domain(kind)
        count = Model.search_count(domain)
        pager = portal_pager(
            url=f"/my/after-sales/{kind}", total=count, page=page, step=self._items_per_page
        )
        records = Model.search(domain, limit=self._items_per_page, offset=pager["offset"])
        rows = [
            [self._after_sales_cell(record.sudo(), field) for _label, field in columns]
            for record in records
        ]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "kind": kind,
                "headers": [str(label) for label, _field in columns],
                "rows": rows,
                "pager": pager,
                "page_name": f"after_sales_{kind}",
                "default_url": f"/my/after-sales/{kind}",
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_documents", values)

    def _after_sales_settlement_domain(self):
        return [("state", "in", ("notified", "confirmed", "posted"))]

    def _after_sales_cell(self, record, field_name):
        """A record's field as the portal shows it (labels, names, local dates)."""
        field = record._fields[field_name]
        value = record[field_name]
        if field.type == "many2one":
            return value.display_name or ""
        if field.type == "selection":
            return dict(field._description_selection(record.env)).get(value, "")
        if field.type == "boolean":
            return "✓" if value else ""
        if field.type == "date":
            return format_date(record.env, value) if value else ""
        if field.type == "datetime":
            return format_datetime(record.env, value) if value else ""
        return value or ""

    @http.route(
        ["/my/after-sales/settlements", "/my/after-sales/settlements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_after_sales_settlements(self, page=1, **kwargs):
        """The dealer's write-off notices and settlement statements."""
        Settlement = request.env["after_sales.settlement"]
        domain = self._after_sales_settlement_domain()
        count = Settlement.search_count(domain)
        pager = portal_pager(
            url="/my/after-sales/settlements", total=count, page=page, step=self._items_per_page
        )
        settlements = Settlement.search(
            domain,
            order="year desc, quarter desc, id desc",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "settlements": settlements,
                "pager": pager,
                "page_name": "after_sales_settlements",
                "default_url": "/my/after-sales/settlements",
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_settlements", values)

    @http.route(
        ["/my/after-sales/settlements/<int:settlement_id>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_after_sales_settlement(self, settlement_id, report_type=None, **kwargs):
        """One settlement: its figures and claims, the notice as PDF, and the confirm button."""
        try:
            settlement = self._document_check_access("after_sales.settlement", settlement_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=settlement,
                report_type=report_type,
                report_ref="after_sales_service.action_report_after_sales_writeoff_notice",
                download=kwargs.get("download") == "true",
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "settlement": settlement,
                "page_name": "after_sales_settlement",
                "confirmed": kwargs.get("confirmed"),
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_settlement", values)

    @http.route(
        ["/my/after-sales/settlements/<int:settlement_id>/confirm"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_confirm_after_sales_settlement(self, settlement_id, **kwargs):
        """The dealer confirms the write-off notice; finance can then post the credit note."""
        try:
            settlement = self._document_check_access("after_sales.settlement", settlement_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if settlement.state == "notified":
            try:
                settlement.action_confirm(confirmed_by=request.env.user.name)
            except UserError:
                return request.redirect(f"/my/after-sales/settlements/{settlement_id}")
            settlement.message_post(
                body=request.env._(
                    "Write-off notice confirmed on the portal by %(user)s.",
                    user=request.env.user.name,
                ),
                author_id=request.env.user.partner_id.id,
            )
        return request.redirect(f"/my/after-sales/settlements/{settlement_id}?confirmed=1")

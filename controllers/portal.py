from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class AfterSalesPortal(CustomerPortal):
    """The dealer portal: a dealer's portal users see their service contracts and quarterly
    settlements, and confirm write-off notices (R15) without calling the manufacturer."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Settlement = request.env["after_sales.settlement"]
        if "after_sales_settlement_count" in counters:
            values["after_sales_settlement_count"] = (
                Settlement.search_count(self._after_sales_settlement_domain())
                if Settlement.has_access("read")
                else 0
            )
        if "after_sales_contract_count" in counters:
            Contract = request.env["after_sales.contract"]
            values["after_sales_contract_count"] = (
                Contract.search_count([("state", "!=", "draft")])
                if Contract.has_access("read")
                else 0
            )
        return values

    def _after_sales_settlement_domain(self):
        return [("state", "in", ("notified", "confirmed", "posted"))]

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

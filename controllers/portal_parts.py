from odoo import Command, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from .portal import AfterSalesPortal

BLANK_LINES = 4


class AfterSalesPortalParts(AfterSalesPortal):
    """Parts requisitions on the portal (R24, R25): the dealer requests the month's parts,
    urgent or not, sees how they split into free, fund and bought parts with their amounts
    before submitting, and follows the shipping."""

    @http.route("/my/after-sales/parts/<int:request_id>", type="http", auth="user", website=True)
    def portal_my_after_sales_parts_request(self, request_id, **kw):
        try:
            requisition = self._as_check("after_sales.parts.request", request_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        pickings = (requisition.picking_id | requisition.sale_order_id.picking_ids).sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_parts_request",
                "requisition": requisition,
                "pickings": pickings,
                "picking_states": dict(self._as_selection("stock.picking", "state")),
                "message": kw.get("message"),
                "error": kw.get("error"),
                "messages": self._as_messages(requisition),
                "chatter_url": f"/my/after-sales/parts/{requisition.id}/message",
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_parts_request", values)

    @http.route(
        ["/my/after-sales/parts/new", "/my/after-sales/parts/<int:request_id>/edit"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_after_sales_parts_form(self, request_id=None, **post):
        requisition = None
        if request_id:
            requisition, response = self._as_draft_to_edit(
                "after_sales.parts.request", request_id, "/my/after-sales/parts"
            )
            if response:
                return response
        contract = requisition.contract_id if requisition else self._as_own_contract()
        error = None
        if request.httprequest.method == "POST":
            response, error = self._as_post_draft_form(
                "/my/after-sales/parts",
                post,
                lambda: self._as_save_parts_request(
                    self._as_require_contract(contract), requisition, post
                ),
            )
            if response:
                return response
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_parts_form",
                "requisition": requisition,
                "contract": contract.sudo(),
                "post": post,
                "error": error,
                "lines": list(requisition.line_ids) if requisition else [],
                "blank_lines": range(BLANK_LINES),
                "products": self._as_part_products(contract),
                "request_types": self._as_selection("after_sales.parts.request", "request_type"),
                "shipping_modes": self._as_selection("after_sales.parts.request", "shipping_mode"),
            }
        )
        return request.render("after_sales_service.portal_after_sales_parts_form", values)

    @http.route(
        "/my/after-sales/parts/<int:request_id>/submit",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_after_sales_parts_submit(self, request_id, **post):
        return self._as_run_on_document(
            "after_sales.parts.request",
            request_id,
            "/my/after-sales/parts",
            self._as_submit_parts_request,
            "submitted",
        )

    # ------------------------------------------------------------
    # HELPERS (model calls)
    # ------------------------------------------------------------
    def _as_own_contract(self):
        """Requisitions are the commercial dealer's, under its own running contract."""
        contract = self._as_serving_contract()
        return contract if contract.dealer_id == self._as_dealer() else contract.browse()

    def _as_part_products(self, contract):
        if not contract:
            return request.env["product.product"]
        return self._as_products(
            contract.company_id,
            [("type", "=", "consu"), ("tracking", "!=", "serial"), ("sale_ok", "=", True)],
        )

    def _as_save_parts_request(self, contract, requisition, post):
        env = request.env
        types = dict(self._as_selection("after_sales.parts.request", "request_type"))
        modes = dict(self._as_selection("after_sales.parts.request", "shipping_mode"))
        products = self._as_part_products(contract)
        commands = [Command.clear()]
        indexes = sorted(
            {
                int(key.split("_")[1])
                for key in post
                if key.startswith("line_") and key.split("_")[1].isdigit()
            }
        )
        for index in indexes:
            product_id = self._as_int(post.get(f"line_{index}_product_id"))
            quantity = self._as_float(post.get(f"line_{index}_quantity"))
            if not product_id:
                continue
            product = products.filtered(lambda p, pid=product_id: p.id == pid)
            if not product:
                raise UserError(env._("Choose the parts from the list."))
            if quantity <= 0:
                raise UserError(env._("Enter a positive quantity of %(part)s.", part=product.name))
            commands.append(Command.create({"product_id": product.id, "quantity": quantity}))
        if len(commands) == 1:
            raise UserError(env._("List the parts you need."))
        vals = {
            "request_type": post.get("request_type")
            if post.get("request_type") in types
            else "stock",
            "shipping_mode": post.get("shipping_mode")
            if post.get("shipping_mode") in modes
            else "normal",
            "line_ids": commands,
        }
        if requisition:
            requisition.sudo().write(vals)
        else:
            vals.update(
                {
                    "dealer_id": contract.dealer_id.id,
                    "contract_id": contract.id,
                    "company_id": contract.company_id.id,
                    "user_id": contract.user_id.id or False,
                }
            )
            requisition = (
                env["after_sales.parts.request"]
                .sudo()
                .with_company(contract.company_id)
                .create(vals)
            )
            requisition.message_post(
                body=env._("Requested on the portal by %(user)s.", user=env.user.name),
                author_id=env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        self._as_preview_parts_split(requisition)
        return requisition

    def _as_preview_parts_split(self, requisition):
        """Show the dealer, before it submits, how the draft lines split into free, fund and
        bought parts at today's fund balance: the approval's own split (``_allocate``) written
        on the draft lines; the approval splits again at its own balance."""
        requisition = requisition.sudo().with_company(requisition.company_id)
        contract = requisition.contract_id
        if contract:
            contract.invalidate_recordset(["fund_balance"])
            requisition.line_ids._allocate(contract, contract.fund_balance)

    def _as_submit_parts_request(self, requisition):
        """Submit the dealer's draft requisition for approval."""
        if requisition.state == "draft":
            self._as_preview_parts_split(requisition)
        requisition.sudo().action_submit()

from odoo import Command, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from .portal import AfterSalesPortal, strip_rule_ids

BLANK_LINES = 3
COST_ITEMS = ("freight_in", "freight_out", "parts", "labour")


class AfterSalesPortalReturns(AfterSalesPortal):
    """Returns on the portal (R27, R28, R3-R8): the dealer lists products, serials,
    quantities and reasons, sees the suggested type and who pays, submits for written approval,
    follows approval and receipt and prints the return authorization."""

    @http.route("/my/after-sales/returns/<int:return_id>", type="http", auth="user", website=True)
    def portal_my_after_sales_return(self, return_id, report_type=None, download=None, **kw):
        try:
            ret = self._as_check("after_sales.return", return_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        if report_type in ("html", "pdf", "text"):
            if ret.state in ("draft", "submitted", "refused"):
                return self._as_not_found()
            return self._as_show_report(
                ret,
                "after_sales_service.after_sales_return_report_action",
                report_type,
                download == "true",
            )
        payer_labels = dict(self._as_selection("after_sales.return", "freight_in_payer"))
        cost_labels = ret._cost_labels()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_return",
                "ret": ret,
                "type_labels": dict(self._as_selection("after_sales.return", "return_type")),
                "suggestion_note": strip_rule_ids(ret.suggestion_note),
                "costs": [
                    {
                        "label": cost_labels.get(item, item),
                        "payer": payer_labels.get(ret[f"{item}_payer"], ""),
                    }
                    for item in COST_ITEMS
                ],
                "message": kw.get("message"),
                "error": kw.get("error"),
                "messages": self._as_messages(ret),
                "chatter_url": f"/my/after-sales/returns/{ret.id}/message",
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_return", values)

    @http.route(
        ["/my/after-sales/returns/new", "/my/after-sales/returns/<int:return_id>/edit"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_after_sales_return_form(self, return_id=None, **post):
        ret = None
        if return_id:
            ret, response = self._as_draft_to_edit(
                "after_sales.return", return_id, "/my/after-sales/returns"
            )
            if response:
                return response
        contract = ret.contract_id if ret else self._as_serving_contract()
        error = None
        if request.httprequest.method == "POST":
            response, error = self._as_post_draft_form(
                "/my/after-sales/returns",
                post,
                lambda: self._as_save_return(self._as_require_contract(contract), ret, post),
                self._as_submit_return,
            )
            if response:
                return response
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_return_form",
                "ret": ret,
                "contract": contract.sudo(),
                "post": post,
                "error": error,
                "lines": list(ret.line_ids) if ret else [],
                "blank_lines": range(BLANK_LINES),
                "products": self._as_return_products(contract),
                "types": self._as_selection("after_sales.return", "return_type"),
                "stock_cases": self._as_selection("after_sales.return", "stock_case"),
            }
        )
        return request.render("after_sales_service.portal_after_sales_return_form", values)

    @http.route(
        "/my/after-sales/returns/<int:return_id>/submit",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_after_sales_return_submit(self, return_id, **post):
        return self._as_run_on_document(
            "after_sales.return",
            return_id,
            "/my/after-sales/returns",
            self._as_submit_return,
            "submitted",
        )

    # ------------------------------------------------------------
    # HELPERS (model calls)
    # ------------------------------------------------------------
    def _as_return_products(self, contract):
        if not contract:
            return request.env["product.product"]
        return self._as_products(contract.company_id, [("sale_ok", "=", True)])

    def _as_return_lines(self, contract, post):
        env = request.env
        products = self._as_return_products(contract)
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
            if not product_id:
                continue
            product = products.filtered(lambda p, pid=product_id: p.id == pid)
            if not product:
                raise UserError(env._("Choose the products from the list."))
            serial = (post.get(f"line_{index}_serial") or "").strip()
            reason = (post.get(f"line_{index}_reason") or "").strip()
            if not reason:
                raise UserError(
                    env._("Give the reason for returning %(product)s.", product=product.name)
                )
            typed = (post.get(f"line_{index}_quantity") or "").strip()
            quantity = self._as_float(typed) if typed else 1.0
            if quantity <= 0:
                raise UserError(env._("Enter a positive quantity of %(part)s.", part=product.name))
            vals = {"product_id": product.id, "quantity": quantity, "reason": reason}
            if serial:
                lot = self._as_find_lot(product, serial, contract.company_id)
                if not lot:
                    raise UserError(
                        env._(
                            "Serial %(serial)s of %(product)s is unknown.",
                            serial=serial,
                            product=product.name,
                        )
                    )
                vals["lot_id"] = lot.id
            commands.append(Command.create(vals))
        if len(commands) == 1:
            raise UserError(env._("List the products you return."))
        return commands

    def _as_save_return(self, contract, ret, post):
        """Create the dealer's draft return or save its draft. The type follows the dates
        unless the dealer states one; the serials must have been delivered to the dealer (the
        model checks it)."""
        types = dict(self._as_selection("after_sales.return", "return_type"))
        cases = dict(self._as_selection("after_sales.return", "stock_case"))
        vals = {
            "description": (post.get("description") or "").strip() or False,
            "date_defect": self._as_date(post.get("date_defect")) or False,
            "type_override": post.get("type_override")
            if post.get("type_override") in types
            else False,
            "stock_case": post.get("stock_case") if post.get("stock_case") in cases else False,
            "line_ids": self._as_return_lines(contract, post),
        }
        if not vals["date_defect"]:
            raise UserError(request.env._("Enter when the defect was found."))
        if ret:
            ret.sudo().write(vals)
            return ret
        vals.update(
            {
                "dealer_id": self._as_dealer().id,
                "company_id": contract.company_id.id,
                "user_id": contract.user_id.id or False,
            }
        )
        ret = (
            request.env["after_sales.return"].sudo().with_company(contract.company_id).create(vals)
        )
        ret.message_post(
            body=request.env._("Requested on the portal by %(user)s.", user=request.env.user.name),
            author_id=request.env.user.partner_id.id,
            subtype_xmlid="mail.mt_note",
        )
        return ret

    def _as_submit_return(self, ret):
        """Submit the dealer's draft return for written approval."""
        ret.sudo().action_submit()

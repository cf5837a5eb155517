import base64

from odoo import Command, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from .portal import AfterSalesPortal

# The photos a claim asks for (R19): nameplate, invoice, fault.
PHOTO_CATEGORIES = ("nameplate", "invoice", "fault")
PHOTO_PREFIX = "after_sales_photo:"
BLANK_LINES = 3
IMAGE_MIMETYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/heic")


class AfterSalesPortalClaims(AfterSalesPortal):
    """Warranty claims on the portal (R19-R22): the dealer files a claim from one of its
    cards, attaches photos, has the customer and the technician sign, submits it, then follows
    the appraisal, coverage and amounts and prints the service receipt."""

    def _as_photo_labels(self):
        env = request.env
        return {
            "nameplate": env._("Nameplate"),
            "invoice": env._("Invoice"),
            "fault": env._("Fault"),
        }

    # ------------------------------------------------------------
    # ROUTES: read
    # ------------------------------------------------------------
    @http.route("/my/after-sales/claims/<int:claim_id>", type="http", auth="user", website=True)
    def portal_my_after_sales_claim(self, claim_id, report_type=None, download=None, **kwargs):
        try:
            claim = self._as_check("after_sales.claim", claim_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        if report_type in ("html", "pdf", "text"):
            return self._as_show_report(
                claim,
                "after_sales_service.action_report_after_sales_service_receipt",
                report_type,
                download == "true",
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_claim",
                "claim": claim,
                "photos": self._as_claim_photos(claim),
                "photo_labels": self._as_photo_labels(),
                "coverage_label": dict(
                    self._as_selection("after_sales.claim", "coverage_reason")
                ).get(claim.coverage_reason, ""),
                "is_draft": claim.state == "draft",
                "message": kwargs.get("message"),
                "error": kwargs.get("error"),
                "messages": self._as_messages(claim),
                "chatter_url": f"/my/after-sales/claims/{claim.id}/message",
            }
        )
        return request.render("after_sales_service.portal_my_after_sales_claim", values)

    @http.route(
        "/my/after-sales/claims/<int:claim_id>/photo/<int:attachment_id>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_after_sales_claim_photo(self, claim_id, attachment_id, **kwargs):
        try:
            claim = self._as_check("after_sales.claim", claim_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        photo = self._as_claim_photos(claim).filtered(lambda a: a.id == attachment_id)
        if not photo:
            return self._as_not_found()
        return self._as_attachment_response(photo)

    # ------------------------------------------------------------
    # ROUTES: write
    # ------------------------------------------------------------
    @http.route(
        ["/my/after-sales/claims/new", "/my/after-sales/claims/<int:claim_id>/edit"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_after_sales_claim_form(self, claim_id=None, card_id=None, **post):
        """The claim form: new from a card (``card_id``) or a draft being corrected."""
        claim = card = None
        if claim_id:
            claim, response = self._as_draft_to_edit(
                "after_sales.claim", claim_id, "/my/after-sales/claims"
            )
            if response:
                return response
            card = claim.card_id
        else:
            try:
                card = self._as_check("after_sales.warranty.card", self._as_int(card_id))
            except (AccessError, MissingError):
                return self._as_not_found()
            if card.state not in ("registered", "late") or not card.contract_id:
                return self._as_not_found()
        error = None
        if request.httprequest.method == "POST":
            response, error = self._as_post_draft_form(
                "/my/after-sales/claims",
                post,
                lambda: self._as_save_claim(card, claim, post),
                self._as_submit_claim,
                errors=(UserError, ValidationError),
            )
            if response:
                return response
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "after_sales_claim_form",
                "claim": claim,
                "card": card,
                "post": post,
                "error": error,
                "lines": list(claim.line_ids) if claim else [],
                "blank_lines": range(BLANK_LINES),
                "line_products": self._as_claim_line_products(card),
                "cause_categories": self._as_selection("after_sales.claim", "cause_category"),
                "zones": self._as_selection("after_sales.claim", "zone"),
                "results": self._as_selection("after_sales.claim", "result"),
                "line_types": self._as_selection("after_sales.claim.line", "line_type"),
                "local_input": self._as_local_input,
            }
        )
        return request.render("after_sales_service.portal_after_sales_claim_form", values)

    @http.route(
        "/my/after-sales/claims/<int:claim_id>/submit",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_after_sales_claim_submit(self, claim_id, **post):
        return self._as_run_on_document(
            "after_sales.claim",
            claim_id,
            "/my/after-sales/claims",
            self._as_submit_claim,
            "submitted",
        )

    @http.route(
        "/my/after-sales/claims/<int:claim_id>/photos",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_after_sales_claim_photos(self, claim_id, category=None, **post):
        """Attach photos (nameplate, invoice, fault) to a draft or submitted claim."""
        try:
            claim = self._as_check("after_sales.claim", claim_id)
        except (AccessError, MissingError):
            return self._as_not_found()
        url = f"/my/after-sales/claims/{claim.id}"
        if category not in PHOTO_CATEGORIES or claim.state not in ("draft", "submitted"):
            return self._as_redirect(url, error=request.env._("Photos cannot be added now."))
        files = request.httprequest.files.getlist("photos")
        try:
            uploads = [(f.filename, self._as_read_upload(f)) for f in files if f.filename]
            if not uploads:
                raise UserError(request.env._("Choose the photos to upload."))
            with request.env.cr.savepoint():
                self._as_add_claim_photos(claim, category, uploads)
        except UserError as exc:
            return self._as_redirect(url, error=self._as_error_text(exc))
        return self._as_redirect(url, message="photos")

    @http.route(
        "/my/after-sales/claims/<int:claim_id>/sign/<any(customer,technician):who>",
        type="jsonrpc",
        auth="user",
        website=True,
    )
    def portal_after_sales_claim_sign(self, claim_id, who, name=None, signature=None, **kw):
        """Odoo's signature widget sends the customer's or the technician's signature here
        (JSON, so not forgeable by a cross-site form)."""
        try:
            claim = self._as_check("after_sales.claim", claim_id)
        except (AccessError, MissingError):
            return {"error": request.env._("This claim does not exist.")}
        if claim.state != "draft":
            return {"error": request.env._("Only a draft claim can be signed.")}
        if not signature:
            return {"error": request.env._("Signature is missing.")}
        try:
            self._as_sign_claim(claim, who, name, signature)
        except (UserError, ValidationError, ValueError) as exc:
            return {"error": self._as_error_text(exc)}
        return {
            "force_refresh": True,
            "redirect_url": f"/my/after-sales/claims/{claim.id}?message=signed",
        }

    # ------------------------------------------------------------
    # HELPERS (model calls)
    # ------------------------------------------------------------
    def _as_claim_photos(self, claim):
        return (
            request.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "after_sales.claim"),
                    ("res_id", "=", claim.id),
                    ("description", "=like", f"{PHOTO_PREFIX}%"),
                ],
                order="id",
            )
        )

    def _as_add_claim_photos(self, claim, category, uploads):
        label = self._as_photo_labels()[category]
        attachments = (
            request.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": f"{label} - {filename}",
                        "datas": base64.b64encode(content),
                        "res_model": "after_sales.claim",
                        "res_id": claim.id,
                        "description": f"{PHOTO_PREFIX}{category}",
                    }
                    for filename, content in uploads
                ]
            )
        )
        not_images = attachments.filtered(lambda a: a.mimetype not in IMAGE_MIMETYPES)
        if not_images:
            raise UserError(request.env._("%(file)s is not a photo.", file=not_images[0].name))
        return attachments

    def _as_sign_claim(self, claim, who, name, signature):
        base64.b64decode(signature, validate=True)
        field = "customer_signature" if who == "customer" else "technician_signature"
        vals = {field: signature}
        if who == "technician" and name and not claim.technician_name:
            vals["technician_name"] = name
        claim.sudo().write(vals)

    def _as_claim_line_products(self, card):
        company = card.company_id
        return self._as_products(company, [("type", "in", ("consu", "service"))])

    def _as_claim_vals(self, card, post):
        """The claim's values from the form; dealer, card and company are the card's."""
        env = request.env
        categories = dict(self._as_selection("after_sales.claim", "cause_category"))
        zones = dict(self._as_selection("after_sales.claim", "zone"))
        results = dict(self._as_selection("after_sales.claim", "result"))
        call_time = self._as_datetime(post.get("call_time"))
        if not call_time:
            raise UserError(env._("Enter when the customer called."))
        if not (post.get("symptom") or "").strip():
            raise UserError(env._("Describe the fault symptom."))
        vals = {
            "call_time": call_time,
            "arranged_time": self._as_datetime(post.get("arranged_time")),
            "arrival_time": self._as_datetime(post.get("arrival_time")),
            "completion_time": self._as_datetime(post.get("completion_time")),
            "onsite": bool(post.get("onsite")),
            "zone": post.get("zone") if post.get("zone") in zones else False,
            "symptom": post.get("symptom", "").strip(),
            "cause": (post.get("cause") or "").strip() or False,
            "cause_category": post.get("cause_category")
            if post.get("cause_category") in categories
            else False,
            "solution": (post.get("solution") or "").strip() or False,
            "result": post.get("result") if post.get("result") in results else False,
            "technician_name": (post.get("technician_name") or "").strip() or False,
        }
        return vals

    def _as_claim_lines(self, card, post):
        """Line commands from the form's rows ``line_<n>_<field>``: parts and labour at the
        contract's price list, freight at the price entered. A part or labour row without a
        product of the list is refused, naming the row: priced at the dealer's word it would
        be reimbursed at any amount, and a part without a product owes no old part (R15,
        R21)."""
        env = request.env
        types = dict(self._as_selection("after_sales.claim.line", "line_type"))
        products = self._as_claim_line_products(card)
        commands = [Command.clear()]
        indexes = sorted(
            {
                int(key.split("_")[1])
                for key in post
                if key.startswith("line_") and key.split("_")[1].isdigit()
            }
        )
        for index in indexes:
            line_type = post.get(f"line_{index}_type")
            product_id = self._as_int(post.get(f"line_{index}_product_id"))
            name = (post.get(f"line_{index}_name") or "").strip()
            quantity = self._as_float(post.get(f"line_{index}_quantity"))
            if not (product_id or name) or quantity <= 0:
                continue
            if line_type not in types:
                line_type = "part"
            product = products.filtered(lambda p, pid=product_id: p.id == pid)
            if not product and line_type != "freight":
                raise UserError(
                    env._(
                        "Line %(line)s (%(type)s: %(name)s): choose the product from the "
                        "list, it is priced at the contract's price list; a price is entered "
                        "for freight only.",
                        line=index + 1,
                        type=types[line_type],
                        name=name or "-",
                    )
                )
            vals = {
                "line_type": line_type,
                "product_id": product.id or False,
                "name": name or product.display_name,
                "quantity": quantity,
            }
            if not product:
                vals["price_unit"] = max(self._as_float(post.get(f"line_{index}_price")), 0.0)
            commands.append(Command.create(vals))
        return commands

    def _as_save_claim(self, card, claim, post):
        """Create the draft claim from ``card`` or save the draft ``claim``."""
        vals = self._as_claim_vals(card, post)
        vals["line_ids"] = self._as_claim_lines(card, post)
        if claim:
            # as the dealer, not as the superuser the portal reads the draft with: the claim's
            # rules on what a dealer writes apply (see after_sales.claim.line)
            claim.with_user(request.env.user).sudo().write(vals)
            return claim
        contract = card.contract_id
        vals.update(
            {
                "card_id": card.id,
                "dealer_id": card.dealer_id.id,
                "company_id": card.company_id.id,
                "user_id": contract.user_id.id or False,
            }
        )
        claim = request.env["after_sales.claim"].sudo().with_company(card.company_id).create(vals)
        claim.message_post(
            body=request.env._("Filed on the portal by %(user)s.", user=request.env.user.name),
            author_id=request.env.user.partner_id.id,
            subtype_xmlid="mail.mt_note",
        )
        return claim

    def _as_submit_claim(self, claim):
        """Submit the dealer's draft claim to the technical department."""
        claim.sudo().action_submit()

from odoo import Command, models


class AfterSalesChargeMixin(models.AbstractModel):
    """What a dealer owes for a document of its own (a return's freight and refurbishment, an
    old part that never came back): one decision, "charge the repair fund or invoice the
    dealer", and one builder of each. Returns, old parts and parts requisitions call it.

    The repair fund is charged while the dealer's budget contract runs and covers the charge's
    date (合同一 三, 五.4); a contract that ended, was terminated or pays its allowance out has no
    fund to draw, so the dealer is invoiced."""

    _name = "after_sales.charge.mixin"
    _description = "After-Sales Dealer Charge"

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _charges_on_fund(self, contract=None, date=None):
        """True when a charge of ``date`` (today by default) on ``contract`` (the record's
        own by default) is a repair fund row rather than an invoice."""
        contract = (contract if contract is not None else self.contract_id).sudo()
        date = date or self._company_today()
        return bool(
            contract
            and contract.allowance_use == "budget"
            and contract.state == "running"
            and contract.date_start <= date
            and (not contract.date_end or date <= contract.date_end)
        )

    def _get_charge_lang_env(self, partner):
        """The environment in the language of the dealer ``partner`` (its commercial partner's):
        a charge's texts (its ledger row, its invoice lines) are the dealer's to read on the
        portal and on the invoice, whoever posts them, a desk user or the daily cron."""
        return self.with_context(lang=partner._after_sales_lang()).env

    def _charge_taxes(self, product, company, partner):
        """The configured VAT of a charge line: the customer taxes of its product in
        ``company``, mapped through the dealer's fiscal position."""
        if not product:
            return self.env["account.tax"]
        taxes = product.sudo().taxes_id.filtered(lambda t: t.company_id in company.parent_ids)
        fiscal_position = (
            self.env["account.fiscal.position"].sudo().with_company(company)
        )._get_fiscal_position(partner)
        return fiscal_position.map_tax(taxes) if fiscal_position else taxes

    def _prepare_charge_invoice_vals(self, partner, lines, date, origin):
        """Values of the dealer's charge invoice for this document (its company and
        currency). ``lines`` are dicts with ``name``, ``product`` (may be empty), ``quantity``
        and ``price_unit``."""
        self.ensure_one()
        company = self.company_id
        invoice_lines = []
        for line in lines:
            product = line.get("product") or self.env["product.product"]
            vals = {
                "name": line["name"],
                "quantity": line.get("quantity", 1.0),
                "price_unit": line["price_unit"],
                "tax_ids": [Command.set(self._charge_taxes(product, company, partner).ids)],
            }
            if product:
                vals["product_id"] = product.id
                vals["product_uom_id"] = product.uom_id.id
            invoice_lines.append(Command.create(vals))
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.commercial_partner_id.id,
            "company_id": company.id,
            "currency_id": (self.currency_id or company.currency_id).id,
            "invoice_date": date,
            "invoice_origin": origin,
            "invoice_line_ids": invoice_lines,
            "after_sales_kind": "charge",
        }
        journal = company.after_sales_journal_id
        if journal:
            vals["journal_id"] = journal.id
        return vals

    def _post_dealer_charge(self, partner, lines, date, *, label, kind, source, note=None):
        """Charge the dealer ``lines`` of this document on ``date``: a repair fund row of
        ``kind`` on the document's contract (under the contract's fund lock, so that two
        charges never overdraw the fund together) or a posted invoice. Returns the fund entry
        or the invoice. Callers check the user's rights."""
        self.ensure_one()
        contract = self.contract_id.sudo()
        if self._charges_on_fund(contract, date):
            contract._lock_fund()
            total = sum(line.get("quantity", 1.0) * line["price_unit"] for line in lines)
            return contract._fund_post(kind, -total, date, label, source=source, note=note)
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(self._prepare_charge_invoice_vals(partner, lines, date, self.name))
        )
        move.action_post()
        return move

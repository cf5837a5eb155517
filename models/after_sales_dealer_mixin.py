from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .after_sales_document_mixin import model_label


class AfterSalesDealerMixin(models.AbstractModel):
    """Documents a dealer or sub-dealer raises under its service contract (warranty cards,
    claims, returns): the contract follows the dealer, found with
    :meth:`after_sales.contract._get_serving_contract_multi`, one query per company.
    The inheriting model declares ``dealer_id`` and ``company_id``.

    A model whose contract depends on a date (the call of a claim, the receipt of a card)
    overrides :meth:`_get_contract_date` and adds that field to ``_contract_date_depends``:
    the contract is then the one that served the dealer on that date, even if it has expired
    or been terminated since."""

    _name = "after_sales.dealer.mixin"
    _description = "After-Sales Dealer Document"

    # Fields the contract date reads (for the compute's dependencies).
    _contract_date_depends = ()

    contract_id = fields.Many2one(
        "after_sales.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
        tracking=True,
        help="The dealer's service contract, or that of the dealer it is a sub-dealer of: its "
        "windows, reimbursement and fund terms apply.",
    )

    @api.depends(lambda self: ("dealer_id", "company_id", *self._contract_date_depends))
    def _compute_contract_id(self):
        serving = self._serving_contracts()
        for record in self:
            record.contract_id = serving[record]

    # ------------------------------------------------------------
    # CONSTRAINT
    # ------------------------------------------------------------
    def _check_contract_serves_dealer(self):
        """DOMAIN §1, issue 10.7: a document's contract is the serving contract of its dealer on
        the document's date, whatever the client sent. Called by the inheriting models'
        constraints."""
        serving = self._serving_contracts()
        for record in self.filtered("contract_id"):
            if record.contract_id != serving[record]:
                raise contract_not_serving_error(
                    record,
                    serving[record],
                    record._get_contract_date() or fields.Date.context_today(record),
                )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _get_contract_date(self):
        """The date whose serving contract applies; None: the contract running now."""
        self.ensure_one()

    def _serving_contracts(self):
        """``{record: contract}`` for ``self``: the running contract for records without a
        date, else the contract that served the dealer (or the dealer above it) on that date.
        One query per company for the undated records, one for the dated ones."""
        Contract = self.env["after_sales.contract"]
        dated = {record: record._get_contract_date() for record in self}
        undated = self.filtered(lambda r: not dated[r])
        result = {}
        for company, records in undated.grouped("company_id").items():
            running = (
                Contract._get_serving_contract_multi(records.dealer_id, company) if company else {}
            )
            for record in records:
                result[record] = running.get(record.dealer_id.id, Contract)
        with_date = {r: day for r, day in dated.items() if day}
        if with_date:
            on_date = self._find_contracts_on_dates(
                {(r.dealer_id, r.company_id, day) for r, day in with_date.items()}
            )
            for record, day in with_date.items():
                result[record] = on_date[record.dealer_id, record.company_id, day]
        return result

    @api.model
    def _find_contracts_on_dates(self, triples):
        """For ``(partner, company, date)`` triples, return ``{triple: contract}``: the contract
        of the partner's commercial partner (or, for a sub-dealer without one, of the dealer
        above it) that was in force on that date. The decision is the contract's own
        (:meth:`after_sales.contract._get_serving_contract_resolver`), one query for the batch."""
        Contract = self.env["after_sales.contract"].sudo()
        partners = self.env["res.partner"].union(*(partner for partner, __, __ in triples))
        companies = self.env["res.company"].union(*(company for __, company, __ in triples))
        resolve = Contract._get_serving_contract_resolver(partners, companies)
        return {
            (partner, company, day): (
                resolve(partner, company, day=day) if company else Contract.browse()
            ).sudo(self.env.su)
            for partner, company, day in triples
        }


def contract_not_serving_error(record, serving, day):
    """The refusal of ``record`` (a document with a dealer and a contract) whose contract is
    not ``serving``, the contract that serves its dealer on ``day``: the one message of the
    documents' contract checks (claims, cards, returns, parts requisitions)."""
    env = record.env
    return ValidationError(
        env._(
            "%(document)s %(name)s: contract %(contract)s does not serve dealer "
            "%(dealer)s on %(date)s%(serving)s.",
            document=model_label(record),
            name=record.display_name,
            contract=record.contract_id.display_name,
            dealer=record.dealer_id.display_name,
            date=day,
            serving=env._(" (the serving contract is %(c)s)", c=serving.display_name)
            if serving
            else "",
        )
    )

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AfterSalesDealerMixin(models.AbstractModel):
    """Documents a dealer or sub-dealer raises under its service contract (warranty cards,
    claims, returns): the contract follows the dealer, found with
    :meth:`after_sales.contract._find_serving_contracts` in one query for the whole batch.
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
                raise ValidationError(
                    self.env._(
                        "%(document)s %(name)s: contract %(contract)s does not serve dealer "
                        "%(dealer)s on %(date)s%(serving)s.",
                        document=self._description,
                        name=record.display_name,
                        contract=record.contract_id.display_name,
                        dealer=record.dealer_id.display_name,
                        date=record._get_contract_date() or fields.Date.context_today(record),
                        serving=self.env._(
                            " (the serving contract is %(c)s)", c=serving[record].display_name
                        )
                        if serving[record]
                        else "",
                    )
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
        Two queries at most for the batch."""
        Contract = self.env["after_sales.contract"]
        dated = {record: record._get_contract_date() for record in self}
        undated = [r for r, day in dated.items() if not day]
        result = {}
        if undated:
            running = Contract._find_serving_contracts(
                {(record.dealer_id, record.company_id) for record in undated}
            )
            for record in undated:
                result[record] = running[record.dealer_id, record.company_id]
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
        above it) that was in force on that date: started, not past its end or termination,
        and not a draft. One query for the batch.

        TODO(issue 15.1): the date-aware ``after_sales.contract._find_serving_contracts`` is
        the one home of this decision once it exists; this helper then calls it."""
        chains = {}
        for partner, company, day in triples:
            chain = []
            node = partner.commercial_partner_id
            while node and node not in chain:
                chain.append(node)
                node = node.parent_id.commercial_partner_id
            chains[partner, company, day] = chain
        dealers = {p.id for chain in chains.values() for p in chain}
        companies = {company.id for __, company, __ in triples if company}
        contracts = (
            self.env["after_sales.contract"]
            .sudo()
            .search(
                [
                    ("state", "in", ("running", "expired", "terminated")),
                    ("dealer_id", "in", list(dealers)),
                    ("company_id", "in", list(companies)),
                ],
                order="date_start desc, id desc",
            )
        )
        by_key = {}
        for contract in contracts:
            by_key.setdefault((contract.dealer_id, contract.company_id), []).append(contract)
        result = {}
        for (partner, company, day), chain in chains.items():
            found = self.env["after_sales.contract"]
            for node in chain:
                found = next(
                    (c for c in by_key.get((node, company), []) if _in_force(c, day)), found
                )
                if found:
                    break
            result[partner, company, day] = found.sudo(self.env.su)
        return result


def _in_force(contract, day):
    """Whether ``contract`` served on ``day``: started, not ended, not terminated before it."""
    return (
        contract.date_start <= day
        and (not contract.date_end or day <= contract.date_end)
        and (not contract.termination_date or day <= contract.termination_date)
    )

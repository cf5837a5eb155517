from collections import defaultdict, namedtuple
from datetime import timedelta
from decimal import Decimal

from odoo import api, models
from odoo.exceptions import LockError, UserError

from ..tools import periods
from ..tools.settlement import allowance, late_forfeiture, to_money

# Ledger kinds that carry a month's allowance: the first accrual and the corrections appended
# when the month's documents change later (R12a).
ACCRUAL_KINDS = ("accrual", "accrual_correction")
# Settlement states after which a quarter's figures are frozen: the notice went to the dealer.
CLOSED_SETTLEMENT_STATES = ("notified", "confirmed", "posted")
# R12: collections and sales are the dealer's own, those of its commercial partner (the dealer and
# its contacts); a sub-dealer that is a company of its own pays and is invoiced as its own
# customer. Units also count the cards of the dealer's sub-dealers (乙方分销商的销售量).
OWN_PARTNER_BASES = ("collections", "sales")
# What the ledger holds for one accrued month of a contract (see _get_accrued_by_month).
HeldMonth = namedtuple(
    "HeldMonth", ["amount", "basis", "has_accrual", "late_open", "forfeited_open"]
)
NOTHING_HELD = HeldMonth(Decimal(0), Decimal(0), False, Decimal(0), Decimal(0))
# what the accrual reads of its contracts (their terms, dates, dealer, company and currency)
ACCRUAL_CONTRACT_FIELDS = (
    "state",
    "allowance_basis",
    "allowance_rate",
    "allowance_unit_amount",
    "date_start",
    "date_end",
    "termination_date",
    "dealer_id",
    "company_id",
    "currency_id",
)


class AfterSalesFund(models.AbstractModel):
    """The dealers' repair fund (维修费用 / 专项维修费用, DOMAIN.md §2): the one home of the fund
    machinery. It accrues each contract's monthly allowance from its own basis and dates, appends
    corrections when documents of an accrued month change, takes the one row lock every fund
    writer takes, appends ledger rows, and checks that quarters are settled in order.

    A service model with no table: the ledger itself is ``after_sales.fund.entry``; contracts,
    settlements, requisitions, old parts and returns call it (through the thin wrappers
    ``after_sales.contract._lock_fund`` and ``_fund_post``)."""

    _name = "after_sales.fund"
    _description = "Repair Fund"

    # ------------------------------------------------------------
    # BUSINESS: lock and ledger rows
    # ------------------------------------------------------------
    @api.model
    def _lock(self, contracts):
        """Lock ``contracts``' rows for the current transaction before their repair fund moves,
        or fail at once with a clear message when another user holds them. Every path that
        writes fund rows takes this one lock: settlements, parts drawn on the fund, old-part and
        return charges (R16: two runs at the same time produce one settlement; two users cannot
        overdraw a fund together).

        The rows are also touched, so that a transaction whose snapshot predates ours and that
        locks them after we commit gets a serialization failure (retried by Odoo) instead of
        reading a fund balance that no longer holds."""
        if not contracts:
            return
        try:
            contracts.lock_for_update()
        except LockError:
            raise UserError(
                self.env._(
                    "Another user is moving the repair fund of these contracts right now "
                    "(%(contracts)s). Try again when that is finished.",
                    contracts=", ".join(contracts[:5].mapped("name")),
                )
            ) from None
        self.env.cr.execute(
            "UPDATE after_sales_contract SET write_date = write_date WHERE id IN %s",
            (tuple(contracts.ids),),
        )

    @api.model
    def _post(self, contract, kind, amount, date, name, *, source=None, **values):
        """Append one row to ``contract``'s ledger and return it (signed: negative consumes)."""
        contract.ensure_one()
        vals = {
            "contract_id": contract.id,
            "kind": kind,
            "amount": contract.currency_id.round(amount),
            "date": date,
            "name": name,
            "source_ref": source and f"{source._name},{source.id}",
        }
        vals.update(values)
        return self.env["after_sales.fund.entry"].sudo().create(vals).sudo(self.env.su)

    # ------------------------------------------------------------
    # BUSINESS: accrual (R12, R12a)
    # ------------------------------------------------------------
    @api.model
    def _accrue(self, contracts, end):
        """Bring the allowance of ``contracts`` up to date for every finished month from each
        contract's start to ``end``: append the month's accrual when it is missing, and a
        correction row when the documents of an accrued month now give another figure (a
        payment entered, posted or cancelled late). Nothing is edited. A month whose quarter is
        already closed (notice sent or posted) gets its correction dated in the contract's first
        open quarter, naming the month it corrects.

        A quarter's allowance is rate × the quarter's basis rounded once: each month's row is
        the rounded cumulative figure of the quarter so far minus that of the month before, so
        the monthly rows add up exactly to it. Called by the monthly cron, the settlement wizard's
        preview and settling; idempotent. One query per basis for all contracts."""
        Entry = self.env["after_sales.fund.entry"].sudo()
        vals_list = self._prepare_accruals_vals_list(contracts, end)
        if not vals_list:
            return Entry
        # the one fund lock, taken only when there is something to append: a preview made
        # while the daily job or another user accrues the same contracts would append the same
        # correction twice (the second gets the lock's message, or is retried by Odoo and
        # then finds the rows written)
        self._lock(contracts.browse({vals["contract_id"] for vals in vals_list}))
        return Entry.create(vals_list)

    @api.model
    def _prepare_accruals_vals_list(self, contracts, end):
        """The ledger rows :meth:`_accrue` would append for ``contracts`` until ``end``, written
        nowhere: what settling adds, for the settlement wizard to know which ended contracts a
        late document gives a quarter to settle before anything is written."""
        # only the columns the accrual reads, not every field of hundreds of contracts
        contracts.fetch(ACCRUAL_CONTRACT_FIELDS)
        contracts = contracts.filtered(lambda c: c.allowance_basis != "none" and c.state != "draft")
        if not contracts:
            return []
        # a month is finished once it has ended where the contract's company works
        today_of = {company: company._after_sales_today() for company in contracts.company_id}
        held = self._get_accrued_by_month(contracts)
        # the months accrued after a contract's last day (its end or termination dated back):
        # their allowance goes back
        held_after_end = defaultdict(list)
        last_day_of = {contract.id: contract._get_last_day() for contract in contracts}
        for (contract_id, month), month_held in held.items():
            last_day = last_day_of[contract_id]
            if last_day and last_day < month <= end and (month_held.amount or month_held.basis):
                held_after_end[contract_id].append(month)
        months_of = {}
        for contract in contracts:
            today = today_of[contract.company_id]
            last_day = last_day_of[contract.id]
            stop = min(d for d in (end, last_day) if d)
            months = []
            for month in periods.month_starts(contract.date_start, stop):
                month_end = periods.month_bounds(month.year, month.month)[1]
                if min(d for d in (month_end, last_day) if d) >= today:
                    break
                months.append(month)
            months += sorted(held_after_end.get(contract.id, ()))
            if months:
                months_of[contract] = months
        if not months_of:
            return []
        contracts = contracts.browse([c.id for c in months_of])
        first = min(contracts.mapped("date_start"))
        last = max(periods.month_bounds(m[-1].year, m[-1].month)[1] for m in months_of.values())
        bases = self._get_monthly_bases(contracts, first, last)
        closed = self._get_closed_quarters(contracts)
        vals_list = []
        for contract in contracts:
            vals_list += self._prepare_accrual_vals(
                contract, months_of[contract], bases, held, closed.get(contract.id, ((0, 0), ()))
            )
        return vals_list

    @api.model
    def _prepare_accrual_vals(self, contract, months, bases, held, closed):
        """The rows that bring ``contract``'s accrued ``months`` to what the documents give:
        ``bases`` and ``held`` as returned by :meth:`_get_monthly_bases` and
        :meth:`_get_accrued_by_month`; ``closed`` the contract's first open quarter and its
        closed quarters whose settlement forfeited the allowance
        (:meth:`_get_closed_quarters`).

        A closed quarter's corrections are dated in the first open quarter; when that quarter
        was forfeited (R14), the forfeiture of the corrections is appended with them, dated with
        them, so that neither the dealer nor the later quarter gets or loses what the forfeited
        quarter's late documents change. Kept per quarter on the rows not settled yet
        (:func:`~..tools.settlement.late_forfeiture`): a quarter cancelled and settled again
        with another decision is put right by the next accrual, and a later quarter cancelled
        and settled again finds nothing to add."""
        vals_list = []
        # the texts in the dealer's language, looked up only when a row is written (a preview
        # of hundreds of dealers whose months are up to date writes none)
        texts = {}

        def lang_env():
            if not texts:
                texts["env"] = env = self.with_context(
                    lang=contract.dealer_id._after_sales_lang()
                ).env
                texts["basis"] = dict(
                    contract._fields["allowance_basis"]._description_selection(env)
                )[contract.allowance_basis]
            return texts["env"]

        # the contract's terms read once, not per month
        contract_id, basis_name = contract.id, contract.allowance_basis
        unit_amount = Decimal(str(contract.allowance_unit_amount))
        rate = contract.allowance_rate
        first_open, forfeited_quarters = closed
        open_year, open_quarter = first_open
        # where a closed quarter's corrections are dated: the first open quarter
        closed_date = (
            max(periods.quarter_bounds(open_year, open_quarter)[0], contract.date_start)
            if open_year
            else None
        )
        # {quarter: its basis so far}, {quarter: the allowance of that basis}
        cumulated, allowed = {}, {}
        # a closed quarter's allowance decided, its corrections still open, what these forfeit
        # so far, and the month the forfeiture row names
        late = {}
        for index, month in enumerate(months):
            quarter = periods.quarter_of(month)
            basis = bases.get((contract_id, month), Decimal(0))
            cumulated[quarter] = cumulated.get(quarter, Decimal(0)) + basis
            if basis_name == "units":
                target = to_money(basis * unit_amount)
            else:
                so_far = allowance(cumulated[quarter], rate)
                target = so_far - allowed.get(quarter, Decimal(0))
                allowed[quarter] = so_far
            month_held = held.get((contract_id, month), NOTHING_HELD)
            amount, basis_diff = target - month_held.amount, basis - month_held.basis
            closed_quarter = first_open > quarter
            if amount or basis_diff:
                vals_list.append(
                    self._prepare_month_vals(
                        contract,
                        month,
                        amount,
                        basis_diff,
                        month_held.has_accrual,
                        closed_date if closed_quarter else None,
                        lang_env(),
                        texts["basis"],
                    )
                )
            if not closed_quarter:
                continue
            decided, still_open, forfeited, named = late.get(quarter, (0, 0, 0, None))
            late[quarter] = (
                decided + month_held.amount - month_held.late_open,
                still_open + month_held.late_open + amount,
                forfeited + month_held.forfeited_open,
                month if amount or month_held.late_open or month_held.forfeited_open else named,
            )
            if index + 1 < len(months) and periods.quarter_of(months[index + 1]) == quarter:
                continue
            # the quarter's last month: its late corrections forfeited as the quarter was
            decided, still_open, forfeited, named = late.pop(quarter)
            missing = (
                late_forfeiture(decided, still_open, quarter in forfeited_quarters) - forfeited
            )
            if missing:
                vals_list.append(
                    self._prepare_late_forfeiture_vals(
                        contract, named or month, quarter, missing, closed_date, lang_env()
                    )
                )
        return vals_list

    @api.model
    def _prepare_month_vals(  # noqa: PLR0917
        self, contract, month, amount, basis_diff, has_accrual, closed_date, lang_env, label
    ):
        """The accrual (or correction) row of ``contract``'s ``month`` for :meth:`_accrue`:
        ``amount`` and ``basis_diff`` what the ledger lacks, ``closed_date`` the day a closed
        quarter's correction is dated (``None`` when the month's quarter is open), in the
        dealer's ``lang_env`` with the basis ``label``."""
        month_label = month.strftime("%Y-%m")
        vals = {
            "contract_id": contract.id,
            "accrual_month": month,
            "basis_amount": float(basis_diff),
            "amount": float(amount),
            "source_ref": f"after_sales.contract,{contract.id}",
        }
        if closed_date:
            vals["date"] = closed_date
        else:
            month_end = periods.month_bounds(month.year, month.month)[1]
            last_day = contract._get_last_day()
            # a month after the last day (accrued before the end was dated back) is
            # corrected at its own end, in its own quarter
            after_end = last_day and last_day < month
            vals["date"] = month_end if after_end else min(d for d in (month_end, last_day) if d)
        if has_accrual or closed_date:
            vals["kind"] = "accrual_correction"
            vals["name"] = lang_env._(
                "Correction of the allowance of %(month)s: %(basis)s",
                month=month_label,
                basis=label,
            )
        else:
            vals["kind"] = "accrual"
            vals["name"] = lang_env._(
                "Allowance %(month)s: %(basis)s", month=month_label, basis=label
            )
        return vals

    @api.model
    def _prepare_late_forfeiture_vals(  # noqa: PLR0917
        self, contract, month, quarter, amount, date, lang_env
    ):
        """The forfeiture row appended with the corrections of a forfeited ``quarter`` (R14,
        R12a): ``amount`` more forfeited (negative: given back, when a correction took out of
        the allowance the quarter forfeited), dated ``date`` with the corrections and naming
        the corrected ``month``. It belongs to that quarter, not to the quarter it is dated in:
        the later quarter's settlement counts it with the correction it comes with, and its own
        forfeiture never takes it (:meth:`after_sales.settlement._compute_figures_batch`)."""
        period = f"{quarter[0]} Q{quarter[1]}"
        month_label = month.strftime("%Y-%m")
        if amount > 0:
            name = lang_env._(
                "Correction of %(month)s forfeited with %(period)s",
                month=month_label,
                period=period,
            )
        else:
            name = lang_env._(
                "Forfeiture of %(period)s reduced by the correction of %(month)s",
                month=month_label,
                period=period,
            )
        return {
            "contract_id": contract.id,
            "kind": "forfeiture",
            "accrual_month": month,
            "basis_amount": 0.0,
            "amount": float(-amount),
            "date": date,
            "name": name,
            "source_ref": f"after_sales.contract,{contract.id}",
        }

    @api.model
    def _get_monthly_bases(self, contracts, start, end):
        """Return ``{(contract_id, month_start): basis}`` (``Decimal``, in the contract's
        currency) for documents dated in [start, end]: collections (posted customer payments
        net of refunds), invoiced sales (posted invoices net of credit notes, tax included; the
        settlements' own moves and the dealer charges are no sales) or units (registered,
        on-time cards neither falsified nor void). Each document counts for the contract that
        serves its partner on the document's own date (a renewal splits at its dates): for
        collections and sales the contract of the partner's commercial partner, for units also
        that of a dealer above it (a sub-dealer's cards count for its dealer); and only for that
        contract's own basis, whatever the other contracts of the run use.

        One query per basis grouped by partner and month, so the cost does not grow with the
        number of documents; a month in which a contract that could serve the partner starts
        or ends (or whose documents need converting at their own date) is read again day by
        day, in one more query per basis."""
        result = defaultdict(Decimal)
        # only what the dealers' trees are walked with, not every column of the partners
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search_fetch(
                [("id", "child_of", contracts.dealer_id.ids)],
                ["parent_id", "commercial_partner_id"],
            )
        )
        resolve = self.env["after_sales.contract"]._get_serving_contract_resolver(
            partners, contracts.company_id
        )
        partners_of = self._get_partners_by_basis(contracts, partners)
        for basis_name, basis_contracts in contracts.grouped("allowance_basis").items():
            query = self._prepare_basis_query(
                basis_name, partners_of[basis_name], basis_contracts.company_id, start, end
            )
            if not query:
                continue
            # the contracts of the run that use this basis: a document counts only for them
            counting_ids = set(basis_contracts.ids)

            model, domain, date_field, groupby, aggregates, value_of = query
            walk_up = basis_name not in OWN_PARTNER_BASES
            extra = len(groupby) - 2  # the group's keys after partner and company
            by_day = set()
            for month, partner, company, *row in model._read_group(
                domain, [f"{date_field}:month", *groupby], aggregates
            ):
                month_end = periods.month_bounds(month.year, month.month)[1]
                contract = resolve(
                    partner,
                    company,
                    max(month, start),
                    walk_up=walk_up,
                    until=min(month_end, end),
                )
                if contract is not None and contract.id not in counting_ids:
                    continue
                value = contract and value_of(row, contract, company, None)
                if value is None:
                    by_day.add((partner.id, company.id, month, *row[:extra]))
                else:
                    result[contract.id, month] += value
            if not by_day:
                continue
            domain = [*domain, (groupby[0], "in", list({key[0] for key in by_day}))]
            for day, partner, company, *row in model._read_group(
                domain, [f"{date_field}:day", *groupby], aggregates
            ):
                month = day.replace(day=1)
                contract = resolve(partner, company, day, walk_up=walk_up)
                key = (partner.id, company.id, month, *row[:extra])
                if key in by_day and contract.id in counting_ids:
                    result[contract.id, month] += value_of(row, contract, company, day)
        return result

    @api.model
    def _prepare_basis_query(self, basis_name, partner_ids, companies, start, end):
        """What :meth:`_get_monthly_bases` reads for one allowance basis: ``(model, domain,
        date field, group by (partner and company first), aggregates, value_of)``, where
        ``value_of(row, contract, company, day)`` turns a group's other keys and aggregates
        into the contract's currency, ``None`` when that needs the documents' own day (``day``
        is ``None`` for a whole month). ``None`` for a basis that reads no document."""
        if basis_name == "collections":
            return (
                self.env["account.payment"],
                [
                    ("partner_id", "in", partner_ids),
                    ("partner_type", "=", "customer"),
                    ("state", "in", ("in_process", "paid")),
                    ("date", ">=", start),
                    ("date", "<=", end),
                    ("company_id", "in", companies.ids),
                ],
                "date",
                ["partner_id", "company_id", "currency_id", "payment_type"],
                ["amount:sum", "amount_company_currency_signed:sum"],
                lambda row, contract, company, day: _in_contract_currency(
                    row[0],
                    row[2] if row[1] == "inbound" else -row[2],
                    row[3],
                    company,
                    contract,
                    day,
                ),
            )
        if basis_name == "sales":
            return (
                self.env["account.move"],
                [
                    ("partner_id", "in", partner_ids),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    # the fund's own credit notes and invoices and the dealer charges are no sales
                    ("after_sales_kind", "=", False),
                    ("invoice_date", ">=", start),
                    ("invoice_date", "<=", end),
                    ("company_id", "in", companies.ids),
                ],
                "invoice_date",
                ["partner_id", "company_id", "currency_id"],
                ["amount_total_in_currency_signed:sum", "amount_total_signed:sum"],
                lambda row, contract, company, day: _in_contract_currency(
                    row[0], row[1], row[2], company, contract, day
                ),
            )
        if basis_name == "units":
            return (
                self.env["after_sales.warranty.card"],
                [
                    ("dealer_id", "in", partner_ids),
                    ("state", "=", "registered"),
                    ("is_late", "=", False),
                    ("falsified", "=", False),
                    ("date_received", ">=", start),
                    ("date_received", "<=", end),
                    ("company_id", "in", companies.ids),
                ],
                "date_received",
                ["dealer_id", "company_id"],
                ["__count"],
                lambda row, contract, company, day: Decimal(row[0]),
            )
        return None

    @api.model
    def _get_partners_by_basis(self, contracts, partners):
        """Return ``{basis: [partner ids]}``: the partners of ``partners`` (the dealers of
        ``contracts`` and their sub-dealers and contacts) under a dealer whose contract uses
        each basis, so that each basis reads only their documents (a partner is served by its
        own contract or, for units, by that of a dealer above it; collections and sales are
        those of the dealer's commercial partner only). No query: the partners are read."""
        bases_of_dealer = defaultdict(set)
        for contract in contracts:
            bases_of_dealer[contract.dealer_id.id].add(contract.allowance_basis)
        partners_of = defaultdict(list)
        for partner in partners:
            node, seen, bases = partner, set(), set()
            while node and node.id not in seen:
                bases |= {
                    basis_name
                    for basis_name in bases_of_dealer.get(node.id, ())
                    if basis_name not in OWN_PARTNER_BASES or node == partner.commercial_partner_id
                }
                seen.add(node.id)
                node = node.parent_id
            for basis_name in bases:
                partners_of[basis_name].append(partner.id)
        return partners_of

    @api.model
    def _get_accrued_by_month(self, contracts):
        """Return ``{(contract_id, month): HeldMonth}``: what the ledger already holds for each
        accrued month — ``amount`` and ``basis`` of its accruals and corrections (with their
        reversals), ``has_accrual``, ``late_open`` the part of ``amount`` dated after the
        month's quarter and not settled yet, and ``forfeited_open`` what the forfeiture rows
        appended with those corrections forfeit (positive), not settled yet. One query."""
        Entry = self.env["after_sales.fund.entry"].sudo()
        groups = Entry._read_group(
            [
                ("contract_id", "in", contracts.ids),
                ("accrual_month", "!=", False),
                ("kind", "in", (*ACCRUAL_KINDS, "forfeiture", "reversal")),
            ],
            [
                "contract_id",
                "accrual_month:day",
                "date:quarter",
                "kind",
                "reversed_entry_id.kind",
                "settlement_id",
            ],
            ["amount:sum", "basis_amount:sum"],
        )
        result = {}
        for contract, month, dated, kind, reversed_kind, settlement, total, basis in groups:
            key = (contract.id, month)
            held = result.get(key, NOTHING_HELD)
            effective = reversed_kind if kind == "reversal" else kind
            amount = to_money(total)
            late_open = not settlement and periods.quarter_of(dated) > periods.quarter_of(month)
            if effective in ACCRUAL_KINDS:
                held = held._replace(
                    amount=held.amount + amount,
                    basis=held.basis + to_money(basis),
                    has_accrual=held.has_accrual or kind == "accrual",
                    late_open=held.late_open + (amount if late_open else 0),
                )
            elif effective == "forfeiture" and late_open:
                held = held._replace(forfeited_open=held.forfeited_open - amount)
            result[key] = held
        return result

    @api.model
    def _get_closed_quarters(self, contracts):
        """Return ``{contract_id: ((year, quarter), forfeited)}``: the first open quarter, the
        one after the latest whose write-off notice was sent or that was posted, and the set of
        closed ``(year, quarter)`` whose settlement forfeited the allowance (R14: their late
        corrections are forfeited too). Contracts with no closed quarter are left out. One
        query."""
        groups = (
            self.env["after_sales.settlement"]
            .sudo()
            ._read_group(
                [
                    ("contract_id", "in", contracts.ids),
                    ("state", "in", CLOSED_SETTLEMENT_STATES),
                ],
                ["contract_id", "date_to:day", "forfeit"],
            )
        )
        last_end, forfeited = {}, defaultdict(set)
        for contract, date_to, forfeit in groups:
            last_end[contract.id] = max(last_end.get(contract.id, date_to), date_to)
            if forfeit:
                forfeited[contract.id].add(periods.quarter_of(date_to))
        return {
            contract_id: (periods.next_quarter(*periods.quarter_of(end)), forfeited[contract_id])
            for contract_id, end in last_end.items()
        }

    # ------------------------------------------------------------
    # BUSINESS: quarter order (R16)
    # ------------------------------------------------------------
    @api.model
    def _get_quarter_order_errors(self, contracts, year, quarter):
        """Return ``{contract: message}`` for the contracts whose quarter cannot be settled
        yet: it has not ended (for a contract that ended within it, its last day has not
        passed), or an earlier quarter since the contract's start, up to its last day, has no
        posted settlement — whether or not it had ledger rows."""
        # a quarter has ended once it has where the contract's company works, whoever settles
        today_of = {company: company._after_sales_today() for company in contracts.company_id}
        start, end = periods.quarter_bounds(year, quarter)
        posted = (
            self.env["after_sales.settlement"]
            .sudo()
            ._read_group(
                [("contract_id", "in", contracts.ids), ("state", "=", "posted")],
                ["contract_id", "year", "quarter"],
            )
        )
        done = {(c.id, y, int(q)) for c, y, q in posted}
        errors = {}
        for contract in contracts:
            last_day = contract._get_last_day()
            own_end = last_day if last_day and start <= last_day < end else end
            if own_end >= today_of[contract.company_id]:
                errors[contract] = self.env._(
                    "%(year)s Q%(quarter)s has not ended yet for contract %(contract)s: it can "
                    "be settled from %(day)s on.",
                    year=year,
                    quarter=quarter,
                    contract=contract.display_name,
                    day=own_end + timedelta(days=1),
                )
                continue
            y, q = periods.quarter_of(contract.date_start)
            stop = periods.quarter_of(last_day) if last_day else (year, quarter)
            while (y, q) < (year, quarter) and (y, q) <= stop:
                if (contract.id, y, q) not in done:
                    errors[contract] = self.env._(
                        "Contract %(contract)s: %(year)s Q%(quarter)s is not posted yet; settle "
                        "the quarters in order.",
                        contract=contract.display_name,
                        year=y,
                        quarter=q,
                    )
                    break
                y, q = periods.next_quarter(y, q)
        return errors

    # ------------------------------------------------------------
    # BUSINESS: cron
    # ------------------------------------------------------------
    @api.model
    def _cron_accrue_allowances(self):
        """Daily: bring every contract's allowance up to its company's last finished month
        (甲方每月统计一次: each month is accrued once, the first run after it ended where the
        company works, whatever the time zone of the server's schedule), appending the
        corrections late documents call for. Writes nothing when the ledger is up to date. One
        run per company."""
        contracts = self.env["after_sales.contract"].search(
            [("state", "in", ("running", "expired", "terminated"))]
        )
        for company, company_contracts in contracts.grouped("company_id").items():
            # last month where the company works, not where the cron's user is
            last_month = company._after_sales_last_month()
            last_month_end = periods.month_bounds(last_month.year, last_month.month)[1]
            self.with_company(company)._accrue(
                company_contracts.with_company(company), last_month_end
            )
        return True


def _in_contract_currency(currency, amount, amount_company, company, contract, day):  # noqa: PLR0917
    """A document group's ``amount`` (in ``currency``; ``amount_company`` in its company's
    currency) in ``contract``'s currency, converted at ``day``; ``None`` when a conversion is
    needed and ``day`` is ``None`` (a whole month)."""
    if currency == contract.currency_id:
        return to_money(amount)
    if company.currency_id == contract.currency_id:
        return to_money(amount_company)
    if day is None:
        return None
    return to_money(
        company.currency_id._convert(amount_company, contract.currency_id, company, day)
    )

import logging
from contextlib import closing
from datetime import date, datetime
from unittest.mock import patch

from odoo import Command
from odoo.tests import freeze_time, tagged
from odoo.tests.common import warmup

from .test_settlement import SettlementCase

_logger = logging.getLogger(__name__)

Q1 = (date(2026, 1, 1), date(2026, 3, 31))

# Query limits of the settlement of 1 and of 10 contracts, with 3 and with 30 approved claims per
# dealer (each dealer with payments, invoices and cards, the contracts mixing the bases), a
# little above what the code does (measured warm, as a new request with warm registry caches).
# A regression to per-record queries fails these. Measured on the code of this branch:
#   accrual  1: 15, 10: 26     (+1 per accrued month of the 10 contracts' rows, nothing per claim)
#   preview  1: 19, 10: 21     (the same for 3 and for 10 contracts: one query per basis)
#   settle   1: 22, 10: 24-26  (constant)
#   post     1: 121 / 121, 10: 197 / 199 (3 / 30 claims per dealer): the moves of all dealers
#            created, posted and reconciled together, one credit-note line per notice; 270 more
#            claims add Odoo's 100-row updates of the claims' state (2 queries in all)
LIMITS = {
    "accrual": {(1, 3): 18, (1, 30): 18, (10, 3): 30, (10, 30): 30},
    "preview": {(1, 3): 22, (1, 30): 22, (10, 3): 24, (10, 30): 24},
    "settle": {(1, 3): 22, (1, 30): 22, (10, 3): 24, (10, 30): 24},
    "post": {(1, 3): 130, (1, 30): 130, (10, 3): 210, (10, 30): 210},
}
# Queries that 27 more claims per dealer may add over 10 dealers, in all (not per claim): the
# steps above stay flat in the number of claims.
CLAIM_SLACK = 5


@tagged("post_install", "-at_install")
class TestSettlementQueries(SettlementCase):
    """Query-count guards of the quarterly settlement (issue 14): accrual, preview, settling and
    posting of 1 and of 10 contracts, and what the count per dealer does with 3 vs 30 claims per
    dealer. Every dealer has payments, invoices and cards, and the contracts mix the allowance
    bases (issue 18), so that the batched queries serve mixed runs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.few = cls._network("few", 10, claims=3)
        cls.many = cls._network("many", 10, claims=30)

    @classmethod
    def _network(cls, tag, count, claims):
        schemes = [
            {"allowance_basis": "collections", "allowance_rate": 3.0, "allowance_use": "budget"},
            {"allowance_basis": "units", "allowance_unit_amount": 20.0, "allowance_use": "payout"},
            {"allowance_basis": "sales", "allowance_rate": 2.0, "allowance_use": "payout"},
        ]
        dealers = cls.env["res.partner"].create(
            [{"name": f"Query dealer {tag} {i}", "is_company": True} for i in range(count)]
        )
        contracts = cls.env["after_sales.contract"]
        for i, dealer in enumerate(dealers):
            contracts |= cls._contract(
                dealer_id=dealer.id,
                claim_reimbursement="flat",
                flat_claim_amount=50.0,
                **schemes[i % 3],
            )
        bank = cls.company_data["default_journal_bank"]
        payments = cls.env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": dealer.id,
                    "amount": 10000 + 100 * i,
                    "date": date(2026, 2, 10),
                    "journal_id": bank.id,
                }
                for i, dealer in enumerate(dealers)
            ]
        )
        payments.action_post()
        invoices = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": dealer.id,
                    "invoice_date": date(2026, 1, 20),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Heaters", "quantity": 1, "price_unit": 20000.0, "tax_ids": []}
                        )
                    ],
                }
                for dealer in dealers
            ]
        )
        invoices.action_post()
        cards = cls.env["after_sales.warranty.card"].create(
            [
                {
                    "dealer_id": dealer.id,
                    "product_id": cls.heater.id,
                    "sale_date": date(2026, 1, 2),
                    "date_received": date(2026, 1, 10),
                }
                for dealer in dealers
                for _i in range(claims)
            ]
        )
        cards.action_register()
        claim_records = cls.env["after_sales.claim"].create(
            [
                {
                    "dealer_id": card.dealer_id.id,
                    "card_id": card.id,
                    "call_time": datetime(2026, 2, 1, 9, 0),
                    "cause_category": "product_defect",
                }
                for card in cards
            ]
        )
        claim_records.action_submit()
        with freeze_time("2026-02-15"):
            claim_records.action_approve()
        assert all(claim_records.mapped("is_reimbursable")), claim_records.mapped(
            "reimbursable_note"
        )
        return contracts

    def _count(self, operation, prepare=None, limit=None):
        """Queries of ``operation(prepared)`` in a savepoint rolled back afterwards, with a
        cold record cache (as in a new request)."""
        with freeze_time("2026-04-05"), closing(self.env.cr.savepoint()):
            prepared = prepare() if prepare else None
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            with self.assertQueryCount(limit):
                operation(prepared)
            return self.cr.sql_log_count - start

    def _guard(self, name, operation, prepare=None):
        """Assert the limits of 1 and 10 contracts for ``operation(contracts, prepared)`` and
        return ``{(contracts, claims per dealer): queries}`` (measured in the warm run)."""
        counts = {}
        for claims, contracts in ((3, self.few), (30, self.many)):
            for size in (1, 10):
                subset = contracts[:size]
                counts[size, claims] = self._count(
                    lambda prepared, subset=subset: operation(subset, prepared),
                    prepare=prepare and (lambda subset=subset: prepare(subset)),
                    limit=LIMITS[name][size, claims],
                )
        _logger.info("Queries of the settlement's %s (warm: %s): %s", name, self.warm, counts)
        return counts

    # ------------------------------------------------------------
    # helpers: the four steps
    # ------------------------------------------------------------
    def _accrue(self, contracts, _prepared=None):
        contracts._accrue_period(*Q1)

    def _preview(self, contracts, _prepared=None):
        wizard = self.env["after_sales.settlement.create"].create(
            {"year": 2026, "quarter": "1", "company_id": self.company.id}
        )
        wizard.contract_ids = contracts
        wizard.action_preview()

    def _settle(self, contracts, _prepared=None):
        self.env["after_sales.settlement"]._settle_contracts(contracts, 2026, 1)

    def _prepare_settled(self, contracts):
        return self.env["after_sales.settlement"]._settle_contracts(contracts, 2026, 1)

    def _post(self, contracts, settlements):
        settlements.action_post(force_reason="Confirmed by phone")

    # ------------------------------------------------------------
    # guards
    # ------------------------------------------------------------
    @warmup
    def test_accrual(self):
        counts = self._guard("accrual", self._accrue)
        self._assert_flat_in_claims(counts)

    @warmup
    def test_preview(self):
        counts = self._guard("preview", self._preview, prepare=self._accrue)
        self._assert_flat_in_claims(counts)

    @warmup
    def test_preview_flat_in_contracts(self):
        """The preview of 10 contracts costs the queries of the preview of 3 contracts of the
        same three bases: nothing is queried contract by contract."""
        counts = {}
        for size in (3, 10):
            subset = self.many[:size]
            counts[size] = self._count(
                lambda _prepared, subset=subset: self._preview(subset),
                prepare=lambda subset=subset: self._accrue(subset),
                limit=LIMITS["preview"][10, 30],
            )
        if self.warm:
            self.assertEqual(counts[3], counts[10], counts)

    @warmup
    def test_settle(self):
        counts = self._guard("settle", self._settle, prepare=self._accrue)
        self._assert_flat_in_claims(counts)

    @warmup
    def test_settle_past_prefetch_size(self):
        """Settling more claims than Odoo reads in one prefetch (1,000: 500 dealers with 3
        claims each) reads the claims to link together, not settlement by settlement: the
        prefetch size is made smaller than the 300 claims of these 10 dealers."""
        with patch("odoo.orm.models.PREFETCH_MAX", 50):
            self._count(
                lambda _prepared: self._settle(self.many),
                prepare=lambda: self._accrue(self.many),
                limit=LIMITS["settle"][10, 30],
            )

    @warmup
    def test_post(self):
        counts = self._guard("post", self._post, prepare=self._prepare_settled)
        self._assert_flat_in_claims(counts)

    def _assert_flat_in_claims(self, counts):
        if self.warm:
            for size in (1, 10):
                self.assertLessEqual(
                    counts[size, 30] - counts[size, 3],
                    CLAIM_SLACK,
                    f"{size} dealers with 30 claims each vs 3 claims each: {counts}",
                )


@tagged("post_install", "-at_install")
class TestClaimSettlementColumns(SettlementCase):
    """The claims' settlement link and state written in one statement (issue 14), on a network
    of its own: the query-count guards above measure theirs on data no other test touched."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.many = TestSettlementQueries._network.__func__(cls, "columns", 2, claims=30)

    def test_claims_settlement_columns_sent_as_one_literal(self):
        """The claims' settlement link and state are written in one UPDATE whose parameters
        hold no Python list (psycopg2 quotes a list value by value: 30,000 claims cost more
        than the update): the ids as one array literal, the same values once, different
        values per claim as one JSON document; the rows read back from the table are those
        written."""
        contracts = self.many
        Claim = self.env["after_sales.claim"].sudo()
        claims = Claim.search([("contract_id", "in", contracts.ids)], order="id")
        self.assertEqual(len(claims), 60)
        with freeze_time("2026-04-02"):
            settlements = self.env["after_sales.settlement"]._settle_contracts(contracts, 2026, 1)
        self.assertEqual(len(settlements), 2)
        settlement_of = {s.contract_id.id: s.id for s in settlements}

        def table_rows():
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT id, state, settlement_id FROM after_sales_claim WHERE id = ANY(%s)"
                " ORDER BY id",
                [claims.ids],
            )
            return self.env.cr.fetchall()

        self.assertEqual(
            table_rows(),
            [(c.id, "approved", settlement_of[c.contract_id.id]) for c in claims],
        )
        # different values per claim: one JSON document
        released = [
            {"settlement_id": False}
            if i % 2
            else {"settlement_id": settlement_of[c.contract_id.id]}
            for i, c in enumerate(claims)
        ]
        query = claims._prepare_settlement_columns_update(["settlement_id"], released)
        self.assertFalse([p for p in query.params if isinstance(p, (list, tuple))])
        self.assertIn("json_to_recordset", query.code)
        # the same values for all: the values once, the ids as one literal
        query = claims._prepare_settlement_columns_update(
            ["state"], [{"state": "settled"}] * len(claims)
        )
        self.assertFalse([p for p in query.params if isinstance(p, (list, tuple))])
        self.assertEqual(query.params.count("settled"), 1)
        claims._write_settlement_columns(released)
        claims._write_settlement_columns([{"state": "settled"}] * len(claims))
        self.assertEqual(
            table_rows(),
            [
                (c.id, "settled", None if i % 2 else settlement_of[c.contract_id.id])
                for i, c in enumerate(claims)
            ],
        )
        self.assertEqual(claims.mapped("state"), ["settled"] * 60)

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common import SettlementCase


class RollbackError(Exception):
    """Raised to undo a savepoint on purpose."""


class FundCase(SettlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.no_tax = cls.env["account.tax"]

    def _dealer(self, name):
        return self.env["res.partner"].create({"name": name, "is_company": True})

    def _pay(self, amount, day, partner, currency=None):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound" if amount > 0 else "outbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": abs(amount),
                "date": day,
                "journal_id": self.company_data["default_journal_bank"].id,
                "currency_id": (currency or self.company.currency_id).id,
            }
        )
        payment.action_post()
        return payment

    def _invoice(self, amount, day, partner, move_type="out_invoice"):
        return self.init_invoice(
            move_type,
            partner=partner,
            invoice_date=day,
            amounts=[amount],
            taxes=self.no_tax,
            post=True,
        )

    def _accruals(self, contract, month=None):
        rows = contract.fund_entry_ids.filtered(
            lambda e: e.kind in ("accrual", "accrual_correction")
        )
        if month:
            rows = rows.filtered(lambda e: e.accrual_month == month)
        return rows.sorted(lambda e: (e.date, e.id))


@tagged("post_install", "-at_install")
@freeze_time("2026-04-10")
class TestMixedBasisBatch(FundCase):
    """Issue 18: a run mixing allowance bases accrues each contract on its own basis only."""

    def _figures(self, contracts):
        settlements = self.env["after_sales.settlement"]._settle_contracts(contracts, 2026, 1)
        return {
            s.contract_id.id: (s.accrued_amount, s.paid_out_amount, s.closing_balance)
            for s in settlements
        }

    def test_each_contract_on_its_own_basis(self):
        dealers = [self._dealer(f"Mixed dealer {i}") for i in range(4)]
        contracts = self.env["after_sales.contract"]
        for dealer, basis in zip(dealers, ("collections", "sales", "units", "none"), strict=True):
            contracts |= self._contract(
                dealer_id=dealer.id,
                allowance_basis=basis,
                allowance_rate=3.0 if basis == "collections" else 2.0,
                allowance_unit_amount=20.0,
                allowance_use="payout" if basis == "units" else "budget",
            )
        # every dealer has payments, invoices and cards: a basis mixed in would show
        for dealer in dealers:
            self._pay(10000.0, date(2026, 1, 10), dealer)
            self._invoice(50000.0, date(2026, 2, 10), dealer)
            self._cards(12, date(2026, 3, 5), dealer=dealer)
        # collections 3 % of 10,000 = 300; sales 2 % of 50,000 = 1,000;
        # units 12 cards x 20 = 240 (paid out); none = 0
        expected = {
            contracts[0].id: (300.0, 0.0, 300.0),
            contracts[1].id: (1000.0, 0.0, 1000.0),
            contracts[2].id: (240.0, 240.0, 0.0),
            contracts[3].id: (0.0, 0.0, 0.0),
        }
        alone = {}
        for contract in contracts:
            try:
                with self.env.cr.savepoint():
                    alone.update(self._figures(contract))
                    raise RollbackError
            except RollbackError:
                self.env.invalidate_all()
        self.assertEqual(alone, expected)
        self.assertFalse(
            self.env["after_sales.fund.entry"].search([("contract_id", "in", contracts.ids)])
        )
        batch = self._figures(contracts)
        self.assertEqual(batch, expected, "a contract gives the same figures alone and in a batch")


@tagged("post_install", "-at_install")
@freeze_time("2026-07-10")
class TestAccrualFollowsDocuments(FundCase):
    """R12a: accrual follows the documents, the contract's dates, rounding and units."""

    def test_late_payment_in_accrued_month_and_in_posted_quarter(self):
        dealer = self._dealer("Late payer")
        contract = self._contract(dealer_id=dealer.id, allowance_rate=3.0)
        jan = date(2026, 1, 1)
        first = self._pay(10000.0, date(2026, 1, 10), dealer)
        with freeze_time("2026-02-05"):
            contract._accrue_period(jan, date(2026, 1, 31))
        self.assertEqual(self._accruals(contract).mapped("amount"), [300.0])  # 3 % of 10,000
        with freeze_time("2026-02-10"):
            # a Jan payment entered in February: Jan now gives 15,000 -> 450, 150 appended
            self._pay(5000.0, date(2026, 1, 20), dealer)
            contract._accrue_period(jan, date(2026, 1, 31))
            contract._accrue_period(jan, date(2026, 1, 31))  # idempotent
        self.assertRecordValues(
            self._accruals(contract),
            [
                {"kind": "accrual", "amount": 300.0, "basis_amount": 10000.0},
                {"kind": "accrual_correction", "amount": 150.0, "basis_amount": 5000.0},
            ],
        )
        self.assertEqual(self._accruals(contract)[1].date, date(2026, 1, 31))
        # the first payment is cancelled later: Jan gives 5,000 -> 150, so -300 appended
        first.action_draft()
        first.action_cancel()
        q1 = self._settle(contract, 2026, 1)
        self.assertEqual(q1.accrued_amount, 150.0)
        self.assertEqual(self._accruals(contract)[-1].amount, -300.0)
        q1.action_post()
        # a Feb payment of 2,000 booked after Q1 is posted: 60 appended in Q2, naming Feb
        self._pay(2000.0, date(2026, 2, 15), dealer)
        q2 = self._settle(contract, 2026, 2)
        correction = self._accruals(contract)[-1]
        self.assertRecordValues(
            correction,
            [
                {
                    "kind": "accrual_correction",
                    "amount": 60.0,
                    "date": date(2026, 4, 1),
                    "accrual_month": date(2026, 2, 1),
                }
            ],
        )
        self.assertIn("2026-02", correction.name)
        self.assertEqual(q2.accrued_amount, 60.0)
        self.assertEqual(q1.accrued_amount, 150.0, "a posted statement never changes")
        corrections = q1.fund_entry_ids.filtered(lambda e: e.kind == "accrual_correction")
        self.assertEqual(sorted(corrections.mapped("amount")), [-300.0, 150.0])

    def test_contract_dates_start_end_renewal(self):
        late_start = self._dealer("Starts mid-February")
        contract = self._contract(dealer_id=late_start.id, date_start=date(2026, 2, 15))
        self._pay(1000.0, date(2026, 2, 10), late_start)  # before the contract: not counted
        self._pay(2000.0, date(2026, 2, 20), late_start)
        contract._accrue_period(date(2026, 1, 1), date(2026, 3, 31))
        self.assertRecordValues(
            self._accruals(contract), [{"basis_amount": 2000.0, "amount": 60.0}]
        )

        renewed = self._dealer("Renewed in May")
        with freeze_time("2026-01-05"):
            old = self._contract(
                dealer_id=renewed.id, date_start=date(2026, 1, 1), date_end=date(2026, 5, 15)
            )
        new = self.env["after_sales.contract"].create(
            {
                "dealer_id": renewed.id,
                "date_start": date(2026, 5, 16),
                "date_end": date(2027, 5, 15),
            }
        )
        with freeze_time("2026-05-16"):
            self.env["after_sales.contract"]._cron_expire_contracts()
            new.action_start()
        self._pay(1000.0, date(2026, 5, 10), renewed)
        self._pay(3000.0, date(2026, 5, 20), renewed)
        (old | new)._accrue_period(date(2026, 4, 1), date(2026, 6, 30))
        # each contract gets the documents of its own dates: 3 % of 1,000 and of 3,000
        self.assertRecordValues(self._accruals(old), [{"basis_amount": 1000.0, "amount": 30.0}])
        self.assertRecordValues(self._accruals(new), [{"basis_amount": 3000.0, "amount": 90.0}])
        self.assertEqual(self._accruals(old).date, date(2026, 5, 15))

        ended = self._dealer("Terminated mid-May")
        with freeze_time("2026-05-01"):
            terminated = self._contract(dealer_id=ended.id)
        self._pay(4000.0, date(2026, 5, 10), ended)
        self._pay(9000.0, date(2026, 5, 20), ended)  # after the termination: not counted
        with freeze_time("2026-05-16"):
            terminated.action_terminate("Breach of contract", date(2026, 5, 15))
        terminated._accrue_period(date(2026, 4, 1), date(2026, 6, 30))
        self.assertRecordValues(
            self._accruals(terminated), [{"basis_amount": 4000.0, "amount": 120.0}]
        )

    def test_quarter_rounded_once(self):
        dealer = self._dealer("Rounding")
        contract = self._contract(dealer_id=dealer.id, allowance_rate=2.5)
        # 28,000.20 + 27,999.90 + 27,999.90 = 84,000.00; 2.5 % = 2,100.00 exactly.
        # Month by month: 700.005 -> 700.01, cumulated 1,400.0025 -> 1,400.00 (row 699.99),
        # cumulated 2,100.00 (row 700.00); rounding each month would give 2,100.01.
        self._pay(28000.20, date(2026, 1, 15), dealer)
        self._pay(27999.90, date(2026, 2, 15), dealer)
        self._pay(27999.90, date(2026, 3, 15), dealer)
        settlement = self._settle(contract, 2026, 1)
        self.assertEqual(self._accruals(contract).mapped("amount"), [700.01, 699.99, 700.0])
        self.assertEqual(settlement.accrued_amount, 2100.0)

    def test_units_count_only_valid_cards(self):
        dealer = self._dealer("Units dealer")
        contract = self._contract(
            dealer_id=dealer.id, allowance_basis="units", allowance_unit_amount=20.0
        )
        self._cards(10, date(2026, 2, 10), dealer=dealer)
        self._cards(3, date(2026, 2, 11), dealer=dealer, late=True)
        self._cards(2, date(2026, 2, 12), dealer=dealer, falsified=True)
        self._cards(1, date(2026, 2, 13), dealer=dealer).action_void()
        contract._accrue_period(date(2026, 1, 1), date(2026, 3, 31))
        # 10 registered, on-time, genuine cards x 20
        self.assertRecordValues(self._accruals(contract), [{"basis_amount": 10.0, "amount": 200.0}])

    def test_foreign_currency_contract(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0), ("2026-02-01", 4.0)])
        dealer = self._dealer("Euro dealer")
        contract = self._contract(dealer_id=dealer.id, currency_id=eur.id, allowance_rate=3.0)
        # 10,000 USD on 10 Jan at 2 EUR/USD = 20,000 EUR -> 600; 1,000 USD on 10 Feb at 4 ->
        # 4,000 EUR; 500 EUR paid in euros counts as 500: Q1 basis 24,500 EUR -> 735.00
        self._pay(10000.0, date(2026, 1, 10), dealer)
        self._pay(1000.0, date(2026, 2, 10), dealer)
        self._pay(500.0, date(2026, 2, 20), dealer, currency=eur)
        settlement = self._settle(contract, 2026, 1)
        self.assertEqual(self._accruals(contract).mapped("basis_amount"), [20000.0, 4500.0])
        self.assertEqual(settlement.accrued_amount, 735.0)
        self.assertEqual(settlement.currency_id, eur)

    def test_rate_changing_mid_month_converts_each_payment_at_its_date(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0), ("2026-01-16", 4.0)])
        dealer = self._dealer("Euro dealer, mid-month rate")
        contract = self._contract(dealer_id=dealer.id, currency_id=eur.id, allowance_rate=3.0)
        # 1,000 USD on 10 Jan at 2 = 2,000 EUR and 1,000 USD on 20 Jan at 4 = 4,000 EUR: 6,000
        # EUR in January (a month converted at one rate would give 4,000 or 8,000) -> 180.00
        self._pay(1000.0, date(2026, 1, 10), dealer)
        self._pay(1000.0, date(2026, 1, 20), dealer)
        contract._accrue_period(date(2026, 1, 1), date(2026, 3, 31))
        self.assertRecordValues(
            self._accruals(contract), [{"basis_amount": 6000.0, "amount": 180.0}]
        )

    def test_sub_dealer_contract_starting_mid_month_takes_its_own_documents_from_its_start(self):
        dealer = self._dealer("Dealer over a sub-dealer")
        sub_dealer = self.env["res.partner"].create(
            {"name": "Sub-dealer with its own contract", "is_company": True, "parent_id": dealer.id}
        )
        dealer_contract = self._contract(dealer_id=dealer.id, allowance_rate=3.0)
        own = self._contract(
            dealer_id=sub_dealer.id, date_start=date(2026, 2, 15), allowance_rate=5.0
        )
        # a company of its own: its payments are never its dealer's collections (R12), also
        # before its own contract starts
        self._pay(1000.0, date(2026, 2, 10), sub_dealer)  # nobody's
        self._pay(2000.0, date(2026, 2, 20), sub_dealer)  # its own contract's
        self._pay(4000.0, date(2026, 3, 5), sub_dealer)  # its own contract's
        self._pay(500.0, date(2026, 2, 10), dealer)  # the dealer's own
        (dealer_contract | own)._accrue_period(date(2026, 1, 1), date(2026, 3, 31))
        self.assertRecordValues(
            self._accruals(dealer_contract), [{"basis_amount": 500.0, "amount": 15.0}]
        )
        self.assertRecordValues(
            self._accruals(own),
            [{"basis_amount": 2000.0, "amount": 100.0}, {"basis_amount": 4000.0, "amount": 200.0}],
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-07-10")
class TestQuarterOrder(FundCase):
    """R16: quarters in order, each after it ended; only the latest is cancelled."""

    def test_order_rerun_and_cancel(self):
        dealer = self._dealer("Orderly dealer")
        contract = self._contract(dealer_id=dealer.id)
        Settlement = self.env["after_sales.settlement"]
        # Q1 had no ledger row at all, still it must be posted before Q2
        with self.assertRaisesRegex(UserError, "2026 Q1 is not posted yet"):
            Settlement._settle_contracts(contract, 2026, 2)
        with freeze_time("2026-06-15"), self.assertRaisesRegex(UserError, "has not ended yet"):
            Settlement._settle_contracts(contract, 2026, 2)
        self._pay(10000.0, date(2026, 2, 1), dealer)
        q1 = Settlement._settle_contracts(contract, 2026, 1)
        q1.action_post()
        rows, moves = len(contract.fund_entry_ids), self.env["account.move"].search_count([])
        self.assertFalse(Settlement._settle_contracts(contract, 2026, 1), "rerun creates nothing")
        self.assertEqual(len(contract.fund_entry_ids), rows)
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        q2 = Settlement._settle_contracts(contract, 2026, 2)
        self.assertEqual(q2.opening_balance, 300.0)
        q2.action_post()
        with self.assertRaisesRegex(UserError, "Cancel the latest quarter first"):
            q1.action_cancel()
        q2.action_cancel()
        q1.action_cancel()
        self.assertEqual((q1 | q2).mapped("state"), ["cancel", "cancel"])

    def test_final_settlement_of_a_terminated_contract(self):
        dealer = self._dealer("Ends early")
        with freeze_time("2026-01-02"):
            contract = self._contract(dealer_id=dealer.id)
        self._pay(10000.0, date(2026, 1, 10), dealer)
        self._pay(2000.0, date(2026, 2, 10), dealer)
        self._pay(5000.0, date(2026, 2, 25), dealer)  # after its end
        with freeze_time("2026-02-21"):
            contract.action_terminate("Dealer closed", date(2026, 2, 20))
        # the last partial quarter is settled once the contract's last day has passed
        with freeze_time("2026-03-01"):
            final = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
        self.assertEqual(final.accrued_amount, 360.0)  # 3 % of 12,000


@tagged("post_install", "-at_install")
@freeze_time("2026-07-10")
class TestNegativePayoutBatch(FundCase):
    """R13 payout: a negative quarter pays nothing and carries the negative; a batch goes on
    when one dealer fails, reporting it by name and reason."""

    def test_negative_quarter_in_a_healthy_batch(self):
        negative, healthy, failing = (
            self._dealer("Returns more than sells"),
            self._dealer("Healthy dealer"),
            self._dealer("Dealer with an open quarter"),
        )
        terms = {"allowance_basis": "sales", "allowance_rate": 2.0, "allowance_use": "payout"}
        neg_contract = self._contract(dealer_id=negative.id, **terms)
        ok_contract = self._contract(dealer_id=healthy.id, **terms)
        with freeze_time("2025-10-02"):
            bad_contract = self._contract(dealer_id=failing.id, date_start=date(2025, 10, 1))
        self._invoice(10000.0, date(2026, 1, 10), negative)
        self._invoice(20000.0, date(2026, 2, 10), negative, move_type="out_refund")
        self._invoice(50000.0, date(2026, 2, 10), healthy)
        wizard = self.env["after_sales.settlement.create"].create(
            {"year": 2026, "quarter": "1", "company_id": self.company.id, "post_now": True}
        )
        wizard.contract_ids = neg_contract | ok_contract | bad_contract
        wizard.action_preview()
        line = wizard.line_ids.filtered(lambda line: line.contract_id == ok_contract)
        self.assertRecordValues(
            line,
            [{"allowance_basis": "sales", "accrued_amount": 1000.0, "amount_credited": 1000.0}],
        )
        wizard.action_settle()
        self.assertIn("Dealer with an open quarter", wizard.result_message)
        self.assertIn("2025 Q4 is not posted yet", wizard.result_message)
        Settlement = self.env["after_sales.settlement"]
        neg_q1 = Settlement.search([("contract_id", "=", neg_contract.id)])
        ok_q1 = Settlement.search([("contract_id", "=", ok_contract.id)])
        self.assertFalse(Settlement.search([("contract_id", "=", bad_contract.id)]))
        # net sales -10,000 x 2 % = -200: nothing paid, -200 carried
        self.assertRecordValues(
            neg_q1,
            [
                {
                    "state": "posted",
                    "accrued_amount": -200.0,
                    "paid_out_amount": 0.0,
                    "closing_balance": -200.0,
                    "carried_negative_amount": 200.0,
                    "amount_credited": 0.0,
                }
            ],
        )
        self.assertFalse(neg_q1.move_ids, "never a negative credit note")
        self.assertEqual(ok_q1.state, "posted")
        self.assertEqual(ok_q1.move_ids.amount_total, 1000.0)
        # Q2: 30,000 sold -> 600, less the 200 carried: 400 paid out
        self._invoice(30000.0, date(2026, 4, 10), negative)
        neg_q2 = Settlement._settle_contracts(neg_contract, 2026, 2)
        self.assertRecordValues(
            neg_q2,
            [
                {
                    "opening_balance": -200.0,
                    "accrued_amount": 600.0,
                    "paid_out_amount": 400.0,
                    "closing_balance": 0.0,
                }
            ],
        )
        # settling the quarter again says so
        again = self.env["after_sales.settlement.create"].create(
            {"year": 2026, "quarter": "1", "company_id": self.company.id}
        )
        again.contract_ids = neg_contract | ok_contract
        again.action_preview()
        self.assertEqual(again.already_settled_count, 2)
        again.action_settle()
        self.assertIn("Already settled", again.result_message)


@tagged("post_install", "-at_install")
@freeze_time("2026-07-10")
class TestReceivablesAndStatements(FundCase):
    def test_subdealer_company_receivables_untouched(self):
        dealer = self._dealer("Parent dealer")
        sub = self.env["res.partner"].create(
            {"name": "Own-company sub-dealer", "is_company": True, "parent_id": dealer.id}
        )
        contract = self._contract(
            dealer_id=dealer.id, allowance_basis="units", allowance_use="payout"
        )
        sub_invoice = self._invoice(1000.0, date(2026, 1, 5), sub)  # the older one
        own_invoice = self._invoice(2000.0, date(2026, 2, 5), dealer)
        self._cards(120, date(2026, 2, 10), dealer=dealer)
        settlement = self._settle(contract, 2026, 1)
        settlement.action_post()
        credit = settlement.move_ids
        # 120 x 20 = 2,400: 2,000 against the dealer's own invoice, 400 stays open credit
        self.assertEqual(credit.amount_total, 2400.0)
        self.assertEqual(own_invoice.amount_residual, 0.0)
        self.assertEqual(sub_invoice.amount_residual, 1000.0)
        self.assertEqual(credit.amount_residual, 400.0)

    def test_chinese_statement_and_ledger_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["zh_CN"])
        dealer = self.env["res.partner"].create(
            {"name": "华东经销商", "is_company": True, "lang": "zh_CN"}
        )
        contract = self._contract(
            dealer_id=dealer.id, allowance_basis="units", allowance_use="payout"
        )
        self._cards(135, date(2026, 2, 10), dealer=dealer)
        contract._fund_post("consumption", -180.0, date(2026, 3, 1), "Parts")
        settlement = self._settle(contract, 2026, 1)
        # 135 x 20 = 2,700 credited; 180 of parts consumed on a payout contract is owed
        self.assertEqual(settlement.amount_credited_cn, "贰仟柒佰元整")
        self.assertEqual(settlement.amount_credited_words, "贰仟柒佰元整")
        self.assertEqual(settlement.amount_owed_cn, "壹佰捌拾元整")
        self.assertEqual(settlement.amount_owed_words, "壹佰捌拾元整")
        self.assertTrue(settlement.is_dealer_chinese)
        self.assertIn("维修补贴", self._accruals(contract).name, "written in the dealer's language")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "after_sales_service.action_report_after_sales_settlement", settlement.ids
            )[0]
            .decode()
        )
        self.assertIn("贰仟柒佰元整", html)
        self.assertIn("壹佰捌拾元整", html)
        self.assertNotIn("Zero", html)
        # English dealers read words in English
        english = self._dealer("English dealer")
        english.lang = "en_US"
        other = self._contract(
            dealer_id=english.id, allowance_basis="units", allowance_use="payout"
        )
        self._cards(1, date(2026, 2, 10), dealer=english)
        statement = self._settle(other, 2026, 1)
        self.assertFalse(statement.is_dealer_chinese)
        self.assertIn("Twenty", statement.amount_credited_words)

    def test_reversal_named_in_the_dealers_language(self):
        """A row reversed by an English-speaking user (a cancelled document) is named in the
        language of the dealer whose ledger it is, like the rows it reverses."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["zh_CN"])
        chinese = self.env["res.partner"].create(
            {"name": "华北经销商", "is_company": True, "lang": "zh_CN"}
        )
        english = self._dealer("English dealer")
        english.lang = "en_US"
        rows = self.env["after_sales.fund.entry"]
        for dealer in (chinese, english):
            contract = self._contract(dealer_id=dealer.id, allowance_basis="none")
            rows |= contract._fund_post("consumption", -180.0, date(2026, 3, 1), "Parts RP-1")
        reversals = rows.with_context(lang="en_US")._reverse(date(2026, 3, 2))
        self.assertEqual(reversals.mapped("name"), ["冲销 Parts RP-1", "Reversal of Parts RP-1"])
        self.assertEqual(reversals.mapped("amount"), [180.0, 180.0])

    def test_ledger_running_balance(self):
        dealer = self._dealer("Ledger dealer")
        contract = self._contract(dealer_id=dealer.id)
        contract._fund_post("accrual", 500.0, date(2026, 1, 31), "Opening")
        contract._fund_post("consumption", -120.0, date(2026, 2, 10), "Parts")
        contract._fund_post("consumption", -80.0, date(2026, 3, 10), "Parts")
        rows = contract.fund_entry_ids.sorted(lambda e: (e.date, e.id))
        self.assertEqual(rows.mapped("running_balance"), [500.0, 380.0, 300.0])

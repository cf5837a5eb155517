"""R14 with R12a: a forfeited quarter stays forfeited whatever its late documents do. A
correction of one of its months, dated in a later quarter, comes with its own forfeiture row: the
dealer is neither paid a forfeited allowance nor charged twice for it, and the later quarter's
payout or budget does not move. A later quarter's forfeiture takes only its own months'
allowance, not the corrections of earlier quarters dated in it."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, freeze_time, tagged

from ..tools import settlement as rules
from .test_fund_rules import FundCase

D = Decimal
FEB, MAR = date(2026, 2, 1), date(2026, 3, 1)
Q2_START = date(2026, 4, 1)
FIGURES = (
    "opening_balance",
    "accrued_amount",
    "forfeited_amount",
    "paid_out_amount",
    "consumed_amount",
    "overspend_amount",
    "closing_balance",
)


@tagged("post_install", "-at_install")
class TestForfeitureRules(BaseCase):
    """The pure rule (tools/settlement.py)."""

    def test_forfeited_allowance(self):
        self.assertEqual(rules.forfeited_allowance(300, True), D("300.00"))
        self.assertEqual(rules.forfeited_allowance(300, False), D("0.00"))
        # a negative allowance is carried, never forfeited
        self.assertEqual(rules.forfeited_allowance(-100, True), D("0.00"))

    def test_late_forfeiture(self):
        rows = [
            # decided, late, forfeit -> forfeited with the late corrections
            (300, 600, True, "600.00"),
            (300, -300, True, "-300.00"),
            (300, -500, True, "-300.00"),
            (-100, 300, True, "200.00"),
            (-100, -50, True, "0.00"),
            (300, 600, False, "0.00"),
            (0, 0.005, True, "0.01"),
        ]
        for decided, late, forfeit, expected in rows:
            with self.subTest(decided=decided, late=late, forfeit=forfeit):
                self.assertEqual(rules.late_forfeiture(decided, late, forfeit), D(expected))

    def test_forfeiture_takes_the_quarter_own_months_only(self):
        # Q2 forfeited: 300 of its own months, 600 a correction of Q1 dated in it
        result = rules.settle_quarter(0, 900, 0, "payout", True, forfeitable=300)
        self.assertEqual(
            (result.forfeited, result.paid_out, result.closing),
            (D("300.00"), D("600.00"), D("0.00")),
        )
        # a Q1 payment cancelled in Q2 (-300): the dealer gives back what Q1 paid too much
        result = rules.settle_quarter(0, 0, 0, "payout", True, forfeitable=300)
        self.assertEqual(
            (result.forfeited, result.paid_out, result.closing),
            (D("300.00"), D("0.00"), D("-300.00")),
        )
        # without forfeitable, all the quarter's allowance is its own (as before)
        result = rules.settle_quarter(0, 900, 0, "payout", True)
        self.assertEqual((result.forfeited, result.paid_out), (D("900.00"), D("0.00")))


@tagged("post_install", "-at_install")
class TestFundForfeiture(FundCase):
    """A payout (or budget) contract at 3 % of collections, 10,000 collected on 10 February
    2026; the quarters settled through the wizard, its preview compared with the settlement."""

    def _start(self, use="payout", forfeit_q1=True):
        dealer = self._dealer(f"Forfeiting dealer {use} {forfeit_q1}")
        dealer.lang = "zh_CN"
        with freeze_time("2026-01-02"):
            contract = self._contract(
                dealer_id=dealer.id,
                allowance_basis="collections",
                allowance_rate=3.0,
                allowance_use=use,
            )
        february = self._pay(10000.0, date(2026, 2, 10), dealer)
        with freeze_time("2026-04-03"):
            q1 = self.env["after_sales.settlement"]._settle_contracts(
                contract,
                2026,
                1,
                forfeits={contract: "Falsified warranty cards"} if forfeit_q1 else {},
            )
            q1.with_user(self.manager).action_post()
        self.assertRecordValues(
            q1,
            [
                {
                    "state": "posted",
                    "accrued_amount": 300.0,
                    "forfeited_amount": 300.0 if forfeit_q1 else 0.0,
                    "paid_out_amount": 0.0 if forfeit_q1 or use == "budget" else 300.0,
                }
            ],
        )
        return contract, dealer, february, q1

    def _settle_q2(self, contract, forfeit=None):
        """Settle 2026 Q2 in the wizard after its preview (forfeited with ``forfeit`` as the
        reason) and return the settlement and the preview's figures (those of the forfeiture
        ticked in the preview when ``forfeit``: the line shows those of the falsified cards)."""
        Settlement = self.env["after_sales.settlement"]
        with freeze_time("2026-07-03"):
            wizard = self.env["after_sales.settlement.create"].create(
                {"year": 2026, "quarter": "2", "company_id": self.company.id}
            )
            wizard.contract_ids = contract
            wizard.action_preview()
            line = wizard.line_ids
            preview = {name: line[name] for name in FIGURES}
            if forfeit:
                line.write({"forfeit": True, "forfeit_reason": forfeit})
                figures = Settlement._get_preview_figures(contract, 2026, "2", forfeits=contract)
                preview = {name: figures[contract][name] for name in FIGURES}
            wizard.action_settle()
        q2 = self.env["after_sales.settlement"].search(
            [("contract_id", "=", contract.id), ("year", "=", 2026), ("quarter", "=", "2")]
        )
        q2 = q2.filtered(lambda s: s.state != "cancel")
        return q2, preview

    def _assert_statement(self, settlement):
        """The statement adds up, and its ledger rows are what the settlement counts."""
        self.assertAlmostEqual(
            settlement.opening_balance
            + settlement.accrued_amount
            - settlement.forfeited_amount
            - settlement.paid_out_amount
            - settlement.consumed_amount
            + settlement.overspend_amount,
            settlement.closing_balance,
            places=2,
        )
        own_forfeiture = settlement.fund_entry_ids.filtered(
            lambda e: e.kind == "forfeiture" and e.source_ref == settlement
        )
        allowance_rows = settlement.fund_entry_ids.filtered(
            lambda e: (
                e.kind in ("accrual", "accrual_correction")
                or (e.kind == "forfeiture" and e.accrual_month)
            )
        )
        self.assertAlmostEqual(
            sum(allowance_rows.mapped("amount")), settlement.accrued_amount, places=2
        )
        self.assertAlmostEqual(
            -sum(own_forfeiture.mapped("amount")), settlement.forfeited_amount, places=2
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "after_sales_service.action_report_after_sales_settlement", settlement.ids
            )[0]
            .decode()
        )
        for row in allowance_rows:
            self.assertIn(row.name, html)
        return html

    def test_cancelled_payment_of_a_forfeited_quarter_does_not_take_a_later_allowance(self):
        """The audit's negative case: Q1 forfeited its 300; in May the February payment is
        cancelled and 10,000 is collected. The -300 correction of February comes with +300 of
        forfeiture given back: Q2 pays the May payment's 300 (before: 0, the dealer lost Q1's
        forfeited allowance twice)."""
        contract, dealer, february, _q1 = self._start()
        with freeze_time("2026-05-10"):
            february.action_draft()
            february.action_cancel()
            self._pay(10000.0, date(2026, 5, 10), dealer)
        q2, preview = self._settle_q2(contract)
        expected = {
            "opening_balance": 0.0,
            "accrued_amount": 300.0,
            "forfeited_amount": 0.0,
            "paid_out_amount": 300.0,
            "consumed_amount": 0.0,
            "overspend_amount": 0.0,
            "closing_balance": 0.0,
        }
        self.assertEqual(preview, expected)
        self.assertRecordValues(q2, [expected])
        late = contract.fund_entry_ids.filtered(
            lambda e: e.accrual_month == FEB and e.date >= Q2_START
        )
        self.assertRecordValues(
            late.sorted("id"),
            [
                {"kind": "accrual_correction", "amount": -300.0, "date": Q2_START},
                {"kind": "forfeiture", "amount": 300.0, "date": Q2_START},
            ],
        )
        # named in the dealer's language
        self.assertEqual(late.sorted("id")[1].name, "2026 Q1 的取消金额因 2026-02 的更正而减少")
        with freeze_time("2026-07-03"):
            q2.with_user(self.manager).action_post()
        self.assertRecordValues(q2, [dict(expected, state="posted")])
        self.assertRecordValues(q2.move_ids, [{"move_type": "out_refund", "amount_total": 300.0}])
        self._assert_statement(q2)
        contract.invalidate_recordset(["fund_balance"])
        self.assertEqual(contract.fund_balance, 0.0)

        # cancelled and settled again: nothing is appended twice, the figures are the same
        rows_before = contract.fund_entry_ids.filtered(lambda e: e.kind != "reversal")
        with freeze_time("2026-07-05"):
            q2.with_user(self.manager).action_cancel()
        again, preview = self._settle_q2(contract)
        self.assertEqual(preview, expected)
        self.assertRecordValues(again, [expected])
        with freeze_time("2026-07-05"):
            again.with_user(self.manager).action_post()
        self.assertEqual(again.paid_out_amount, 300.0)
        new_rows = contract.fund_entry_ids.filtered(lambda e: e.kind != "reversal") - rows_before
        self.assertEqual(sorted(new_rows.mapped("kind")), ["payout"])
        self._assert_statement(again)
        contract.invalidate_recordset(["fund_balance"])
        self.assertEqual(contract.fund_balance, 0.0)

    def test_late_payment_of_a_forfeited_quarter_is_forfeited_too(self):
        """The audit's positive case: a 20,000 payment dated 15 March entered in May, after Q1
        was settled with forfeiture. Its +600 correction is forfeited with it: Q2 pays nothing
        (before: 600, Q1's forfeited allowance paid to the dealer)."""
        contract, dealer, _february, _q1 = self._start()
        with freeze_time("2026-05-10"):
            self._pay(20000.0, date(2026, 3, 15), dealer)
        q2, preview = self._settle_q2(contract)
        expected = {
            "opening_balance": 0.0,
            "accrued_amount": 0.0,
            "forfeited_amount": 0.0,
            "paid_out_amount": 0.0,
            "consumed_amount": 0.0,
            "overspend_amount": 0.0,
            "closing_balance": 0.0,
        }
        self.assertEqual(preview, expected)
        with freeze_time("2026-07-03"):
            q2.with_user(self.manager).action_post()
        self.assertRecordValues(q2, [dict(expected, state="posted")])
        self.assertFalse(q2.move_ids)
        late = q2.fund_entry_ids.filtered(lambda e: e.accrual_month == MAR)
        self.assertRecordValues(
            late.sorted("id"),
            [
                {"kind": "accrual_correction", "amount": 600.0, "date": Q2_START},
                {"kind": "forfeiture", "amount": -600.0, "date": Q2_START},
            ],
        )
        html = self._assert_statement(q2)
        self.assertIn("2026-03 的更正随 2026 Q1 一并取消", html)
        # the accrual runs again (the daily job): nothing more
        with freeze_time("2026-08-02"):
            self.env["after_sales.fund"]._cron_accrue_allowances()
        self.assertEqual(len(contract.fund_entry_ids.filtered(lambda e: e.accrual_month == MAR)), 2)

    def test_forfeited_budget_keeps_its_balance_through_a_late_payment(self):
        """Budget: the forfeited quarter's late payment adds nothing to the budget the dealer
        draws on in the next quarter, as soon as it is accrued."""
        contract, dealer, _february, _q1 = self._start(use="budget")
        with freeze_time("2026-05-10"):
            self._pay(20000.0, date(2026, 3, 15), dealer)
            self._pay(5000.0, date(2026, 4, 20), dealer)
        with freeze_time("2026-05-11"):
            self.env["after_sales.fund"]._cron_accrue_allowances()
        contract.invalidate_recordset(["fund_balance"])
        # April's 150 only, not March's 600
        self.assertEqual(contract.fund_balance, 150.0)
        q2, preview = self._settle_q2(contract)
        self.assertEqual((preview["accrued_amount"], preview["closing_balance"]), (150.0, 150.0))
        with freeze_time("2026-07-03"):
            q2.with_user(self.manager).action_post()
        self.assertRecordValues(
            q2, [{"accrued_amount": 150.0, "forfeited_amount": 0.0, "closing_balance": 150.0}]
        )
        self._assert_statement(q2)

    def test_later_forfeiture_leaves_the_corrections_of_an_earlier_quarter(self):
        """Mirror: Q1 settled without forfeiture (paid 300); in May a 20,000 payment dated 15
        March is entered and 10,000 collected. Q2 forfeited takes its own 300, not the 600 of
        March that belongs to Q1: Q2 pays 600 (before: everything forfeited)."""
        contract, dealer, _february, q1 = self._start(forfeit_q1=False)
        self.assertEqual(q1.paid_out_amount, 300.0)
        with freeze_time("2026-05-10"):
            self._pay(20000.0, date(2026, 3, 15), dealer)
            self._pay(10000.0, date(2026, 5, 10), dealer)
        q2, preview = self._settle_q2(contract, forfeit="Falsified warranty cards")
        expected = {
            "opening_balance": 0.0,
            "accrued_amount": 900.0,
            "forfeited_amount": 300.0,
            "paid_out_amount": 600.0,
            "consumed_amount": 0.0,
            "overspend_amount": 0.0,
            "closing_balance": 0.0,
        }
        self.assertEqual(preview, expected)
        with freeze_time("2026-07-03"):
            q2.with_user(self.manager).action_post()
        self.assertRecordValues(q2, [dict(expected, forfeit=True, state="posted")])
        # no forfeiture row comes with March's correction: Q1 was not forfeited
        self.assertEqual(
            q2.fund_entry_ids.filtered(lambda e: e.kind == "forfeiture").mapped("amount"),
            [-300.0],
        )
        self._assert_statement(q2)

    def test_later_forfeiture_leaves_a_cancellation_of_an_earlier_quarter(self):
        """Mirror, negative: Q1 paid 300 for the February payment, cancelled in May; 10,000
        collected in May; Q2 forfeited. Q2's own 300 is forfeited and Q1's 300 paid too much
        is carried into Q3's payout (before: the forfeiture took nothing, the dealer kept
        Q1's 300)."""
        contract, dealer, february, _q1 = self._start(forfeit_q1=False)
        with freeze_time("2026-05-10"):
            february.action_draft()
            february.action_cancel()
            self._pay(10000.0, date(2026, 5, 10), dealer)
        q2, preview = self._settle_q2(contract, forfeit="Breach of contract")
        expected = {
            "opening_balance": 0.0,
            "accrued_amount": 0.0,
            "forfeited_amount": 300.0,
            "paid_out_amount": 0.0,
            "consumed_amount": 0.0,
            "overspend_amount": 0.0,
            "closing_balance": -300.0,
        }
        self.assertEqual(preview, expected)
        with freeze_time("2026-07-03"):
            q2.with_user(self.manager).action_post()
        self.assertRecordValues(q2, [dict(expected, carried_negative_amount=300.0)])
        self._assert_statement(q2)

    def test_forfeited_quarter_settled_again_without_forfeiture_gives_its_correction_back(self):
        """Q1 forfeited, its late March payment forfeited with its correction in May; Q1 is
        then cancelled and settled again without forfeiture: the next accrual gives the
        correction's forfeiture back, and Q2 pays the 600."""
        contract, dealer, _february, q1 = self._start()
        with freeze_time("2026-05-10"):
            self._pay(20000.0, date(2026, 3, 15), dealer)
        with freeze_time("2026-06-02"):
            self.env["after_sales.fund"]._cron_accrue_allowances()
        forfeited = contract.fund_entry_ids.filtered(
            lambda e: e.kind == "forfeiture" and e.accrual_month
        )
        self.assertRecordValues(forfeited, [{"amount": -600.0, "date": Q2_START}])
        with freeze_time("2026-06-05"):
            q1.with_user(self.manager).action_cancel()
            again = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
            again.with_user(self.manager).action_post()
        self.assertRecordValues(
            again, [{"accrued_amount": 300.0, "forfeited_amount": 0.0, "paid_out_amount": 300.0}]
        )
        q2, preview = self._settle_q2(contract)
        self.assertEqual((preview["accrued_amount"], preview["paid_out_amount"]), (600.0, 600.0))
        given_back = (
            contract.fund_entry_ids.filtered(lambda e: e.kind == "forfeiture" and e.accrual_month)
            - forfeited
        )
        self.assertRecordValues(
            given_back,
            [{"amount": 600.0, "date": Q2_START, "accrual_month": MAR}],
        )
        with freeze_time("2026-07-03"):
            q2.with_user(self.manager).action_post()
        self.assertRecordValues(q2, [{"accrued_amount": 600.0, "paid_out_amount": 600.0}])
        self._assert_statement(q2)

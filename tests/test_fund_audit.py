"""Audit of the repair fund and the quarterly settlement (R12-R16): everyday situations."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from .common import SettlementCase


@tagged("post_install", "-at_install")
@freeze_time("2026-07-10")
class TestFundAudit(SettlementCase):
    def _dealer_invoice(self, amount, day):
        return self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=day,
            amounts=[amount],
            taxes=self.env["account.tax"],
            post=True,
        )

    def _ended_payout_contract_paid(self):
        """A payout contract at 3 % with a January payment of 10,000, terminated on 20
        February, whose final quarter (Q1) is posted and pays 300. Returns the contract, the
        payment and that settlement."""
        with freeze_time("2026-01-02"):
            contract = self._contract(allowance_rate=3.0, allowance_use="payout")
        payment = self._payment(10000, date(2026, 1, 10))
        with freeze_time("2026-02-21"):
            contract.action_terminate("Dealer closed", date(2026, 2, 20))
        with freeze_time("2026-03-01"):
            final = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
            final.action_post()
        self.assertEqual(final.paid_out_amount, 300.0)
        return contract, payment, final

    def test_forfeiture_needs_its_reason(self):
        """R14: the settlement records why the allowance is forfeited; a draft ticked to
        forfeit without a reason is not posted."""
        contract = self._contract(allowance_rate=3.0)
        self._payment(10000, date(2026, 2, 10))
        settlement = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
        manager_settlement = settlement.with_user(self.manager)
        manager_settlement.write({"forfeit": True})
        with self.assertRaisesRegex(UserError, "reason"):
            manager_settlement.action_post()
        self.assertEqual(settlement.state, "draft")
        manager_settlement.write({"forfeit_reason": "Falsified warranty cards"})
        manager_settlement.action_post()
        self.assertRecordValues(
            settlement,
            [{"state": "posted", "forfeited_amount": 300.0, "closing_balance": 0.0}],
        )
        row = settlement.fund_entry_ids.filtered(lambda e: e.kind == "forfeiture")
        self.assertRecordValues(row, [{"amount": -300.0, "note": "Falsified warranty cards"}])
        # once posted, the decision is frozen
        with self.assertRaises(UserError):
            manager_settlement.write({"forfeit": False})

    def test_payment_cancelled_after_its_quarter_was_posted(self):
        """R12a: a Q1 payment (by the dealer's contact) cancelled in Q2, after Q1 was posted:
        the correction lands in Q2, Q1's statement does not move."""
        contract = self._contract(allowance_rate=3.0)
        late = self._payment(10000, date(2026, 2, 10), partner=self.dealer_contact)
        self._payment(5000, date(2026, 3, 10))
        q1 = self._settle(contract, 2026, 1)
        q1.with_user(self.manager).action_post()
        self.assertEqual((q1.accrued_amount, q1.closing_balance), (450.0, 450.0))
        late.action_draft()
        late.action_cancel()
        self._payment(2000, date(2026, 5, 10))
        q2 = self._settle(contract, 2026, 2)
        # 60 for May's 2,000, -300 for February's cancelled 10,000
        self.assertRecordValues(
            q2, [{"opening_balance": 450.0, "accrued_amount": -240.0, "closing_balance": 210.0}]
        )
        correction = contract.fund_entry_ids.filtered(lambda e: e.kind == "accrual_correction")
        self.assertRecordValues(
            correction,
            [{"amount": -300.0, "date": date(2026, 4, 1), "accrual_month": date(2026, 2, 1)}],
        )
        self.assertEqual(q1.accrued_amount, 450.0)
        q2.with_user(self.manager).action_post()
        self.assertEqual(contract.fund_balance, 210.0)

    def test_cancel_posted_payout_restores_the_receivable(self):
        """R13 payout + R16: the payout credit note is reconciled oldest first; cancelling
        the settlement reverses it, reopens the invoices and reverses its ledger row."""
        contract = self._contract(allowance_rate=3.0, allowance_use="payout")
        older = self._dealer_invoice(200.0, date(2026, 1, 5))
        newer = self._dealer_invoice(1000.0, date(2026, 1, 25))
        self._payment(10000, date(2026, 2, 10))
        q1 = self._settle(contract, 2026, 1)
        q1.with_user(self.manager).action_post()
        credit = q1.move_ids
        self.assertRecordValues(
            credit, [{"move_type": "out_refund", "amount_total": 300.0, "state": "posted"}]
        )
        self.assertEqual((older.amount_residual, newer.amount_residual), (0.0, 900.0))
        # Odoo's own state of an invoice settled in full by a credit note
        self.assertEqual(older.payment_state, "reversed")
        self.assertEqual(contract.fund_balance, 0.0)
        q1.with_user(self.manager).action_cancel()
        self.assertEqual((older.amount_residual, newer.amount_residual), (200.0, 1000.0))
        self.assertEqual(credit.reversal_move_ids.state, "posted")
        self.assertEqual(credit.amount_residual, 0.0)
        payout = contract.fund_entry_ids.filtered(lambda e: e.kind == "payout")
        self.assertTrue(payout.is_reversed)
        self.assertEqual(contract.fund_balance, 300.0)
        again = self._settle(contract, 2026, 1)
        again.with_user(self.manager).action_post()
        self.assertEqual(again.paid_out_amount, 300.0)
        self.assertEqual((older.amount_residual, newer.amount_residual), (0.0, 900.0))
        self.assertEqual(contract.fund_balance, 0.0)

    def test_manager_cannot_force_state_or_figures(self):
        """R16: a manager (not the superuser) changes no figure, state or lock directly."""
        contract = self._contract(allowance_rate=3.0)
        self._payment(10000, date(2026, 2, 10))
        q1 = self._settle(contract, 2026, 1).with_user(self.manager)
        for vals in (
            {"state": "posted"},
            {"accrued_amount": 9999.0},
            {"closing_balance": 0.0},
        ):
            with self.assertRaises(AccessError):
                q1.with_context(after_sales_settlement_write=True).write(vals)
        q1.action_post()
        row = contract.fund_entry_ids.filtered(lambda e: e.kind == "accrual").with_user(
            self.manager
        )
        with self.assertRaises(UserError):
            row.write({"settlement_id": False})
        with self.assertRaises(UserError):
            row.unlink()
        with self.assertRaises(UserError):
            q1.action_notify()
        with self.assertRaises(UserError):
            q1.unlink()

    def test_late_payment_of_an_ended_contract_settled_in_the_next_quarter(self):
        """R12a: a payment dated before a contract's termination, entered after its final
        quarter was posted, is corrected in the first open quarter, and that quarter is
        settled (paid out) although the contract no longer runs."""
        contract, __, final = self._ended_payout_contract_paid()
        # entered in April, dated 10 February (before the termination)
        self._payment(2000, date(2026, 2, 10))
        rows = self.env["after_sales.fund.entry"].search_count([("contract_id", "=", contract.id)])
        wizard = self.env["after_sales.settlement.create"].create(
            {"year": 2026, "quarter": "2", "company_id": self.company.id}
        )
        # proposed before the monthly accrual wrote the correction; opening writes nothing
        self.assertIn(contract, wizard.contract_ids)
        self.assertEqual(
            self.env["after_sales.fund.entry"].search_count([("contract_id", "=", contract.id)]),
            rows,
        )
        wizard.contract_ids = contract
        wizard.action_settle()
        q2 = self.env["after_sales.settlement"].search(
            [("contract_id", "=", contract.id), ("year", "=", 2026), ("quarter", "=", "2")]
        )
        self.assertRecordValues(
            q2, [{"state": "draft", "accrued_amount": 60.0, "paid_out_amount": 60.0}]
        )
        q2.with_user(self.manager).action_post()
        self.assertEqual(q2.paid_out_amount, 60.0)
        self.assertEqual(q2.move_ids.amount_total, 60.0)
        self.assertEqual(final.accrued_amount, 300.0, "a posted statement never changes")
        # a second run creates nothing
        self.assertFalse(self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 2))
        # Q3: nothing more to settle for the ended contract
        with freeze_time("2026-10-10"):
            self.assertFalse(
                self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 3)
            )

    def test_payment_cancelled_after_an_ended_contracts_last_payout(self):
        """R12a, R13: a payout contract terminated in February is paid its Q1 allowance (300
        on a January payment of 10,000); in July that payment is cancelled. The correction lands
        in the first open quarter (Q2), and no later quarter runs to deduct the -300 from: Q2
        settles the ended contract and invoices the 300 the dealer was paid too much, the fund
        ends at zero, and nothing more is settled."""
        contract, payment, final = self._ended_payout_contract_paid()
        self.dealer.lang = "zh_CN"
        payment.action_draft()
        payment.action_cancel()
        Settlement = self.env["after_sales.settlement"]
        q2 = Settlement._settle_contracts(contract, 2026, 2)
        self.assertRecordValues(
            q2,
            [
                {
                    "state": "draft",
                    "accrued_amount": -300.0,
                    "paid_out_amount": 0.0,
                    "overspend_amount": 300.0,
                    "closing_balance": 0.0,
                }
            ],
        )
        q2.with_user(self.manager).action_post()
        invoice = q2.move_ids
        self.assertRecordValues(
            invoice,
            [{"move_type": "out_invoice", "state": "posted", "amount_total": 300.0}],
        )
        self.assertEqual(invoice.partner_id, self.dealer)
        # what the dealer reads, in its language: an allowance paid too much, not a budget
        # overspent
        self.assertEqual(invoice.invoice_line_ids.mapped("name"), ["多付维修补贴收回 2026 Q2"])
        self.assertEqual(
            q2.fund_entry_ids.filtered(lambda e: e.kind == "overspend_charge").mapped("name"),
            ["2026 Q2 收回多付的维修补贴"],
        )
        self.dealer.lang = "en_US"
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            "after_sales_service.action_report_after_sales_settlement", q2.ids
        )
        self.assertIn("Allowance paid too much, invoiced to the dealer", html.decode())
        self.assertNotIn("Overspend invoiced", html.decode())
        contract.invalidate_recordset(["fund_balance"])
        self.assertEqual(contract.fund_balance, 0.0)
        self.assertEqual(final.paid_out_amount, 300.0, "a posted statement never changes")
        self.assertFalse(Settlement._settle_contracts(contract, 2026, 2))
        with freeze_time("2026-10-10"):
            self.assertFalse(Settlement._settle_contracts(contract, 2026, 3))

    def test_sales_tax_included_net_of_credit_notes_and_cancelled_settlement(self):
        """R12 sales: invoices net of credit notes, tax included; a cancelled settlement's
        reversal and its re-posted credit note are no sales of the next quarter."""
        contract = self._contract(
            allowance_basis="sales", allowance_rate=3.0, allowance_use="payout"
        )
        tax = self.tax_sale_a  # 15 %
        self.init_invoice(
            "out_invoice",
            partner=self.dealer_contact,
            invoice_date=date(2026, 2, 10),
            amounts=[1000.0],
            taxes=tax,
            post=True,
        )
        self.init_invoice(
            "out_refund",
            partner=self.dealer,
            invoice_date=date(2026, 3, 10),
            amounts=[100.0],
            taxes=tax,
            post=True,
        )
        # 1,150 - 115 = 1,035 -> 31.05
        with freeze_time("2026-04-05"):
            q1 = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
            q1.action_post()
        self.assertEqual(q1.paid_out_amount, 31.05)
        with freeze_time("2026-05-05"):
            q1.action_cancel()
            q1 = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
            q1.action_post()
        self.assertEqual(q1.paid_out_amount, 31.05)
        q2 = self._settle(contract, 2026, 2)
        self.assertRecordValues(q2, [{"accrued_amount": 0.0, "paid_out_amount": 0.0}])

    def test_late_payment_while_the_notice_is_out(self):
        """R12a: a Q1 payment entered while Q1's notice is with the dealer goes to Q2; Q1
        posts what it notified."""
        contract = self._contract(allowance_rate=3.0)
        self._payment(10000, date(2026, 2, 10))
        with freeze_time("2026-04-05"):
            q1 = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
            q1.action_notify()
        self.assertEqual(q1.state, "notified")
        self._payment(1000, date(2026, 3, 10))
        q1.action_post()
        self.assertRecordValues(
            q1, [{"state": "posted", "accrued_amount": 300.0, "closing_balance": 300.0}]
        )
        q2 = self._settle(contract, 2026, 2)
        self.assertRecordValues(
            q2, [{"opening_balance": 300.0, "accrued_amount": 30.0, "closing_balance": 330.0}]
        )
        correction = contract.fund_entry_ids.filtered(lambda e: e.kind == "accrual_correction")
        self.assertRecordValues(
            correction, [{"amount": 30.0, "date": date(2026, 4, 1), "settlement_id": False}]
        )

    def test_sales_invoice_in_another_currency_and_units_of_sub_dealers(self):
        """R12: a EUR invoice counts converted at its own date; units count the sub-dealer's
        on-time cards, not its late or void ones."""
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0), ("2026-02-01", 4.0)])
        sales = self._contract(allowance_basis="sales", allowance_rate=3.0)
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 2, 10),
            amounts=[4000.0],
            taxes=self.env["account.tax"],
            currency=eur,
            post=True,
        )
        self.assertEqual(invoice.amount_total_signed, 1000.0)  # 4,000 EUR at 4 per USD
        q1 = self.env["after_sales.settlement"]._settle_contracts(sales, 2026, 1)
        self.assertEqual(q1.accrued_amount, 30.0)

        units_dealer = self.env["res.partner"].create({"name": "Units", "is_company": True})
        sub = self.env["res.partner"].create(
            {"name": "Units sub-dealer", "is_company": True, "parent_id": units_dealer.id}
        )
        units = self._contract(
            dealer_id=units_dealer.id, allowance_basis="units", allowance_unit_amount=15.0
        )
        self._cards(4, date(2026, 2, 10), dealer=units_dealer)
        self._cards(3, date(2026, 3, 10), dealer=sub)
        self._cards(2, date(2026, 3, 11), dealer=sub, late=True)
        self._cards(1, date(2026, 3, 12), dealer=sub).action_void()
        q1 = self.env["after_sales.settlement"]._settle_contracts(units, 2026, 1)
        self.assertEqual(q1.accrued_amount, 105.0)  # 7 cards x 15

    def test_months_and_quarters_end_where_the_company_works(self):
        """R12, R16: a month and a quarter end at midnight where the company works (Shanghai),
        whoever asks: a finance user in Auckland, already in April at 20:00 on 31 March in
        Shanghai, cannot settle the first quarter yet; the monthly accrual, run at 01:00 on
        1 April in Shanghai by a user still on 31 March (UTC), accrues March."""
        self.company.partner_id.tz = "Asia/Shanghai"
        contract = self._contract(allowance_rate=3.0, allowance_use="payout")
        self._payment(10000, date(2026, 3, 20))
        Fund = self.env["after_sales.fund"]
        in_auckland = {"tz": "Pacific/Auckland"}
        with freeze_time("2026-03-31 12:00:00"):
            finance = Fund.with_user(self.manager).with_context(**in_auckland)
            errors = finance._get_quarter_order_errors(contract, 2026, 1)
            self.assertIn("2026 Q1 has not ended yet", errors[contract])
            wizard = self.env["after_sales.settlement.create"].with_user(self.manager)
            self.assertEqual(wizard.with_context(**in_auckland)._default_period(), (2025, 4))
        with freeze_time("2026-03-31 17:00:00"):
            Fund.with_context(tz="UTC")._cron_accrue_allowances()
            self.assertFalse(
                Fund.with_context(tz="UTC")._get_quarter_order_errors(contract, 2026, 1)
            )
        accruals = self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", contract.id), ("kind", "=", "accrual")]
        )
        self.assertRecordValues(
            accruals,
            [{"accrual_month": date(2026, 3, 1), "amount": 300.0, "date": date(2026, 3, 31)}],
        )

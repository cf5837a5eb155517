from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import SettlementCase


@tagged("post_install", "-at_install")
@freeze_time("2027-04-10")
class TestBudgetSettlement(SettlementCase):
    """Budget, collections 3 %, through 2026 into 2027 (issue 4's first worked example)."""

    def test_worked_year(self):
        contract = self._contract(allowance_basis="collections", allowance_rate=3.0)
        # Q1: 200,000 collected, 7,500 of parts drawn -> overspend 1,500 invoiced, closing 0
        self._payment(120000, date(2026, 1, 20))
        self._payment(80000, date(2026, 3, 5))
        self._draw(contract, 7500, date(2026, 3, 20))
        q1 = self._settle(contract, 2026, 1)
        self.assertRecordValues(
            q1,
            [
                {
                    "state": "draft",
                    "opening_balance": 0.0,
                    "accrued_amount": 6000.0,
                    "consumed_amount": 7500.0,
                    "overspend_amount": 1500.0,
                    "closing_balance": 0.0,
                    "amount_owed": 1500.0,
                }
            ],
        )
        accruals = contract.fund_entry_ids.filtered(lambda e: e.kind == "accrual")
        self.assertEqual(sorted(accruals.mapped("amount")), [2400.0, 3600.0])
        q1.action_post()
        self.assertEqual(q1.state, "posted")
        invoice = q1.move_ids
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "partner_id": self.dealer.id,
                    "amount_total": 1500.0,
                    "invoice_date": date(2026, 3, 31),
                }
            ],
        )
        self.assertEqual(contract.fund_balance, 0.0, "the fund restarts at 0 after overspend")

        # Q2: 100,000 collected -> 3,000; 1,000 drawn; R5 freight 200 -> 1,800 carried
        self._payment(100000, date(2026, 5, 10))
        self._draw(contract, 1000, date(2026, 6, 1))
        self._draw(contract, 200, date(2026, 6, 2), kind="return_charge")
        q2 = self._settle(contract, 2026, 2)
        q2.action_post()
        self.assertRecordValues(
            q2,
            [
                {
                    "opening_balance": 0.0,
                    "accrued_amount": 3000.0,
                    "consumed_amount": 1200.0,
                    "overspend_amount": 0.0,
                    "closing_balance": 1800.0,
                }
            ],
        )
        self.assertFalse(q2.move_ids, "a surplus is never paid out nor offset against goods")

        # Q3: nothing collected, 500 drawn -> 1,300
        self._draw(contract, 500, date(2026, 8, 15))
        q3 = self._settle(contract, 2026, 3)
        q3.action_post()
        self.assertEqual((q3.opening_balance, q3.closing_balance), (1800.0, 1300.0))

        # Q4: 50,000 collected but falsified cards -> 1,500 forfeited; 300 drawn -> 1,000
        self._payment(50000, date(2026, 10, 20))
        self._cards(1, date(2026, 11, 2), falsified=True)
        self._draw(contract, 300, date(2026, 11, 5))
        q4 = self._settle(contract, 2026, 4)
        self.assertTrue(q4.forfeit)
        self.assertIn("Falsified warranty cards", q4.forfeit_reason)
        q4.action_post()
        self.assertRecordValues(
            q4,
            [
                {
                    "opening_balance": 1300.0,
                    "accrued_amount": 1500.0,
                    "forfeited_amount": 1500.0,
                    "consumed_amount": 300.0,
                    "closing_balance": 1000.0,
                }
            ],
        )
        forfeiture = q4.fund_entry_ids.filtered(lambda e: e.kind == "forfeiture")
        self.assertEqual(forfeiture.amount, -1500.0)

        # 2027 Q1 opens with the 1,000 carried across the year end
        q2027 = self._settle(contract, 2027, 1)
        self.assertEqual((q2027.opening_balance, q2027.closing_balance), (1000.0, 1000.0))

    def test_idempotent_and_cancel_resettle(self):
        contract = self._contract()
        self._payment(200000, date(2026, 2, 1))
        self._draw(contract, 7500, date(2026, 3, 1))
        first = self._settle(contract, 2026, 1)
        again = self._settle(contract, 2026, 1)
        self.assertEqual(first, again, "a second run creates nothing")
        self.assertEqual(len(contract.fund_entry_ids.filtered(lambda e: e.kind == "accrual")), 1)
        first.action_post()
        moves = first.move_ids
        first.action_post()
        self.assertEqual(first.move_ids, moves, "posting twice creates nothing more")

        # settled rows are locked
        draw = contract.fund_entry_ids.filtered(lambda e: e.kind == "consumption")
        with self.assertRaisesRegex(UserError, "append-only"):
            draw.write({"amount": -1.0})
        with self.assertRaisesRegex(UserError, "locked"):
            draw.write({"settlement_id": False})
        with self.assertRaises(UserError):
            draw.unlink()
        with self.assertRaisesRegex(UserError, "append-only"):
            draw.sudo().unlink()

        first.action_cancel()
        self.assertEqual(first.state, "cancel")
        reversal = moves.reversal_move_ids
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(reversal.amount_total, 1500.0)
        self.assertEqual(moves.amount_residual, 0.0)
        overspend_row = contract.fund_entry_ids.filtered(lambda e: e.kind == "overspend_charge")
        self.assertTrue(overspend_row.is_reversed)
        self.assertEqual(contract.fund_balance, -1500.0, "back to the unsettled overspend")
        self.assertFalse(draw.settlement_id, "cancelling unlocks the quarter's rows")

        second = self._settle(contract, 2026, 1)
        self.assertNotEqual(second, first)
        second.action_post()
        self.assertEqual(second.overspend_amount, 1500.0)
        self.assertEqual(contract.fund_balance, 0.0)

    def test_collections_are_the_dealers_own_net_of_refunds(self):
        contract = self._contract()
        self._payment(10000, date(2026, 1, 10))
        self._payment(1000, date(2026, 1, 20), partner=self.dealer_contact)  # the dealer's
        # a sub-dealer that is a company of its own pays as its own customer (R12)
        self._payment(5000, date(2026, 2, 10), partner=self.subdealer)
        self._payment(2000, date(2026, 2, 20), payment_type="outbound")
        other = self.env["res.partner"].create({"name": "Other customer"})
        self._payment(99999, date(2026, 2, 20), partner=other)
        settlement = self._settle(contract, 2026, 1)
        self.assertEqual(settlement.accrued_amount, 270.0)  # 3 % of 10,000 + 1,000 - 2,000

    def test_zero_settlement_only_when_running(self):
        running = self._contract()
        later_dealer = self.env["res.partner"].create({"name": "New dealer", "is_company": True})
        later = self._contract(dealer_id=later_dealer.id, date_start=date(2026, 4, 1))
        wizard = self.env["after_sales.settlement.create"].create(
            {"year": 2026, "quarter": "1", "company_id": self.company.id}
        )
        self.assertIn(running, wizard.contract_ids)
        self.assertNotIn(later, wizard.contract_ids)
        wizard.action_settle()
        settlements = self.env["after_sales.settlement"].search(
            [("contract_id", "in", (running | later).ids)]
        )
        self.assertEqual(settlements.contract_id, running)
        self.assertEqual(settlements.closing_balance, 0.0)
        self.assertEqual(settlements.accrued_amount, 0.0)
        settlements.action_post()
        self.assertFalse(settlements.move_ids)
        # a contract not in force in the quarter is skipped even when asked for explicitly
        self.env["after_sales.settlement"]._settle_contracts(later, 2026, 1)
        self.assertFalse(
            self.env["after_sales.settlement"].search([("contract_id", "=", later.id)])
        )

    def test_post_and_notify_in_one_run(self):
        contract = self._contract()
        self._payment(200000, date(2026, 2, 1))
        self._draw(contract, 7500, date(2026, 3, 1))
        wizard = self.env["after_sales.settlement.create"].create(
            {"year": 2026, "quarter": "1", "company_id": self.company.id, "post_now": True}
        )
        wizard.contract_ids = contract
        wizard.action_settle()
        settlement = self.env["after_sales.settlement"].search([("contract_id", "=", contract.id)])
        self.assertEqual(settlement.state, "posted")
        self.assertEqual(settlement.move_ids.amount_total, 1500.0)

    def test_quarters_in_order(self):
        contract = self._contract()
        self._draw(contract, 100, date(2026, 2, 1))
        with self.assertRaisesRegex(UserError, "settle the quarters in order"):
            self._settle(contract, 2026, 2, preview=False)


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestPayoutSettlement(SettlementCase):
    """Payout, ¥20 per registered unit (issue 4's second worked example)."""

    def test_units_credit_note_reconciled_oldest_first(self):
        contract = self._contract(
            allowance_basis="units", allowance_unit_amount=20.0, allowance_use="payout"
        )
        older = self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 1, 5),
            amounts=[2000.0],
            post=True,
        )
        newer = self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 2, 5),
            amounts=[1500.0],
            post=True,
        )
        self._cards(120, date(2026, 2, 10))
        self._cards(15, date(2026, 3, 10), dealer=self.subdealer)
        self._cards(20, date(2026, 3, 12), late=True)
        settlement = self._settle(contract, 2026, 1)
        self.assertEqual(settlement.accrued_amount, 2700.0)
        self.assertEqual(settlement.paid_out_amount, 2700.0)
        settlement.action_post()
        credit = settlement.move_ids
        self.assertRecordValues(
            credit,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "amount_total": 2700.0,
                    "payment_state": "paid",
                }
            ],
        )
        older_total = older.amount_total
        self.assertEqual(older.amount_residual, 0.0)
        self.assertIn(older.payment_state, ("paid", "reversed"))
        self.assertAlmostEqual(newer.amount_residual, newer.amount_total - (2700.0 - older_total))
        self.assertEqual(newer.payment_state, "partial")
        self.assertEqual(settlement.closing_balance, 0.0)
        self.assertEqual(contract.fund_balance, 0.0)
        self.assertEqual(settlement.amount_credited_cn, "贰仟柒佰元整")


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestReimbursementSettlement(SettlementCase):
    """Flat ¥50 per claim + ¥30 on-site (issue 4's third worked example)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract(
            allowance_basis="none",
            claim_reimbursement="flat",
            flat_claim_amount=50.0,
            flat_onsite_amount=30.0,
            part_rule_ids=[
                Command.create({"product_categ_id": cls.parts_categ.id, "policy": "trade_in"})
            ],
        )

    def _claim(self, onsite=False, cause="product_defect", with_old_part=False):
        card = self._cards(1, date(2026, 1, 10))
        claim = self.env["after_sales.claim"].create(
            {
                "dealer_id": self.dealer.id,
                "card_id": card.id,
                "call_time": datetime(2026, 2, 1, 9, 0),
                "onsite": onsite,
                "cause_category": cause,
                "line_ids": [Command.create({"line_type": "part", "product_id": self.element.id})]
                if with_old_part
                else [],
            }
        )
        claim.action_submit()
        with freeze_time("2026-02-15"):
            claim.action_approve()
        return claim

    def test_write_off_notice_and_credit_note(self):
        covered = self.env["after_sales.claim"]
        for index in range(10):
            covered |= self._claim(onsite=index < 4)
        misuse = self._claim(cause="customer_misuse") | self._claim(cause="customer_misuse")
        waiting = self._claim(with_old_part=True)
        self.assertFalse(any(misuse.mapped("is_reimbursable")))
        self.assertFalse(waiting.is_reimbursable)
        self.assertIn("Old parts not returned", waiting.reimbursable_note)
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 1, 5),
            amounts=[5000.0],
            post=True,
        )

        q1 = self._settle(self.contract, 2026, 1)
        self.assertEqual(q1.reimbursed_amount, 620.0)
        self.assertEqual(q1.claim_ids, covered)
        with self.assertRaisesRegex(UserError, "has not confirmed the write-off notice"):
            q1.action_post()
        q1.action_notify()
        self.assertEqual(q1.state, "notified")
        # a claim approved after the notice does not join what the dealer confirms
        late = self._claim()
        q1.action_refresh()
        self.assertEqual(q1.reimbursed_amount, 620.0)
        self.assertNotIn(late, q1.claim_ids)
        mail = q1.message_ids.filtered(lambda m: m.message_type == "comment" and m.attachment_ids)
        self.assertEqual(len(mail), 1, "the notice is sent to the dealer, with the PDF")
        self.assertIn(self.dealer, mail.partner_ids)
        self.assertIn(q1.name, mail.subject)
        # the dealer confirms on the portal; finance enabled automatic posting on confirmation
        self.company.after_sales_auto_post_confirmed = True
        q1._action_dealer_confirm(self.dealer_contact)
        self.assertEqual(q1.state, "posted", "the dealer's confirmation posts the write-off")
        self.assertEqual(q1.confirmed_by, "Wang Lei")
        credit = q1.move_ids
        self.assertRecordValues(
            credit, [{"move_type": "out_refund", "amount_total": 620.0, "state": "posted"}]
        )
        # one line for the notice, in the dealer's language; the notice lists the claims
        self.assertRecordValues(
            credit.invoice_line_ids,
            [{"name": "2026 Q1 三包索赔（核销通知所列 10 笔）", "price_unit": 620.0}],
        )
        self.assertEqual(invoice.amount_residual, invoice.amount_total - 620.0)
        self.assertEqual(set(covered.mapped("state")), {"settled"})
        self.assertEqual(q1.amount_credited_cn, "陆佰贰拾元整")
        with self.assertRaisesRegex(UserError, "settled and can no longer be changed"):
            covered[0].with_user(self.manager).write({"solution": "changed"})

        # the old part comes back in Q2: the claim is reimbursed in Q2, with the late one
        with freeze_time("2026-04-20 10:00:00"):
            waiting.old_part_ids.action_receive()
        self.assertEqual(waiting.date_old_parts_back, date(2026, 4, 20))
        self.assertTrue(waiting.is_reimbursable)
        q2 = self._settle(self.contract, 2026, 2)
        self.assertEqual(q2.claim_ids, waiting | late)
        self.assertEqual(q2.reimbursed_amount, 100.0)
        self.env["after_sales.settlement.force.post"].create(
            {"settlement_ids": [Command.set(q2.ids)], "reason": "Confirmed by phone"}
        ).action_confirm()
        self.assertEqual(q2.state, "posted")
        self.assertEqual(q2.forced_post_reason, "Confirmed by phone")

        # cancelling unlocks the claims and reverses the credit note
        q2.action_cancel()
        self.assertEqual(waiting.state, "approved")
        self.assertFalse(waiting.settlement_id)
        refund = q2.move_ids
        self.assertEqual(refund.reversal_move_ids.state, "posted")
        self.assertEqual(refund.reversal_move_ids.amount_total, 100.0)
        self.assertEqual(refund.amount_residual, 0.0)

    def _dealer_claim(self, dealer):
        card = self._cards(1, date(2026, 1, 10), dealer=dealer)
        claim = self.env["after_sales.claim"].create(
            {
                "dealer_id": dealer.id,
                "card_id": card.id,
                "call_time": datetime(2026, 2, 1, 9, 0),
                "cause_category": "product_defect",
            }
        )
        claim.action_submit()
        with freeze_time("2026-02-15"):
            claim.action_approve()
        return claim

    def test_notice_mail_states_the_notice_total(self):
        """The mail said "150.00 (柒佰伍拾元整) will be deducted": the claims in figures, the
        whole credit (the allowance paid out too) in capitals. It states the notice's total
        in both."""
        dealer = self.env["res.partner"].create({"name": "Dealer Kaiyuan", "is_company": True})
        contract = self._contract(
            dealer_id=dealer.id,
            allowance_basis="units",
            allowance_unit_amount=100.0,
            allowance_use="payout",
            claim_reimbursement="flat",
            flat_claim_amount=150.0,
        )
        self._cards(5, date(2026, 2, 10), dealer=dealer)
        self._dealer_claim(dealer)
        q1 = self._settle(contract, 2026, 1)
        self.assertEqual((q1.reimbursed_amount, q1.amount_credited), (150.0, 750.0))
        q1.action_notify()
        mail = q1.message_ids.filtered(lambda m: m.message_type == "comment" and m.attachment_ids)
        # the mail is in the dealer's language
        self.assertIn("150.00</strong>", mail.body)
        self.assertIn("（壹佰伍拾元整）将从贵方应付货款中扣除", mail.body)
        self.assertNotIn("柒佰伍拾", mail.body)

    def test_other_currency_prints_words_not_renminbi_capitals(self):
        usd = self.setup_other_currency("USD", rates=[("2026-01-01", 0.14)])
        dealer = self.env["res.partner"].create({"name": "Dealer Pacific", "is_company": True})
        contract = self._contract(
            dealer_id=dealer.id,
            currency_id=usd.id,
            allowance_basis="none",
            claim_reimbursement="flat",
            flat_claim_amount=300.0,
        )
        self._dealer_claim(dealer)
        q1 = self._settle(contract, 2026, 1)
        self.assertEqual((q1.currency_id, q1.amount_credited), (usd, 300.0))
        self.assertFalse(q1.amount_credited_cn)
        self.assertIn("Three Hundred", q1.amount_credited_words)
        Report = self.env["ir.actions.report"]
        for report in (
            "action_report_after_sales_writeoff_notice",
            "action_report_after_sales_settlement",
        ):
            with self.subTest(report=report):
                html = Report._render_qweb_html(f"after_sales_service.{report}", q1.ids)[0].decode()
                self.assertNotIn("叁佰元", html)
                self.assertNotIn("人民币大写", html)
                self.assertIn("Three Hundred", html)

    def test_reports_render_amounts(self):
        self._claim(onsite=True)
        settlement = self._settle(self.contract, 2026, 1)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "after_sales_service.action_report_after_sales_writeoff_notice", settlement.ids
            )[0]
            .decode()
        )
        self.assertIn("三包费用核销通知", html)
        self.assertIn("捌拾元整", html)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "after_sales_service.action_report_after_sales_settlement", settlement.ids
            )[0]
            .decode()
        )
        self.assertIn(settlement.name, html)
        self.assertIn("捌拾元整", html)
        action = settlement.action_export_xlsx()
        self.assertTrue(action["url"].startswith("/web/content/"))
        ledger_action = self.contract.fund_entry_ids._action_export_xlsx()
        self.assertIn("download=true", ledger_action["url"])


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestSettlementAccess(SettlementCase):
    def test_only_managers_settle_and_posting_needs_invoicing(self):
        contract = self._contract()
        desk = new_test_user(
            self.env,
            "as_fin_desk",
            groups="after_sales_service.after_sales_service_group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["after_sales.settlement.create"].with_user(desk).create(
                {"year": 2026, "quarter": "1"}
            )
        with self.assertRaises(AccessError):
            self.env["after_sales.settlement"].with_user(desk)._settle_contracts(contract, 2026, 1)
        settlement = self._settle(contract, 2026, 1)
        self.assertEqual(settlement.with_user(desk).state, "draft", "users read settlements")
        manager_no_invoicing = new_test_user(
            self.env,
            "as_manager_no_acc",
            groups="after_sales_service.after_sales_service_group_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaisesRegex(AccessError, "invoicing rights"):
            settlement.with_user(manager_no_invoicing).action_post()
        settlement.with_user(self.manager).action_post()
        self.assertEqual(settlement.state, "posted")

    def test_multi_company(self):
        contract = self._contract()
        settlement = self._settle(contract, 2026, 1)
        other_company = self.env["res.company"].create({"name": "Other manufacturer"})
        outsider = new_test_user(
            self.env,
            "as_other_manager",
            groups="after_sales_service.after_sales_service_group_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(
            self.env["after_sales.settlement"]
            .with_user(outsider)
            .search([("id", "=", settlement.id)])
        )
        self.assertFalse(
            self.env["after_sales.fund.entry"]
            .with_user(outsider)
            .search([("contract_id", "=", contract.id)])
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestAccrual(SettlementCase):
    def test_monthly_cron_is_idempotent(self):
        contract = self._contract(allowance_basis="collections", allowance_rate=3.0)
        self._payment(10000, date(2026, 3, 10))
        self._payment(30000, date(2026, 4, 10))
        with freeze_time("2026-04-02"):
            self.env["after_sales.contract"]._cron_accrue_allowances()
            self.env["after_sales.contract"]._cron_accrue_allowances()
            # April is still under way: settling or previewing does not accrue it
            contract._accrue_period(date(2026, 4, 1), date(2026, 6, 30))
        accruals = contract.fund_entry_ids.filtered(lambda e: e.kind == "accrual")
        self.assertRecordValues(
            accruals,
            [{"accrual_month": date(2026, 3, 1), "basis_amount": 10000.0, "amount": 300.0}],
        )
        with freeze_time("2026-05-01"):
            self.env["after_sales.contract"]._cron_accrue_allowances()
        self.assertEqual(sum(contract.fund_entry_ids.mapped("amount")), 1200.0)

    def test_sales_basis_net_of_credit_notes(self):
        contract = self._contract(allowance_basis="sales", allowance_rate=2.0)
        no_tax = self.env["account.tax"]
        self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 1, 10),
            amounts=[50000.0],
            taxes=no_tax,
            post=True,
        )
        self.init_invoice(
            "out_invoice",
            partner=self.dealer_contact,  # invoiced to the dealer's contact: the dealer's
            invoice_date=date(2026, 2, 10),
            amounts=[10000.0],
            taxes=no_tax,
            post=True,
        )
        self.init_invoice(
            "out_invoice",
            partner=self.subdealer,  # a company of its own: its own sales, not the dealer's
            invoice_date=date(2026, 2, 12),
            amounts=[8000.0],
            taxes=no_tax,
            post=True,
        )
        self.init_invoice(
            "out_refund",
            partner=self.dealer,
            invoice_date=date(2026, 2, 20),
            amounts=[5000.0],
            taxes=no_tax,
            post=True,
        )
        self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 3, 1),
            amounts=[7000.0],
            taxes=no_tax,
        )  # draft: not counted
        contract._accrue_period(date(2026, 1, 1), date(2026, 3, 31))
        contract._accrue_period(date(2026, 1, 1), date(2026, 3, 31))
        accruals = contract.fund_entry_ids.filtered(lambda e: e.kind == "accrual")
        self.assertEqual(sorted(accruals.mapped("amount")), [100.0, 1000.0])
        self.assertEqual(contract.fund_balance, 1100.0)

    def test_sales_basis_leaves_out_the_funds_own_moves_and_charges(self):
        """The payout credit note of Q1 (dated 31 March, posted in April) and a dealer charge
        invoice are no sales: Q1's basis stays 10,000 and Q2 gets no correction for them."""
        contract = self._contract(
            allowance_basis="sales", allowance_rate=3.0, allowance_use="payout"
        )
        no_tax = self.env["account.tax"]
        self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 2, 10),
            amounts=[10000.0],
            taxes=no_tax,
            post=True,
        )
        with freeze_time("2026-04-02"):
            self.env["after_sales.fund"]._cron_accrue_allowances()
            q1 = self._settle(contract, 2026, 1)
            q1.with_user(self.manager).action_post()
        payout = q1.move_ids
        self.assertRecordValues(
            payout,
            [
                {
                    "move_type": "out_refund",
                    "invoice_date": date(2026, 3, 31),
                    "amount_total": 300.0,
                    "after_sales_kind": "settlement",
                }
            ],
        )
        # a return's freight charged to the dealer by invoice, in May
        with freeze_time("2026-05-06"):
            charge = (
                self.env["after_sales.return"]
                .new({"company_id": self.company.id, "currency_id": self.company.currency_id.id})
                ._prepare_charge_invoice_vals(
                    self.dealer, [{"name": "Freight", "price_unit": 80.0}], date(2026, 5, 6), "R1"
                )
            )
            charge = self.env["account.move"].sudo().create(charge)
            charge.action_post()
        self.assertEqual(charge.after_sales_kind, "charge")
        with freeze_time("2026-07-02"):
            self.env["after_sales.fund"]._cron_accrue_allowances()
            q2 = self._settle(contract, 2026, 2)
        self.assertEqual(q1.accrued_amount, 300.0)
        self.assertEqual(q2.accrued_amount, 0.0)
        self.assertFalse(q2.move_ids)
        # cancelling Q2 then Q1 reverses the payout with a credit note of the same kind
        q2.with_user(self.manager).action_cancel()
        q1.with_user(self.manager).action_cancel()
        reversal = self.env["account.move"].search([("reversed_entry_id", "=", payout.id)])
        self.assertEqual(reversal.after_sales_kind, "settlement")

    def test_only_the_app_marks_its_moves(self):
        """An invoicing user cannot take a sale out of the allowance basis by marking it, nor
        put the fund's own credit note back in."""
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.dealer,
            invoice_date=date(2026, 2, 10),
            amounts=[1000.0],
            post=True,
        )
        with self.assertRaisesRegex(AccessError, "Only the after-sales app marks"):
            invoice.with_user(self.manager).write({"after_sales_kind": "charge"})
        with self.assertRaisesRegex(AccessError, "Only the after-sales app marks"):
            self.env["account.move"].with_user(self.manager).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.dealer.id,
                    "after_sales_kind": "settlement",
                }
            )
        invoice.sudo().after_sales_kind = "charge"
        with self.assertRaisesRegex(AccessError, "Only the after-sales app marks"):
            invoice.with_user(self.manager).write({"after_sales_kind": False})
        # a duplicate is the user's own document; the user's reversal of a charge carries
        # its mark
        self.assertFalse(invoice.with_user(self.manager).copy().after_sales_kind)
        reversal = invoice.with_user(self.manager)._reverse_moves(cancel=True)
        self.assertEqual(reversal.after_sales_kind, "charge")


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestFiguresOfSeveralQuarters(SettlementCase):
    """Settlements of different quarters whose figures are gathered together (a refresh of
    several drafts) each take their own quarter's accrual and only the claims reimbursable by
    their quarter's end, although one read serves them all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        terms = {"allowance_rate": 3.0, "claim_reimbursement": "flat", "flat_claim_amount": 50.0}
        cls.q1_contract = cls._contract(**terms)
        cls.q2_dealer = cls.env["res.partner"].create({"name": "Dealer Q2", "is_company": True})
        cls.q2_contract = cls._contract(
            dealer_id=cls.q2_dealer.id, date_start=date(2026, 4, 1), **terms
        )

    def _claim(self, dealer, received, approved):
        card = self._cards(1, received, dealer=dealer)
        claim = self.env["after_sales.claim"].create(
            {
                "dealer_id": dealer.id,
                "card_id": card.id,
                "call_time": datetime.combine(received, datetime.min.time()).replace(hour=9),
                "cause_category": "product_defect",
            }
        )
        claim.action_submit()
        with freeze_time(approved):
            claim.action_approve()
        return claim

    def test_each_settlement_keeps_its_own_quarter(self):
        self._payment(1000.0, date(2026, 2, 10))
        self._payment(2000.0, date(2026, 5, 10))
        self._payment(4000.0, date(2026, 5, 12), partner=self.q2_dealer)
        february = self._claim(self.dealer, date(2026, 2, 2), "2026-02-15")
        may = self._claim(self.dealer, date(2026, 5, 2), "2026-05-15")
        q2_claim = self._claim(self.q2_dealer, date(2026, 5, 3), "2026-05-16")
        q1 = self._settle(self.q1_contract, 2026, 1)
        # the first contract's second quarter is accrued too: its rows are in the ledger
        self.env["after_sales.fund"]._accrue(self.q1_contract, date(2026, 6, 30))
        q2 = self._settle(self.q2_contract, 2026, 2)
        (q1 | q2)._refresh_figures()
        self.assertRecordValues(
            q1 | q2,
            [
                {"accrued_amount": 30.0, "reimbursed_amount": 50.0, "closing_balance": 30.0},
                {"accrued_amount": 120.0, "reimbursed_amount": 50.0, "closing_balance": 120.0},
            ],
        )
        self.assertEqual(q1.claim_ids, february)
        self.assertEqual(q2.claim_ids, q2_claim)
        self.assertFalse(may.settlement_id)

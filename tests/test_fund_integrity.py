"""The repair fund stays true when contracts end or change: a draft that never ran, an end dated
back over accrued months, new allowance terms, the settlement's accounting documents edited by
hand, and two accruals of the same late document at once."""

from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import mute_logger

from .test_fund_rules import FundCase


@tagged("post_install", "-at_install")
class TestFundIntegrity(FundCase):
    def test_a_draft_contract_is_not_terminated(self):
        """Terminating a draft made it in force from its start to the termination day: it took
        the collections of the dealer's running contract."""
        dealer = self._dealer("Renewal fell through")
        with freeze_time("2026-01-01"):
            running = self._contract(dealer_id=dealer.id)
        draft = self.env["after_sales.contract"].create(
            {"dealer_id": dealer.id, "date_start": date(2026, 3, 5), "date_end": date(2027, 3, 4)}
        )
        with self.assertRaisesRegex(UserError, "is a draft and was never in force"):
            draft.with_user(self.manager).action_terminate("Renewal fell through")
        self.assertEqual(draft.state, "draft")
        self._pay(100000.0, date(2026, 3, 10), dealer)
        with freeze_time("2026-04-02"):
            running._accrue_period(date(2026, 1, 1), date(2026, 3, 31))
        self.assertEqual(sum(self._accruals(running).mapped("amount")), 3000.0)
        self.assertFalse(self._accruals(draft))

    def test_an_end_dated_back_returns_the_allowance_of_the_months_after_it(self):
        """Terminated on 10 July with the breach day, 15 March: March keeps its first half,
        April's accrual goes back, dated in April (its quarter is still open)."""
        dealer = self._dealer("Breached in March")
        with freeze_time("2026-01-01"):
            contract = self._contract(dealer_id=dealer.id, allowance_use="payout")
        self._pay(10000.0, date(2026, 3, 10), dealer)
        self._pay(50000.0, date(2026, 3, 20), dealer)
        self._pay(100000.0, date(2026, 4, 10), dealer)
        with freeze_time("2026-05-02"):
            contract._accrue_period(date(2026, 1, 1), date(2026, 4, 30))
        self.assertEqual(self._accruals(contract, date(2026, 3, 1)).amount, 1800.0)
        self.assertEqual(self._accruals(contract, date(2026, 4, 1)).amount, 3000.0)
        with freeze_time("2026-07-10"), self.assertRaisesRegex(UserError, "before its start"):
            contract.action_terminate("Breach of contract", date(2025, 12, 31))
        with freeze_time("2026-07-10"):
            contract.action_terminate("Breach of contract", date(2026, 3, 15))
            contract._accrue_period(date(2026, 1, 1), date(2026, 6, 30))
        march = self._accruals(contract, date(2026, 3, 1))
        april = self._accruals(contract, date(2026, 4, 1))
        self.assertRecordValues(
            march.filtered(lambda r: r.kind == "accrual_correction"),
            [{"amount": -1500.0, "basis_amount": -50000.0, "date": date(2026, 3, 15)}],
        )
        self.assertRecordValues(
            april.filtered(lambda r: r.kind == "accrual_correction"),
            [{"amount": -3000.0, "basis_amount": -100000.0, "date": date(2026, 4, 30)}],
        )
        self.assertEqual(sum(april.mapped("amount")), 0.0)
        self.assertFalse(self._accruals(contract, date(2026, 5, 1)))
        # the next run appends nothing more
        with freeze_time("2026-07-11"):
            contract._accrue_period(date(2026, 1, 1), date(2026, 6, 30))
        self.assertEqual(len(self._accruals(contract)), 4)

    def test_allowance_terms_are_fixed_once_accrued(self):
        dealer = self._dealer("Amended rate")
        with freeze_time("2026-01-01"):
            contract = self._contract(dealer_id=dealer.id, allowance_rate=3.0)
            fresh = self._contract(dealer_id=self._dealer("Not yet accrued").id)
        self._pay(10000.0, date(2026, 1, 10), dealer)
        with freeze_time("2026-02-05"):
            contract._accrue_period(date(2026, 1, 1), date(2026, 1, 31))
        self.assertEqual(self._accruals(contract).amount, 300.0)
        with self.assertRaisesRegex(UserError, "has accrued its dealer's allowance"):
            contract.with_user(self.manager).write({"allowance_rate": 2.0})
        with self.assertRaisesRegex(UserError, "has accrued its dealer's allowance"):
            contract.with_user(self.manager).write({"allowance_basis": "sales"})
        self.assertEqual(contract.allowance_rate, 3.0)
        # the same value, another term, and a contract that has accrued nothing still change
        contract.with_user(self.manager).write({"allowance_rate": 3.0, "warranty_months": 18})
        self.assertEqual(contract.warranty_months, 18)
        fresh.with_user(self.manager).write({"allowance_rate": 2.0})
        self.assertEqual(fresh.allowance_rate, 2.0)
        with freeze_time("2026-02-06"):
            contract._accrue_period(date(2026, 1, 1), date(2026, 1, 31))
        self.assertEqual(len(self._accruals(contract)), 1, "January is not re-priced")

    def test_start_date_and_card_deadline_are_fixed_once_accrued(self):
        """Moving the start of a contract that accrued January to 1 February left January's
        allowance in place; a shorter card deadline turned a posted quarter's cards late and
        took their allowance back from the next one."""
        dealer = self._dealer("Moved start")
        with freeze_time("2026-01-01"):
            contract = self._contract(dealer_id=dealer.id, allowance_rate=10.0)
        self._pay(1000.0, date(2026, 1, 10), dealer)
        with freeze_time("2026-02-05"):
            contract._accrue_period(date(2026, 1, 1), date(2026, 1, 31))
        self.assertEqual(self._accruals(contract).amount, 100.0)
        with self.assertRaisesRegex(UserError, r"its Start Date no longer change"):
            contract.with_user(self.manager).write({"date_start": date(2026, 2, 1)})
        self.assertEqual(contract.date_start, date(2026, 1, 1))
        # the card deadline does not price a collections contract: it still changes
        contract.with_user(self.manager).write({"card_deadline_days": 10})
        self.assertEqual(contract.card_deadline_days, 10)

        units_dealer = self._dealer("Shorter deadline")
        with freeze_time("2026-01-01"):
            units = self._contract(
                dealer_id=units_dealer.id, allowance_basis="units", allowance_unit_amount=20.0
            )
        cards = self._cards(10, date(2026, 2, 16), dealer=units_dealer)
        with freeze_time("2026-03-05"):
            units._accrue_period(date(2026, 2, 1), date(2026, 2, 28))
        self.assertEqual(self._accruals(units).amount, 200.0)
        with self.assertRaisesRegex(UserError, r"its Card Deadline \(days\) no longer change"):
            units.with_user(self.manager).write({"card_deadline_days": 10})
        self.assertEqual(set(cards.mapped("state")), {"registered"})
        with freeze_time("2026-03-06"):
            units._accrue_period(date(2026, 2, 1), date(2026, 2, 28))
        self.assertEqual(len(self._accruals(units)), 1, "February is not re-priced")

    def test_the_settlement_credit_note_is_not_reset_by_hand(self):
        contract = self._contract(
            allowance_basis="units", allowance_unit_amount=20.0, allowance_use="payout"
        )
        self._cards(10, date(2026, 2, 10))
        settlement = self._settle(contract, 2026, 1)
        settlement.action_post()
        credit = settlement.move_ids
        self.assertEqual(credit.amount_total, 200.0)
        accountant = credit.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "comes from the after-sales app"):
            accountant.button_draft()
        with self.assertRaisesRegex(UserError, "comes from the after-sales app"):
            accountant.button_cancel()
        self.assertEqual(credit.state, "posted")
        # the settlement's own cancellation still reverses it
        settlement.with_user(self.manager).action_cancel()
        self.assertEqual(settlement.state, "cancel")
        self.assertRecordValues(
            credit.reversal_move_ids, [{"state": "posted", "amount_total": 200.0}]
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-05-10")
class TestAccrualConcurrency(TransactionCase):
    """Two accruals of the same contract at once (the daily job and a preview) append one
    correction: the second waits for the fund lock's message. Real, committed cursors."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"})

    def test_two_accruals_at_once_append_one_correction(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            dealer = env["res.partner"].create({"name": "Two previews", "is_company": True})
            contract = env["after_sales.contract"].create(
                {
                    "dealer_id": dealer.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                    "allowance_basis": "units",
                    "allowance_unit_amount": 10.0,
                }
            )
            contract.action_start()
            # January accrued 5 units that are no longer there: a correction of -50 is owed
            contract._fund_post(
                "accrual",
                50.0,
                date(2026, 1, 31),
                "Allowance 2026-01",
                accrual_month="2026-01-01",
                basis_amount=5.0,
            )
            contract_id, partner_id = contract.id, dealer.id
        try:
            with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
                env1, env2 = self._env(cr1), self._env(cr2)
                end = date(2026, 1, 31)
                first = env1["after_sales.fund"]._accrue(
                    env1["after_sales.contract"].browse(contract_id), end
                )
                self.assertEqual(first.mapped("amount"), [-50.0])
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaisesRegex(UserError, "Another user is moving the repair fund"),
                ):
                    env2["after_sales.fund"]._accrue(
                        env2["after_sales.contract"].browse(contract_id), end
                    )
                cr2.rollback()
                cr1.commit()
                again = env2["after_sales.fund"]._accrue(
                    env2["after_sales.contract"].browse(contract_id), end
                )
                self.assertFalse(again)
                cr2.commit()
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT kind, amount FROM after_sales_fund_entry WHERE contract_id = %s "
                    "ORDER BY id",
                    [contract_id],
                )
                self.assertEqual(cr.fetchall(), [("accrual", 50.0), ("accrual_correction", -50.0)])
        finally:
            with self.registry.cursor() as cr:
                cr.execute(
                    "DELETE FROM after_sales_fund_entry WHERE contract_id = %s", [contract_id]
                )
                cr.execute("DELETE FROM after_sales_contract WHERE id = %s", [contract_id])
                cr.execute("DELETE FROM res_partner WHERE id = %s", [partner_id])

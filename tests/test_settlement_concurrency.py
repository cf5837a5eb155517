from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
@freeze_time("2026-05-10")
class TestSettlementConcurrency(TransactionCase):
    """R16: two users settling the same quarter at the same moment produce exactly one
    settlement; the second run gets a clear message. Runs on real, committed cursors (the
    test transaction cannot show one cursor's rows to another), and removes its data after."""

    def _env(self, cr):
        context = {"tracking_disable": True, "mail_create_nolog": True, "lang": "en_US"}
        return api.Environment(cr, SUPERUSER_ID, context)

    def _cleanup(self, contract_id, partner_id):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM after_sales_fund_entry WHERE contract_id = %s", [contract_id])
            cr.execute("DELETE FROM after_sales_settlement WHERE contract_id = %s", [contract_id])
            cr.execute("DELETE FROM after_sales_contract WHERE id = %s", [contract_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [partner_id])

    def test_two_concurrent_runs_make_one_settlement(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            dealer = env["res.partner"].create({"name": "Concurrent dealer", "is_company": True})
            contract = env["after_sales.contract"].create(
                {
                    "dealer_id": dealer.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                }
            )
            contract.action_start()
            contract._fund_post("consumption", -100.0, date(2026, 2, 1), "Parts")
            contract_id, partner_id = contract.id, dealer.id
        try:
            with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
                env1, env2 = self._env(cr1), self._env(cr2)
                Settlement1 = env1["after_sales.settlement"]
                Settlement2 = env2["after_sales.settlement"]
                first = Settlement1._settle_contracts(
                    env1["after_sales.contract"].browse(contract_id), 2026, 1
                )
                self.assertEqual(len(first), 1)
                # the first run holds the contract until it commits: the second fails at once
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaisesRegex(UserError, "Another user is moving the repair fund"),
                ):
                    Settlement2._settle_contracts(
                        env2["after_sales.contract"].browse(contract_id), 2026, 1
                    )
                cr2.rollback()
                cr1.commit()
                # once the first has committed, running again creates nothing new
                again = Settlement2._settle_contracts(
                    env2["after_sales.contract"].browse(contract_id), 2026, 1
                )
                self.assertFalse(again)
                cr2.commit()
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*), min(overspend_amount) FROM after_sales_settlement "
                    "WHERE contract_id = %s",
                    [contract_id],
                )
                self.assertEqual(cr.fetchone(), (1, 100.0))
        finally:
            self._cleanup(contract_id, partner_id)

    def test_fund_lock_held_by_another_cursor(self):
        """A second transaction holding the contract's row makes every fund writer fail at
        once with a clear message (no mock: a real lock from another cursor)."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            dealer = env["res.partner"].create({"name": "Locked dealer", "is_company": True})
            contract = env["after_sales.contract"].create(
                {"dealer_id": dealer.id, "date_start": date(2026, 1, 1)}
            )
            contract.action_start()
            contract_id, partner_id = contract.id, dealer.id
        try:
            with self.registry.cursor() as holder, self.registry.cursor() as cr2:
                holder.execute(
                    "SELECT id FROM after_sales_contract WHERE id = %s FOR UPDATE", [contract_id]
                )
                env2 = self._env(cr2)
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaisesRegex(UserError, "Another user is moving the repair fund"),
                ):
                    env2["after_sales.contract"].browse(contract_id)._lock_fund()
                cr2.rollback()
                holder.rollback()
                # once released, the lock is taken
                env2["after_sales.contract"].browse(contract_id)._lock_fund()
                cr2.rollback()
        finally:
            self._cleanup(contract_id, partner_id)

from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

from .test_settlement import SettlementCase


@tagged("post_install", "-at_install")
class TestSettlementBatch(SettlementCase):
    """A quarter settled in the background (issue 14): chunks committed with the cron's progress
    API, one failing dealer reported by name and reason without rolling back the others, and a
    run that resumes after a crash without settling anything twice (R16)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Batch = cls.env["after_sales.settlement.batch"]
        cls.dealers = cls.env["res.partner"].create(
            [{"name": f"Batch dealer {name}", "is_company": True} for name in "ABCD"]
        )
        # the quarters are settled in order since each contract's start: the dealers that
        # settle Q2 start in Q2; the third dealer's contract runs from Q1
        q2 = date(2026, 4, 1)
        cls.collections, cls.units, cls.unsettled, cls.budget = (
            cls._contract(dealer_id=cls.dealers[0].id, allowance_rate=3.0, date_start=q2),
            cls._contract(
                dealer_id=cls.dealers[1].id,
                allowance_basis="units",
                allowance_unit_amount=20.0,
                allowance_use="payout",
                date_start=q2,
            ),
            cls._contract(dealer_id=cls.dealers[2].id, allowance_rate=3.0),
            cls._contract(dealer_id=cls.dealers[3].id, allowance_rate=2.0, date_start=q2),
        )
        cls.env.user.lang = "en_US"
        cls.cron = cls.env.ref("after_sales_service.ir_cron_after_sales_settlement_batch")

    def setUp(self):
        super().setUp()
        self._payment(100000, date(2026, 4, 10), partner=self.dealers[0])
        self._cards(10, date(2026, 5, 12), dealer=self.dealers[1])
        self._payment(50000, date(2026, 6, 2), partner=self.dealers[3])
        # the third dealer drew parts in Q1, which nobody settled: Q2 cannot be settled for it
        self._draw(self.unsettled, 400, date(2026, 2, 20))

    @contextmanager
    def _cron_commits(self, stop_after=None):
        """Run the batch code as the cron would, with ``_commit_progress`` recorded instead of
        committing (a test cannot commit). After ``stop_after`` commits the cron's time is
        up."""
        calls = []

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            calls.append((processed, remaining))
            cron.env.flush_all()
            if stop_after is not None and len([c for c in calls if c[0]]) >= stop_after:
                return 0.0
            return float("inf")

        with patch.object(type(self.env["ir.cron"]), "_commit_progress", commit_progress):
            yield calls

    def _batch(self, contracts, **values):
        with freeze_time("2026-07-03"):
            return self.Batch._create_batch(contracts, 2026, 2, **values)

    def _run(self, chunk_size=2):
        with freeze_time("2026-07-03"):
            self.Batch._cron_process(chunk_size=chunk_size)

    def _settlements(self, contracts):
        return self.env["after_sales.settlement"].search(
            [
                ("contract_id", "in", contracts.ids),
                ("year", "=", 2026),
                ("quarter", "=", "2"),
                ("state", "!=", "cancel"),
            ]
        )

    def test_one_failing_dealer_is_reported_and_the_others_settle(self):
        contracts = self.collections | self.unsettled | self.units | self.budget
        batch = self._batch(contracts)
        self.assertEqual(batch.state, "queued")
        self.assertEqual(batch.total_count, 4)
        self.assertEqual(batch.pending_count, 4)
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]),
            "creating the run wakes the cron up",
        )
        with self._cron_commits() as calls:
            self._run(chunk_size=2)
        # the first chunk holds the failing contract: settled contract by contract
        self.assertEqual(calls[0], (0, 4), "the cron is told how many contracts wait")
        self.assertEqual([c[0] for c in calls if c[0]], [2, 2], "one commit per chunk")
        self.assertEqual(batch.state, "failed")
        self.assertRecordValues(
            batch, [{"settled_count": 3, "failed_count": 1, "skipped_count": 0, "progress": 100}]
        )
        lines = {line.contract_id: line for line in batch.line_ids}
        failed = lines[self.unsettled]
        self.assertEqual(failed.result, "failed")
        self.assertIn(self.unsettled.display_name, failed.reason)
        self.assertIn("settle the quarters in order", failed.reason)
        self.assertFalse(failed.settlement_id)
        self.assertFalse(self._settlements(self.unsettled), "the failing dealer is rolled back")
        settled = self._settlements(contracts)
        self.assertEqual(len(settled), 3)
        self.assertEqual(batch.settlement_ids, settled)
        by_contract = {s.contract_id: s for s in settled}
        for contract in (self.collections, self.units, self.budget):
            self.assertEqual(lines[contract].result, "settled")
            self.assertEqual(lines[contract].settlement_id, by_contract[contract])
        self.assertEqual(by_contract[self.collections].accrued_amount, 3000.0)
        self.assertEqual(by_contract[self.units].accrued_amount, 200.0)
        self.assertEqual(by_contract[self.budget].accrued_amount, 1000.0)
        self.assertEqual(set(settled.mapped("state")), {"draft"})
        self.assertIn("3 settled, 0 skipped, 1 failed", batch.message_ids[0].body)

        # the manager settles Q1 of the failing dealer, then retries the run's failures
        with freeze_time("2026-07-03"):
            q1 = self.env["after_sales.settlement"]._settle_contracts(self.unsettled, 2026, 1)
            q1.action_post()
            batch.action_retry_failed()
        self.assertEqual(batch.state, "queued")
        with self._cron_commits():
            self._run()
        self.assertEqual(batch.state, "done")
        self.assertEqual(failed.result, "settled")
        self.assertEqual(len(self._settlements(contracts)), 4)

    def test_resume_after_crash_creates_nothing_twice(self):
        contracts = self.collections | self.units | self.budget
        batch = self._batch(contracts, post=True)
        # the cron's time is up after the first chunk: it stops, to be called again
        with self._cron_commits(stop_after=1) as calls:
            self._run(chunk_size=1)
        self.assertEqual(batch.state, "running")
        self.assertEqual((batch.settled_count, batch.pending_count), (1, 2))
        self.assertAlmostEqual(batch.progress, 100 / 3, places=2)
        self.assertEqual(calls, [(0, 3), (1, None)])
        first = self._settlements(contracts)
        self.assertEqual(first.contract_id, self.collections)
        self.assertEqual(first.state, "posted", "posted in the run (Post and Notify)")

        # the next call crashes while settling the second chunk: the worker dies, and what
        # the chunk did is rolled back with its transaction
        Settlement = type(self.env["after_sales.settlement"])
        settle = Settlement._settle_contracts

        def settle_then_die(model, *args, **kwargs):
            settle(model, *args, **kwargs)
            raise KeyboardInterrupt("worker killed")

        with (
            self._cron_commits(),
            patch.object(Settlement, "_settle_contracts", settle_then_die),
            self.assertRaises(KeyboardInterrupt),
        ):
            self._run(chunk_size=1)
        self.assertEqual(len(self._settlements(contracts)), 1)
        self.assertEqual(batch.pending_count, 2)

        # meanwhile the budget dealer is settled by hand from the wizard
        with freeze_time("2026-07-03"):
            by_hand = self._settle(self.budget, 2026, 2, preview=False)
        with self._cron_commits():
            self._run(chunk_size=1)
        self.assertEqual(batch.state, "done")
        settlements = self._settlements(contracts)
        self.assertEqual(len(settlements), 3, "one settlement per contract and quarter")
        self.assertEqual(
            settlements.filtered(lambda s: s.contract_id == self.units).state, "posted"
        )
        line = batch.line_ids.filtered(lambda line: line.contract_id == self.budget)
        self.assertEqual(line.result, "skipped")
        self.assertEqual(line.settlement_id, by_hand)
        self.assertIn("Already settled", line.reason)
        moves = settlements.move_ids
        self.assertEqual(len(moves), 1, "only the payout credit note of the units dealer")
        self.assertEqual(moves.amount_total, 200.0)

        # running again, or a second run over the same contracts, settles nothing again
        with self._cron_commits():
            self._run()
            again = self._batch(contracts)
            self._run()
        self.assertEqual(again.state, "done")
        self.assertEqual(set(again.line_ids.mapped("result")), {"skipped"})
        self.assertEqual(self._settlements(contracts), settlements)
        self.assertEqual(settlements.move_ids, moves)

    def test_run_speaks_the_language_of_who_asked_for_it(self):
        """A run queued by a Chinese-speaking finance user and processed by the cron, whose own
        language is English, gives its lines' reasons, its state's tracking and its closing
        message in Chinese."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["zh_CN"])
        self.manager.lang = "zh_CN"
        with freeze_time("2026-07-03"):
            by_hand = self._settle(self.budget, 2026, 2, preview=False)
            batch = self.Batch.with_user(self.manager)._create_batch(
                self.budget | self.collections, 2026, 2
            )
        cron_env = self.Batch.with_context(lang="en_US", tracking_disable=False, mail_notrack=False)
        with self._cron_commits(), freeze_time("2026-07-03"):
            cron_env._cron_process(chunk_size=2)
        self.env.flush_all()
        self.env.cr.precommit.run()  # the state's tracking, as the chunk's commit logs it
        batch = self.Batch.browse(batch.id)
        lines = {line.contract_id: line for line in batch.line_ids}
        self.assertEqual(lines[self.budget].reason, f"本季度已结算（{by_hand.display_name}）。")
        self.assertEqual(lines[self.collections].result, "settled")
        closing = batch.message_ids.filtered(lambda message: message.body)[:1]
        self.assertIn("结算批次已完成：已结算 1 份，跳过 1 份，失败 0 份。", closing.body)
        states = batch.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertTrue(states)
        english = dict(batch._fields["state"]._description_selection(self.env))
        for value in states:
            for label in (value.old_value_char, value.new_value_char):
                self.assertNotIn(label, english.values(), "tracked in the requester's language")

    def test_retry_posts_the_draft_whose_posting_failed(self):
        """Post and Notify: a dealer whose posting is refused keeps its draft, linked to its
        failed line; Retry Failed posts that draft instead of skipping it as settled."""
        contracts = self.collections | self.units
        batch = self._batch(contracts, post=True)
        Settlement = type(self.env["after_sales.settlement"])
        post = Settlement.action_post
        blocked = self.collections

        def refuse_one(settlements):
            if blocked & settlements.contract_id:
                raise UserError(self.env._("The journal is locked for the test."))
            return post(settlements)

        with self._cron_commits(), patch.object(Settlement, "action_post", refuse_one):
            self._run()
        lines = {line.contract_id: line for line in batch.line_ids}
        failed = lines[self.collections]
        self.assertEqual(failed.result, "failed")
        self.assertIn(self.env._("The journal is locked for the test."), failed.reason)
        draft = failed.settlement_id
        self.assertEqual(draft.state, "draft", "kept as a draft to review")
        self.assertEqual(lines[self.units].settlement_id.state, "posted")

        with freeze_time("2026-07-03"):
            batch.action_retry_failed()
        with self._cron_commits():
            self._run()
        self.assertEqual(batch.state, "done")
        self.assertEqual(failed.result, "settled")
        self.assertEqual(failed.settlement_id, draft)
        self.assertEqual(draft.state, "posted")
        self.assertEqual(draft.accrued_amount, 3000.0)
        self.assertEqual(len(self._settlements(contracts)), 2, "nothing settled twice")

    def test_real_cron_reports_progress(self):
        """Through Odoo's cron runner: each chunk is committed and counted on the job's
        progress record."""
        contracts = self.collections | self.units | self.budget
        batch = self._batch(contracts)
        self.patch(type(self.Batch), "_chunk_size", 2)
        with freeze_time("2026-07-03"), self.enter_registry_test_mode():
            self.cron.sudo().method_direct_trigger()
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "done")
        self.assertEqual(batch.settled_count, 3)
        progress = self.env["ir.cron.progress"].search(
            [("cron_id", "=", self.cron.id)], order="id desc", limit=1
        )
        self.assertEqual((progress.done, progress.remaining), (3, 0))
        self.assertEqual(len(self._settlements(contracts)), 3)

    def test_from_wizard_keeps_forfeitures(self):
        with freeze_time("2026-07-03"):
            wizard = self.env["after_sales.settlement.create"].create(
                {"year": 2026, "quarter": "2", "company_id": self.company.id}
            )
            wizard.contract_ids = self.collections | self.units
            wizard.action_preview()
            wizard.line_ids.filtered(lambda line: line.contract_id == self.collections).write(
                {"forfeit": True, "forfeit_reason": "Falsified cards"}
            )
            batch = self.Batch._create_from_wizard(wizard)
        self.assertEqual(batch.contract_ids, self.collections | self.units)
        self.assertEqual(batch._action_open()["res_id"], batch.id)
        self.assertEqual((batch.year, batch.quarter), (2026, "2"))
        with self._cron_commits():
            self._run()
        settlement = self._settlements(self.collections)
        self.assertRecordValues(
            settlement,
            [{"forfeit": True, "forfeit_reason": "Falsified cards", "forfeited_amount": 3000.0}],
        )

    def test_preview_lines_as_the_user_sees_them_and_replaced_by_a_new_preview(self):
        """The preview's lines (written in one statement) are the wizard's at once, with their
        figures and who previewed them; the user's ticks are kept by the lines, and a new
        preview replaces the lines instead of adding to them."""
        with freeze_time("2026-07-03"):
            wizard = (
                self.env["after_sales.settlement.create"]
                .with_user(self.manager)
                .create({"year": 2026, "quarter": "2", "company_id": self.company.id})
            )
            wizard.contract_ids = self.collections | self.units
            wizard.action_preview()
            first = wizard.line_ids
            self.assertRecordValues(
                first.sorted(lambda line: line.contract_id.id),
                [
                    {
                        "contract_id": self.collections.id,
                        "dealer_id": self.dealers[0].id,
                        "allowance_basis": "collections",
                        "currency_id": self.collections.currency_id.id,
                        "accrued_amount": 3000.0,
                        "amount_credited": 0.0,
                        "settlement_id": False,
                        "forfeit": False,
                        "forfeit_reason": False,
                    },
                    {
                        "contract_id": self.units.id,
                        "dealer_id": self.dealers[1].id,
                        "allowance_basis": "units",
                        "currency_id": self.units.currency_id.id,
                        "accrued_amount": 200.0,
                        "amount_credited": 200.0,
                        "settlement_id": False,
                        "forfeit": False,
                        "forfeit_reason": False,
                    },
                ],
            )
            self.assertEqual(first.create_uid, self.manager)
            self.assertEqual(wizard.already_settled_count, 0)
            first.filtered(lambda line: line.contract_id == self.units).write(
                {"forfeit": True, "forfeit_reason": "Falsified cards"}
            )
            self.assertEqual(wizard._forfeits(), {self.units: "Falsified cards"})
            wizard.contract_ids = self.collections
            wizard.action_preview()
        self.assertFalse(first.exists())
        self.assertEqual(wizard.line_ids.contract_id, self.collections)
        self.assertEqual(wizard.line_ids.accrued_amount, 3000.0)
        self.assertEqual(wizard._forfeits(), {})

    def test_preview_line_in_a_foreign_contract_currency_inserted_from_one_document(self):
        """A dealer whose contract is in another currency than the company's sees its preview
        line in the contract's currency (the line's currency is its contract's, not a copy),
        and the lines reach PostgreSQL as one JSON document: no parameter of their INSERT is a
        Python list, whose values psycopg2 would quote one by one."""
        eur = self.setup_other_currency("EUR")
        dealer = self.env["res.partner"].create({"name": "Euro dealer", "is_company": True})
        contract = self._contract(
            dealer_id=dealer.id,
            currency_id=eur.id,
            allowance_basis="none",
            date_start=date(2026, 4, 1),
        )
        with freeze_time("2026-07-03"):
            wizard = (
                self.env["after_sales.settlement.create"]
                .with_user(self.manager)
                .create({"year": 2026, "quarter": "2", "company_id": self.company.id})
            )
            wizard.contract_ids = contract | self.collections
            inserts = []
            execute = type(self.env.cr).execute

            def spy(cr, query, params=None, log_exceptions=True):
                if "INSERT INTO" in str(query) and "after_sales_settlement_create_line" in str(
                    query
                ):
                    inserts.append(query)
                return execute(cr, query, params, log_exceptions)

            with patch.object(type(self.env.cr), "execute", spy):
                wizard.action_preview()
        lines = {line.contract_id: line for line in wizard.line_ids}
        self.assertEqual(lines[contract].currency_id, eur)
        self.assertEqual(lines[self.collections].currency_id, self.company.currency_id)
        self.assertEqual(lines[self.collections].accrued_amount, 3000.0)
        self.assertEqual(len(inserts), 1)
        self.assertFalse(
            [param for param in inserts[0].params if isinstance(param, (list, tuple))],
            "the lines are sent as one JSON document, not one array per column",
        )

    def test_access(self):
        """Only after-sales managers run batches; nobody writes a run's progress by hand."""
        desk = new_test_user(
            self.env, "as_batch_desk", groups="after_sales_service.after_sales_service_group_user"
        )
        with self.assertRaises(AccessError):
            self.Batch.with_user(desk).create(
                {"year": 2026, "quarter": "2", "contract_ids": [Command.set(self.collections.ids)]}
            )
        with self.assertRaises(AccessError):
            self.Batch.with_user(desk)._create_batch(self.collections, 2026, 2)
        batch = self._batch(self.collections | self.units)
        with self.assertRaises(AccessError):
            batch.with_user(desk).read(["state"])
        with self.assertRaises(AccessError):
            batch.with_user(desk).action_retry_failed()
        # a manager without invoicing rights cannot queue a posting run
        manager = new_test_user(
            self.env,
            "as_batch_mgr",
            groups="after_sales_service.after_sales_service_group_manager",
        )
        with self.assertRaisesRegex(AccessError, "invoicing rights"):
            self.Batch.with_user(manager)._create_batch(self.collections, 2026, 2, post=True)
        # a manager cannot mark a run done nor a dealer settled through JSON-RPC
        with self.assertRaises(AccessError):
            batch.with_user(self.manager).write({"state": "done"})
        with self.assertRaises(AccessError):
            batch.line_ids.with_user(self.manager).write({"result": "settled"})
        with self.assertRaises(AccessError):
            self.Batch.with_user(self.manager).create(
                {
                    "year": 2026,
                    "quarter": "2",
                    "state": "done",
                    "contract_ids": [Command.set(self.collections.ids)],
                }
            )
        # the run settles with its requester's rights: the manager's queued run works
        mine = self.Batch.with_user(self.manager)._create_batch(self.collections, 2026, 2)
        self.assertEqual(mine.user_id, self.manager)

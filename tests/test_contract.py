import re
from datetime import date, timedelta

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged
from odoo.tools import mute_logger

from .common import AfterSalesCase


@tagged("post_install", "-at_install")
class TestContract(AfterSalesCase):
    def test_default_terms_follow_the_seed(self):
        contract = self.env["after_sales.contract"].create({"dealer_id": self.dealer.id})
        expected = {
            "state": "draft",
            "warranty_months": 12,
            "card_deadline_days": 20,
            "doa_days": 7,
            "quality_days": 15,
            "arrange_hours": 2,
            "response_hours_urban": 24,
            "response_hours_suburban": 48,
            "revisit_ratio_min": 30.0,
            "report_day": 3,
            "allowance_basis": "collections",
            "allowance_rate": 3.0,
            "allowance_unit_amount": 20.0,
            "allowance_use": "budget",
            "claim_reimbursement": "actual",
            "flat_claim_amount": 50.0,
            "flat_onsite_amount": 30.0,
            "old_part_return_mode": "days",
            "old_part_return_days": 30,
            "stocking_months": 3,
            "stocking_percent": 10.0,
            "parts_ship_days": 3,
            "part_warranty_months": 3,
        }
        for field_name, value in expected.items():
            with self.subTest(field=field_name):
                self.assertEqual(contract[field_name], value)
        self.assertEqual(contract.company_id, self.env.company)
        self.assertEqual(contract.currency_id, self.env.company.currency_id)
        self.assertEqual(contract.date_start, date.today())
        self.assertTrue(contract.name.startswith("ASC/"), contract.name)

    def test_sequence_numbers_are_distinct(self):
        first, second = self.env["after_sales.contract"].create(
            [{"dealer_id": self.dealer.id}, {"dealer_id": self.other_dealer.id}]
        )
        self.assertNotEqual(first.name, second.name)
        self.assertRegex(first.name, r"^ASC/\d{4}/\d{4}$")

    def test_lifecycle_start_expire_by_cron(self):
        contract = self._create_contract(
            date_start=self.today - timedelta(days=400), date_end=self.today + timedelta(days=10)
        )
        contract.action_start()
        self.assertEqual(contract.state, "running")
        with self.assertRaisesRegex(UserError, "is not a draft"):
            contract.action_start()
        # still in force: the cron leaves it running
        self.env["after_sales.contract"]._cron_expire_contracts()
        self.assertEqual(contract.state, "running")
        # its end date passes
        contract.date_end = self.today - timedelta(days=1)
        self.env["after_sales.contract"]._cron_expire_contracts()
        self.assertEqual(contract.state, "expired")
        self.assertIn("Expired on its end date.", contract.message_ids.mapped("body")[0])
        # an open-ended contract never expires
        open_ended = self._running_contract(self.other_dealer, date_end=False)
        self.env["after_sales.contract"]._cron_expire_contracts()
        self.assertEqual(open_ended.state, "running")

    def test_contract_expires_when_its_end_date_has_passed_where_the_company_works(self):
        """A contract ending on 31 March is expired by the daily run at 04:00 on 1 April in
        Shanghai, although the cron's user (UTC) is still on 31 March; at 23:00 on 31 March in
        Shanghai it still runs, although a user in Auckland is already in April."""
        self.env.company.partner_id.tz = "Asia/Shanghai"
        with freeze_time("2026-03-01"):
            contract = self._running_contract(
                date_start=date(2025, 4, 1), date_end=date(2026, 3, 31)
            )
        Contract = self.env["after_sales.contract"]
        with freeze_time("2026-03-31 15:00:00"):
            Contract.with_context(tz="Pacific/Auckland")._cron_expire_contracts()
            self.assertEqual(contract.state, "running")
        with freeze_time("2026-03-31 20:00:00"):
            Contract.with_context(tz="UTC")._cron_expire_contracts()
            self.assertEqual(contract.state, "expired")

    def test_terminated_today_where_the_company_works(self):
        """A manager in Los Angeles terminating a contract at 09:00 on 1 April in Shanghai (31
        March in Los Angeles) ends it on 1 April, in the wizard's default and without it."""
        self.env.company.partner_id.tz = "Asia/Shanghai"
        with freeze_time("2026-03-01"):
            first = self._running_contract(date_start=date(2026, 1, 1))
            second = self._running_contract(self.other_dealer, date_start=date(2026, 1, 1))
        manager = self.env(user=self.user_manager, context={"tz": "America/Los_Angeles"})
        with freeze_time("2026-04-01 01:00:00"):
            wizard = Form(
                manager["after_sales.contract.terminate"].with_context(default_contract_id=first.id)
            )
            wizard.reason = "Dealer closed"
            wizard.save().action_confirm()
            second.with_env(manager).action_terminate("Dealer closed")
        self.assertRecordValues(
            first | second,
            [
                {"state": "terminated", "termination_date": date(2026, 4, 1)},
                {"state": "terminated", "termination_date": date(2026, 4, 1)},
            ],
        )

    def test_cannot_start_an_ended_contract(self):
        contract = self._create_contract(
            date_start=self.today - timedelta(days=60), date_end=self.today - timedelta(days=1)
        )
        with self.assertRaisesRegex(UserError, "ended on .* cannot be started"):
            contract.action_start()
        self.assertEqual(contract.state, "draft")

    def test_terminate_needs_a_reason(self):
        contract = self._running_contract()
        with self.assertRaisesRegex(UserError, "a termination reason is required"):
            contract.action_terminate("   ")
        self.assertEqual(contract.state, "running")
        action = contract.with_user(self.user_manager).action_open_terminate_wizard()
        self.assertEqual(action["res_model"], "after_sales.contract.terminate")
        wizard_form = Form(
            self.env["after_sales.contract.terminate"]
            .with_user(self.user_manager)
            .with_context(**action["context"])
        )
        wizard_form.reason = "Dealer stopped selling our products"
        wizard_form.save().action_confirm()
        self.assertEqual(contract.state, "terminated")
        self.assertEqual(contract.termination_reason, "Dealer stopped selling our products")
        self.assertEqual(contract.termination_date, date.today())
        with self.assertRaisesRegex(UserError, "already ended"):
            contract.action_terminate("again")

    def test_end_must_be_after_start(self):
        with self.assertRaisesRegex(ValidationError, "end date .* must be after the start date"):
            self._create_contract(date_start=date(2026, 5, 1), date_end=date(2026, 4, 30))
        with self.assertRaisesRegex(ValidationError, "end date .* must be after the start date"):
            self._create_contract(date_start=date(2026, 5, 1), date_end=date(2026, 5, 1))
        contract = self._create_contract(date_start=date(2026, 5, 1), date_end=date(2026, 5, 2))
        with self.assertRaisesRegex(ValidationError, contract.name):
            contract.date_end = date(2026, 1, 1)

    def test_percentages_between_0_and_100(self):
        for field_name in ("allowance_rate", "revisit_ratio_min", "stocking_percent"):
            for bad in (-0.01, 100.01):
                with (
                    self.subTest(field=field_name, value=bad),
                    self.assertRaisesRegex(ValidationError, "must be between 0 and 100"),
                ):
                    self._create_contract(**{field_name: bad})
            contract = self._create_contract(**{field_name: 100.0})
            self.assertEqual(contract[field_name], 100.0)

    def test_amounts_and_days_not_negative(self):
        fields_ = (
            "warranty_months",
            "card_deadline_days",
            "doa_days",
            "quality_days",
            "response_hours_urban",
            "response_hours_suburban",
            "arrange_hours",
            "allowance_unit_amount",
            "flat_claim_amount",
            "flat_onsite_amount",
            "old_part_return_days",
            "stocking_months",
            "parts_ship_days",
            "part_warranty_months",
        )
        for field_name in fields_:
            label = self.env["after_sales.contract"]._fields[field_name].string
            with (
                self.subTest(field=field_name),
                self.assertRaisesRegex(ValidationError, re.escape(label) + " cannot be negative"),
            ):
                self._create_contract(**{field_name: -1})

    def test_report_day_is_a_day_of_month(self):
        for bad in (0, 29):
            with self.assertRaisesRegex(ValidationError, "must be a day between 1 and 28"):
                self._create_contract(report_day=bad)

    def test_dealer_must_be_a_commercial_partner(self):
        with self.assertRaisesRegex(ValidationError, "belongs to Dealer Shunda"):
            self._create_contract(self.dealer_contact)

    def test_one_running_contract_per_dealer_and_company(self):
        first = self._running_contract()
        second = self._create_contract(
            date_start=date(self.today.year + 1, 1, 1), date_end=date(self.today.year + 1, 12, 31)
        )
        with self.assertRaisesRegex(UserError, f"already has the running contract {first.name}"):
            second.action_start()
        self.assertEqual(second.state, "draft")
        # two drafts of the same dealer started together are refused as well
        third = self._create_contract(self.other_dealer)
        fourth = self._create_contract(self.other_dealer)
        with self.assertRaisesRegex(UserError, "already has the running contract"):
            (third | fourth).action_start()
        # the database refuses it even when the check is bypassed (two users at once)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            second.write({"state": "running"})
            second.flush_recordset()
        # once the first one ends, the next can start
        first.action_terminate("Replaced by a new contract")
        second.action_start()
        self.assertEqual(second.state, "running")
        # another company may run its own contract with the same dealer
        other_company = self.env["res.company"].create({"name": "Second Manufacturer"})
        in_other = self._create_contract(company_id=other_company.id)
        in_other.action_start()
        self.assertEqual(in_other.state, "running")

    def test_only_drafts_can_be_deleted(self):
        draft = self._create_contract()
        running = self._running_contract(self.other_dealer)
        with self.assertRaisesRegex(UserError, "only draft contracts can be deleted"):
            running.unlink()
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_expiring_soon_filter_and_activity(self):
        self.env.company.after_sales_expiry_notice_days = 30
        # the to-do is written in its recipient's language
        self.user_manager.lang = "en_US"
        soon = self._running_contract(
            date_end=self.today + timedelta(days=10), user_id=self.user_manager.id
        )
        later = self._running_contract(self.other_dealer, date_end=self.today + timedelta(days=90))
        self.assertTrue(soon.is_expiring_soon)
        self.assertFalse(later.is_expiring_soon)
        Contract = self.env["after_sales.contract"]
        found = Contract.search([("is_expiring_soon", "=", True)])
        self.assertIn(soon, found)
        self.assertNotIn(later, found)
        self.assertIn(later, Contract.search([("is_expiring_soon", "=", False)]))
        Contract._cron_expire_contracts()
        Contract._cron_expire_contracts()
        activities = soon.activity_ids.filtered(lambda a: a.summary == "Contract expiring")
        self.assertEqual(len(activities), 1, "the cron schedules the to-do once")
        self.assertEqual(activities.date_deadline, soon.date_end)
        self.assertFalse(later.activity_ids)

    def test_parts_rule_by_category(self):
        parent = self.env["product.category"].create({"name": "Parts"})
        child = self.env["product.category"].create({"name": "Stove parts", "parent_id": parent.id})
        other = self.env["product.category"].create({"name": "Unrelated"})
        contract = self._create_contract(
            part_rule_ids=[
                (0, 0, {"product_categ_id": parent.id, "policy": "trade_in"}),
                (0, 0, {"product_categ_id": child.id, "policy": "purchase"}),
            ]
        )
        Product = self.env["product.product"]
        igniter = Product.create({"name": "Igniter", "categ_id": child.id})
        motor = Product.create({"name": "Motor", "categ_id": parent.id})
        sticker = Product.create({"name": "Sticker", "categ_id": other.id})
        self.assertEqual(contract._get_part_policy(igniter).policy, "purchase")
        self.assertEqual(contract._get_part_policy(motor).policy, "trade_in")
        self.assertFalse(contract._get_part_policy(sticker))
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            contract.write({"part_rule_ids": [(0, 0, {"product_categ_id": child.id})]})
            contract.flush_recordset()

    def test_running_contract_lookup(self):
        def running(partner):
            return Contract._get_serving_contract_multi(partner, walk_up=False)[partner.id]

        Contract = self.env["after_sales.contract"]
        self.assertFalse(running(self.dealer))
        contract = self._running_contract()
        self.assertEqual(running(self.dealer_contact), contract)
        self.assertEqual(running(self.dealer), contract)
        self.assertFalse(running(self.other_dealer))

    def test_serving_contract_on_a_day_reads_unsaved_dates_and_the_earlier_end(self):
        """The contract serving a dealer on a day follows an end date just written (still in
        the ORM's cache, not yet in the table), and ends on the earlier of its end and
        termination dates."""
        Contract = self.env["after_sales.contract"]
        contract = self._running_contract()

        def serving(day):
            return Contract._get_serving_contract_multi(self.dealer, date=day)[self.dealer.id]

        start = contract.date_start
        contract.date_end = start + timedelta(days=40)
        self.assertEqual(serving(start + timedelta(days=40)), contract)
        self.assertFalse(serving(start + timedelta(days=41)))
        contract.sudo().termination_date = start + timedelta(days=20)
        self.assertEqual(contract._get_last_day(), start + timedelta(days=20))
        self.assertEqual(serving(start + timedelta(days=20)), contract)
        self.assertFalse(serving(start + timedelta(days=21)))

    def test_errors_speak_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        chinese_user = self.user_manager
        chinese_user.lang = "zh_CN"
        Contract = self.env["after_sales.contract"].with_user(chinese_user)
        with self.assertRaisesRegex(ValidationError, "结束日期.*必须晚于开始日期"):
            Contract.with_context(lang="zh_CN").create(
                {
                    "dealer_id": self.dealer.id,
                    "date_start": date(2026, 5, 1),
                    "date_end": date(2026, 4, 1),
                }
            )

    def test_guards_name_the_document_in_the_users_language(self):
        """A refused write names the kind of document as the user reads it, not the model's
        English description."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["zh_CN"])
        self.user_desk.lang = "zh_CN"
        self.heater = self.env["product.product"].create({"name": "Water heater"})
        Card = self.env["after_sales.warranty.card"].with_user(self.user_desk)
        with self.assertRaises(AccessError) as refused:
            Card.with_context(lang="zh_CN").create(
                {"dealer_id": self.dealer.id, "product_id": self.heater.id, "state": "registered"}
            )
        self.assertIn("三包回执卡 的状态只能通过其按钮", str(refused.exception))
        claim = self.env["after_sales.claim"].create(
            {"dealer_id": self.dealer.id, "product_id": self.heater.id}
        )
        with self.assertRaises(AccessError) as refused:
            claim.with_user(self.user_desk).with_context(lang="zh_CN").write(
                {"reimbursable_amount": 1000.0}
            )
        self.assertIn("三包索赔：", str(refused.exception))
        self.assertIn("不能写入", str(refused.exception))

    def test_contract_shows_and_is_found_by_its_dealer(self):
        contract = self._create_contract()
        self.assertEqual(contract.display_name, f"{contract.name} (Dealer Shunda)")
        found = self.env["after_sales.contract"].name_search("Shunda")
        self.assertIn(contract.id, [record_id for record_id, _name in found])

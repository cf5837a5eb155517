from datetime import date

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common_portal import PortalCase


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10 04:00:00")
class TestMonthlySubmission(TransactionCase):
    """R11: the reports a dealer owes each month, as records: created by the monthly cron,
    due by the contract's report day of the next month, late after it (with one to-do for the
    contract's responsible), submitted by the dealer, accepted by the service desk."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        env = cls.env
        env.company.partner_id.tz = "Asia/Shanghai"
        env["res.lang"]._activate_lang("zh_CN")
        cls.desk = new_test_user(
            env,
            "as_monthly_desk",
            groups="after_sales_service.after_sales_service_group_user",
            lang="zh_CN",
        )
        Partner = env["res.partner"]
        cls.dealer = Partner.create({"name": "Monthly Dealer", "is_company": True})
        cls.contact = Partner.create({"name": "Monthly Contact", "parent_id": cls.dealer.id})
        cls.other = Partner.create({"name": "Other Monthly Dealer", "is_company": True})
        Contract = env["after_sales.contract"]
        cls.contract = Contract.create(
            {
                "dealer_id": cls.dealer.id,
                "date_start": date(2025, 6, 1),
                "report_day": 28,
                "user_id": cls.desk.id,
            }
        )
        cls.contract_other = Contract.create(
            {"dealer_id": cls.other.id, "date_start": date(2026, 2, 15), "user_id": cls.desk.id}
        )
        # a contract starting in March owes nothing for February
        cls.contract_new = Contract.create(
            {
                "dealer_id": Partner.create({"name": "New Dealer", "is_company": True}).id,
                "date_start": date(2026, 3, 1),
            }
        )
        (cls.contract | cls.contract_other | cls.contract_new).action_start()
        cls.Submission = env["after_sales.monthly.submission"]

    def _reports(self, contract, month=date(2026, 2, 1)):
        return self.Submission.search(
            [("contract_id", "=", contract.id), ("month", "=", month)], order="kind"
        )

    def test_cron_creates_last_months_reports_once(self):
        self.Submission._cron_create_month()
        reports = self._reports(self.contract)
        self.assertEqual(
            sorted(reports.mapped("kind")), ["parts", "repair", "satisfaction"], "three kinds"
        )
        self.assertEqual(reports.dealer_id, self.dealer)
        self.assertEqual(reports.company_id, self.contract.company_id)
        # February has 28 days: the 28th of March, as the contract says
        self.assertEqual(set(reports.mapped("date_due")), {date(2026, 3, 28)})
        self.assertEqual(set(reports.mapped("state")), {"due"})
        self.assertEqual(len(self._reports(self.contract_other)), 3, "in force from 15 February")
        self.assertFalse(self._reports(self.contract_new), "not in force in February")
        before = self.Submission.search_count([])
        self.Submission._cron_create_month()
        self.assertEqual(self.Submission.search_count([]), before, "a second run adds nothing")

    def test_reports_owed_once_the_month_has_ended_where_the_company_works(self):
        """The daily cron creates February's reports as soon as February has ended in Shanghai,
        not by the day of its user, here in Los Angeles (still 28 February there)."""
        cron_user = new_test_user(
            self.env, "as_monthly_cron_la", groups="base.group_user", tz="America/Los_Angeles"
        )
        Submission = self.Submission.with_user(cron_user)
        with freeze_time("2026-02-28 15:00:00"):  # 23:00 on 28 February in Shanghai
            Submission._cron_create_month()
            self.assertFalse(self._reports(self.contract), "February has not ended in Shanghai")
        with freeze_time("2026-02-28 16:30:00"):  # 00:30 on 1 March in Shanghai
            Submission._cron_create_month()
            reports = self._reports(self.contract)
            self.assertEqual(sorted(reports.mapped("kind")), ["parts", "repair", "satisfaction"])
            self.assertEqual(set(reports.mapped("date_due")), {date(2026, 3, 28)})
        with freeze_time("2026-03-01 16:30:00"):  # the next day's run adds nothing
            before = self.Submission.search_count([])
            Submission._cron_create_month()
            self.assertEqual(self.Submission.search_count([]), before)

    def test_due_date_clamped_to_the_months_end(self):
        self.assertEqual(self.Submission._due_date(date(2026, 1, 1), 28), date(2026, 2, 28))
        self.assertEqual(self.Submission._due_date(date(2026, 1, 1), 3), date(2026, 2, 3))
        self.assertEqual(self.Submission._due_date(date(2025, 12, 1), 10), date(2026, 1, 10))

    def test_unique_per_contract_month_kind(self):
        self.Submission._cron_create_month()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.Submission.create(
                {"contract_id": self.contract.id, "month": date(2026, 2, 1), "kind": "repair"}
            )

    def test_late_report_gives_one_todo_in_the_responsibles_language(self):
        self.Submission._cron_create_month(date(2026, 1, 1))
        reports = self._reports(self.contract, date(2026, 1, 1))
        self.assertEqual(set(reports.mapped("date_due")), {date(2026, 2, 28)})
        self.assertEqual(set(reports.mapped("state")), {"late"}, "flagged when created")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", self.Submission._name), ("res_id", "in", reports.ids)]
        )
        self.assertEqual(len(activities), 3)
        self.assertEqual(activities.user_id, self.desk)
        self.assertEqual(len(set(activities.mapped("summary"))), 1)
        self.assertTrue(all("Monthly Dealer" in note for note in activities.mapped("note")))
        self.assertTrue(all("2026-01" in note for note in activities.mapped("note")))
        self.assertFalse(self._reports(self.contract_other, date(2026, 1, 1)))
        self.Submission._cron_flag_late()
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", self.Submission._name), ("res_id", "in", reports.ids)]
            ),
            3,
            "once",
        )

    def test_due_becomes_late_the_day_after(self):
        self.Submission._cron_create_month()
        report = self._reports(self.contract)[:1]
        with freeze_time("2026-03-28 15:00:00"):  # 23:00 in Shanghai: still the due date
            self.Submission._cron_flag_late()
            self.assertEqual(report.state, "due")
        with freeze_time("2026-03-28 16:30:00"):  # 00:30 on the 29th in Shanghai
            self.Submission._cron_flag_late()
            self.assertEqual(report.state, "late")
            self.assertTrue(report.activity_ids)
            report._action_submit(self.contact, "late.xlsx", b"late file")
            self.assertEqual(report.state, "submitted_late")
            self.assertFalse(report.activity_ids, "the to-do is done")

    def test_missing_and_late_reports_count_for_the_assessment(self):
        """R11: on 10 March the dealer's December repair report was sent on time, its parts
        list sent late, its satisfaction statistics never; none of January's was sent (due 28
        February, not yet flagged by the daily refresh); February's are not due yet. The
        contract counts 4 reports missing and 1 sent late. The other dealer's count is its own:
        its February reports, due on the 5th (its contract's report day), are 3 missing."""
        # each month's reports created on the 1st of the next; the daily refresh never ran
        for month in (date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)):
            with freeze_time(f"{month + relativedelta(months=1)} 02:00:00"):
                self.Submission._create_for_month(month)
                self.env.flush_all()
        december = {r.kind: r for r in self._reports(self.contract, date(2025, 12, 1))}
        with freeze_time("2026-01-20 02:00:00"):
            december["repair"]._action_submit(self.contact, "repairs.xlsx", b"on time")
        with freeze_time("2026-02-01 02:00:00"):
            december["parts"]._action_submit(self.contact, "parts.xlsx", b"late")
        january = self._reports(self.contract, date(2026, 1, 1))
        self.assertEqual(set(january.mapped("state")), {"due"}, "not flagged late yet")
        self.assertEqual(set(self._reports(self.contract).mapped("date_due")), {date(2026, 3, 28)})
        contract = self.contract.with_user(self.desk)
        self.assertEqual((contract.monthly_missing_count, contract.monthly_late_count), (4, 1))
        other = self.contract_other
        self.assertEqual((other.monthly_missing_count, other.monthly_late_count), (3, 0))
        with freeze_time("2026-03-29 02:00:00"):  # February's are due on the 28th
            self.contract.invalidate_recordset()
            self.assertEqual(self.contract.monthly_missing_count, 7)
            self.assertEqual(other.monthly_missing_count, 3)
        action = contract.action_view_monthly_reports()
        self.assertEqual(
            self.Submission.search_count(action["domain"]), 9, "the contract's reports"
        )

    def test_submit_replace_accept(self):
        self.Submission._cron_create_month()
        report = self._reports(self.contract).filtered(lambda r: r.kind == "repair")
        with self.assertRaises(AccessError):
            report._action_submit(self.other, "x.xlsx", b"x")
        with self.assertRaises(UserError):
            report._action_submit(self.contact, "empty.xlsx", b"")
        first = report._action_submit(self.contact, "repairs.xlsx", b"first")
        self.assertEqual(report.state, "submitted")
        self.assertEqual(report.submitted_by_id, self.contact)
        self.assertEqual(report.attachment_id, first)
        second = report._action_submit(self.contact.id, "repairs-v2.xlsx", b"second")
        self.assertEqual(report.attachment_id, second, "a new file replaces the previous one")
        self.assertEqual(report.attachment_id.raw, b"second")
        self.assertIn(first, report.message_ids.attachment_ids, "the first stays on record")
        self.assertTrue(first.exists())
        # only the action methods write what was sent
        with self.assertRaises(AccessError):
            report.with_user(self.desk).write({"date_submitted": False})
        report.with_user(self.desk).action_accept()
        self.assertTrue(report.is_accepted)
        self.assertEqual(report.accepted_by_id, self.desk)
        self.assertEqual(report.state, "submitted")
        with self.assertRaises(UserError):
            report._action_submit(self.contact, "repairs-v3.xlsx", b"third")
        missing = self._reports(self.contract).filtered(lambda r: r.kind == "parts")
        with self.assertRaises(UserError):
            missing.with_user(self.desk).action_accept()
        self.assertEqual(self.Submission.search([("is_accepted", "=", True)]), report)
        # what the dealer sent stays on record, even for an administrator
        with self.assertRaisesRegex(UserError, "was sent by the dealer and cannot be deleted"):
            report.unlink()
        self.assertTrue(report.exists())
        missing.unlink()
        self.assertFalse(missing.exists())


@tagged("post_install", "-at_install")
class TestPortalMonthly(PortalCase):
    """The dealer's monthly reports on the portal: its own records only, uploads per record."""

    def test_list_counter_and_other_dealers_record(self):
        mine = self.env["after_sales.monthly.submission"].search(
            [("contract_id", "=", self.contract_a.id)]
        )
        theirs = self.env["after_sales.monthly.submission"].search(
            [("contract_id", "=", self.contract_b.id)]
        )
        self.assertEqual(len(mine), 3)
        self.assertEqual(len(theirs), 3)
        Submission = self.env["after_sales.monthly.submission"]
        self.assertEqual(Submission.with_user(self.user_a).search([]), mine)
        self.assertEqual(Submission.with_user(self.user_b).search([]), theirs)
        self.assertFalse(Submission.with_user(self.user_sub).search([]), "no contract of its own")
        self.authenticate("as_portal_a", "as_portal_a")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["after_sales_monthly_count"]}
        )
        self.assertEqual(counters["after_sales_monthly_count"], 3)
        page = self.url_open("/my/after-sales/monthly").text
        self.assertIn(f"/my/after-sales/monthly/{mine[0].id}/submit", page)
        self.assertNotIn(f"/my/after-sales/monthly/{theirs[0].id}/submit", page)
        token = self._csrf()
        response = self.url_open(
            f"/my/after-sales/monthly/{theirs[0].id}/submit",
            data={"csrf_token": token},
            files={"upload": ("bravo.xlsx", b"not yours", "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"not yours", response.content)
        theirs.invalidate_recordset()
        self.assertFalse(theirs.filtered("date_submitted"), "nothing sent for dealer B")
        response = self.url_open(
            f"/my/after-sales/monthly/{mine[0].id}/submit",
            data={"csrf_token": token},
            files={"upload": ("alpha.xlsx", b"alpha report", "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 200)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["after_sales_monthly_count"]}
        )
        self.assertEqual(counters["after_sales_monthly_count"], 2)
        mine.invalidate_recordset()
        self.assertEqual(mine[0].attachment_id.raw, b"alpha report")
        self.assertEqual(mine[0].submitted_by_id, self.user_a.partner_id)
        # dealer B cannot download it
        self.authenticate("as_portal_b", "as_portal_b")
        response = self.url_open(f"/my/after-sales/monthly/file/{mine[0].attachment_id.id}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"alpha report", response.content)

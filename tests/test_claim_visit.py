from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common_service import ServiceCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-01 04:00:00")
class TestReturnVisits(ServiceCase):
    """Issue 12 items 7-8 (R10, 方案5 4-5): return visits are records; the second falls due
    7 days after the first was actually done; the month's ratio per dealer against the
    contract's minimum, with an activity at month end; on-site arrival times."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.contract.with_user(cls.user_manager).revisit_ratio_min = 50.0
        cls.contract.user_id = cls.user_manager

    def _completed(self, completion, dealer=None, **values):
        card = self._card(dealer_id=(dealer or self.dealer).id)
        claim = self._claim(
            card,
            call_time=datetime(2026, 5, 1, 1, 0),
            user_id=self.user_desk.id,
            completion_time=completion,
            **values,
        )
        claim.action_submit()
        claim.action_complete()
        return claim

    def test_second_visit_due_seven_days_after_the_first_was_done(self):
        # repaired on 1 June at 10:00 in Shanghai (02:00 UTC)
        claim = self._completed(datetime(2026, 6, 1, 2, 0))
        first, second = claim.visit_ids.sorted("sequence")
        self.assertEqual(
            (first.date_planned, second.date_planned), (date(2026, 6, 8), date(2026, 6, 15))
        )
        self.assertEqual(first.state, "planned")
        self.assertEqual(len(claim.activity_ids), 2)
        with freeze_time("2026-06-04 03:00:00"):
            first.with_user(self.user_desk).write({"result": "holding", "satisfaction": "4"})
            first.with_user(self.user_desk).action_done()
        self.assertEqual(first.date_done, date(2026, 6, 4))
        self.assertEqual(first.user_id, self.user_desk)
        self.assertEqual(second.date_planned, date(2026, 6, 11), "7 days after the first")
        self.assertEqual(second.activity_id.date_deadline, date(2026, 6, 11))
        self.assertEqual(claim.activity_ids, second.activity_id, "the first one is done")
        self.assertEqual(claim.revisit_date, date(2026, 6, 4))
        self.assertEqual(claim.satisfaction, "4")
        with self.assertRaisesRegex(UserError, "already done"):
            first.action_done()
        with freeze_time("2026-06-10 03:00:00"):
            second.write({"satisfaction": "5", "comment": "Very good"})
            second.action_done()
        self.assertEqual(claim.satisfaction, "5")
        self.assertEqual(claim.satisfaction_comment, "Very good")
        self.assertEqual(claim.revisit_date, date(2026, 6, 4), "the first follow-up counts")
        claim.action_complete()
        self.assertEqual(len(claim.visit_ids), 2, "completing again plans nothing new")

    def test_only_a_customer_reached_after_the_repair_counts(self):
        """R10: a visit that could not reach the customer followed nothing up; a visit, or a
        return-visit date typed on the claim, falls between the repair and today."""
        claim = self._completed(datetime(2026, 5, 20, 2, 0))
        first, second = claim.visit_ids.sorted("sequence")
        with freeze_time("2026-05-24 03:00:00"):
            first.write({"result": "unreachable"})
            first.action_done()
        self.assertEqual(first.state, "done")
        self.assertFalse(claim.revisit_date, "nobody answered")
        with freeze_time("2026-05-25 03:00:00"):
            first.write({"result": "holding", "satisfaction": "4"})
        self.assertEqual(claim.revisit_date, date(2026, 5, 24))
        first.write({"result": "unreachable"})
        self.assertFalse(claim.revisit_date, "marked unreachable after being done")
        self.env.flush_all()
        report = self.env["after_sales.revisit.report"].search(
            [("contract_id", "=", self.contract.id), ("month", "=", "2026-05-01")]
        )
        self.assertEqual((report.repair_count, report.revisited_count), (1, 0))
        for day, what in ((date(2026, 5, 19), "before the repair"), (date(2026, 6, 2), "future")):
            with (
                self.subTest(what),
                self.assertRaisesRegex(
                    ValidationError,
                    rf"Return visit 2 of claim {claim.name}: done on {day}, it must fall "
                    r"between the repair's completion \(2026-05-20\) and today\.",
                ),
                self.env.cr.savepoint(),
            ):
                second.write({"date_done": day})
            with (
                self.subTest(what, on="claim"),
                self.assertRaisesRegex(
                    ValidationError, rf"Claim {claim.name}: a return visit on {day} must fall"
                ),
                self.env.cr.savepoint(),
            ):
                claim.with_user(self.user_desk).write({"revisit_date": day})
        unfinished = self._claim(user_id=self.user_desk.id)
        with self.assertRaisesRegex(ValidationError, r"repair's completion \(not completed\)"):
            unfinished.with_user(self.user_desk).write({"revisit_date": date(2026, 5, 30)})

    def test_month_ratio_per_dealer_and_activity_at_month_end(self):
        # May in Shanghai: three repairs of Shunda (one by its sub-dealer), one followed up;
        # the last completed at 01:00 on 1 June local time belongs to June
        visited = self._completed(datetime(2026, 5, 10, 2, 0))
        self._completed(datetime(2026, 5, 20, 2, 0), dealer=self.subdealer)
        self._completed(datetime(2026, 5, 31, 10, 0))
        self._completed(datetime(2026, 5, 31, 17, 0))
        with freeze_time("2026-05-14 03:00:00"):
            visited.visit_ids[0].action_done()
        self.env.flush_all()
        Report = self.env["after_sales.revisit.report"].with_user(self.user_desk)
        may = Report.search([("contract_id", "=", self.contract.id), ("month", "=", "2026-05-01")])
        self.assertRecordValues(
            may,
            [
                {
                    "dealer_id": self.dealer.id,
                    "repair_count": 3,
                    "revisited_count": 1,
                    "revisit_ratio": 33.33,
                    "revisit_ratio_min": 50.0,
                    "is_below": True,
                }
            ],
        )
        june = Report.search([("contract_id", "=", self.contract.id), ("month", "=", "2026-06-01")])
        self.assertEqual(june.repair_count, 1)
        activity_type = self.env.ref("after_sales_service.mail_activity_type_revisit_ratio")
        Report._cron_flag_below_minimum()
        Report._cron_flag_below_minimum()
        activities = self.contract.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.user_manager)
        self.assertIn("33.33", activities.note)
        self.assertIn("2026-05", activities.note)

    def test_onsite_arrival(self):
        card = self._card()
        completed = self._claim(
            card,
            call_time=datetime(2026, 5, 28, 2, 0),
            arranged_time=datetime(2026, 5, 28, 3, 0),
            onsite=True,
            zone="urban",
            completion_time=datetime(2026, 5, 28, 9, 0),
        )
        self.assertFalse(completed.is_sla_overdue, "done, arrival time unknown: not overdue")
        waiting = self._claim(
            card,
            call_time=datetime(2026, 5, 28, 2, 0),
            arranged_time=datetime(2026, 5, 28, 3, 0),
            onsite=True,
            zone="urban",
        )
        self.assertTrue(waiting.is_sla_overdue, "not on site 4 days after the call")
        with self.assertRaisesRegex(UserError, "enter when the technician arrived"):
            waiting.action_complete()
        waiting.arrival_time = datetime(2026, 5, 28, 20, 0)
        waiting.action_complete()
        self.assertFalse(waiting.is_sla_overdue)
        self.assertTrue(waiting.completion_time)

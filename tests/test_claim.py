from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools.misc import format_datetime

from .common_service import ServiceCase


@tagged("post_install", "-at_install")
class TestClaim(ServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"

    def _lines(self, claim, element_qty=1):
        claim.write(
            {
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "line_type": "part",
                            "product_id": self.element.id,
                            "quantity": element_qty,
                            "old_lot_name": "OLD-1",
                            "new_lot_name": "NEW-1",
                        },
                    ),
                    (0, 0, {"line_type": "labour", "product_id": self.labour.id, "quantity": 2}),
                    (0, 0, {"line_type": "freight", "name": "Freight", "price_unit": 12.5}),
                ]
            }
        )
        return claim.line_ids

    # ------------------------------------------------------------
    # coverage on the claim
    # ------------------------------------------------------------
    def test_coverage_reason_is_shown(self):
        covered = self._claim()
        self.assertTrue(covered.is_covered)
        self.assertEqual(covered.coverage_reason, "covered")
        self.assertEqual(covered.warranty_end, covered.card_id.warranty_end)
        sale = self.today - timedelta(days=40)
        late_card = self._card(sale_date=sale, date_received=sale + timedelta(days=25))
        late = self._claim(late_card)
        self.assertFalse(late.is_covered)
        self.assertEqual(late.coverage_reason, "card_late")
        misuse = self._claim(cause_category="customer_misuse")
        self.assertEqual(misuse.coverage_reason, "customer_misuse")
        no_card = self.env["after_sales.claim"].create(
            {"dealer_id": self.dealer.id, "product_id": self.heater.id}
        )
        self.assertEqual(no_card.coverage_reason, "no_card")
        quality = self._claim(self._card(sale_date=self.today - timedelta(days=3)))
        self.assertEqual(quality.coverage_window, "quality")

    # ------------------------------------------------------------
    # workflow and access
    # ------------------------------------------------------------
    def test_user_submits_appraiser_approves(self):
        card = self._card()
        claim = (
            self.env["after_sales.claim"]
            .with_user(self.user_desk)
            .create(
                {
                    "card_id": card.id,
                    "dealer_id": self.dealer.id,
                    "cause_category": "product_defect",
                }
            )
        )
        self.assertEqual(claim.contract_id, self.contract)
        self.assertEqual(claim.product_id, self.heater)
        self.assertEqual(claim.customer_id, card.customer_id)
        claim.action_submit()
        self.assertEqual(claim.state, "submitted")
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            claim.action_approve()
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            claim.write({"state": "approved"})
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            claim.action_open_reject_wizard()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertEqual(claim.state, "approved")
        self.assertEqual(claim.approver_id, self.user_appraiser)
        self.assertEqual(claim.date_approved, self.today)
        with self.assertRaisesRegex(UserError, "this needs it to be Submitted"):
            claim.with_user(self.user_appraiser).action_approve()

    def test_reject_needs_a_reason(self):
        claim = self._claim()
        claim.action_submit()
        action = claim.with_user(self.user_appraiser).action_open_reject_wizard()
        wizard_env = self.env[action["res_model"]].with_user(self.user_appraiser)
        form = Form(wizard_env.with_context(**action["context"]))
        with self.assertRaises(AssertionError):
            form.save()  # reason is required
        with self.assertRaisesRegex(UserError, "a rejection reason is required"):
            claim.with_user(self.user_appraiser).action_reject("  ")
        form.reason = "Damage from a power surge, not a product defect."
        form.save().action_confirm()
        self.assertEqual(claim.state, "rejected")
        self.assertEqual(claim.reject_reason, "Damage from a power surge, not a product defect.")
        claim.action_draft()
        self.assertEqual(claim.state, "draft")
        self.assertFalse(claim.reject_reason)

    def test_nobody_edits_a_settled_claim(self):
        claim = self._claim()
        lines = self._lines(claim)
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        claim.old_part_ids.with_user(self.user_appraiser).action_receive()
        self.assertTrue(claim.is_reimbursable)
        claim.sudo().write({"state": "settled"})
        manager_claim = claim.with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "is settled and can no longer be changed"):
            manager_claim.write({"symptom": "changed"})
        with self.assertRaisesRegex(UserError, "is settled and can no longer be changed"):
            lines[1].with_user(self.user_manager).write({"quantity": 5})
        with self.assertRaisesRegex(UserError, "is settled and can no longer be changed"):
            self.env["after_sales.claim.line"].with_user(self.user_manager).create(
                {"claim_id": claim.id, "line_type": "labour", "price_unit": 1}
            )
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            manager_claim.unlink()
        with self.assertRaisesRegex(UserError, "this needs it to be"):
            manager_claim.action_cancel()
        self.assertEqual(claim.state, "settled")
        self.assertEqual(lines[1].quantity, 2)
        # Settling right after the lines change, nothing read in between.
        fresh = self._claim(self._card())
        self.env["after_sales.claim.line"].create(
            {"claim_id": fresh.id, "line_type": "labour", "product_id": self.labour.id}
        )
        fresh.action_submit()
        fresh.with_user(self.user_appraiser).action_approve()
        fresh.sudo().write({"state": "settled"})
        self.env.flush_all()
        fresh.invalidate_recordset()
        self.assertEqual(
            (fresh.coverage_reason, fresh.reimbursable_amount, fresh.is_reimbursable),
            ("covered", 50.0, True),
        )
        # Later changes of the contract or the card do not move a settled claim's amounts.
        self.assertEqual((claim.reimbursable_amount, claim.is_reimbursable), (212.5, True))
        self.contract.with_user(self.user_manager).claim_reimbursement = "none"
        claim.card_id.falsified = True
        self.env.flush_all()
        claim.invalidate_recordset()
        self.assertEqual(claim.reimbursable_amount, 212.5)
        self.assertTrue(claim.is_covered)
        self.assertTrue(claim.is_reimbursable)
        unsettled = self._claim(claim.card_id)
        self.assertEqual(unsettled.coverage_reason, "card_falsified", "others still follow")

    # ------------------------------------------------------------
    # amounts (R15)
    # ------------------------------------------------------------
    def test_actual_amounts_and_customer_charge(self):
        claim = self._claim()
        self._lines(claim, element_qty=2)
        # 2 x 100 (price list) + 2 x 50 labour + 12.50 freight
        self.assertEqual(claim.amount_total, 312.5)
        self.assertEqual(claim.reimbursable_amount, 312.5)
        self.assertEqual(claim.customer_amount, 0.0)
        claim.cause_category = "customer_misuse"
        self.assertFalse(claim.is_covered)
        self.assertEqual(claim.reimbursable_amount, 0.0)
        self.assertEqual(claim.customer_amount, 312.5)
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertEqual(claim.state, "approved", "a paid repair can be approved")
        self.assertFalse(claim.is_reimbursable)
        self.assertIn("customer", claim.reimbursable_note)

    def test_flat_and_none_amounts(self):
        flat = self._running_contract(
            self.other_dealer,
            claim_reimbursement="flat",
            flat_claim_amount=50.0,
            flat_onsite_amount=30.0,
        )
        card = self._card(dealer_id=self.other_dealer.id)
        self.assertEqual(card.contract_id, flat)
        claim = self._claim(card, onsite=True, zone="urban")
        self._lines(claim)
        self.assertEqual(claim.amount_total, 252.5, "no price list: sales prices")
        self.assertEqual(claim.reimbursable_amount, 80.0)
        claim.onsite = False
        self.assertEqual(claim.reimbursable_amount, 50.0)
        flat.with_user(self.user_manager).claim_reimbursement = "none"
        self.assertEqual(claim.reimbursable_amount, 0.0)
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertFalse(claim.is_reimbursable)
        self.assertEqual(claim.reimbursable_note, "The contract does not reimburse claims")

    # ------------------------------------------------------------
    # old parts (R21) and part warranty
    # ------------------------------------------------------------
    def test_old_part_required_under_trade_in(self):
        claim = self._claim(completion_time=datetime(2026, 3, 10, 12, 0))
        element, labour, _freight = self._lines(claim)
        igniter = self.env["after_sales.claim.line"].create(
            {"claim_id": claim.id, "line_type": "part", "product_id": self.igniter.id}
        )
        self.assertTrue(element.old_part_required)
        self.assertFalse(igniter.old_part_required, "purchase rule: no trade-in")
        self.assertFalse(labour.old_part_required)
        self.assertEqual(str(element.old_part_due_date), "2026-04-09")
        self.assertFalse(igniter.old_part_due_date)
        self.assertEqual(str(element.part_warranty_end), "2026-06-10")
        self.assertFalse(labour.part_warranty_end)
        self.assertEqual((element.old_lot_name, element.new_lot_name), ("OLD-1", "NEW-1"))
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertTrue(claim.old_parts_missing)
        self.assertFalse(claim.is_reimbursable)
        self.assertIn("Old parts not returned", claim.reimbursable_note)
        self.assertIn("Heating Element", claim.reimbursable_note)
        self.assertEqual(
            self.env["after_sales.claim"].search(
                [("old_parts_missing", "=", True), ("id", "=", claim.id)]
            ),
            claim,
        )
        # the submitted claim owes one old part, for the trade-in line only
        old_part = claim.old_part_ids
        self.assertEqual(old_part.claim_line_id, element)
        self.assertEqual(str(old_part.date_due), "2026-04-09")
        self.assertFalse(labour.old_part_ids | igniter.old_part_ids)
        old_part.with_user(self.user_appraiser).action_receive()
        self.assertEqual(claim.date_old_parts_back, self.today)
        self.assertEqual(element.old_part_state, "back")
        self.assertFalse(claim.old_parts_missing)
        self.assertTrue(claim.is_reimbursable)
        self.assertEqual(claim.date_reimbursable, self.today)
        self.assertEqual(claim.reimbursable_amount, 247.5)
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            old_part.with_user(self.user_desk).action_appraise_scrap()
        old_part.with_user(self.user_appraiser).action_appraise_rejected()
        self.assertTrue(claim.old_parts_rejected)
        self.assertFalse(claim.is_reimbursable)
        self.assertIn("rejected", claim.reimbursable_note)
        # an old part appraised reusable keeps its claim reimbursable
        other = self._claim(completion_time=datetime(2026, 3, 10, 12, 0))
        self._lines(other)
        other.action_submit()
        other.with_user(self.user_appraiser).action_approve()
        other.old_part_ids.with_user(self.user_appraiser).action_receive()
        other.old_part_ids.with_user(self.user_appraiser).action_appraise_reusable()
        self.assertEqual(other.old_part_ids.state, "reusable")
        self.assertTrue(other.is_reimbursable)

    def test_semiannual_old_part_return(self):
        self.contract.with_user(self.user_manager).old_part_return_mode = "semiannual"
        claim = self._claim(completion_time=datetime(2026, 8, 3, 9, 0))
        element = self._lines(claim)[0]
        self.assertEqual(str(element.old_part_due_date), "2026-12-31")
        claim.action_submit()
        self.assertEqual(str(claim.old_part_ids.date_due), "2026-12-31")
        self.assertEqual(str(element.old_part_due_date), "2026-12-31")

    # ------------------------------------------------------------
    # SLA (R9) and return visits (R10)
    # ------------------------------------------------------------
    def test_sla_deadlines_overdue_flag_and_cron(self):
        now = datetime.now().replace(microsecond=0)
        call = now - timedelta(hours=3)
        overdue = self._claim(
            call_time=call, onsite=True, zone="suburban", user_id=self.user_desk.id
        )
        self.assertEqual(overdue.arrange_deadline, call + timedelta(hours=2))
        self.assertEqual(overdue.arrival_deadline, call + timedelta(hours=48))
        self.assertTrue(overdue.is_sla_overdue, "not arranged 3 hours after the call")
        on_time = self._claim(
            call_time=call, arranged_time=call + timedelta(hours=1), onsite=True, zone="urban"
        )
        self.assertEqual(on_time.arrival_deadline, call + timedelta(hours=24))
        self.assertFalse(on_time.is_sla_overdue)
        # A claim whose deadline passes later is flagged by the cron.
        soon = self._claim(call_time=now - timedelta(minutes=30))
        self.assertFalse(soon.is_sla_overdue)
        soon.flush_recordset()
        self.env.cr.execute(
            "UPDATE after_sales_claim SET call_time = %s, arrange_deadline = %s WHERE id = %s",
            (now - timedelta(hours=5), now - timedelta(hours=3), soon.id),
        )
        soon.invalidate_recordset()
        self.env["after_sales.claim"]._cron_check_sla()
        self.assertTrue(soon.is_sla_overdue)
        found = self.env["after_sales.claim"].search([("is_sla_overdue", "=", True)])
        self.assertIn(overdue, found)
        self.assertIn(soon, found)
        self.assertNotIn(on_time, found)
        sla_type = self.env.ref("after_sales_service.mail_activity_type_sla_overdue")
        activities = overdue.activity_ids.filtered(lambda a: a.activity_type_id == sla_type)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.user_desk)
        self.env["after_sales.claim"]._cron_check_sla()
        self.assertEqual(
            len(overdue.activity_ids.filtered(lambda a: a.activity_type_id == sla_type)), 1
        )

    def test_sla_activity_shows_the_deadlines_in_the_company_time_zone(self):
        """The overdue to-do tells the responsible the deadlines as the company's clock shows
        them (Asia/Shanghai, UTC+8), not in UTC, whoever runs the cron."""
        self.env.company.partner_id.tz = "Asia/Shanghai"
        call = datetime.now().replace(microsecond=0) - timedelta(hours=3)
        claim = self._claim(call_time=call, onsite=True, zone="urban", user_id=self.user_desk.id)
        self.env["after_sales.claim"]._cron_check_sla()
        sla_type = self.env.ref("after_sales_service.mail_activity_type_sla_overdue")
        note = str(claim.activity_ids.filtered(lambda a: a.activity_type_id == sla_type).note)
        desk_env = self.env(context={"lang": self.user_desk.lang})
        for deadline in (claim.arrange_deadline, claim.arrival_deadline):
            local = format_datetime(desk_env, deadline, tz="Asia/Shanghai", dt_format="short")
            in_utc = format_datetime(desk_env, deadline, tz="UTC", dt_format="short")
            self.assertNotEqual(local, in_utc)
            self.assertIn(local, note)
            self.assertNotIn(in_utc, note)

    def test_complete_schedules_two_return_visits(self):
        claim = self._claim(user_id=self.user_desk.id)
        claim.completion_time = datetime(2026, 12, 7, 1, 30)
        claim.action_complete()
        visit_type = self.env.ref("after_sales_service.mail_activity_type_return_visit")
        visits = claim.activity_ids.filtered(lambda a: a.activity_type_id == visit_type)
        self.assertEqual(
            sorted(str(d) for d in visits.mapped("date_deadline")), ["2026-12-14", "2026-12-21"]
        )
        self.assertEqual(visits.user_id, self.user_desk)
        claim.action_complete()
        self.assertEqual(
            len(claim.activity_ids.filtered(lambda a: a.activity_type_id == visit_type)), 2
        )
        other = self._claim()
        other.action_complete()
        self.assertTrue(other.completion_time)
        claim.write({"satisfaction": "5", "satisfaction_comment": "Fast and polite."})
        self.assertEqual(claim.satisfaction, "5")

    def test_photos_are_counted(self):
        claim = self._claim()
        self.env["ir.attachment"].create(
            [
                {
                    "name": f"photo{i}.jpg",
                    "res_model": claim._name,
                    "res_id": claim.id,
                    "raw": b"jpeg",
                }
                for i in range(2)
            ]
        )
        self.assertEqual(claim.attachment_count, 2)
        action = claim.action_view_attachments()
        self.assertEqual(self.env["ir.attachment"].search_count(action["domain"]), 2)

    def test_form_takes_the_dealer_from_the_card_and_portal_sees_its_own(self):
        card = self._card(dealer_id=self.subdealer.id)
        form = Form(self.env["after_sales.claim"].with_user(self.user_desk))
        form.card_id = card
        self.assertEqual(form.dealer_id, self.subdealer)
        self.assertEqual(form.product_id, self.heater)
        claim = form.save()
        self.assertEqual(claim.contract_id, self.contract)
        other = self._claim(self._card(register=False, dealer_id=self.other_dealer.id))
        portal = self.env["res.users"].create(
            {
                "name": "Shunda portal",
                "login": "shunda_portal_claims",
                "partner_id": self.dealer_contact.id,
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        # the contract lets the dealer's portal users see its sub-dealers' records
        self.contract.portal_sub_dealer_access = True
        visible = self.env["after_sales.claim"].with_user(portal).search([])
        self.assertIn(claim, visible, "a sub-dealer's claim is visible to its dealer")
        self.assertNotIn(other, visible)
        with self.assertRaises(AccessError):
            claim.with_user(portal).write({"symptom": "changed by the dealer"})

"""Claim integrity (R1, R10, R15, R20, R21, R24): the old part a trade-in line owes, a replaced
part's own warranty, the return visits of a completion however it is entered, and the prices a
dealer may enter on the portal."""

from dataclasses import replace
from datetime import date, datetime

from markupsafe import escape

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged

from ..tools import coverage
from .common_portal import PortalCase
from .common_service import ServiceCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestClaimOldPartRequirement(ServiceCase):
    """R21/R24: whether a part line owes its old part follows the contract's parts rule; no
    user switches it off, through the form or JSON-RPC."""

    def _trade_in_claim(self):
        claim = self._claim(
            completion_time=datetime(2026, 6, 14, 6, 0),
            user_id=self.user_desk.id,
            line_ids=[
                Command.create({"line_type": "part", "product_id": self.element.id, "quantity": 1}),
                Command.create(
                    {"line_type": "labour", "product_id": self.labour.id, "quantity": 1}
                ),
            ],
        )
        element = claim.line_ids.filtered(lambda line: line.product_id == self.element)
        self.assertTrue(element.old_part_required, "trade-in rule of the heater parts")
        return claim, element

    def test_desk_user_cannot_untick_the_old_part_over_json_rpc(self):
        claim, element = self._trade_in_claim()
        Line = self.env["after_sales.claim.line"]
        attempts = {
            "line write": lambda u: element.with_user(u).write({"old_part_required": False}),
            "line create": lambda u: Line.with_user(u).create(
                {
                    "claim_id": claim.id,
                    "line_type": "part",
                    "product_id": self.element.id,
                    "old_part_required": False,
                }
            ),
            "claim write, new line": lambda u: claim.with_user(u).write(
                {
                    "line_ids": [
                        Command.create(
                            {
                                "line_type": "part",
                                "product_id": self.element.id,
                                "old_part_required": False,
                            }
                        )
                    ]
                }
            ),
            "claim write, line update": lambda u: claim.with_user(u).write(
                {"line_ids": [Command.update(element.id, {"old_part_required": False})]}
            ),
        }
        for user in (self.user_desk, self.user_appraiser, self.user_manager):
            for what, attempt in attempts.items():
                with (
                    self.subTest(user=user.login, what=what),
                    self.assertRaisesRegex(AccessError, "computed and cannot be written"),
                ):
                    attempt(user)
        # a default sent by a client is not the server's decision either
        line = Line.with_user(self.user_desk).with_context(default_old_part_required=False)
        added = line.create(
            {"claim_id": claim.id, "line_type": "part", "product_id": self.element.id}
        )
        self.assertTrue(added.old_part_required)
        self.assertEqual(len(claim.line_ids), 3)
        self.assertTrue(element.old_part_required)

    def test_old_part_requirement_is_read_only_on_the_form(self):
        claim, element = self._trade_in_claim()
        with Form(claim.with_user(self.user_desk)) as form, form.line_ids.edit(0) as line:
            self.assertEqual(line.product_id, self.element)
            with self.assertRaises(AssertionError):
                line.old_part_required = False
        self.assertTrue(element.old_part_required)
        # the claim owes the old part: approved, it is not reimbursed until the part is back
        claim.with_user(self.user_desk).action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertRecordValues(
            claim,
            [
                {
                    "amount_total": 150.0,
                    "reimbursable_amount": 150.0,
                    "old_parts_missing": True,
                    "is_reimbursable": False,
                }
            ],
        )
        self.assertEqual(
            claim.reimbursable_note,
            "Old parts not returned (不予核销): [T-ELEM] Heating Element (test)",
        )
        self.assertEqual(claim.old_part_ids.product_id, self.element)
        self.assertEqual(claim.old_part_ids.state, "expected")


class ShopCase(ServiceCase):
    """Dealer Huaxin, in a company working in Shanghai, under a contract from 2025 to 2026 that
    reimburses claims at the repair price list (plus the ``shop_terms`` of the class)."""

    shop_terms = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.shop = cls.env["res.partner"].create({"name": "Dealer Huaxin", "is_company": True})
        cls.shop_contract = cls._running_contract(
            cls.shop,
            date_start=date(2025, 1, 1),
            date_end=date(2026, 12, 31),
            repair_pricelist_id=cls.pricelist.id,
            claim_reimbursement="actual",
            **cls.shop_terms,
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestReplacedPartWarranty(ShopCase):
    """R1/R20: a replaced part carries its own warranty only when an earlier repair of the same
    unit actually fitted it: that claim not rejected nor cancelled, and completed by the time
    of the new call. The unit, sold on 1 June 2025, is out of its 12 months on 10 June 2026;
    the heating element fitted on 20 May 2026 is warranted until 20 August 2026."""

    shop_terms = {"part_warranty_months": 3}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2025-06-05 02:00:00"):
            cls.card = cls._card(
                dealer_id=cls.shop.id, sale_date=date(2025, 6, 1), date_received=date(2025, 6, 5)
            )

    def _repair(self, call_time, completion_time=None):
        """An earlier repair of the unit that replaced the heating element."""
        claim = self._claim(
            self.card,
            call_time=call_time,
            completion_time=completion_time,
            line_ids=[
                Command.create({"line_type": "part", "product_id": self.element.id}),
            ],
        )
        return claim, claim.line_ids

    def _new_claim(self, element, call_time=datetime(2026, 6, 10, 2, 0)):
        """The element fails again: two hours of labour (100.00 at the price list)."""
        return self._claim(
            self.card,
            call_time=call_time,
            replaced_line_id=element.id,
            line_ids=[
                Command.create({"line_type": "labour", "product_id": self.labour.id, "quantity": 2})
            ],
        )

    def _assert_coverage(self, claim, reason, payer, reimbursable, customer):
        self.assertRecordValues(
            claim,
            [
                {
                    "coverage_reason": reason,
                    "coverage_payer": payer,
                    "amount_total": 100.0,
                    "reimbursable_amount": reimbursable,
                    "customer_amount": customer,
                }
            ],
        )

    def test_part_of_a_rejected_repair_has_no_warranty(self):
        first, element = self._repair(datetime(2026, 5, 20, 2, 0), datetime(2026, 5, 20, 6, 0))
        first.action_submit()
        self.assertEqual(element.part_warranty_end, date(2026, 8, 20))
        claim = self._new_claim(element)
        self._assert_coverage(claim, "covered_part", "manufacturer", 100.0, 0.0)
        first.with_user(self.user_appraiser).action_reject("Water scale, not a defect")
        self.assertFalse(element.part_warranty_end)
        self._assert_coverage(claim, "out_of_warranty", "customer", 0.0, 100.0)
        with self.assertRaisesRegex(
            ValidationError,
            r"comes from claim .*, which is Rejected: a part of a rejected or cancelled claim",
        ):
            self._new_claim(element)

    def test_part_of_a_cancelled_repair_has_no_warranty(self):
        first, element = self._repair(datetime(2026, 5, 20, 2, 0), datetime(2026, 5, 20, 6, 0))
        self.assertEqual(element.part_warranty_end, date(2026, 8, 20))
        claim = self._new_claim(element)
        self._assert_coverage(claim, "covered_part", "manufacturer", 100.0, 0.0)
        first.with_user(self.user_desk).action_cancel()
        self.assertFalse(element.part_warranty_end)
        self._assert_coverage(claim, "out_of_warranty", "customer", 0.0, 100.0)
        with self.assertRaisesRegex(ValidationError, "which is Cancelled"):
            self._new_claim(element)

    def test_part_fitted_after_the_call_has_no_warranty(self):
        # called on 20 May, not completed yet: the element was not fitted
        first, element = self._repair(datetime(2026, 5, 20, 2, 0))
        self.assertFalse(element.part_warranty_end)
        with self.assertRaisesRegex(
            ValidationError, r"whose repair was not completed before this call at \S+ 10:00:00\."
        ):
            self._new_claim(element)
        # completed on 12 June, after the new call of 10 June
        first.completion_time = datetime(2026, 6, 12, 2, 0)
        self.assertEqual(element.part_warranty_end, date(2026, 9, 12))
        with self.assertRaisesRegex(ValidationError, "was not completed before this call"):
            self._new_claim(element)
        # linked while the repair was dated before the call, then the date corrected
        first.completion_time = datetime(2026, 5, 20, 6, 0)
        claim = self._new_claim(element)
        self._assert_coverage(claim, "covered_part", "manufacturer", 100.0, 0.0)
        first.completion_time = datetime(2026, 6, 12, 2, 0)
        self._assert_coverage(claim, "out_of_warranty", "customer", 0.0, 100.0)
        # the new call cannot be moved before the repair it names either
        first.completion_time = datetime(2026, 5, 20, 6, 0)
        with self.assertRaisesRegex(ValidationError, "was not completed before this call"):
            claim.call_time = datetime(2026, 5, 19, 2, 0)

    def test_coverage_rule_reads_when_the_part_was_fitted(self):
        facts = coverage.Facts(
            call_date=date(2026, 6, 10),
            sale_date=date(2025, 6, 1),
            card_state="registered",
            cause_category="product_defect",
            contract_state="running",
            part_warranty_end=date(2026, 9, 12),
            part_fitted_date=date(2026, 6, 12),
        )
        decision = coverage.decide(facts)
        self.assertEqual((decision.reason, decision.payer), ("out_of_warranty", "customer"))
        decision = coverage.decide(replace(facts, part_fitted_date=date(2026, 6, 10)))
        self.assertEqual((decision.reason, decision.payer), ("covered_part", "manufacturer"))


@tagged("post_install", "-at_install")
@freeze_time("2026-06-01 04:00:00")
class TestReturnVisitPlanning(ServiceCase):
    """R10: a completed repair gets its two return visits however its completion time is
    entered (the button, the form, create or write), once, dated in the company's time zone:
    completed at 17:00 UTC on 31 May, the repair is of 1 June in Shanghai."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.user_desk.tz = "America/New_York"
        cls.completion = datetime(2026, 5, 31, 17, 0)

    def _open_claim(self, **values):
        return self._claim(
            call_time=datetime(2026, 5, 31, 1, 0), user_id=self.user_desk.id, **values
        )

    def _assert_planned(self, claim):
        visits = claim.visit_ids.sorted("sequence")
        self.assertRecordValues(
            visits,
            [
                {"sequence": 1, "date_planned": date(2026, 6, 8), "state": "planned"},
                {"sequence": 2, "date_planned": date(2026, 6, 15), "state": "planned"},
            ],
        )
        activity_type = self.env.ref("after_sales_service.mail_activity_type_return_visit")
        activities = claim.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertEqual(activities, visits.activity_id)
        self.assertEqual(activities.user_id, self.user_desk)
        self.assertEqual(
            sorted(activities.mapped("date_deadline")), [date(2026, 6, 8), date(2026, 6, 15)]
        )

    def test_completion_typed_in_the_form(self):
        claim = self._open_claim()
        self.assertFalse(claim.visit_ids)
        with Form(claim.with_user(self.user_desk)) as form:
            form.completion_time = self.completion
        self.assertEqual(claim.completion_time, self.completion)
        self._assert_planned(claim)
        # the button, or the time typed again, plans nothing more
        claim.with_user(self.user_desk).action_complete()
        claim.with_user(self.user_desk).write({"completion_time": datetime(2026, 5, 31, 18, 0)})
        self._assert_planned(claim)

    def test_completion_given_at_creation_or_written(self):
        created = self._open_claim(completion_time=self.completion)
        self._assert_planned(created)
        written = self._open_claim()
        written.with_user(self.user_desk).write({"completion_time": self.completion})
        self._assert_planned(written)
        created.with_user(self.user_desk).action_complete()
        self._assert_planned(created)

    def test_button_still_plans_and_closed_claims_get_none(self):
        claim = self._open_claim()
        claim.with_user(self.user_desk).action_complete()
        self.assertEqual(claim.completion_time, datetime(2026, 6, 1, 4, 0))
        self.assertEqual(
            claim.visit_ids.sorted("sequence").mapped("date_planned"),
            [date(2026, 6, 8), date(2026, 6, 15)],
        )
        cancelled = self._open_claim()
        cancelled.with_user(self.user_desk).action_cancel()
        cancelled.with_user(self.user_desk).write({"completion_time": self.completion})
        self.assertFalse(cancelled.visit_ids)
        self.assertFalse(cancelled.activity_ids)


@tagged("post_install", "-at_install")
class TestPortalClaimIntegrity(PortalCase):
    """R10, R15, R21 on the portal claim form: a completion time the dealer enters plans the
    return visits; the dealer prices freight only, its part and labour lines are products of
    the list priced at the contract's price list, also when the portal writes for it under
    sudo()."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.contract_a.claim_reimbursement = "actual"

    def _post_claim(self, url=None, **values):
        data = {
            "csrf_token": self._csrf(),
            "card_id": str(self.card_a.id),
            # in the dealer's time zone (Asia/Shanghai): 1 December, 09:00 and 17:00
            "call_time": "2026-12-01T09:00",
            "completion_time": "2026-12-01T17:00",
            "symptom": "Integrity: no hot water",
            "cause_category": "product_defect",
        }
        data.update(values)
        return self.url_open(url or "/my/after-sales/claims/new", data=data)

    def _refusal(self, line_type, name):
        """The form's refusal of the first row, as the dealer reads it (in its language)."""
        lang_env = self.env(context=dict(self.env.context, lang=self.user_a.lang))
        types = dict(
            lang_env["after_sales.claim.line"]._fields["line_type"]._description_selection(lang_env)
        )
        return escape(
            lang_env._(
                "Line %(line)s (%(type)s: %(name)s): choose the product from the list, it is "
                "priced at the contract's price list; a price is entered for freight only.",
                line=1,
                type=types[line_type],
                name=name,
            )
        )

    def _claims(self):
        return self.env["after_sales.claim"].search([("symptom", "=", "Integrity: no hot water")])

    def test_part_line_priced_by_the_dealer_is_refused(self):
        self.authenticate("as_portal_a", "as_portal_a")
        response = self._post_claim(
            line_0_type="part",
            line_0_name="Compressor",
            line_0_quantity="1",
            line_0_price="50000",
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_as_error", response.text)
        self.assertIn(self._refusal("part", "Compressor"), response.text)
        response = self._post_claim(
            line_0_type="labour", line_0_name="Four hours", line_0_quantity="4", line_0_price="900"
        )
        self.assertIn(self._refusal("labour", "Four hours"), response.text)
        response = self._post_claim(
            f"/my/after-sales/claims/{self.claim_a.id}/edit",
            line_0_type="part",
            line_0_name="Compressor",
            line_0_quantity="1",
            line_0_price="50000",
        )
        self.assertIn(self._refusal("part", "Compressor"), response.text)
        self.assertFalse(self.claim_a.line_ids)
        self.env.invalidate_all()
        self.assertFalse(self._claims(), "nothing saved")

    def test_dealer_prices_freight_only(self):
        self.authenticate("as_portal_a", "as_portal_a")
        response = self._post_claim(
            line_0_type="part",
            line_0_product_id=str(self.knob.id),
            line_0_quantity="2",
            line_0_price="50000",
            line_1_type="freight",
            line_1_name="Express freight",
            line_1_quantity="1",
            line_1_price="80",
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_as_error", response.text)
        self.env.invalidate_all()
        claim = self._claims()
        self.assertRecordValues(
            claim.line_ids.sorted("id"),
            [
                {"line_type": "part", "product_id": self.knob.id, "price_unit": 10.0},
                {"line_type": "freight", "product_id": False, "price_unit": 80.0},
            ],
        )
        self.assertEqual(claim.amount_total, 100.0)
        self.assertEqual(claim.reimbursable_amount, 100.0)

    def test_model_refuses_dealer_prices_under_sudo(self):
        Line = self.env["after_sales.claim.line"].with_user(self.user_a).sudo()
        message = r"line Compressor: a dealer enters the price of freight only"
        with self.assertRaisesRegex(UserError, message):
            Line.create(
                {
                    "claim_id": self.claim_a.id,
                    "line_type": "part",
                    "name": "Compressor",
                    "price_unit": 50000.0,
                }
            )
        with self.assertRaisesRegex(UserError, "a dealer enters the price of freight only"):
            Line.create(
                {
                    "claim_id": self.claim_a.id,
                    "line_type": "part",
                    "product_id": self.knob.id,
                    "price_unit": 50000.0,
                }
            )
        knob = Line.create(
            {"claim_id": self.claim_a.id, "line_type": "part", "product_id": self.knob.id}
        )
        freight = Line.create(
            {"claim_id": self.claim_a.id, "line_type": "freight", "price_unit": 35.0}
        )
        with self.assertRaisesRegex(UserError, "a dealer enters the price of freight only"):
            knob.write({"price_unit": 50000.0})
        with self.assertRaisesRegex(UserError, "a dealer enters the price of freight only"):
            knob.write({"product_id": False})
        with self.assertRaisesRegex(UserError, "a dealer enters the price of freight only"):
            freight.write({"line_type": "part"})
        freight.write({"price_unit": 40.0})
        self.assertEqual((knob.price_unit, freight.price_unit), (10.0, 40.0))
        self.assertEqual(self.claim_a.amount_total, 50.0)

    def test_completion_entered_on_the_portal_plans_the_return_visits(self):
        self.authenticate("as_portal_a", "as_portal_a")
        self._post_claim()
        self.env.invalidate_all()
        claim = self._claims()
        # 17:00 in Shanghai is 09:00 UTC, the repair of 1 December
        self.assertEqual(claim.completion_time, datetime(2026, 12, 1, 9, 0))
        self.assertRecordValues(
            claim.visit_ids.sorted("sequence"),
            [
                {"sequence": 1, "date_planned": date(2026, 12, 8)},
                {"sequence": 2, "date_planned": date(2026, 12, 15)},
            ],
        )
        self.assertEqual(claim.visit_ids.activity_id.user_id, self.desk, "the contract's")
        # saved again, nothing more
        self._post_claim(f"/my/after-sales/claims/{claim.id}/edit")
        self.env.invalidate_all()
        self.assertEqual(len(claim.visit_ids), 2)
        self.assertEqual(len(claim.activity_ids), 2)

    def test_portal_completion_without_a_responsible_goes_to_an_internal_user(self):
        self.contract_a.user_id = False
        self.claim_a.user_id = False
        self.env.flush_all()
        self.authenticate("as_portal_a", "as_portal_a")
        self._post_claim(f"/my/after-sales/claims/{self.claim_a.id}/edit")
        self.env.invalidate_all()
        self.assertEqual(len(self.claim_a.visit_ids), 2)
        users = self.claim_a.visit_ids.activity_id.user_id
        self.assertEqual(users, self.env.ref("base.user_admin"))
        self.assertFalse(users.share)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-20 02:00:00")
class TestApprovedClaimKept(ShopCase):
    """Issue 10.3: an approved claim keeps the coverage and the amounts the technical department
    approved. Neither its card's falsified flag nor its unit's other claims change them behind
    the appraiser's back; reopening the claim decides it again on today's facts."""

    def _shop_card(self, sale_date, **values):
        with freeze_time(sale_date.isoformat()):
            return self._card(
                dealer_id=self.shop.id, sale_date=sale_date, date_received=sale_date, **values
            )

    def _approved_claim(self, card, call_time):
        """Two hours of labour (100.00 at the price list), submitted and approved."""
        claim = self._claim(
            card,
            call_time=call_time,
            line_ids=[
                Command.create({"line_type": "labour", "product_id": self.labour.id, "quantity": 2})
            ],
        )
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        return claim

    def _assert_money(self, claim, reason, reimbursable, customer, dealer=0.0):
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "approved",
                    "coverage_reason": reason,
                    "amount_total": 100.0,
                    "reimbursable_amount": reimbursable,
                    "customer_amount": customer,
                    "dealer_amount": dealer,
                    "is_reimbursable": bool(reimbursable),
                }
            ],
        )

    def test_prices_follow_the_quantity_until_approved(self):
        """R15: a line is priced for its quantity (the price list's breaks); once approved the
        claim keeps its prices when the contract moves to another price list."""
        self.pricelist.item_ids = [
            Command.create(
                {
                    "applied_on": "0_product_variant",
                    "product_id": self.element.id,
                    "compute_price": "fixed",
                    "fixed_price": 80.0,
                    "min_quantity": 5,
                }
            )
        ]
        card = self._shop_card(date(2026, 3, 2))
        claim = self._claim(
            card,
            call_time=datetime(2026, 6, 10, 2, 0),
            line_ids=[
                Command.create({"line_type": "part", "product_id": self.element.id}),
                Command.create({"line_type": "labour", "product_id": self.labour.id}),
            ],
        )
        element = claim.line_ids.filtered(lambda line: line.product_id == self.element)
        self.assertEqual((element.price_unit, element.subtotal), (100.0, 100.0))
        element.quantity = 5
        self.assertEqual((element.price_unit, element.subtotal), (80.0, 400.0))
        element.quantity = 2
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertEqual(claim.line_ids.mapped("price_unit"), [100.0, 50.0])
        self.assertEqual(claim.reimbursable_amount, 250.0)
        dearer = self.pricelist.copy({"name": "Repair 2027 (test)"})
        dearer.item_ids.write({"fixed_price": 150.0})
        self.shop_contract.with_user(self.user_manager).repair_pricelist_id = dearer
        self.assertEqual(claim.line_ids.mapped("price_unit"), [100.0, 50.0])
        self.assertEqual((claim.amount_total, claim.reimbursable_amount), (250.0, 250.0))
        # reopened, it keeps its prices (the desk may have typed them); a line changed
        # afterwards is priced on today's price list
        claim.with_user(self.user_appraiser).action_reopen("New price list")
        self.assertEqual(claim.line_ids.mapped("price_unit"), [100.0, 50.0])
        element.with_user(self.user_desk).quantity = 1
        self.assertEqual((element.price_unit, claim.amount_total), (150.0, 200.0))

    def test_card_flag_waits_for_the_claim_to_be_reopened(self):
        card = self._shop_card(date(2026, 3, 2))
        claim = self._approved_claim(card, datetime(2026, 6, 10, 2, 0))
        self._assert_money(claim, "covered", 100.0, 0.0)
        flag = {"falsified": True, "falsified_reason": "Serial scratched off"}
        for user in (self.user_desk, self.user_manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(
                    UserError,
                    rf"claim {claim.name} was approved on this card as it is\. The technical "
                    r"department reopens the claim first",
                ),
            ):
                card.with_user(user).write(flag)
        self.assertFalse(card.falsified)
        self._assert_money(claim, "covered", 100.0, 0.0)
        # reopened, the card flagged: the claim is decided again, and no longer reimbursed
        claim.with_user(self.user_appraiser).action_reopen("The card was falsified")
        card.with_user(self.user_desk).write(flag)
        claim.with_user(self.user_appraiser).action_approve()
        self._assert_money(claim, "card_falsified", 0.0, 0.0, dealer=100.0)

    def test_clearing_the_flag_does_not_reimburse_an_approved_paid_repair(self):
        card = self._shop_card(
            date(2026, 3, 2), falsified=True, falsified_reason="Two cards for one unit"
        )
        claim = self._approved_claim(card, datetime(2026, 6, 10, 2, 0))
        self._assert_money(claim, "card_falsified", 0.0, 0.0, dealer=100.0)
        with self.assertRaisesRegex(UserError, "reopens the claim first"):
            card.with_user(self.user_desk).write({"falsified": False})
        self._assert_money(claim, "card_falsified", 0.0, 0.0, dealer=100.0)

    def test_other_claims_of_the_unit_do_not_move_an_approved_claim(self):
        # sold on 1 June 2025: warranty until 1 June 2026, a day longer for the first repair
        card = self._shop_card(date(2025, 6, 1))
        first = self._claim(
            card,
            call_time=datetime(2026, 5, 1, 2, 0),
            completion_time=datetime(2026, 5, 2, 2, 0),
        )
        first.action_submit()
        claim = self._approved_claim(card, datetime(2026, 6, 10, 2, 0))
        self._assert_money(claim, "out_of_warranty", 0.0, 100.0)
        self.assertEqual(claim.warranty_end, date(2026, 6, 2))
        # the first repair's completion moved to the day before the second call: its 39 days
        # under repair would carry the warranty to 10 July, past the second call
        first.with_user(self.user_desk).completion_time = datetime(2026, 6, 9, 2, 0)
        self._assert_money(claim, "out_of_warranty", 0.0, 100.0)
        self.assertEqual(claim.warranty_end, date(2026, 6, 2))
        first.with_user(self.user_desk).action_cancel()
        self._assert_money(claim, "out_of_warranty", 0.0, 100.0)
        # reopened, it is decided on today's facts: the first repair, cancelled, no longer
        # moves the warranty's end
        claim.with_user(self.user_appraiser).action_reopen("Check the repair days again")
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "submitted",
                    "coverage_reason": "out_of_warranty",
                    "warranty_end": date(2026, 6, 1),
                }
            ],
        )


@tagged("post_install", "-at_install")
class TestWarrantyTermsOfTheSale(ServiceCase):
    """R1/R18/R20: a unit's warranty lasts the months of the contract it was sold under, the
    one its card shows; a renewal with other terms changes neither the card nor its claims."""

    def _sold_under(self, months_then, months_now):
        shop = self.env["res.partner"].create({"name": "Dealer Minghui", "is_company": True})
        with freeze_time("2024-06-05 02:00:00"):
            first = self._running_contract(
                shop,
                date_start=date(2024, 1, 1),
                date_end=date(2025, 5, 31),
                warranty_months=months_then,
            )
            card = self._card(
                dealer_id=shop.id, sale_date=date(2024, 6, 1), date_received=date(2024, 6, 5)
            )
        with freeze_time("2025-06-02 02:00:00"):
            self.env["after_sales.contract"]._cron_expire_contracts()
            renewal = self._running_contract(
                shop,
                date_start=date(2025, 6, 1),
                date_end=date(2026, 12, 31),
                warranty_months=months_now,
            )
        self.assertEqual((first.state, card.contract_id), ("expired", first))
        with freeze_time("2025-12-01 02:00:00"):
            claim = self._claim(card, call_time=datetime(2025, 12, 1, 2, 0))
        self.assertEqual(claim.contract_id, renewal)
        return card, claim

    def test_two_years_sold_one_year_renewed(self):
        card, claim = self._sold_under(24, 12)
        self.assertEqual(card.warranty_end, date(2026, 6, 1))
        self.assertRecordValues(
            claim,
            [{"warranty_end": date(2026, 6, 1), "coverage_reason": "covered", "is_covered": True}],
        )

    def test_one_year_sold_two_years_renewed(self):
        card, claim = self._sold_under(12, 24)
        self.assertEqual(card.warranty_end, date(2025, 6, 1))
        self.assertRecordValues(
            claim,
            [
                {
                    "warranty_end": date(2025, 6, 1),
                    "coverage_reason": "out_of_warranty",
                    "is_covered": False,
                }
            ],
        )

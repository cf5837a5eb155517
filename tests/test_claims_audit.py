"""Audit of the warranty card, claim, SLA, return-visit and service-plan rules (R1, R2, R9,
R10, R17-R20, R29, R30) in everyday situations: a service desk and dealers working ordinary
weeks, at month ends, in leap years and in Shanghai time."""

from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common_portal import PortalCase
from .common_service import ServiceCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestClaimsAudit(ServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.shop = cls.env["res.partner"].create({"name": "Dealer Huaxin", "is_company": True})
        cls.shop_contract = cls._running_contract(
            cls.shop,
            date_start=date(2024, 1, 1),
            date_end=date(2027, 12, 31),
            warranty_months=24,
            card_deadline_days=30,
            repair_pricelist_id=cls.pricelist.id,
        )

    def _dated_card(self, dealer, sale, received, **values):
        with freeze_time(received):
            return self._card(dealer_id=dealer.id, sale_date=sale, date_received=received, **values)

    # ------------------------------------------------------------------ R1 / R18
    def test_warranty_end_at_month_ends_and_leap_days(self):
        jan31 = self._dated_card(self.dealer, date(2026, 1, 31), date(2026, 2, 5))
        self.assertEqual(jan31.warranty_end, date(2027, 1, 31))
        leap = self._dated_card(self.shop, date(2024, 2, 29), date(2024, 3, 10))
        self.assertEqual(leap.warranty_end, date(2026, 2, 28), "24 months from a leap day")
        # last day of the warranty vs the day after, in Shanghai time
        with freeze_time("2026-03-01 02:00:00"):
            last = self._claim(leap, call_time=datetime(2026, 2, 28, 15, 0))
            after = self._claim(leap, call_time=datetime(2026, 2, 28, 16, 30))
        self.assertEqual((last.is_covered, last.coverage_reason), (True, "covered"))
        self.assertEqual(
            (after.is_covered, after.coverage_reason, after.coverage_payer),
            (False, "out_of_warranty", "customer"),
        )

    # ------------------------------------------------------------------ R2
    def test_card_deadline_day_20_and_day_21_and_a_contract_of_30_days(self):
        sale = date(2026, 3, 1)
        on_time = self._dated_card(self.dealer, sale, date(2026, 3, 21))
        late = self._dated_card(self.dealer, sale, date(2026, 3, 22))
        self.assertEqual((on_time.state, on_time.is_late), ("registered", False))
        self.assertEqual((late.state, late.is_late), ("late", True))
        shop_on_time = self._dated_card(self.shop, sale, date(2026, 3, 31))
        shop_late = self._dated_card(self.shop, sale, date(2026, 4, 1))
        self.assertEqual(shop_on_time.state, "registered")
        self.assertEqual(shop_late.state, "late")
        self.assertEqual(shop_on_time.warranty_end, date(2028, 3, 1))
        claim = self._claim(late, call_time=datetime(2026, 6, 14, 2, 0))
        self.assertEqual(
            (claim.is_covered, claim.coverage_reason, claim.coverage_payer),
            (False, "card_late", "dealer"),
        )

    def test_card_waits_for_the_dealers_contract_to_start(self):
        """A draft card pre-filled while the dealer's new contract was still a draft is
        registered once the contract runs."""
        newcomer = self.env["res.partner"].create({"name": "Dealer Xinda", "is_company": True})
        contract = self._create_contract(newcomer, date_start=date(2026, 6, 1))
        card = self._card(register=False, dealer_id=newcomer.id, sale_date=date(2026, 6, 10))
        with self.assertRaisesRegex(UserError, "has no running service contract"):
            card.action_register()
        contract.action_start()
        card.action_register()
        self.assertEqual(card.contract_id, contract)
        self.assertEqual(card.state, "registered")

    def test_renewed_contract_serves_new_cards(self):
        """The dealer's contract expires and a new one starts with other terms: a draft card
        entered before the renewal and registered after it follows the new contract."""
        dealer = self.env["res.partner"].create({"name": "Dealer Renew", "is_company": True})
        with freeze_time("2025-12-20 02:00:00"):
            old = self._running_contract(
                dealer, date_start=date(2025, 1, 1), date_end=date(2025, 12, 31)
            )
            card = self._card(register=False, dealer_id=dealer.id, sale_date=date(2025, 12, 15))
            self.assertEqual(card.contract_id, old)
        with freeze_time("2026-01-02 02:00:00"):
            self.env["after_sales.contract"]._cron_expire_contracts()
            self.assertEqual(old.state, "expired")
            new = self._running_contract(
                dealer,
                date_start=date(2026, 1, 1),
                date_end=date(2026, 12, 31),
                card_deadline_days=30,
            )
            card.action_register()
        self.assertEqual(card.contract_id, new)
        self.assertEqual(card.state, "registered", "18 days after the sale")

    # ------------------------------------------------------------------ R17
    def test_one_active_card_per_product_and_serial(self):
        lot = self._lot(name="SN-DUP-1")
        first = self._card(lot_id=lot.id)
        with self.assertRaisesRegex(ValidationError, f"already has the warranty card {first.name}"):
            self._card(lot_id=lot.id)
        with self.assertRaisesRegex(ValidationError, f"already has the warranty card {first.name}"):
            self._card(register=False, lot_id=lot.id).action_register()
        first.action_void()
        second = self._card(lot_id=lot.id)
        self.assertEqual(second.state, "registered")
        # the void card cannot come back while the serial is taken
        with self.assertRaisesRegex(ValidationError, "already has the warranty card"):
            first.action_reset_draft()
        hood_lot = self._lot(self.hood, name="SN-DUP-HOOD")
        self.assertTrue(self._card(product_id=self.hood.id, lot_id=hood_lot.id))

    # ------------------------------------------------------------------ R19 / R20
    def test_state_machine_for_a_desk_user(self):
        card = self._card()
        claim = self._claim(card)
        desk = claim.with_user(self.user_desk)
        for vals in (
            {"state": "approved"},
            {"state": "submitted"},
            {"is_reimbursable": True},
            {"reimbursable_amount": 999.0},
            {"approver_id": self.user_desk.id},
            {"date_approved": date(2026, 6, 1)},
            {"is_covered": True},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                desk.with_context(after_sales_bypass=True, force=True).write(vals)
        with self.assertRaisesRegex(UserError, "technical department"):
            desk.action_approve()
        with self.assertRaises(UserError):
            claim.with_user(self.user_appraiser).action_approve()  # still a draft
        desk.action_submit()
        with self.assertRaisesRegex(UserError, "technical department"):
            desk.action_approve()
        with self.assertRaisesRegex(UserError, "rejection reason is required"):
            claim.with_user(self.user_appraiser).action_reject("  ")
        claim.with_user(self.user_appraiser).action_approve()
        self.assertEqual(claim.state, "approved")
        self.assertEqual(claim.approver_id, self.user_appraiser)
        with self.assertRaises(UserError):
            claim.with_user(self.user_appraiser).action_approve()

    def test_voiding_a_card_keeps_its_approved_claims_coverage(self):
        """An approved claim's coverage rests on its card: the desk cannot void the card under
        it (the claim would silently lose its reimbursement); the appraiser reopens it first."""
        card = self._card()
        claim = self._claim(card)
        claim.write(
            {
                "line_ids": [
                    Command.create(
                        {"line_type": "labour", "product_id": self.labour.id, "quantity": 1}
                    )
                ]
            }
        )
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertTrue(claim.is_reimbursable)
        with self.assertRaisesRegex(UserError, "has approved claims"):
            card.with_user(self.user_desk).action_void()
        self.assertEqual(card.state, "registered")
        self.assertEqual((claim.is_covered, claim.is_reimbursable), (True, True))
        claim.with_user(self.user_appraiser).action_reopen("Unit exchanged")
        card.with_user(self.user_desk).action_void()
        self.assertEqual(claim.coverage_reason, "card_void")

    def test_misuse_is_a_paid_repair_at_the_price_list(self):
        claim = self._claim(cause_category="customer_misuse")
        claim.write(
            {
                "line_ids": [
                    Command.create(
                        {"line_type": "part", "product_id": self.element.id, "quantity": 1}
                    ),
                    Command.create(
                        {"line_type": "labour", "product_id": self.labour.id, "quantity": 2}
                    ),
                ]
            }
        )
        self.assertEqual(claim.coverage_reason, "customer_misuse")
        self.assertEqual(
            (claim.amount_total, claim.customer_amount, claim.reimbursable_amount),
            (200.0, 200.0, 0.0),
        )
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        self.assertEqual(claim.state, "approved")
        self.assertFalse(claim.is_reimbursable)

    # ------------------------------------------------------------------ R9
    def test_sla_deadlines_urban_and_suburban_from_the_call(self):
        # called at 23:30 on 14 June in Shanghai (15:30 UTC)
        urban = self._claim(call_time=datetime(2026, 6, 14, 15, 30), onsite=True, zone="urban")
        suburban = self._claim(
            call_time=datetime(2026, 6, 14, 15, 30), onsite=True, zone="suburban"
        )
        self.assertEqual(urban.arrange_deadline, datetime(2026, 6, 14, 17, 30))
        self.assertEqual(urban.arrival_deadline, datetime(2026, 6, 15, 15, 30))
        self.assertEqual(suburban.arrival_deadline, datetime(2026, 6, 16, 15, 30))
        self.assertTrue(urban.is_sla_overdue, "not arranged within 2 hours")
        urban.arranged_time = datetime(2026, 6, 14, 17, 0)
        self.assertFalse(urban.is_sla_overdue)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestServicePlanAudit(ServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        Product = cls.env["product.product"]
        cls.plans = {}
        for name, hours, visits in (
            ("gold", 24, 5),
            ("silver", 48, 5),
            ("bronze", 72, 5),
            ("single", 72, 1),
        ):
            cls.plans[name] = Product.create(
                {
                    "name": f"{name} service card",
                    "type": "service",
                    "list_price": 100.0,
                    "after_sales_is_plan": True,
                    "after_sales_plan_response_hours": hours,
                    "after_sales_plan_visits": visits,
                    "after_sales_plan_validity_months": 12,
                }
            )
        cls.customer = cls.env["res.partner"].create({"name": "Mrs Zhao", "phone": "139"})

    def _sell(self, product, qty=1, partner=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
            }
        )
        order.action_confirm()
        return order, self.env["after_sales.service.plan"].search(
            [("sale_order_id", "=", order.id)], order="id"
        )

    def _request(self, **values):
        card = self._card(customer_id=self.customer.id)
        return self._claim(card, onsite=True, call_time=datetime(2026, 6, 15, 1, 0), **values)

    def test_each_plan_level_holds_the_request_to_its_response_time(self):
        for name, hours, visits in (
            ("gold", 24, 5),
            ("silver", 48, 5),
            ("bronze", 72, 5),
            ("single", 72, 1),
        ):
            with self.subTest(plan=name):
                customer = self.env["res.partner"].create({"name": f"Customer {name}"})
                __, plan = self._sell(self.plans[name], partner=customer)
                self.assertRecordValues(
                    plan,
                    [
                        {
                            "response_hours": hours,
                            "visits_total": visits,
                            "state": "active",
                            "date_start": date(2026, 6, 15),
                            "date_end": date(2027, 6, 14),
                        }
                    ],
                )
                card = self._card(customer_id=customer.id)
                claim = self._claim(card, onsite=True, call_time=datetime(2026, 6, 15, 1, 0))
                self.assertEqual(claim.service_plan_id, plan)
                self.assertEqual(
                    claim.arrival_deadline,
                    datetime(2026, 6, 15, 1, 0) + timedelta(hours=hours),
                )
                claim.action_submit()
                self.assertEqual(plan.visits_left, visits - 1)

    def test_cancel_gives_the_visit_back_and_resubmitting_uses_it_again(self):
        __, plan = self._sell(self.plans["single"])
        claim = self._request()
        claim.action_submit()
        self.assertEqual((plan.visits_left, plan.state), (0, "used"))
        claim.action_cancel()
        self.assertEqual((plan.visits_left, plan.state), (1, "active"))
        claim.action_draft()
        self.assertEqual(claim.service_plan_id, plan)
        claim.action_submit()
        self.assertEqual((plan.visits_left, plan.state), (0, "used"))

    def test_two_plans_of_one_order(self):
        order, plans = self._sell(self.plans["gold"], qty=2)
        self.assertEqual(len(plans), 2)
        self.assertEqual(plans.mapped("visits_total"), [5, 5])
        claim = self._request()
        claim.action_submit()
        self.assertEqual(sum(plans.mapped("visits_used")), 1)
        order._action_cancel()
        self.assertEqual(set(plans.mapped("state")), {"cancelled"})

    def test_plan_applies_only_to_calls_within_its_validity(self):
        """A request called before the plan was sold, or after it ended (the expiry cron has
        not run yet), is not held to the plan and does not use its visits."""
        __, plan = self._sell(self.plans["gold"])
        before = self._claim(
            self._card(customer_id=self.customer.id),
            onsite=True,
            call_time=datetime(2026, 6, 10, 1, 0),
        )
        self.assertFalse(before.service_plan_id)
        self.assertEqual(before.arrival_deadline, datetime(2026, 6, 11, 1, 0), "contract: 24 h")
        before.action_submit()
        self.assertEqual(plan.visits_left, 5)
        with freeze_time("2027-06-15 02:00:00"):
            after = self._claim(
                self._card(customer_id=self.customer.id),
                onsite=True,
                call_time=datetime(2027, 6, 15, 1, 0),
            )
            self.assertFalse(after.service_plan_id)
        # called on the plan's last day, the repair completed and filed two days later
        with freeze_time("2027-06-16 08:00:00"):
            last_day = self._claim(
                self._card(customer_id=self.customer.id),
                onsite=True,
                call_time=datetime(2027, 6, 14, 1, 0),
                arrival_time=datetime(2027, 6, 14, 9, 0),
                completion_time=datetime(2027, 6, 16, 3, 0),
            )
            self.assertEqual(last_day.service_plan_id, plan)
            last_day.action_submit()
        self.assertEqual(plan.visits_left, 4)

    def test_a_request_uses_only_its_customers_plan(self):
        stranger = self.env["res.partner"].create({"name": "Mr Qian"})
        __, other_plan = self._sell(self.plans["gold"], partner=stranger)
        claim = self._request()
        self.assertFalse(claim.service_plan_id)
        with self.assertRaisesRegex(ValidationError, "Mr Qian"):
            claim.with_user(self.user_desk).service_plan_id = other_plan
        self.assertEqual(other_plan.visits_left, 5)

    def test_the_plan_of_a_filed_request_stays(self):
        """Once a request used a visit, its plan no longer changes: cancelling it gives the
        visit back to the plan it came from."""
        __, plans = self._sell(self.plans["gold"], qty=2)
        claim = self._request()
        first = claim.service_plan_id
        claim.action_submit()
        self.assertEqual(first.visits_used, 1)
        with self.assertRaisesRegex(UserError, "used a visit of service plan"):
            claim.with_user(self.user_desk).service_plan_id = plans - first
        claim.action_cancel()
        self.assertEqual(plans.mapped("visits_used"), [0, 0])


@tagged("post_install", "-at_install")
class TestPortalCardsAudit(PortalCase):
    """R30 and section 9 on the portal: a serial delivered to the dealer already has a draft
    card pre-filled from the delivery; the dealer who sells the unit registers it from the
    portal form like any other."""

    def _post_card(self, serial, **values):
        data = {
            "csrf_token": self._csrf(),
            "product_id": str(self.heater.id),
            "serial": serial,
            "customer_name": "Zhou Min",
            "customer_phone": "13700001111",
            "sale_date": str(self.today),
        }
        data.update(values)
        return self.url_open("/my/after-sales/cards/new", data=data)

    def test_portal_registers_the_draft_pre_filled_from_the_delivery(self):
        Card = self.env["after_sales.warranty.card"]
        lot = self.env["stock.lot"].create(
            {"product_id": self.heater.id, "name": "SN-DELIV-1", "company_id": self.company.id}
        )
        draft = Card.create(
            {"dealer_id": self.dealer_a.id, "product_id": self.heater.id, "lot_id": lot.id}
        )
        self.assertEqual(draft.state, "draft")
        # another dealer cannot take it, nor learn whose it is
        self.authenticate("as_portal_b", "as_portal_b")
        response = self._post_card("SN-DELIV-1")
        self.assertIn("o_as_error", response.text)
        self.assertNotIn(draft.name, response.text)
        self.assertNotIn(self.dealer_a.name, response.text)
        self.authenticate("as_portal_a", "as_portal_a")
        response = self._post_card("SN-DELIV-1")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_as_error", response.text)
        self.env.invalidate_all()
        self.assertEqual(Card.search([("lot_id", "=", lot.id)]), draft)
        self.assertRecordValues(
            draft,
            [
                {
                    "state": "registered",
                    "sale_date": self.today,
                    "date_received": self.today,
                    "customer_name": "Zhou Min",
                    "contract_id": self.contract_a.id,
                }
            ],
        )

    def test_guessed_ids_of_another_dealer_are_not_found(self):
        self.authenticate("as_portal_a", "as_portal_a")
        for url in (
            f"/my/after-sales/cards/{self.card_b.id}",
            f"/my/after-sales/claims/{self.claim_b.id}",
            f"/my/after-sales/claims/{self.claim_b.id}?report_type=pdf",
            f"/my/after-sales/claims/new?card_id={self.card_b.id}",
            f"/my/after-sales/claims/{self.claim_b.id}/edit",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertIn(response.status_code, (403, 404))
                self.assertNotIn("Customer Bravo", response.text)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestServicePlanOrdersAudit(TestServicePlanAudit):
    """R29: the entitlement follows the confirmed order: cancelled and confirmed again, a plan
    line added or its quantity raised on the confirmed order."""

    def test_order_cancelled_then_confirmed_again(self):
        order, plan = self._sell(self.plans["gold"])
        order._action_cancel()
        self.assertEqual(plan.state, "cancelled")
        order.action_draft()
        order.action_confirm()
        plans = self.env["after_sales.service.plan"].search([("sale_order_id", "=", order.id)])
        active = plans.filtered(lambda p: p.state == "active")
        self.assertEqual(len(active), 1)
        self.assertEqual((active.visits_left, active.response_hours), (5, 24))
        claim = self._request()
        self.assertEqual(claim.service_plan_id, active)

    def test_plan_lines_added_or_raised_on_a_confirmed_order(self):
        order, gold = self._sell(self.plans["gold"])
        order.write({"order_line": [Command.create({"product_id": self.plans["silver"].id})]})
        plans = self.env["after_sales.service.plan"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(sorted(plans.mapped("response_hours")), [24, 48])
        gold.sale_line_id.product_uom_qty = 2
        plans = self.env["after_sales.service.plan"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(sorted(plans.mapped("response_hours")), [24, 24, 48])
        # a quotation's lines entitle to nothing until it is confirmed
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.plans["gold"].id})],
            }
        )
        quote.order_line.product_uom_qty = 3
        self.assertFalse(
            self.env["after_sales.service.plan"].search([("sale_order_id", "=", quote.id)])
        )

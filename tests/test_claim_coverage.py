from datetime import date, datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common_service import ServiceCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestClaimCoverageByCallDate(ServiceCase):
    """Issue 12 items 1-5: coverage for the call date in the company's time zone, who pays,
    transport damage, the contract running at each filing, a replaced part's own warranty."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.user_desk.tz = "America/New_York"
        cls.shop = cls.env["res.partner"].create({"name": "Dealer Huaxin", "is_company": True})
        cls.shop_contract = cls._running_contract(
            cls.shop,
            date_start=date(2025, 1, 1),
            date_end=date(2026, 12, 31),
            repair_pricelist_id=cls.pricelist.id,
            claim_reimbursement="actual",
            part_warranty_months=3,
        )

    def _shop_card(self, sale, received=None, **values):
        with freeze_time(received or sale):
            return self._card(
                dealer_id=self.shop.id,
                sale_date=sale,
                date_received=received or sale,
                **values,
            )

    def _shop_claim(self, card, call_time, **values):
        claim = self._claim(card, call_time=call_time, **values)
        claim.write(
            {
                "line_ids": [
                    Command.create(
                        {"line_type": "labour", "product_id": self.labour.id, "quantity": 2}
                    )
                ]
            }
        )
        return claim

    def test_last_warranty_day_and_the_day_after_in_local_time(self):
        card = self._shop_card(date(2025, 6, 10))
        self.assertEqual(card.warranty_end, date(2026, 6, 10))
        # 2026-06-10 23:30 in Shanghai is 15:30 UTC: still the last day of the warranty
        last_day = self._shop_claim(card, datetime(2026, 6, 10, 15, 30))
        self.assertEqual(last_day.contract_id, self.shop_contract)
        self.assertTrue(last_day.is_covered)
        self.assertEqual(last_day.coverage_payer, "manufacturer")
        # 00:30 on 2026-06-11 in Shanghai (16:30 UTC, still the 10th in UTC and New York)
        day_after = self._shop_claim(card, datetime(2026, 6, 10, 16, 30))
        self.assertFalse(day_after.is_covered)
        self.assertEqual(day_after.coverage_reason, "out_of_warranty")
        self.assertEqual(day_after.coverage_payer, "customer")
        self.assertEqual(day_after.customer_amount, 100.0)
        self.assertEqual(day_after.dealer_amount, 0.0)
        # re-saved by a user in New York: nothing moves
        for claim in (last_day, day_after):
            claim.with_user(self.user_desk).write({"symptom": "re-saved in New York"})
        self.assertTrue(last_day.is_covered)
        self.assertFalse(day_after.is_covered)

    def test_who_pays(self):
        """The customer pays only for misuse and out of warranty; the dealer's failures are
        the dealer's cost, never reimbursed, never charged to the customer."""
        late = self._shop_card(date(2026, 3, 1), date(2026, 3, 25))
        self.assertEqual(late.state, "late")
        falsified = self._shop_card(date(2026, 3, 1), date(2026, 3, 5))
        falsified.write({"falsified": True, "falsified_reason": "Invented customer"})
        on_time = self._shop_card(date(2026, 3, 1), date(2026, 3, 5))
        cases = [
            (late, {}, "card_late", "dealer"),
            (falsified, {}, "card_falsified", "dealer"),
            (on_time, {"cause_category": "customer_misuse"}, "customer_misuse", "customer"),
            (late, {"cause_category": "customer_misuse"}, "card_late", "customer"),
        ]
        for card, values, reason, payer in cases:
            with self.subTest(reason=reason, payer=payer):
                claim = self._shop_claim(card, datetime(2026, 6, 1, 2, 0), **values)
                self.assertFalse(claim.is_covered)
                self.assertEqual(claim.coverage_reason, reason)
                self.assertEqual(claim.coverage_payer, payer)
                self.assertEqual(claim.reimbursable_amount, 0.0)
                if payer == "dealer":
                    self.assertEqual((claim.dealer_amount, claim.customer_amount), (100.0, 0.0))
                else:
                    self.assertEqual((claim.dealer_amount, claim.customer_amount), (0.0, 100.0))
        before_sale = self._shop_claim(on_time, datetime(2026, 2, 27, 2, 0))
        self.assertEqual(before_sale.coverage_reason, "call_before_sale")
        self.assertEqual(before_sale.coverage_payer, "dealer")
        self.assertEqual(before_sale.customer_amount, 0.0)
        no_contract = self.env["after_sales.claim"].create(
            {"dealer_id": self.other_dealer.id, "product_id": self.heater.id}
        )
        self.assertEqual(no_contract.coverage_reason, "no_contract")
        self.assertEqual(no_contract.coverage_payer, "dealer")

    def test_transport_damage_is_never_dead_on_arrival(self):
        card = self._shop_card(date(2026, 6, 12), date(2026, 6, 13))
        doa = self._shop_claim(card, datetime(2026, 6, 14, 2, 0), delivery_date=date(2026, 6, 11))
        self.assertEqual(doa.coverage_window, "doa")
        transport = self._shop_claim(
            card,
            datetime(2026, 6, 14, 2, 0),
            delivery_date=date(2026, 6, 11),
            cause_category="transport",
        )
        self.assertTrue(transport.is_covered)
        self.assertEqual(transport.coverage_window, "none")

    def test_claim_approved_before_expiry_stays_reimbursable(self):
        card = self._shop_card(date(2026, 3, 1), date(2026, 3, 5))
        with freeze_time("2026-12-28 02:00:00"):
            claim = self._shop_claim(card, datetime(2026, 12, 27, 2, 0))
            claim.action_submit()
            claim.with_user(self.user_appraiser).action_approve()
            self.assertTrue(claim.is_reimbursable)
        with freeze_time("2027-01-02 02:00:00"):
            self.env["after_sales.contract"]._cron_expire_contracts()
            self.assertEqual(self.shop_contract.state, "expired")
            self.env.flush_all()
            claim.invalidate_recordset()
            self.assertEqual(claim.contract_id, self.shop_contract)
            self.assertTrue(claim.is_covered)
            self.assertTrue(claim.is_reimbursable)
            self.assertEqual(claim.reimbursable_amount, 100.0)
            # but nothing new is filed under the expired contract
            late_claim = self._shop_claim(card, datetime(2026, 12, 30, 2, 0))
            self.assertEqual(late_claim.contract_id, self.shop_contract)
            with self.assertRaisesRegex(UserError, "no running service contract"):
                late_claim.action_submit()
            new_card = self._card(
                register=False,
                dealer_id=self.shop.id,
                sale_date=date(2026, 12, 20),
                date_received=date(2026, 12, 24),
            )
            with self.assertRaisesRegex(UserError, "no running service contract"):
                new_card.action_register()

    def test_terminated_contract_refuses_filing_at_each_action(self):
        card = self._shop_card(date(2026, 5, 1), date(2026, 5, 5))
        claim = self._shop_claim(card, datetime(2026, 6, 14, 2, 0))
        draft_card = self._card(register=False, dealer_id=self.shop.id)
        self.shop_contract.with_user(self.user_manager).action_terminate("Breach of contract")
        self.assertEqual(self.shop_contract.termination_date, date(2026, 6, 15))
        with freeze_time("2026-06-16 02:00:00"):
            with self.assertRaisesRegex(UserError, "no running service contract"):
                claim.action_submit()
            with self.assertRaisesRegex(UserError, "no running service contract"):
                draft_card.action_register()
        self.assertTrue(claim.is_covered, "called while the contract ran")

    def test_replaced_part_carries_its_own_warranty(self):
        card = self._shop_card(date(2025, 6, 1), date(2025, 6, 5))
        first = self._shop_claim(
            card, datetime(2026, 5, 20, 2, 0), completion_time=datetime(2026, 5, 20, 6, 0)
        )
        element = self.env["after_sales.claim.line"].create(
            {"claim_id": first.id, "line_type": "part", "product_id": self.element.id}
        )
        self.assertEqual(element.part_warranty_end, date(2026, 8, 20))
        with freeze_time("2026-07-10 02:00:00"):
            unit_only = self._shop_claim(card, datetime(2026, 7, 10, 1, 0))
            self.assertEqual(unit_only.coverage_reason, "out_of_warranty")
            on_part = self._shop_claim(
                card, datetime(2026, 7, 10, 1, 0), replaced_line_id=element.id
            )
            self.assertTrue(on_part.is_covered)
            self.assertEqual(on_part.coverage_reason, "covered_part")
            self.assertEqual(on_part.coverage_payer, "manufacturer")
        with freeze_time("2026-08-25 02:00:00"):
            after_part = self._shop_claim(
                card, datetime(2026, 8, 25, 1, 0), replaced_line_id=element.id
            )
            self.assertEqual(after_part.coverage_reason, "out_of_warranty")
            self.assertEqual(after_part.coverage_payer, "customer")

    def test_days_under_repair_extend_the_warranty(self):
        """三包规定 第八条: the period does not run while the unit is under repair. A 15-day
        repair moves the end of a warranty sold on 1 June 2025 from 1 June to 16 June 2026; a
        repair the customer caused and a cancelled claim move nothing. The card keeps the
        sale date plus the contract's months."""
        card = self._shop_card(date(2025, 6, 1), date(2025, 6, 5))
        with freeze_time("2025-10-20 02:00:00"):
            repair = self._shop_claim(
                card,
                datetime(2025, 9, 1, 2, 0),
                completion_time=datetime(2025, 9, 16, 2, 0),
            )
            repair.action_submit()
            misuse = self._shop_claim(
                card,
                datetime(2025, 10, 1, 2, 0),
                completion_time=datetime(2025, 10, 11, 2, 0),
                cause_category="customer_misuse",
            )
            mistake = self._shop_claim(
                card,
                datetime(2025, 10, 12, 2, 0),
                completion_time=datetime(2025, 10, 19, 2, 0),
            )
            mistake.action_cancel()
        self.assertEqual(card.warranty_end, date(2026, 6, 1))
        self.assertEqual(repair.warranty_end, date(2026, 6, 1), "nothing before it")
        self.assertEqual(misuse.warranty_end, date(2026, 6, 16))
        with freeze_time("2026-06-20 02:00:00"):
            # 23:30 on 16 June in Shanghai: the last day of the extended warranty
            last_day = self._shop_claim(card, datetime(2026, 6, 16, 15, 30))
            day_after = self._shop_claim(card, datetime(2026, 6, 16, 16, 30))
        self.assertEqual(last_day.warranty_end, date(2026, 6, 16))
        self.assertTrue(last_day.is_covered)
        self.assertEqual(last_day.coverage_payer, "manufacturer")
        self.assertFalse(day_after.is_covered)
        self.assertEqual(day_after.coverage_reason, "out_of_warranty")
        # the earlier repair corrected to 10 days: the later claims follow
        repair.completion_time = datetime(2025, 9, 11, 2, 0)
        self.assertEqual(last_day.warranty_end, date(2026, 6, 11))
        self.assertFalse(last_day.is_covered)

    def test_unsold_unit_dead_on_arrival_needs_no_card(self):
        """R3: a unit still in the dealer's stock (never sold, so no warranty card) found
        defective within the dead-on-arrival days of its delivery is repaired at the
        manufacturer's cost; after those days, or damaged in transport, it is the dealer's."""
        lot = self._lot()
        values = {
            "dealer_id": self.shop.id,
            "product_id": self.heater.id,
            "lot_id": lot.id,
            "call_time": datetime(2026, 6, 15, 1, 0),
            "cause_category": "product_defect",
            "line_ids": [
                Command.create({"line_type": "labour", "product_id": self.labour.id, "quantity": 1})
            ],
        }
        Claim = self.env["after_sales.claim"]
        doa = Claim.create(dict(values, delivery_date=date(2026, 6, 8)))
        self.assertEqual(doa.contract_id, self.shop_contract)
        self.assertEqual(
            (doa.is_covered, doa.coverage_window, doa.coverage_payer),
            (True, "doa", "manufacturer"),
        )
        self.assertEqual(doa.reimbursable_amount, 50.0)
        draft_card = self._card(
            register=False, dealer_id=self.shop.id, sale_date=False, date_received=False
        )
        from_delivery = Claim.create(
            dict(
                {k: v for k, v in values.items() if k not in ("product_id", "lot_id")},
                card_id=draft_card.id,
                delivery_date=date(2026, 6, 12),
            )
        )
        self.assertEqual(from_delivery.coverage_window, "doa")
        self.assertTrue(from_delivery.is_covered)
        too_late = Claim.create(dict(values, delivery_date=date(2026, 6, 7)))
        self.assertEqual(
            (too_late.is_covered, too_late.coverage_reason, too_late.coverage_payer),
            (False, "no_card", "dealer"),
        )
        transport = Claim.create(
            dict(values, delivery_date=date(2026, 6, 12), cause_category="transport")
        )
        self.assertEqual(transport.coverage_reason, "no_card")
        doa.with_user(self.user_desk).action_submit()
        doa.with_user(self.user_appraiser).action_approve()
        self.assertTrue(doa.is_reimbursable, doa.reimbursable_note)

import base64
import io
import json
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools.misc import format_datetime

from .common_service import ServiceCase

GROUPS = "after_sales_service.after_sales_service_group_"


class IntegrityCase(ServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.other_company = cls.env["res.company"].create({"name": "Other Appliances Co."})
        cls.user_other_company = new_test_user(
            cls.env,
            "as_other_company_desk",
            groups=GROUPS + "user",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.portal = cls.env["res.users"].create(
            {
                "name": "Shunda portal",
                "login": "shunda_portal_integrity",
                "password": "shunda_portal_integrity",
                "partner_id": cls.dealer_contact.id,
                "group_ids": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )

    @contextmanager
    def assert_refused(self, exception, regex):
        """``assertRaisesRegex`` inside a savepoint (Odoo's ``assertRaises``): a write refused by
        a constraint leaves nothing behind in the cache."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), regex)

    def _approved_claim(self):
        claim = self._claim()
        claim.write(
            {
                "line_ids": [
                    Command.create(
                        {"line_type": "labour", "product_id": self.labour.id, "quantity": 2}
                    ),
                    Command.create(
                        {"line_type": "part", "product_id": self.element.id, "quantity": 1}
                    ),
                ]
            }
        )
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        return claim


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestClaimCardIntegrity(IntegrityCase):
    """Issue 10 items 1, 3, 4, 7, 9, 10 for claims and cards, through the ORM as each group."""

    def test_state_moves_only_through_actions(self):
        claim = self._claim()
        card = self._card()
        for user in (self.user_desk, self.user_appraiser, self.user_manager):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "changes only through its buttons"):
                    claim.with_user(user).write({"state": "submitted"})
                with self.assertRaisesRegex(AccessError, "changes only through its buttons"):
                    card.with_user(user).write({"state": "void"})
                with self.assertRaisesRegex(AccessError, "changes only through its buttons"):
                    self.env["after_sales.claim"].with_user(user).create(
                        {"dealer_id": self.dealer.id, "state": "approved"}
                    )
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            claim.with_user(self.user_desk).write({"state": "approved"})
        with self.assertRaises(AccessError):
            claim.with_user(self.portal).write({"state": "submitted"})
        self.assertEqual((claim.state, card.state), ("draft", "registered"))
        claim.with_user(self.user_desk).action_submit()
        self.assertEqual(claim.state, "submitted")
        card.with_user(self.user_desk).action_void()
        self.assertEqual(card.state, "void")

    def test_computed_money_and_coverage_are_read_only(self):
        claim = self._approved_claim()
        settlement_model = self.env["after_sales.settlement"]
        forged = {
            "reimbursable_amount": 1110.0,
            "amount_total": 1110.0,
            "is_covered": True,
            "is_reimbursable": True,
            "coverage_reason": "covered",
            "customer_amount": 0.0,
            "date_reimbursable": date(2026, 1, 1),
            "settlement_id": settlement_model.search([], limit=1).id or False,
        }
        for user in (self.user_desk, self.user_appraiser, self.user_manager):
            for fname, value in forged.items():
                with (
                    self.subTest(user=user.login, field=fname),
                    self.assertRaisesRegex(AccessError, "computed and cannot be written"),
                ):
                    claim.with_user(user).write({fname: value})
            with self.assertRaisesRegex(AccessError, "computed and cannot be written"):
                claim.line_ids[0].with_user(user).write({"subtotal": 999.0})
            with self.assertRaisesRegex(AccessError, "computed and cannot be written"):
                self.env["after_sales.claim"].with_user(user).create(
                    {"dealer_id": self.dealer.id, "reimbursable_amount": 500.0}
                )
        self.assertEqual(claim.reimbursable_amount, 200.0)
        self.assertFalse(claim.is_reimbursable, "its old part is not back")

    def test_approved_claim_is_frozen_until_the_appraiser_reopens_it(self):
        claim = self._approved_claim()
        labour, element = claim.line_ids.sorted("id")
        other_card = self._card()
        attempts = {
            "line quantity": lambda u: labour.with_user(u).write({"quantity": 9}),
            "line price": lambda u: labour.with_user(u).write({"price_unit": 555.0}),
            "old part requirement": lambda u: element.with_user(u).write(
                {"old_part_required": False}
            ),
            "new line": lambda u: claim.with_user(u).write(
                {"line_ids": [Command.create({"line_type": "freight", "price_unit": 900})]}
            ),
            "line removed": lambda u: labour.with_user(u).unlink(),
            "card": lambda u: claim.with_user(u).write({"card_id": other_card.id}),
            "dealer": lambda u: claim.with_user(u).write({"dealer_id": self.subdealer.id}),
            "contract": lambda u: claim.with_user(u).write({"contract_id": False}),
            "cause": lambda u: claim.with_user(u).write({"cause_category": "wear"}),
            # the dates and the receipt the deadlines, the warranty and the report rest on
            "completion": lambda u: claim.with_user(u).write(
                {"completion_time": claim.call_time + timedelta(days=20)}
            ),
            "arrival": lambda u: claim.with_user(u).write({"arrival_time": claim.call_time}),
            "zone": lambda u: claim.with_user(u).write({"zone": "suburban"}),
            "solution": lambda u: claim.with_user(u).write({"solution": "Nothing done"}),
            "end customer": lambda u: claim.with_user(u).write(
                {"customer_id": self.other_dealer.id}
            ),
        }
        for user in (self.user_desk, self.user_appraiser, self.user_manager):
            for what, attempt in attempts.items():
                with (
                    self.subTest(user=user.login, what=what),
                    self.assertRaisesRegex(UserError, "is approved"),
                ):
                    attempt(user)
            with self.assertRaisesRegex(UserError, "has approved claims: its dealer"):
                claim.card_id.with_user(user).write({"dealer_id": self.other_dealer.id})
        self.assertEqual((labour.quantity, claim.reimbursable_amount), (2.0, 200.0))
        self.assertEqual(claim.card_id.dealer_id, self.dealer)
        self.assertFalse(claim.zone)
        self.assertFalse(claim.solution)
        # the old part still comes back and is appraised after approval
        with self.assertRaisesRegex(AccessError, "Only the warehouse or the technical"):
            claim.old_part_ids.with_user(self.user_desk).action_receive()
        claim.old_part_ids.with_user(self.user_appraiser).action_receive()
        self.assertTrue(claim.is_reimbursable)
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            claim.with_user(self.user_desk).action_reopen("Wrong labour hours")
        with self.assertRaisesRegex(UserError, "a reason is required"):
            claim.with_user(self.user_appraiser).action_reopen("  ")
        claim.with_user(self.user_appraiser).action_reopen("Wrong labour hours")
        self.assertEqual(claim.state, "submitted")
        self.assertFalse(claim.is_reimbursable)
        self.assertIn("Wrong labour hours", claim.message_ids[0].body)
        labour.with_user(self.user_desk).write({"quantity": 1})
        claim.with_user(self.user_appraiser).action_approve()
        self.assertEqual(claim.reimbursable_amount, 150.0)
        self.assertTrue(claim.is_reimbursable)

    def test_cancelling_and_archiving_take_their_group(self):
        claim = self._claim()
        # the dealer's portal user reads its claim, and cannot call the desk's buttons on it
        claim.with_user(self.portal).check_access("read")
        for action in ("action_cancel", "action_submit"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(claim.with_user(self.portal), action)()
        self.assertEqual(claim.state, "draft")
        approved = self._approved_claim()
        with self.assertRaises(AccessError):
            approved.with_user(self.portal).action_cancel()
        self.assertEqual(approved.state, "approved")
        approved.with_user(self.user_desk).action_cancel()
        self.assertEqual(approved.state, "cancel")
        with self.assertRaises(AccessError):
            approved.with_user(self.portal).action_draft()
        approved.with_user(self.user_desk).action_draft()
        self.assertEqual(approved.state, "draft")
        # a registered card is voided, never archived (its serial would be free for a second)
        card = self._card()
        with self.assertRaisesRegex(UserError, "void it instead of archiving"):
            card.with_user(self.user_desk).action_archive()
        self.assertTrue(card.active)
        card.with_user(self.user_desk).action_void()
        card.with_user(self.user_desk).action_archive()
        self.assertFalse(card.active)

    def test_only_draft_or_cancelled_claims_and_expected_old_parts_are_deleted(self):
        manager = self.user_manager
        submitted = self._claim()
        submitted.action_submit()
        with self.assertRaisesRegex(UserError, "is Submitted and cannot be deleted"):
            submitted.with_user(manager).unlink()
        approved = self._approved_claim()
        old_part = approved.old_part_ids
        old_part.with_user(self.user_appraiser).action_receive()
        self.assertEqual(old_part.state, "received")
        with self.assertRaisesRegex(UserError, "is Received and cannot be deleted"):
            old_part.with_user(manager).unlink()
        submitted.with_user(self.user_desk).action_cancel()
        submitted.with_user(manager).unlink()
        self.assertFalse(submitted.exists())
        self.assertTrue(old_part.exists())

    def test_card_with_claims_is_not_deleted(self):
        card = self._card()
        self._claim(card)
        with self.assertRaisesRegex(UserError, "has claims and cannot be deleted"):
            card.with_user(self.user_desk).unlink()
        spare = self._card(register=False)
        spare.with_user(self.user_desk).unlink()
        self.assertFalse(spare.exists())

    def test_falsification_needs_a_reason(self):
        card = self._card()
        for user in (self.user_desk, self.user_manager):
            with (
                self.subTest(user=user.login),
                self.assert_refused(ValidationError, "say why it is marked falsified"),
            ):
                card.with_user(user).write({"falsified": True})
        card.with_user(self.user_desk).write(
            {"falsified": True, "falsified_reason": "Customer does not exist"}
        )
        self.assertTrue(card.falsified)

    def test_card_state_follows_its_dates(self):
        card = self._card(sale_date=date(2026, 5, 20), date_received=date(2026, 5, 25))
        self.assertEqual(card.state, "registered")
        card.with_user(self.user_desk).write({"date_received": date(2026, 6, 14)})
        self.assertTrue(card.is_late, "25 days after the sale")
        self.assertEqual(card.state, "late")
        card.with_user(self.user_desk).write({"sale_date": date(2026, 5, 30)})
        self.assertEqual(card.state, "registered", "15 days after the new sale date")
        with self.assert_refused(ValidationError, "received date 2026-06-16 is in the future"):
            card.with_user(self.user_desk).write({"date_received": date(2026, 6, 16)})
        claim = self._claim(card)
        claim.action_submit()
        claim.with_user(self.user_appraiser).action_approve()
        with self.assertRaisesRegex(UserError, "has approved claims"):
            card.with_user(self.user_desk).write({"date_received": date(2026, 6, 14)})
        self.assertEqual(card.state, "registered")

    def test_claim_stays_with_the_card_dealer(self):
        card = self._card()
        with self.assertRaisesRegex(ValidationError, "neither sold the unit"):
            self.env["after_sales.claim"].with_user(self.user_desk).create(
                {"card_id": card.id, "dealer_id": self.other_dealer.id}
            )
        by_subdealer = (
            self.env["after_sales.claim"]
            .with_user(self.user_desk)
            .create({"card_id": card.id, "dealer_id": self.subdealer.id})
        )
        self.assertEqual(by_subdealer.contract_id, self.contract)
        with self.assert_refused(ValidationError, "neither sold the unit"):
            by_subdealer.with_user(self.user_desk).write({"dealer_id": self.other_dealer.id})

    def test_contract_is_the_serving_one(self):
        other_contract = self._running_contract(self.other_dealer)
        card = self._card()
        claim = self._claim(card)
        with self.assert_refused(ValidationError, "does not serve dealer Dealer Shunda"):
            claim.with_user(self.user_desk).write({"contract_id": other_contract.id})
        with self.assert_refused(ValidationError, "does not serve dealer Dealer Shunda"):
            card.with_user(self.user_desk).write({"contract_id": other_contract.id})
        with self.assertRaisesRegex(ValidationError, "does not serve dealer"):
            self._card(register=False, contract_id=other_contract.id)
        claim.invalidate_recordset()
        card.invalidate_recordset()
        self.assertEqual((claim.contract_id, card.contract_id), (self.contract, self.contract))

    def _local(self, moment):
        """``moment`` (naive UTC) as the claim's messages write it: in the company's time zone."""
        return re.escape(format_datetime(self.env, moment, tz="Asia/Shanghai", dt_format="medium"))

    def test_service_times_follow_the_call(self):
        """R9, R19: a visit is arranged, the technician arrives and the repair is completed no
        earlier than the customer called, and completed no earlier than the arrival: out of
        order, the response deadlines would look met. The message names the claim and both
        times, in the company's time zone (10:00 in Shanghai is 02:00 UTC)."""
        call = datetime(2026, 6, 14, 2, 0)
        claim = self._claim(call_time=call, onsite=True, zone="urban")
        name = re.escape(claim.name)
        early = call - timedelta(hours=1)
        with self.assert_refused(
            ValidationError,
            f"Claim {name}: the technician is recorded as arriving on site at "
            f"{self._local(early)}, before the customer called at {self._local(call)}",
        ):
            claim.write({"arrival_time": early})
        with self.assert_refused(
            ValidationError,
            f"Claim {name}: the visit is recorded as arranged at {self._local(early)}, before "
            f"the customer called at {self._local(call)}",
        ):
            claim.write({"arranged_time": early})
        with self.assert_refused(
            ValidationError,
            f"Claim {name}: the repair is recorded as completed at {self._local(early)}, before "
            f"the customer called at {self._local(call)}",
        ):
            claim.write({"completion_time": early})
        # moving the call after the service is refused as well
        claim.write({"arrival_time": call + timedelta(hours=3)})
        with self.assert_refused(ValidationError, "arriving on site at .*, before the customer"):
            claim.write({"call_time": call + timedelta(hours=4)})
        arrival = call + timedelta(hours=3)
        with self.assert_refused(
            ValidationError,
            f"Claim {name}: the repair is recorded as completed at "
            f"{self._local(call + timedelta(hours=2))}, before the technician arrived on site at "
            f"{self._local(arrival)}",
        ):
            claim.write({"completion_time": call + timedelta(hours=2)})
        self.assertEqual(
            (claim.call_time, claim.arrival_time, claim.completion_time), (call, arrival, False)
        )
        with self.assertRaisesRegex(ValidationError, "completed at .*, before the customer"):
            self._claim(call_time=call, completion_time=early)

    def test_service_times_at_the_same_moment_are_accepted(self):
        """Arranged, on site and completed the minute the customer called: nothing out of
        order, and every deadline met."""
        call = datetime(2026, 6, 14, 2, 0)
        claim = self._claim(
            call_time=call,
            arranged_time=call,
            arrival_time=call,
            completion_time=call,
            onsite=True,
            zone="urban",
        )
        self.assertFalse(claim.is_sla_overdue)
        later = self._claim(call_time=call, onsite=True, zone="urban")
        done = call + timedelta(hours=2)
        later.with_user(self.user_desk).write({"arrival_time": done, "completion_time": done})
        self.assertEqual(later.completion_time, later.arrival_time)

    def test_desk_is_refused_service_times_before_the_call(self):
        """The service desk, not the superuser, meets the same refusals, on a new claim and on
        a saved one."""
        call = datetime(2026, 6, 14, 2, 0)
        claim = self._claim(call_time=call, onsite=True, zone="urban")
        desk_claim = claim.with_user(self.user_desk)
        name = re.escape(claim.name)
        early = call - timedelta(minutes=30)
        with self.assert_refused(
            ValidationError,
            f"Claim {name}: the technician is recorded as arriving on site at "
            f"{self._local(early)}, before the customer called at {self._local(call)}",
        ):
            desk_claim.write({"arrival_time": early})
        desk_claim.write({"arrival_time": call + timedelta(hours=1)})
        with self.assert_refused(ValidationError, "before the technician arrived on site"):
            desk_claim.write({"completion_time": call + timedelta(minutes=30)})
        card = self._card()
        with self.assertRaisesRegex(ValidationError, "completed at .*, before the customer"):
            self.env["after_sales.claim"].with_user(self.user_desk).create(
                {
                    "card_id": card.id,
                    "dealer_id": card.dealer_id.id,
                    "call_time": call,
                    "completion_time": early,
                }
            )

    def test_duplicate_serial_in_another_company_names_nothing_of_it(self):
        lot = self.env["stock.lot"].create(
            {"product_id": self.heater.id, "name": "SN-SHARED-1", "company_id": False}
        )
        card = self._card(lot_id=lot.id)
        self.heater.company_id = False
        other_dealer = self.env["res.partner"].create(
            {"name": "Dealer Beifang", "is_company": True, "company_id": self.other_company.id}
        )
        Card = self.env["after_sales.warranty.card"].with_user(self.user_other_company)
        with self.assertRaises(ValidationError) as caught:
            Card.create(
                {
                    "company_id": self.other_company.id,
                    "dealer_id": other_dealer.id,
                    "product_id": self.heater.id,
                    "lot_id": lot.id,
                    "customer_name": "Sun Li",
                }
            )
        message = str(caught.exception)
        self.assertIn("already has a warranty card in another company", message)
        self.assertNotIn(card.name, message)
        self.assertNotIn("Shunda", message)
        # end customers created from a card belong to the card's company
        other_card = Card.create(
            {
                "company_id": self.other_company.id,
                "dealer_id": other_dealer.id,
                "product_id": self.heater.id,
                "customer_name": "Sun Li",
                "customer_phone": "13700001111",
            }
        )
        self.assertEqual(other_card.customer_id.company_id, self.other_company)
        self.assertEqual(card.customer_id.company_id, self.company)

    def test_end_customer_matched_by_phone_within_the_company(self):
        first = self._card(customer_name="Li Na", customer_phone="13811112222")
        again = self._card(customer_name="Li Na", customer_phone="13811112222")
        self.assertEqual(first.customer_id, again.customer_id)
        self.assertEqual(first.customer_id.company_id, self.company)

    def test_xlsx_exports_never_run_formulas(self):
        action = self.env["ir.attachment"]._after_sales_xlsx_download(
            "Export", ["Name", "Amount"], [['=HYPERLINK("http://x")', 1.0], ["@SUM(A1)", 2.0]]
        )
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3][:-14]))
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active
        self.assertEqual(sheet["A2"].value, '=HYPERLINK("http://x")')
        self.assertEqual(sheet["A2"].data_type, "s", "text, not a formula")
        self.assertEqual(sheet["A3"].data_type, "s")


@tagged("post_install", "-at_install")
class TestClaimCardJsonRpc(IntegrityCase, HttpCase):
    """The same refusals through JSON-RPC (``/web/dataset/call_kw``), as each group, with the
    context keys a client might send."""

    def _call_kw(self, login, model, method, args, kwargs=None):
        self.authenticate(login, login)
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _assert_refused(self, reply, message):
        self.assertIn("error", reply, reply)
        self.assertIn(message, reply["error"]["data"]["message"])

    def test_call_kw_refusals(self):
        self.user_desk.tz = "UTC"
        claim = self._approved_claim()
        card = claim.card_id
        context = {
            "after_sales_settlement": True,
            "after_sales_fund_internal": True,
            "tracking_disable": True,
        }
        for user in (self.user_desk, self.user_appraiser, self.user_manager):
            login = user.login
            with self.subTest(user=login):
                for vals, message in (
                    ({"state": "settled"}, "changes only through its buttons"),
                    ({"reimbursable_amount": 1110.0}, "computed and cannot be written"),
                    ({"is_covered": True}, "computed and cannot be written"),
                    ({"settlement_id": False}, "computed and cannot be written"),
                    ({"card_id": False}, "is approved"),
                ):
                    reply = self._call_kw(
                        login,
                        "after_sales.claim",
                        "write",
                        [claim.ids, vals],
                        {"context": context},
                    )
                    self._assert_refused(reply, message)
                reply = self._call_kw(
                    login,
                    "after_sales.claim.line",
                    "write",
                    [claim.line_ids[:1].ids, {"quantity": 50}],
                    {"context": context},
                )
                self._assert_refused(reply, "is approved")
                reply = self._call_kw(
                    login, "after_sales.warranty.card", "write", [card.ids, {"state": "draft"}]
                )
                self._assert_refused(reply, "changes only through its buttons")
                reply = self._call_kw(login, "after_sales.warranty.card", "unlink", [card.ids])
                self._assert_refused(reply, "has claims and cannot be deleted")
        reply = self._call_kw(
            self.portal.login, "after_sales.claim", "write", [claim.ids, {"symptom": "x"}]
        )
        self.assertIn("error", reply)
        reply = self._call_kw(
            self.user_other_company.login, "after_sales.claim", "read", [claim.ids, ["name"]]
        )
        self.assertIn("error", reply)
        claim.invalidate_recordset()
        self.assertEqual(claim.state, "approved")
        self.assertEqual(claim.reimbursable_amount, 200.0)
        self.assertEqual(claim.line_ids.mapped("quantity"), [2.0, 1.0])
        self.assertTrue(card.exists())

    def test_portal_cannot_change_card_dates(self):
        card = self._card(sale_date=self.today - timedelta(days=10))
        reply = self._call_kw(
            self.portal.login,
            "after_sales.warranty.card",
            "write",
            [card.ids, {"date_received": str(self.today)}],
        )
        self.assertIn("error", reply)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 02:00:00")
class TestPortalFiling(IntegrityCase):
    """The methods the portal calls under ``sudo()`` for a dealer it has checked."""

    def test_portal_registers_a_card_and_files_a_claim(self):
        Card = self.env["after_sales.warranty.card"].with_user(self.portal).sudo()
        card = Card._portal_register(
            self.subdealer,
            {
                "product_id": self.heater.id,
                "lot_name": "SN-PORTAL-1",
                "sale_date": date(2026, 6, 1),
                "customer_name": "Gao Yan",
                "customer_phone": "13600001111",
                "state": "late",
                "falsified": True,
                "contract_id": False,
            },
        )
        self.assertEqual(card.state, "registered")
        self.assertFalse(card.falsified, "only the dealer's fields are read")
        self.assertEqual(card.contract_id, self.contract)
        self.assertEqual(card.date_received, date(2026, 6, 15))
        self.assertEqual(card.lot_id.name, "SN-PORTAL-1")
        Claim = self.env["after_sales.claim"].with_user(self.portal).sudo()
        claim = Claim._portal_file(
            self.subdealer,
            card,
            {"symptom": "No hot water", "reimbursable_amount": 999.0, "state": "approved"},
        )
        self.assertEqual(claim.state, "submitted")
        self.assertEqual(claim.dealer_id, self.subdealer)
        self.assertTrue(claim.is_covered)
        with self.assertRaisesRegex(ValidationError, "neither sold the unit"):
            Claim._portal_file(self.other_dealer, card, {"symptom": "x"})
        with self.assertRaisesRegex(UserError, "no running service contract"):
            Card._portal_register(
                self.other_dealer,
                {
                    "product_id": self.heater.id,
                    "lot_name": "SN-PORTAL-2",
                    "sale_date": date(2026, 6, 1),
                },
            )

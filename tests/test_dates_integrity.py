"""Dates a claim or a return rests on, and what a return refunds (R3, R7, R19, R27, R28): the
claim's delivery follows the serial's delivery to the dealer, service times and defect days
are not in the future, goods beyond the approved list are refused, not credited."""

from contextlib import contextmanager
from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common_service import ServiceCase
from .test_return import ReturnCase


@contextmanager
def refused(case, pattern):
    """The write is refused with ``pattern`` and leaves nothing behind (a request's
    transaction is rolled back on the error; a test's savepoint here)."""
    with case.assertRaisesRegex(ValidationError, pattern), case.env.cr.savepoint():
        yield


class DeliveredCase(ReturnCase):
    """SN-1 and SN-2 were delivered to the dealer on the class's day (7 December 2026); the
    helpers backdate a delivery and deliver a new serial."""

    def _backdate(self, lot, moment):
        lines = self.env["stock.move.line"].search([("lot_id", "=", lot.id)])
        lines.write({"date": moment})
        lines.move_id.write({"date": moment})

    def _new_serial(self, name):
        lot = self.env["stock.lot"].create({"name": name, "product_id": self.heater.id})
        self.env["stock.quant"]._update_available_quantity(
            self.heater, self.stock_location, 1.0, lot_id=lot
        )
        return lot

    def _claim(self, lot, dealer=None, **values):
        vals = {
            "dealer_id": (dealer or self.dealer).id,
            "product_id": self.heater.id,
            "lot_id": lot.id,
            "call_time": datetime(2026, 12, 7, 1, 0),
            "cause_category": "product_defect",
            "symptom": "No power",
        }
        vals.update(values)
        return self.env["after_sales.claim"].create(vals)


@tagged("post_install", "-at_install")
class TestClaimDeliveryDate(DeliveredCase):
    def test_delivery_date_follows_the_serials_delivery(self):
        # Delivered 90 days before the call (8 September, 10:00 in Shanghai): not dead on
        # arrival, whatever the desk types.
        self._backdate(self.sn1, datetime(2026, 9, 8, 2, 0))
        claim = self._claim(self.sn1)
        self.assertEqual(claim.delivery_date, date(2026, 9, 8))
        self.assertTrue(claim.delivery_date_known)
        self.assertNotEqual(claim.coverage_window, "doa")
        with refused(
            self,
            r"serial SN-1 was delivered to dealer Dealer Shunda on 2026/09/08; Delivered to "
            r"Dealer 2026/12/05 contradicts it\. The date follows the delivery and is typed only "
            r"for a unit whose delivery is not in the system\.",
        ):
            self._claim(self.sn1, delivery_date=date(2026, 12, 5))
        with refused(
            self,
            f"Claim {claim.display_name}: serial SN-1 was delivered to dealer Dealer Shunda on "
            "2026/09/08; Delivered to Dealer 2026/12/05 contradicts it",
        ):
            claim.delivery_date = date(2026, 12, 5)
        with refused(self, "Delivered to Dealer - contradicts it"):
            claim.delivery_date = False
        claim.delivery_date = date(2026, 9, 8)
        self.assertEqual(claim.delivery_date, date(2026, 9, 8))

    def test_sub_dealer_claim_counts_the_delivery_to_the_dealer_above(self):
        self._backdate(self.sn2, datetime(2026, 9, 8, 2, 0))
        claim = self._claim(self.sn2, dealer=self.subdealer)
        self.assertEqual(claim.delivery_date, date(2026, 9, 8))
        ret = self.env["after_sales.return"].create(
            {
                "dealer_id": self.subdealer.id,
                "date_defect": date(2026, 12, 7),
                "line_ids": [
                    (0, 0, {"product_id": self.heater.id, "lot_id": self.sn2.id, "reason": "x"})
                ],
            }
        )
        self.assertEqual(ret.delivery_date, date(2026, 9, 8), "the same lookup")

    def test_unit_delivered_before_the_system_keeps_the_typed_date(self):
        lot = self._new_serial("SN-OLD")
        claim = self._claim(lot, delivery_date=date(2026, 12, 4))
        self.assertFalse(claim.delivery_date_known)
        self.assertEqual(claim.delivery_date, date(2026, 12, 4))
        self.assertEqual(claim.coverage_window, "doa", "3 days after the typed delivery")
        claim.delivery_date = date(2026, 9, 8)
        self.assertEqual(claim.delivery_date, date(2026, 9, 8))
        self.assertNotEqual(claim.coverage_window, "doa")

    def test_return_from_a_claim_keeps_its_own_delivery_date(self):
        # The claim was typed (3 days, dead on arrival) before the unit's delivery of
        # 8 September was recorded: the return counts from the recorded delivery.
        lot = self._new_serial("SN-LATE")
        claim = self._claim(lot, delivery_date=date(2026, 12, 4))
        self.assertEqual(claim.coverage_window, "doa")
        self._sell(self.dealer, [(self.heater, 1, lot)])
        self._backdate(lot, datetime(2026, 9, 8, 2, 0))
        action = self.env["after_sales.return"].action_create_from_claims(claim)
        ret = self.env["after_sales.return"].browse(action["res_id"])
        self.assertEqual(ret.delivery_date, date(2026, 9, 8))
        self.assertEqual(ret.suggested_type, "dealer_stock")
        self.assertEqual(claim.delivery_date, date(2026, 12, 4), "the claim is not rewritten")


@freeze_time("2026-12-08 02:00:00")
@tagged("post_install", "-at_install")
class TestClaimFutureTimes(ServiceCase):
    """Now is 8 December 2026, 10:00 in Shanghai, where the company works."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"

    def test_future_service_times_are_refused(self):
        with refused(
            self,
            r"Call Time 2027/11/30 17:00:00 is in the future \(it is now 2026/12/08 "
            r"10:00:00\)\. Record the time it happened\.",
        ):
            self._claim(call_time=datetime(2027, 11, 30, 9, 0))
        claim = self._claim(call_time=datetime(2026, 12, 8, 1, 0))
        with refused(
            self,
            f"Claim {claim.display_name}: Arrived At 2026/12/08 11:00:00 is in the future",
        ):
            claim.arrival_time = datetime(2026, 12, 8, 3, 0)
        with refused(
            self,
            f"Claim {claim.display_name}: Completed At 2026/12/09 10:00:00 is in the future",
        ):
            claim.write(
                {
                    "arrival_time": datetime(2026, 12, 8, 1, 30),
                    "completion_time": datetime(2026, 12, 9, 2, 0),
                }
            )
        claim.invalidate_recordset()
        self.assertFalse(claim.arrival_time, "nothing half-saved")
        # A clock a few minutes ahead is now.
        claim.write(
            {
                "arrival_time": datetime(2026, 12, 8, 1, 30),
                "completion_time": datetime(2026, 12, 8, 2, 9),
            }
        )
        self.assertEqual(claim.completion_time, datetime(2026, 12, 8, 2, 9))
        with refused(self, "Completed At .* is in the future"):
            claim.completion_time = datetime(2026, 12, 8, 2, 11)


@tagged("post_install", "-at_install")
class TestReturnDefectDate(DeliveredCase):
    def test_defect_day_is_not_in_the_future_nor_before_the_delivery(self):
        ret = self._return(date_defect=date(2026, 12, 7))
        self.assertEqual(ret.delivery_date, date(2026, 12, 7))
        with refused(
            self,
            f"Return {ret.display_name}: Defect Found On 2026/12/08 is in the future "
            r"\(today is 2026/12/07\)\. Record the day the defect was found\.",
        ):
            ret.date_defect = date(2026, 12, 8)
        with refused(
            self,
            "Defect Found On 0001/01/01 is before the dealer received the goods on 2026/12/07",
        ):
            ret.date_defect = date(1, 1, 1)
        with refused(self, "Defect Found On 2027/01/07 is in the future"):
            self._return(lines=[(self.knob, 1, None)], date_defect=date(2027, 1, 7))
        ret.invalidate_recordset()
        self.assertEqual(ret.date_defect, date(2026, 12, 7))

    @freeze_time("2026-12-07 17:00:00")
    def test_defect_day_is_the_companys(self):
        # 01:00 on 8 December in Shanghai, where the company works, still the 7th in UTC.
        self.company.partner_id.tz = "Asia/Shanghai"
        ret = self._return(lines=[(self.knob, 1, None)], date_defect=date(2026, 12, 8))
        self.assertEqual(ret.date_defect, date(2026, 12, 8))


@tagged("post_install", "-at_install")
class TestReturnBeyondTheList(ReturnCase):
    def test_goods_beyond_the_approved_list_are_refused_not_credited(self):
        ret = self._return(
            lines=[(self.knob, 2, None)], resolution="refund", return_type="in_warranty"
        )
        self._receive(self._approve(ret), {self.knob: 3})
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.qty_received, 3)
        self.assertEqual(ret.line_ids.qty_refund, 2)
        self.assertEqual(ret.refund_amount, 20.0)
        self.assertIn(
            "Received beyond the approved list, refused and not credited: Control knob 1 "
            "(3 received, 2 approved)",
            ret.message_ids.mapped("body")[0],
        )
        ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret.credit_note_id.invoice_line_ids.quantity, 2)
        self.assertAlmostEqual(ret.credit_note_id.amount_total, 20.0)

    def test_fewer_goods_received_prevail(self):
        ret = self._return(
            lines=[(self.knob, 2, None)], resolution="refund", return_type="in_warranty"
        )
        self._receive(self._approve(ret), {self.knob: 1})
        self.assertEqual(ret.line_ids.qty_refund, 1)
        self.assertEqual(ret.refund_amount, 10.0)
        self.assertIn(
            "Received quantities differ from the request and prevail: Control knob 1/2",
            ret.message_ids.mapped("body")[0],
        )

    def test_exchange_sends_the_approved_quantity(self):
        ret = self._return(lines=[(self.knob, 2, None)], resolution="exchange", return_type="batch")
        self._receive(self._approve(ret), {self.knob: 3})
        ret.with_user(self.user_manager).action_resolve()
        self.assertEqual(ret._delivery_moves().product_uom_qty, 2)

from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_parts import PartsCase


@tagged("post_install", "-at_install")
class TestPartsOldPart(PartsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.old_loc = cls.warehouse.after_sales_old_part_loc_id
        cls.scrap_loc = cls.env["stock.location"].search(
            [("usage", "=", "inventory"), ("company_id", "in", [cls.env.company.id, False])],
            limit=1,
        )

    def _issue(self, contract, lines):
        request = self._request(contract, lines)
        request.action_submit()
        request.action_approve()
        return request

    def test_old_part_due_received_and_appraised_both_ways(self):
        contract = self._parts_contract(fund=1000.0, old_part_return_days=30)
        request = self._issue(contract, [(self.element, 3), (self.motor, 2)])
        element_old, motor_old = request.old_part_ids.sorted("id")
        self.assertEqual(element_old.state, "expected")
        self.assertEqual(element_old.date_due, self.today + timedelta(days=30))
        self.assertEqual(element_old.dealer_id, self.dealer)
        receipt = element_old.receipt_picking_id
        self.assertEqual(receipt.picking_type_id, self.warehouse.after_sales_old_part_type_id)
        self.assertEqual(receipt.location_dest_id, self.old_loc)
        self.assertEqual(receipt.location_id, self.dealer.property_stock_customer)
        # both old parts are due the same day: one receipt, one line each
        self.assertEqual(motor_old.receipt_picking_id, receipt)
        self.assertEqual(receipt.move_ids, (element_old | motor_old).receipt_move_id)
        self.assertEqual(element_old.receipt_move_id.product_uom_qty, 3.0)
        # the warehouse validates the receipt with the element only: the old part is in the Old
        # Parts location, the motor waits on the backorder
        element_old.receipt_move_id.quantity = 3.0
        element_old.receipt_move_id.picked = True
        receipt.with_user(self.user_stock).with_context(skip_backorder=True).button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(motor_old.state, "expected")
        self.assertEqual(motor_old.receipt_picking_id.backorder_id, receipt)
        self.assertEqual(element_old.state, "received")
        self.assertTrue(element_old.date_received)
        self.assertEqual(self._qty_at(self.element, self.old_loc), 3.0)
        # the technical department may receive the other from the form, not the service desk
        with self.assertRaises(AccessError):
            motor_old.with_user(self.user_desk).action_receive()
        motor_old.with_user(self.user_appraiser).action_receive()
        self.assertEqual(motor_old.state, "received")
        self.assertEqual(motor_old.receipt_picking_id.state, "done")
        self.assertEqual(self._qty_at(self.motor, self.old_loc), 2.0)
        # only the technical appraiser appraises
        with self.assertRaises(AccessError):
            element_old.with_user(self.user_desk).action_appraise_reusable()
        element_old.with_user(self.user_appraiser).action_appraise_reusable()
        self.assertEqual(element_old.state, "reusable")
        self.assertEqual(element_old.appraiser_id, self.user_appraiser)
        self.assertEqual(self._qty_at(self.element, self.old_loc), 0.0)
        self.assertEqual(self._qty_at(self.element, self.stock_location), 3.0)
        self.assertEqual(element_old.stock_move_id.location_dest_id, self.stock_location)
        self.assertEqual(element_old.stock_move_id.state, "done")
        motor_old.with_user(self.user_appraiser).action_appraise_scrap()
        self.assertEqual(motor_old.state, "scrapped")
        self.assertEqual(motor_old.scrap_id.state, "done")
        self.assertEqual(motor_old.scrap_id.scrap_qty, 2.0)
        self.assertEqual(self._qty_at(self.motor, self.old_loc), 0.0)
        self.assertEqual(motor_old.scrap_id.move_ids.location_dest_id.usage, "inventory")
        with self.assertRaisesRegex(UserError, "only a received old part can be appraised"):
            motor_old.with_user(self.user_appraiser).action_appraise_scrap()
        # the note is the record of the appraisal made: it stays as it was then
        with self.assertRaisesRegex(UserError, "is Scrapped: its appraisal note"):
            motor_old.with_user(self.user_appraiser).write({"appraisal_note": "Was reusable"})
        self.assertFalse(motor_old.appraisal_note)
        # nothing is charged for returned old parts
        self.env["after_sales.old.part"]._cron_charge_overdue()
        self.assertFalse((element_old | motor_old).charge_entry_id)

    def test_semiannual_due_date(self):
        contract = self._parts_contract(fund=1000.0, old_part_return_mode="semiannual")
        old_part = self._issue(contract, [(self.element, 1)]).old_part_ids
        year = self.today.year
        expected = date(year, 6, 30) if self.today.month <= 6 else date(year, 12, 31)
        self.assertEqual(old_part.date_due, expected)

    def test_overdue_charged_once_on_the_fund(self):
        contract = self._parts_contract(fund=1000.0)
        old_part = self._issue(contract, [(self.motor, 2)]).old_part_ids
        self.assertFalse(old_part.is_overdue)
        OldPart = self.env["after_sales.old.part"]
        OldPart._cron_charge_overdue()
        self.assertEqual(old_part.state, "expected")
        old_part.date_due = self.today - timedelta(days=1)
        self.assertTrue(old_part.is_overdue)
        self.assertIn(old_part, OldPart.search([("is_overdue", "=", True)]))
        OldPart._cron_charge_overdue()
        OldPart._cron_charge_overdue()
        charges = self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", contract.id), ("kind", "=", "old_part_charge")]
        )
        self.assertEqual(len(charges), 1)
        # 2 x standard price 45.50
        self.assertEqual(charges.amount, -91.0)
        self.assertEqual(old_part.state, "charged")
        self.assertEqual(old_part.charge_amount, 91.0)
        self.assertEqual(old_part.charge_entry_id, charges)
        self.assertFalse(old_part.charge_invoice_id)
        self.assertFalse(old_part.is_overdue)
        # issue 11.9: the charge is at cost only while no old part returns (无旧配件返回由乙方按
        # 成本价购买): the receipt stays open and a late part is still received, its charge
        # reversed on the fund (91 back)
        self.assertNotIn(old_part.receipt_picking_id.state, ("done", "cancel"))
        old_part.with_user(self.user_stock).action_receive()
        self.assertEqual(old_part.state, "received")
        reversal = self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", contract.id), ("reversed_entry_id", "=", charges.id)]
        )
        self.assertEqual(reversal.amount, 91.0)
        self.assertTrue(charges.is_reversed)
        with self.assertRaisesRegex(UserError, "only an expected"):
            old_part.action_receive()

    def test_overdue_charge_written_in_the_dealers_language(self):
        """The daily cron (English here) charges a Chinese dealer's overdue old part: the fund
        row the dealer reads on the portal is in Chinese."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["zh_CN"])
        self.dealer.lang = "zh_CN"
        contract = self._parts_contract(fund=1000.0)
        old_part = self._issue(contract, [(self.motor, 2)]).old_part_ids
        old_part.date_due = self.today - timedelta(days=1)
        self.env["after_sales.old.part"].with_context(lang="en_US")._cron_charge_overdue()
        self.assertEqual(
            old_part.charge_entry_id.name,
            f"旧件 {old_part.name} 未返回：{self.motor.display_name} x 2.0，按成本计",
        )

    def test_overdue_charged_once_by_invoice_without_fund(self):
        contract = self._parts_contract(fund=0.0, allowance_use="payout")
        old_part = self._issue(contract, [(self.element, 3)]).old_part_ids
        old_part.date_due = self.today - timedelta(days=1)
        OldPart = self.env["after_sales.old.part"]
        OldPart._cron_charge_overdue()
        OldPart._cron_charge_overdue()
        invoice = old_part.charge_invoice_id
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.dealer)
        self.assertEqual(invoice.amount_total, 180.0)
        self.assertEqual(invoice.invoice_line_ids.product_id, self.element)
        self.assertEqual(
            self.env["account.move"].search_count([("invoice_origin", "=", old_part.name)]), 1
        )
        self.assertFalse(
            self.env["after_sales.fund.entry"].search([("kind", "=", "old_part_charge")])
        )

    def test_portal_sees_own_old_parts_only(self):
        contract = self._parts_contract(fund=1000.0)
        other_contract = self._parts_contract(self.other_dealer, fund=1000.0)
        own = self._issue(contract, [(self.element, 1)]).old_part_ids
        self._issue(other_contract, [(self.element, 1)])
        found = self.env["after_sales.old.part"].with_user(self.portal_user).search([])
        self.assertEqual(found, own)
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).write({"appraisal_note": "mine"})

    def test_partial_return_keeps_the_rest_expected(self):
        contract = self._parts_contract(fund=0.0, old_part_return_days=30)
        old_part = self._issue(contract, [(self.element, 3)]).old_part_ids
        receipt = old_part.receipt_picking_id
        receipt.move_ids.quantity = 2
        receipt.move_ids.picked = True
        receipt._action_done()
        self.assertEqual((old_part.state, old_part.quantity), ("received", 2.0))
        rest = self.env["after_sales.old.part"].search(
            [("request_id", "=", old_part.request_id.id), ("state", "=", "expected")]
        )
        self.assertEqual(rest.quantity, 1.0)
        self.assertEqual(rest.date_due, old_part.date_due)
        self.assertEqual(self._qty_at(self.element, self.old_loc), 2.0)

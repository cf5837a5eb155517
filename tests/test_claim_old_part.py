from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

from .common_portal import PortalCase
from .common_service import ServiceCase


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10 04:00:00")
class TestClaimOldParts(ServiceCase):
    """Issue 12 item 6: a claim's trade-in part lines owe ``after_sales.old.part`` records, the
    ones requisitions use; the claim's reimbursability reads them; old parts of one dealer come
    back on one receipt. The company works in Asia/Shanghai (UTC+8): 2026-03-10 04:00 UTC is
    noon there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.thermostat = cls.env["product.product"].create(
            {
                "name": "Thermostat (test)",
                "default_code": "T-THERM",
                "categ_id": cls.categ_parts.id,
                "is_storable": True,
                "list_price": 40.0,
                "standard_price": 25.5,
            }
        )
        cls.element.standard_price = 60.0
        cls.warehouse = cls.env["stock.warehouse"]._after_sales_get_parts_warehouse(cls.company)
        cls.old_loc = cls.warehouse.after_sales_old_part_loc_id
        cls.user_stock = new_test_user(cls.env, "as_claim_stock", groups="stock.group_stock_user")
        cls.portal_user = new_test_user(
            cls.env, "as_claim_portal", groups="base.group_portal", partner_id=cls.dealer_contact.id
        )
        # 2026-03-09 17:00 UTC is 01:00 on 10 March in Shanghai: the repair day is the 10th
        cls.repair_time = datetime(2026, 3, 9, 17, 0)

    def _part_claim(self, lines, completion_time=None, **values):
        """A claim of ``dealer`` with part lines ``[(product, qty)]`` and an hour of labour."""
        return self._claim(
            completion_time=completion_time or self.repair_time,
            line_ids=[
                *(
                    Command.create({"line_type": "part", "product_id": product.id, "quantity": qty})
                    for product, qty in lines
                ),
                Command.create(
                    {"line_type": "labour", "product_id": self.labour.id, "quantity": 1}
                ),
            ],
            **values,
        )

    def _submitted(self, lines, **values):
        claim = self._part_claim(lines, **values)
        claim.with_user(self.user_desk).action_submit()
        return claim

    def _approved(self, lines, **values):
        claim = self._submitted(lines, **values)
        claim.with_user(self.user_appraiser).action_approve()
        return claim

    def _receive(self, picking, quantities=None):
        """The warehouse validates ``picking``: ``quantities`` per move (all by default); the
        moves left out stay on a backorder."""
        for move in picking.move_ids:
            qty = move.product_uom_qty if quantities is None else quantities.get(move, 0.0)
            if qty:
                move.quantity = qty
                move.picked = True
        picking.with_user(self.user_stock)._action_done()
        self.assertEqual(picking.state, "done")

    def _qty_at(self, product, location):
        return product.with_context(location=location.id).qty_available

    # ------------------------------------------------------------
    # creation and due dates
    # ------------------------------------------------------------
    def test_two_trade_in_lines_make_two_old_parts_due_in_days(self):
        claim = self._part_claim([(self.element, 1), (self.thermostat, 2), (self.igniter, 1)])
        element, thermostat, igniter, labour = claim.line_ids.sorted("id")
        # a draft owes nothing yet; its lines show when the old part will be due
        self.assertFalse(claim.old_part_ids)
        self.assertEqual(element.old_part_due_date, date(2026, 4, 9))
        self.assertFalse(element.old_part_state)
        claim.with_user(self.user_desk).action_submit()
        old_parts = claim.old_part_ids.sorted("id")
        self.assertRecordValues(
            old_parts,
            [
                {
                    "claim_line_id": element.id,
                    "product_id": self.element.id,
                    "quantity": 1.0,
                    "date_issued": date(2026, 3, 10),
                    "date_due": date(2026, 4, 9),
                    "state": "expected",
                    "dealer_id": self.dealer.id,
                    "contract_id": self.contract.id,
                },
                {
                    "claim_line_id": thermostat.id,
                    "product_id": self.thermostat.id,
                    "quantity": 2.0,
                    "date_issued": date(2026, 3, 10),
                    "date_due": date(2026, 4, 9),
                    "state": "expected",
                    "dealer_id": self.dealer.id,
                    "contract_id": self.contract.id,
                },
            ],
        )
        self.assertFalse(igniter.old_part_ids | labour.old_part_ids, "no trade-in, no old part")
        self.assertEqual(claim.old_part_count, 2)
        self.assertEqual(
            (element.old_part_state, thermostat.old_part_due_date), ("expected", date(2026, 4, 9))
        )
        # one receipt from the dealer into the Old Parts location, one line per old part
        receipt = old_parts.receipt_picking_id
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.picking_type_id, self.warehouse.after_sales_old_part_type_id)
        self.assertEqual(receipt.location_dest_id, self.old_loc)
        self.assertEqual(receipt.partner_id, self.dealer)
        self.assertEqual(old_parts.receipt_move_id, receipt.move_ids)
        self.assertEqual(
            [(o.receipt_move_id.product_id, o.receipt_move_id.product_uom_qty) for o in old_parts],
            [(self.element, 1.0), (self.thermostat, 2.0)],
        )
        self.assertTrue(claim.old_parts_missing)

    def test_twice_a_year_old_parts_share_the_half_year_receipt(self):
        self.contract.with_user(self.user_manager).old_part_return_mode = "semiannual"
        with freeze_time("2026-07-02 02:00:00"):
            # 2026-06-30 16:30 UTC is 00:30 on 1 July in Shanghai: the second half-year
            first = self._submitted(
                [(self.element, 1)], completion_time=datetime(2026, 6, 30, 16, 30)
            )
            second = self._submitted(
                [(self.element, 1)], completion_time=datetime(2026, 7, 1, 9, 0)
            )
        self.assertEqual(first.old_part_ids.date_due, date(2026, 12, 31))
        self.assertEqual(second.old_part_ids.date_due, date(2026, 12, 31))
        receipt = first.old_part_ids.receipt_picking_id
        self.assertEqual(second.old_part_ids.receipt_picking_id, receipt)
        self.assertEqual(len(receipt.move_ids), 2, "two old parts of one product stay two lines")
        self.assertEqual(set(receipt.move_ids.mapped("product_uom_qty")), {1.0})

    def test_line_without_trade_in_owes_nothing(self):
        claim = self._approved([(self.igniter, 2)])
        self.assertFalse(claim.old_part_ids)
        self.assertFalse(claim.old_parts_missing)
        self.assertTrue(claim.is_reimbursable)
        self.assertEqual(claim.reimbursable_amount, 120.0)  # 2 x 35 + 50 labour

    # ------------------------------------------------------------
    # grouped receipts
    # ------------------------------------------------------------
    def test_old_parts_of_two_claims_on_one_receipt_received_together(self):
        first = self._approved([(self.element, 1)])
        second = self._approved([(self.thermostat, 1)])
        receipt = first.old_part_ids.receipt_picking_id
        self.assertEqual(second.old_part_ids.receipt_picking_id, receipt)
        self.assertEqual(len(receipt.move_ids), 2)
        self.assertFalse(first.is_reimbursable)
        self.assertIn("Old parts not returned", first.reimbursable_note)
        with freeze_time("2026-03-20 17:30:00"):  # 01:30 on the 21st in Shanghai
            self._receive(receipt)
        self.assertEqual((first | second).old_part_ids.mapped("state"), ["received", "received"])
        for claim in first | second:
            self.assertFalse(claim.old_parts_missing)
            self.assertTrue(claim.is_reimbursable)
            self.assertEqual(claim.date_old_parts_back, date(2026, 3, 21))
            self.assertEqual(claim.date_reimbursable, date(2026, 3, 21))
        self.assertEqual(first.reimbursable_amount, 150.0)  # 100 element + 50 labour
        self.assertEqual(self._qty_at(self.thermostat, self.old_loc), 1.0)

    def test_partial_receipt_keeps_the_rest_expected_and_the_claim_missing(self):
        first = self._approved([(self.element, 1)])
        second = self._approved([(self.element, 2)])
        receipt = first.old_part_ids.receipt_picking_id
        first_move = first.old_part_ids.receipt_move_id
        second_move = second.old_part_ids.receipt_move_id
        self.assertEqual(second_move.picking_id, receipt)
        self.assertNotEqual(first_move, second_move)
        # the box holds the first claim's element and one of the second's two
        self._receive(receipt, {first_move: 1.0, second_move: 1.0})
        self.assertEqual(first.old_part_ids.state, "received")
        self.assertTrue(first.is_reimbursable)
        received, rest = second.old_part_ids.sorted("id")
        self.assertEqual((received.state, received.quantity), ("received", 1.0))
        self.assertEqual((rest.state, rest.quantity), ("expected", 1.0))
        self.assertEqual(rest.date_due, received.date_due)
        self.assertEqual(rest.claim_line_id, second.line_ids[0])
        backorder = rest.receipt_picking_id
        self.assertEqual(backorder.backorder_id, receipt)
        self.assertEqual(rest.receipt_move_id.picking_id, backorder)
        self.assertEqual(rest.receipt_move_id.product_uom_qty, 1.0)
        self.assertTrue(second.old_parts_missing)
        self.assertFalse(second.is_reimbursable)
        self.assertEqual(second.line_ids[0].old_part_state, "expected")
        # the last one comes back on the backorder
        self._receive(backorder)
        self.assertEqual(rest.state, "received")
        self.assertTrue(second.is_reimbursable)
        self.assertEqual(second.reimbursable_amount, 250.0)

    def test_receiving_one_old_part_leaves_the_other_on_a_backorder(self):
        first = self._approved([(self.element, 1)])
        second = self._approved([(self.thermostat, 1)])
        with self.assertRaisesRegex(AccessError, "Only the warehouse or the technical"):
            first.old_part_ids.with_user(self.user_desk).action_receive()
        first.old_part_ids.with_user(self.user_stock).action_receive()
        self.assertEqual(first.old_part_ids.state, "received")
        self.assertEqual(second.old_part_ids.state, "expected")
        self.assertTrue(first.is_reimbursable)
        self.assertTrue(second.old_parts_missing)
        backorder = second.old_part_ids.receipt_picking_id
        self.assertEqual(backorder.backorder_id, first.old_part_ids.receipt_picking_id)
        self.assertEqual(backorder.move_ids, second.old_part_ids.receipt_move_id)

    def test_create_return_receipt_for_old_parts_due_on_different_days(self):
        first = self._approved([(self.element, 1)])
        with freeze_time("2026-03-25 04:00:00"):
            second = self._approved(
                [(self.thermostat, 1)], completion_time=datetime(2026, 3, 25, 2, 0)
            )
        old_parts = first.old_part_ids | second.old_part_ids
        self.assertEqual(old_parts.mapped("date_due"), [date(2026, 4, 9), date(2026, 4, 24)])
        self.assertEqual(len(old_parts.receipt_picking_id), 2, "due on two days: two receipts")
        former = old_parts.receipt_picking_id
        other_dealer_part = self.env["after_sales.old.part"].create(
            {
                "contract_id": self._running_contract(self.other_dealer).id,
                "product_id": self.element.id,
                "quantity": 1.0,
                "date_due": date(2026, 4, 9),
            }
        )
        with self.assertRaisesRegex(UserError, "for the old parts of one dealer"):
            (old_parts | other_dealer_part).with_user(
                self.user_stock
            ).action_create_return_receipt()
        action = old_parts.with_user(self.user_stock).action_create_return_receipt()
        receipt = self.env["stock.picking"].browse(action["res_id"])
        self.assertEqual(old_parts.receipt_picking_id, receipt)
        self.assertEqual(receipt.move_ids, old_parts.receipt_move_id)
        self.assertEqual(set(former.mapped("state")), {"cancel"})
        self._receive(receipt)
        self.assertEqual(old_parts.mapped("state"), ["received", "received"])
        self.assertTrue(first.is_reimbursable and second.is_reimbursable)

    # ------------------------------------------------------------
    # appraisal
    # ------------------------------------------------------------
    def test_appraisal_moves_stock_and_rejection_blocks_reimbursement(self):
        claim = self._approved([(self.thermostat, 1), (self.element, 1)])
        thermostat_old, element_old = claim.old_part_ids.sorted("id")
        self._receive(thermostat_old.receipt_picking_id)
        self.assertTrue(claim.is_reimbursable)
        self.assertEqual(self._qty_at(self.thermostat, self.old_loc), 1.0)
        with self.assertRaisesRegex(AccessError, "Only the technical department"):
            thermostat_old.with_user(self.user_stock).action_appraise_reusable()
        thermostat_old.with_user(self.user_appraiser).action_appraise_reusable()
        self.assertEqual(thermostat_old.state, "reusable")
        self.assertEqual(thermostat_old.stock_move_id.location_dest_id, self.warehouse.lot_stock_id)
        self.assertEqual(thermostat_old.stock_move_id.state, "done")
        self.assertEqual(self._qty_at(self.thermostat, self.old_loc), 0.0)
        self.assertEqual(self._qty_at(self.thermostat, self.warehouse.lot_stock_id), 1.0)
        self.assertTrue(claim.is_reimbursable)
        # the element is not the part the repair replaced: rejected, the claim is not reimbursed
        element_old.with_user(self.user_appraiser).write(
            {"appraisal_note": "Not the element fitted to this heater: other serial."}
        )
        element_old.with_user(self.user_appraiser).action_appraise_rejected()
        self.assertEqual(element_old.state, "rejected")
        self.assertEqual(element_old.scrap_id.state, "done")
        self.assertTrue(claim.old_parts_rejected)
        self.assertFalse(claim.old_parts_missing)
        self.assertFalse(claim.is_reimbursable)
        self.assertEqual(
            claim.reimbursable_note, "A returned old part was rejected by the technical department"
        )
        self.assertEqual(claim.line_ids.sorted("id")[1].old_part_state, "rejected")

    def test_scrap_appraisal_keeps_the_claim_reimbursable(self):
        claim = self._approved([(self.thermostat, 2)])
        old_part = claim.old_part_ids
        old_part.with_user(self.user_appraiser).action_receive()
        old_part.with_user(self.user_appraiser).action_appraise_scrap()
        self.assertEqual(old_part.state, "scrapped")
        self.assertEqual(old_part.scrap_id.scrap_qty, 2.0)
        self.assertEqual(old_part.scrap_id.state, "done")
        self.assertEqual(self._qty_at(self.thermostat, self.old_loc), 0.0)
        self.assertTrue(claim.is_reimbursable)
        self.assertEqual(claim.reimbursable_amount, 130.0)  # 2 x 40 + 50 labour

    # ------------------------------------------------------------
    # overdue charge
    # ------------------------------------------------------------
    def test_overdue_old_part_charged_once_then_reversed_when_it_comes_back(self):
        claim = self._approved([(self.thermostat, 2)])
        old_part = claim.old_part_ids
        OldPart = self.env["after_sales.old.part"]
        with freeze_time("2026-04-09 15:00:00"):  # 23:00 on the due day in Shanghai
            OldPart._cron_charge_overdue()
            self.assertFalse(old_part.is_overdue)
        self.assertEqual(old_part.state, "expected")
        with freeze_time("2026-04-09 17:00:00"):  # 01:00 on the day after in Shanghai
            old_part.invalidate_recordset(["is_overdue"])
            self.assertTrue(old_part.is_overdue)
            OldPart._cron_charge_overdue()
            OldPart._cron_charge_overdue()
        charges = self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", self.contract.id), ("kind", "=", "old_part_charge")]
        )
        self.assertEqual(len(charges), 1)
        self.assertEqual(charges.amount, -51.0)  # 2 x cost 25.50
        self.assertEqual((old_part.state, old_part.charge_amount), ("charged", 51.0))
        self.assertTrue(claim.old_parts_missing, "charged at cost is still not back")
        self.assertFalse(claim.is_reimbursable)
        with freeze_time("2026-04-12 04:00:00"):
            self._receive(old_part.receipt_picking_id)
        self.assertEqual(old_part.state, "received")
        self.assertTrue(charges.is_reversed)
        self.assertTrue(claim.is_reimbursable)
        self.assertEqual(claim.date_old_parts_back, date(2026, 4, 12))

    # ------------------------------------------------------------
    # claims that stop owing
    # ------------------------------------------------------------
    def test_rejected_cancelled_or_corrected_claims_cancel_expected_old_parts(self):
        keeper = self._submitted([(self.thermostat, 1)])
        rejected = self._submitted([(self.element, 1)])
        receipt = keeper.old_part_ids.receipt_picking_id
        self.assertEqual(rejected.old_part_ids.receipt_picking_id, receipt)
        rejected.with_user(self.user_appraiser).action_reject("Not a product defect")
        self.assertEqual(rejected.old_part_ids.state, "cancelled")
        self.assertEqual(rejected.old_part_ids.receipt_move_id.state, "cancel")
        self.assertNotIn(receipt.state, ("done", "cancel"), "the other claim's line stays on it")
        self.assertNotIn(keeper.old_part_ids.receipt_move_id.state, ("done", "cancel"))
        self.assertFalse(rejected.old_part_count)
        # back to draft owes nothing; submitted again it owes its old part anew
        rejected.action_draft()
        self.assertEqual(rejected.old_part_ids.mapped("state"), ["cancelled"])
        rejected.with_user(self.user_desk).action_submit()
        self.assertEqual(sorted(rejected.old_part_ids.mapped("state")), ["cancelled", "expected"])
        self.assertEqual(rejected.old_part_count, 1)
        # the appraiser reopens an approved claim to correct its line: the expected old part
        # follows the corrected quantity, the unchanged one stays
        keeper.with_user(self.user_appraiser).action_approve()
        first = keeper.old_part_ids
        keeper.with_user(self.user_appraiser).action_reopen("Two thermostats were replaced")
        self.assertEqual(keeper.old_part_ids, first)
        self.assertEqual(first.state, "expected")
        keeper.line_ids.sorted("id")[0].with_user(self.user_desk).quantity = 2
        self.assertEqual(first.state, "cancelled")
        corrected = keeper.old_part_ids - first
        self.assertEqual((corrected.state, corrected.quantity), ("expected", 2.0))
        self.assertEqual(corrected.receipt_move_id.product_uom_qty, 2.0)
        # a cancelled claim owes nothing; an old part already back stays back
        keeper.with_user(self.user_desk).action_cancel()
        self.assertEqual(corrected.state, "cancelled")
        self.assertEqual(corrected.receipt_move_id.state, "cancel")
        back = self._approved([(self.element, 1)])
        back.old_part_ids.with_user(self.user_stock).action_receive()
        back.with_user(self.user_desk).action_cancel()
        self.assertEqual(back.old_part_ids.state, "received")

    # ------------------------------------------------------------
    # access
    # ------------------------------------------------------------
    def test_dealer_reads_its_claims_old_parts_and_nobody_forges_them(self):
        own = self._submitted([(self.element, 1)]).old_part_ids
        other_contract = self._running_contract(
            self.other_dealer,
            repair_pricelist_id=self.pricelist.id,
            part_rule_ids=[
                Command.create({"product_categ_id": self.categ_parts.id, "policy": "trade_in"})
            ],
        )
        other_card = self._card(dealer_id=self.other_dealer.id)
        other = self._submitted([(self.element, 1)], card=other_card)
        self.assertEqual(other.contract_id, other_contract)
        self.assertTrue(other.old_part_ids)
        found = self.env["after_sales.old.part"].with_user(self.portal_user).search([])
        self.assertEqual(found, own)
        self.assertEqual(own.with_user(self.portal_user).claim_id.name, own.claim_id.name)
        for user in (self.portal_user, self.user_desk, self.user_appraiser, self.user_stock):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                own.with_user(user).write({"state": "received"})
        with self.assertRaises(AccessError):
            own.with_user(self.user_appraiser).write({"claim_line_id": False})
        with self.assertRaises(AccessError):
            own.with_user(self.user_appraiser).write({"receipt_move_id": False})


@tagged("post_install", "-at_install")
class TestClaimOldPartPortal(PortalCase):
    """The dealer's claim page tells when each old part is due back and where it is, also for
    a claim of its sub-dealer."""

    def test_claim_page_shows_the_old_part_due_date_and_state(self):
        categ = self.env["product.category"].create({"name": "Portal trade-in parts"})
        element = self.env["product.product"].create(
            {"name": "Portal Element", "categ_id": categ.id, "list_price": 90.0}
        )
        self.contract_a.write(
            {
                "old_part_return_mode": "days",
                "old_part_return_days": 30,
                "part_rule_ids": [
                    Command.create({"product_categ_id": categ.id, "policy": "trade_in"})
                ],
            }
        )
        claim = self.claim_a
        claim.write(
            {
                "line_ids": [
                    Command.create({"line_type": "part", "product_id": element.id, "quantity": 1})
                ]
            }
        )
        claim.action_submit()
        old_part = claim.old_part_ids
        self.assertEqual(old_part.state, "expected")
        self.authenticate("as_portal_a", "as_portal_a")
        lang_env = self.env(context=dict(self.env.context, lang=self.user_a.lang))
        labels = dict(
            lang_env["after_sales.claim.line"]
            ._fields["old_part_state"]
            ._description_selection(lang_env)
        )
        due = lang_env["ir.qweb.field.date"].value_to_html(old_part.date_due, {})
        page = self.url_open(f"/my/after-sales/claims/{claim.id}").text
        self.assertIn(f"<span>{due}</span>", page)
        self.assertIn(f'o_as_old_part_state">{labels["expected"]}</span>', page)
        old_part.sudo().action_receive()
        page = self.url_open(f"/my/after-sales/claims/{claim.id}").text
        self.assertIn(f'o_as_old_part_state">{labels["back"]}</span>', page)

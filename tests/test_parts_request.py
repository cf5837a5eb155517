from datetime import date, timedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, tagged
from odoo.tools import mute_logger

from .common_parts import PartsCase


@tagged("post_install", "-at_install")
class TestPartsRequest(PartsCase):
    def _approved(self, contract, lines, **values):
        request = self._request(contract, lines, **values)
        request.action_submit()
        request.action_approve()
        return request

    def test_fund_rows_are_dated_where_the_company_works(self):
        """R25, R13: a requisition approved at 09:00 on 1 April in Shanghai by a desk user in
        Los Angeles, where it is still 31 March, draws the fund on 1 April: the company's day
        decides the quarter the parts consume, not the user's."""
        self.env.company.partner_id.tz = "Asia/Shanghai"
        contract = self._parts_contract(fund=500.0)
        request = self._request(contract, [(self.board, 2), (self.element, 1)])
        desk = request.with_user(self.user_desk).with_context(tz="America/Los_Angeles")
        with freeze_time("2026-04-01 01:00:00"):
            desk.action_submit()
            desk.action_approve()
        self.assertRecordValues(
            request.line_ids.fund_entry_id, [{"amount": -160.0, "date": date(2026, 4, 1)}]
        )
        self.assertEqual(request.old_part_ids.date_issued, date(2026, 4, 1))

    def test_requisitions_submitted_together_are_dated_by_their_own_companies(self):
        """A batch submitted at 09:00 on 1 April in Shanghai holds a requisition of a second
        company in Los Angeles, where it is 18:00 on 31 March: each is dated by its company's
        day, not by the first one's."""
        self.env.company.partner_id.tz = "Asia/Shanghai"
        company = self.env["res.company"].create({"name": "Pacific Manufacturer"})
        company.partner_id.tz = "America/Los_Angeles"
        self._running_contract(company_id=company.id)
        contract = self._parts_contract(fund=500.0)
        shanghai = self._request(contract, [(self.board, 1)])
        pacific = self._request(contract, [(self.board, 1)], company_id=company.id)
        self.assertNotEqual(pacific.contract_id, contract)
        with freeze_time("2026-04-01 01:00:00"):
            (shanghai | pacific).action_submit()
        self.assertRecordValues(
            shanghai | pacific,
            [
                {"state": "submitted", "date_submitted": date(2026, 4, 1)},
                {"state": "submitted", "date_submitted": date(2026, 3, 31)},
            ],
        )

    def test_warehouse_has_after_sales_operation_types(self):
        warehouse = self.warehouse
        self.assertEqual(warehouse.after_sales_parts_type_id.code, "outgoing")
        self.assertEqual(warehouse.after_sales_parts_type_id.sequence_code, "ASP")
        self.assertEqual(
            warehouse.after_sales_parts_type_id.default_location_src_id, self.stock_location
        )
        self.assertEqual(warehouse.after_sales_old_part_type_id.code, "incoming")
        self.assertEqual(
            warehouse.after_sales_old_part_type_id.default_location_dest_id,
            warehouse.after_sales_old_part_loc_id,
        )
        self.assertEqual(warehouse.after_sales_old_part_loc_id.usage, "internal")
        self.assertEqual(warehouse.after_sales_old_part_loc_id.warehouse_id, warehouse)
        self.assertTrue(warehouse.after_sales_parts_type_id.sequence_id)
        # running the install hook again creates nothing new
        types_before = self.env["stock.picking.type"].search_count([])
        warehouse._after_sales_setup_parts()
        self.assertEqual(self.env["stock.picking.type"].search_count([]), types_before)
        # a company created later gets them with its warehouse
        company = self.env["res.company"].create({"name": "Second Manufacturer"})
        other = self.env["stock.warehouse"].search([("company_id", "=", company.id)])
        self.assertEqual(len(other), 1)
        self.assertEqual(other.after_sales_parts_type_id.company_id, company)
        self.assertEqual(other.after_sales_old_part_loc_id.company_id, company)

    def test_split_free_fund_sale_with_exact_amounts(self):
        contract = self._parts_contract(fund=200.0)
        request = self._approved(
            contract,
            [(self.knob, 5), (self.element, 3), (self.board, 4), (self.igniter, 2)],
        )
        self.assertEqual(request.state, "approved")
        knob, element, board, igniter = request.line_ids
        rows = [
            # line, policy, price, free, fund, sold
            (knob, "free_below", 8.0, 5, 0, 0),
            # trade-in parts are exchanged against their old part, not drawn on the fund
            (element, "trade_in", 100.0, 3, 0, 0),
            # 200 on the fund: two boards at 80, the fund runs out mid-line
            (board, "none", 80.0, 0, 2, 2),
            (igniter, "purchase", 35.0, 0, 0, 2),
        ]
        for line, policy, price, free, fund, sold in rows:
            with self.subTest(part=line.product_id.name):
                self.assertEqual(line.policy, policy)
                self.assertEqual(line.unit_price, price)
                self.assertEqual((line.qty_free, line.qty_fund, line.qty_sale), (free, fund, sold))
        self.assertEqual(request.free_amount, 340.0)
        self.assertEqual(request.fund_amount, 160.0)
        self.assertEqual(request.sale_amount, 230.0)
        # the fund ledger: one consumption row per line drawn on it, at the parts price list
        entries = self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", contract.id), ("kind", "=", "consumption")], order="id"
        )
        self.assertEqual(entries.mapped("amount"), [-160.0])
        self.assertEqual(entries, board.fund_entry_id)
        self.assertEqual({entry.source_ref for entry in entries}, {request.picking_id})
        contract.invalidate_recordset(["fund_balance"])
        self.assertAlmostEqual(contract.fund_balance, 40.0)
        # one sale order at the parts price list for the rest
        order = request.sale_order_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id, self.dealer)
        self.assertEqual(order.pricelist_id, self.pricelist)
        self.assertEqual(order.service_contract_id, contract)
        self.assertEqual(
            [(sol.product_id, sol.product_uom_qty, sol.price_unit) for sol in order.order_line],
            [(self.board, 2.0, 80.0), (self.igniter, 2.0, 35.0)],
        )
        self.assertEqual(order.amount_untaxed, 230.0)
        self.assertEqual(board.sale_line_id.product_id, self.board)
        # one after-sales delivery of the free and fund parts
        picking = request.picking_id
        self.assertEqual(picking.picking_type_id, self.warehouse.after_sales_parts_type_id)
        self.assertEqual(picking.partner_id, self.dealer)
        self.assertEqual(
            sorted((m.product_id.name, m.product_uom_qty) for m in picking.move_ids),
            [("Control Board", 2.0), ("Heating Element", 3.0), ("Knob", 5.0)],
        )
        # expected old parts for the trade-in parts only
        self.assertEqual(
            sorted((o.product_id.name, o.quantity) for o in request.old_part_ids),
            [("Heating Element", 3.0)],
        )

    def test_approval_is_idempotent(self):
        contract = self._parts_contract(fund=500.0)
        request = self._approved(contract, [(self.board, 2), (self.element, 1)])
        picking, entries = request.picking_id, request.line_ids.fund_entry_id
        request.action_approve()
        self.assertEqual(request.picking_id, picking)
        self.assertEqual(
            self.env["after_sales.fund.entry"].search_count(
                [("contract_id", "=", contract.id), ("kind", "=", "consumption")]
            ),
            1,
        )
        self.assertEqual(request.line_ids.fund_entry_id, entries)
        self.assertEqual(len(request.old_part_ids), 1)

    def test_approval_refused_while_the_contract_is_locked(self):
        """Issue 10.11: a second user holding the contract's fund lock (a real row lock from
        another cursor) makes the approval fail at once with a clear message. Runs on
        committed data, removed afterwards."""
        context = {"tracking_disable": True, "mail_create_nolog": True, "lang": "en_US"}
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            dealer = env["res.partner"].create({"name": "Locked dealer", "is_company": True})
            contract = env["after_sales.contract"].create(
                {
                    "dealer_id": dealer.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2099, 12, 31),
                }
            )
            contract.action_start()
            part = env["product.product"].create({"name": "Locked part", "list_price": 5.0})
            request = env["after_sales.parts.request"].create(
                {
                    "dealer_id": dealer.id,
                    "contract_id": contract.id,
                    "line_ids": [Command.create({"product_id": part.id, "quantity": 1})],
                }
            )
            request.action_submit()
            ids = (dealer.id, contract.id, part.id, part.product_tmpl_id.id, request.id)
        try:
            with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
                env2 = api.Environment(cr2, SUPERUSER_ID, context)
                env2["after_sales.contract"].browse(ids[1]).lock_for_update()
                env1 = api.Environment(cr1, SUPERUSER_ID, context)
                request1 = env1["after_sales.parts.request"].browse(ids[4])
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaisesRegex(UserError, "Another user is moving the repair fund"),
                ):
                    request1.action_approve()
                cr1.rollback()
                self.assertEqual(request1.state, "submitted")
                self.assertFalse(request1.picking_id)
                cr2.rollback()
        finally:
            with self.registry.cursor() as cr:
                cr.execute(
                    "DELETE FROM after_sales_parts_request WHERE id = %s; "
                    "DELETE FROM after_sales_contract WHERE id = %s; "
                    "DELETE FROM product_product WHERE id = %s; "
                    "DELETE FROM product_template WHERE id = %s; "
                    "DELETE FROM res_partner WHERE id = %s",
                    [ids[4], ids[1], ids[2], ids[3], ids[0]],
                )

    def test_empty_fund_sells_and_payout_trade_in_is_free(self):
        contract = self._parts_contract(fund=0.0)
        request = self._approved(contract, [(self.board, 2)])
        self.assertEqual((request.line_ids.qty_fund, request.line_ids.qty_sale), (0.0, 2.0))
        self.assertFalse(request.picking_id)
        self.assertFalse(request.old_part_ids)
        self.assertEqual(request.sale_order_id.amount_untaxed, 160.0)
        # a contract paid out has no fund: trade-in parts are exchanged against the old part
        payout = self._parts_contract(self.other_dealer, fund=0.0, allowance_use="payout")
        request = self._approved(payout, [(self.element, 2), (self.igniter, 1)])
        element, igniter = request.line_ids
        self.assertEqual((element.qty_free, element.qty_sale), (2.0, 0.0))
        self.assertEqual(igniter.qty_sale, 1.0)
        self.assertEqual(request.old_part_ids.quantity, 2.0)

    def test_urgent_freight_charged_to_dealer(self):
        contract = self._parts_contract(fund=500.0)
        form = Form(self.env["after_sales.parts.request"])
        form.dealer_id = self.dealer
        self.assertEqual(form.contract_id, contract)
        form.shipping_mode = "air"
        self.assertEqual(form.freight_amount, 120.0)
        form.shipping_mode = "ems"
        self.assertEqual(form.freight_amount, 30.0)
        with form.line_ids.new() as line:
            line.product_id = self.element
            line.quantity = 1
        request = form.save()
        request.action_submit()
        request.action_approve()
        # the part is on the fund; the order carries only the freight difference
        order = request.sale_order_id
        self.assertEqual(len(order.order_line), 1)
        freight_line = order.order_line
        self.assertEqual(freight_line.product_id.type, "service")
        self.assertEqual(freight_line.price_unit, 30.0)
        self.assertIn("EMS", freight_line.name)
        # normal shipping adds no freight and no order when nothing is sold
        normal = self._approved(contract, [(self.element, 1)])
        self.assertFalse(normal.sale_order_id)

    def test_an_approved_requisition_keeps_its_split_type_and_freight(self):
        contract = self._parts_contract(fund=500.0)
        request = self._request(contract, [(self.element, 1), (self.igniter, 2)])
        request.shipping_mode = "ems"
        request.action_submit()
        request.action_approve()
        figures = request.read(["fund_amount", "sale_amount", "free_amount", "freight_amount"])
        for user in (self.user_desk, self.user_manager):
            as_user = request.with_user(user)
            for fname in ("fund_amount", "sale_amount", "free_amount", "ship_deadline"):
                with self.subTest(user=user.login, field=fname), self.assertRaises(AccessError):
                    as_user.write({fname: 0.0 if fname != "ship_deadline" else date(2030, 1, 1)})
            with self.assertRaises(AccessError):
                as_user.line_ids[0].write({"fund_amount": 0.0})
            for fname, value in [
                ("freight_amount", 0.0),
                ("request_type", "stock"),
                ("date_request", date(2020, 1, 1)),
            ]:
                with (
                    self.subTest(user=user.login, field=fname),
                    self.assertRaisesRegex(UserError, "type, date and freight can no longer"),
                ):
                    as_user.write({fname: value})
        self.assertEqual(
            request.read(["fund_amount", "sale_amount", "free_amount", "freight_amount"]), figures
        )
        self.assertEqual(request.freight_amount, 30.0)

    def test_pickings_validated_end_to_end(self):
        contract = self._parts_contract(fund=500.0)
        for product in (self.knob, self.element, self.motor, self.igniter):
            self._stock(product, 20)
        request = self._approved(
            contract, [(self.knob, 5), (self.element, 3), (self.motor, 4), (self.igniter, 2)]
        )
        picking = request.picking_id
        self.assertEqual(picking.state, "assigned")
        self._validate(picking, self.user_stock)
        dest = self.dealer.property_stock_customer
        for move in picking.move_ids:
            self.assertEqual(move.location_id, self.stock_location)
            self.assertEqual(move.location_dest_id, dest)
            self.assertEqual(move.state, "done")
        self.assertEqual(self._qty_at(self.knob, self.stock_location), 15)
        self.assertEqual(self._qty_at(self.element, self.stock_location), 17)
        # the sale order ships the sold parts; the requisition is done when both are shipped
        self.assertEqual(request.state, "approved")
        sale_picking = request.sale_order_id.picking_ids
        self.assertEqual(len(sale_picking), 1)
        self._validate(sale_picking, self.user_stock)
        # 20 motors: 2 issued on the fund, 2 sold
        self.assertEqual(self._qty_at(self.motor, self.stock_location), 16)
        self.assertEqual(self._qty_at(self.igniter, self.stock_location), 18)
        self.assertEqual(request.state, "done")
        self.assertTrue(request.date_shipped)
        self.assertEqual(request.sale_order_id.order_line[0].qty_delivered, 2.0)

    def test_overdue_warranty_requisition(self):
        contract = self._parts_contract(fund=500.0, parts_ship_days=3)
        late = self._request(
            contract, [(self.element, 1)], date_request=self.today - timedelta(days=4)
        )
        on_time = self._request(
            contract, [(self.element, 1)], date_request=self.today - timedelta(days=2)
        )
        monthly = self._request(
            contract,
            [(self.element, 1)],
            date_request=self.today - timedelta(days=10),
            request_type="stock",
        )
        self.assertEqual(late.ship_deadline, self.today - timedelta(days=1))
        (late | on_time | monthly).action_submit()
        self.env["after_sales.parts.request"]._cron_flag_overdue()
        self.assertTrue(late.is_overdue)
        self.assertFalse(on_time.is_overdue)
        self.assertFalse(monthly.is_overdue)
        found = self.env["after_sales.parts.request"].search([("is_overdue", "=", True)])
        self.assertIn(late, found)
        self.assertNotIn(on_time, found)

    def test_shipped_after_the_deadline_where_the_company_works(self):
        """R25: warranty parts due within 3 days of the list of 1 April ship by 4 April in
        Shanghai. Shipped at 02:00 on 5 April there (still 4 April in UTC), they are late;
        shipped at 07:00 on 4 April there (3 April in UTC), on time."""
        self.env.company.partner_id.tz = "Asia/Shanghai"
        contract = self._parts_contract(fund=500.0, parts_ship_days=3)
        self._stock(self.knob, 10)
        requests = {}
        for shipped in ("2026-04-04 18:00:00", "2026-04-03 23:00:00"):
            with freeze_time("2026-04-01 02:00:00"):
                requests[shipped] = self._approved(
                    contract, [(self.knob, 1)], date_request=date(2026, 4, 1)
                )
            with freeze_time(shipped):
                self._validate(requests[shipped].picking_id, self.user_stock)
        late, on_time = requests.values()
        self.assertEqual(late.ship_deadline, date(2026, 4, 4))
        self.assertRecordValues(
            late | on_time,
            [{"state": "done", "is_overdue": True}, {"state": "done", "is_overdue": False}],
        )

    def test_state_flow_refusals(self):
        contract = self._parts_contract(fund=500.0)
        request = self._request(contract, [(self.element, 1)])
        with self.assertRaisesRegex(UserError, "only submitted requisitions can be approved"):
            request.action_approve()
        empty = self._request(contract, [])
        with self.assertRaisesRegex(UserError, "has no lines"):
            empty.action_submit()
        no_contract = self.env["after_sales.parts.request"].create(
            {"dealer_id": self.other_dealer.id}
        )
        with self.assertRaisesRegex(UserError, "has no running service contract"):
            no_contract.action_submit()
        request.action_submit()
        request.action_approve()
        with self.assertRaisesRegex(UserError, "cancel it instead of deleting it"):
            request.unlink()
        self._stock(self.element, 5)
        self._validate(request.picking_id)
        self.assertEqual(request.state, "done")
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            request.action_cancel()

    def test_access(self):
        contract = self._parts_contract(fund=500.0)
        request = self._request(contract, [(self.element, 1)])
        other = self._request(self._parts_contract(self.other_dealer), [(self.element, 1)])
        request.action_submit()
        Request = self.env["after_sales.parts.request"].with_user(self.portal_user)
        self.assertEqual(Request.search([]), request)
        self.assertEqual(request.with_user(self.portal_user).name, request.name)
        with self.assertRaises(AccessError):
            request.with_user(self.portal_user).action_approve()
        with self.assertRaises(AccessError):
            other.with_user(self.portal_user).read(["name"])
        self.assertEqual(request.state, "submitted")
        # the service desk approves; a warehouse user without after-sales rights validates
        with self.assertRaises(AccessError):
            request.with_user(self.user_stock).action_approve()
        self._stock(self.element, 5)
        request.with_user(self.user_desk).action_approve()
        self.assertEqual(request.state, "approved")
        self._validate(request.picking_id, self.user_stock)
        self.assertEqual(request.state, "done")

    def test_other_company_requisitions_are_hidden(self):
        company = self.env["res.company"].create({"name": "Second Manufacturer"})
        contract = self._running_contract(company_id=company.id)
        request = self.env["after_sales.parts.request"].create(
            {"dealer_id": self.dealer.id, "company_id": company.id}
        )
        self.assertEqual(request.contract_id, contract)
        self.assertFalse(
            self.env["after_sales.parts.request"]
            .with_user(self.user_desk)
            .search([("id", "=", request.id)])
        )
        self.assertFalse(self.user_desk.company_ids & company)

    def test_cancelling_an_approved_requisition_gives_the_fund_back(self):
        contract = self._parts_contract(fund=500.0)
        request = self._approved(contract, [(self.board, 2), (self.element, 1)])
        contract.invalidate_recordset(["fund_balance"])
        self.assertAlmostEqual(contract.fund_balance, 340.0)
        with self.assertRaisesRegex(UserError, "cancel the requisition instead"):
            request.picking_id.action_cancel()
        with self.assertRaises(AccessError):
            request.with_user(self.user_desk).action_cancel()
        request.with_user(self.user_manager).action_cancel()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(request.picking_id.state, "cancel")
        self.assertFalse(request.old_part_ids)
        contract.invalidate_recordset(["fund_balance"])
        self.assertAlmostEqual(contract.fund_balance, 500.0)
        reversal = self.env["after_sales.fund.entry"].search(
            [("contract_id", "=", contract.id), ("kind", "=", "reversal")]
        )
        self.assertEqual(reversal.amount, 160.0)

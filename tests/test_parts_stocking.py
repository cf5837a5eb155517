from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, freeze_time, tagged

from .common_parts import PartsCase


@tagged("post_install", "-at_install")
class TestPartsStocking(PartsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.heater_b = Product.create({"name": "Water Heater WH-80", "is_storable": True})
        cls.unsold = Product.create({"name": "Range Hood RH-900", "is_storable": True})
        cls.part_a = cls._part("Thermostat", cls.categ_trade, 40.0, 20.0)
        cls.part_shared = cls._part("Anode Rod", cls.categ_trade, 25.0, 10.0)
        cls.part_unsold = cls._part("Hood Filter", cls.categ_buy, 15.0, 6.0)
        cls.heater.product_tmpl_id.after_sales_part_ids = [
            Command.set((cls.part_a | cls.part_shared).product_tmpl_id.ids)
        ]
        cls.heater_b.product_tmpl_id.after_sales_part_ids = [
            Command.link(cls.part_shared.product_tmpl_id.id)
        ]
        cls.unsold.product_tmpl_id.after_sales_part_ids = [
            Command.link(cls.part_unsold.product_tmpl_id.id)
        ]

    def _deliver(self, partner, product, qty, days_ago=0):
        self._stock(product, qty)
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": partner.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        self._validate(picking)
        if days_ago:
            picking.move_ids.date = fields.Datetime.now() - timedelta(days=days_ago)
        return picking

    def test_spare_parts_link_both_ways(self):
        self.assertEqual(
            self.part_shared.product_tmpl_id.after_sales_served_ids,
            (self.heater | self.heater_b).product_tmpl_id,
        )
        contract = self._parts_contract(fund=0.0)
        self.assertEqual(contract._get_part_policy(self.part_a).policy, "trade_in")
        self.assertEqual(contract._get_part_policy(self.part_unsold).policy, "purchase")

    def test_stocking_quantities_from_delivered_history(self):
        contract = self._parts_contract(fund=0.0, stocking_months=3, stocking_percent=10.0)
        self._deliver(self.dealer, self.heater, 20)
        self._deliver(self.dealer_contact, self.heater, 5)
        self._deliver(self.subdealer, self.heater, 3)
        self._deliver(self.dealer, self.heater_b, 11)
        # outside the 3 months and to another dealer: not counted
        self._deliver(self.dealer, self.heater, 50, days_ago=120)
        self._deliver(self.other_dealer, self.heater, 40)
        form = Form(self.env["after_sales.contract.stocking"])
        form.contract_id = contract
        wizard = form.save()
        proposed = {
            line.product_id: (line.delivered_qty, line.proposed_qty, line.quantity)
            for line in wizard.line_ids
        }
        self.assertEqual(
            proposed,
            {
                # 28 heaters x 10 % = 2.8 -> 3
                self.part_a: (28.0, 3.0, 3.0),
                # 28 + 11 = 39 -> 3.9 -> 4
                self.part_shared: (39.0, 4.0, 4.0),
            },
        )
        self.assertNotIn(self.part_unsold, proposed, "a product with no sales proposes nothing")
        # the user adjusts a line and confirms: one delivery from the after-sales parts type
        with Form(wizard) as edit, edit.line_ids.edit(0) as line:
            line.quantity = 6
        self._stock(self.part_a, 10)
        self._stock(self.part_shared, 10)
        action = wizard.with_context(discard_logo_check=True).action_confirm()
        self.assertEqual(action["report_name"], "after_sales_service.report_after_sales_stocking")
        picking = self.env["stock.picking"].search(
            [("after_sales_stocking_contract_id", "=", contract.id)]
        )
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.picking_type_id, self.warehouse.after_sales_parts_type_id)
        self.assertEqual(picking.partner_id, self.dealer)
        quantities = {m.product_id: m.product_uom_qty for m in picking.move_ids}
        # lines are sorted by part name: the Anode Rod was raised from 4 to 6
        self.assertEqual(quantities, {self.part_shared: 6.0, self.part_a: 3.0})
        self._validate(picking, self.user_stock)
        for move in picking.move_ids:
            self.assertEqual(move.location_id, self.stock_location)
            self.assertEqual(move.location_dest_id, self.dealer.property_stock_customer)
        # the stocking list renders
        html = self.env["ir.actions.report"]._render_qweb_html(
            "after_sales_service.report_after_sales_stocking", picking.ids
        )[0]
        self.assertIn(b"Anode Rod", html)
        self.assertIn(contract.name.encode(), html)

    @freeze_time("2026-12-08 04:00:00")
    def test_stocking_window_opens_at_the_companys_midnight(self):
        """R23 in Shanghai: three months back from 8 December is 8 September; a delivery at
        07:00 that morning in Shanghai (23:00 UTC on the 7th) is in the window, one at 23:00
        on the 7th in Shanghai is not."""
        self.company.partner_id.tz = "Asia/Shanghai"
        contract = self._parts_contract(fund=0.0, stocking_months=3, stocking_percent=10.0)
        self._deliver(self.dealer, self.heater, 20)
        early = self._deliver(self.dealer, self.heater, 5)
        early.move_ids.date = datetime(2026, 9, 7, 23, 0)
        before = self._deliver(self.dealer, self.heater, 7)
        before.move_ids.date = datetime(2026, 9, 7, 15, 0)
        form = Form(self.env["after_sales.contract.stocking"])
        form.contract_id = contract
        wizard = form.save()
        self.assertEqual(wizard.date_from, date(2026, 9, 8))
        line = wizard.line_ids.filtered(lambda x: x.product_id == self.part_a)
        # 25 heaters x 10 % = 2.5 -> 3
        self.assertEqual((line.delivered_qty, line.proposed_qty), (25.0, 3.0))

    def test_stocking_refused_without_quantities(self):
        contract = self._parts_contract(fund=0.0)
        wizard = (
            self.env["after_sales.contract.stocking"]
            .with_context(active_model="after_sales.contract", active_id=contract.id)
            .create({})
        )
        self.assertEqual(wizard.contract_id, contract)
        self.assertFalse(wizard.line_ids)
        with self.assertRaisesRegex(UserError, "no part has a quantity to deliver"):
            wizard.action_confirm()

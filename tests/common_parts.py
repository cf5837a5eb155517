from odoo import Command
from odoo.tests import Form, new_test_user

from .common import AfterSalesCase


class PartsCase(AfterSalesCase):
    """Spare parts, their rules and prices, a budget contract with a funded repair fund, the
    warehouse's after-sales operation types, and a portal user and a warehouse user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_trade = Category.create({"name": "Heater parts (trade-in)"})
        cls.categ_buy = Category.create({"name": "Stove parts (bought)"})
        cls.categ_small = Category.create({"name": "Small parts (free below 10)"})
        cls.categ_fund = Category.create({"name": "Control boards (no rule: drawn on the fund)"})
        Product = cls.env["product.product"]
        cls.heater = Product.create(
            {"name": "Water Heater WH-60", "is_storable": True, "list_price": 1299.0}
        )
        cls.element = cls._part("Heating Element", cls.categ_trade, 100.0, 60.0)
        cls.motor = cls._part("Fan Motor", cls.categ_trade, 80.0, 45.5)
        cls.igniter = cls._part("Igniter", cls.categ_buy, 35.0, 18.0)
        cls.knob = cls._part("Knob", cls.categ_small, 8.0, 3.0)
        cls.board = cls._part("Control Board", cls.categ_fund, 80.0, 50.0)
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Parts prices",
                "currency_id": cls.env.company.currency_id.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": product.id,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                    for product, price in (
                        (cls.element, 100.0),
                        (cls.motor, 80.0),
                        (cls.igniter, 35.0),
                        (cls.knob, 8.0),
                        (cls.board, 80.0),
                    )
                ],
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.user_stock = new_test_user(cls.env, "as_stock", groups="stock.group_stock_user")
        cls.portal_user = new_test_user(
            cls.env, "as_portal", groups="base.group_portal", partner_id=cls.dealer_contact.id
        )
        cls.env.company.write(
            {
                "after_sales_freight_ems": 30.0,
                "after_sales_freight_rail": 50.0,
                "after_sales_freight_air": 120.0,
            }
        )

    @classmethod
    def _part(cls, name, categ, price, cost):
        return cls.env["product.product"].create(
            {
                "name": name,
                "categ_id": categ.id,
                "is_storable": True,
                "list_price": price,
                "standard_price": cost,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _parts_contract(cls, dealer=None, fund=500.0, **values):
        vals = {
            "parts_pricelist_id": cls.pricelist.id,
            "part_rule_ids": [
                Command.create({"product_categ_id": cls.categ_trade.id, "policy": "trade_in"}),
                Command.create({"product_categ_id": cls.categ_buy.id, "policy": "purchase"}),
                Command.create(
                    {
                        "product_categ_id": cls.categ_small.id,
                        "policy": "free_below",
                        "threshold_price": 10.0,
                    }
                ),
            ],
        }
        vals.update(values)
        contract = cls._running_contract(dealer, **vals)
        if fund:
            contract._fund_post("accrual", fund, cls.today, "Opening fund")
        return contract

    def _stock(self, product, qty, location=None):
        self.env["stock.quant"]._update_available_quantity(
            product, location or self.stock_location, qty
        )

    def _qty_at(self, product, location):
        return product.with_context(location=location.id).qty_available

    def _request(self, contract, lines, **values):
        vals = {
            "dealer_id": contract.dealer_id.id,
            "line_ids": [
                Command.create({"product_id": product.id, "quantity": qty})
                for product, qty in lines
            ],
        }
        vals.update(values)
        return self.env["after_sales.parts.request"].create(vals)

    def _validate(self, picking, user=None):
        picking = picking.with_user(user) if user else picking
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def _return_from_customer(self, picking, qty):
        """The dealer (or its customer) sends ``qty`` of ``picking``'s goods back with Odoo's
        own return of the delivery, validated by the warehouse."""
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=picking.id, active_ids=picking.ids, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = qty
        back = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        self._validate(back)
        return back

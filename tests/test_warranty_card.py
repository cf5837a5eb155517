from datetime import date, timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..tools import periods
from .common_service import ServiceCase


@tagged("post_install", "-at_install")
class TestWarrantyCard(ServiceCase):
    def test_register_computes_warranty_end_and_creates_the_customer(self):
        sale = self.today - timedelta(days=10)
        card = self._card(sale_date=sale, customer_address="12 West Lake Road, Hangzhou")
        self.assertEqual(card.state, "registered")
        self.assertEqual(card.contract_id, self.contract)
        self.assertEqual(card.customer_id.name, "Li Na")
        self.assertEqual(card.customer_id.phone, "13800138000")
        self.assertEqual(card.customer_id.street, "12 West Lake Road, Hangzhou")
        self.assertEqual(card.warranty_end, periods.add_months(sale, 12))
        self.assertEqual(periods.add_months(date(2026, 1, 31), 1), date(2026, 2, 28))

    def test_create_leaves_the_callers_values_alone(self):
        """base_import retries a failed batch row by row with the same dicts: create must not
        leave a customer or a number of the rolled-back batch in them."""
        vals = {
            "dealer_id": self.dealer.id,
            "product_id": self.heater.id,
            "lot_id": self._lot(self.heater).id,
            "sale_date": self.today - timedelta(days=10),
            "date_received": self.today - timedelta(days=5),
            "customer_name": "Qian Wei",
            "customer_phone": "13900139000",
        }
        given = dict(vals)
        card = self.env["after_sales.warranty.card"].create([vals])
        self.assertEqual(vals, given)
        self.assertEqual(card.customer_id.name, "Qian Wei")
        self.assertNotEqual(card.name, self.env._("New"))

    def test_existing_customer_fills_the_card(self):
        customer = self.env["res.partner"].create({"name": "Zhao Min", "phone": "021-5555"})
        card = self._card(customer_id=customer.id, customer_name=False, customer_phone=False)
        self.assertEqual(card.customer_name, "Zhao Min")
        self.assertEqual(card.customer_phone, "021-5555")
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Zhao Min")]), 1)

    def test_form_creates_customer_on_the_fly(self):
        form = Form(self.env["after_sales.warranty.card"])
        form.dealer_id = self.subdealer
        form.product_id = self.heater
        form.lot_id = self._lot()
        form.sale_date = self.today - timedelta(days=3)
        form.customer_name = "Chen Jie"
        form.customer_phone = "13912345678"
        card = form.save()
        self.assertEqual(card.contract_id, self.contract, "a sub-dealer uses its parent's contract")
        self.assertEqual(card.customer_id.name, "Chen Jie")
        self.assertEqual(card.state, "draft")

    def test_late_card(self):
        sale = self.today - timedelta(days=40)
        on_time = self._card(sale_date=sale, date_received=sale + timedelta(days=20))
        late = self._card(sale_date=sale, date_received=sale + timedelta(days=21))
        self.assertEqual(on_time.state, "registered")
        self.assertEqual(late.state, "late")
        self.assertTrue(late.is_late)

    def test_new_card_deadline_redecides_the_registered_cards(self):
        """The manager corrects the contract's deadline to one month (合同五 四.6 says one
        month): a card received 25 days after the sale is no longer late, in its state (what
        claims read) as in its flag (what unit allowances read); back to 20 days, it is late
        again."""
        sale = self.today - timedelta(days=40)
        card = self._card(sale_date=sale, date_received=sale + timedelta(days=25))
        self.assertEqual((card.state, card.is_late), ("late", True))
        self.contract.with_user(self.user_manager).card_deadline_days = 30
        self.assertEqual((card.state, card.is_late), ("registered", False))
        self.contract.with_user(self.user_manager).card_deadline_days = 20
        self.assertEqual((card.state, card.is_late), ("late", True))

    def test_duplicate_serial_is_refused_naming_the_card(self):
        card = self._card()
        with self.assertRaisesRegex(ValidationError, f"already has the warranty card {card.name}"):
            self._card(lot_id=card.lot_id.id)
        # Same serial twice in one batch.
        lot = self._lot()
        vals = {
            "dealer_id": self.dealer.id,
            "product_id": self.heater.id,
            "lot_id": lot.id,
            "sale_date": self.today,
        }
        with self.assertRaisesRegex(ValidationError, "appears twice"):
            self.env["after_sales.warranty.card"].create([vals, dict(vals)])
        # Moving another card onto the serial is refused too.
        other = self._card()
        with self.assertRaisesRegex(ValidationError, f"already has the warranty card {card.name}"):
            other.lot_id = card.lot_id
        # A void card frees the serial, and cannot come back while another card holds it.
        card.action_void()
        replacement = self._card(lot_id=card.lot_id.id)
        self.assertEqual(replacement.state, "registered")
        with self.assertRaisesRegex(
            ValidationError, f"already has the warranty card {replacement.name}"
        ):
            card.action_reset_draft()

    def test_dates_and_product_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "is in the future"):
            self._card(sale_date=self.today + timedelta(days=1), date_received=self.today)
        with self.assertRaisesRegex(ValidationError, "before the retail sale"):
            self._card(date_received=self.today - timedelta(days=60))
        with self.assertRaisesRegex(ValidationError, "belongs to .*WH-60"):
            self._card(product_id=self.hood.id, lot_id=self._lot(self.heater).id)

    def test_register_needs_sale_date_and_contract(self):
        card = self._card(register=False, sale_date=False, date_received=False)
        with self.assertRaisesRegex(UserError, "retail sale date before registering"):
            card.action_register()
        no_contract = self._card(register=False, dealer_id=self.other_dealer.id)
        with self.assertRaisesRegex(UserError, "has no running service contract"):
            no_contract.action_register()
        self.assertEqual(no_contract.state, "draft")

    def test_register_defaults_received_date_to_today(self):
        card = self._card(register=False, date_received=False)
        card.action_register()
        self.assertEqual(card.date_received, self.today)
        self.assertEqual(card.state, "late", "received 30 days after the sale: past 20 days")

    def test_delivered_serials_create_draft_cards(self):
        stock = self.env.ref("stock.stock_location_stock")
        lots = self._lot() | self._lot()
        for lot in lots:
            self.env["stock.quant"]._update_available_quantity(self.heater, stock, 1, lot_id=lot)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.dealer.id,
                "order_line": [(0, 0, {"product_id": self.heater.id, "product_uom_qty": 2})],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        self.assertEqual(picking.move_line_ids.lot_id, lots)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.location_dest_id.usage, "customer")
        # One serial already carded: only the other gets a card.
        carded = self._card(lot_id=lots[0].id)
        order.action_create_warranty_cards()
        cards = order.warranty_card_ids
        self.assertEqual(cards.lot_id, lots[1])
        self.assertEqual(cards.state, "draft")
        self.assertEqual(cards.dealer_id, self.dealer)
        self.assertEqual(cards.contract_id, self.contract)
        self.assertEqual(order.warranty_card_count, 1)
        self.assertNotIn(carded, cards)
        with self.assertRaisesRegex(UserError, "already has a warranty card"):
            order.action_create_warranty_cards()

    def test_portal_dealer_sees_only_its_cards(self):
        own = self._card()
        other_contract_card = self._card(
            register=False, dealer_id=self.other_dealer.id, sale_date=self.today
        )
        portal = self.env["res.users"].create(
            {
                "name": "Shunda portal",
                "login": "shunda_portal_cards",
                "partner_id": self.dealer_contact.id,
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        visible = self.env["after_sales.warranty.card"].with_user(portal).search([])
        self.assertIn(own, visible)
        self.assertNotIn(other_contract_card, visible)

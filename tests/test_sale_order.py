from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import AfterSalesCase


@tagged("post_install", "-at_install")
class TestSaleOrderContract(AfterSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Water heater WH-60", "list_price": 1299.0}
        )
        cls.contract = cls._running_contract()

    def _order_form(self, partner):
        form = Form(self.env["sale.order"])
        form.partner_id = partner
        with form.order_line.new() as line:
            line.product_id = self.product
        return form

    def test_order_defaults_to_the_customers_running_contract(self):
        order = self._order_form(self.dealer_contact).save()
        self.assertEqual(order.service_contract_id, self.contract)
        sub_order = self._order_form(self.subdealer).save()
        self.assertFalse(sub_order.service_contract_id, "a sub-dealer has no contract of its own")
        no_contract = self._order_form(self.other_dealer).save()
        self.assertFalse(no_contract.service_contract_id)

    def test_changing_customer_changes_the_contract(self):
        other = self._running_contract(self.other_dealer)
        form = self._order_form(self.dealer)
        self.assertEqual(form.service_contract_id, self.contract)
        form.partner_id = self.other_dealer
        self.assertEqual(form.service_contract_id, other)

    def test_draft_contract_is_not_defaulted(self):
        self._create_contract(self.other_dealer)
        order = self._order_form(self.other_dealer).save()
        self.assertFalse(order.service_contract_id)

    def test_smart_button_counts_orders(self):
        orders = self._order_form(self.dealer).save() | self._order_form(self.dealer_contact).save()
        self._order_form(self.other_dealer).save()
        self.assertEqual(self.contract.sale_order_count, 2)
        action = self.contract.action_view_sale_orders()
        self.assertEqual(self.env["sale.order"].search(action["domain"]), orders)
        self.assertEqual(action["context"]["default_service_contract_id"], self.contract.id)
        self.assertEqual(self.dealer.after_sales_contract_count, 1)
        self.assertEqual(self.dealer_contact.after_sales_contract_count, 1)
        partner_action = self.dealer_contact.action_view_after_sales_contracts()
        self.assertEqual(
            self.env["after_sales.contract"].search(partner_action["domain"]), self.contract
        )

    def test_contract_of_another_dealer_is_refused(self):
        other = self._running_contract(self.other_dealer)
        order = self._order_form(self.dealer).save()
        with self.assertRaisesRegex(ValidationError, "belongs to dealer Dealer Jiahe"):
            order.service_contract_id = other

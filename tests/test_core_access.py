"""Core users without after-sales groups keep doing their daily work on documents that carry
after-sales data: a salesperson, a warehouse user and an accountant (issue 17)."""

from datetime import date

from odoo import Command
from odoo.tests import Form, freeze_time, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import TEST_DAY, AfterSalesCase
from .common_parts import PartsCase
from .common_service import ServiceCase

SALESMAN = "sales_team.group_sale_salesman"
STOCK_USER = "stock.group_stock_user"
BILLING = "account.group_account_invoice"


class CoreUserMixin:
    """Open a record's form as the web client does: the form view as the user gets it, then
    ``web_read`` of every field that view shows (the display name of every relation)."""

    def _open_form(self, record, user, only=None):
        """``only`` limits the read to those fields of the view (where Odoo's own form needs
        rights the user lacks, e.g. package history for a salesperson)."""
        record = record.with_user(user)
        views = record.get_views([(False, "form")])
        fields_info = views["models"][record._name]["fields"]
        spec = {
            name: {"fields": {"display_name": {}}} if info.get("relation") else {}
            for name, info in fields_info.items()
            if only is None or name in only
        }
        values = record.web_read(spec)
        self.assertEqual(len(values), len(record))
        return views["views"]["form"]["arch"], values[0]


@tagged("post_install", "-at_install")
class TestCoreAccessSales(CoreUserMixin, ServiceCase):
    """An order placed under a dealer's service contract, with warranty cards and a customer
    service plan: the salesperson enters, reads and confirms it, the warehouse delivers it, the
    accountant invoices it; none of them holds an after-sales group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, "core_salesman", groups=SALESMAN)
        cls.stock_user = new_test_user(cls.env, "core_stock", groups=STOCK_USER)
        cls.accountant = new_test_user(cls.env, "core_accountant", groups=BILLING)
        cls.stove = cls.env["product.product"].create(
            {
                "name": "Gas Stove GS-2 (test)",
                "is_storable": True,
                "list_price": 899.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.plan_product = cls.env["product.product"].create(
            {
                "name": "Gold service card (test)",
                "type": "service",
                "list_price": 300.0,
                "taxes_id": [Command.clear()],
                "after_sales_is_plan": True,
                "after_sales_plan_response_hours": 24,
                "after_sales_plan_visits": 5,
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(cls.stove, warehouse.lot_stock_id, 10)

    def _order_as_salesman(self):
        form = Form(self.env["sale.order"].with_user(self.salesman))
        form.partner_id = self.dealer_contact
        with form.order_line.new() as line:
            line.product_id = self.stove
            line.product_uom_qty = 2
        with form.order_line.new() as line:
            line.product_id = self.plan_product
        order = form.save()
        # the service desk registers the dealer's cards against the order
        self._card(sale_order_id=order.id)
        self._card(sale_order_id=order.id)
        return order.with_user(self.salesman)

    def test_salesperson_enters_reads_and_confirms(self):
        order = self._order_as_salesman()
        self.assertEqual(order.service_contract_id, self.contract, "defaulted for the salesperson")
        values = order.read()[0]
        self.assertEqual(values["service_contract_id"][0], self.contract.id)
        self.assertNotIn("warranty_card_ids", values, "cards are for after-sales users")
        self.assertNotIn("warranty_card_count", values)
        arch, form_values = self._open_form(order, self.salesman)
        self.assertIn('name="service_contract_id"', arch)
        self.assertNotIn("warranty_card_count", arch)
        self.assertNotIn("action_create_warranty_cards", arch)
        self.assertEqual(form_values["service_contract_id"]["id"], self.contract.id)
        with freeze_time("2026-03-15"):
            order.action_confirm()
        self.assertEqual(order.state, "sale")
        plans = self.env["after_sales.service.plan"].search([("sale_order_id", "=", order.id)])
        self.assertRecordValues(
            plans,
            [
                {
                    "partner_id": self.dealer_contact.id,
                    "visits_total": 5,
                    "response_hours": 24,
                    "date_start": date(2026, 3, 15),
                    "state": "active",
                }
            ],
        )
        # the after-sales desk, when it may read orders, still sees the cards of the order
        desk = new_test_user(
            self.env,
            "core_desk_sales",
            groups="after_sales_service.after_sales_service_group_user,"
            "sales_team.group_sale_salesman_all_leads",
        )
        self.assertEqual(order.with_user(desk).warranty_card_count, 2)
        self.assertIn("action_create_warranty_cards", self._open_form(order, desk)[0])
        # cancelling the order cancels its plan, for the salesperson too
        order._action_cancel()
        self.assertEqual(plans.state, "cancelled")

    def test_warehouse_delivers_and_accountant_invoices(self):
        order = self._order_as_salesman()
        order.action_confirm()
        for user in (self.stock_user, self.accountant):
            with self.subTest(user=user.login):
                fields = order.with_user(user).fields_get(attributes=["type"])
                self.assertNotIn("service_contract_id", fields)
                self.assertNotIn("warranty_card_ids", fields)
        # (Odoo's own order form needs invoicing rights: the warehouse does not open it)
        arch, _values = self._open_form(order, self.accountant)
        self.assertNotIn('name="service_contract_id"', arch)
        picking = order.picking_ids.with_user(self.stock_user)
        self.assertEqual(len(picking), 1)
        self._open_form(picking, self.stock_user)
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.order_line[0].qty_delivered, 2.0)
        invoice = order.with_user(self.accountant)._create_invoices()
        invoice.action_post()
        self.assertRecordValues(invoice, [{"state": "posted", "amount_total": 2098.0}])
        self._open_form(invoice, self.accountant)
        self.assertEqual(order.invoice_status, "invoiced")

    def test_contacts_are_read_by_everyone(self):
        for user in (self.salesman, self.stock_user, self.accountant, self.user_plain):
            with self.subTest(user=user.login):
                fields = self.dealer.with_user(user).fields_get(attributes=["type"])
                self.assertNotIn("after_sales_contract_count", fields)
                self.assertEqual(
                    "after_sales_contract_ids" in fields, user == self.salesman, "sales team only"
                )
                arch, _values = self._open_form(self.dealer, user)
                self.assertNotIn("action_view_after_sales_contracts", arch)
        values = self.dealer.with_user(self.salesman).read(["after_sales_contract_ids"])[0]
        self.assertEqual(values["after_sales_contract_ids"], self.contract.ids)


@tagged("post_install", "-at_install")
class TestCoreAccessWarehouse(CoreUserMixin, PartsCase):
    """The warehouse validates a parts requisition's deliveries and opens the initial stocking
    delivery of a contract; the salesperson opens the requisition's order and its delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, "core_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )

    def test_requisition_delivery_validated_by_the_warehouse(self):
        contract = self._parts_contract(fund=500.0)
        for product in (self.knob, self.board, self.igniter):
            self._stock(product, 10)
        request = self._request(contract, [(self.knob, 2), (self.board, 1), (self.igniter, 3)])
        request.action_submit()
        request.action_approve()
        picking = request.picking_id
        _arch, values = self._open_form(picking, self.user_stock)
        self.assertEqual(values["after_sales_parts_request_id"]["id"], request.id)
        self._validate(picking, self.user_stock)
        sale_picking = request.sale_order_id.picking_ids
        # the requisition's parts order and its delivery, as the sales team sees them
        self._open_form(request.sale_order_id, self.salesman)
        fields = sale_picking.with_user(self.salesman).fields_get(attributes=["type"])
        self.assertNotIn("after_sales_old_part_ids", fields)
        _arch, values = self._open_form(
            request.picking_id,
            self.salesman,
            only=("name", "origin", "after_sales_parts_request_id", "move_ids"),
        )
        self.assertEqual(values["after_sales_parts_request_id"]["id"], request.id)
        self._validate(sale_picking, self.user_stock)
        self.assertEqual(request.state, "done")
        self.assertEqual(self._qty_at(self.igniter, self.stock_location), 7)

    def test_initial_stocking_delivery_opened_and_printed(self):
        contract = self._parts_contract(fund=0.0)
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.after_sales_parts_type_id.id,
                "partner_id": self.dealer.id,
                "after_sales_stocking_contract_id": contract.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.knob.id,
                            "product_uom_qty": 4,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customers.id,
                        }
                    )
                ],
            }
        )
        _arch, values = self._open_form(picking, self.user_stock)
        self.assertEqual(values["after_sales_stocking_contract_id"]["id"], contract.id)
        html, _format = (
            self.env["ir.actions.report"]
            .with_user(self.user_stock)
            ._render_qweb_html(
                "after_sales_service.action_report_after_sales_stocking", picking.ids
            )
        )
        self.assertIn(contract.name, html.decode())
        self._stock(self.knob, 4)
        picking.action_confirm()
        picking.action_assign()
        self._validate(picking, self.user_stock)


@tagged("post_install", "-at_install")
@TEST_DAY
class TestCoreAccessAccounting(CoreUserMixin, AccountTestInvoicingCommon):
    """An accountant without after-sales groups posts, pays and reconciles the dealer's
    invoices once the quarterly settlement credited the dealer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.company = cls.env.company
        manager_group = cls.env.ref("after_sales_service.after_sales_service_group_manager")
        cls.env.user.group_ids = [Command.link(manager_group.id)]
        cls.accountant = new_test_user(
            cls.env,
            "core_accountant",
            groups=BILLING,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.finance_manager = new_test_user(
            cls.env,
            "core_as_finance",
            groups="after_sales_service.after_sales_service_group_manager," + BILLING,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.dealer = cls.env["res.partner"].create({"name": "Dealer Shunda", "is_company": True})
        cls.heater = cls.env["product.product"].create(
            {"name": "Water heater", "list_price": 1299.0}
        )
        cls.contract = cls.env["after_sales.contract"].create(
            {
                "dealer_id": cls.dealer.id,
                "company_id": cls.company.id,
                "date_start": date(2026, 1, 1),
                "date_end": date(2027, 12, 31),
                "allowance_basis": "units",
                "allowance_unit_amount": 20.0,
                "allowance_use": "payout",
            }
        )
        cls.contract.action_start()

    def _invoice_as_accountant(self, amount, day):
        form = Form(
            self.env["account.move"]
            .with_user(self.accountant)
            .with_context(default_move_type="out_invoice")
        )
        form.partner_id = self.dealer
        form.invoice_date = day
        with form.invoice_line_ids.new() as line:
            line.product_id = self.heater
            line.price_unit = amount
            line.tax_ids.clear()
        invoice = form.save()
        invoice.action_post()
        return invoice

    def test_accountant_posts_pays_and_reconciles(self):
        older = self._invoice_as_accountant(1000.0, date(2026, 1, 5))
        newer = self._invoice_as_accountant(700.0, date(2026, 2, 5))
        cards = self.env["after_sales.warranty.card"].create(
            [
                {
                    "dealer_id": self.dealer.id,
                    "product_id": self.heater.id,
                    "sale_date": date(2026, 2, 1),
                    "date_received": date(2026, 2, 10),
                }
                for _i in range(10)
            ]
        )
        cards.action_register()
        wizard = (
            self.env["after_sales.settlement.create"]
            .with_user(self.finance_manager)
            .create({"year": 2026, "quarter": "1", "company_id": self.company.id})
        )
        wizard.contract_ids = self.contract
        wizard.action_settle()
        settlement = self.env["after_sales.settlement"].search(
            [("contract_id", "=", self.contract.id), ("state", "!=", "cancel")]
        )
        settlement.with_user(self.finance_manager).action_post()
        credit = settlement.move_ids
        self.assertRecordValues(
            credit, [{"move_type": "out_refund", "state": "posted", "amount_total": 200.0}]
        )
        self.assertEqual(older.amount_residual, 800.0, "credited oldest first")
        # the accountant reads the credit note and the invoices as usual
        for move in credit | older | newer:
            move.with_user(self.accountant).read()
            self._open_form(move, self.accountant)
        # pays the rest of the older invoice through the payment wizard
        register = Form(
            self.env["account.payment.register"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=older.ids)
        ).save()
        register.action_create_payments()
        self.assertEqual(older.payment_state, "paid")
        # and reconciles a bank payment received without reference with the newer one
        payment = (
            self.env["account.payment"]
            .with_user(self.accountant)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.dealer.id,
                    "amount": 700.0,
                    "date": date(2026, 3, 1),
                    "journal_id": self.company_data["default_journal_bank"].id,
                }
            )
        )
        payment.action_post()
        receivable = self.dealer.property_account_receivable_id
        lines = (payment.move_id.line_ids | newer.line_ids).filtered(
            lambda line: line.account_id == receivable
        )
        lines.with_user(self.accountant).reconcile()
        self.assertEqual(newer.payment_state, "paid")
        self.assertEqual(newer.amount_residual, 0.0)


@tagged("post_install", "-at_install")
class TestPortalRuleCache(AfterSalesCase):
    """A contact that moves to another dealer stops seeing the former dealer's documents at
    once: its portal user's cached record rules are dropped."""

    def test_contact_moving_dealer_sees_the_new_dealer_only(self):
        mine = self._running_contract()
        theirs = self._running_contract(self.other_dealer)
        portal = new_test_user(
            self.env, "core_portal", groups="base.group_portal", partner_id=self.dealer_contact.id
        )
        Contract = self.env["after_sales.contract"].with_user(portal)
        self.assertEqual(Contract.search([]), mine)
        self.dealer_contact.parent_id = self.other_dealer
        self.assertEqual(Contract.search([]), theirs)
        # a contact made a company of its own is its own dealer
        self.dealer_contact.is_company = True
        self.assertFalse(Contract.search([]))
        # and back under its first dealer
        self.dealer_contact.write({"is_company": False, "parent_id": self.dealer.id})
        self.assertEqual(Contract.search([]), mine)

"""The after-sales test fixtures, one base per kind of test.

:class:`AfterSalesCase` (no accounting): ``company``, ``today``, the dealers ``dealer`` (with the
contact ``dealer_contact`` and the sub-dealer company ``subdealer``) and ``other_dealer``; a user
per group: ``user_plain``, ``user_desk``, ``user_appraiser``, ``user_manager``; the helpers
``_create_contract(dealer, **values)`` and ``_running_contract(dealer, **values)``.

:class:`SettlementCase` (accounting ready, for the fund and the quarterly settlement): a company
with a chart of accounts (``company``, ``company_data``), ``manager`` (after-sales manager with
invoicing rights), ``dealer`` with its sub-dealer company ``subdealer`` and its contact
``dealer_contact`` (Wang Lei), the products ``heater`` and ``element`` (in ``parts_categ``); the
helpers ``_contract(**values)`` (running from 1 Jan 2026), ``_payment``, ``_draw`` (parts drawn
on the fund), ``_cards`` (registered, late or falsified warranty cards) and ``_settle`` (the
quarterly wizard ``after_sales.settlement.create``, with its preview). Classes using fixed dates
run under ``freeze_time``.

Built on :class:`AfterSalesCase`, beside this file: :class:`~.common_service.ServiceCase`
(``common_service.py``: products, serials, a running contract with parts rules; ``_lot``,
``_card``, ``_claim``) for cards, claims, the import and the reports, and
:class:`~.common_parts.PartsCase` (``common_parts.py``: spare parts and their rules, a budget
contract with a funded fund, the after-sales operation types, a portal and a warehouse user;
``_part``, ``_parts_contract``, ``_stock``, ``_request``, ``_validate``) for requisitions, old
parts and stocking. :class:`~.common_portal.PortalCase` (``common_portal.py``, an ``HttpCase``):
two dealers with a portal user, a running contract and one document of every kind each.

Property tests (Hypothesis) carry ``@PROPERTY_SETTINGS`` from ``property_settings.py``: no global
profile is loaded, so other addons' tests keep Hypothesis' defaults.
"""

from datetime import date

from odoo import Command
from odoo.tests import TransactionCase, freeze_time, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# The moment every test runs at unless it freezes one of its own (``@freeze_time`` on the class
# or the test wins): no test depends on the day it runs, and the dates the tests derive from
# ``today`` are this day's (Monday 7 December 2026, 10:00 in Shanghai).
TEST_DAY = freeze_time("2026-12-07 02:00:00")


class AfterSalesCase(TransactionCase):
    """Data every after-sales test builds for itself: a company, dealers and the users of each
    after-sales group, so that tests pass with or without demo data."""

    freeze_time = TEST_DAY

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.company = cls.env.company
        cls.today = date.today()
        cls.dealer = cls.env["res.partner"].create({"name": "Dealer Shunda", "is_company": True})
        cls.dealer_contact = cls.env["res.partner"].create(
            {"name": "Wang Lei", "parent_id": cls.dealer.id}
        )
        cls.subdealer = cls.env["res.partner"].create(
            {"name": "Sub-dealer Kunshan", "is_company": True, "parent_id": cls.dealer.id}
        )
        cls.other_dealer = cls.env["res.partner"].create(
            {"name": "Dealer Jiahe", "is_company": True}
        )
        groups = "after_sales_service.after_sales_service_group_"
        cls.user_plain = new_test_user(cls.env, "as_plain", groups="base.group_user")
        cls.user_desk = new_test_user(cls.env, "as_desk", groups=groups + "user")
        cls.user_appraiser = new_test_user(cls.env, "as_appraiser", groups=groups + "appraiser")
        cls.user_manager = new_test_user(cls.env, "as_manager", groups=groups + "manager")

    @classmethod
    def _create_contract(cls, dealer=None, **values):
        vals = {
            "dealer_id": (dealer or cls.dealer).id,
            "date_start": date(cls.today.year, 1, 1),
            "date_end": date(cls.today.year + 1, 12, 31),
        }
        vals.update(values)
        return cls.env["after_sales.contract"].create(vals)

    @classmethod
    def _running_contract(cls, dealer=None, **values):
        contract = cls._create_contract(dealer, **values)
        contract.action_start()
        return contract


class SettlementCase(AccountTestInvoicingCommon):
    """Accounting-ready data for the quarterly settlement: a company in renminbi (the
    manufacturer's money: its statements print their amounts in Chinese capitals) with a chart
    of accounts, dealers, products, and helpers that create payments, cards and claims in
    2026."""

    freeze_time = TEST_DAY

    @classmethod
    def setup_independent_company(cls, **kwargs):
        cny = cls.env.ref("base.CNY")
        cny.active = True
        kwargs.setdefault("currency_id", cny.id)
        return super().setup_independent_company(**kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.company = cls.env.company
        manager_group = cls.env.ref("after_sales_service.after_sales_service_group_manager")
        cls.env.user.group_ids = [Command.link(manager_group.id)]
        cls.manager = new_test_user(
            cls.env,
            "as_fin_manager",
            groups="after_sales_service.after_sales_service_group_manager,"
            "account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.dealer = cls.env["res.partner"].create({"name": "Dealer Shunda", "is_company": True})
        cls.subdealer = cls.env["res.partner"].create(
            {"name": "Kunshan branch", "is_company": True, "parent_id": cls.dealer.id}
        )
        cls.dealer_contact = cls.env["res.partner"].create(
            {"name": "Wang Lei", "parent_id": cls.dealer.id}
        )
        cls.heater = cls.env["product.product"].create(
            {"name": "Water heater", "list_price": 1299.0}
        )
        cls.parts_categ = cls.env["product.category"].create({"name": "Heater parts"})
        cls.element = cls.env["product.product"].create(
            {"name": "Heating element", "list_price": 120.0, "categ_id": cls.parts_categ.id}
        )

    @classmethod
    def _contract(cls, **values):
        vals = {
            "dealer_id": cls.dealer.id,
            "company_id": cls.company.id,
            "date_start": date(2026, 1, 1),
            "date_end": date(2027, 12, 31),
        }
        vals.update(values)
        contract = cls.env["after_sales.contract"].create(vals)
        contract.action_start()
        return contract

    def _payment(self, amount, day, payment_type="inbound", partner=None):
        payment = self.env["account.payment"].create(
            {
                "payment_type": payment_type,
                "partner_type": "customer",
                "partner_id": (partner or self.dealer).id,
                "amount": amount,
                "date": day,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def _draw(self, contract, amount, day, kind="consumption"):
        return contract._fund_post(kind, -amount, day, f"Parts drawn {day}")

    def _cards(self, count, received, dealer=None, late=False, falsified=False):
        sale = date(received.year, received.month, 1)
        if late:
            sale = date(received.year - (received.month == 1), (received.month - 2) % 12 + 1, 1)
        cards = self.env["after_sales.warranty.card"].create(
            [
                {
                    "dealer_id": (dealer or self.dealer).id,
                    "product_id": self.heater.id,
                    "sale_date": sale,
                    "date_received": received,
                    "falsified": falsified,
                    "falsified_reason": falsified and "Customer does not exist",
                }
                for _i in range(count)
            ]
        )
        cards.action_register()
        return cards

    def _settle(self, contract, year, quarter, preview=True):
        wizard = self.env["after_sales.settlement.create"].create(
            {"year": year, "quarter": str(quarter), "company_id": self.company.id}
        )
        wizard.contract_ids = contract
        if preview:
            wizard.action_preview()
        wizard.action_settle()
        return self.env["after_sales.settlement"].search(
            [
                ("contract_id", "=", contract.id),
                ("year", "=", year),
                ("quarter", "=", str(quarter)),
                ("state", "!=", "cancel"),
            ]
        )

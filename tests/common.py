from datetime import date

from odoo.tests import TransactionCase, new_test_user


class AfterSalesCase(TransactionCase):
    """Data every after-sales test builds for itself: a company, dealers and the users of each
    after-sales group, so that tests pass with or without demo data."""

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

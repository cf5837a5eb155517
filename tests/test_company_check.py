"""The company check on a whole batch (``after_sales.company.check.mixin``): a batch that
points at a record of another company is still refused with Odoo's own message, whichever
record of the batch does it, and a consistent batch is checked without Odoo's per-record
check."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.models import BaseModel
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import TEST_DAY
from .common_service import ServiceCase


@tagged("post_install", "-at_install")
class TestCardCompanyCheck(ServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Manufacturer"})
        cls.foreign_lot = cls.env["stock.lot"].create(
            {
                "product_id": cls.heater.id,
                "name": "SN-FOREIGN-1",
                "company_id": cls.other_company.id,
            }
        )

    def _vals(self, lot):
        return {
            "dealer_id": self.dealer.id,
            "product_id": self.heater.id,
            "lot_id": lot.id,
            "sale_date": self.today,
            "date_received": self.today,
            "customer_name": "Li Na",
            "company_id": self.company.id,
        }

    def test_last_card_of_a_batch_with_another_companys_serial_is_refused(self):
        lots = [self._lot() for __ in range(3)]
        with self.assertRaisesRegex(UserError, "SN-FOREIGN-1"):
            self.env["after_sales.warranty.card"].create(
                [self._vals(lot) for lot in lots] + [self._vals(self.foreign_lot)]
            )

    def _spy_core_check(self):
        """Patch Odoo's own ``_check_company``; return the sizes of the batches it checks."""
        sizes = []
        original = BaseModel._check_company

        def spy(records, fnames=None):
            sizes.append(len(records))
            return original(records, fnames)

        return sizes, patch.object(BaseModel, "_check_company", spy)

    def test_consistent_batch_is_checked_without_odoos_per_record_check(self):
        cards = self.env["after_sales.warranty.card"].create(
            [self._vals(self._lot()) for __ in range(4)]
        )
        sizes, spy = self._spy_core_check()
        with spy:
            # the four cards share their company, product and dealer; their serials differ
            cards._check_company(["product_id", "dealer_id"])
            cards._check_company(["lot_id"])
            cards._check_company()
        self.assertEqual(sizes, [])

    def test_only_the_card_with_the_foreign_serial_is_checked_by_odoo(self):
        cards = self.env["after_sales.warranty.card"].create(
            [self._vals(self._lot()) for __ in range(3)]
        )
        # written in SQL, as a foreign serial could only come from outside the ORM's checks
        self.env.cr.execute(
            "UPDATE after_sales_warranty_card SET lot_id = %s WHERE id = %s",
            [self.foreign_lot.id, cards[1].id],
        )
        cards.invalidate_recordset(["lot_id"])
        sizes, spy = self._spy_core_check()
        with spy, self.assertRaisesRegex(UserError, "SN-FOREIGN-1") as refused:
            cards._check_company(["lot_id"])
        self.assertIn(cards[1].display_name, str(refused.exception))
        self.assertEqual(sizes, [1])


@tagged("post_install", "-at_install")
@TEST_DAY
class TestPartnerCompanyCheck(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company_data = cls.setup_other_company(name="Other Manufacturer")

    def test_partner_batch_with_another_companys_receivable_is_refused(self):
        foreign = self.other_company_data["default_account_receivable"]
        vals = [{"name": f"Customer {i}"} for i in range(3)]
        vals.append({"name": "Customer 3", "property_account_receivable_id": foreign.id})
        with self.assertRaisesRegex(UserError, "Customer 3"):
            self.env["res.partner"].create(vals)

    def test_partner_batch_of_the_company_is_created(self):
        partners = self.env["res.partner"].create([{"name": f"Customer {i}"} for i in range(3)])
        self.assertEqual(
            partners.mapped("property_account_receivable_id"),
            self.company_data["default_account_receivable"],
        )

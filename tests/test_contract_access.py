from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AfterSalesCase


@tagged("post_install", "-at_install")
class TestContractAccess(AfterSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._running_contract()
        cls.draft = cls._create_contract(cls.other_dealer)

    def test_plain_internal_user_cannot_read_contracts(self):
        with self.assertRaises(AccessError):
            self.contract.with_user(self.user_plain).read(["name"])
        with self.assertRaises(AccessError):
            self.env["after_sales.contract"].with_user(self.user_plain).search([])

    def test_user_reads_and_creates_but_cannot_change_running_terms(self):
        contract = self.contract.with_user(self.user_desk)
        self.assertEqual(contract.warranty_months, 12)
        with self.assertRaisesRegex(
            AccessError, "only an after-sales manager can change its terms"
        ):
            contract.write({"warranty_months": 24})
        with self.assertRaisesRegex(AccessError, "Allowance Rate"):
            contract.write({"allowance_rate": 5.0})
        categ = self.env["product.category"].create({"name": "Hood parts"})
        with self.assertRaises(AccessError):
            self.env["after_sales.contract.part.rule"].with_user(self.user_desk).create(
                {"contract_id": self.contract.id, "product_categ_id": categ.id}
            )
        self.assertEqual(self.contract.warranty_months, 12)
        # non-term fields stay editable, and a draft's terms too
        contract.write({"note": "<p>Call before visiting</p>"})
        self.draft.with_user(self.user_desk).write({"warranty_months": 18})
        self.assertEqual(self.draft.warranty_months, 18)
        created = (
            self.env["after_sales.contract"]
            .with_user(self.user_desk)
            .create({"dealer_id": self.subdealer.id})
        )
        self.assertEqual(created.state, "draft")
        with self.assertRaises(AccessError):
            created.unlink()

    def test_appraiser_cannot_change_running_terms_either(self):
        with self.assertRaises(AccessError):
            self.contract.with_user(self.user_appraiser).write({"doa_days": 10})

    def test_manager_changes_running_terms(self):
        self.contract.with_user(self.user_manager).write(
            {"warranty_months": 24, "allowance_rate": 4.5}
        )
        self.assertEqual(self.contract.warranty_months, 24)
        self.assertEqual(self.contract.allowance_rate, 4.5)
        categ = self.env["product.category"].create({"name": "Stove parts"})
        self.env["after_sales.contract.part.rule"].with_user(self.user_manager).create(
            {"contract_id": self.contract.id, "product_categ_id": categ.id, "policy": "purchase"}
        )
        self.assertEqual(len(self.contract.part_rule_ids), 1)

    def test_only_manager_terminates(self):
        with self.assertRaises(AccessError):
            self.env["after_sales.contract.terminate"].with_user(self.user_desk).create(
                {"contract_id": self.contract.id, "reason": "no"}
            )

    def test_multi_company_isolation(self):
        company_b = self.env["res.company"].create({"name": "Manufacturer B"})
        contract_b = self._create_contract(company_id=company_b.id)
        user_a = new_test_user(
            self.env,
            "as_desk_a",
            groups="after_sales_service.after_sales_service_group_user",
            company_id=self.env.company.id,
            company_ids=[(6, 0, self.env.company.ids)],
        )
        visible = self.env["after_sales.contract"].with_user(user_a).search([])
        self.assertIn(self.contract, visible)
        self.assertNotIn(contract_b, visible)
        with self.assertRaises(AccessError):
            contract_b.with_user(user_a).read(["name"])
        user_b = new_test_user(
            self.env,
            "as_desk_b",
            groups="after_sales_service.after_sales_service_group_user",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.assertEqual(self.env["after_sales.contract"].with_user(user_b).search([]), contract_b)

    def test_portal_dealer_sees_only_its_contracts(self):
        portal = new_test_user(
            self.env,
            "as_portal_dealer",
            groups="base.group_portal",
            partner_id=self.dealer_contact.id,
        )
        visible = self.env["after_sales.contract"].with_user(portal).search([])
        self.assertEqual(visible, self.contract)
        with self.assertRaises(AccessError):
            self.draft.with_user(portal).read(["name"])
        with self.assertRaises(AccessError):
            self.contract.with_user(portal).write({"note": "x"})

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestBackendTours(HttpCase):
    """Key backend flows clicked through in headless Chromium."""

    def test_manager_creates_and_starts_a_contract(self):
        dealer = self.env["res.partner"].create({"name": "Tour Dealer", "is_company": True})
        self.env.ref("base.user_admin").lang = "en_US"
        self.start_tour("/odoo", "after_sales_contract_start", login="admin")
        contract = self.env["after_sales.contract"].search([("dealer_id", "=", dealer.id)])
        self.assertEqual(contract.state, "running")
        self.assertEqual(contract.warranty_months, 12)
        self.assertTrue(contract.name.startswith("ASC/"))

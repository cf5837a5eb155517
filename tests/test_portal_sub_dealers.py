from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common_portal import PortalCase


@tagged("post_install", "-at_install")
class TestPortalSubDealers(PortalCase):
    """§9: a dealer's portal users see its sub-dealers' records only where its running contract
    says so (PortalCase turns the term on for dealer A); a sub-dealer sees only its own."""

    def _set_term(self, value):
        self.contract_a.with_user(self.env.ref("base.user_admin")).write(
            {"portal_sub_dealer_access": value}
        )

    def test_term_decides_what_the_dealer_sees(self):
        Card = self.env["after_sales.warranty.card"]
        self.assertEqual(Card.with_user(self.user_a).search([]), self.card_a | self.card_sub)
        self._set_term(False)
        self.assertEqual(
            Card.with_user(self.user_a).search([]), self.card_a, "term off: its own only"
        )
        with self.assertRaises(AccessError):
            self.card_sub.with_user(self.user_a).check_access("read")
        self._set_term(True)
        self.assertEqual(Card.with_user(self.user_a).search([]), self.card_a | self.card_sub)

    def test_term_decides_the_card_page(self):
        self.authenticate("as_portal_a", "as_portal_a")
        url = f"/my/after-sales/cards/{self.card_sub.id}"
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Customer Alpha Sub", response.text)
        self.assertIn("INV-ALPHA-SUB", response.text)
        self._set_term(False)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Customer Alpha Sub", response.text)
        self.assertNotIn("INV-ALPHA-SUB", response.text)
        listing = self.url_open("/my/after-sales/cards").text
        self.assertIn("SN-ALPHA-1", listing)
        self.assertNotIn("SN-ALPHA-SUB", listing)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["after_sales_cards_count"]}
        )
        self.assertEqual(counters["after_sales_cards_count"], 1, "the counter agrees")
        self._set_term(True)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Customer Alpha Sub", response.text)

    def test_subdealer_never_sees_the_dealers_records(self):
        for term in (True, False):
            self._set_term(term)
            for model, mine in (
                ("after_sales.warranty.card", self.card_sub),
                ("after_sales.claim", self.env["after_sales.claim"]),
                ("after_sales.return", self.env["after_sales.return"]),
                ("after_sales.parts.request", self.env["after_sales.parts.request"]),
                ("after_sales.settlement", self.env["after_sales.settlement"]),
                ("after_sales.fund.entry", self.env["after_sales.fund.entry"]),
                ("after_sales.monthly.submission", self.env["after_sales.monthly.submission"]),
            ):
                self.assertEqual(
                    self.env[model].with_user(self.user_sub).search([]), mine, (model, term)
                )
        self.authenticate("as_portal_sub", "as_portal_sub")
        response = self.url_open(f"/my/after-sales/claims/{self.claim_a.id}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Alpha heater leaks", response.text)

    def test_new_subdealer_is_seen_without_waiting(self):
        """The rules follow the partner hierarchy at query time: a sub-dealer created after
        the term was set is seen at once, and one moved away is not."""
        Card = self.env["after_sales.warranty.card"]
        self.assertEqual(Card.with_user(self.user_a).search([]), self.card_a | self.card_sub)
        branch = self.env["res.partner"].create(
            {"name": "Portal Subdealer Alpha-2", "is_company": True, "parent_id": self.dealer_a.id}
        )
        lot = self.env["stock.lot"].create(
            {"name": "SN-ALPHA-2", "product_id": self.heater.id, "company_id": self.company.id}
        )
        sale_date = self.today - timedelta(days=10)
        card = Card.create(
            {
                "dealer_id": branch.id,
                "product_id": self.heater.id,
                "lot_id": lot.id,
                "customer_name": "Customer Alpha Two",
                "sale_date": sale_date,
                "date_received": sale_date,
            }
        )
        self.assertIn(card, Card.with_user(self.user_a).search([]))
        branch.parent_id = self.dealer_b
        self.assertNotIn(card, Card.with_user(self.user_a).search([]))
        self.assertNotIn(card, Card.with_user(self.user_b).search([]), "B's contract: no term")

    def test_other_dealers_term_changes_nothing(self):
        self.contract_b.with_user(self.env.ref("base.user_admin")).write(
            {"portal_sub_dealer_access": True}
        )
        self._set_term(False)
        Card = self.env["after_sales.warranty.card"]
        self.assertEqual(Card.with_user(self.user_a).search([]), self.card_a)
        self.assertEqual(Card.with_user(self.user_b).search([]), self.card_b)

    def test_term_is_off_by_default_and_a_managers_call_once_running(self):
        contract = self.env["after_sales.contract"].create(
            {"dealer_id": self.env["res.partner"].create({"name": "D", "is_company": True}).id}
        )
        self.assertFalse(contract.portal_sub_dealer_access)
        with self.assertRaises(AccessError):
            self.contract_a.with_user(self.desk).write({"portal_sub_dealer_access": False})

import base64
from datetime import date, timedelta

from odoo.tests import HttpCase, new_test_user

from .common import TEST_DAY

# A 1x1 PNG: a "photo" and a "signature" small enough for the tests.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class PortalCase(HttpCase):
    """Two dealers, A (with a sub-dealer) and B, each with a portal user, a running contract and
    one document of every kind, so that each test can check what a dealer sees and does."""

    freeze_time = TEST_DAY

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        env = cls.env
        cls.today = date.today()
        cls.company = env.company
        Partner = env["res.partner"]
        cls.dealer_a = Partner.create({"name": "Portal Dealer Alpha", "is_company": True})
        cls.sub_a = Partner.create(
            {"name": "Portal Subdealer Alpha-1", "is_company": True, "parent_id": cls.dealer_a.id}
        )
        cls.dealer_b = Partner.create({"name": "Portal Dealer Bravo", "is_company": True})
        cls.user_a = cls._portal_user("as_portal_a", cls.dealer_a)
        cls.user_sub = cls._portal_user("as_portal_sub", cls.sub_a)
        cls.user_b = cls._portal_user("as_portal_b", cls.dealer_b)
        cls.desk = new_test_user(
            env, "as_portal_desk", groups="after_sales_service.after_sales_service_group_user"
        )
        start = date(cls.today.year - 1, 1, 1)
        contracts = env["after_sales.contract"].create(
            [
                {
                    "dealer_id": dealer.id,
                    "date_start": start,
                    "date_end": date(cls.today.year + 1, 12, 31),
                    "claim_reimbursement": "flat",
                    "allowance_use": "budget",
                    "user_id": cls.desk.id,
                }
                for dealer in (cls.dealer_a, cls.dealer_b)
            ]
        )
        contracts.action_start()
        cls.contract_a, cls.contract_b = contracts
        # A's portal users see its sub-dealer's records (a contract term, off by default)
        cls.contract_a.portal_sub_dealer_access = True
        Product = env["product.product"]
        cls.heater = Product.create(
            {
                "name": "Portal Heater",
                "default_code": "PH-100",
                "is_storable": True,
                "tracking": "serial",
                "sale_ok": True,
                "list_price": 1200.0,
            }
        )
        cls.knob = Product.create(
            {
                "name": "Portal Knob",
                "default_code": "PK-1",
                "type": "consu",
                "sale_ok": True,
                "list_price": 10.0,
            }
        )
        Lot = env["stock.lot"]
        cls.lot_a, cls.lot_sub, cls.lot_b = Lot.create(
            [
                {"name": name, "product_id": cls.heater.id, "company_id": cls.company.id}
                for name in ("SN-ALPHA-1", "SN-ALPHA-SUB", "SN-BRAVO-1")
            ]
        )
        sale_date = cls.today - timedelta(days=30)
        Card = env["after_sales.warranty.card"]
        cls.card_a, cls.card_sub, cls.card_b = Card.create(
            [
                {
                    "dealer_id": dealer.id,
                    "product_id": cls.heater.id,
                    "lot_id": lot.id,
                    "customer_name": customer,
                    "customer_phone": "13800000000",
                    "sale_date": sale_date,
                    "date_received": sale_date + timedelta(days=5),
                    "invoice_number": invoice,
                }
                for dealer, lot, customer, invoice in (
                    (cls.dealer_a, cls.lot_a, "Customer Alpha", "INV-ALPHA"),
                    (cls.sub_a, cls.lot_sub, "Customer Alpha Sub", "INV-ALPHA-SUB"),
                    (cls.dealer_b, cls.lot_b, "Customer Bravo", "INV-BRAVO"),
                )
            ]
        )
        (cls.card_a | cls.card_sub | cls.card_b).action_register()
        Claim = env["after_sales.claim"]
        cls.claim_a, cls.claim_b = Claim.create(
            [
                {
                    "card_id": card.id,
                    "dealer_id": card.dealer_id.id,
                    "symptom": symptom,
                    "cause_category": "product_defect",
                    "onsite": True,
                }
                for card, symptom in (
                    (cls.card_a, "Alpha heater leaks"),
                    (cls.card_b, "Bravo heater leaks"),
                )
            ]
        )
        cls.photo_a = env["ir.attachment"].create(
            {
                "name": "Fault - alpha.png",
                "datas": base64.b64encode(PNG),
                "res_model": "after_sales.claim",
                "res_id": cls.claim_a.id,
                "description": "after_sales_photo:fault",
            }
        )
        Return = env["after_sales.return"]
        cls.return_a, cls.return_b = Return.create(
            [
                {
                    "dealer_id": dealer.id,
                    "description": text,
                    "line_ids": [
                        (0, 0, {"product_id": cls.knob.id, "quantity": 2, "reason": text})
                    ],
                }
                for dealer, text in (
                    (cls.dealer_a, "Alpha knobs broken"),
                    (cls.dealer_b, "Bravo knobs broken"),
                )
            ]
        )
        Request = env["after_sales.parts.request"]
        cls.parts_a, cls.parts_b = Request.create(
            [
                {
                    "dealer_id": dealer.id,
                    "request_type": "stock",
                    "line_ids": [(0, 0, {"product_id": cls.knob.id, "quantity": 3})],
                }
                for dealer in (cls.dealer_a, cls.dealer_b)
            ]
        )
        for contract in contracts:
            contract._fund_post(
                "accrual", 500.0, cls.today.replace(day=1), f"Accrual {contract.dealer_id.name}"
            )
        last_q_year, last_q = cls._previous_quarter()
        Settlement = env["after_sales.settlement"]
        cls.settlement_a, cls.settlement_b = Settlement.create(
            [
                {"contract_id": contract.id, "year": last_q_year, "quarter": str(last_q)}
                for contract in contracts
            ]
        )
        (cls.settlement_a | cls.settlement_b).write(
            {"state": "notified", "reimbursed_amount": 80.0}
        )
        cls.settlement_a._portal_ensure_token()
        # last month's reports owed by both contracts (the monthly cron)
        Submission = env["after_sales.monthly.submission"]
        Submission._cron_create_month()
        cls.monthly_a = Submission.search(
            [("contract_id", "=", cls.contract_a.id), ("kind", "=", "repair")]
        )

    @classmethod
    def _previous_quarter(cls):
        quarter = (cls.today.month - 1) // 3 + 1
        return (cls.today.year, quarter - 1) if quarter > 1 else (cls.today.year - 1, 4)

    @classmethod
    def _portal_user(cls, login, dealer):
        contact = cls.env["res.partner"].create(
            {"name": f"{dealer.name} Contact", "parent_id": dealer.id, "email": f"{login}@x.com"}
        )
        return new_test_user(
            cls.env,
            login,
            groups="base.group_portal",
            partner_id=contact.id,
            password=login,
            tz="Asia/Shanghai",
        )

    def _csrf(self):
        """A CSRF token of the current session (Odoo's, read from a portal page)."""
        response = self.url_open("/my/after-sales/cards")
        marker = 'name="csrf_token" value="'
        text = response.text
        if marker in text:
            return text.split(marker, 1)[1].split('"', 1)[0]
        return text.split('csrf_token: "', 1)[1].split('"', 1)[0]

"""Data generator for the benchmarks: a manufacturer's dealer network for 2026 Q1.

``generate(env, dealers=N, claims_per_dealer=M)`` creates N dealers with running contracts whose
allowance bases are mixed (collections, invoiced sales, registered units, none) and whose uses
are mixed (budget, payout), every one of them reimbursing claims at a flat rate. EVERY dealer
gets posted customer payments, posted invoices, registered warranty cards and M approved,
reimbursable claims, and one dealer in three draws parts on its fund: whatever basis a contract
uses, the documents of the other bases exist too, so that a run mixing the bases into each
other's accruals shows (issue 18). Batched: a few creates on lists.
"""

import datetime
import random

from common import analyze

Q1 = (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
SCHEMES = [
    {"allowance_basis": "collections", "allowance_rate": 3.0, "allowance_use": "budget"},
    {"allowance_basis": "units", "allowance_unit_amount": 20.0, "allowance_use": "payout"},
    {"allowance_basis": "sales", "allowance_rate": 2.0, "allowance_use": "payout"},
    {"allowance_basis": "none", "allowance_use": "budget"},
]


def _day(rng, month):
    return datetime.date(2026, month, rng.randint(1, 28))


def generate(env, *, dealers=200, claims_per_dealer=30, cards_per_dealer=20, seed=42, tag="Bench"):
    rng = random.Random(seed)
    company = env.company
    partners = env["res.partner"].create(
        [{"name": f"{tag} dealer {i:04d}", "is_company": True} for i in range(dealers)]
    )
    contracts = env["after_sales.contract"].create(
        [
            dict(
                SCHEMES[i % len(SCHEMES)],
                dealer_id=partner.id,
                company_id=company.id,
                date_start=datetime.date(2026, 1, 1),
                date_end=datetime.date(2027, 12, 31),
                claim_reimbursement="flat",
                flat_claim_amount=50.0,
                flat_onsite_amount=30.0,
            )
            for i, partner in enumerate(partners)
        ]
    )
    contracts.action_start()
    bank = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    payments = env["account.payment"].create(
        [
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": rng.randint(1000, 200000),
                "date": _day(rng, month),
                "journal_id": bank.id,
            }
            for partner in partners
            for month in (1, 3)
        ]
    )
    analyze(env)
    payments.action_post()
    product = env["product.product"].create(
        {"name": f"{tag} water heater", "list_price": 1299.0, "taxes_id": [(6, 0, [])]}
    )
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": _day(rng, month),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "quantity": rng.randint(1, 40),
                            "price_unit": 1299.0,
                            "tax_ids": [(6, 0, [])],
                        },
                    )
                ],
            }
            for partner in partners
            for month in (2, 3)
        ]
    )
    analyze(env)
    invoices.action_post()
    # the first cards of each dealer are the units its claims are about (sold in January); the
    # others are sold over the quarter; every card reaches the manufacturer within 3 days
    sales = [
        [
            datetime.date(2026, 1, rng.randint(2, 20))
            if i < claims_per_dealer
            else _day(rng, rng.randint(1, 3)).replace(day=rng.randint(1, 25))
            for i in range(cards_per_dealer + claims_per_dealer)
        ]
        for _partner in partners
    ]
    cards = env["after_sales.warranty.card"].create(
        [
            {
                "dealer_id": partner.id,
                "product_id": product.id,
                "sale_date": sale,
                "date_received": sale + datetime.timedelta(days=rng.randint(0, 3)),
                "customer_name": f"Customer {i}",
            }
            for partner, dealer_sales in zip(partners, sales, strict=True)
            for i, sale in enumerate(dealer_sales)
        ]
    )
    cards.action_register()
    by_dealer = {}
    for card in cards:
        by_dealer.setdefault(card.dealer_id.id, []).append(card)
    claims = env["after_sales.claim"].create(
        [
            {
                "dealer_id": partner.id,
                "card_id": card.id,
                "call_time": datetime.datetime(2026, 2, rng.randint(1, 20), 9, 0),
                "onsite": rng.random() < 0.3,
                "cause_category": "product_defect",
                "symptom": "No hot water",
            }
            for partner in partners
            for card in by_dealer[partner.id][:claims_per_dealer]
        ]
    )
    analyze(env)
    claims.action_submit()
    claims.action_approve()
    # approved in the quarter (the generator runs on any day)
    claims.write({"date_approved": datetime.date(2026, 3, 20)})
    env["after_sales.fund.entry"].create(
        [
            {
                "contract_id": contract.id,
                "kind": "consumption",
                "amount": -rng.randint(100, 8000),
                "date": datetime.date(2026, 2, 15),
                "name": "Bench parts",
            }
            for contract in contracts[::3]
        ]
    )
    env.flush_all()
    return contracts

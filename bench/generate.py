"""Data generator for the benchmarks: a manufacturer's dealer network for one quarter.

``generate(env, dealers=N)`` creates N dealers with running contracts spread over the three money
schemes, their collections (posted customer payments), registered warranty cards, and fund ledger
rows for parts drawn; everything dated in 2026 Q1. Batched: a few creates on lists.
"""

import datetime
import random


def generate(env, dealers=200, cards_per_dealer=20, seed=42):
    rng = random.Random(seed)
    company = env.company
    partners = env["res.partner"].create(
        [{"name": f"Bench dealer {i:04d}", "is_company": True} for i in range(dealers)]
    )
    schemes = [
        {"allowance_basis": "collections", "allowance_rate": 3.0, "allowance_use": "budget"},
        {"allowance_basis": "units", "allowance_unit_amount": 20.0, "allowance_use": "payout"},
        {"allowance_basis": "none", "claim_reimbursement": "flat"},
    ]
    contracts = env["after_sales.contract"].create(
        [
            dict(
                schemes[i % 3],
                dealer_id=partner.id,
                company_id=company.id,
                date_start=datetime.date(2026, 1, 1),
                date_end=datetime.date(2027, 12, 31),
            )
            for i, partner in enumerate(partners)
        ]
    )
    contracts.action_start()
    journal = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    payments = env["account.payment"].create(
        [
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": rng.randint(1000, 200000),
                "date": datetime.date(2026, rng.randint(1, 3), rng.randint(1, 28)),
                "journal_id": journal.id,
            }
            for partner in partners[::3]
        ]
    )
    payments.action_post()
    product = env["product.product"].create({"name": "Bench water heater"})
    cards = env["after_sales.warranty.card"].create(
        [
            {
                "dealer_id": partner.id,
                "product_id": product.id,
                "sale_date": datetime.date(2026, 1, 5),
                "date_received": datetime.date(2026, rng.randint(1, 3), rng.randint(6, 28)),
            }
            for partner in partners[1::3]
            for _i in range(cards_per_dealer)
        ]
    )
    cards.action_register()
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

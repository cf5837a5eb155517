"""Benchmark: register a spreadsheet of warranty cards (issue 3 asks for 10,000 rows at once).

Baseline: the same rows entered one by one through the ORM (a serial, a customer and a card per
row), as a naive import loop would. Candidate: the import wizard, which checks every row and
creates serials, customers and cards in batches. Both run in this process on the same rows (each
rolled back), and the figures print as ratios.

    python3 bench/bench_card_import.py -d DB --addons-path=... [--rows N]
"""

import argparse
import base64
import csv
import datetime
import io
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from common import Measure, environment, open_env, report

HEADERS = [
    "Product Code",
    "Serial Number",
    "Dealer",
    "Sale Date",
    "Received Date",
    "Customer Name",
    "Customer Phone",
    "Customer Address",
    "Invoice Number",
]


def prepare(env):
    dealer = env["res.partner"].create({"name": "Bench import dealer", "is_company": True})
    contract = env["after_sales.contract"].create(
        {"dealer_id": dealer.id, "date_start": datetime.date(2026, 1, 1)}
    )
    contract.action_start()
    product = env["product.product"].create(
        {
            "name": "Bench heater",
            "default_code": "BENCH-WH",
            "is_storable": True,
            "tracking": "serial",
        }
    )
    return dealer, product


def rows(count):
    sale = datetime.date(2026, 3, 1)
    received = datetime.date(2026, 3, 10)
    return [
        [
            "BENCH-WH",
            f"BENCH-SN-{i:06d}",
            "Bench import dealer",
            sale.isoformat(),
            received.isoformat(),
            f"Customer {i}",
            f"138{i:08d}",
            "1 Bench Road",
            f"INV-{i}",
        ]
        for i in range(count)
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    args, odoo_args = parser.parse_known_args()
    registry = open_env(odoo_args)
    data = rows(args.rows)
    results = []
    with environment(registry) as env:
        dealer, product = prepare(env)
        with Measure(env, "one row at a time (baseline)") as measure:
            for row in data:
                lot = env["stock.lot"].create({"name": row[1], "product_id": product.id})
                customer = env["res.partner"].create({"name": row[5], "phone": row[6]})
                env["after_sales.warranty.card"].create(
                    {
                        "dealer_id": dealer.id,
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "customer_id": customer.id,
                        "sale_date": row[3],
                        "date_received": row[4],
                        "invoice_number": row[8],
                    }
                )
        results.append(measure)
    with environment(registry) as env:
        prepare(env)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        writer.writerows(data)
        wizard = env["after_sales.warranty.card.import"].create(
            {"file": base64.b64encode(buffer.getvalue().encode()), "filename": "cards.csv"}
        )
        with Measure(env, "import wizard (checks every row)") as measure:
            wizard.action_import()
        assert wizard.imported_count == args.rows, wizard.error_report
        results.append(measure)
    report(f"Warranty card import of {args.rows} rows", *results, args.rows, "row")


if __name__ == "__main__":
    main()

"""Benchmark: register a spreadsheet of warranty cards (issue 3: 10,000 rows at once; issue 14).

Baseline: Odoo's own import (``base_import``) of the same CSV file into the same model
(``after_sales.warranty.card``), as a user would do from the list view. It cannot create the
serial numbers (a serial needs its product), so its Serial column is left out: the baseline does
less work than the wizard. Candidate: the addon's import wizard, which checks every row and
creates serials and cards in batches. Both run in this process on the same file (each rolled
back). Then the save both go through (the cards' ``create`` and registration) is measured on
its own: ``base_import``'s time over it is the ceiling of any import through that ``create``.

Both imports run twice: on the database as installed (a few partners), then on a database that
holds a dealer network (``generate.py``'s, with ``network_dealers`` dealers of the scale, each
with its running contract, payments, invoices and ``NETWORK_CARDS`` registered cards of end
customers of their own, committed as a live database holds them), which is what a
manufacturer imports into: ``base_import`` looks up the file's dealer and product by name row
by row, and Odoo's partner lookup reads the whole partner table each time, while the wizard
looks each distinct name up once. The network is left committed:
the benchmarks run after this one measure on it too, candidate and baseline alike.
Last, the peak memory of a large wizard import is measured in a fresh process.

    SCALE=small python3 bench/bench_card_import.py -d DB --addons-path=...
"""

import argparse
import base64
import csv
import datetime
import io
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from common import (
    Measure,
    committed_environment,
    environment,
    open_env,
    peak_rss_mb,
    report,
    scale,
    vacuum,
)
from generate import generate

# registered cards (units sold, each to an end customer of its own) per dealer of the network
NETWORK_CARDS = 50

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
# base_import's mapping of the same columns (the serial cannot be imported: see above)
IMPORT_FIELDS = [
    "product_id",
    False,
    "dealer_id",
    "sale_date",
    "date_received",
    "customer_name",
    "customer_phone",
    "customer_address",
    "invoice_number",
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


def populate(registry, dealers):
    """Commit a dealer network for the second run: the settlement bench's generator
    (``bench/generate.py``) with ``dealers`` dealers and ``NETWORK_CARDS`` registered cards each,
    whose end customers are partners of their own, as the cards of a live database are (no
    claims). Returns the number of partners."""
    with committed_environment(registry) as env:
        generate(
            env,
            dealers=dealers,
            claims_per_dealer=0,
            cards_per_dealer=NETWORK_CARDS,
            tag="Network",
        )
    vacuum(registry)
    with environment(registry) as env:
        env.cr.execute("SELECT count(*) FROM res_partner")
        return env.cr.fetchone()[0]


def compare(registry, content, rows, title):
    """``base_import`` of ``content`` and the wizard's import of it, each rolled back; print the
    ratio and return the two measures."""
    with environment(registry) as env:
        prepare(env)
        importer = env["base_import.import"].create(
            {
                "res_model": "after_sales.warranty.card",
                "file": content,
                "file_name": "cards.csv",
                "file_type": "text/csv",
            }
        )
        options = {
            "has_headers": True,
            "quoting": '"',
            "separator": ",",
            "encoding": "utf-8",
            "date_format": "%Y-%m-%d",
        }
        with Measure(env, "base_import of the same file (baseline)") as baseline:
            result = importer.execute_import(IMPORT_FIELDS, HEADERS, options)
        errors = [m for m in result.get("messages", []) if m.get("type") == "error"]
        assert not errors and len(result["ids"]) == rows, errors[:3]
    with environment(registry) as env:
        prepare(env)
        with Measure(env, "import wizard (checks every row, creates serials)") as candidate:
            wizard = wizard_import(env, content)
        assert wizard.imported_count == rows, wizard.error_report
    ratio = report(title, baseline, candidate, rows, "row", target=">= 3x faster")
    print(f"  the wizard is x{1 / ratio:.2f} as fast as base_import")
    return baseline, candidate


def csv_file(count):
    sale = datetime.date(2026, 3, 1)
    received = datetime.date(2026, 3, 10)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(
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
    )
    return buffer.getvalue().encode()


def new_wizard(env, content):
    return env["after_sales.warranty.card.import"].create(
        {"file": base64.b64encode(content), "filename": "cards.csv"}
    )


def wizard_import(env, content):
    wizard = new_wizard(env, content)
    wizard.action_import()
    return wizard


def shared_save(env, content, product):
    """The part of the import that ``base_import`` goes through too: the cards' ``create``
    (with their end customers, numbers and checks) and their registration, measured on rows
    checked beforehand and serials created beforehand (``base_import`` creates none).
    ``base_import``'s time over this one is the most any import of the file into these cards
    could be as fast as ``base_import``, were its own work free. Returns the measure."""
    wizard = new_wizard(env, content)
    headers, rows, header_row = wizard._read_file()
    serial = HEADERS.index("Serial Number")
    env["stock.lot"].create(
        [
            {"product_id": product.id, "name": row[serial], "company_id": wizard.company_id.id}
            for row in rows
        ]
    )
    checked, errors = wizard._check_rows(headers, rows, header_row)
    assert not errors, errors[:3]
    with Measure(env, "their shared save: card create and registration") as measure:
        cards = wizard._create_cards([values for __, values in checked])
    assert len(cards) == len(rows)
    return measure


def memory(registry, rows):
    """Run in a fresh process: import ``rows`` cards with the wizard, print the peak memory."""
    content = csv_file(rows)
    with environment(registry) as env:
        prepare(env)
        before = peak_rss_mb()
        with Measure(env, "wizard") as measure:
            wizard = wizard_import(env, content)
        assert wizard.imported_count == rows, wizard.error_report
        print(
            f"  wizard import of {rows} rows: {measure.seconds:.1f} s, {measure.queries} queries, "
            f"peak memory {peak_rss_mb():.0f} MB (process before the import: {before:.0f} MB; "
            f"target < 1024 MB)"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    parser.add_argument(
        "--network", type=int, help="dealers of the network for the second run (0: none)"
    )
    parser.add_argument("--memory", type=int, help="internal: measure the peak memory")
    args, odoo_args = parser.parse_known_args()
    name, sizes = scale()
    registry = open_env(odoo_args)
    if args.memory:
        memory(registry, args.memory)
        return
    rows = args.rows or sizes["import_rows"]
    dealers = sizes["network_dealers"] if args.network is None else args.network
    content = csv_file(rows)
    print(f"\n=== card import bench, SCALE={name}: {rows} rows")
    baseline, candidate = compare(
        registry, content, rows, f"Warranty card import of {rows} rows, database as installed"
    )
    with environment(registry) as env:
        __, product = prepare(env)
        floor = shared_save(env, content, product)
    report(
        "The save both imports share (rows checked and serials created beforehand)",
        baseline,
        floor,
        rows,
        "row",
    )
    print(
        f"  ceiling: no import through the cards' create can be more than "
        f"x{baseline.seconds / floor.seconds:.2f} as fast as base_import "
        f"(the wizard's own checks and serials: {candidate.seconds - floor.seconds:.1f} s)"
    )
    if dealers:
        print(f"\nCommitting a network of {dealers} dealers x {NETWORK_CARDS} registered cards")
        sys.stdout.flush()
        partners = populate(registry, dealers)
        compare(
            registry,
            content,
            rows,
            f"Warranty card import of {rows} rows, database holding the network "
            f"({dealers} dealers, {partners} partners)",
        )
    print(f"\nPeak memory of a {sizes['memory_rows']}-row wizard import (fresh process)")
    sys.stdout.flush()
    subprocess.run(
        [sys.executable, __file__, "--memory", str(sizes["memory_rows"]), *odoo_args],
        check=True,
    )


if __name__ == "__main__":
    main()

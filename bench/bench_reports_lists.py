"""Benchmark: what users open every day (issue 14).

* The monthly repair report of one dealer with many completed claims in the month, as XLSX and
  as PDF (wkhtmltopdf), with no baseline: seconds and queries.
* The claims list over many claims: its first page as the web client reads it
  (``web_search_read`` with the list view's fields) and a grouping by dealer and state
  (``web_read_group``), each against the raw SQL that reads the same rows or groups.

    SCALE=small python3 bench/bench_reports_lists.py -d DB --addons-path=...
"""

import datetime
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from common import Measure, environment, figures, open_env, report, scale

STATES = ["draft", "submitted", "approved", "rejected", "cancel"]


def report_dealer(env, claims):
    dealer = env["res.partner"].create({"name": "Bench report dealer", "is_company": True})
    contract = env["after_sales.contract"].create(
        {"dealer_id": dealer.id, "date_start": datetime.date(2026, 1, 1)}
    )
    contract.action_start()
    product = env["product.product"].create({"name": "Bench report heater"})
    cards = env["after_sales.warranty.card"].create(
        [
            {
                "dealer_id": dealer.id,
                "product_id": product.id,
                "sale_date": datetime.date(2026, 1, 2),
                "date_received": datetime.date(2026, 1, 10),
                "customer_name": f"Customer {i}",
            }
            for i in range(claims)
        ]
    )
    cards.action_register()
    records = env["after_sales.claim"].create(
        [
            {
                "dealer_id": dealer.id,
                "card_id": card.id,
                "call_time": datetime.datetime(2026, 3, 1 + i % 27, 9, 0),
                "completion_time": datetime.datetime(2026, 3, 1 + i % 27, 15, 0),
                "symptom": "No hot water",
                "cause": "Thermostat",
                "solution": "Replaced the thermostat",
                "cause_category": "product_defect",
            }
            for i, card in enumerate(cards)
        ]
    )
    records.action_submit()
    records.action_approve()
    env.flush_all()
    return dealer


def list_claims(env, count):
    rng = random.Random(7)
    dealers = env["res.partner"].create(
        [{"name": f"Bench list dealer {i:03d}", "is_company": True} for i in range(100)]
    )
    Claim = env["after_sales.claim"].with_context(mail_create_nolog=True)
    for start in range(0, count, 2000):
        Claim.create(
            [
                {
                    "dealer_id": dealers[i % len(dealers)].id,
                    "call_time": datetime.datetime(2026, rng.randint(1, 12), rng.randint(1, 28)),
                    "symptom": "No hot water",
                }
                for i in range(start, min(start + 2000, count))
            ]
        )
    # spread the states as they are in a year of claims (SQL: the bench is not about writes)
    env.flush_all()
    env.cr.execute(
        "UPDATE after_sales_claim SET state = (%s::varchar[])[1 + (id %% %s)] WHERE symptom = %s",
        (STATES, len(STATES), "No hot water"),
    )
    env.invalidate_all()


def list_specification(env):
    """The fields the claims list view reads, as the web client asks for them."""
    view = env["after_sales.claim"].get_views([(False, "list")])
    fields = view["models"]["after_sales.claim"]["fields"]
    spec = {}
    for name, field in fields.items():
        spec[name] = {"fields": {"display_name": {}}} if field["type"] == "many2one" else {}
    return spec


def main():
    name, sizes = scale()
    registry = open_env(sys.argv[1:])
    claims = sizes["report_claims"]
    print(f"\n=== reports and lists bench, SCALE={name}")
    with environment(registry) as env:
        dealer = report_dealer(env, claims)
        wizard = env["after_sales.monthly.report"].create(
            {"year": 2026, "month": "3", "dealer_ids": [(6, 0, dealer.ids)]}
        )
        with Measure(env, "XLSX export") as xlsx:
            wizard.action_export_xlsx()
        report_action = env.ref("after_sales_service.action_report_monthly_repair")
        with Measure(env, "PDF (wkhtmltopdf)") as pdf:
            env["ir.actions.report"]._render_qweb_pdf(
                report_action, dealer.ids, data={"year": 2026, "month": 3}
            )
        figures(
            f"Monthly repair report of one dealer with {claims} claims in the month",
            xlsx,
            pdf,
            unit_count=claims,
            unit="claim",
        )
    count = sizes["list_claims"]
    with environment(registry) as env:
        list_claims(env, count)
        spec = list_specification(env)
        Claim = env["after_sales.claim"]
        total = Claim.search_count([])
        with Measure(env, "raw SQL: first 80 rows (baseline)") as sql_page:
            env.cr.execute(
                "SELECT c.*, p.name FROM after_sales_claim c "
                "LEFT JOIN res_partner p ON p.id = c.dealer_id "
                "ORDER BY c.call_time DESC, c.id DESC LIMIT 80"
            )
            env.cr.fetchall()
            env.cr.execute("SELECT COUNT(*) FROM after_sales_claim")
        with Measure(env, "web_search_read, first page of 80") as page:
            Claim.web_search_read([], spec, limit=80, count_limit=10001)
        report(f"Claims list, first page ({total} claims)", sql_page, page, 80, "row")
        with Measure(env, "raw SQL: GROUP BY dealer, state (baseline)") as sql_group:
            env.cr.execute(
                "SELECT dealer_id, state, COUNT(*) FROM after_sales_claim GROUP BY dealer_id, state"
            )
            env.cr.fetchall()
        with Measure(env, "web_read_group by dealer and state") as group:
            Claim.web_read_group(
                [], ["dealer_id", "state"], ["__count", "amount_total:sum"], limit=80
            )
        report(f"Claims grouped by dealer and state ({total} claims)", sql_group, group, 1, "run")


if __name__ == "__main__":
    main()

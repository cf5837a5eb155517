"""Benchmark: settle a quarter for hundreds of dealers in one run (issue 4).

Baseline: the same settlement run one contract at a time (what a per-record loop would do).
Candidate: one batched run over all contracts, as the wizard does. Both run in this process on
the same generated data (each rolled back), and the figures print as ratios.

    python3 bench/bench_settlement.py -d DB --addons-path=... [--dealers N]
"""

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from common import Measure, environment, open_env, report
from generate import generate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dealers", type=int, default=150)
    args, odoo_args = parser.parse_known_args()
    registry = open_env(odoo_args)
    results = {}
    for label in ("one contract at a time (baseline)", "batched run (wizard)"):
        with environment(registry) as env:
            contracts = generate(env, dealers=args.dealers)
            Settlement = env["after_sales.settlement"]
            with Measure(env, label) as measure:
                if "baseline" in label:
                    for contract in contracts:
                        Settlement._settle_contracts(contract, 2026, 1)
                else:
                    Settlement._settle_contracts(contracts, 2026, 1)
            results[label] = measure
            settled = Settlement.search_count([("contract_id", "in", contracts.ids)])
            assert settled == len(contracts), (settled, len(contracts))
    baseline, candidate = results.values()
    report(
        f"Quarterly settlement of {args.dealers} dealers (2026 Q1)",
        baseline,
        candidate,
        args.dealers,
        "dealer",
    )


if __name__ == "__main__":
    main()

"""Shared by the benchmarks: open an Odoo environment on the benchmark database and time code.

Run through `make bench` (.ci/bench), which prepares a throwaway database with the addon.
"""

import contextlib
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config


def open_env(argv):
    """Parse Odoo's command line (``-d db --addons-path=...``) and return a registry."""
    config.parse_config(argv)
    odoo.modules.module.initialize_sys_path()
    return Registry(
        config["db_name"][0] if isinstance(config["db_name"], list) else config["db_name"]
    )


@contextlib.contextmanager
def environment(registry):
    """A superuser environment whose work is rolled back at the end (the database stays as
    generated, so runs are comparable)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"})
        try:
            yield env
        finally:
            cr.rollback()


class Measure:
    """Wall time and SQL queries of a block."""

    def __init__(self, env, label):
        self.env, self.label = env, label

    def __enter__(self):
        self.env.flush_all()
        self.queries = self.env.cr.sql_log_count
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.env.flush_all()
        self.seconds = time.perf_counter() - self.start
        self.queries = self.env.cr.sql_log_count - self.queries
        return False


def report(title, baseline, candidate, unit_count, unit):
    """Print the candidate's figures as ratios of the baseline's, measured in the same run."""
    print(f"\n{title}")
    for m in (baseline, candidate):
        print(
            f"  {m.label:<40} {m.seconds:8.3f} s {m.queries:7d} queries "
            f"({m.queries / unit_count:.1f} per {unit})"
        )
    print(
        f"  speed-up x{baseline.seconds / max(candidate.seconds, 1e-9):.1f}, "
        f"queries x{baseline.queries / max(candidate.queries, 1):.1f} fewer"
    )
    sys.stdout.flush()

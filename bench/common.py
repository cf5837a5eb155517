"""Shared by the benchmarks: open an Odoo environment on the benchmark database, time code, and
print candidates as ratios of a baseline measured in the same process.

Run through `make bench` (.ci/bench), which prepares a throwaway database with the addon (and
Odoo's base_import, for the import baseline). ``SCALE`` chooses the data size (see SCALES).
"""

import contextlib
import os
import resource
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

# dealers: dealers settled in one run; claims: approved claims per dealer (each size run in turn);
# import_rows / memory_rows: card import sizes; network_dealers: dealers of the network the card
# import runs a second time on (with their registered cards and end customers); report_claims:
# claims of the monthly report's dealer; list_claims: claims behind the claims list.
SCALES = {
    "small": {
        "dealers": 20,
        "claims": (3, 30),
        "import_rows": 2000,
        "memory_rows": 10000,
        "network_dealers": 20,
        "report_claims": 500,
        "list_claims": 6000,
    },
    "medium": {
        "dealers": 100,
        "claims": (3, 30),
        "import_rows": 10000,
        "memory_rows": 50000,
        "network_dealers": 100,
        "report_claims": 2000,
        "list_claims": 20000,
    },
    "full": {
        "dealers": 500,
        "claims": (30, 300),
        "import_rows": 10000,
        "memory_rows": 50000,
        "network_dealers": 500,
        "report_claims": 2000,
        "list_claims": 60000,
    },
}


def scale():
    """The figures of the chosen scale (``SCALE`` in the environment, small by default)."""
    name = os.environ.get("SCALE", "small")
    if name not in SCALES:
        sys.exit(f"SCALE must be one of {', '.join(SCALES)}, not {name!r}")
    return name, SCALES[name]


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


@contextlib.contextmanager
def committed_environment(registry):
    """A superuser environment whose work is committed at the end, as a live database holds
    what users entered over months: the settlement bench measures on committed data, each
    candidate and baseline in a transaction of its own (rolled back, see :func:`environment`).
    In one long transaction, PostgreSQL checks every row version against the transaction's own
    savepoints, which made updating the claims it had generated several times slower than on
    a live database."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"})
        yield env
        env.flush_all()
        cr.commit()


def analyze(env):
    """Planner statistics that see the rows this transaction created (``ANALYZE`` counts the
    transaction's own rows), as autovacuum gives a live database: on a fresh or rolled-back
    database the tables look empty, and the core accounting queries of posting (joins on
    ``OR``) then take nested loops that ran for minutes at 500 dealers. Only the database's
    own tables: an ``ANALYZE`` of the shared catalogs would hold their locks until the run
    rolls back and stall any other database's ``ANALYZE`` meanwhile."""
    env.flush_all()
    env.cr.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
    )
    tables = [SQL.identifier(name) for (name,) in env.cr.fetchall()]
    env.cr.execute(SQL("ANALYZE %s", SQL(", ").join(tables)))


def vacuum(registry):
    """``VACUUM ANALYZE`` the database, outside any transaction: a rolled-back run leaves its
    rows dead (about 220,000 journal item versions after the 500 x 30 settlement run), and the
    next run's core accounting queries, whose joins on ``OR`` scan them, then took seconds
    each (the 500 x 300 run after the 500 x 30 one posted about one payment every 3 s)."""
    with registry.cursor() as cr:
        cr.rollback()
        cr._cnx.autocommit = True
        try:
            cr.execute("VACUUM ANALYZE")
        finally:
            cr._cnx.autocommit = False


class Measure:
    """Wall time and SQL queries of a block."""

    def __init__(self, env, label):
        self.env, self.label = env, label

    def __enter__(self):
        self.env.flush_all()
        self.env.invalidate_all()
        self.queries = self.env.cr.sql_log_count
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.env.flush_all()
        self.seconds = time.perf_counter() - self.start
        self.queries = self.env.cr.sql_log_count - self.queries
        return False


# runs of a repeatable measure (one that changes nothing the next run sees): the median is kept
REPEAT = 7


def repeated(env, label, function, runs=REPEAT, setup=None):
    """Run ``function()`` ``runs`` times, each in its own :class:`Measure` (ORM cache emptied
    before it), and return ``(median measure, last result)``: one cold run tells more about
    the machine's other work than about the code. For blocks that can be run again on the
    same data (computations, previews), with baseline and candidate measured alike. With
    ``setup``, each run is ``function(setup())``, the setup outside the measure."""
    measures, result = [], None
    for _run in range(runs):
        args = (setup(),) if setup else ()
        with Measure(env, label) as measure:
            result = function(*args)
        measures.append(measure)
    measures.sort(key=lambda m: m.seconds)
    return measures[len(measures) // 2], result


def report(title, baseline, candidate, unit_count, unit, *, target=None):
    """Print the candidate's figures as a ratio of the baseline's, measured in the same run.
    ``target`` is the issue's goal, printed beside the ratio."""
    print(f"\n{title}")
    for m in (baseline, candidate):
        print(
            f"  {m.label:<52} {m.seconds:8.3f} s {m.queries:7d} queries "
            f"({m.queries / max(unit_count, 1):.1f} per {unit})"
        )
    ratio = candidate.seconds / max(baseline.seconds, 1e-9)
    print(
        f"  ratio candidate/baseline: time x{ratio:.2f}, "
        f"queries x{candidate.queries / max(baseline.queries, 1):.2f}"
        + (f"  (target: {target})" if target else "")
    )
    sys.stdout.flush()
    return ratio


def figures(title, *measures, unit_count=None, unit=None):
    """Print measures that have no baseline."""
    print(f"\n{title}")
    for m in measures:
        per = f" ({m.queries / unit_count:.1f} per {unit})" if unit_count else ""
        print(f"  {m.label:<52} {m.seconds:8.3f} s {m.queries:7d} queries{per}")
    sys.stdout.flush()


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB: Linux's ``VmHWM``, the high-water
    mark of this program's own memory. ``getrusage`` is not used where ``/proc`` answers: after
    ``fork`` and ``exec`` it reports the parent's size at the fork when that was larger (the
    memory run's process started from a bench that had imported 10,000 rows showed 480 MB
    before importing anything)."""
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

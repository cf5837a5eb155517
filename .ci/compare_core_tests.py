"""Compare the Odoo logs of the core suites run with and without the addon.

Called by .ci/test-core as ``compare_core_tests.py WITH_LOG WITH_RC BASE_LOG BASE_RC``. Prints
the tests failing in each run, those failing only with the addon (with their tracebacks), and the
closing line ``N passed, N failed``: the tests that passed with the addon, and those that fail
only with it.
Exits non-zero when any test fails only with the addon, or when either run did not report.
"""

import re
import sys

REPORT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
# "... ERROR db odoo.addons.sale.tests.test_access_rights: FAIL: TestAccessRights.test_x"
FAILURE = re.compile(r" odoo\.addons\.(\w+)\.tests[\w.]*: (?:FAIL|ERROR): (.+?)\s*$")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def read(log_path):
    """Return (lines, {test id: first line number}, report tuple or None)."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        lines = log.read().splitlines()
    failures = {}
    report = None
    for number, line in enumerate(lines):
        match = FAILURE.search(line)
        if match:
            failures.setdefault(f"{match.group(1)}: {match.group(2)}", number)
        match = REPORT.search(line)
        if match:
            report = tuple(int(group) for group in match.groups())
    return lines, failures, report


def excerpt(lines, number, limit=40):
    """The failure's log line and its traceback, up to the next log line."""
    out = [lines[number]]
    for line in lines[number + 1 : number + limit]:
        if LOG_LINE.match(line):
            break
        out.append(line)
    return "\n".join(out)


def main(with_log, with_rc, base_log, base_rc):
    with_lines, with_failures, with_report = read(with_log)
    _base_lines, base_failures, base_report = read(base_log)
    for label, report, rc, path in (
        ("with the addon", with_report, with_rc, with_log),
        ("without the addon", base_report, base_rc, base_log),
    ):
        if report is None:
            print(f"The run {label} stopped before reporting test results (exit code {rc}).")
            print(f"See {path}")
            print("0 passed, 1 failed")
            return 1
        if report[2] == 0:
            print(f"No test ran {label}: a selection that runs nothing fails.")
            print("0 passed, 1 failed")
            return 1
    only_with = sorted(set(with_failures) - set(base_failures))
    both = sorted(set(with_failures) & set(base_failures))
    only_base = sorted(set(base_failures) - set(with_failures))
    print(f"Tests run with the addon: {with_report[2]}, without it: {base_report[2]}")
    print(f"Failing without the addon too (not the addon's doing, ignored): {len(both)}")
    for test in both:
        print(f"  {test}")
    if only_base:
        print(f"Failing only without the addon: {len(only_base)}")
        for test in only_base:
            print(f"  {test}")
    for test in only_with:
        print("-" * 70)
        print(excerpt(with_lines, with_failures[test]))
    print(f"Failing only with the addon: {len(only_with)}")
    for test in only_with:
        print(f"  {test}")
    # passed: what passed with the addon; failed: what fails only with it (the rest is Odoo's)
    failed, errors, total = with_report
    print(f"{total - failed - errors} passed, {len(only_with)} failed")
    return 1 if only_with else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))

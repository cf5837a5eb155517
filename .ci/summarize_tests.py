"""Read an Odoo test log and print its failures and the closing line `N passed, N failed`.

Called by .ci/test with the log path and Odoo's exit code; exits non-zero when anything failed,
when an error was logged outside a test, or when no test ran.
"""

import re
import sys

REPORT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
TEST_START = re.compile(r"odoo\.addons\.\S+: Starting (\S+) \.\.\.")
LEVEL = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


def main(log_path, odoo_rc):
    with open(log_path, encoding="utf-8", errors="replace") as log:
        lines = log.read().splitlines()
    report = None
    started = 0
    problems = []
    for number, line in enumerate(lines):
        if TEST_START.search(line):
            started += 1
        match = REPORT.search(line)
        if match:
            report = tuple(int(group) for group in match.groups())
        if LEVEL.match(line) or line.startswith(("FAIL:", "ERROR:")):
            problems.append(number)
    for number in problems:
        print("\n".join(lines[number : number + 25]))
        print("-" * 70)
    if report is None:
        print(f"Odoo stopped before reporting test results (exit code {odoo_rc}); see {log_path}")
        print("0 passed, 1 failed")
        return 1
    failed, errors, total = report
    bad = failed + errors
    if total == 0:
        print("No test ran: a suite that runs nothing fails.")
        bad = max(bad, 1)
    elif problems and not bad:
        print("Errors were logged outside any test (above): counted as one failure.")
        bad = 1
    passed = total - failed - errors
    print(f"{passed} passed, {bad} failed")
    return 1 if bad or int(odoo_rc) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""Monthly duties of a dealer (DOMAIN.md R11): the repair report (维修月报表), the parts
replacement list (每月零件更换清单) and the satisfaction statistics (顾客满意度调查统计表).

Pure aggregation over plain rows, so that the PDF, the XLSX and the tests share one computation.
"""

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class RepairRow:
    dealer: str
    covered: bool
    onsite: bool
    revisited: bool
    satisfaction: int | None


@dataclass(frozen=True)
class MonthSummary:
    repairs: int
    covered: int
    onsite: int
    revisited: int
    revisit_ratio: float
    revisit_ratio_met: bool
    satisfaction_average: float | None
    satisfaction_counts: dict


def summarize(rows, revisit_ratio_min):
    """Count a dealer's repairs of the month and check the return-visit ratio (R10): at least
    ``revisit_ratio_min`` % of the month's repairs followed up. Scores are 1..5 or None."""
    rows = list(rows)
    repairs = len(rows)
    revisited = sum(1 for r in rows if r.revisited)
    ratio = round(100.0 * revisited / repairs, 2) if repairs else 0.0
    scores = [r.satisfaction for r in rows if r.satisfaction]
    counts = {score: scores.count(score) for score in range(1, 6)}
    return MonthSummary(
        repairs=repairs,
        covered=sum(1 for r in rows if r.covered),
        onsite=sum(1 for r in rows if r.onsite),
        revisited=revisited,
        revisit_ratio=ratio,
        revisit_ratio_met=not repairs or ratio >= revisit_ratio_min,
        satisfaction_average=round(sum(scores) / len(scores), 2) if scores else None,
        satisfaction_counts=counts,
    )


def parts_list(lines):
    """The parts replacement list: ``(part, quantity, old parts expected)`` triples summed per
    part from ``(part, quantity, old_part_required)`` lines, largest quantity first."""
    totals = defaultdict(lambda: [0.0, 0.0])
    for part, quantity, old_required in lines:
        totals[part][0] += quantity
        if old_required:
            totals[part][1] += quantity
    return sorted(
        ((part, qty, old) for part, (qty, old) in totals.items()),
        key=lambda item: (-item[1], str(item[0])),
    )

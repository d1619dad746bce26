"""What perturbation costs in accuracy on a register: exact and published headline numbers.

    DATABASE_URL=... python bench/accuracy.py

Prints each headline number as counted and as published (all cases, no filters), then the mean
and largest absolute change over the headline numbers and over every shown cell.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from cases.models import HELD_STATUSES  # noqa: E402
from cases.public import statistics, vocabulary  # noqa: E402


def exact_totals(sums: statistics.Sums) -> dict[str, int]:
    def count(key: str) -> int:
        return sums.get(key, statistics.NOTHING).count

    held = sum(count(vocabulary.key(vocabulary.STATUS, status)) for status in HELD_STATUSES)
    totals = {name: count(statistics.TOTAL_CELLS.get(name, name)) for name in statistics.HEADLINE}
    return totals | {"held": held}


def main() -> None:
    sums = statistics.tallied_sums()
    published = statistics.compute()
    exact = exact_totals(sums)
    changes = []
    print(f"{'headline':<22} {'counted':>9} {'published':>9}")
    for name in statistics.HEADLINE:
        shown = published.totals[name]
        print(f"{name:<22} {exact[name]:>9,} {'-' if shown is None else f'{shown:,}':>9}")
        if shown is not None:
            changes.append(abs(shown - exact[name]))
    print(
        f"headline: mean absolute change {sum(changes) / len(changes):.2f}, "
        f"largest {max(changes)} (over {len(changes)} numbers)"
    )
    table = statistics._Table()
    statistics._count_persons(table, sums)
    cell_changes = [
        abs(cell.count - table.cells[vocabulary.key(name, cell.key)].count)
        for name in ("status", "held", "year", "place", "ethnicity", "gender", "citizenship")
        for cell in published.breakdowns[name]
        if cell.count is not None
    ]
    print(
        f"persons' breakdowns: mean absolute change {sum(cell_changes) / len(cell_changes):.2f}, "
        f"largest {max(cell_changes)} (over {len(cell_changes)} shown cells)"
    )


if __name__ == "__main__":
    main()

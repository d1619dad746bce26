"""Cell-key perturbation: the published value of a count (docs/public-statistics.md).

Every counted record carries a secret random record key (0–255). A published cell's key is the
sum of its records' keys modulo 256, and its published value is its count plus the noise that
the perturbation table (ptable) gives for (count, cell key). The same records give the same
value in every view, format, language and server, so asking again teaches nothing; records that
differ give noise an attacker cannot tell from a person.

The ptable is a data file in the format of the ONS `cell-key-perturbation` package (columns
pcv, ckey, pvalue; rows for counts 1 to 750, larger counts reuse rows 501–750), written by
`manage.py make_ptable` from two parameters:
- `min_cell`: no published value lies between 1 and min_cell - 1;
- `spread`: a count is published as itself plus a whole number drawn uniformly from
  -spread..+spread, and a result between 1 and min_cell - 1 then as 0 or min_cell, with the
  probabilities that keep its mean. The noise has mean zero; neither 0 nor min_cell proves
  absence or presence.
"""

import csv
import functools
import json
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.core import checks

from cases.models import RECORD_KEY_RANGE

PTABLE_PATH = Path(__file__).resolve().parent / "data" / "ptable.csv"
PARAMETERS_PATH = PTABLE_PATH.with_suffix(".json")
# As the ONS package: rows for counts up to 750; a larger count reuses rows 501–750.
MAX_PCV = 750
REUSED_FROM = 501
DEFAULT_SPREAD = 2


def transition(count: int, min_cell: int, spread: int) -> dict[int, Fraction]:
    """The probability of each published value for a true `count`."""
    if count == 0:
        return {0: Fraction(1)}
    # Up to `spread` either side, never below zero.
    width = min(count, spread)
    published: dict[int, Fraction] = defaultdict(Fraction)
    for value in range(count - width, count + width + 1):
        chance = Fraction(1, 2 * width + 1)
        if 0 < value < min_cell:
            # A small result becomes 0 or min_cell, with the mean kept: value = min_cell × p.
            published[min_cell] += chance * Fraction(value, min_cell)
            published[0] += chance * (1 - Fraction(value, min_cell))
        else:
            published[value] += chance
    return dict(published)


def _slots(chances: dict[int, Fraction], count: int) -> list[int]:
    """The published value of each cell key: the chances as shares of the 256 keys (largest
    remainders; ties to the value closest to the count, so a symmetric row stays symmetric)."""
    exact = {value: chance * RECORD_KEY_RANGE for value, chance in chances.items()}
    shares = {value: int(share) for value, share in exact.items()}
    left = RECORD_KEY_RANGE - sum(shares.values())
    order = sorted(exact, key=lambda value: (-(exact[value] - shares[value]), abs(value - count)))
    for value in order[:left]:
        shares[value] += 1
    return [value for value in sorted(shares) for _ in range(shares[value])]


def build_ptable(min_cell: int, spread: int = DEFAULT_SPREAD) -> list[tuple[int, int, int]]:
    """The rows (pcv, ckey, pvalue) of the ptable for these parameters."""
    rows = []
    for pcv in range(1, MAX_PCV + 1):
        for ckey, value in enumerate(_slots(transition(pcv, min_cell, spread), pcv)):
            rows.append((pcv, ckey, value - pcv))
    return rows


def write_ptable(min_cell: int, spread: int = DEFAULT_SPREAD, path: Path = PTABLE_PATH) -> None:
    """Write the ptable and its parameters beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(["pcv", "ckey", "pvalue"])
        writer.writerows(build_ptable(min_cell, spread))
    variance = float(
        sum(
            chance * (value - 100) ** 2
            for value, chance in transition(100, min_cell, spread).items()
        )
    )
    parameters = {
        "min_cell": min_cell,
        "spread": spread,
        "record_key_range": RECORD_KEY_RANGE,
        "max_pcv": MAX_PCV,
        "variance_of_large_counts": round(variance, 3),
        "made_by": f"manage.py make_ptable --min-cell {min_cell} --spread {spread}",
    }
    path.with_suffix(".json").write_text(json.dumps(parameters, indent=2) + "\n")


@dataclass(frozen=True)
class PerturbationTable:
    min_cell: int
    spread: int
    # pvalues[pcv][ckey]; index 0 (a count of zero) is never perturbed.
    pvalues: tuple[tuple[int, ...], ...]

    def published(self, count: int, key_sum: int) -> int:
        """The published value of a cell of `count` records whose keys add up to `key_sum`."""
        if count <= 0:
            return 0
        pcv = (
            count if count <= MAX_PCV else (count - 1) % (MAX_PCV - REUSED_FROM + 1) + REUSED_FROM
        )
        return count + self.pvalues[pcv][key_sum % RECORD_KEY_RANGE]


def read_ptable(path: Path = PTABLE_PATH) -> PerturbationTable:
    parameters = json.loads(path.with_suffix(".json").read_text())
    pvalues = [[0] * RECORD_KEY_RANGE for _ in range(MAX_PCV + 1)]
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            pvalues[int(row["pcv"])][int(row["ckey"])] = int(row["pvalue"])
    return PerturbationTable(
        min_cell=parameters["min_cell"],
        spread=parameters["spread"],
        pvalues=tuple(tuple(row) for row in pvalues),
    )


@functools.cache
def _committed() -> PerturbationTable:
    return read_ptable()


@functools.cache
def _made(min_cell: int) -> PerturbationTable:
    rows = build_ptable(min_cell, _committed().spread)
    pvalues = [[0] * RECORD_KEY_RANGE for _ in range(MAX_PCV + 1)]
    for pcv, ckey, pvalue in rows:
        pvalues[pcv][ckey] = pvalue
    return PerturbationTable(min_cell, _committed().spread, tuple(map(tuple, pvalues)))


def ptable(min_cell: int | None = None) -> PerturbationTable:
    """The ptable in use: the committed file, or, for another threshold than the file's (a
    system check warns of that outside tests), one made with the file's spread."""
    min_cell = settings.PUBLIC_MIN_CELL if min_cell is None else min_cell
    committed = _committed()
    return committed if committed.min_cell == min_cell else _made(min_cell)


@checks.register(checks.Tags.security, deploy=True)
def check_ptable_threshold(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The committed ptable must be the one made for PUBLIC_MIN_CELL: another threshold gets a
    table made in memory, which no file records."""
    made_for = _committed().min_cell
    if made_for == settings.PUBLIC_MIN_CELL:
        return []
    return [
        checks.Warning(
            f"PUBLIC_MIN_CELL is {settings.PUBLIC_MIN_CELL}, but {PTABLE_PATH.name} was made "
            f"for {made_for}.",
            hint=f"Run: manage.py make_ptable --min-cell {settings.PUBLIC_MIN_CELL}",
            id="cases.W001",
        )
    ]

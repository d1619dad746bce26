"""How well a name search finds a person: the labelled variants of tests/data/names/variants.csv.

Each row names a person as an advocate might type it (query) and a spelling the register holds
(target). `build_register` stores every target as a case; `measure` runs a search for every
query and counts, per category:

- recall: the target's case among the first RECALL_AT results;
- wrong first: the first result is a different person, scored above every case of the right
  one (a given name alone finds everyone of that name equally: none of them is wrong first);
  for a near neighbour, whose own case is not in the register: the named target comes first
  as a likely match. For near neighbours "recall" is the share not matched wrongly.

The suite (tests/test_name_accuracy.py) and the bench (bench/names.py) run the same measurement.
"""

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

VARIANTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "names" / "variants.csv"
RECALL_AT = 5
NEAR_NEIGHBOUR = "near_neighbour"
REGISTER_ONLY = "register_only"


@dataclass(frozen=True)
class Variant:
    person: str
    query: str
    target: str
    category: str
    source: str


@dataclass
class Tally:
    queries: int = 0
    found: int = 0  # the target among the first RECALL_AT (spellings of this person)
    wrong_first: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.queries if self.queries else 1.0

    @property
    def wrong_first_rate(self) -> float:
        return self.wrong_first / self.queries if self.queries else 0.0


def load_variants(path: Path = VARIANTS) -> list[Variant]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Variant(**row) for row in csv.DictReader(handle)]


def register_entries(variants: Iterable[Variant]) -> list[tuple[str, str]]:
    """(person, spelling) of every case the register holds, each once, in file order."""
    return list(dict.fromkeys((variant.person, variant.target) for variant in variants))


# A search: the query in; out, best first, the (person, spelling) of each case found with its
# score, and whether the first one is shown as a likely match (not merely the closest of weak
# ones). Cases of equal score are in no meaningful order.
Search = Callable[[str], tuple[list[tuple[tuple[str, str], float]], bool]]


def measure(variants: Iterable[Variant], search: Search) -> dict[str, Tally]:
    """Per category, then "all" (every query) and "matching" (every query but near neighbours)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for variant in variants:
        if variant.category == REGISTER_ONLY:
            continue
        scored, first_is_match = search(variant.query)
        found = [label for label, _score in scored]
        tally = tallies[variant.category]
        tally.queries += 1
        if variant.category == NEAR_NEIGHBOUR:
            wrong = bool(found) and first_is_match and found[0][0] == variant.person
            tally.found += not wrong
        else:
            right = [score for (person, _), score in scored if person == variant.person]
            wrong = bool(found) and found[0][0] != variant.person
            wrong = wrong and (not right or max(right) < scored[0][1])
            if (variant.person, variant.target) in found[:RECALL_AT]:
                tally.found += 1
            else:
                tally.misses.append(f"{variant.query} → {variant.target}")
        if wrong:
            tally.wrong_first += 1
            if variant.category == NEAR_NEIGHBOUR:
                tally.misses.append(f"{variant.query} ≠ {variant.target}")
    for name in ("matching", "all"):
        total = Tally()
        for category, tally in list(tallies.items()):
            if category in ("matching", "all") or (
                name == "matching" and category == NEAR_NEIGHBOUR
            ):
                continue
            total.queries += tally.queries
            total.found += tally.found
            total.wrong_first += tally.wrong_first
        tallies[name] = total
    return dict(tallies)


def table(tallies: dict[str, Tally]) -> str:
    """The figures as a Markdown table."""
    lines = [
        f"| category | queries | recall@{RECALL_AT} | wrong person first |",
        "|---|---:|---:|---:|",
    ]
    for category in sorted(tallies, key=lambda name: (name in ("matching", "all"), name)):
        tally = tallies[category]
        lines.append(
            f"| {category} | {tally.queries} | {tally.recall:.1%} | {tally.wrong_first_rate:.1%} |"
        )
    return "\n".join(lines)

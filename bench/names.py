"""The name matching at the size of the register: the labelled variants among 100,000 cases.

    DATABASE_URL=postgres://…/casetracker_bench .venv/bin/python bench/names.py
    DATABASE_URL=postgres://…/names_bench .venv/bin/python bench/names.py --load-persons 100000

(or `bench/inprocess.py names`, which bench/run.py calls). `--load-persons N` first adds N
generated persons alone (cases.demo's names, no families: minutes instead of the full load's
quarter of an hour) to a database whose name contains "bench". The variants' register
(tests/data/names/variants.csv) is added to the register as cases, every query is searched for
as the admin's ranked search does (cases.name_search.rank), timed, and the measurement of
cases.name_accuracy is taken: a generated case found first counts as a wrong person. Everything
is rolled back. Prints a JSON document on its last line.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.timing import summary  # noqa: E402
from cases.models import DetainedPerson  # noqa: E402
from cases.name_accuracy import (  # noqa: E402
    NEAR_NEIGHBOUR,
    load_variants,
    measure,
    register_entries,
)
from cases.name_search import rank  # noqa: E402

NAME_FIELDS = ("full_name", "name_latin", "name_chinese", "other_names")
TARGET_MS = 200
GIVEN_NAME_ALONE = ("given_name_only", "given_name_chinese")


class Rollback(Exception):
    pass


def name_search() -> dict:
    """Recall and wrong-first per category, and the time of each search, at this size."""
    variants = load_variants()
    timings: list[float] = []
    try:
        with transaction.atomic():
            labels = {}
            for person, target in register_entries(variants):
                case = DetainedPerson(full_name=target)
                case.save()
                labels[case.pk] = (person, target)

            def search(query):
                started = time.perf_counter()
                found = rank(DetainedPerson.objects.all(), [query], NAME_FIELDS)
                timings.append(time.perf_counter() - started)
                scored = [
                    (labels.get(ranked.pk, ("generated", str(ranked.pk))), ranked.match.score)
                    for ranked in found
                ]
                return scored, bool(found) and found[0].match.likely

            tallies = measure(variants, search)
            cases = DetainedPerson.objects.count()
            raise Rollback
    except Rollback:
        pass
    # A given name alone finds everyone of that name equally: among 100,000 cases hundreds
    # tie, and which five come first says nothing. The full names, apart:
    full = [
        tally
        for name, tally in tallies.items()
        if name not in GIVEN_NAME_ALONE + ("all", "matching", NEAR_NEIGHBOUR)
    ]
    queries = sum(tally.queries for tally in full)
    tallies_full = {
        "queries": queries,
        "recall": sum(tally.found for tally in full) / queries,
        "wrong_first": sum(tally.wrong_first for tally in full) / queries,
    }
    return {
        "full_names": tallies_full,
        "database": connection.vendor,
        "cases": cases,
        "timing": summary(timings),
        "categories": {
            name: {
                "queries": tally.queries,
                "recall": tally.recall,
                "wrong_first": tally.wrong_first_rate,
            }
            for name, tally in tallies.items()
        },
    }


def load_persons(count: int) -> None:
    """Add `count` generated persons, without their families, petitions or outcomes."""
    import random

    from django.utils import timezone

    from cases.demo.generator import CaseGenerator

    assert "bench" in connection.settings_dict["NAME"], "only into a bench database"
    generator = CaseGenerator(random.Random(1), timezone.localdate())
    for start in range(0, count, 5000):
        batch = [generator.case().person for _ in range(min(5000, count - start))]
        DetainedPerson.objects.bulk_create(batch)
    DetainedPerson.objects.assign_case_numbers()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load-persons", type=int, default=0, metavar="N")
    if count := parser.parse_args().load_persons:
        load_persons(count)
    result = name_search()
    timing = result["timing"]
    print(f"{result['database']}, {result['cases']:,} cases")
    print(
        f"name search: {timing['runs']} queries, median {timing['median_ms']:.0f} ms, "
        f"p95 {timing['p95_ms']:.0f} ms (target p95 < {TARGET_MS} ms)"
    )
    full = result["full_names"]
    print(
        f"  full names (no given name alone): {full['queries']} queries, recall@5 "
        f"{full['recall']:.1%}, wrong first {full['wrong_first']:.1%}"
    )
    for name, figures in sorted(result["categories"].items()):
        print(
            f"  {name:<20} {figures['queries']:4d} queries  recall@5 {figures['recall']:6.1%}  "
            f"wrong first {figures['wrong_first']:5.1%}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

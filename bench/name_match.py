"""Time name matching on a register (run on PostgreSQL, after load_demo --synthetic 20000).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/<database> DEBUG=1
    .venv/bin/python bench/name_match.py [--names 12] [--skip-pairs]

Prints a digest of every score and reason name_match gives the labelled variants
(tests/data/names/variants.csv, each spelling against each register name): a change that
should only make matching faster must leave it as it was. Then, for --names persons spread over
the register, the time and queries of the admin's name search (the persons ranked by name, the
relatives ranked for related_name_match, and the whole persons list searched so, for a
superuser made for the run and rolled back); last, find_pairs over the whole register.
"""

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.duplicates import sample_persons  # noqa: E402
from cases.admin.persons import DetainedPersonAdmin  # noqa: E402
from cases.duplicates import best_pairs, find_pairs  # noqa: E402
from cases.models import DetainedPerson  # noqa: E402
from cases.name_accuracy import load_variants, register_entries  # noqa: E402
from cases.name_match import best_match, spellings_of  # noqa: E402
from cases.name_search import rank  # noqa: E402


def digest() -> None:
    variants = load_variants()
    targets = [spellings_of(target) for _person, target in register_entries(variants)]
    started = time.process_time()
    hashed, likely = hashlib.sha256(), 0
    for variant in variants:
        query = spellings_of(variant.query)
        for target in targets:
            match = best_match(query, target)
            hashed.update(f"{match.score}:{','.join(match.reasons)};".encode())
            likely += match.likely
    seconds = time.process_time() - started
    pairs = len(variants) * len(targets)
    print(f"labelled variants: {pairs:,} name pairs in {seconds:.2f} s CPU, {likely} likely")
    print(f"  digest of scores and reasons: {hashed.hexdigest()[:16]}")


def timed(label: str, searches: list[str], search) -> None:
    search(searches[0])  # warm the connection
    timings, cpu, queries = [], [], []
    for query in searches:
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            search(query)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries.append(len(captured.captured_queries))
    print(
        f"{label}: {len(searches)} searches, median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms (this process's CPU: median "
        f"{statistics.median(cpu):.1f} ms), {max(queries)} queries each at most"
    )


def searches_for(count: int) -> list[str]:
    # Alternate the scripts an advocate may type: the family's spelling, or the Latin one.
    return [
        person.full_name if index % 2 == 0 else (person.name_latin or person.full_name)
        for index, person in enumerate(sample_persons(count))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=12)
    parser.add_argument("--skip-pairs", action="store_true")
    options = parser.parse_args()
    print(f"{connection.vendor}, {DetainedPerson.objects.count():,} persons")
    digest()
    searches = searches_for(options.names)
    fields = DetainedPersonAdmin.ranked_name_fields
    timed("persons ranked by name", searches, lambda q: rank(DetainedPerson.objects, [q], fields))
    admin = DetainedPersonAdmin(DetainedPerson, None)
    timed("related_name_match", searches, admin.related_name_match)
    with transaction.atomic():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.create_superuser("bench-name-match"))
        persons = reverse("admin:cases_detainedperson_changelist")
        timed("persons list searched", searches, lambda q: client.get(persons, {"q": q}))
        transaction.set_rollback(True)
    if not options.skip_pairs:
        started, started_cpu = time.perf_counter(), time.process_time()
        pairs = best_pairs(find_pairs(min_score=80))
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        print(f"find_pairs(min_score=80): {len(pairs)} pairs in {seconds:.1f} s ({cpu:.1f} s CPU)")


if __name__ == "__main__":
    main()

"""Time duplicate detection on a large register (run on PostgreSQL, after load_demo).

    createdb -h 127.0.0.1 -U postgres -E UTF8 -T template0 casetracker_dup_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/casetracker_dup_bench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py load_demo --synthetic 100000
    .venv/bin/python bench/duplicates.py [--names 20] [--skip-pairs]

Prints the time of likely_matches for --names different persons (median and max, target
under 200 ms each), the query plan of one of them (it must use the trigram index), and the
time of find_pairs and of the find_duplicates command over the whole register.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from cases.duplicates import best_pairs, find_pairs, likely_matches  # noqa: E402
from cases.models import DetainedPerson  # noqa: E402

TRIGRAM_INDEX = "cases_person_name_key_trgm"
TARGET_MS = 200


def sample_persons(count: int) -> list[DetainedPerson]:
    """`count` persons spread evenly over the register, the same ones on every run."""
    ids = list(DetainedPerson.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // count)
    chosen = ids[step // 2 :: step][:count]
    return list(DetainedPerson.objects.filter(pk__in=chosen).order_by("pk"))


def query_for(person: DetainedPerson, index: int) -> dict:
    # Alternate the scripts an advocate may type: the family's spelling, or the Latin one.
    name = person.full_name if index % 2 == 0 else (person.name_latin or person.full_name)
    return {
        "full_name": name,
        "birth_year": person.birth_year,
        "home_place_id": person.home_place_id,
        "exclude_pk": person.pk,
    }


def time_matches(persons: list[DetainedPerson]) -> None:
    timings, found = [], []
    for index, person in enumerate(persons):
        started = time.perf_counter()
        matches = likely_matches(**query_for(person, index))
        timings.append((time.perf_counter() - started) * 1000)
        found.append(len(matches))
    print(f"likely_matches for {len(persons)} names:")
    for person, ms, count in zip(persons, timings, found, strict=True):
        print(f"  {ms:7.1f} ms  {count:2d} matches  {person.case_number}")
    median, worst = statistics.median(timings), max(timings)
    verdict = "OK" if worst < TARGET_MS else f"OVER {TARGET_MS} ms"
    print(f"  median {median:.1f} ms, max {worst:.1f} ms ({verdict})")


def explain_one(person: DetainedPerson) -> None:
    with CaptureQueriesContext(connection) as queries:
        likely_matches(**query_for(person, 0))
    [sql] = [query["sql"] for query in queries.captured_queries if "LIKE" in query["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\nPlan of the candidate query for {person.case_number}:\n{plan}")
    print(f"\nTrigram index {TRIGRAM_INDEX} used: {TRIGRAM_INDEX in plan}")


def time_pairs() -> None:
    started = time.perf_counter()
    pairs = best_pairs(find_pairs(min_score=80))
    seconds = time.perf_counter() - started
    print(f"\nfind_pairs(min_score=80) over the register: {len(pairs)} pairs in {seconds:.1f} s")
    output = io.StringIO()
    started = time.perf_counter()
    call_command("find_duplicates", stdout=output)
    seconds = time.perf_counter() - started
    lines = output.getvalue().splitlines()
    print(f"manage.py find_duplicates: {len(lines)} lines in {seconds:.1f} s; the first:")
    for line in lines[:3]:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=20)
    parser.add_argument("--skip-pairs", action="store_true")
    options = parser.parse_args()
    total = DetainedPerson.objects.count()
    print(f"{connection.vendor}, {total} persons")
    if connection.vendor != "postgresql":
        print("Run this on PostgreSQL: the SQLite fallback is not built for this size.")
    persons = sample_persons(options.names)
    likely_matches(**query_for(persons[0], 0))  # warm the connection and caches
    time_matches(persons)
    if connection.vendor == "postgresql":
        explain_one(persons[0])
    if not options.skip_pairs:
        time_pairs()


if __name__ == "__main__":
    main()

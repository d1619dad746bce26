"""The measurements that run inside Django, against the database of DATABASE_URL.

    python bench/inprocess.py load N | stats RUNS | admin | import ROWS | tallies RUNS | names
    python bench/inprocess.py advocate SERVER CHANGE_URL SESSION_JSON SECONDS

bench/run.py calls each as a subprocess (one per database) and reads the JSON document it prints
on its last line. Nothing here serves HTTP: that is bench/run.py's part; the advocate of the
load test saves a case through a server's admin, as a browser would.
"""

import argparse
import io
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

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.timing import summary  # noqa: E402
from cases.models import (  # noqa: E402
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    PetitionEvent,
    Relative,
)
from cases.public import statistics  # noqa: E402
from cases.public.filters import statistics_filter  # noqa: E402

BENCH_USER = "bench-admin"

# The filters the cold statistics are timed with: none, and the ones visitors pick most.
STATISTICS_FILTERS = {
    "unfiltered": {},
    "year 2018": {"year": "2018"},
    "place Ili, held": {"place": "ili", "status_group": "held"},
}

LOADED_TABLES = (
    DetainedPerson,
    Relative,
    Kinship,
    Petition,
    Petition.persons.through,
    Petition.petitioners.through,
    PetitionEvent,
    Outcome,
)


def rows_in_loaded_tables() -> int:
    return sum(model.objects.count() for model in LOADED_TABLES)


def load(count: int) -> dict:
    """Generate `count` cases with load_demo --synthetic; rows inserted per second."""
    before = rows_in_loaded_tables()
    started = time.perf_counter()
    call_command("load_demo", synthetic=count, stdout=io.StringIO())
    seconds = time.perf_counter() - started
    rows = rows_in_loaded_tables() - before
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh statistics for the planner, as autovacuum would gather them a little later.
            cursor.execute("ANALYZE")
    return {"cases": count, "rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}


def cold_statistics(runs: int) -> dict:
    """statistics.compute() with an empty cache, as the first visitor after a change waits."""
    results = {}
    for label, data in STATISTICS_FILTERS.items():
        filterset = statistics_filter(data)
        assert filterset.is_valid(), filterset.errors
        times = []
        for _ in range(runs):
            cache.clear()
            started = time.perf_counter()
            statistics.compute(filterset.qs)
            times.append(time.perf_counter() - started)
        results[label] = summary(times)
    return results


def bench_user() -> User:
    user, _created = User.objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def sample_person() -> DetainedPerson:
    """A full family case, chosen the same way in any register: the first person with two or
    more relatives and petitions and an outcome."""
    return (
        DetainedPerson.objects.annotate(
            relatives=Count("kinships", distinct=True),
            petition_total=Count("petitions", distinct=True),
            outcome_total=Count("outcomes", distinct=True),
        )
        .filter(relatives__gte=2, petition_total__gte=2, outcome_total__gte=1)
        .order_by("pk")
        .first()
    )


def admin_pages() -> dict[str, str]:
    """The admin pages measured, by label: what an advocate opens most."""
    person = sample_person()
    # An advocate types the surname as they heard it, in Latin letters.
    surname = (person.name_latin or person.full_name).split()[-1]
    persons = reverse("admin:cases_detainedperson_changelist")
    return {
        "persons changelist": persons,
        "petitions changelist": reverse("admin:cases_petition_changelist"),
        "person change page": reverse("admin:cases_detainedperson_change", args=[person.pk]),
        # Fetched by the change page once shown (static/js/likely_matches.js).
        "person's likely matches": reverse(
            "admin:cases_detainedperson_likely_matches", args=[person.pk]
        ),
        f"name search '{surname}'": f"{persons}?q={surname}",
    }


def admin() -> dict:
    """The admin pages, the queries each runs, and a signed-in session for HTTP timing."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(bench_user())
    pages = admin_pages()
    queries = {}
    for label, url in pages.items():
        client.get(url)  # the first request fills per-process caches (content types, sites)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries[label] = len(captured)
    return {
        "cases": DetainedPerson.objects.count(),
        "pages": pages,
        "queries": queries,
        "session": {name: client.cookies[name].value for name in [settings.SESSION_COOKIE_NAME]},
    }


class Rollback(Exception):
    pass


def import_sheet(rows: int) -> dict:
    """A persons sheet of `rows` rows (bench/imports.py makes it), imported and confirmed, then
    rolled back so that the register keeps its size."""
    import random

    from bench.imports import as_csv
    from bench.imports import rows as sheet_rows
    from cases.intake.persons import import_persons

    data = as_csv(sheet_rows(rows, random.Random(1)))
    started = time.perf_counter()
    try:
        with transaction.atomic():
            report = import_persons(data, user=bench_user(), dry_run=False, file_name="bench.csv")
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    assert report.ok, report.errors[:5]
    return {
        "rows": rows,
        "created": report.created,
        "relatives": report.relatives_added,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
    }


def tally_upkeep(runs: int) -> dict:
    """What keeping the public counts current costs: a case's status changed and saved (the
    save, its history and the refresh of its tallies with its family's, petitions' and
    outcomes'), and every tally counted afresh. Both rolled back."""
    from cases.models import Status
    from cases.public import tallies

    person = sample_person()
    times = []
    for run in range(runs):
        person.status = Status.RELEASED if run % 2 else Status.PRISON
        try:
            with transaction.atomic():
                started = time.perf_counter()
                person.save()
                times.append(time.perf_counter() - started)
                raise Rollback
        except Rollback:
            pass
    started = time.perf_counter()
    try:
        with transaction.atomic():
            records = tallies.rebuild()
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return {"status_change": summary(times), "rebuild": {"records": records, "seconds": seconds}}


def published_now() -> dict:
    """What the unfiltered statistics publish for the register as it stands, in English,
    counted afresh from the tallies (no cache): the JSON document and the CSV file."""
    from django.core.serializers.json import DjangoJSONEncoder
    from django.http import QueryDict
    from django.utils import translation

    from cases.public.filters import applied_filters, wider_views

    filterset = statistics_filter(QueryDict())
    assert filterset.is_valid(), filterset.errors
    with translation.override("en"):
        numbers = statistics.compute(filterset.qs, parents=wider_views(filterset))
        shown = statistics.localize(numbers)
        data = statistics.as_data(shown, applied_filters(filterset))
        csv_text = "".join(statistics.csv_lines(shown))
    data.pop("generated_at")
    return {"data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)), "csv": csv_text}


def advocate(server: str, change_url: str, session: dict, seconds: float) -> dict:
    """Save the case of `change_url` through the admin of `server` once a second for `seconds`,
    its status alternating, and note what each committed state publishes."""
    from bench.web import Browser, change_status, current_status

    browser = Browser(server, session)
    first = current_status(browser, change_url)
    other = "released" if first != "released" else "left_china"
    states = [published_now()]
    times = []
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        began = time.perf_counter()
        change_status(browser, change_url, other if len(times) % 2 == 0 else first)
        times.append(time.perf_counter() - began)
        states.append(published_now())
        time.sleep(max(0.0, 1 - (time.perf_counter() - began)))
    if len(times) % 2:
        change_status(browser, change_url, first)
    return {"saves": len(times), "save": summary(times), "states": states}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("load").add_argument("count", type=int)
    commands.add_parser("stats").add_argument("runs", type=int)
    commands.add_parser("admin")
    commands.add_parser("import").add_argument("rows", type=int)
    commands.add_parser("tallies").add_argument("runs", type=int)
    commands.add_parser("names")
    advocate_command = commands.add_parser("advocate")
    for name in ("server", "change_url", "session"):
        advocate_command.add_argument(name)
    advocate_command.add_argument("seconds", type=float)
    args = parser.parse_args()
    if args.command == "load":
        result = load(args.count)
    elif args.command == "stats":
        result = cold_statistics(args.runs)
    elif args.command == "admin":
        result = admin()
    elif args.command == "tallies":
        result = tally_upkeep(args.runs)
    elif args.command == "names":
        from bench.names import name_search

        result = name_search()
    elif args.command == "advocate":
        result = advocate(args.server, args.change_url, json.loads(args.session), args.seconds)
    else:
        result = import_sheet(args.rows)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Run the disclosure attacks of tests/public/disclosure.py against this checkout; print the rates.

    DATABASE_URL=... python bench/attacks.py [--seeds N]

It builds its registers in a throwaway test database (as the test runner does), asks
/statistics.json through Django's test client, and prints each attack's success rate. The same
file, copied into an older checkout, measures that version with the same scripts and registers.
"""

import argparse
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# The test client speaks plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("REQUIRE_2FA", "0")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.public import disclosure  # noqa: E402


def client_publisher():
    client = Client()

    def publish(query: dict) -> dict | None:
        response = client.get("/statistics.json", {k: str(v) for k, v in query.items()})
        return response.json() if response.status_code == 200 else None

    return publish


def main() -> None:
    # A refused query (a 400) is part of the attack, not news.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--only", help="run the attacks whose function name contains this")
    arguments = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        publish = client_publisher()
        seeds = list(range(arguments.seeds))
        for name, attack in (
            ("membership, one request (coin flips guessed right)", disclosure.membership_attack),
            ("two views: whole profile read off", disclosure.two_view_attack),
            ("year range: whole profile read off", disclosure.year_range_attack),
            (
                "answered share: hidden drafts recovered (and by a constant guess)",
                disclosure.percentage_attack,
            ),
            (
                "pairs and partitions: hidden cells recovered (and by a constant guess)",
                disclosure.subtraction_attack,
            ),
        ):
            if arguments.only and arguments.only not in attack.__name__:
                continue
            started = time.perf_counter()
            cache.clear()
            result = attack(publish, seeds)
            print(
                f"{name}: {result} ({time.perf_counter() - started:.0f} s, {len(seeds)} registers)"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

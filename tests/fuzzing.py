"""What the fuzz tests share: hypothesis' settings, the nasty values and raw query strings they
draw from, a family case to search, and the known nasty inputs' base (tests/test_fuzz.py for the
public pages, tests/admin/test_fuzz.py for the admin)."""

import datetime

from django.db import connection, transaction
from django.test import TestCase as DjangoTestCase
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cases.models import Outcome, Source, Status
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    make_user,
    place,
)

FUZZ = hypothesis_settings(
    max_examples=50,
    deadline=None,
    # Failures print the generated input; nothing is written into the work tree.
    database=None,
    # The autouse fixtures of conftest.py only pin settings, the same for every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Each example makes several requests, so shrinking a failure could take many minutes:
    # the failing input is reported as found.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)

# Values that have broken real sites: NUL bytes, digits of other scripts, huge numbers,
# lone percent signs, right-to-left marks, SQL and template syntax.
NASTY_VALUES = (
    "\x00",
    "2018\x00",
    "ili\x00",
    "２０１８",
    "٢٠١٨",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "2018.5",
    "%",
    "%00",
    "\u202e",
    "' OR 1=1 --",
    "{{ settings.SECRET_KEY }}",
    "C-00001",
    "#1",
    '"',
    "\\",
)
junk = st.one_of(
    st.text(max_size=40),
    st.sampled_from(NASTY_VALUES),
    st.integers().map(str),
    # Very long values.
    st.builds(
        lambda text, times: text * times, st.text(min_size=1, max_size=4), st.integers(500, 5000)
    ),
)
# Raw query strings with broken percent-encoding, which no dictionary of values produces.
RAW_PIECES = (
    "%",
    "%0",
    "%00",
    "%ZZ",
    "%C0%80",
    "%FF%FE",
    "%E2%82",
    "%u2019",
    "&",
    "&&",
    "=",
    "==",
    ";",
    "+",
    "?",
    "a",
    "0",
    "year_from=",
    "place=",
    "q=",
    "o=",
    "p=",
    "all=",
    "e=",
)
raw_query = st.lists(st.sampled_from(RAW_PIECES), max_size=30).map("".join)


def query(keys: tuple[str, ...]) -> st.SearchStrategy:
    """A list of (key, value) pairs: known keys (repeated or not) and random ones."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=20))
    return st.lists(st.tuples(key, junk), max_size=8)


def bound_query_time() -> None:
    """A query that runs away fails the example after 20 seconds instead of hanging the run
    (PostgreSQL; the setting ends with the example's transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '20s'")


def make_family_case() -> None:
    """A few records of every kind, so filters and search have something to find."""
    for status, code, year in ((Status.CAMP, "ili", 2017), (Status.RELEASED, "altay", 2018)):
        person = make_person(
            "Қайрат Дәуітхан",
            status=status,
            home_place=place(code),
            detained_on=datetime.date(year, 1, 1),
        )
        relative = make_relative("Дәуітхан", phone="+7 701 555 0142")
        make_kinship(person, relative)
        petition = make_petition(person, our_reference="MFA-1")
        make_outcome(
            person, Outcome.Kind.TRANSFERRED, datetime.date(2019, 1, 1), petition=petition
        )
        Source.objects.create(person=person, title="Video testimony")


class KnownNastyInputTestCase(DjangoTestCase):
    """Inputs that broke pages before, tried every time rather than when chance draws them."""

    @classmethod
    def setUpTestData(cls):
        cls.superuser = make_user("root", superuser=True)
        make_family_case()

    def assertNoServerError(self, page: str, data: dict) -> None:
        # A failed query must not spoil the next subtest's (PostgreSQL aborts the transaction).
        with transaction.atomic():
            response = self.client.get(page, data)
        self.assertLess(response.status_code, 500, (page, data))

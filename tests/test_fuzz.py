"""Bad input everywhere: no query string, however broken, makes a page fail (status 500), and
the error pages are the project's own, translated, and reveal nothing of the internals."""

import datetime

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test import TestCase as DjangoTestCase
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

import casetracker.urls
from cases.models import DetainedPerson, Outcome, Petition, Relative, Source, Status
from cases.public.filters import StatisticsFilter
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

STATIC_FILES = settings.STORAGES | {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
}

PUBLIC_PATHS = ("/", "/statistics.json", "/statistics.csv")
PUBLIC_FILTERS = tuple(StatisticsFilter.base_filters)
ADMIN_MODELS = (DetainedPerson, Petition, Relative, Outcome, Source)

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


def admin_keys(model) -> tuple[str, ...]:
    """The query keys a changelist of `model` reads: its filters, search, order, page."""
    model_admin = admin.site._registry[model]
    keys = ["q", "o", "p", "all", "e", "_to_field", "_popup", "_changelist_filters"]
    for item in model_admin.list_filter:
        if isinstance(item, type):
            keys.append(item.parameter_name)
            continue
        name = item[0] if isinstance(item, tuple) else item
        keys += [name, f"{name}__exact", f"{name}__id__exact", f"{name}__isnull", f"{name}__in"]
    if model_admin.date_hierarchy:
        keys += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return tuple(keys)


# The autocomplete boxes of the admin forms: (model of the form, field) → searches the target.
AUTOCOMPLETES = (
    ("kinship", "relative"),
    ("kinship", "person"),
    ("detainedperson", "duplicate_of"),
    ("petition", "petitioners"),
    ("outcome", "petition"),
)


def autocomplete(term: str, model_name: str, field_name: str) -> tuple[str, dict]:
    return reverse("admin:autocomplete"), {
        "term": term,
        "app_label": "cases",
        "model_name": model_name,
        "field_name": field_name,
    }


def bound_query_time() -> None:
    """A query that runs away fails the example after 20 seconds instead of hanging the run
    (PostgreSQL; the setting ends with the example's transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '20s'")


def changelist(model) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_changelist")


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


@override_settings(STORAGES=STATIC_FILES)
class PublicQueryFuzzTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_family_case()

    @FUZZ
    @given(pairs=query(PUBLIC_FILTERS))
    def test_public_pages_survive_any_filter_values(self, pairs):
        bound_query_time()
        cache.clear()
        for public_path in PUBLIC_PATHS:
            response = self.client.get(public_path, pairs)
            self.assertLess(response.status_code, 500, (public_path, pairs))

    @FUZZ
    @given(raw=raw_query)
    def test_public_pages_survive_broken_percent_encoding(self, raw):
        bound_query_time()
        cache.clear()
        for public_path in PUBLIC_PATHS:
            response = self.client.get(f"{public_path}?{raw}")
            self.assertLess(response.status_code, 500, (public_path, raw))


@override_settings(STORAGES=STATIC_FILES)
class AdminQueryFuzzTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.superuser = make_user("root", superuser=True)
        make_family_case()

    def get_changelists(self, make_request) -> None:
        bound_query_time()
        # The client is new for every example, so each one signs in.
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            response = make_request(changelist(model), model)
            self.assertLess(response.status_code, 500, model.__name__)

    @FUZZ
    @given(search=junk)
    def test_admin_search_survives_any_query(self, search):
        self.get_changelists(lambda page, model: self.client.get(page, {"q": search}))

    @FUZZ
    @given(term=junk)
    def test_admin_autocomplete_survives_any_term(self, term):
        bound_query_time()
        self.client.force_login(self.superuser)
        for model_name, field_name in AUTOCOMPLETES:
            response = self.client.get(*autocomplete(term, model_name, field_name))
            self.assertLess(response.status_code, 500, (model_name, field_name))

    @FUZZ
    @given(data=st.data())
    def test_admin_filters_survive_any_keys_and_values(self, data):
        self.get_changelists(
            lambda page, model: self.client.get(page, data.draw(query(admin_keys(model))))
        )

    @FUZZ
    @given(raw=raw_query)
    def test_admin_lists_survive_broken_percent_encoding(self, raw):
        self.get_changelists(lambda page, model: self.client.get(f"{page}?{raw}"))


@override_settings(STORAGES=STATIC_FILES)
class KnownNastyInputTests(DjangoTestCase):
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

    def test_nul_byte_in_any_public_filter_is_refused_not_a_500(self):
        for public_path in PUBLIC_PATHS:
            for key in PUBLIC_FILTERS:
                for value in ("\x00", "ili\x00", "2018\x00"):
                    with self.subTest(path=public_path, key=key, value=value):
                        self.assertNoServerError(public_path, {key: value})

    def test_nul_byte_in_any_admin_filter_or_search_is_refused_not_a_500(self):
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            for key in admin_keys(model):
                with self.subTest(model=model.__name__, key=key):
                    self.assertNoServerError(changelist(model), {key: "x\x00"})

    def test_nul_byte_in_an_autocomplete_term_is_refused_not_a_500(self):
        self.client.force_login(self.superuser)
        for model_name, field_name in AUTOCOMPLETES:
            with self.subTest(model=model_name, field=field_name):
                self.assertNoServerError(*autocomplete("Kai\x00", model_name, field_name))

    def test_admin_search_of_a_thousand_words_is_not_a_500(self):
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            with self.subTest(model=model.__name__):
                bound_query_time()
                self.assertNoServerError(changelist(model), {"q": "Қайрат " * 1000})
        for model_name, field_name in AUTOCOMPLETES:
            with self.subTest(model=model_name, field=field_name):
                bound_query_time()
                self.assertNoServerError(*autocomplete("Қайрат " * 1000, model_name, field_name))

    def test_admin_search_of_one_enormous_word_is_not_a_500(self):
        self.client.force_login(self.superuser)
        for model in ADMIN_MODELS:
            with self.subTest(model=model.__name__):
                self.assertNoServerError(changelist(model), {"q": "Қ" * 30000})

    def test_year_beyond_any_calendar_is_not_a_500(self):
        self.client.force_login(self.superuser)
        drilldowns = {
            model: {f"{model_admin.date_hierarchy}__year": "99999999999"}
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label == "cases" and model_admin.date_hierarchy
        }
        year_filters = {
            DetainedPerson: {"detained_year": "99999999999"},
            Petition: {"submitted_year": "99999999999"},
        }
        assert drilldowns, "no date hierarchy left to try"
        for model, query in [*drilldowns.items(), *year_filters.items()]:
            with self.subTest(model=model.__name__, query=query):
                self.assertNoServerError(changelist(model), query)


# --- Error pages ---------------------------------------------------------------------------------

INTERNAL_DETAIL = "internal detail: the database password is hunter2"


class InternalError(Exception):
    pass


def crash(request):
    raise InternalError(INTERNAL_DETAIL)


def forbidden(request):
    raise PermissionDenied(INTERNAL_DETAIL)


def suspicious(request):
    raise SuspiciousOperation(INTERNAL_DETAIL)


# The project's URLs and three that fail on purpose; handler500 and friends are Django's.
urlpatterns = [
    path("test-only/crash/", crash),
    path("test-only/forbidden/", forbidden),
    path("test-only/suspicious/", suspicious),
    *casetracker.urls.urlpatterns,
]

# Words of Django's own error and debug pages, and of the settings.
INTERNALS = ("Traceback", "Django", "DEBUG", "settings", "SECRET_KEY", "CSRF verification failed")


def translated(language: str, *messages: str) -> list[str]:
    with translation.override(language):
        return [gettext(message) for message in messages]


@override_settings(ROOT_URLCONF=__name__)
class ErrorPageTests(DjangoTestCase):
    def assertOwnPage(self, response, status: int, heading: str, language: str = "en") -> None:
        """The project's error page, in `language`, telling nothing of how the site works."""
        self.assertEqual(response.status_code, status)
        (expected,) = translated(language, heading)
        self.assertContains(response, f"<h1>{expected}</h1>", status_code=status, html=False)
        self.assertContains(response, f'<html lang="{language}">', status_code=status)
        for word in (*INTERNALS, INTERNAL_DETAIL):
            self.assertNotContains(response, word, status_code=status)

    def test_missing_page_is_the_projects_own_in_the_visitors_language(self):
        for language in ("ru", "kk", "en"):
            with self.subTest(language=language):
                response = self.client.get("/nonexistent", headers={"accept-language": language})
                self.assertOwnPage(response, 404, "Page not found", language)

    def test_server_error_shows_an_apology_and_no_traceback(self):
        client = Client(raise_request_exception=False)
        with self.assertLogs("django.request", "ERROR") as logs:
            response = client.get("/test-only/crash/", headers={"accept-language": "ru"})
        self.assertOwnPage(response, 500, "Something went wrong", "ru")
        # The details go to the log, for whoever runs the site.
        self.assertIn(INTERNAL_DETAIL, "\n".join(logs.output))

    def test_bad_request_page_is_the_projects_own(self):
        with self.assertLogs("django.security", "ERROR"):
            response = self.client.get("/test-only/suspicious/")
        self.assertOwnPage(response, 400, "Bad request")

    def test_unknown_host_gets_the_bad_request_page(self):
        with self.assertLogs("django.security", "ERROR"):
            response = self.client.get("/", headers={"host": "attacker.example"})
        self.assertOwnPage(response, 400, "Bad request")

    def test_forbidden_page_is_the_projects_own_and_keeps_the_reason_to_itself(self):
        response = self.client.get("/test-only/forbidden/", headers={"accept-language": "ru"})
        self.assertOwnPage(response, 403, "You may not open this page", "ru")

    @override_settings(REQUIRE_2FA=False)
    def test_evidence_file_without_permission_shows_the_forbidden_page(self):
        self.client.force_login(make_user("advocate", perms=("cases.view_detainedperson",)))
        response = self.client.get(reverse("source-file", args=[1]))
        self.assertOwnPage(response, 403, "You may not open this page")

    def test_expired_form_gets_a_friendly_page(self):
        client = Client(enforce_csrf_checks=True)
        with self.assertLogs("django.security.csrf", "WARNING"):
            response = client.post(
                reverse("set_language"), {"language": "ru"}, headers={"accept-language": "kk"}
            )
        self.assertOwnPage(response, 403, "The form has expired", "kk")

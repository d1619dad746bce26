"""Bad input everywhere: no query string, however broken, makes a public page fail (status
500), and the error pages are the project's own, translated, and reveal nothing of the internals.
The admin's share: tests/admin/test_fuzz.py."""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.test import TestCase as DjangoTestCase
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis.extra.django import TestCase

import casetracker.urls
from cases.public.filters import StatisticsFilter
from tests.factories import make_user
from tests.fuzzing import (
    FUZZ,
    KnownNastyInputTestCase,
    bound_query_time,
    make_family_case,
    query,
    raw_query,
)

PUBLIC_PATHS = ("/", "/statistics.json", "/statistics.csv")
PUBLIC_FILTERS = tuple(StatisticsFilter.base_filters)


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


class KnownNastyInputTests(KnownNastyInputTestCase):
    def test_nul_byte_in_any_public_filter_is_refused_not_a_500(self):
        for public_path in PUBLIC_PATHS:
            for key in PUBLIC_FILTERS:
                for value in ("\x00", "ili\x00", "2018\x00"):
                    with self.subTest(path=public_path, key=key, value=value):
                        self.assertNoServerError(public_path, {key: value})


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

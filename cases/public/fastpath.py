"""The public fast path: an anonymous visitor's request for a public page or data file already
rendered for the current data state, language and query is answered before the session,
authentication, two-factor, messages and lockout middleware run.

It stands right after the security middleware (settings.MIDDLEWARE), whose headers it gets on
the way out like any other response. What the rest of the chain would do for such a request it
does with the same code: the common middleware's checks of the host, the locale middleware's
choice of language (the language cookie, else the browser's preference) and its headers, the
views' conditional answer and caching headers (`Representation.respond`), X-Frame-Options and
the Content-Security-Policy. The headers these give a copy depend on nothing but the copy, its
status and its path, so they are worked out once per copy and status and reused (the CSP
middleware alone builds its policy anew for every response: a third of a warm request).
tests/public/test_fastpath.py compares the two paths header by header.

Anything else goes down the whole chain, which renders and keeps the copy for the next visitor:
a copy not rendered yet, another method, another path, or a request carrying any cookie but the
language one. A session, CSRF or messages cookie may need an answer of its own (a session
renewed or ended, a cookie replaced); an unknown cookie costs nothing to treat alike.
"""

from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.urls import NoReverseMatch, reverse
from django.utils.cache import get_conditional_response

from cases.public import cache, views

# Header sets kept per copy and status: a few per page, language and state.
HEADER_SETS_MAX = 400


class PublicFastPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Used for their request and response steps only, in the order of MIDDLEWARE.
        self.common = CommonMiddleware(get_response)
        self.locale = LocaleMiddleware(get_response)
        self.on_the_way_out = (
            CSPMiddleware(get_response),
            XFrameOptionsMiddleware(get_response),
            self.common,
            self.locale,
        )
        self.representations: dict[str, views.Representation] | None = None
        # (path, ETag, status) → the headers the chain gives that answer (ResponseHeaders' store)
        self.header_sets: dict[tuple[str, str, int], dict] = {}
        setting_changed.connect(self._settings_changed)

    def _settings_changed(self, **kwargs) -> None:
        # Headers and URLs come from the settings: work them out again (in tests).
        self.representations = None
        self.header_sets = {}

    def representation(self, path: str) -> views.Representation | None:
        # Reversed at the first request: the URLconf may not be loaded when this is built.
        if self.representations is None:
            try:
                self.representations = {
                    reverse("cases:dashboard"): views.DASHBOARD,
                    reverse("cases:statistics_json"): views.JSON,
                    reverse("cases:statistics_csv"): views.CSV,
                }
            except NoReverseMatch:  # a URLconf without the public pages (some tests')
                self.representations = {}
        return self.representations.get(path)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        representation = self.representation(request.path_info)
        if (
            representation is None
            or request.method not in ("GET", "HEAD")
            or any(name != settings.LANGUAGE_COOKIE_NAME for name in request.COOKIES)
        ):
            return self.get_response(request)
        try:
            redirect = self.common.process_request(request)
        except DisallowedHost:
            redirect = True  # refused down the chain, as any request with that host is
        if redirect is not None:
            return self.get_response(request)
        self.locale.process_request(request)
        parts = representation.parts(request)
        state = cache.data_state()
        kept = cache.kept(state.token, *parts)
        if kept is None:
            # The view renders it at the state read here: one read of the state per request.
            request.public_data_state = state
            return self.get_response(request)
        return self.respond(request, representation, kept)

    def respond(
        self, request: HttpRequest, representation: views.Representation, kept: cache.Kept
    ) -> HttpResponse:
        response = get_conditional_response(request, etag=kept.etag) or HttpResponse(kept.body)
        key = (request.path_info, kept.etag, response.status_code)
        headers = self.header_sets.get(key)
        if headers is None:
            response = representation.respond(request, kept)
            for middleware in self.on_the_way_out:
                response = middleware.process_response(request, response)
            if len(self.header_sets) >= HEADER_SETS_MAX:
                self.header_sets.pop(next(iter(self.header_sets)), None)
            self.header_sets[key] = dict(response.headers._store)
            return response
        # The kept headers as they are: setting them one by one would check each again.
        response.headers._store = dict(headers)
        return response

"""Public pages: aggregate counts only, never a person (the privacy rules of docs/architecture.md).

Thin views: the FilterSet reads the query, statistics.py counts and perturbs, cache.py keeps
the numbers and what is rendered from them; a view only picks the representation and answers
conditional requests.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cases.public import cache, perturbation, statistics
from cases.public.filters import (
    MAX_FILTERS,
    StatisticsFilter,
    applied_filters,
    statistics_filter,
    wider_views,
)


def _statistics(filterset: StatisticsFilter, state: cache.State) -> statistics.Statistics:
    numbers = cache.cached_statistics(
        applied_filters(filterset),
        lambda: statistics.compute(
            filterset.qs, parents=wider_views(filterset), as_of=state.changed_at
        ),
        state.token,
    )
    return statistics.localize(numbers)


def query_pairs(query: QueryDict) -> tuple[tuple[str, str], ...]:
    """The query's non-empty parameters in a fixed order: the same filters however sent."""
    return tuple(
        sorted((name, value) for name, values in query.lists() for value in values if value)
    )


def _filters_pairs(filters: dict) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted((name, str(value)) for name, value in filters.items() if value is not None)
    )


@dataclass(frozen=True)
class Representation:
    """One form of the statistics: the page or a data file."""

    kind: str
    content_type: str
    # Offered for download under this name.
    filename: str = ""

    def parts(self, request: HttpRequest) -> tuple:
        """What names a rendered copy: the representation, the language and the query."""
        return (self.kind, get_language(), query_pairs(request.GET))

    def respond(self, request: HttpRequest, kept: cache.Kept) -> HttpResponse:
        """The answer for a rendered copy: 304 if the visitor holds it, else the copy. Also the
        public fast path's answer (fastpath.py): one place says what headers these carry."""
        response = get_conditional_response(request, etag=kept.etag)
        if response is None:
            response = HttpResponse(kept.body, content_type=self.content_type)
            if self.filename:
                response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        response["ETag"] = kept.etag
        # Browsers and proxies may keep a copy, but must ask again each time: the numbers
        # change with the data. The language comes from the browser's preference or the
        # language cookie.
        patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


DASHBOARD = Representation("html", "text/html; charset=utf-8")
JSON = Representation("json", "application/json")
CSV = Representation("csv", "text/csv; charset=utf-8", filename="statistics.csv")


def _serve(
    request: HttpRequest,
    representation: Representation,
    build: Callable[[StatisticsFilter, cache.State], str | bytes],
    invalid: Callable[[StatisticsFilter], HttpResponse],
) -> HttpResponse:
    """One representation of the statistics, rendered once per data state, language and filters.

    The body is kept only when the query says nothing but its valid filters, each in the form
    it is read back (`year=2018`, not `year=02018` or `x=1`): a query cannot fill the
    cache with copies of one page. Any other query is answered all the same, rendered afresh.
    """
    parts = representation.parts(request)
    state = getattr(request, "public_data_state", None) or cache.data_state()
    kept = cache.kept(state.token, *parts)
    if kept is None:
        filterset = statistics_filter(request.GET)
        if not filterset.is_valid():
            return invalid(filterset)
        kept = cache.representation(state.token, build(filterset, state), *parts)
        if parts[2] == _filters_pairs(applied_filters(filterset)):
            cache.keep(state.token, kept, *parts)
    return representation.respond(request, kept)


def _dashboard_context(filterset: StatisticsFilter) -> dict:
    # The About section explains the protection whether or not the filters were valid.
    return {
        "filterset": filterset,
        "min_cell": settings.PUBLIC_MIN_CELL,
        "min_view": statistics.min_view(settings.PUBLIC_MIN_CELL),
        "spread": perturbation.ptable().spread,
        "max_filters": MAX_FILTERS,
    }


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    def build(filterset: StatisticsFilter, state: cache.State) -> str:
        filters = applied_filters(filterset)
        # Links on the page carry the filters as read, not the query as typed: one page per
        # filter combination, whatever order or empty fields the query had.
        query = urlencode([(name, value) for name, value in filters.items() if value is not None])
        shown = _statistics(filterset, state)
        context = _dashboard_context(filterset) | {
            "statistics": shown,
            "too_few_notice": statistics.too_few_notice(shown) if shown.too_few else "",
            "query": query,
            "current_path": reverse("cases:dashboard") + (f"?{query}" if query else ""),
            "filtered": any(filters.values()),
        }
        return render_to_string("cases/dashboard.html", context, request)

    def invalid(filterset: StatisticsFilter) -> HttpResponse:
        return render(request, "cases/dashboard.html", _dashboard_context(filterset), status=400)

    return _serve(request, DASHBOARD, build, invalid)


def _invalid_filters(filterset: StatisticsFilter) -> dict:
    return {
        "error": _("Some filters are not valid."),
        "fields": {
            name: [error["message"] for error in errors]
            for name, errors in filterset.errors.get_json_data().items()
        },
    }


@require_safe
def statistics_json(request: HttpRequest) -> HttpResponse:
    def build(filterset: StatisticsFilter, state: cache.State) -> bytes:
        data = statistics.as_data(_statistics(filterset, state), applied_filters(filterset))
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False}).content

    def invalid(filterset: StatisticsFilter) -> HttpResponse:
        return JsonResponse(_invalid_filters(filterset), status=400)

    return _serve(request, JSON, build, invalid)


@require_safe
def statistics_csv(request: HttpRequest) -> HttpResponse:
    def build(filterset: StatisticsFilter, state: cache.State) -> str:
        return "".join(statistics.csv_lines(_statistics(filterset, state)))

    def invalid(filterset: StatisticsFilter) -> HttpResponse:
        data = _invalid_filters(filterset)
        lines = [data["error"]] + [
            f"{name}: {message}"
            for name, messages in data["fields"].items()
            for message in messages
        ]
        return HttpResponse(
            "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )

    return _serve(request, CSV, build, invalid)


@never_cache
@require_safe
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the visitor's language in a cookie and go back (`?language=kk&next=/…`).

    A plain link or GET form, unlike Django's own view, which needs a POST with a CSRF token:
    a token would make every copy of a public page personal, so no page could be cached. All
    a forged link can do is change the language of the page.
    """
    language = request.GET.get("language", "")
    if language not in dict(settings.LANGUAGES) or not check_for_language(language):
        return render(request, "cases/language_unknown.html", status=400)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("cases:dashboard")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response

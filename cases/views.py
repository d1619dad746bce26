"""Public pages: aggregate counts only, never a person (DESIGN.md, Privacy).

Thin views: the FilterSet reads the query, stats.py counts and suppresses, statscache.py keeps
the numbers; a view only picks the representation and answers conditional requests.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases import stats, statscache
from cases.filters import StatisticsFilter, applied_filters, statistics_filter


def _statistics(filterset: StatisticsFilter, token: str) -> stats.Statistics:
    numbers = statscache.cached_statistics(
        applied_filters(filterset), lambda: stats.compute(filterset.qs), token
    )
    return stats.localize(numbers)


def _conditional(
    request: HttpRequest, etag: str, respond: Callable[[], HttpResponse]
) -> HttpResponse:
    """Answer 304 when the client holds this very representation; else build it."""
    response = get_conditional_response(request, etag=etag) or respond()
    response["ETag"] = etag
    # Browsers may keep a copy, but must ask again each time: the numbers change with the data.
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    filterset = statistics_filter(request.GET)
    context = {"filterset": filterset, "min_cell": settings.PUBLIC_MIN_CELL}
    if not filterset.is_valid():
        return render(request, "cases/dashboard.html", context, status=400)

    token = statscache.generation()
    # The page holds a CSRF token for the language switcher: a copy is good for one cookie.
    csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    etag = statscache.etag(token, "html", get_language(), request.get_full_path(), csrf_cookie)

    def respond() -> HttpResponse:
        statistics = _statistics(filterset, token)
        context.update(
            statistics=statistics,
            query=request.GET.urlencode(),
            filtered=any(applied_filters(filterset).values()),
        )
        return render(request, "cases/dashboard.html", context)

    response = _conditional(request, etag, respond)
    patch_cache_control(response, private=True)
    return response


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
    filterset = statistics_filter(request.GET)
    if not filterset.is_valid():
        return JsonResponse(_invalid_filters(filterset), status=400)
    token = statscache.generation()
    filters = applied_filters(filterset)
    etag = statscache.etag(token, "json", get_language(), filters)
    return _conditional(
        request,
        etag,
        lambda: JsonResponse(
            stats.as_data(_statistics(filterset, token), filters),
            json_dumps_params={"ensure_ascii": False},
        ),
    )


@require_safe
def statistics_csv(request: HttpRequest) -> HttpResponse:
    filterset = statistics_filter(request.GET)
    if not filterset.is_valid():
        data = _invalid_filters(filterset)
        lines = [data["error"]] + [
            f"{name}: {message}"
            for name, messages in data["fields"].items()
            for message in messages
        ]
        return HttpResponse(
            "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    token = statscache.generation()
    etag = statscache.etag(token, "csv", get_language(), applied_filters(filterset))

    def respond() -> HttpResponse:
        response = HttpResponse(
            "".join(stats.csv_lines(_statistics(filterset, token))),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="statistics.csv"'
        return response

    return _conditional(request, etag, respond)

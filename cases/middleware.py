"""Request/response middleware of the case register."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class AdminNoStoreMiddleware:
    """Admin pages name people: no browser or proxy may keep a copy (DESIGN.md, Privacy 7)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = "/" + settings.ADMIN_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(self.prefix):
            add_never_cache_headers(response)
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in a query string is never a real search or filter, and PostgreSQL refuses
    it in text: answer 400 rather than let a query fail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in part for key, values in request.GET.lists() for part in (key, *values)):
            raise SuspiciousOperation("NUL byte in the query string")
        return self.get_response(request)

"""Request/response middleware of the case register."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response

# Django's logger for refused suspicious requests, where an operator looks for them.
security_logger = logging.getLogger("django.security.SuspiciousOperation")
NUL_BYTE_REFUSED = "NUL byte in the query string"


# Where casetracker/urls.py mounts the sign-in and two-factor pages and the evidence files.
ACCOUNT_URL = "account/"
DOCUMENTS_URL = "documents/"


class PrivatePagesNoStoreMiddleware:
    """No browser or proxy may keep a copy of an admin, account or evidence response
    (privacy rule 7): admin pages name people, the two-factor pages show the secret of an
    authenticator app and backup codes, the sign-in pages say who signs in.

    It stands near the top of MIDDLEWARE, so that every answer on these paths passes through it,
    including those of other middleware (redirects, lockouts, refusals).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        urls = (settings.ADMIN_URL, ACCOUNT_URL, DOCUMENTS_URL)
        self.prefixes = tuple("/" + url for url in urls)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(self.prefixes):
            add_never_cache_headers(response)
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in a query string is never a real search or filter, and PostgreSQL refuses
    it in text: answer 400 rather than let a query fail.

    Scanners send these by the thousand: the refusal is logged as one line, without a traceback
    (which would say nothing) and without the query (which may hold a name typed in a search).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in part for key, values in request.GET.lists() for part in (key, *values)):
            handler = get_resolver(get_urlconf()).resolve_error_handler(400)
            response = handler(request, exception=SuspiciousOperation(NUL_BYTE_REFUSED))
            log_response(
                "%s: %s",
                NUL_BYTE_REFUSED,
                request.path,
                response=response,
                request=request,
                level="warning",
                logger=security_logger,
            )
            return response
        return self.get_response(request)

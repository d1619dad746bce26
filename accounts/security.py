"""Keeping the records safe on the internet: second factor, login throttling, session limits.

The records name people held in China and relatives who can face retaliation, so a password
alone must not open them. Every rule here reads its setting at request time.
"""

import time
from collections.abc import Callable

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from accounts.twofactor import admin_context, is_verified

# The session key holding when the session signed in (seconds since the epoch).
SIGNED_IN_AT = "signed_in_at"

# The pages a session signed in by password alone may see: where it gets its second factor.
TWO_FACTOR_URL_NAMES = (
    "account_login",
    "account_logout",
    "account_invitation",
    "two_factor",
    "two_factor_backup_codes",
)


class TwoFactorRequiredMiddleware:
    """With REQUIRE_2FA, a session signed in by password alone reaches only the two-factor pages.

    The admin refuses such a session by itself (accounts.admin_site); this keeps every other
    signed-in view (evidence files, exports) closed to it too, and sends it where it can
    enrol or verify.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.REQUIRE_2FA
            and request.user.is_authenticated
            and not is_verified(request.user)
            and not self.is_two_factor_page(request)
        ):
            return redirect_to_login(request.get_full_path(), reverse("two_factor"))
        return self.get_response(request)

    @staticmethod
    def is_two_factor_page(request: HttpRequest) -> bool:
        try:
            return resolve(request.path_info).url_name in TWO_FACTOR_URL_NAMES
        except Resolver404:
            return False


class SessionMaxAgeMiddleware:
    """Signs a session out SESSION_MAX_HOURS after it signed in, however active it has been.

    Inactivity is handled by Django itself (SESSION_COOKIE_AGE, renewed on every request).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is not None and time.time() - signed_in_at > self.max_age():
                logout(request)
                message = _("You were signed out %(hours)d hours after signing in. Sign in again.")
                messages.info(request, message % {"hours": settings.SESSION_MAX_HOURS})
        response = self.get_response(request)
        # Stamped on the response that signed in (or the first request after a test's login).
        if request.user.is_authenticated and SIGNED_IN_AT not in request.session:
            request.session[SIGNED_IN_AT] = int(time.time())
        return response

    @staticmethod
    def max_age() -> int:
        return settings.SESSION_MAX_HOURS * 3600


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every login form.

    authenticate() without a request comes from code (the test client's login(), the shell),
    never from a login page, and has no address to throttle: it is let through to the next
    backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address, as seen by the outermost of the PROXY_COUNT trusted proxies."""
    if settings.PROXY_COUNT:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [address.strip() for address in forwarded if address.strip()]
        if len(forwarded) >= settings.PROXY_COUNT:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """The page django-axes shows instead of the login form while a sign-in is locked out."""
    context = {
        **admin_context(request),
        "title": _("Sign-in paused"),
        "minutes": settings.LOGIN_COOLOFF_MINUTES,
    }
    return render(request, "twofactor/lockout.html", context, status=429)

"""The admin site of the case register: every admin page, its login included, asks for two
factors when REQUIRE_2FA is on.

It is the default site (casetracker.admin.CaseTrackerAdminConfig): every ModelAdmin registers on
it, so the rule covers every admin page, including any added later, the way django_otp's
OTPAdminSite is meant to be installed.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest

from accounts.twofactor import AdminTwoFactorLoginForm, is_verified


class TwoFactorAdminSite(AdminSite):
    """The admin site: with REQUIRE_2FA only a session verified by a device is let in.

    This is django_otp.admin.OTPAdminSite deciding at request time rather than at import time,
    so the rule follows the setting (and tests can switch it) without reloading the URLconf.
    """

    # Django's sidebar of every model takes a quarter of a 1280 px screen from the lists; the
    # index and the breadcrumbs lead to every page.
    enable_nav_sidebar = False

    @property
    def login_form(self):
        return AdminTwoFactorLoginForm if settings.REQUIRE_2FA else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.REQUIRE_2FA and not is_verified(request.user):
            return False
        return super().has_permission(request)

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from cases import twofactor
from cases.middleware import ACCOUNT_URL, DOCUMENTS_URL
from cases.security import TwoFactorAdminSite

# Every ModelAdmin registers on the default site; giving that one site the two-factor rule (the
# way django_otp's OTPAdminSite is meant to be installed) covers every admin page, including
# any added later. The rule itself reads REQUIRE_2FA on each request.
admin.site.__class__ = TwoFactorAdminSite

# Sign-in and two-factor pages, all under ACCOUNT_URL: none of them is ever stored by a browser
# (cases.middleware.PrivatePagesNoStoreMiddleware).
account_urls = [
    path("login/", twofactor.login, name="account_login"),
    path("logout/", twofactor.logout, name="account_logout"),
    path("two-factor/", twofactor.two_factor, name="two_factor"),
    path("two-factor/backup-codes/", twofactor.backup_codes, name="two_factor_backup_codes"),
    path("invitation/<str:token>/", twofactor.accept_invitation, name="account_invitation"),
]

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path(ACCOUNT_URL, include(account_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path(DOCUMENTS_URL, include("cases.documents")),
    path("", include("cases.urls")),
]

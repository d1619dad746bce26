from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from cases import twofactor
from cases.security import TwoFactorAdminSite

# Every ModelAdmin registers on the default site; giving that one site the two-factor rule (the
# way django_otp's OTPAdminSite is meant to be installed) covers every admin page, including
# any added later. The rule itself reads REQUIRE_2FA on each request.
admin.site.__class__ = TwoFactorAdminSite

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("account/login/", twofactor.login, name="account_login"),
    path("account/logout/", twofactor.logout, name="account_logout"),
    path("account/two-factor/", twofactor.two_factor, name="two_factor"),
    path(
        "account/two-factor/backup-codes/",
        twofactor.backup_codes,
        name="two_factor_backup_codes",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("documents/", include("cases.documents")),
    path("", include("cases.urls")),
]

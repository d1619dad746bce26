"""Sign-in and two-factor pages, mounted under ACCOUNT_URL by casetracker/urls.py: none of them
is ever stored by a browser (accounts.middleware.PrivatePagesNoStoreMiddleware)."""

from django.urls import path

from accounts import twofactor

urlpatterns = [
    path("login/", twofactor.login, name="account_login"),
    path("logout/", twofactor.logout, name="account_logout"),
    path("two-factor/", twofactor.two_factor, name="two_factor"),
    path("two-factor/backup-codes/", twofactor.backup_codes, name="two_factor_backup_codes"),
    path("invitation/<str:token>/", twofactor.accept_invitation, name="account_invitation"),
]

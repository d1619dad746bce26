"""All the URL configuration: the admin, the account pages, the evidence files and the public
pages. The admin site is the two-factor one by default (casetracker.admin)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.middleware import ACCOUNT_URL, DOCUMENTS_URL
from cases import documents

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    # Sign-in and two-factor pages: never stored by a browser (accounts.middleware).
    path(ACCOUNT_URL, include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Evidence files, served only to staff allowed to read them (cases/documents.py).
    path(f"{DOCUMENTS_URL}<int:source_id>/", documents.source_file, name="source-file"),
    path("", include("cases.public.urls")),
]

"""The app's URLs plus `bench/bare/`: a view that returns a fixed string, the yardstick of what
the same gunicorn, middleware and client can serve at most."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("bare\n", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("casetracker.urls")),
]

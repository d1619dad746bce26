"""One view: the body the app served for this path, as it was (bench/bare/settings.py)."""

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

# (file in BARE_PAGES, path, content type)
PAGES = [
    ("dashboard.html", "", "text/html; charset=utf-8"),
    ("statistics.json", "statistics.json", "application/json"),
    ("bare.txt", "bench/bare/", "text/plain"),
]


def page(body: bytes, content_type: str):
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(body, content_type=content_type)

    return view


def _body(name: str) -> bytes:
    found = Path(settings.BARE_PAGES, name) if settings.BARE_PAGES else None
    return found.read_bytes() if found and found.exists() else b"bare\n"


urlpatterns = [path(url, page(_body(name), content_type)) for name, url, content_type in PAGES]

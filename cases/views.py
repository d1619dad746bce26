"""Public pages: aggregate counts only, never a person (DESIGN.md, Privacy)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/dashboard.html")

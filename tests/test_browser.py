"""The dashboard in a real browser: Debian's Chromium driven by Playwright, on a live server
(tests/browsing.py); skips without them."""

import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from cases.models import DetainedPerson, Place, Status
from tests.browsing import DESKTOP, PHONE, SCREENSHOTS, serve_over_http
from tests.factories import serve_public_pages
from tests.public.publishing import expected

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo_site(settings, live_server):
    serve_public_pages(settings)
    serve_over_http(settings)
    call_command("load_demo")
    call_command("load_demo", synthetic=300)
    serve_public_pages(settings)  # bulk loading sends no signals: start from fresh numbers
    return live_server.url


def headline(page, name: str) -> str:
    return page.locator(f".card-{name} dd").inner_text().strip()


def shown(persons) -> str:
    """How the page writes the published count of these persons, in English (no grouping
    below 1,000 in any of the three languages)."""
    value = expected(persons)
    return f"fewer than {django_settings.PUBLIC_MIN_CELL}" if value is None else str(value)


def test_dashboard_filters_and_switches_to_kazakh_in_a_real_browser(browser, demo_site):
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(demo_site + "/")
    counted = DetainedPerson.objects.counted()
    assert page.locator("html").get_attribute("lang") == "en"
    assert headline(page, "persons") == shown(counted)
    page.screenshot(path=SCREENSHOTS / "dashboard-desktop-en.png", full_page=True)
    page.screenshot(path=SCREENSHOTS / "dashboard-desktop-en-first-screen.png")

    # Filter: people from Ili who are held now.
    page.select_option("#id_place", "ili")
    page.select_option("#id_status_group", "held")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"place=ili"))
    filtered = counted.filter(home_place__code="ili").held()
    assert headline(page, "persons") == shown(filtered)
    assert headline(page, "held") == shown(filtered)
    assert headline(page, "released") == shown(filtered.filter(status=Status.RELEASED))
    assert page.get_by_role("heading", name="Cases matching the filters").is_visible()
    page.screenshot(path=SCREENSHOTS / "dashboard-desktop-filtered-en.png", full_page=True)

    # Switch to Kazakh: same filters and numbers, Kazakh names.
    page.locator('.language-switcher button[value="kk"]').click()
    page.wait_for_function("document.documentElement.lang === 'kk'")
    assert "place=ili" in page.url and "status_group=held" in page.url
    assert headline(page, "persons") == shown(filtered)
    ili = Place.objects.get(code="ili")
    assert page.locator("#place table").get_by_text(ili.name_kk, exact=True).is_visible()
    assert page.locator("#place table").get_by_text(ili.name_en, exact=True).count() == 0
    assert page.locator("#id_place option:checked").inner_text() == ili.name_kk
    assert (
        page.locator('.language-switcher button[aria-current="true"]').get_attribute("value")
        == "kk"
    )
    page.screenshot(path=SCREENSHOTS / "dashboard-desktop-filtered-kk.png", full_page=True)

    # A phone: the page fits the width, with nothing to scroll sideways.
    page.set_viewport_size(PHONE)
    page.goto(demo_site + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=SCREENSHOTS / "dashboard-phone-kk.png", full_page=True)
    page.screenshot(path=SCREENSHOTS / "dashboard-phone-kk-first-screen.png")

    assert requested and all(url.startswith(demo_site) for url in requested)
    context.close()
    print(f"\nScreenshots: {SCREENSHOTS}")

"""The dashboard in a real browser: Debian's Chromium driven by Playwright, on a live server.

Skips when Playwright or /usr/bin/chromium is missing (`apt-get install chromium`; never
`playwright install`, which downloads a browser of its own).
"""

import datetime
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections
from django.test import Client

from cases.models import DetainedPerson, Place, Status
from tests.factories import make_person, make_user, serve_public_pages
from tests.public.publishing import expected

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = [
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
            ],
        )
        yield browser
        browser.close()
        # Inside Playwright's event loop the ORM keeps a connection of its own (connections are
        # per context there): close it, or the test database cannot be dropped at the end.
        connections.close_all()


@pytest.fixture
def demo_site(settings, live_server):
    serve_public_pages(settings)
    # The live server speaks plain HTTP: cookies marked Secure would not come back.
    settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = False
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


def test_a_day_picked_in_the_calendar_is_typed_into_the_date_input(browser, settings, live_server):
    """The calendar button beside an approximate date (cases/admin/dates.py) runs under the
    site's Content-Security-Policy, and a day picked fills the text input as 12.03.2018."""
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False
    person = make_person("Айгүл")
    client = Client()
    client.force_login(make_user("advocate", superuser=True))
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{live_server.url}/admin/cases/detainedperson/{person.pk}/change/")

    button = page.locator("#id_detained_on + .approximate-date-button")
    assert button.is_visible()
    # What the browser's own picker does when a day is chosen in it.
    page.locator("#id_detained_on ~ .approximate-date-picker").evaluate(
        "picker => { picker.value = '2018-03-12';"
        " picker.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    assert page.input_value("#id_detained_on") == "12.03.2018"
    page.fill("#id_last_contact_on", "05.2019")
    page.locator('input[name="_continue"]').click()
    page.wait_for_load_state()

    person.refresh_from_db()
    assert (person.detained_on, person.detained_on_precision) == (
        datetime.date(2018, 3, 12),
        "day",
    )
    assert (person.last_contact_on, person.last_contact_on_precision) == (
        datetime.date(2019, 5, 1),
        "month",
    )
    assert page.input_value("#id_last_contact_on") == "05.2019"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#id_detained_on").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "admin-approximate-dates.png")
    assert not [text for text in refused if "Content Security Policy" in text]
    context.close()

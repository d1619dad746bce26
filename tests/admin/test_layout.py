"""The admin's layout in a real browser (tests/browsing.py), in Kazakh and Russian, at 1280 px
and on a phone (390 px): nothing overlaps the page title, the persons and petitions lists and
the case page fit the width without a sideways scroll, and on a phone no page is wider than the
screen. Screenshots of each page go to screenshots/ (admin-PAGE-LANGUAGE-WIDTH.png)."""

import pytest
from django.urls import reverse

from cases.models import Petition
from tests.browsing import (
    ADVOCATE,
    DESKTOP,
    PASSWORD,
    PHONE,
    SCREENSHOTS,
    load_register,
    new_page,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The title and the object tools (Import, Export, Deleted, Add) as boxes: [left, top, right,
# bottom], or None for a page without them.
BOXES = """() => {
    const box = (selector) => {
        const element = document.querySelector(selector);
        if (!element) return null;
        const r = element.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom];
    };
    return {title: box("#content h1"), tools: box("#content .object-tools")};
}"""
# Boxes that scroll sideways inside the page (a list's results, an inline's table).
SCROLLED = """() => [...document.querySelectorAll("#content .results, #content .tabular")]
    .filter(element => element.scrollWidth > element.clientWidth + 1)
    .map(element => element.className)"""


def overlap(first, second) -> bool:
    if first is None or second is None:
        return False
    left, top, right, bottom = first
    other_left, other_top, other_right, other_bottom = second
    return left < other_right and other_left < right and top < other_bottom and other_top < bottom


def admin_pages(story) -> dict[str, str]:
    petition = Petition.objects.filter(persons=story).order_by("pk").first()
    return {
        "index": reverse("admin:index"),
        "persons": reverse("admin:cases_detainedperson_changelist"),
        "petitions": reverse("admin:cases_petition_changelist"),
        "case": reverse("admin:cases_detainedperson_change", args=[story.pk]),
        "petition": reverse("admin:cases_petition_change", args=[petition.pk]),
        "new-case": reverse("admin:cases_detainedperson_add"),
    }


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_admin_pages_fit_at_1280_px_and_on_a_phone(browser, live_server, settings, language):
    story = load_register(settings)
    SCREENSHOTS.mkdir(exist_ok=True)
    problems = []
    for viewport in (DESKTOP, PHONE):
        width = viewport["width"]
        page = new_page(browser, live_server.url, language, viewport)
        sign_in(page, live_server.url, ADVOCATE, PASSWORD)
        for name, path in admin_pages(story).items():
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language
            if name == "new-case":
                # A new case being entered.
                page.fill("#id_full_name", "Жаңа іс Сынақ")
                page.select_option("#id_gender", index=2)
            where = f"{name} at {width} px"
            if page.evaluate("document.documentElement.scrollWidth") > width:
                problems.append(f"{where}: the page scrolls sideways")
            boxes = page.evaluate(BOXES)
            if overlap(boxes["title"], boxes["tools"]):
                problems.append(f"{where}: the object tools overlap the title")
            if width == DESKTOP["width"] and (scrolled := page.evaluate(SCROLLED)):
                problems.append(f"{where}: {scrolled} scroll sideways")
            page.screenshot(
                path=SCREENSHOTS / f"admin-{name}-{language}-{width}.png", full_page=True
            )
        page.context.close()
    assert problems == []
    print(f"\nScreenshots: {SCREENSHOTS}")


def test_a_list_wider_than_the_screen_is_caught(browser, live_server, settings):
    # The measure itself: a column as wide as Django's one-line foreign keys made the
    # authorities' one fails it.
    load_register(settings, synthetic=20)
    page = new_page(browser, live_server.url, "ru")
    sign_in(page, live_server.url, ADVOCATE, PASSWORD)
    page.goto(live_server.url + reverse("admin:cases_petition_changelist"))
    assert page.evaluate(SCROLLED) == []

    page.add_style_tag(content="#changelist td.field-authority { min-width: 1400px; }")

    assert page.evaluate(SCROLLED) == ["results"]

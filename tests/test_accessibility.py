"""axe-core (tests/vendor/axe-core) in Debian's Chromium finds no serious or critical
accessibility problem on the public dashboard (Kazakh, Russian, English; desktop and phone) and
on the admin pages an advocate works in: login, index, persons list, case page, petition page,
import page (tests/browsing.py)."""

import pytest
from django.urls import reverse

from cases.models import Petition
from tests.browsing import (
    ADVOCATE,
    DESKTOP,
    PASSWORD,
    PHONE,
    axe_violations,
    load_register,
    new_page,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_public_dashboard_has_no_serious_accessibility_problem(browser, live_server, settings):
    load_register(settings)
    found = {}
    for language in ("kk", "ru", "en"):
        for viewport in (DESKTOP, PHONE):
            page = new_page(browser, live_server.url, language, viewport)
            page.goto(live_server.url + "/")
            assert page.locator("html").get_attribute("lang") == language
            if violations := axe_violations(page):
                found[f"{language} at {viewport['width']} px"] = violations
            page.context.close()
    assert found == {}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_admin_pages_have_no_serious_accessibility_problem(
    browser, live_server, settings, language
):
    story = load_register(settings, synthetic=20)
    petition = Petition.objects.filter(persons=story).order_by("pk").first()
    page = new_page(browser, live_server.url, language)
    found = {}

    page.goto(live_server.url + reverse("admin:login"))
    found["login"] = axe_violations(page)
    sign_in(page, live_server.url, ADVOCATE, PASSWORD)
    pages = {
        "index": reverse("admin:index"),
        "persons list": reverse("admin:cases_detainedperson_changelist"),
        "case page": reverse("admin:cases_detainedperson_change", args=[story.pk]),
        "new case": reverse("admin:cases_detainedperson_add"),
        "petition page": reverse("admin:cases_petition_change", args=[petition.pk]),
        "import page": reverse("admin:cases_detainedperson_import"),
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        assert page.url.endswith(path), name  # signed in, on the page itself
        found[name] = axe_violations(page)

    assert {name: violations for name, violations in found.items() if violations} == {}


def test_axe_reports_a_field_without_a_name(browser, live_server, settings):
    # The check itself: an unlabelled field, as select2 drew them, is reported.
    load_register(settings, synthetic=20)
    page = new_page(browser, live_server.url, "kk")
    page.goto(live_server.url + reverse("admin:login"))
    page.evaluate("document.querySelector('label[for=id_username]').remove()")

    violations = axe_violations(page)

    assert [violation["rule"] for violation in violations] == ["label"]

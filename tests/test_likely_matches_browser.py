"""A case's page shows the cases that may be the same person once they are found (their own
request, static/js/likely_matches.js), in a real browser under the site's
Content-Security-Policy (tests/browsing.py)."""

import pytest
from django.urls import reverse

from tests.browsing import PASSWORD, new_page, serve_over_http, sign_in
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_likely_matches_appear_on_the_case_page(browser, live_server, settings):
    serve_over_http(settings)
    person = make_person("Қайрат Дәуітхан", birth_year=1985)
    match = make_person("Kairat Dauitkhan", birth_year=1985)
    make_person("Марат Тоқашбаев", birth_year=1985)
    make_user("carol", superuser=True)
    # The pages as served: their Content-Security-Policy applies.
    page = new_page(browser, live_server.url, "en", enforce_csp=True)
    refused = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    sign_in(page, live_server.url, "carol", PASSWORD)

    page.goto(live_server.url + reverse("admin:cases_detainedperson_change", args=[person.pk]))
    panel = page.locator(".likely-duplicates")
    panel.wait_for(timeout=10_000)

    assert "Possibly the same person" in panel.inner_text()
    assert [link.inner_text() for link in panel.locator("tbody a").all()] == [match.case_number]
    assert refused == []
    page.context.close()

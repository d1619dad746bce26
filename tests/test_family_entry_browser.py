"""Issue 13 §7: a whole family case entered in a real browser as a person would, from the admin's
home page: the person, her brother with his phone, two petitions known to the month, an outcome.
No pop-up window opens and it takes at most four page loads. Also screenshots of the new-case
page in Kazakh and Russian at 1280 px (screenshots/, git-ignored)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cases.models import Authority, DatePrecision, DetainedPerson, Outcome, Status
from cases.roles import sync_groups
from tests.browsing import DESKTOP, PASSWORD, SCREENSHOTS, new_page, serve_over_http, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MAX_PAGE_LOADS = 4


@pytest.fixture
def advocate(settings):
    serve_over_http(settings)
    sync_groups()
    user = make_user("advocate")
    user.groups.add(Group.objects.get(name="Advocate"))
    return user


class Person:
    """The browser page, counting what a person does: each click (into a field to type in it
    too) and each page the browser loads."""

    def __init__(self, page):
        self.page, self.clicks, self.loads, self.popups = page, 0, 0, []
        page.on("load", self._loaded)
        page.on("popup", self._opened)
        page.context.on("page", self._opened)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def _opened(self, window) -> None:
        self.popups.append(window.url)

    def click(self, selector: str) -> None:
        self.clicks += 1
        self.page.click(selector)

    def type(self, selector: str, text: str) -> None:
        self.clicks += 1
        self.page.fill(selector, text)

    def choose(self, selector: str, value: str) -> None:
        self.clicks += 2  # open the list, pick
        self.page.select_option(selector, value)


def test_a_whole_family_case_takes_no_popup_and_at_most_four_page_loads(
    browser, live_server, advocate
):
    page = new_page(browser, live_server.url, "en", DESKTOP)
    sign_in(page, live_server.url, advocate.username, PASSWORD)
    president = str(Authority.objects.get(code="president").pk)
    ombudsman = str(Authority.objects.exclude(code="president").filter(un_body=False).first().pk)
    person = Person(page)

    person.click(f'#content-main .new-case a[href="{reverse("admin:cases_detainedperson_add")}"]')
    page.wait_for_load_state()
    person.type("#id_full_name", "Дәуітханның әйелі")
    person.type("#id_detained_on", "06.2017")
    person.choose("#id_status", Status.BARRED_FROM_LEAVING)
    # Her brother, with his phone, in the first row for new relatives.
    person.type("#id_kinships-2-0-full_name", "Ерлан Дәуітхан")
    person.choose("#id_kinships-2-0-relationship", "sibling")
    person.click("#id_kinships-2-0-is_contact")
    person.choose("#id_kinships-2-0-situation", "in_kazakhstan")
    person.type("#id_kinships-2-0-phone", "+7 701 555 8877")
    # Two petitions, each known to the month.
    for row, (authority, month) in enumerate([(president, "03.2019"), (ombudsman, "11.2019")]):
        if row:
            person.click("#Petition_persons-2-group .add-row a")
        person.choose(f"#id_Petition_persons-2-{row}-authority", authority)
        person.type(f"#id_Petition_persons-2-{row}-submitted_on", month)
    # An outcome.
    person.click("#outcomes-group .add-row a")
    person.choose("#id_outcomes-0-kind", Outcome.Kind.PASSPORT_RETURNED)
    person.type("#id_outcomes-0-occurred_on", "02.2020")
    person.click("input[name=_save]")
    page.wait_for_load_state()

    print(f"\nwhole family case: {person.clicks} clicks, {person.loads} page loads")
    case = DetainedPerson.objects.get()
    brother = case.kinships.get().relative
    assert (brother.full_name, brother.phone) == ("Ерлан Дәуітхан", "+7 701 555 8877")
    petitions = case.petitions.order_by("submitted_on")
    assert [p.submitted_on_display for p in petitions] == ["March 2019", "November 2019"]
    assert {p.submitted_on_precision for p in petitions} == {DatePrecision.MONTH}
    assert case.outcomes.get().occurred_on_display == "February 2020"
    assert person.popups == []
    assert person.loads <= MAX_PAGE_LOADS
    assert "/change/" not in page.url  # saved: back on the list
    page.context.close()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_screenshot_of_a_new_case_being_entered(browser, live_server, advocate, language):
    page = new_page(browser, live_server.url, language, DESKTOP)
    sign_in(page, live_server.url, advocate.username, PASSWORD)
    page.goto(live_server.url + reverse("admin:cases_detainedperson_add"))
    page.fill("#id_full_name", "Дәуітханның әйелі")
    page.fill("#id_kinships-2-0-full_name", "Ерлан Дәуітхан")
    page.fill("#id_kinships-2-0-phone", "+7 701 555 8877")
    page.fill("#id_Petition_persons-2-0-submitted_on", "03.2019")
    # The page fits at 1280 px: no horizontal scroll.
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"new-case-{language}-1280.png"), full_page=True)
    page.context.close()

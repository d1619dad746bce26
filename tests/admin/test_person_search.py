"""The persons list finds a case by a relative's name, a relative's phone (where the user may
read it, cases.contact_access) or the case number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_kinship, make_person, make_relative, make_user

PHONE = "+7 701 555 0142"
pytestmark = pytest.mark.django_db

CASE_PERMS = ("cases.view_detainedperson", "cases.view_relative", "cases.change_relative")


@pytest.fixture
def family():
    """Kairat's wife, held, and Kairat, her husband, who reports the case; and another case."""
    wife = make_person("Қайрат Дәуітханның әйелі")
    kairat = make_relative("Қайрат Дәуітхан", phone=PHONE)
    make_kinship(wife, kairat, relationship="spouse", is_contact=True)
    other = make_person("Марат Тоқашбаев")
    make_kinship(other, make_relative("Расул Тоқашбаев", phone="+7 702 000 0000"))
    return wife


def found(client, query: str) -> list:
    response = client.get(reverse("admin:cases_detainedperson_changelist"), {"q": query})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("query", ["Қайрат Дәуітхан", "Kairat Dauytkhan", "Dauitkhan"])
def test_a_relatives_name_in_any_spelling_finds_the_case(admin_client, family, query):
    assert found(admin_client, query) == [family]


def test_the_case_number_finds_the_case(admin_client, family):
    assert found(admin_client, family.case_number) == [family]
    assert found(admin_client, f"c{family.pk}") == [family]


@pytest.mark.parametrize("query", [PHONE, "0142", "701-555-0142", "(701) 555 0142"])
def test_a_relatives_phone_finds_the_case_however_it_is_written(admin_client, family, query):
    assert found(admin_client, f'"{query}"') == [family]


def test_a_few_digits_or_a_year_are_no_phone(admin_client, family):
    assert found(admin_client, "555") == []
    assert found(admin_client, "2019") == []


def test_a_coordinator_finds_any_case_by_phone(client, family):
    client.force_login(make_user("coordinator", perms=("cases.view_contact_details", *CASE_PERMS)))
    assert found(client, '"555 0142"') == [family]


def test_without_the_permission_the_phone_finds_only_the_users_own_cases(client, family):
    advocate = make_user("advocate", perms=CASE_PERMS)
    client.force_login(advocate)
    # Not her case: the phone finds nothing, and says nothing about whom it belongs to.
    assert found(client, '"555 0142"') == []
    assert found(client, "Dauitkhan") == [family]

    family.assigned_to = advocate
    family.save()
    # Her case: she reads this family's phone on the case page, and finds it by it.
    assert found(client, '"555 0142"') == [family]
    assert found(client, '"702 000 0000"') == []


def queries_of(client, query: str) -> int:
    with CaptureQueriesContext(connection) as context:
        found(client, query)
    return len(context)


def test_the_search_runs_as_many_queries_for_six_matches_as_for_one(admin_client, family):
    def queries() -> int:
        return queries_of(admin_client, '"555 014"')

    one = queries()
    for index in range(5):
        person = make_person(f"Дәуітхан {index}")
        relative = make_relative(f"Дәуітхан туысы {index}", phone=f"+7 701 555 014{index}")
        make_kinship(person, relative)
    # To prevent an n+1 issue: the list's queries do not grow with the matches.
    assert queries() == one
    assert len(found(admin_client, '"555 014"')) == 6


def test_a_name_search_through_relatives_runs_as_many_queries_for_six_cases_as_for_one(
    admin_client, family
):
    def queries() -> int:
        return queries_of(admin_client, "Kairat Dauitkhan")

    one = queries()
    for index in range(5):
        make_kinship(make_person(f"Case {index}"), make_relative("Қайрат Дәуітхан"))
    # To prevent an n+1 issue: the relatives' cases are read in one query, however many.
    assert queries() == one
    assert len(found(admin_client, "Kairat Dauitkhan")) == 6

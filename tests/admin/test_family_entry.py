"""A whole family on one page (issue 13 §1): a new case with its new relatives (phone
included) and a first petition in one form, all or nothing; new relatives added to a recorded
case in rows of its page; what a case still lacks for the UN forms and the statistics; "New
case" first on the admin's home page."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cases.models import (
    Authority,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Petition,
    PetitionEvent,
    Relative,
)
from cases.public import tallies
from cases.roles import sync_groups
from tests.factories import make_person, make_petition, make_user, place, unchanged_post_data
from tests.public.test_tallies import cell, stored_tallies
from tests.test_consent import make_consent

pytestmark = pytest.mark.django_db

ADD = "admin:cases_detainedperson_add"


def change_url(person) -> str:
    return reverse("admin:cases_detainedperson_change", args=[person.pk])


def role_user(client, role: str):
    sync_groups()
    user = make_user(role.lower())
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def authority(code: str) -> int:
    return Authority.objects.get(code=code).pk


def family_rows(**changes) -> dict:
    """A brother with a phone, and a petition to the president sent in March 2019."""
    return {
        "full_name": "Дәуітханның әйелі",
        "kinships-2-0-full_name": "Ерлан Дәуітхан",
        "kinships-2-0-relationship": "sibling",
        "kinships-2-0-is_contact": "on",
        "kinships-2-0-situation": "in_kazakhstan",
        "kinships-2-0-phone": "+7 701 555 8877",
        "Petition_persons-2-0-authority": authority("president"),
        "Petition_persons-2-0-channel": "letter",
        "Petition_persons-2-0-submitted_on": "03.2019",
        "Petition_persons-2-0-status": "submitted",
        **changes,
    }


def post_new_case(client, **changes):
    form = client.get(reverse(ADD))
    return client.post(reverse(ADD), unchanged_post_data(form) | family_rows(**changes))


def test_an_advocate_enters_person_relative_with_phone_and_first_petition_in_one_form(client):
    advocate = role_user(client, "Advocate")
    form = client.get(reverse(ADD))
    page = form.content.decode()
    assert 'name="kinships-2-0-phone"' in page
    assert 'name="Petition_persons-2-0-submitted_on"' in page
    # No link opens a pop-up window to add a relative.
    assert "_popup=1" not in page and "add_id_kinships" not in page

    response = post_new_case(client)

    person = DetainedPerson.objects.get()
    assert response.status_code == 302
    kinship = person.kinships.select_related("relative").get()
    assert (kinship.relationship, kinship.is_contact) == ("sibling", True)
    brother = kinship.relative
    assert (brother.full_name, brother.phone) == ("Ерлан Дәуітхан", "+7 701 555 8877")
    assert brother.situation == Relative.Situation.IN_KAZAKHSTAN
    petition = person.petitions.get()
    assert petition.submitted_on_display == "March 2019"
    assert petition.submitted_on_precision == DatePrecision.MONTH
    assert petition.status == Petition.Status.SUBMITTED
    assert petition.follow_up_on is not None
    # Through save_petition: the timeline says who submitted it.
    event = PetitionEvent.objects.get(petition=petition)
    assert (event.status, event.created_by) == ("submitted", advocate)
    assert brother.history.get().history_user == advocate


def test_the_tallies_count_the_family_entered_on_one_page(client):
    role_user(client, "Advocate")
    post_new_case(client, counted_in_statistics="on")
    kept = stored_tallies()

    tallies.rebuild()

    assert stored_tallies() == kept
    assert cell("relatives").count == cell("persons").count == 1
    assert cell("petitions").count == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        (
            {"Petition_persons-2-0-submitted_on": "13.2019"},
            "Write the date as a year (2018), a month (03.2018) or a day (12.03.2018).",
        ),
        ({"kinships-2-0-full_name": ""}, "This field is required."),
        (
            {"Petition_persons-2-0-authority": "un_wgeid"},
            "A petition to a UN body is submitted only with the family&#x27;s consent",
        ),
    ],
)
def test_an_error_in_one_row_shows_on_it_and_saves_nothing(client, changes, error):
    role_user(client, "Advocate")
    if changes.get("Petition_persons-2-0-authority") == "un_wgeid":
        changes["Petition_persons-2-0-authority"] = authority("un_wgeid")

    response = post_new_case(client, **changes)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not DetainedPerson.objects.exists()
    assert not Relative.objects.exists()
    assert not Petition.objects.exists()


def test_a_un_petition_is_added_on_a_case_whose_consent_is_recorded(client):
    role_user(client, "Advocate")
    person = make_person("Айгүл")
    make_consent(person, given_on=datetime.date(2018, 5, 1))
    page = change_url(person)
    data = unchanged_post_data(client.get(page)) | {
        "Petition_persons-2-TOTAL_FORMS": 1,
        "Petition_persons-2-0-authority": authority("un_wgeid"),
        "Petition_persons-2-0-channel": "un_form",
        "Petition_persons-2-0-submitted_on": "2019",
        "Petition_persons-2-0-status": "submitted",
    }

    assert client.post(page, data).status_code == 302

    assert person.petitions.get().submitted_on_display == "2019"


def test_a_new_relative_joins_a_recorded_case_in_a_row_of_its_page(client):
    role_user(client, "Advocate")
    person = make_person("Айгүл")
    page = change_url(person)
    form = client.get(page)
    # No empty rows on a recorded case: "add another" makes one.
    assert form.context["inline_admin_formsets"][1].formset.total_form_count() == 0
    data = unchanged_post_data(form) | {
        "kinships-2-TOTAL_FORMS": 1,
        "kinships-2-0-full_name": "Бала",
        "kinships-2-0-relationship": "child",
        "kinships-2-0-situation": "in_china_barred",
    }

    assert client.post(page, data).status_code == 302

    kinship = person.kinships.get()
    assert (kinship.relative.full_name, kinship.relationship) == ("Бала", "child")


def test_a_viewer_gets_no_rows_for_new_relatives_or_petitions(client):
    role_user(client, "Viewer")
    person = make_person("Айгүл")

    page = client.get(change_url(person)).content.decode()

    assert "kinships-2-TOTAL_FORMS" not in page
    assert "Petition_persons-2-TOTAL_FORMS" not in page


def test_the_case_page_lists_what_the_un_forms_and_statistics_still_need(client):
    role_user(client, "Coordinator")
    person = make_person("Айгүл")

    page = client.get(change_url(person)).content.decode()

    checklist = page.split('class="module missing-for-forms"')[1].split("</nav>")[0]
    anchors = (
        "id_detained_on",
        "id_detained_at",
        "id_detained_by",
        "id_reason_given",
        "Petition_persons-group",
        "kinships-group",
        "consents-group",
        "id_home_place",
        "id_ethnicity",
    )
    for anchor in anchors:
        assert f'href="#{anchor}"' in checklist
        assert f'id="{anchor}"' in page

    person.detained_on = datetime.date(2018, 3, 1)
    person.detained_on_precision = DatePrecision.MONTH
    person.detained_at = "Ghulja"
    person.home_place = place("ili")
    person.detained_by = DetainedPerson.DetainedBy.POLICE
    person.reason_given = DetainedPerson.Reason.NONE_GIVEN
    person.ethnicity = Ethnicity.KAZAKH
    person.save()
    make_consent(person)  # by a relative, who becomes the family contact
    person.kinships.update(is_contact=True)
    make_petition(person)

    assert "missing-for-forms" not in client.get(change_url(person)).content.decode()


def test_new_case_comes_first_on_the_admin_home_page(client):
    role_user(client, "Advocate")

    page = client.get(reverse("admin:index")).content.decode()

    new_case = page.index(f'href="{reverse(ADD)}"')
    assert new_case < page.index('id="worklist-mine"') < page.index('class="app-cases')

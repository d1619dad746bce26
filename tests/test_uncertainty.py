"""Uncertainty recorded honestly: a name withheld is shown as a description and never paired
as a duplicate; "not known whether answered" is not "no answer yet"; a petition can stand for
several letters, and the public still counts petitions."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from cases.duplicates import find_pairs, likely_matches, likely_matches_for
from cases.intake.persons import import_persons
from cases.intake.petitions import import_petitions
from cases.models import DetainedPerson, Kinship, Petition
from tests.factories import (
    make_kinship,
    make_person,
    make_petition,
    make_relative,
    make_user,
    unchanged_post_data,
)
from tests.intake.test_imports import csv_bytes
from tests.public.publishing import tallied, view_tallies
from tests.public.test_statistics import cells, published

pytestmark = pytest.mark.django_db

WIFE = "Қайрат Дәуітханның әйелі (аты жарияланбаған)"
UNKNOWN_NAME = "Аты белгісіз"


@pytest.fixture
def alice(client):
    user = make_user("alice", superuser=True)
    client.force_login(user)
    return user


# --- Names withheld -----------------------------------------------------------------------------


def test_a_withheld_name_is_shown_as_a_description_with_the_case_or_the_kinship():
    wife = make_person(WIFE, name_withheld=True)
    child = make_relative("Сегіз айлық бала", name_withheld=True)
    make_kinship(wife, child, relationship=Kinship.Relationship.CHILD)

    assert str(wife) == f"{wife.case_number} name withheld"
    assert str(child) == f"name withheld (child of {wife.case_number})"
    assert str(make_person("Қайрат Дәуітхан")).endswith(" Қайрат Дәуітхан")


def test_admin_lists_show_the_description_not_the_withheld_name(client, alice):
    wife = make_person(WIFE, name_withheld=True)
    make_kinship(wife, make_relative("Сегіз айлық бала", name_withheld=True))

    persons = client.get(reverse("admin:cases_detainedperson_changelist"))
    relatives = client.get(reverse("admin:cases_relative_changelist"))

    assert WIFE not in persons.content.decode()
    assert f"{wife.case_number}</span>" in persons.content.decode()
    assert "name withheld" in persons.content.decode()
    assert "Сегіз айлық бала" not in relatives.content.decode()
    assert f"name withheld (child of {wife.case_number})" in relatives.content.decode()


def test_todays_work_shows_the_description_not_the_withheld_name(client, alice):
    wife = make_person(WIFE, name_withheld=True)
    make_petition(wife, follow_up_on=datetime.date(2019, 6, 1))  # overdue

    page = client.get(reverse("admin:index")).content.decode()

    assert WIFE not in page
    assert f"{wife.case_number} name withheld" in page


def test_the_admin_form_marks_a_name_withheld(client, alice):
    add = reverse("admin:cases_detainedperson_add")
    data = unchanged_post_data(client.get(add)) | {"full_name": WIFE, "name_withheld": "on"}

    client.post(add, data)

    assert DetainedPerson.objects.get().name_withheld


def test_withheld_names_are_never_suggested_as_duplicates():
    first = make_person(UNKNOWN_NAME, birth_year=1980, name_withheld=True)
    second = make_person(UNKNOWN_NAME, birth_year=1980, name_withheld=True)

    assert list(find_pairs()) == []
    assert likely_matches_for(first) == []
    assert likely_matches(full_name=UNKNOWN_NAME, birth_year=1980) == []
    # The same names, known, are a likely pair.
    DetainedPerson.objects.update(name_withheld=False)
    [pair] = find_pairs()
    assert (pair.first.pk, pair.second.pk) == (first.pk, second.pk)


def test_a_sheet_marks_names_withheld_in_kazakh_or_russian():
    headers = ["ФИО", "Аты жарияланбаған", "relative_1_full_name", "relative_1_имя скрыто"]
    rows = [headers, [WIFE, "иә", "Сегіз айлық бала", "да"]]

    report = import_persons(csv_bytes(rows), dry_run=False)

    assert report.ok, report.errors
    wife = DetainedPerson.objects.get()
    assert wife.name_withheld
    assert wife.kinships.get().relative.name_withheld


# --- Answers not known --------------------------------------------------------------------------


def test_not_known_whether_answered_is_its_own_kind_apart_from_no_answer_yet():
    persons = [make_person() for _ in range(12)]
    unknown = [make_petition(p, response_kind=Petition.ResponseKind.UNKNOWN) for p in persons]
    make_petition(persons[0], response_kind=Petition.ResponseKind.NONE)

    sums = view_tallies()
    breakdown = cells(published(), "petition_response")

    assert sums["petition_response:unknown"] == tallied(unknown)
    assert {"none", "unknown"} <= set(breakdown)
    assert Petition.ResponseKind.UNKNOWN.label == "not known whether answered"


# --- Several letters, one petition --------------------------------------------------------------


def test_a_petition_of_four_letters_is_one_petition_in_the_public_counts():
    persons = [make_person() for _ in range(6)]
    petitions = [make_petition(p, letters_count=4) for p in persons]

    assert view_tallies()["petitions"] == tallied(petitions)


def test_the_admin_refuses_a_petition_of_no_letters(client, alice):
    petition = make_petition(make_person())
    page = reverse("admin:cases_petition_change", args=[petition.pk])
    data = unchanged_post_data(client.get(page)) | {"letters_count": "0"}

    response = client.post(page, data)

    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    petition.refresh_from_db()
    assert petition.letters_count == 1


@pytest.mark.parametrize("header", ["letters_count", "количество писем", "хаттар саны"])
def test_a_sheet_gives_the_number_of_letters(header):
    person = make_person()
    rows = [["case_numbers", "authority", "submitted_on", header], [person.case_number, "mfa",
            "2018-09-01", "4"]]  # fmt: skip

    report = import_petitions(csv_bytes(rows), dry_run=False)

    assert report.ok, report.errors
    assert Petition.objects.get().letters_count == 4


def test_a_sheet_with_no_letters_is_refused_with_a_message():
    person = make_person()
    rows = [["case_numbers", "authority", "letters_count"], [person.case_number, "mfa", "0"]]

    report = import_petitions(csv_bytes(rows), dry_run=False)

    assert not report.ok
    assert "Could not read the number of letters '0' in column letters_count" in str(report.errors)
    assert not Petition.objects.exists()


def test_the_petitions_export_holds_the_number_of_letters(client, alice):
    make_petition(make_person(), letters_count=3, submitted_on=datetime.date(2018, 9, 1))
    url = reverse("admin:cases_petition_export")

    response = client.post(url, {"format": "0", "resource": "0"})

    rows = list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig")), delimiter=";"))
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["letters_count"] == "3"

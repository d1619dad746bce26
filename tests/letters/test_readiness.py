"""The readiness check: what each document needs, present or missing in the case."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.admin.letters import readiness_table
from cases.letters.kinds import KINDS
from cases.letters.readiness import check_readiness
from cases.models import DatePrecision
from tests.factories import make_kinship, make_person, make_petition, make_relative
from tests.letters.fixtures import give_consent


def missing(kind: str, persons) -> list[str]:
    return [check.element for check in check_readiness(KINDS[kind], persons).missing]


def test_what_the_demo_story_lacks_for_each_document(model_case):
    # The report publishes no name, no citizenship for her, only "two years" (so 2018), no
    # place, no forces, no reason, and no consent of the family.
    assert missing("un_wgeid", [model_case]) == [
        "identity",
        "citizenship",
        "detention_date",
        "place",
        "forces",
        "reason",
        "consent",
    ]
    assert missing("un_wgad", [model_case]) == [
        "identity",
        "citizenship",
        "place",
        "forces",
        "reason",
        "consent",
    ]
    # The letters to Kazakhstan need only who writes: the rest is recommended.
    president = check_readiness(KINDS["president"], [model_case])
    assert president.ready
    assert [check.element for check in president.missing] == [
        "identity",
        "citizenship",
        "place",
        "consent",
    ]


def test_the_working_group_on_disappearances_needs_at_least_the_month(completed_case):
    assert check_readiness(KINDS["un_wgeid"], [completed_case]).ready
    completed_case.detained_on_precision = DatePrecision.YEAR
    completed_case.save()

    readiness = check_readiness(KINDS["un_wgeid"], [completed_case])

    assert [check.label for check in readiness.missing_required] == [
        "date of detention, at least month and year"
    ]
    # The Working Group on Arbitrary Detention takes a year.
    assert check_readiness(KINDS["un_wgad"], [completed_case]).ready


def test_a_consent_covering_only_kazakh_petitions_is_no_un_consent(model_case):
    give_consent(model_case, covers_un_bodies=False)
    assert "consent" not in missing("president", [model_case])
    assert "consent" in missing("un_wgeid", [model_case])


def test_each_missing_element_links_to_its_field(model_case):
    readiness = check_readiness(KINDS["un_wgeid"], [model_case])
    links = {check.element: check.url for check in readiness.missing}
    case = f"/admin/cases/detainedperson/{model_case.pk}/change/"
    assert links["place"] == f"{case}#id_detained_at"
    assert links["forces"] == f"{case}#id_detained_by"
    assert links["consent"] == f"{case}#consents-group"


def test_several_persons_name_the_cases_that_lack_an_element(completed_case):
    brother = make_person("Ерлан Дәуітхан", detained_on=datetime.date(2018, 5, 1))
    readiness = check_readiness(KINDS["un_wgeid"], [completed_case, brother])
    place = next(check for check in readiness.checks if check.element == "place")
    assert place.missing_in == (brother.case_number,)


@pytest.mark.django_db
def test_the_readiness_of_every_document_takes_the_same_queries_for_one_case_or_many():
    def family(number: int):
        person = make_person(f"Person {number}")
        make_kinship(person, make_relative(f"Relative {number}"), is_contact=True)
        make_petition(person)
        give_consent(person)
        return person

    persons = [family(number) for number in range(4)]
    with CaptureQueriesContext(connection) as one:
        readiness_table(persons[:1])
    with CaptureQueriesContext(connection) as four:
        readiness_table(persons)
    # To prevent an n+1 issue: the same queries for one case or four.
    assert len(four) == len(one) <= 4

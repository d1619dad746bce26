"""Consent: what a family allows, until when; a UN submission needs it for every person, on
every path (the service the admin, the import and the demo use), and a withdrawal is kept and
flags the case."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.utils import timezone

from cases.dates import DatePrecision
from cases.intake.petitions import import_petitions
from cases.models import (
    Authority,
    Consent,
    ConsentKept,
    ConsentScope,
    DetainedPerson,
    Petition,
    PetitionStatus,
    Source,
    Status,
)
from cases.services import missing_un_consent, save_petition
from tests.factories import make_kinship, make_person, make_petition, make_relative, make_user
from tests.intake.test_imports import csv_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SUBMITTED = datetime.date(2024, 3, 1)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def make_consent(person: DetainedPerson, relative=None, **fields) -> Consent:
    """A consent of `person`'s family (its first relative unless given), covering recording
    and UN submissions, given before SUBMITTED unless said otherwise."""
    if relative is None and fields.get("given_by") != Consent.GivenBy.PERSON:
        relative = make_relative()
        make_kinship(person, relative)
    fields.setdefault("given_on", SUBMITTED - days(30))
    fields.setdefault("covers_recording", True)
    fields.setdefault("covers_un_bodies", True)
    consent = Consent(person=person, relative=relative, **fields)
    consent.full_clean()
    consent.save()
    return consent


def un_petition(status=PetitionStatus.SUBMITTED, submitted_on=SUBMITTED) -> Petition:
    """An unsaved petition to the Working Group on Enforced Disappearances."""
    return Petition(
        authority=Authority.objects.get(code="un_wgeid"),
        status=status,
        submitted_on=submitted_on if status != PetitionStatus.DRAFT else None,
    )


# --- What a consent is ------------------------------------------------------------------------


def test_valid_on_a_day_means_given_not_expired_not_withdrawn():
    person = make_person()
    consent = make_consent(
        person, given_on=datetime.date(2024, 1, 10), expires_on=datetime.date(2024, 6, 30)
    )
    valid = Consent.objects.valid_on

    assert not valid(datetime.date(2024, 1, 9)).exists()
    assert list(valid(datetime.date(2024, 1, 10))) == [consent]
    assert list(valid(datetime.date(2024, 6, 30))) == [consent]  # the last day it holds
    assert not valid(datetime.date(2024, 7, 1)).exists()

    consent.withdrawn_on = datetime.date(2024, 3, 5)
    consent.save()
    assert list(valid(datetime.date(2024, 3, 4))) == [consent]
    assert not valid(datetime.date(2024, 3, 5)).exists()


def test_covering_a_scope_and_the_partners_name():
    person = make_person()
    recording_only = make_consent(person, covers_un_bodies=False)
    partner = make_consent(
        person, covers_recording=False, covers_partner=True, partner_name="Human Rights Watch"
    )

    assert list(Consent.objects.covering(ConsentScope.RECORDING)) == [recording_only]
    assert list(Consent.objects.covering(ConsentScope.PARTNER)) == [partner]
    assert "Human Rights Watch" in partner.scopes_display


def test_states_today_valid_expiring_expired_withdrawn(settings):
    settings.CONSENT_EXPIRY_WARNING_DAYS = 30
    person = make_person()
    given = TODAY - days(400)
    valid = make_consent(person, given_on=given)
    soon = make_consent(person, given_on=given, expires_on=TODAY + days(30))
    later = make_consent(person, given_on=given, expires_on=TODAY + days(31))
    expired = make_consent(person, given_on=given, expires_on=TODAY - days(1))
    withdrawn = make_consent(person, given_on=given, withdrawn_on=TODAY)

    assert [c.state() for c in (valid, soon, later, expired, withdrawn)] == [
        "valid",
        "expires_soon",
        "valid",
        "expired",
        "withdrawn",
    ]
    assert list(Consent.objects.expiring_within(30)) == [soon]
    assert list(Consent.objects.withdrawn()) == [withdrawn]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"covers_recording": False, "covers_un_bodies": False}, "covers_recording"),
        ({"covers_partner": True}, "partner_name"),
        ({"expires_on": SUBMITTED - days(60)}, "expires_on"),
        ({"withdrawn_on": SUBMITTED - days(60)}, "withdrawn_on"),
        ({"withdrawal_reason": "asked by phone"}, "withdrawn_on"),
        ({"given_on": TODAY + days(1)}, "given_on"),
    ],
)
def test_impossible_consents_are_refused_by_the_form_rules(fields, field):
    person = make_person()
    relative = make_relative()
    make_kinship(person, relative)
    consent = Consent(
        person=person,
        relative=relative,
        given_on=SUBMITTED - days(30),
        covers_recording=True,
        covers_un_bodies=True,
    )
    for name, value in fields.items():
        setattr(consent, name, value)
    with pytest.raises(ValidationError) as refused:
        consent.full_clean()
    assert field in refused.value.message_dict


def test_who_gave_it_is_a_relative_of_the_case_or_the_person_themself():
    person = make_person()
    stranger = make_relative("Бөтен адам")
    consent = Consent(person=person, relative=stranger, given_on=SUBMITTED, covers_recording=True)
    with pytest.raises(ValidationError) as refused:
        consent.full_clean()
    assert refused.value.message_dict["relative"] == [
        "Only a relative of this case can give its consent."
    ]

    own = Consent(
        person=person,
        given_by=Consent.GivenBy.PERSON,
        given_on=SUBMITTED,
        covers_recording=True,
    )
    own.full_clean()
    own.save()
    assert own.giver_display == "the person themself"


@pytest.mark.parametrize(
    "fields",
    [
        {"given_by": "person"},  # with a relative named
        {"relative": None},  # given by a relative, none named
        {"covers_recording": False, "covers_un_bodies": False},
        {"covers_partner": True, "partner_name": ""},
        {"withdrawal_reason": "no date"},
    ],
)
def test_the_database_refuses_what_the_constraints_forbid(fields):
    person = make_person()
    relative = make_relative()
    values = {
        "person": person,
        "relative": relative,
        "given_on": SUBMITTED,
        "covers_recording": True,
    } | fields
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(**values)


def test_evidence_must_be_a_source_of_the_case():
    person, other = make_person(), make_person()
    foreign = Source.objects.create(person=other, title="Another family's form")
    consent = make_consent(person)
    consent.evidence = foreign
    with pytest.raises(ValidationError) as refused:
        consent.full_clean()
    assert "evidence" in refused.value.message_dict

    consent.evidence = Source.objects.create(person=person, title="Signed consent form")
    consent.full_clean()


def test_a_withdrawn_consent_is_never_deleted_and_keeps_its_relative_and_evidence():
    person = make_person()
    form = Source.objects.create(person=person, title="Signed consent form")
    consent = make_consent(person, evidence=form, withdrawn_on=TODAY, withdrawal_reason="fear")

    with pytest.raises(ConsentKept):
        consent.delete()
    with pytest.raises(RestrictedError), transaction.atomic():
        consent.relative.delete()
    with pytest.raises(RestrictedError), transaction.atomic():
        form.delete()
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_deleting_the_whole_case_deletes_its_consents_with_it():
    person = make_person()
    form = Source.objects.create(person=person, title="Signed consent form")
    make_consent(person, evidence=form)
    person.delete()
    assert not Consent.objects.exists()


def test_consent_changes_are_kept_in_the_history_with_who_made_them():
    person = make_person()
    consent = make_consent(person)
    user = make_user("advocate")
    consent._history_user = user
    consent.withdrawn_on = TODAY
    consent.save()
    latest = consent.history.first()
    assert (latest.withdrawn_on, latest.history_user) == (TODAY, user)
    assert consent.history.count() == 2


# --- The case: flagged, open, needing consent --------------------------------------------------


def test_a_withdrawal_flags_the_case_until_the_family_consents_again():
    person = make_person()
    make_person("Another case")
    consent = make_consent(person, given_on=TODAY - days(100))
    assert not DetainedPerson.objects.consent_withdrawn().exists()

    consent.withdrawn_on = TODAY - days(10)
    consent.save()
    assert list(DetainedPerson.objects.consent_withdrawn()) == [person]

    make_consent(person, relative=consent.relative, given_on=TODAY - days(2))
    assert not DetainedPerson.objects.consent_withdrawn().exists()


def test_open_cases_needing_consent_leave_out_closed_consented_and_withdrawn_ones():
    asked = make_person("Asked")
    make_consent(asked, given_on=TODAY - days(10))
    never_asked = make_person("Never asked")
    expired = make_person("Expired")
    make_consent(expired, given_on=TODAY - days(400), expires_on=TODAY - days(1))
    withdrawn = make_person("Withdrew")
    make_consent(withdrawn, given_on=TODAY - days(400), withdrawn_on=TODAY - days(3))
    make_person("Came home", status=Status.LEFT_CHINA)
    make_person("Duplicate", duplicate_of=never_asked)

    assert set(DetainedPerson.objects.needing_consent()) == {never_asked, expired}


# --- UN submissions: the service ----------------------------------------------------------------


def test_un_submission_without_consent_is_refused_naming_the_person_and_nothing_is_saved():
    covered = make_person("Айгүл")
    make_consent(covered)
    uncovered = make_person("Бақытжан")
    petition = un_petition()

    with pytest.raises(ValidationError) as refused:
        save_petition(petition, persons=[covered, uncovered])

    message = refused.value.messages[0]
    assert uncovered.case_number in message and "Бақытжан" in message
    assert "Айгүл" not in message
    assert not Petition.objects.exists()


def test_un_submission_with_a_consent_for_every_person_is_saved():
    first, second = make_person(), make_person()
    make_consent(first)
    make_consent(second, given_by=Consent.GivenBy.PERSON)
    petition = un_petition()

    save_petition(petition, persons=[first, second])

    assert set(petition.persons.all()) == {first, second}
    assert petition.events.get().status == PetitionStatus.SUBMITTED


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_on": SUBMITTED - days(1)},
        {"withdrawn_on": SUBMITTED},
        {"given_on": SUBMITTED + days(1)},
        {"covers_un_bodies": False},
    ],
    ids=["expired", "withdrawn", "given-after", "not-covering-un"],
)
def test_a_consent_that_does_not_hold_on_the_submission_date_does_not_count(fields):
    person = make_person()
    make_consent(person, **({"given_on": SUBMITTED - days(30)} | fields))
    assert missing_un_consent(un_petition(), [person]) == [person]


def test_drafts_and_petitions_to_other_authorities_need_no_consent():
    person = make_person()
    save_petition(un_petition(status=PetitionStatus.DRAFT), persons=[person])
    make_petition(person, authority="mfa")
    make_petition(person, authority="other")  # international, but no UN body
    assert Petition.objects.count() == 3


def test_marking_a_draft_submitted_or_adding_a_person_is_checked_again():
    person, newcomer = make_person(), make_person()
    make_consent(person)
    draft = un_petition(status=PetitionStatus.DRAFT)
    save_petition(draft, persons=[newcomer])

    draft.status, draft.submitted_on = PetitionStatus.SUBMITTED, SUBMITTED
    with pytest.raises(ValidationError):
        save_petition(draft)
    assert Petition.objects.get().status == PetitionStatus.DRAFT

    draft.status = PetitionStatus.DRAFT
    save_petition(draft, persons=[person])
    draft.status = PetitionStatus.SUBMITTED
    save_petition(draft)
    with pytest.raises(ValidationError):
        save_petition(draft, persons=[person, newcomer])
    assert list(Petition.objects.get().persons.all()) == [person]


def test_an_answer_can_be_recorded_after_the_consent_was_withdrawn():
    person = make_person()
    consent = make_consent(person)
    petition = un_petition()
    save_petition(petition, persons=[person])
    consent.withdrawn_on = TODAY
    consent.save()

    petition.response_summary = "Transmitted to the Government of China."
    save_petition(petition)

    assert Petition.objects.get().response_summary.startswith("Transmitted")


# --- UN submissions: the import -----------------------------------------------------------------

PETITION_HEADERS = [
    "case_numbers",
    "authority",
    "channel",
    "submitted_on",
    "status",
    "our_reference",
]


def test_import_of_a_un_submission_without_consent_is_a_row_error_and_writes_nothing():
    covered, uncovered = make_person("Айгүл"), make_person("Бақытжан")
    make_consent(covered)
    rows = [
        PETITION_HEADERS,
        [covered.case_number, "WGEID", "un_form", "2024-03-01", "submitted", "UN-1"],
        [uncovered.case_number, "WGAD", "un_form", "2024-03-01", "submitted", "UN-2"],
        [uncovered.case_number, "WGAD", "un_form", "", "draft", "UN-3"],
    ]

    report = import_petitions(csv_bytes(rows), user=make_user("c", superuser=True), dry_run=False)

    assert [(e.row, uncovered.case_number in e.message) for e in report.errors] == [(3, True)]
    assert "No valid consent covering submissions to UN bodies" in report.errors[0].message
    assert not Petition.objects.exists()


def test_import_of_un_submissions_with_consent_writes_them():
    person = make_person()
    make_consent(person)
    rows = [PETITION_HEADERS, [person.case_number, "WGEID", "un_form", "2024-03-01", "", "UN-1"]]

    report = import_petitions(csv_bytes(rows), user=make_user("c", superuser=True), dry_run=False)

    assert report.written, report.errors
    assert list(Petition.objects.get().persons.all()) == [person]


def test_a_consent_given_during_the_year_of_a_vague_submission_covers_it():
    person = make_person("Гүлнар")
    relative = make_relative("Қайрат")
    make_kinship(person, relative, relationship="spouse")
    Consent.objects.create(
        person=person, relative=relative, covers_un_bodies=True, given_on=datetime.date(2019, 6, 1)
    )
    un = Authority.objects.get(code="un_wgeid")

    def submitted(on, precision):
        petition = Petition(authority=un, status=PetitionStatus.SUBMITTED, submitted_on=on)
        petition.submitted_on_precision = precision
        return missing_un_consent(petition, [person])

    assert submitted(datetime.date(2019, 1, 1), DatePrecision.YEAR) == []  # "2019"
    assert submitted(datetime.date(2019, 6, 1), DatePrecision.MONTH) == []  # "June 2019"
    assert submitted(datetime.date(2019, 5, 1), DatePrecision.MONTH) == [person]  # "May 2019"
    assert submitted(datetime.date(2019, 5, 31), DatePrecision.DAY) == [person]

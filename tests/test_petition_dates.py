"""Petitions' dates as vague as the family knows them: "he wrote several times in 2018" is kept
as 2018, the timeline starts at the submission, petitions entered long after are followed up
from the day they are entered, and sheets, exports, backups and tallies carry the precisions."""

import datetime

import pytest
from django.utils import timezone

from cases.dates import DatePrecision
from cases.intake.exports import PetitionResource
from cases.intake.petitions import import_petitions
from cases.models import Petition, PetitionEvent, PetitionStatus, Tally
from cases.public import vocabulary
from cases.services import save_petition
from tests.factories import make_person, make_petition, make_user

pytestmark = pytest.mark.django_db

YEAR, MONTH, DAY = DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode()


def timeline(petition: Petition) -> list[tuple]:
    return list(petition.events.values_list("status", "on", "on_precision"))


# --- The model and its timeline ----------------------------------------------------------------


def test_a_year_is_stored_as_its_first_day_and_shown_as_the_year():
    petition = make_petition(
        make_person(), submitted_on=datetime.date(2018, 9, 14), submitted_on_precision=YEAR
    )

    petition.refresh_from_db()
    assert petition.submitted_on == datetime.date(2018, 1, 1)
    assert petition.submitted_on_display == "2018"
    assert str(petition).endswith("(2018)")


def test_the_timeline_starts_at_the_submission_as_precisely_as_it_is_known():
    petition = make_petition(
        make_person(), submitted_on=datetime.date(2018, 3, 1), submitted_on_precision=MONTH
    )

    assert timeline(petition) == [("submitted", datetime.date(2018, 3, 1), MONTH)]
    assert petition.events.get().on_display == "March 2018"


def test_a_petition_entered_already_answered_starts_its_timeline_at_the_submission():
    petition = make_petition(
        make_person(),
        status=PetitionStatus.ANSWERED,
        submitted_on=datetime.date(2018, 1, 1),
        submitted_on_precision=YEAR,
        response_received_on=datetime.date(2019, 5, 1),
        response_received_on_precision=MONTH,
    )

    assert timeline(petition) == [
        ("submitted", datetime.date(2018, 1, 1), YEAR),
        ("answered", datetime.date(2019, 5, 1), MONTH),
    ]


def test_a_corrected_submission_date_moves_the_line_dated_from_it():
    user = make_user("advocate")
    petition = make_petition(make_person(), submitted_on=datetime.date(2019, 3, 1))

    petition.submitted_on, petition.submitted_on_precision = datetime.date(2018, 1, 1), YEAR
    save_petition(petition, user=user)

    assert timeline(petition) == [("submitted", datetime.date(2018, 1, 1), YEAR)]
    assert petition.events.get().history.first().history_user == user


def test_a_follow_up_line_is_not_moved_with_the_submission_date():
    petition = make_petition(make_person(), submitted_on=datetime.date(2019, 3, 1))
    PetitionEvent.objects.create(
        petition=petition, on=datetime.date(2019, 4, 1), status=PetitionStatus.SUBMITTED
    )

    petition.submitted_on = datetime.date(2019, 2, 1)
    save_petition(petition)

    assert sorted(timeline(petition)) == [
        ("submitted", datetime.date(2019, 2, 1), DAY),
        ("submitted", datetime.date(2019, 4, 1), DAY),
    ]


def test_four_letters_from_2018_entered_today_are_not_overdue_on_day_one(settings):
    settings.PETITION_FOLLOW_UP_DAYS = 30
    person = make_person()
    today = timezone.localdate()

    petitions = [
        make_petition(person, submitted_on=datetime.date(2018, 1, 1), submitted_on_precision=YEAR)
        for _ in range(4)
    ]

    assert {p.follow_up_on for p in petitions} == {today + datetime.timedelta(days=30)}
    assert not Petition.objects.overdue().exists()


def test_a_draft_sent_after_it_was_entered_is_followed_up_from_its_sending(settings):
    settings.PETITION_FOLLOW_UP_DAYS = 30
    today = timezone.localdate()
    draft = make_petition(make_person(), status=PetitionStatus.DRAFT)
    Petition.objects.filter(pk=draft.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    draft.refresh_from_db()

    draft.status, draft.submitted_on = PetitionStatus.SUBMITTED, today - datetime.timedelta(days=5)
    save_petition(draft)

    assert draft.follow_up_on == today + datetime.timedelta(days=25)


def test_the_database_refuses_an_exact_answer_before_the_submission():
    from django.db import IntegrityError, transaction

    petition = make_petition(make_person(), submitted_on=datetime.date(2019, 5, 20))
    petition.response_received_on = datetime.date(2019, 5, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        petition.save()


# --- Sheets and exports ------------------------------------------------------------------------


HEADERS = ["case_numbers", "authority", "submitted_on", "response_received_on", "status"]


@pytest.mark.parametrize(
    ("cell", "stored", "precision"),
    [
        ("2018", datetime.date(2018, 1, 1), YEAR),
        ("03.2018", datetime.date(2018, 3, 1), MONTH),
        ("2018-03", datetime.date(2018, 3, 1), MONTH),
        ("March 2018", datetime.date(2018, 3, 1), MONTH),
        ("12.03.2018", datetime.date(2018, 3, 12), DAY),
        ("2018-03-12", datetime.date(2018, 3, 12), DAY),
    ],
)
def test_a_sheet_gives_submission_dates_as_vague_as_they_are_known(cell, stored, precision):
    person = make_person("Айгүл")
    rows = [HEADERS, [person.case_number, "mfa", cell, "", ""]]

    report = import_petitions(csv_bytes(rows), dry_run=False)

    assert report.ok, report.errors
    petition = Petition.objects.get()
    assert (petition.submitted_on, petition.submitted_on_precision) == (stored, precision)
    assert petition.status == PetitionStatus.SUBMITTED
    assert timeline(petition) == [("submitted", stored, precision)]


def test_a_sheet_gives_answer_dates_as_vague_as_they_are_known_and_checks_their_order():
    person = make_person("Айгүл")
    rows = [
        HEADERS,
        [person.case_number, "mfa", "05.2019", "2019", "answered"],
        [person.case_number, "mfa", "05.2019", "2018", "answered"],
        [person.case_number, "mfa", "2019", "2999", "answered"],
    ]

    report = import_petitions(csv_bytes(rows), dry_run=True)

    errors = [(e.row, e.message) for e in report.errors]
    assert [row for row, _message in errors] == [3, 4]
    assert "An answer cannot arrive before the submission." in errors[0][1]
    assert errors[1][1] == ("The date '2999' in column response_received_on lies in the future.")


def test_exported_petition_dates_import_back_as_precisely():
    person = make_person("Айгүл")
    make_petition(person, submitted_on=datetime.date(2018, 1, 1), submitted_on_precision=YEAR)
    make_petition(
        person,
        status=PetitionStatus.ANSWERED,
        submitted_on=datetime.date(2019, 5, 1),
        submitted_on_precision=MONTH,
        response_received_on=datetime.date(2019, 7, 2),
    )

    dataset = PetitionResource().export(Petition.objects.order_by("pk"))

    assert [row["submitted_on"] for row in dataset.dict] == ["2018", "2019-05"]
    assert [row["response_received_on"] for row in dataset.dict] == ["", "2019-07-02"]
    report = import_petitions(dataset.export("csv").encode(), dry_run=True)
    assert report.ok and [row.action for row in report.rows] == ["unchanged", "unchanged"]


# --- Public statistics -------------------------------------------------------------------------


def timed() -> int:
    return sum(
        Tally.objects.filter(key=vocabulary.PETITIONS_TIMED).values_list("count", flat=True)
    )


def test_days_waited_for_an_answer_are_counted_only_between_days_known():
    person = make_person()
    make_petition(
        person,
        status=PetitionStatus.ANSWERED,
        submitted_on=datetime.date(2019, 3, 1),
        response_received_on=datetime.date(2019, 4, 1),
    )
    assert timed() == 1

    vague = make_petition(
        person,
        status=PetitionStatus.ANSWERED,
        submitted_on=datetime.date(2018, 1, 1),
        submitted_on_precision=YEAR,
        response_received_on=datetime.date(2019, 4, 1),
    )
    assert timed() == 1

    vague.submitted_on, vague.submitted_on_precision = datetime.date(2019, 3, 5), DAY
    save_petition(vague)
    assert timed() == 2

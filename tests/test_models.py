import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import (
    OUTCOME_STATUS,
    Authority,
    DatePrecision,
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    PetitionEvent,
    Place,
    PublishedFigure,
    Relative,
    Source,
    Status,
)
from cases.services import record_outcome, save_petition
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    make_user,
)

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def test_a_name_is_enough_to_save_a_person_and_a_relative():
    person = DetainedPerson(full_name="Айгүл")
    person.full_clean()
    person.save()
    relative = Relative(full_name="Серік")
    relative.full_clean()
    relative.save()
    assert person.status == Status.UNKNOWN
    assert relative.lives_in == Relative.LivesIn.UNKNOWN


def test_case_numbers_are_generated_unique_and_never_reused():
    first = make_person()
    second = make_person()
    assert first.case_number == f"C-{first.pk:05d}"
    assert DetainedPerson.objects.get(pk=first.pk).case_number == first.case_number
    second.delete()
    third = make_person()
    assert third.case_number not in {first.case_number, second.case_number}


def test_case_numbers_beyond_five_digits_are_not_cut():
    person = make_person()
    DetainedPerson.objects.filter(pk=person.pk).update(case_number=None)
    DetainedPerson.objects.filter(pk=person.pk).update(id=123456)
    DetainedPerson.objects.filter(pk=123456).assign_case_numbers()
    assert DetainedPerson.objects.get(pk=123456).case_number == "C-123456"
    assert DetainedPerson.case_number_for(123456) == "C-123456"


def test_name_key_is_stored_for_every_spelling():
    person = make_person(
        "Қайрат Дәуітхан", name_latin="Qairat Dauitkhan", other_names="Kayrat Dauytkhan"
    )
    assert person.name_key == "kairat dauithan"
    relative = make_relative("Жұмалы", name_latin="Jumaly")
    assert relative.name_key == "zhumali"


def test_seeded_places_and_authorities_have_all_names():
    assert Place.objects.count() >= 29
    for place in Place.objects.all():
        assert place.name_en and place.name_kk and place.name_ru and place.name_zh
    assert Authority.objects.filter(code__in=["president", "mfa", "un_wgad"]).count() == 3
    for authority in Authority.objects.all():
        assert authority.name_en and authority.name_kk and authority.name_ru


def test_place_name_follows_the_active_language():
    from django.utils import translation

    urumqi = Place.objects.get(code="urumqi")
    with translation.override("kk"):
        assert str(urumqi) == "Үрімжі"
    with translation.override("ru"):
        assert str(urumqi) == "Урумчи"
    assert str(urumqi) == "Ürümqi"


# --- Approximate dates ------------------------------------------------------------------------


def test_year_precision_is_stored_as_first_of_january_and_shown_as_the_year():
    person = make_person(detained_on=datetime.date(2018, 7, 14))
    person.refresh_from_db()
    assert person.detained_on == datetime.date(2018, 1, 1)
    assert person.detained_on_display == "2018"


def test_month_precision_is_shown_as_month_and_year():
    person = make_person(
        detained_on=datetime.date(2018, 3, 12), detained_on_precision=DatePrecision.MONTH
    )
    assert person.detained_on == datetime.date(2018, 3, 1)
    assert person.detained_on_display == "March 2018"


def test_future_dates_are_refused():
    person = DetainedPerson(full_name="X", detained_on=TOMORROW)
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert "detained_on" in error.value.message_dict


@pytest.mark.parametrize("year", [1700, 1899, timezone.localdate().year + 1])
def test_impossible_birth_years_are_refused(year):
    with pytest.raises(ValidationError) as error:
        DetainedPerson(full_name="X", birth_year=year).full_clean()
    assert "birth_year" in error.value.message_dict


def test_database_refuses_a_birth_year_out_of_range():
    with pytest.raises(IntegrityError), transaction.atomic():
        DetainedPerson.objects.create(full_name="X", birth_year=1700)


def test_a_person_cannot_be_a_duplicate_of_itself():
    person = make_person()
    person.duplicate_of = person
    with pytest.raises(ValidationError):
        person.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        DetainedPerson.objects.filter(pk=person.pk).update(duplicate_of=person)


def test_one_kinship_per_pair():
    person, relative = make_person(), make_relative()
    make_kinship(person, relative)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_kinship(person, relative, relationship=Kinship.Relationship.SPOUSE)


def test_a_release_cannot_precede_the_detention():
    person = make_person(
        detained_on=datetime.date(2019, 5, 1), detained_on_precision=DatePrecision.DAY
    )
    outcome = Outcome(
        person=person,
        kind=Outcome.Kind.RELEASED_FROM_CAMP,
        occurred_on=datetime.date(2019, 4, 1),
        occurred_on_precision=DatePrecision.DAY,
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert "occurred_on" in error.value.message_dict


def test_a_release_in_the_year_of_an_approximate_detention_is_accepted():
    person = make_person(detained_on=datetime.date(2019, 1, 1))  # "2019"
    Outcome(
        person=person,
        kind=Outcome.Kind.RELEASED_FROM_CAMP,
        occurred_on=datetime.date(2019, 1, 1),
        occurred_on_precision=DatePrecision.YEAR,
    ).full_clean()


def test_sentence_years_belong_to_a_sentence():
    person = make_person()
    outcome = Outcome(
        person=person,
        kind=Outcome.Kind.DIED,
        occurred_on=datetime.date(2020, 1, 1),
        sentence_years=5,
    )
    with pytest.raises(ValidationError):
        outcome.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.bulk_create([outcome])


def test_an_answer_cannot_arrive_before_the_submission():
    person = make_person()
    petition = make_petition(person, submitted_on=datetime.date(2019, 3, 1))
    petition.response_received_on = datetime.date(2019, 2, 1)
    with pytest.raises(ValidationError) as error:
        petition.full_clean()
    assert "response_received_on" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Petition.objects.filter(pk=petition.pk).update(
            response_received_on=datetime.date(2019, 2, 1)
        )


def test_a_source_must_be_about_a_person_or_a_petition():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(title="Orphan")


# --- Querysets --------------------------------------------------------------------------------


def test_counted_excludes_excluded_cases_and_duplicates():
    kept = make_person()
    original = make_person()
    make_person(counted_in_statistics=False)
    make_person(duplicate_of=original)
    assert set(DetainedPerson.objects.counted()) == {kept, original}


def test_held_knows_which_statuses_are_held():
    held = [make_person(status=status) for status in ("camp", "prison", "barred_from_leaving")]
    make_person(status=Status.RELEASED)
    make_person(status=Status.LEFT_CHINA)
    assert set(DetainedPerson.objects.held()) == set(held)
    assert all(person.is_held for person in held)


def test_overdue_petitions_are_past_follow_up_and_not_closed():
    person = make_person()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    overdue = make_petition(person, follow_up_on=yesterday)
    make_petition(person, follow_up_on=yesterday, status=Petition.Status.CLOSED)
    make_petition(person, follow_up_on=TOMORROW)
    assert list(Petition.objects.overdue()) == [overdue]
    assert overdue.is_overdue


def test_petition_summary_counts_petitions_and_finds_next_follow_up():
    person = make_person()
    make_petition(person, follow_up_on=datetime.date(2030, 1, 1))
    make_petition(person, follow_up_on=datetime.date(2029, 1, 1), status=Petition.Status.CLOSED)
    make_petition(person, follow_up_on=datetime.date(2031, 1, 1))
    summary = DetainedPerson.objects.with_petition_summary().get(pk=person.pk)
    assert summary.petition_count == 3
    assert summary.next_follow_up == datetime.date(2030, 1, 1)


# --- Outcomes update the status ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,status",
    [
        (Outcome.Kind.RETURNED_TO_KAZAKHSTAN, Status.LEFT_CHINA),
        (Outcome.Kind.SENTENCED, Status.PRISON),
        (Outcome.Kind.RELEASED_FROM_CAMP, Status.RELEASED),
        (Outcome.Kind.DIED, Status.DECEASED),
    ],
)
def test_recording_an_outcome_updates_the_status(kind, status):
    person = make_person(status=Status.CAMP)
    make_outcome(person, kind, datetime.date(2020, 5, 1))
    person.refresh_from_db()
    assert person.status == status == OUTCOME_STATUS[kind]


def test_an_older_outcome_does_not_override_the_latest():
    person = make_person(status=Status.CAMP)
    make_outcome(person, Outcome.Kind.SENTENCED, datetime.date(2021, 1, 1), sentence_years=10)
    make_outcome(person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2019, 1, 1))
    person.refresh_from_db()
    assert person.status == Status.PRISON


def test_an_outcome_without_a_status_meaning_leaves_the_status():
    person = make_person(status=Status.PRISON)
    make_outcome(person, Outcome.Kind.TRANSFERRED, datetime.date(2021, 1, 1))
    person.refresh_from_db()
    assert person.status == Status.PRISON


def test_every_outcome_kind_has_a_mapping():
    assert set(OUTCOME_STATUS) == set(Outcome.Kind.values)


# --- Petition events --------------------------------------------------------------------------


def test_saving_a_petition_or_an_outcome_saves_nothing_else():
    # Side effects are the services' (cases/services.py), never a save()'s.
    person = make_person(status=Status.CAMP)
    outcome = Outcome(
        person=person,
        kind=Outcome.Kind.RETURNED_TO_KAZAKHSTAN,
        occurred_on=datetime.date(2020, 1, 1),
    )
    outcome.save()
    petition = Petition(authority=Authority.objects.first(), status=Petition.Status.DRAFT)
    petition.save()

    person.refresh_from_db()
    assert person.status == Status.CAMP
    assert not petition.events.exists()
    later = Outcome(person=person, kind=outcome.kind, occurred_on=datetime.date(2021, 1, 1))
    assert record_outcome(later) == Status.LEFT_CHINA
    petition.status, petition.submitted_on = Petition.Status.SUBMITTED, datetime.date(2020, 2, 3)
    assert save_petition(petition).status == Petition.Status.SUBMITTED


def test_every_status_change_of_a_petition_is_recorded():
    user = make_user("alice")
    person = make_person()
    petition = make_petition(person, status=Petition.Status.DRAFT)
    petition = Petition.objects.get(pk=petition.pk)
    petition.status = Petition.Status.SUBMITTED
    petition.submitted_on = datetime.date(2020, 2, 3)
    save_petition(petition, user=user)
    petition.notes = "Sent by registered mail."
    assert save_petition(petition, user=user) is None  # no status change: no new event
    events = list(petition.events.order_by("created_at").values_list("status", "on", "created_by"))
    assert events == [
        ("draft", timezone.localdate(), None),
        ("submitted", datetime.date(2020, 2, 3), user.pk),
    ]


def test_a_status_change_on_a_fresh_instance_is_recorded_once():
    person = make_person()
    petition = make_petition(person)
    reloaded = Petition.objects.get(pk=petition.pk)
    reloaded.status = Petition.Status.ANSWERED
    reloaded.response_received_on = datetime.date(2019, 6, 1)
    save_petition(reloaded)
    save_petition(reloaded)
    assert list(
        PetitionEvent.objects.filter(petition=petition).values_list("status", flat=True)
    ) == [
        "submitted",
        "answered",
    ]


def test_submitting_without_a_follow_up_date_sets_one(settings):
    settings.PETITION_FOLLOW_UP_DAYS = 30
    petition = make_petition(make_person(), submitted_on=timezone.localdate())
    assert petition.follow_up_on == timezone.localdate() + datetime.timedelta(days=30)


# --- History ----------------------------------------------------------------------------------


def test_every_case_model_keeps_history():
    person = make_person("Айгүл")
    person.full_name = "Айгүл Серікқызы"
    person.save()
    assert person.history.count() == 2
    for model in (Relative, Kinship, Petition, PetitionEvent, Outcome, Source, PublishedFigure):
        assert hasattr(model, "history"), model

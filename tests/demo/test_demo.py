import datetime
import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client, RequestFactory
from django.urls import reverse

from cases.demo.generator import GENERATED_CONSENT, GENERATED_PERSON, GENERATED_RELATIVE
from cases.demo.story import WIFE_NAME_LATIN
from cases.models import (
    OUTCOME_STATUS,
    Consent,
    DatePrecision,
    DetainedPerson,
    Kinship,
    Petition,
    PetitionStatus,
    PublishedFigure,
    Relative,
    Source,
    Status,
)
from cases.names import name_key

pytestmark = pytest.mark.django_db


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def the_wife() -> DetainedPerson:
    return DetainedPerson.objects.get(name_latin=WIFE_NAME_LATIN)


def database_state() -> dict:
    """Row counts of every table (history and many-to-many tables included), and every row's
    updated_at where the model has one."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        state[label] = model.objects.count()
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            state[f"{label}.updated_at"] = sorted(model.objects.values_list("pk", "updated_at"))
    return state


# --- The source story -------------------------------------------------------------------------


def test_story_holds_kairats_wife_barred_from_leaving_since_2018():
    load_demo()

    wife = the_wife()
    assert wife.full_name == "Қайрат Дәуітханның әйелі (аты жарияланбаған)"
    assert wife.name_withheld and str(wife) == f"{wife.case_number} name withheld"
    assert wife.status == Status.BARRED_FROM_LEAVING
    assert wife.is_held
    assert (wife.gender, wife.ethnicity) == ("female", "kazakh")
    assert wife.detained_on_display == "2018"
    assert wife.detained_on_precision == DatePrecision.YEAR
    assert wife.verification == DetainedPerson.Verification.REPORTED
    assert wife.home_place.code == "unknown"
    assert "two years" in wife.notes
    assert wife.case_number == DetainedPerson.case_number_for(wife.pk)


def test_story_children_are_kazakhstan_citizens_and_only_the_one_with_the_father_is_separated():
    load_demo()

    children = Kinship.objects.filter(
        person=the_wife(), relationship=Kinship.Relationship.CHILD
    ).select_related("relative")
    assert len(children) == 2
    assert {k.relative.citizenship for k in children} == {Relative.Citizenship.KAZAKHSTAN}
    lives_in = {k.separated: k.relative.lives_in for k in children}
    assert lives_in == {True: Relative.LivesIn.KAZAKHSTAN, False: Relative.LivesIn.CHINA}
    assert all("name not published" in k.relative.name_latin for k in children)
    assert all(k.relative.name_withheld for k in children)
    assert all(k.relative.birth_year is None for k in children)


def test_story_baby_is_a_kazakhstan_citizen_stuck_in_china_with_her_mother():
    load_demo()

    baby, older = (
        Kinship.objects.filter(person=the_wife(), relationship=Kinship.Relationship.CHILD)
        .select_related("relative")
        .order_by("separated")
    )
    assert "eight months" in baby.relative.name_latin
    assert baby.relative.situation == Relative.Situation.IN_CHINA_BARRED
    assert older.relative.situation == Relative.Situation.IN_KAZAKHSTAN
    assert list(Relative.objects.children_stuck_in_china()) == [baby.relative]
    kairat = Kinship.objects.get(person=the_wife(), is_contact=True).relative
    assert kairat.situation == Relative.Situation.IN_KAZAKHSTAN
    # The report gives their ages, not their birth dates, nor its own date: none is invented.
    assert baby.relative.born_on is None and older.relative.born_on is None


def test_story_kairat_is_the_familys_contact():
    load_demo()

    kinship = Kinship.objects.get(person=the_wife(), is_contact=True)
    assert kinship.relationship == Kinship.Relationship.SPOUSE
    assert kinship.relative.full_name == "Қайрат Дәуітхан"
    assert kinship.relative.name_latin == "Kairat Dauitkhan"
    assert kinship.relative.citizenship == Relative.Citizenship.KAZAKHSTAN
    assert kinship.relative.lives_in == Relative.LivesIn.KAZAKHSTAN


def test_story_petitions_to_the_president_and_ministry_came_to_nothing_answer_not_known():
    load_demo()

    wife = the_wife()
    petitions = list(wife.petitions.select_related("authority").prefetch_related("petitioners"))
    assert Counter(p.authority.code for p in petitions) == {"president": 2, "mfa": 2}
    for petition in petitions:
        assert petition.status == PetitionStatus.SUBMITTED
        assert petition.response_kind == Petition.ResponseKind.UNKNOWN
        assert petition.response_received_on is None
        assert [r.name_latin for r in petition.petitioners.all()] == ["Kairat Dauitkhan"]
        assert 2018 <= petition.submitted_on.year <= 2019
        assert "approximate" in petition.notes.lower()
        # As vague as the report: a year, never a made-up day, and the timeline says so.
        assert petition.submitted_on_precision == DatePrecision.YEAR
        assert petition.submitted_on_display in ("2018", "2019")
        event = petition.events.get()
        assert event.status == PetitionStatus.SUBMITTED
        assert (event.on, event.on_precision) == (petition.submitted_on, DatePrecision.YEAR)
        # Entered now: not overdue on the day the letters are recorded.
        assert not petition.is_overdue
    assert not Petition.objects.answered().exists()
    assert not wife.outcomes.exists()


def test_story_cites_the_ministrys_figures_as_the_report_gives_them():
    load_demo()

    figures = {f.value: f for f in PublishedFigure.objects.all()}
    assert sorted(figures) == [15, 29, 915, 2000]
    assert figures[2000].qualifier == PublishedFigure.Qualifier.MORE_THAN
    assert figures[2000].period_en == "since the start of 2018"
    assert figures[2000].period_kk and figures[2000].period_ru
    assert figures[15].parent == figures[29] and figures[15].label_en == "released"
    assert figures[915].qualifier == figures[29].qualifier == PublishedFigure.Qualifier.EXACTLY
    for figure in figures.values():
        assert figure.label_kk and figure.label_ru and figure.label_en
        assert figure.as_of_display == "2019"
        assert figure.publisher_name == "Ministry of Foreign Affairs of Kazakhstan"
        assert figure.source_name.startswith("Radio Azattyq")
        assert not figure.publisher_url and not figure.source_url  # the report gives none


def test_story_brings_figures_of_an_earlier_version_in_line_without_duplicating_them():
    PublishedFigure.objects.create(
        label_en=(
            "Ethnic Kazakhs allowed by China to leave since the start of 2018 (more than 2,000)"
        ),
        value=2000,
        as_of=datetime.date(2019, 1, 1),
        source_name="Ministry of Foreign Affairs of Kazakhstan, as reported by Radio Azattyq",
    )

    load_demo()

    assert PublishedFigure.objects.filter(value=2000).get().qualifier == "more_than"


def test_story_brings_letters_of_an_earlier_version_in_line_without_duplicating_them():
    load_demo()
    wife = the_wife()
    # An earlier version recorded made-up days.
    for petition in wife.petitions.all():
        petition.submitted_on_precision = DatePrecision.DAY
        petition.submitted_on = petition.submitted_on.replace(month=9)
        petition.save()

    load_demo()

    assert wife.petitions.count() == 4
    assert {p.submitted_on_display for p in wife.petitions.all()} == {"2018", "2019"}


def test_story_source_is_the_azattyq_report_in_kazakh_without_an_invented_address():
    load_demo()

    source = Source.objects.get(person=the_wife())
    assert source.kind == Source.Kind.MEDIA_REPORT
    assert "Radio Azattyq" in source.title and "Almaty" in source.title
    assert source.language == "kk"
    assert source.url == ""


def test_loading_the_story_twice_changes_nothing():
    load_demo()
    before = database_state()

    output = load_demo()

    assert database_state() == before
    assert "nothing changed" in output


def test_loading_the_story_restores_an_edited_field():
    load_demo()
    wife = the_wife()
    wife.status = Status.RELEASED
    wife.save()

    load_demo()

    assert the_wife().status == Status.BARRED_FROM_LEAVING


# --- Generated cases --------------------------------------------------------------------------


def test_synthetic_cases_are_numbered_have_families_and_are_marked_generated():
    output = load_demo("--synthetic", "50")

    generated = DetainedPerson.objects.filter(notes=GENERATED_PERSON)
    assert generated.count() == 50
    assert DetainedPerson.objects.count() == 51  # and the story
    numbers = list(generated.values_list("case_number", flat=True))
    assert all(re.fullmatch(r"C-\d{5}", n) for n in numbers)
    assert len(set(numbers)) == 50
    assert not generated.exclude(verification=DetainedPerson.Verification.REPORTED).exists()
    assert not generated.filter(kinships__isnull=True).exists()
    assert (
        not Relative.objects.filter(kinships__person__in=generated)
        .exclude(notes=GENERATED_RELATIVE)
        .exists()
    )
    assert Petition.objects.filter(persons__in=generated).count() > 0
    assert "Generated 50 cases" in output


def test_synthetic_relatives_have_a_situation_and_a_birth_date_agreeing_with_where_they_live():
    load_demo("--synthetic", "200")

    generated = Relative.objects.filter(notes=GENERATED_RELATIVE)
    situations = dict(
        generated.values_list("lives_in").annotate(n=Count("situation", distinct=True))
    )
    assert generated.filter(lives_in="kazakhstan").exclude(situation="in_kazakhstan").count() == 0
    assert generated.filter(lives_in="other").exclude(situation="elsewhere").count() == 0
    assert situations["china"] > 1  # barred, free to leave, or not known
    assert not generated.filter(born_on__isnull=True).exists()
    assert all(r.birth_year == r.born_on.year for r in generated)
    today = datetime.date.today()
    young = generated.filter(born_on__year__gte=today.year - 5)
    assert young.exists() and not young.exclude(born_on_precision=DatePrecision.MONTH).exists()
    assert not generated.filter(born_on__gt=today).exists()
    assert Relative.objects.children_stuck_in_china().exists()


def test_synthetic_names_come_with_their_latin_spelling_and_search_key():
    load_demo("--synthetic", "50")

    for person in DetainedPerson.objects.filter(notes=GENERATED_PERSON):
        assert person.name_latin.isascii()
        latin_query = DetainedPerson.objects.filter(name_key__contains=name_key(person.name_latin))
        assert person in latin_query
        stored_key = person.name_key
        person.save()  # bulk inserts skip save(): the key must be the one save() derives
        assert person.name_key == stored_key


def test_synthetic_status_follows_the_latest_outcome():
    load_demo("--synthetic", "50")

    checked = 0
    for person in DetainedPerson.objects.filter(notes=GENERATED_PERSON):
        latest = person.outcomes.order_by("-occurred_on", "-created_at").first()
        implied = OUTCOME_STATUS.get(latest.kind) if latest else None
        if implied:
            assert person.status == implied, person
            checked += 1
    assert checked > 0


def test_synthetic_petitions_and_outcomes_do_not_precede_the_detention():
    load_demo("--synthetic", "50")

    for petition in Petition.objects.filter(submitted_on__isnull=False).prefetch_related(
        "persons"
    ):
        for person in petition.persons.all():
            assert petition.submitted_on >= person.detained_on
        submitted = petition.events.get(status=PetitionStatus.SUBMITTED)
        assert (submitted.on, submitted.on_precision) == (
            petition.submitted_on,
            petition.submitted_on_precision,
        )
    # Mostly known to the day, some only to the month or the year.
    precisions = Counter(Petition.objects.values_list("submitted_on_precision", flat=True))
    assert precisions[DatePrecision.DAY] > precisions[DatePrecision.MONTH] > 0
    for person in DetainedPerson.objects.filter(notes=GENERATED_PERSON):
        assert all(o.occurred_on >= person.detained_on for o in person.outcomes.all())


def test_synthetic_consents_cover_every_un_submission_some_expire_soon_one_is_withdrawn(
    settings,
):
    settings.CONSENT_EXPIRY_WARNING_DAYS = 30
    load_demo("--synthetic", "200")

    generated = Consent.objects.filter(notes=GENERATED_CONSENT)
    assert generated.count() > 100
    assert generated.expiring_within(30).exists()
    assert generated.withdrawn().count() == 1
    assert DetainedPerson.objects.consent_withdrawn().count() == 1
    # Some families were not asked yet: today's work lists them.
    assert DetainedPerson.objects.filter(notes=GENERATED_PERSON).needing_consent().exists()
    un_submissions = Petition.objects.filter(authority__un_body=True).exclude(
        status=PetitionStatus.DRAFT
    )
    assert un_submissions.exists()
    for petition in un_submissions.prefetch_related("persons"):
        for person in petition.persons.all():
            valid = Consent.objects.valid_on(petition.submitted_on).covering("un_bodies")
            assert valid.filter(person=person).exists(), (petition, person)
    for consent in generated.select_related("relative"):
        consent.full_clean()  # bulk inserts skip the form rules: the data must obey them


def test_story_records_no_consent_the_report_does_not_give():
    load_demo()
    wife = the_wife()
    assert not wife.consents.exists()
    assert wife in DetainedPerson.objects.needing_consent()
    assert wife not in DetainedPerson.objects.with_valid_consent("un_bodies")


def test_same_seed_generates_the_same_cases_and_another_seed_others():
    def generate(seed: str) -> list:
        with transaction.atomic():
            load_demo("--synthetic", "20", "--seed", seed)
            rows = list(
                DetainedPerson.objects.filter(notes=GENERATED_PERSON)
                .order_by("pk")
                .values_list("full_name", "status", "detained_on")
            )
            transaction.set_rollback(True)
        return rows

    assert generate("7") == generate("7")
    assert generate("7") != generate("8")


def test_if_empty_generates_only_into_a_register_without_other_cases():
    load_demo("--synthetic", "5", "--if-empty")
    output = load_demo("--synthetic", "5", "--if-empty")

    assert DetainedPerson.objects.filter(notes=GENERATED_PERSON).count() == 5
    assert "No cases generated" in output


@pytest.mark.parametrize("count", ["-5", "abc", "0"])
def test_bad_synthetic_count_is_refused_and_writes_nothing(count):
    before = database_state()

    with pytest.raises(CommandError, match="--synthetic"):
        load_demo("--synthetic", count)

    assert database_state() == before


def test_bad_synthetic_count_given_as_keyword_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("load_demo", synthetic=0, stdout=StringIO())
    assert not DetainedPerson.objects.exists()


# --- The demo user ----------------------------------------------------------------------------


def create_demo_user() -> str:
    out = StringIO()
    call_command("create_demo_user", stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    return re.search(r"^Password: (\S+)$", output, re.MULTILINE).group(1)


def can_log_in(password: str) -> bool:
    request = RequestFactory().post("/")
    return authenticate(request, username="advocate", password=password) is not None


def test_demo_user_gets_a_printed_password_that_logs_in(settings):
    settings.ADMIN_URL = "office/"

    output = create_demo_user()

    password = printed_password(output)
    assert len(password) >= 20
    assert can_log_in(password)
    user = get_user_model().objects.get(username="advocate")
    assert user.is_staff and user.is_superuser
    assert "http://127.0.0.1:8000/office/" in output


def test_running_create_demo_user_twice_keeps_one_user_with_a_new_password():
    first = printed_password(create_demo_user())
    second = printed_password(create_demo_user())

    assert get_user_model().objects.filter(username="advocate").count() == 1
    assert first != second
    assert can_log_in(second)
    assert not can_log_in(first)


def test_demo_user_gets_a_working_link_to_set_up_two_factor_login():
    output = create_demo_user()

    line = re.search(r"^Two-factor setup \(optional here\): (\S+)$", output, re.MULTILINE)
    link = line.group(1)
    assert link.startswith("http://127.0.0.1:8000/account/invitation/")
    client = Client()
    response = client.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"username": "advocate", "password": printed_password(output)},
    )
    assert b"two-factor-qr" in client.get(reverse("two_factor")).content

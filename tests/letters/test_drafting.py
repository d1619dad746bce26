"""The drafts of the model case in each language and kind, read back from the .docx files."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import override

from cases.demo.story import WIFE_NAME
from cases.letters.drafting import DraftRefused, NotReady, draft_document
from cases.models import (
    DetainedPerson,
    Petition,
    PetitionEvent,
    ReadEvent,
    Relative,
    Source,
)
from tests.factories import make_kinship, make_person, make_user
from tests.letters.fixtures import document_text, give_consent

TODAY = timezone.localdate()

KAIRAT = "Қайрат Дәуітхан"


def display(record, field: str, language: str) -> str:
    with override(language):
        return str(getattr(record, f"get_{field}_display")())


@pytest.mark.parametrize("kind", ["president", "mfa"])
@pytest.mark.parametrize(
    ("language", "detained", "authority", "to_fill", "answer"),
    [
        (
            "kk",
            "2018 жылы",
            {"president": "Қазақстан Республикасының Президенті",
             "mfa": "Қазақстан Республикасы Сыртқы істер министрлігі"},
            "[аты-жөні]",
            "жауап келгені белгісіз",
        ),
        (
            "ru",
            "в 2018 году",
            {"president": "Президент Республики Казахстан",
             "mfa": "Министерство иностранных дел Республики Казахстан"},
            "[ФИО]",
            "неизвестно, был ли ответ",
        ),
    ],
)  # fmt: skip
def test_letters_to_kazakhstan_tell_the_model_case(
    model_case, kind, language, detained, authority, to_fill, answer
):
    text = document_text(draft_document([model_case], kind_code=kind, language=language).content)

    assert authority[kind] in text
    # From the family contact, in Cyrillic.
    assert f"{KAIRAT}," in text
    # She was barred from leaving "for two years" before the report: 2018, never a made-up day.
    assert detained in text
    assert "1 қаңтар" not in text and "1 января" not in text and "қаңтарда" not in text
    assert display(model_case, "status", language) in text
    # Her name was not published: a blank to fill in, never the register's description.
    assert to_fill in text
    assert WIFE_NAME not in text
    # The children are citizens of Kazakhstan; one stayed in China with her.
    kazakhstan = display(Relative(citizenship="kazakhstan"), "citizenship", language)
    stuck = display(Relative(situation="in_china_barred"), "situation", language)
    assert text.count(kazakhstan) >= 3
    child_in_china = next(line for line in text.splitlines() if stuck in line)
    assert kazakhstan in child_in_china
    # What the family already did: his letters to the President and to the Ministry, each
    # with the answer the report does not know.
    submitted = Petition.objects.filter(persons=model_case).exclude(status="draft")
    assert text.count(answer) == submitted.count() == 4
    # "Several times", no dates: a letter to each in 2018 and in 2019, known to the year.
    assert text.count(f"– {detained}: {authority['president']}") == 1
    assert text.count(f"– {detained}: {authority['mfa']}") == 1


@pytest.mark.parametrize("kind", ["un_wgeid", "un_wgad"])
@pytest.mark.parametrize(
    ("language", "detained"), [("en", "March 2018"), ("ru", "март 2018 года")]
)
def test_un_submissions_carry_what_the_working_groups_ask_for(
    completed_case, kind, language, detained
):
    text = document_text(
        draft_document([completed_case], kind_code=kind, language=language).content
    )

    # Names in Latin letters, Cyrillic and Chinese characters.
    assert "Gulnar Abenkyzy" in text
    assert "Гүлнар Әбенқызы" in text
    assert "古丽娜尔" in text
    assert detained in text
    assert "Шәуешек (Tacheng), at the border crossing" in text
    assert display(completed_case, "detained_by", language) in text
    assert display(completed_case, "reason_given", language) in text
    assert KAIRAT in text if language == "ru" else "Kairat Dauitkhan" in text
    # The steps taken: the four letters.
    assert text.count(display(Petition(response_kind="unknown"), "response_kind", language)) == 4


def test_the_draft_is_kept_as_a_draft_petition_with_its_copy(model_case):
    alice = make_user("alice")
    before = Petition.objects.count()

    draft = draft_document([model_case], kind_code="mfa", language="ru", user=alice)

    assert Petition.objects.count() == before + 1
    petition = draft.petition
    assert petition.status == Petition.Status.DRAFT
    assert petition.authority.code == "mfa"
    assert petition.channel == Petition.Channel.LETTER
    assert list(petition.persons.all()) == [model_case]
    assert [relative.full_name for relative in petition.petitioners.all()] == [KAIRAT]
    source = petition.sources.get()
    assert source.kind == Source.Kind.PETITION_COPY
    assert source.language == "ru"
    assert source.original_name == f"{model_case.case_number}-mfa-ru.docx"
    with source.file.open("rb") as handle:
        assert handle.read() == draft.content
    # Who drafted it: on the timeline and in the history.
    drafted = PetitionEvent.objects.filter(petition=petition, created_by=alice)
    assert any("Russian" in event.note for event in drafted)
    assert petition.history.earliest().history_user == alice


def test_drafting_again_updates_the_same_draft(model_case, django_capture_on_commit_callbacks):
    first = draft_document([model_case], kind_code="president", language="kk")
    old_file = first.source.file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = draft_document([model_case], kind_code="president", language="kk")
    russian = draft_document([model_case], kind_code="president", language="ru")

    assert not second.created and not russian.created
    assert first.petition.pk == second.petition.pk == russian.petition.pk
    copies = second.petition.sources.order_by("language")
    assert [source.language for source in copies] == ["kk", "ru"]
    assert not first.source.file.storage.exists(old_file)
    # A letter to another authority is another draft.
    assert draft_document([model_case], kind_code="mfa", language="kk").created


def test_one_document_for_several_persons(model_case):
    brother = make_person("Ерлан Дәуітхан", detained_on=model_case.detained_on)
    make_kinship(brother, Relative.objects.get(full_name=KAIRAT), relationship="sibling")

    draft = draft_document([model_case, brother], kind_code="president", language="ru")

    text = document_text(draft.content)
    assert "Ерлан Дәуітхан" in text
    assert "следующих лиц" in text
    assert set(draft.petition.persons.all()) == {model_case, brother}
    # The draft for her alone is a different one.
    assert draft_document([model_case], kind_code="president", language="ru").created


@pytest.fixture
def kairat_with_phone(model_case) -> Relative:
    kairat = Relative.objects.get(full_name=KAIRAT)
    kairat.phone = "+7 701 555 0142"
    kairat.save()
    return kairat


def test_no_contact_details_without_permission(model_case, kairat_with_phone):
    bob = make_user("bob")

    draft = draft_document([model_case], kind_code="president", language="kk", user=bob)

    assert "555 0142" not in document_text(draft.content)
    assert draft.contacts_withheld == ["phone"]
    assert not ReadEvent.objects.filter(kind=ReadEvent.Kind.CONTACTS).exists()


def test_no_contact_details_without_a_user(model_case, kairat_with_phone):
    draft = draft_document([model_case], kind_code="president", language="ru")

    assert "555 0142" not in document_text(draft.content)


def test_contact_details_for_a_user_who_may_read_them(model_case, kairat_with_phone):
    carol = make_user("carol", perms=("cases.view_contact_details",))

    draft = draft_document([model_case], kind_code="president", language="ru", user=carol)

    assert "555 0142" in document_text(draft.content)
    read = ReadEvent.objects.get(kind=ReadEvent.Kind.CONTACTS)
    assert (read.user, read.case_number, read.contact_fields) == (
        carol,
        model_case.case_number,
        "phone",
    )


def test_the_assignee_reads_the_contact_details_of_the_case(model_case, kairat_with_phone):
    dana = make_user("dana")
    model_case.assigned_to = dana
    model_case.save()

    draft = draft_document([model_case], kind_code="mfa", language="kk", user=dana)

    assert "555 0142" in document_text(draft.content)


def test_a_un_draft_without_consent_is_refused_and_nothing_is_kept(model_case):
    petitions, sources = Petition.objects.count(), Source.objects.count()

    with pytest.raises(NotReady) as refused:
        draft_document([model_case], kind_code="un_wgeid", language="en")

    message = str(refused.value)
    assert "consent" in message and model_case.case_number in message
    # The rest of what the Working Group requires and the story does not say.
    assert "place of arrest or last seen" in message
    assert "at least month and year" in message
    assert (Petition.objects.count(), Source.objects.count()) == (petitions, sources)


@pytest.mark.parametrize(
    "consent",
    [
        {"withdrawn_on": TODAY},
        {
            "given_on": TODAY - datetime.timedelta(days=400),
            "expires_on": TODAY - datetime.timedelta(days=1),
        },
        {"covers_un_bodies": False},
    ],
    ids=["withdrawn", "expired", "not covering UN bodies"],
)
def test_a_complete_case_without_a_valid_un_consent_is_refused_for_that_alone(
    completed_case, consent
):
    completed_case.consents.all().delete()
    give_consent(completed_case, **consent)

    with pytest.raises(NotReady) as refused:
        draft_document([completed_case], kind_code="un_wgad", language="ru")

    assert str(refused.value) == (
        "Communication to the UN Working Group on Arbitrary Detention needs a valid consent of "
        f"the family covering submissions to UN bodies, and none is recorded for "
        f"{completed_case.case_number}."
    )


def test_letters_to_kazakhstan_only_recommend_consent(model_case):
    draft = draft_document([model_case], kind_code="president", language="kk")
    assert draft.created


@pytest.mark.parametrize(
    ("kind", "language", "message"),
    [
        ("ombudsman", "kk", "drafts no document to “ombudsman”"),
        ("nowhere", "kk", "There is no authority “nowhere”"),
        ("president", "en", "not in “en”"),
        ("un_wgeid", "kk", "not in “kk”"),
    ],
)
def test_unknown_kinds_and_languages_are_refused(model_case, kind, language, message):
    with pytest.raises(DraftRefused, match=message):
        draft_document([model_case], kind_code=kind, language=language)


def test_without_anyone_to_submit_it_a_letter_is_refused(db):
    person = make_person("Нұрлан Сейітұлы")
    with pytest.raises(NotReady, match="who submits"):
        draft_document([person], kind_code="president", language="kk")
    # An organisation may submit instead.
    draft = draft_document(
        [person], kind_code="president", language="kk", organisation="Атажұрт еріктілері"
    )
    assert "Атажұрт еріктілері" in document_text(draft.content)
    assert DetainedPerson.objects.count() == 1


def test_a_draft_that_cannot_be_kept_leaves_no_file(model_case, monkeypatch, settings):
    from pathlib import Path

    from cases import models

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(models.Source, "save", fail)
    with pytest.raises(RuntimeError):
        draft_document([model_case], kind_code="president", language="kk")

    private = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert not [path for path in private.rglob("*.docx")]
    assert not Petition.objects.filter(status=Petition.Status.DRAFT).exists()

"""Letters in the admin: the readiness check on the case page, drafting from the persons and
petitions lists, and the coordinators' own templates."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import LetterTemplate, Petition, PetitionEvent, Source
from tests.admin.test_roles import member_of
from tests.letters.fixtures import word_file
from tests.test_roles import setup_roles

pytestmark = pytest.mark.django_db


def signed_in(client, role: str):
    setup_roles()
    member_of(role, client)
    return User.objects.get(username=role.lower())


def upload(*paragraphs: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("our letter.docx", word_file(*paragraphs))


def test_the_case_page_lists_what_each_document_lacks(client, model_case):
    signed_in(client, "Advocate")

    page = client.get(reverse("admin:cases_detainedperson_change", args=[model_case.pk]))

    readiness = {
        item["kind"].code: item["readiness"] for item in page.context["letters_documents"]
    }
    # What the story does not say, and the Working Group on Enforced Disappearances requires.
    assert [check.element for check in readiness["un_wgeid"].missing_required] == [
        "identity",
        "detention_date",
        "place",
        "forces",
        "consent",
    ]
    assert readiness["president"].ready
    html = page.content.decode()
    change_url = reverse("admin:cases_detainedperson_change", args=[model_case.pk])
    assert f'<a href="{change_url}#id_detained_at">place of arrest or last seen</a>' in html
    draft_url = reverse("admin:cases_detainedperson_draft", args=[model_case.pk])
    assert f"{draft_url}?document=president:kk" in html
    assert f"{draft_url}?document=un_wgeid:en" not in html


def test_a_missing_place_shows_at_the_top_and_in_the_documents_until_it_is_filled(
    client, completed_case
):
    signed_in(client, "Advocate")
    change_url = reverse("admin:cases_detainedperson_change", args=[completed_case.pk])
    completed_case.detained_at = " "
    completed_case.save()

    def place_missing() -> tuple[bool, list[str]]:
        page = client.get(change_url)
        top = [check.element for check in page.context["missing_for_forms"]]
        html = page.content.decode()
        assert ('href="#id_detained_at"' in html) == ("place" in top)
        documents = [
            item["kind"].code
            for item in page.context["letters_documents"]
            if "place" in [check.element for check in item["readiness"].missing]
        ]
        return "place" in top, documents

    assert place_missing() == (True, ["president", "mfa", "un_wgeid", "un_wgad"])

    completed_case.detained_at = "Шәуешек"
    completed_case.save()

    assert place_missing() == (False, [])


def test_an_advocate_drafts_a_letter_from_the_persons_list(client, model_case):
    advocate = signed_in(client, "Advocate")
    changelist = reverse("admin:cases_detainedperson_changelist")
    chosen = {"action": "draft_letter", helpers.ACTION_CHECKBOX_NAME: [model_case.pk]}

    form_page = client.post(changelist, chosen)
    assert form_page.status_code == 200
    assert "Draft a letter or UN submission" in form_page.content.decode()

    response = client.post(
        changelist, {**chosen, "draft_document": "yes", "document": "mfa:ru", "organisation": ""}
    )

    petition = Petition.objects.get(status=Petition.Status.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cases_petition_change", args=[petition.pk])
    source = Source.objects.get(petition=petition)
    assert source.kind == Source.Kind.PETITION_COPY
    assert petition.history.earliest().history_user == advocate
    assert PetitionEvent.objects.filter(petition=petition, created_by=advocate).exists()
    # The copy is downloaded through the checked view.
    download = client.get(reverse("source-file", args=[source.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")


def test_a_un_draft_without_consent_is_refused_on_the_page(client, model_case):
    signed_in(client, "Advocate")
    url = reverse("admin:cases_detainedperson_draft", args=[model_case.pk])
    drafts = Petition.objects.filter(status=Petition.Status.DRAFT).count()

    page = client.post(url, {"draft_document": "yes", "document": "un_wgeid:en"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "needs a valid consent of the family covering submissions to UN bodies" in html
    assert "The document was not drafted; nothing was recorded." in html
    assert Petition.objects.filter(status=Petition.Status.DRAFT).count() == drafts


def test_drafting_again_from_the_petitions_list(client, model_case):
    signed_in(client, "Advocate")
    letter = Petition.objects.filter(persons=model_case, authority__code="mfa").first()
    changelist = reverse("admin:cases_petition_changelist")
    chosen = {"action": "draft_again", helpers.ACTION_CHECKBOX_NAME: [letter.pk]}

    form_page = client.post(changelist, chosen)
    assert form_page.context["form"]["document"].value() == "mfa:kk"

    client.post(changelist, {**chosen, "draft_document": "yes", "document": "mfa:kk"})

    draft = Petition.objects.get(status=Petition.Status.DRAFT)
    assert draft.authority.code == "mfa"
    assert list(draft.persons.all()) == [model_case]


def test_a_viewer_cannot_draft(client, model_case):
    signed_in(client, "Viewer")

    page = client.get(reverse("admin:cases_detainedperson_change", args=[model_case.pk]))
    refused = client.get(reverse("admin:cases_detainedperson_draft", args=[model_case.pk]))

    assert "draft_url" not in page.context
    assert refused.status_code == 403


def test_a_coordinator_replaces_a_template_and_a_broken_one_is_refused(client, model_case):
    signed_in(client, "Coordinator")
    add = reverse("admin:cases_lettertemplate_add")

    broken = client.post(
        add,
        {"kind": "president", "language": "kk", "file": upload("{{ person.birth_yaer }}")},
    )
    assert broken.status_code == 200
    assert "“person.birth_yaer”, which does not exist" in broken.content.decode()
    wrong_language = client.post(
        add, {"kind": "president", "language": "en", "file": upload("{{ person.name }}")}
    )
    assert "This document is drafted in Kazakh, Russian." in wrong_language.content.decode()
    assert not LetterTemplate.objects.exists()

    saved = client.post(
        add,
        {
            "kind": "president",
            "language": "kk",
            "file": upload("Өтініш: {{ person.detained_when }}"),
        },
    )
    assert saved.status_code == 302
    template = LetterTemplate.objects.get()
    assert template.original_name == "our letter.docx"
    download = client.get(reverse("admin:cases_lettertemplate_download", args=["president", "kk"]))
    assert b"".join(download.streaming_content) == template.file.open("rb").read()


def test_the_template_page_documents_the_placeholders(client):
    signed_in(client, "Coordinator")
    page = client.get(reverse("admin:cases_lettertemplate_add"))
    html = page.content.decode()
    assert "<code>{{ person.detained_when }}</code>" in html
    assert "<code>{{ sender.phone }}</code>" in html
    shipped = client.get(reverse("admin:cases_lettertemplate_download", args=["un_wgeid", "ru"]))
    assert shipped.status_code == 200


def test_an_advocate_reads_but_does_not_replace_templates(client):
    signed_in(client, "Advocate")
    assert client.get(reverse("admin:cases_lettertemplate_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_lettertemplate_add")).status_code == 403


@pytest.mark.parametrize(
    ("language", "title", "refusal"),
    [
        ("ru", "Письмо Президенту Казахстана", "нужно действующее согласие семьи"),
        ("kk", "Қазақстан Президентіне хат", "отбасының БҰҰ органдарына жолдауға берген"),
    ],
)
def test_the_drafting_page_speaks_the_advocates_language(
    client, model_case, language, title, refusal
):
    signed_in(client, "Advocate")
    url = reverse("admin:cases_detainedperson_draft", args=[model_case.pk])

    page = client.post(
        url,
        {"draft_document": "yes", "document": "un_wgad:en"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    html = page.content.decode()
    assert title in html
    assert refusal in html

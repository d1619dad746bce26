"""The model case (Kairat Dauitkhan's wife, as the report tells it) and the same case completed
with what a UN submission requires, the family's consent included, as an advocate would after
reading the readiness check."""

import datetime
import io

import docx
import pytest
from django.utils import timezone

from cases.demo.story import WIFE_NAME, load_story
from cases.letters.readiness import family_contact
from cases.models import Consent, DatePrecision, DetainedPerson


def word_file(*paragraphs: str) -> bytes:
    """A .docx of these paragraphs: a template as a coordinator would write it."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def document_text(content: bytes) -> str:
    """The text of a .docx, a paragraph a line."""
    return "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs)


@pytest.fixture
def model_case(db) -> DetainedPerson:
    load_story()
    return DetainedPerson.objects.get(full_name=WIFE_NAME)


def give_consent(person: DetainedPerson, **fields) -> Consent:
    """The family contact's written consent to petitions and UN submissions, given today."""
    values = {
        "given_by": Consent.GivenBy.RELATIVE,
        "relative": family_contact(person),
        "covers_recording": True,
        "covers_kazakh_authorities": True,
        "covers_un_bodies": True,
        "method": Consent.Method.WRITTEN,
        "given_on": timezone.localdate(),
    }
    return Consent.objects.create(person=person, **(values | fields))


@pytest.fixture
def completed_case(model_case) -> DetainedPerson:
    """The model case with the name, the month of the detention, the place, the forces and the
    reason recorded (made up for the test: the report gives none of them)."""
    model_case.name_withheld = False
    model_case.full_name = "Гүлнар Әбенқызы"
    model_case.name_latin = "Gulnar Abenkyzy"
    model_case.name_chinese = "古丽娜尔"
    model_case.detained_on = datetime.date(2018, 3, 1)
    model_case.detained_on_precision = DatePrecision.MONTH
    model_case.detained_at = "Шәуешек (Tacheng), at the border crossing"
    model_case.detained_by = DetainedPerson.DetainedBy.STATE_SECURITY
    model_case.reason_given = DetainedPerson.Reason.DUAL_CITIZENSHIP
    model_case.save()
    give_consent(model_case)
    return model_case

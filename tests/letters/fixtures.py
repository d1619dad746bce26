"""The model case (Kairat Dauitkhan's wife, as the report tells it) and the same case completed
with what a UN submission requires, as an advocate would after reading the readiness check."""

import datetime
import io

import docx
import pytest

from cases.demo.story import WIFE_NAME, load_story
from cases.letters import readiness
from cases.models import DatePrecision, DetainedPerson


def document_text(content: bytes) -> str:
    """The text of a .docx, a paragraph a line."""
    return "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs)


@pytest.fixture
def model_case(db) -> DetainedPerson:
    load_story()
    return DetainedPerson.objects.get(full_name=WIFE_NAME)


@pytest.fixture
def consented(monkeypatch):
    """Cases whose family consented to every kind of document."""
    monkeypatch.setattr(readiness, "consent_covers", lambda person, kind, on: True)


@pytest.fixture
def completed_case(model_case, consented) -> DetainedPerson:
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
    return model_case

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Petition, PetitionEvent
from tests.factories import make_user
from tests.letters.fixtures import document_text


def test_the_command_writes_the_draft_and_keeps_it(model_case, tmp_path, capsys):
    make_user("alice")
    output = tmp_path / "letter.docx"

    call_command(
        "draft_petition",
        model_case.case_number.lower(),
        "--to",
        "president",
        "--language",
        "kk",
        "--output",
        str(output),
        "--user",
        "alice",
    )

    assert "2018 жылы" in document_text(output.read_bytes())
    petition = Petition.objects.get(status=Petition.Status.DRAFT)
    assert f"draft petition #{petition.pk} created" in capsys.readouterr().out
    assert PetitionEvent.objects.filter(petition=petition, created_by__username="alice").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["C-99999", "--to", "president", "--language", "kk"], "There is no case “C-99999”"),
        (["{case}", "--to", "nowhere", "--language", "kk"], "There is no authority “nowhere”"),
        (["{case}", "--to", "president", "--language", "de"], "not in “de”"),
        (["{case}", "--to", "un_wgeid", "--language", "en"], "needs a valid consent"),
        (["{case}", "--to", "mfa", "--language", "ru", "--user", "nobody"], "no user “nobody”"),
    ],
)
def test_the_command_exits_2_with_a_clear_message(model_case, tmp_path, arguments, message):
    output = tmp_path / "letter.docx"
    arguments = [a.format(case=model_case.case_number) for a in arguments]
    drafts = Petition.objects.filter(status=Petition.Status.DRAFT).count()

    with pytest.raises(CommandError, match=message) as refused:
        call_command("draft_petition", *arguments, "--output", str(output))

    assert refused.value.returncode == 2
    assert not output.exists()
    assert Petition.objects.filter(status=Petition.Status.DRAFT).count() == drafts

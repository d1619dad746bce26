"""Templates coordinators edit: the placeholders are documented, and a broken one is named."""

import pytest
from django.core.files.base import ContentFile

from cases.letters.context import Fields, build_context, placeholder_list
from cases.letters.drafting import draft_document
from cases.letters.engine import TemplateProblem, render
from cases.letters.kinds import KINDS
from cases.models import LetterTemplate, Petition, Source
from tests.letters.fixtures import document_text, word_file


def names(value, prefix: str = "") -> set[str]:
    """Every placeholder a context offers, as documented: 'person.name', 'relative.city'."""
    found = set()
    for name in value.names():
        found.add(f"{prefix}.{name}" if prefix else name)
        item = value[name]
        if isinstance(item, Fields):
            found |= names(item, name)
        elif isinstance(item, list) and item and isinstance(item[0], Fields):
            singular = {"persons": "person", "relatives": "relative", "petitions": "petition"}
            found |= names(item[0], singular[name])
    return found


class Top(Fields):
    def __init__(self, context: dict) -> None:
        super().__init__("", context)


def test_the_documented_placeholders_are_those_of_a_real_case(model_case):
    context, _contacts = build_context(
        KINDS["president"],
        "kk",
        [model_case],
        sender=None,
        organisation="",
        user=None,
        today=model_case.created_at.date(),
    )
    documented = {name for name, _meaning in placeholder_list()}
    assert names(Top(context)) == documented


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{{ person.nmae }}", "person.nmae"),
        ("{{ sendr.name }}", "sendr"),
        ("{%p for person in persons %}\n{{ person.birth_yaer }}\n{%p endfor %}",
         "persons[1].birth_yaer"),
        ("{%p for relative in person.relatives %}\n{{ relative.phone }}\n{%p endfor %}",
         "person.relatives[1].phone"),
    ],
)  # fmt: skip
def test_an_unknown_placeholder_is_named(model_case, text, named):
    template = word_file("Dear {{ authority.name }},", *text.split("\n"))
    LetterTemplate.objects.create(
        kind="president", language="kk", file=ContentFile(template, name="t.docx")
    )
    petitions, sources = Petition.objects.count(), Source.objects.count()

    with pytest.raises(TemplateProblem, match=f"“{named.replace('[', '.').replace(']', '.')}”"):
        draft_document([model_case], kind_code="president", language="kk")
    # Nothing kept from a refused draft.
    assert (Petition.objects.count(), Source.objects.count()) == (petitions, sources)


def test_a_broken_tag_is_shown_with_the_text_around_it():
    template = word_file("Dear {{ authority.name }},", "We write about {{ person.name }.")
    with pytest.raises(TemplateProblem, match="broken placeholder near .*We write about"):
        render(template, {})


def test_a_file_that_is_not_a_word_document_is_refused():
    with pytest.raises(TemplateProblem, match="not a Word document"):
        render(b"%PDF-1.4 not a docx", {})


def test_a_template_cannot_reach_beyond_its_placeholders(model_case):
    template = word_file("{{ person.__class__.__init__.__globals__ }}")
    with pytest.raises(TemplateProblem):
        render(template, {"person": Fields("person", {"name": "x"})})


def test_the_coordinators_template_replaces_the_shipped_one(model_case):
    template = word_file(
        "To {{ authority.name }}, about {{ person.name }}, since {{ person.detained_when }}."
    )
    LetterTemplate.objects.create(
        kind="mfa", language="ru", file=ContentFile(template, name="t.docx")
    )
    ru = document_text(draft_document([model_case], kind_code="mfa", language="ru").content)
    kk = document_text(draft_document([model_case], kind_code="mfa", language="kk").content)

    assert ru == (
        "To Министерство иностранных дел Республики Казахстан, about [ФИО], since в 2018 году."
    )
    assert "СІЗДЕН" not in kk and "Сізден сұраймын" in kk  # the shipped Kazakh one


def test_values_are_escaped_into_the_document(model_case):
    model_case.detained_at = "Tacheng <camp> & “school”"
    model_case.save()
    template = word_file("{{ person.detained_at }}")
    assert (
        document_text(
            render(template, {"person": Fields("person", {"detained_at": model_case.detained_at})})
        )
        == model_case.detained_at
    )


@pytest.mark.parametrize(
    ("kind", "language"), [(k, lang) for k in KINDS for lang in KINDS[k].languages]
)
def test_every_shipped_template_fills_in_with_every_placeholder(kind, language):
    from cases.letters.context import sample_context
    from cases.letters.engine import default_template_path

    assert render(default_template_path(kind, language).read_bytes(), sample_context(language))


def test_the_shipped_templates_are_those_their_text_makes(tmp_path, monkeypatch):
    from cases.letters import make_templates
    from cases.letters.engine import DEFAULTS

    monkeypatch.setattr(make_templates, "OUT", tmp_path)
    make_templates.main()

    for made in tmp_path.iterdir():
        assert made.read_bytes() == (DEFAULTS / made.name).read_bytes(), made.name

"""What a template can say: the placeholders, filled from a case in the document's language.

Every value is text already worded for the document (choices in its language, dates as vague as
they are known, names in its script); what the register does not know is empty, so that a
template can leave a line out with `{% if person.detained_at %}`. PLACEHOLDERS documents them
for coordinators who edit the templates; tests keep it and the context in step.

Relatives' contact details are looked up only when a template asks for them, and given only to
a user who may read them (cases.contact_access).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cases.contact_access import may_read_contact_details
from cases.letters import wording
from cases.letters.kinds import Kind
from cases.letters.readiness import steps_taken
from cases.models import Authority, DatePrecision, DetainedPerson, Kinship, Petition, Relative


class Fields:
    """The placeholders under one name ('person', 'sender'): an unknown one is reported with
    its whole name ('person.nmae'), and a lazy one is worked out only when a template uses it."""

    def __init__(
        self, path: str, values: dict, lazy: dict[str, Callable[[], str]] | None = None
    ) -> None:
        self._path = path
        self._values = dict(values)
        self._lazy = dict(lazy or {})

    def __getitem__(self, key: str):
        if key in self._values:
            return self._values[key]
        if key in self._lazy:
            value = self._values[key] = self._lazy.pop(key)()
            return value
        raise KeyError(key)

    def __repr__(self) -> str:
        return f"<{self._path}>"

    def names(self) -> list[str]:
        return [*self._values, *self._lazy]


# --- The documented placeholders ------------------------------------------------------------

PERSON_PLACEHOLDERS = {
    "name": _("name in the document's script (Cyrillic in Kazakh and Russian letters, Latin in "
              "English); a blank to fill in when the register withholds it"),
    "name_cyrillic": _("name in Cyrillic"),
    "name_latin": _("name in Latin letters (as recorded, or transliterated)"),
    "name_chinese": _("name in Chinese characters"),
    "other_names": _("other spellings, separated by commas"),
    "case_number": _("case number in the register"),
    "gender": _("gender"),
    "birth_year": _("year of birth"),
    "ethnicity": _("ethnicity"),
    "citizenship": _("citizenship"),
    "occupation": _("occupation"),
    "home_place": _("home place (prefecture)"),
    "home_detail": _("county, village"),
    "status": _("current status"),
    "detained": _("date of detention on its own: “2018”, “March 2019”"),
    "detained_when": _("date of detention in a sentence: “2018 жылы”, “в марте 2019 года”, “in "
                       "March 2019”"),
    "detained_at": _("place of arrest or last seen"),
    "detained_by": _("forces believed responsible"),
    "reason_given": _("reason given for the detention"),
    "last_contact": _("date of the last contact on its own"),
    "last_contact_when": _("date of the last contact in a sentence"),
    "relatives": _("the person's relatives: a list, each with the relative fields below"),
}  # fmt: skip
RELATIVE_PLACEHOLDERS = {
    "name": _("name in the document's script; a blank to fill in when withheld"),
    "name_latin": _("name in Latin letters"),
    "relationship": _("how the relative is kin to the person: “spouse”, “child”"),
    "citizenship": _("citizenship"),
    "situation": _("the relative's own situation: “in China, barred from leaving”"),
    "lives_in": _("country the relative lives in"),
    "city": _("city"),
    "born": _("date of birth on its own, as precisely as known"),
    "age": _("age today: “8 months”, “about 6 years”"),
    "documents": _("notes on documents (passport taken, residence permit): private"),
    "own_case": _("the case number of the relative's own case, when also held"),
    "separated": _("“yes” when separated from the person by the detention, else empty"),
}
SENDER_PLACEHOLDERS = {
    **{name: RELATIVE_PLACEHOLDERS[name] for name in ("name", "name_latin", "citizenship")},
    "relationship": _("how the sender is kin to the (first) person"),
    "lives_in": _("country the sender lives in"),
    "city": _("city"),
    "phone": _("phone: only if the user drafting may read contact details, else empty"),
    "email": _("email: only if the user drafting may read contact details, else empty"),
    "address": _("address: only if the user drafting may read contact details, else empty"),
}
PETITION_PLACEHOLDERS = {
    "authority": _("to whom it went"),
    "submitted": _("date of submission on its own"),
    "submitted_when": _("date of submission in a sentence"),
    "letters_count": _("number of letters it stands for"),
    "status": _("its status"),
    "answer": _("kind of answer"),
    "answered_when": _("date of the answer in a sentence"),
    "answer_summary": _("summary of the answer"),
    "their_reference": _("their reference"),
}
TOP_PLACEHOLDERS = {
    "today": _("today's date, worded in the document's language"),
    "language": _("the document's language code: kk, ru or en"),
    "authority": _("the addressee, by its name in the document's language"),
    "organisation": _("the organisation that submits, if any"),
    "sender": _("the family member who writes (the family contact): the sender fields below"),
    "person": _("the (first) person the document is about: the person fields below"),
    "persons": _("every person the document is about: a list, each with the person fields"),
    "petitions": _("the petitions already submitted for them, oldest first: a list, each with "
                   "the petition fields below"),
}  # fmt: skip

PLACEHOLDER_GROUPS = [
    ("", TOP_PLACEHOLDERS),
    ("authority", {"name": _("name of the authority in the document's language")}),
    ("sender", SENDER_PLACEHOLDERS),
    ("person", PERSON_PLACEHOLDERS),
    ("relative", RELATIVE_PLACEHOLDERS),
    ("petition", PETITION_PLACEHOLDERS),
]


def placeholder_list() -> list[tuple[str, str]]:
    """Every placeholder as a template writes it ('person.detained_when'), with its meaning."""
    return [
        (f"{group}.{name}" if group else name, str(meaning))
        for group, names in PLACEHOLDER_GROUPS
        for name, meaning in names.items()
    ]


# --- Filled from a case ------------------------------------------------------------------------


@dataclass
class ContactUse:
    """Which contact details a template asked for: given (the user may read them) or left out."""

    given: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


def _display(record, name: str, unknown: str = "unknown") -> str:
    value = getattr(record, name)
    return "" if value in ("", None, unknown) else str(getattr(record, f"get_{name}_display")())


def _name(record: DetainedPerson | Relative, language: str) -> str:
    if record.name_withheld:
        return wording.name_to_fill(language)
    if language == "en":
        return wording.latin_name(record.full_name, record.name_latin)
    return wording.cyrillic_name(record.full_name, getattr(record, "other_names", ""))


def _relative(path: str, kinship: Kinship, language: str, today: datetime.date) -> Fields:
    relative = kinship.relative
    return Fields(
        path,
        {
            "name": _name(relative, language),
            "name_latin": ""
            if relative.name_withheld
            else wording.latin_name(relative.full_name, relative.name_latin),
            "relationship": kinship.get_relationship_display(),
            "citizenship": _display(relative, "citizenship"),
            "situation": _display(relative, "situation"),
            "lives_in": _display(relative, "lives_in"),
            "city": relative.city,
            "born": wording.date_text(relative.born_on, relative.born_on_precision, language),
            "age": relative.age(today),
            "documents": relative.documents,
            "own_case": relative.held_as.case_number if relative.held_as_id else "",
            "separated": str(_("yes")) if kinship.separated else "",
        },
    )


def _person(path: str, person: DetainedPerson, language: str, today: datetime.date) -> Fields:
    withheld = person.name_withheld
    kinships = person.kinships.select_related("relative__held_as").order_by("relationship", "pk")
    place = person.home_place
    return Fields(
        path,
        {
            "name": _name(person, language),
            "name_cyrillic": ""
            if withheld
            else wording.cyrillic_name(person.full_name, person.other_names),
            "name_latin": ""
            if withheld
            else wording.latin_name(person.full_name, person.name_latin),
            "name_chinese": "" if withheld else person.name_chinese,
            "other_names": "" if withheld else ", ".join(person.other_names.split()),
            "case_number": person.case_number or "",
            "gender": _display(person, "gender"),
            "birth_year": str(person.birth_year or ""),
            "ethnicity": _display(person, "ethnicity"),
            "citizenship": _display(person, "citizenship"),
            "occupation": person.occupation,
            "home_place": str(place) if place and place.kind != place.Kind.UNKNOWN else "",
            "home_detail": person.home_detail,
            "status": person.get_status_display(),
            "detained": wording.date_text(
                person.detained_on, person.detained_on_precision, language
            ),
            "detained_when": wording.date_when(
                person.detained_on, person.detained_on_precision, language
            ),
            "detained_at": person.detained_at,
            "detained_by": _display(person, "detained_by"),
            "reason_given": _display(person, "reason_given"),
            "last_contact": wording.date_text(
                person.last_contact_on, person.last_contact_on_precision, language
            ),
            "last_contact_when": wording.date_when(
                person.last_contact_on, person.last_contact_on_precision, language
            ),
            "relatives": [
                _relative(f"{path}.relatives[{number}]", kinship, language, today)
                for number, kinship in enumerate(kinships, start=1)
            ],
        },
    )


def _petition(path: str, petition: Petition, language: str) -> Fields:
    submitted_precision = petition.submitted_on_precision
    answered_precision = petition.response_received_on_precision
    return Fields(
        path,
        {
            "authority": petition.authority.localized(),
            "submitted": wording.date_text(petition.submitted_on, submitted_precision, language),
            "submitted_when": wording.date_when(
                petition.submitted_on, submitted_precision, language
            ),
            "letters_count": petition.letters_count,
            "status": petition.get_status_display(),
            "answer": petition.get_response_kind_display(),
            "answered_when": wording.date_when(
                petition.response_received_on, answered_precision, language
            ),
            "answer_summary": petition.response_summary,
            "their_reference": petition.their_reference,
        },
    )


def _sender(
    sender: Relative | None, person: DetainedPerson, language: str, user, use: ContactUse
) -> Fields:
    def contact(name: str) -> Callable[[], str]:
        def read() -> str:
            value = getattr(sender, name) if sender else ""
            if not value:
                return ""
            if may_read_contact_details(user, sender):
                use.given.append(name)
                return value
            use.withheld.append(name)
            return ""

        return read

    kinship = Kinship.objects.filter(person=person, relative=sender).first() if sender else None
    values = {
        "name": _name(sender, language) if sender else "",
        "name_latin": ""
        if sender is None or sender.name_withheld
        else wording.latin_name(sender.full_name, sender.name_latin),
        "citizenship": _display(sender, "citizenship") if sender else "",
        "relationship": kinship.get_relationship_display() if kinship else "",
        "lives_in": _display(sender, "lives_in") if sender else "",
        "city": sender.city if sender else "",
    }
    lazy = {name: contact(name) for name in Relative.CONTACT_FIELDS}
    return Fields("sender", values, lazy)


def build_context(
    kind: Kind,
    language: str,
    persons: list[DetainedPerson],
    *,
    sender: Relative | None,
    organisation: str,
    user,
    today: datetime.date,
) -> tuple[dict, ContactUse]:
    """The placeholders of a document of `kind` in `language` about `persons`, and the record
    of which contact details the template will have asked for."""
    use = ContactUse()
    with override(language):
        authority = Authority.objects.get(code=kind.code)
        filled = [
            _person(f"persons[{number}]", person, language, today)
            for number, person in enumerate(persons, start=1)
        ]
        context = {
            "today": wording.date_text(today, DatePrecision.DAY, language),
            "language": language,
            "authority": Fields("authority", {"name": authority.localized()}),
            "organisation": organisation,
            "sender": _sender(sender, persons[0], language, user, use),
            "person": _person("person", persons[0], language, today),
            "persons": filled,
            "petitions": [
                _petition(f"petitions[{number}]", petition, language)
                for number, petition in enumerate(steps_taken(persons), start=1)
            ],
        }
    return context, use


def sample_context(language: str) -> dict:
    """Every documented placeholder with a sample value: what an uploaded template is tried
    with before it replaces the one in use."""

    def sample(path: str, names: dict) -> Fields:
        return Fields(path, {name: str(meaning)[:20] for name, meaning in names.items()})

    person = sample("person", PERSON_PLACEHOLDERS)
    person._values["relatives"] = [sample("person.relatives[1]", RELATIVE_PLACEHOLDERS)]
    petition = sample("petitions[1]", PETITION_PLACEHOLDERS)
    petition._values["letters_count"] = 2
    return {
        "today": "today",
        "language": language,
        "authority": Fields("authority", {"name": "authority"}),
        "organisation": "organisation",
        "sender": sample("sender", SENDER_PLACEHOLDERS),
        "person": person,
        "persons": [person],
        "petitions": [petition],
    }

"""The readiness check: which elements a kind of document needs, present or missing in the case,
each with a link to the field where it is entered; and from the same checks, what a case still
lacks for the UN forms and the statistics (the list at the top of its page)."""

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.letters.kinds import ELEMENT_ORDER, STATISTICS_ELEMENTS, Element, Kind
from cases.models import (
    SCOPE_FIELDS,
    Consent,
    ConsentScope,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Kinship,
    Petition,
    PetitionStatus,
    Relative,
)

# How precise each precision is, to compare with what a kind needs.
_PRECISION_RANK = {DatePrecision.YEAR: 1, DatePrecision.MONTH: 2, DatePrecision.DAY: 3}

LABELS = {
    Element.IDENTITY: _("identity: the person's full name"),
    Element.CITIZENSHIP: _("citizenship"),
    Element.DETENTION_DATE: _("date of detention"),
    Element.PLACE: _("place of arrest or last seen"),
    Element.FORCES: _("forces believed responsible"),
    Element.REASON: _("reason given for the detention"),
    Element.STEPS: _("steps the family took (petitions submitted)"),
    Element.SUBMITTER: _("who submits: the family contact or an organisation"),
    Element.CONSENT: _("the family's consent to petitions to Kazakhstan's authorities"),
    Element.HOME_PLACE: DetainedPerson._meta.get_field("home_place").verbose_name,
    Element.ETHNICITY: DetainedPerson._meta.get_field("ethnicity").verbose_name,
}
DATE_AT_LEAST_MONTH = _("date of detention, at least month and year")
UN_CONSENT = _("the family's consent to submissions to UN bodies, valid today")

# Where on the case page each element is entered (the id of its input or inline).
_ANCHORS = {
    Element.IDENTITY: "id_full_name",
    Element.CITIZENSHIP: "id_citizenship",
    Element.DETENTION_DATE: "id_detained_on",
    Element.PLACE: "id_detained_at",
    Element.FORCES: "id_detained_by",
    Element.REASON: "id_reason_given",
    Element.STEPS: "Petition_persons-group",
    Element.SUBMITTER: "kinships-group",
    Element.CONSENT: "consents-group",
    Element.HOME_PLACE: "id_home_place",
    Element.ETHNICITY: "id_ethnicity",
}


@dataclass(frozen=True)
class Check:
    """One element of a document: present in every person's case or not."""

    element: str
    label: str
    required: bool
    # The case numbers whose case lacks it (for the sender and consent: the cases concerned).
    missing_in: tuple[str, ...] = ()
    url: str = ""
    # The id of where it is entered on the case page.
    anchor: str = ""

    @property
    def present(self) -> bool:
        return not self.missing_in


@dataclass
class Readiness:
    kind: Kind
    checks: list[Check] = field(default_factory=list)

    @property
    def missing_required(self) -> list[Check]:
        return [check for check in self.checks if check.required and not check.present]

    @property
    def missing(self) -> list[Check]:
        return [check for check in self.checks if not check.present]

    @property
    def lacks_consent(self) -> bool:
        return any(check.element == Element.CONSENT for check in self.missing_required)

    @property
    def ready(self) -> bool:
        return not self.missing_required


def family_contact(person: DetainedPerson) -> Relative | None:
    """The relative recorded as the family's contact for the case, if any."""
    kinship = (
        Kinship.objects.filter(person=person, is_contact=True)
        .select_related("relative")
        .order_by("pk")
        .first()
    )
    return kinship.relative if kinship else None


def consent_scope(kind: Kind) -> str:
    """What a consent must cover for a document of `kind`."""
    return ConsentScope.UN_BODIES if kind.is_un else ConsentScope.KAZAKH_AUTHORITIES


@dataclass(frozen=True)
class CaseFacts:
    """What the checks read beyond the persons' own fields, for all of them in two queries:
    which have a submitted petition, and which consents valid on the day cover what."""

    with_steps: frozenset[int]
    consented: dict[str, frozenset[int]]

    @classmethod
    def of(cls, persons: list[DetainedPerson], on: datetime.date) -> "CaseFacts":
        ids = [person.pk for person in persons]
        submitted = Petition.persons.through.objects.filter(detainedperson__in=ids).exclude(
            petition__status=PetitionStatus.DRAFT
        )
        consents = Consent.objects.valid_on(on).filter(person__in=ids)
        scopes = (ConsentScope.UN_BODIES, ConsentScope.KAZAKH_AUTHORITIES)
        rows = list(consents.values("person", *(SCOPE_FIELDS[scope] for scope in scopes)))
        return cls(
            with_steps=frozenset(submitted.values_list("detainedperson", flat=True)),
            consented={
                scope: frozenset(row["person"] for row in rows if row[SCOPE_FIELDS[scope]])
                for scope in scopes
            },
        )


def _on_record(element: str, person: DetainedPerson) -> bool:
    """Whether the case's own fields say what `element` asks, for the elements that are one
    field of the case."""
    if element == Element.IDENTITY:
        return bool(person.full_name) and not person.name_withheld
    if element == Element.CITIZENSHIP:
        return person.citizenship != DetainedPerson.Citizenship.UNKNOWN
    if element == Element.PLACE:
        return bool(person.detained_at.strip())
    if element == Element.FORCES:
        return person.detained_by != DetainedPerson.DetainedBy.UNKNOWN
    if element == Element.REASON:
        return person.reason_given != DetainedPerson.Reason.UNKNOWN
    if element == Element.HOME_PLACE:
        return person.home_place_id is not None
    if element == Element.ETHNICITY:
        return person.ethnicity != Ethnicity.UNKNOWN
    raise ValueError(element)


def _person_has(element: str, person: DetainedPerson, kind: Kind, facts: CaseFacts) -> bool:
    if element == Element.DETENTION_DATE:
        return person.detained_on is not None and (
            _PRECISION_RANK[person.detained_on_precision] >= _PRECISION_RANK[kind.date_precision]
        )
    if element == Element.STEPS:
        return person.pk in facts.with_steps
    if element == Element.CONSENT:
        return person.pk in facts.consented[consent_scope(kind)]
    return _on_record(element, person)


def _url(element: str, person: DetainedPerson) -> str:
    if element == Element.STEPS:
        url = reverse("admin:cases_petition_changelist")
        return f"{url}?persons__id__exact={person.pk}"
    url = reverse("admin:cases_detainedperson_change", args=[person.pk])
    return f"{url}#{_ANCHORS[element]}"


def check_readiness(
    kind: Kind,
    persons: list[DetainedPerson],
    *,
    sender: Relative | None = None,
    organisation: str = "",
    on: datetime.date | None = None,
    facts: CaseFacts | None = None,
) -> Readiness:
    """What `kind` needs from the cases of `persons`, present or missing. The sender is the
    given relative, else the family contact of the first case; an organisation may submit
    instead. `facts` (CaseFacts.of the same persons) saves its queries when several kinds are
    checked."""
    on = on or timezone.localdate()
    facts = facts or CaseFacts.of(persons, on)
    readiness = Readiness(kind)
    for element in kind.elements:
        label = LABELS[element]
        if element == Element.DETENTION_DATE and kind.date_precision != DatePrecision.YEAR:
            label = DATE_AT_LEAST_MONTH
        if element == Element.CONSENT and kind.is_un:
            label = UN_CONSENT
        if element == Element.SUBMITTER:
            who = sender or (family_contact(persons[0]) if persons else None)
            named = who is not None and not who.name_withheld
            lacking = [] if named or organisation.strip() else persons[:1]
        else:
            lacking = [
                person for person in persons if not _person_has(element, person, kind, facts)
            ]
        readiness.checks.append(_check(element, label, element in kind.required, lacking))
    return readiness


def _check(element: str, label, required: bool, lacking: list[DetainedPerson]) -> Check:
    return Check(
        element=element,
        label=str(label),
        required=required,
        missing_in=tuple(person.case_number for person in lacking),
        url=_url(element, lacking[0]) if lacking else "",
        anchor=_ANCHORS[element],
    )


def missing_for_forms(person: DetainedPerson, documents: list[Readiness]) -> list[Check]:
    """What the UN forms require and the statistics count that `person`'s case does not say
    yet, an element once: read from the readiness of each kind of document for the case
    (`documents`), so the list and the documents' checks cannot disagree."""
    un_missing: dict[str, Check] = {}
    for readiness in documents:
        if readiness.kind.is_un:
            for check in readiness.missing_required:
                # Missing for both UN kinds: listed once, with the first kind's label.
                un_missing.setdefault(check.element, check)
    statistics = [
        _check(element, LABELS[element], False, [person])
        for element in STATISTICS_ELEMENTS
        if not _on_record(element, person)
    ]
    return [un_missing[e] for e in ELEMENT_ORDER if e in un_missing] + statistics


def steps_taken(persons: list[DetainedPerson]) -> list[Petition]:
    """The petitions already submitted for any of the persons, oldest first."""
    return list(
        Petition.objects.filter(persons__in=persons)
        .exclude(status=PetitionStatus.DRAFT)
        .select_related("authority")
        .distinct()
        .order_by("submitted_on", "pk")
    )

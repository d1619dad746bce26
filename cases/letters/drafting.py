"""Drafting a document from the case record, and keeping it: the draft petition for the persons,
authority and channel, its Word copy as a private source, and who drafted it on its timeline."""

import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.letters.context import build_context
from cases.letters.engine import render, template_bytes
from cases.letters.kinds import KINDS, LANGUAGE_NAMES, Element, Kind
from cases.letters.readiness import Readiness, check_readiness, family_contact
from cases.models import (
    Authority,
    DetainedPerson,
    Petition,
    PetitionEvent,
    PetitionStatus,
    ReadEvent,
    Relative,
    Source,
)
from cases.readlog import Reads
from cases.services import save_petition

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DraftRefused(Exception):
    """The document cannot be drafted; the message says why, in the user's language."""


class NotReady(DraftRefused):
    """Elements the mechanism requires are missing from the case."""

    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness
        lacking = [
            f"{check.label} ({', '.join(check.missing_in)})"
            for check in readiness.missing_required
            if check.element != Element.CONSENT
        ]
        parts = []
        if readiness.lacks_consent:
            cases = next(
                c.missing_in for c in readiness.missing_required if c.element == Element.CONSENT
            )
            parts.append(
                _(
                    "%(document)s needs a valid consent of the family covering submissions to "
                    "UN bodies, and none is recorded for %(cases)s."
                )
                % {"document": readiness.kind.title, "cases": ", ".join(cases)}
            )
        if lacking:
            parts.append(
                _("%(document)s cannot be drafted: the case lacks %(lacking)s.")
                % {"document": readiness.kind.title, "lacking": "; ".join(lacking)}
            )
        super().__init__(" ".join(parts))


def find_kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        known = ", ".join(KINDS)
        if Authority.objects.filter(code=code).exists():
            message = _("casetracker drafts no document to “%(code)s”; it drafts to: %(known)s.")
        else:
            message = _("There is no authority “%(code)s”; documents are drafted to: %(known)s.")
        raise DraftRefused(message % {"code": code, "known": known}) from None


def check_language(kind: Kind, language: str) -> None:
    if language not in kind.languages:
        raise DraftRefused(
            _("%(document)s is drafted in %(languages)s, not in “%(language)s”.")
            % {
                "document": kind.title,
                "languages": ", ".join(
                    f"{LANGUAGE_NAMES[code]} ({code})" for code in kind.languages
                ),
                "language": language,
            }
        )


@dataclass
class Draft:
    petition: Petition
    source: Source
    content: bytes
    file_name: str
    created: bool
    # Contact details the template asked for that the user may not read: left out.
    contacts_withheld: list[str] = field(default_factory=list)


def _draft_petition(kind: Kind, persons: list[DetainedPerson]) -> Petition | None:
    """The draft petition already kept for exactly these persons, this authority and channel."""
    wanted = {person.pk for person in persons}
    candidates = Petition.objects.filter(
        status=PetitionStatus.DRAFT,
        authority__code=kind.code,
        channel=kind.channel,
        persons=persons[0],
    ).prefetch_related("persons")
    for petition in candidates.order_by("-pk"):
        if {person.pk for person in petition.persons.all()} == wanted:
            return petition
    return None


def draft_document(
    persons: list[DetainedPerson],
    *,
    kind_code: str,
    language: str,
    user=None,
    sender: Relative | None = None,
    organisation: str = "",
    today: datetime.date | None = None,
) -> Draft:
    """Draft the document of `kind_code` in `language` about `persons` and keep it.

    Refused (DraftRefused, NotReady, engine.TemplateProblem) with nothing written when the kind
    or language is unknown, a required element is missing, or the template is broken.
    """
    kind = find_kind(kind_code)
    check_language(kind, language)
    if not persons:
        raise DraftRefused(_("Choose at least one person."))
    today = today or timezone.localdate()
    sender = sender or family_contact(persons[0])
    readiness = check_readiness(kind, persons, sender=sender, organisation=organisation, on=today)
    if not readiness.ready:
        raise NotReady(readiness)
    context, contacts = build_context(
        kind, language, persons, sender=sender, organisation=organisation, user=user, today=today
    )
    template, _name = template_bytes(kind.code, language)
    content = render(template, context)

    cases = [person.case_number for person in persons]
    file_name = f"{'-'.join(cases)}-{kind.code}-{language}.docx"
    written: list[str] = []
    try:
        petition, source, created = _keep(
            kind,
            persons,
            sender=sender,
            organisation=organisation,
            user=user,
            copy=(language, file_name, content),
            today=today,
            written=written,
        )
        if contacts.given and user is not None:
            reads = Reads(user)
            reads.add(ReadEvent.Kind.CONTACTS, sender, cases, fields=contacts.given)
            reads.save()
    except Exception:
        # Nothing was kept: neither is the file written for it.
        for name in written:
            default_storage.delete(name)
        raise
    return Draft(
        petition=petition,
        source=source,
        content=content,
        file_name=file_name,
        created=created,
        contacts_withheld=contacts.withheld,
    )


@transaction.atomic
def _keep(
    kind: Kind,
    persons: list[DetainedPerson],
    *,
    sender: Relative | None,
    organisation: str,
    user,
    copy: tuple[str, str, bytes],
    today: datetime.date,
    written: list[str],
) -> tuple[Petition, Source, bool]:
    """The draft petition with its copy (language, file name, content) and a line on its
    timeline; the names of the files written go to `written`."""
    language, file_name, content = copy
    petition = _draft_petition(kind, persons)
    created = petition is None
    if created:
        petition = Petition(
            authority=Authority.objects.get(code=kind.code),
            channel=kind.channel,
            status=PetitionStatus.DRAFT,
        )
    petition.organisation = organisation or petition.organisation
    petition._history_user = user
    save_petition(petition, user=user)
    petition.persons.add(*persons)
    if sender is not None and not sender.name_withheld:
        petition.petitioners.add(sender)
    note = _("Drafted in %(language)s: %(file)s") % {
        "language": LANGUAGE_NAMES[language],
        "file": file_name,
    }
    PetitionEvent.objects.create(
        petition=petition, on=today, status=petition.status, note=note, created_by=user
    )
    source = Source.objects.filter(
        petition=petition, kind=Source.Kind.PETITION_COPY, language=language
    ).first() or Source(petition=petition, kind=Source.Kind.PETITION_COPY, language=language)
    previous = source.file.name if source.file else ""
    source.title = f"{kind.title} ({LANGUAGE_NAMES[language]}), {today.isoformat()}"
    source.dated = today
    source.original_name = file_name
    source.file.save(file_name, ContentFile(content), save=False)
    written.append(source.file.name)
    source._history_user = user
    source.save()
    if previous:
        # The earlier copy is replaced, not kept on disk under a name nobody can reach.
        transaction.on_commit(lambda: default_storage.delete(previous))
    return petition, source, created

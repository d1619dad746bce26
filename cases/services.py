"""Writes that touch more than one row, called by the admin, the imports and the tests alike
(docs/architecture.md): a petition with its timeline (and, to a UN body, only with the
family's consent), an outcome with the status it implies.

They are functions rather than `save()` overrides so that whoever saves says who did it, and
so that saving a row never quietly saves another.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from cases.dates import last_day
from cases.models import (
    Authority,
    Consent,
    ConsentScope,
    DetainedPerson,
    Outcome,
    Petition,
    PetitionEvent,
    PetitionStatus,
)


def save_petition(
    petition: Petition,
    *,
    user: AbstractBaseUser | None = None,
    note: str = "",
    persons: Iterable[DetainedPerson] | None = None,
) -> PetitionEvent | None:
    """Save a petition, and set its `persons` if given; a new petition or a new status goes on
    its timeline, with who set it. Returns the timeline entry, if any.

    The timeline starts at the submission: a petition entered after the fact (already
    answered, say) gets its "submitted" line on the submission date, as precisely as it is
    known, and a corrected submission or answer date moves the line dated from it.

    Raises ValidationError, saving nothing, if it goes to a UN body for someone without a valid
    consent covering UN submissions (missing_un_consent)."""
    if persons is not None:
        persons = list(persons)
    if missing := missing_un_consent(petition, persons):
        raise un_consent_error(missing)
    stored = Petition.objects.filter(pk=petition.pk) if petition.pk else Petition.objects.none()
    before = stored.values("status", *DATED_FIELDS).first()
    with transaction.atomic():
        petition.save()
        if persons is not None:
            petition.persons.set(persons)
        if before is not None:
            _move_dated_events(petition, before, user)
        if before is not None and before["status"] == petition.status:
            return None
        if (
            petition.status not in (PetitionStatus.DRAFT, PetitionStatus.SUBMITTED)
            and petition.submitted_on
            and not petition.events.filter(status=PetitionStatus.SUBMITTED).exists()
        ):
            petition.record_event(PetitionStatus.SUBMITTED, user=user)
        return petition.record_event(petition.status, user=user, note=note)


# The petition's dates that date a line of its timeline, by the status they date.
DATED_STATUSES = {
    PetitionStatus.SUBMITTED: "submitted_on",
    PetitionStatus.ANSWERED: "response_received_on",
}
DATED_FIELDS = [
    name for field in DATED_STATUSES.values() for name in (field, f"{field}_precision")
]


def _move_dated_events(petition: Petition, before: dict, user) -> None:
    """Move the timeline lines dated from a submission or answer date that was corrected."""
    for status, field in DATED_STATUSES.items():
        old = (before[field], before[f"{field}_precision"])
        new = petition.status_date(status)
        if old[0] is None or new is None or new == old:
            continue
        events = petition.events.filter(status=status, on=old[0], on_precision=old[1])
        for event in events:
            event.on, event.on_precision = new
            event._history_user = user  # simple-history's way of naming who changed a row
            event.save(update_fields=["on", "on_precision", "updated_at"])


def record_outcome(outcome: Outcome, *, status_set: bool = False) -> str | None:
    """Save an outcome; when it is new or its kind or date changed, set its person's status to
    what it implies (DetainedPerson.apply_outcome). `status_set`: the status was set by hand in
    the same save, and the advocate's choice stays. Returns the new status when it changed."""
    changed = record_outcomes([outcome], status_set=status_set)
    return changed[1] if changed else None


def record_outcomes(
    outcomes: list[Outcome], *, status_set: bool = False
) -> tuple[Outcome, str] | None:
    """Save one person's outcomes entered together, then set the status once, from the latest
    of those that are new or moved (see record_outcome): the history never shows the status
    passing through an earlier outcome's. Returns that outcome and the new status, if any."""
    fields = ("kind", "occurred_on", "occurred_on_precision")
    pks = [outcome.pk for outcome in outcomes if outcome.pk]
    stored = {row["pk"]: row for row in Outcome.objects.filter(pk__in=pks).values("pk", *fields)}
    with transaction.atomic():
        moved = []
        for outcome in outcomes:
            before = stored.get(outcome.pk)
            outcome.save()
            # Compared after save(), which rounds the date to its precision.
            if before is None or any(before[name] != getattr(outcome, name) for name in fields):
                moved.append(outcome)
        if status_set or not moved:
            return None
        person = moved[0].person
        for outcome in moved:  # only the latest of the person's outcomes can set it
            if status := person.apply_outcome(outcome):
                return outcome, status
        return None


# --- Consent to UN submissions ---------------------------------------------------------------

# A petition whose values here change (or a new one) is checked against the consents again.
_CONSENT_CHECKED_FIELDS = ("status", "authority_id", "submitted_on")


def missing_un_consent(
    petition: Petition, persons: Iterable[DetainedPerson] | None = None
) -> list[DetainedPerson]:
    """The persons for whom `petition` may not go to a UN body: it is marked submitted (or
    later), and they have no consent covering UN submissions valid on its submission date.

    `persons`: those the petition is for once saved (None: those it is for now). Checked only
    for a new petition, or when its status, authority, submission date or persons change, so
    that an answer can still be recorded on a petition sent before a consent was withdrawn.
    """
    if petition.status == PetitionStatus.DRAFT or not petition.authority_id:
        return []
    if not Authority.objects.filter(pk=petition.authority_id, un_body=True).exists():
        return []
    stored_ids: set[int] = set()
    if petition.pk:
        stored = Petition.objects.filter(pk=petition.pk).values(*_CONSENT_CHECKED_FIELDS).first()
        links = Petition.persons.through.objects.filter(petition_id=petition.pk)
        stored_ids = set(links.values_list("detainedperson_id", flat=True))
        if persons is None:
            persons = DetainedPerson.objects.filter(pk__in=stored_ids)
        same = stored and all(stored[f] == getattr(petition, f) for f in _CONSENT_CHECKED_FIELDS)
        if same and {person.pk for person in persons} == stored_ids:
            return []
    persons = list(persons or [])
    # A submission known only as "2018" may have gone on 31 December: a consent given during
    # that year counts.
    today = timezone.localdate()
    day = (
        min(last_day(petition.submitted_on, petition.submitted_on_precision), today)
        if petition.submitted_on
        else today
    )
    covered = set(
        Consent.objects.valid_on(day)
        .covering(ConsentScope.UN_BODIES)
        .filter(person__in=[person.pk for person in persons])
        .values_list("person_id", flat=True)
    )
    return [person for person in persons if person.pk not in covered]


def un_consent_error(missing: list[DetainedPerson]) -> ValidationError:
    """What the admin, the import and save_petition say when missing_un_consent finds someone."""
    return ValidationError(
        ngettext(
            "No valid consent covering submissions to UN bodies for %(persons)s on the "
            "submission date: record the consent on the case page, or keep the petition as a "
            "draft.",
            "No valid consent covering submissions to UN bodies for %(persons)s on the "
            "submission date: record their consents on the case pages, or keep the petition as "
            "a draft.",
            len(missing),
        )
        % {"persons": "; ".join(str(person) for person in missing)},
        code="un_consent_missing",
    )

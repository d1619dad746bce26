"""Today's work for advocates: my cases and their overdue follow-ups first, then which
petitions to chase, which cases have none, which consents to renew or ask for, what changed.

Each list is one query whatever its length (the admin index shows them, see
cases/templatetags/worklist.py); recording a follow-up is `record_follow_up`.
"""

import dataclasses
import datetime
from collections.abc import Sequence

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext

from cases.admin.history import HISTORY_TYPE_LABELS
from cases.models import (
    Consent,
    ConsentQuerySet,
    DetainedPerson,
    DetainedPersonQuerySet,
    Kinship,
    Outcome,
    Petition,
    PetitionEvent,
    PetitionQuerySet,
    PetitionStatus,
    Relative,
    Source,
    consent_expiry_warning_days,
)

# Rows shown per list on the index; each list links to the full changelist where one exists.
LIST_LENGTH = 25
# Recent changes: how far back, and how many history rows are read to find the latest per case.
RECENT_DAYS = 7
RECENT_ROWS_READ = 1000

# An answer is no longer expected from a petition in these states.
NO_ANSWER_EXPECTED = (PetitionStatus.ANSWERED, PetitionStatus.CLOSED)


def unanswered_days() -> int:
    """After how many days without an answer a submitted petition needs attention."""
    return settings.PETITION_UNANSWERED_DAYS


def with_persons_summary(petitions: PetitionQuerySet) -> PetitionQuerySet:
    """Annotate the first person of each petition (by case) and how many persons it names."""
    first = DetainedPerson.objects.filter(petitions=OuterRef("pk")).order_by("pk")
    return petitions.select_related("authority").annotate(
        first_person_id=Subquery(first.values("pk")[:1]),
        first_person_number=Subquery(first.values("case_number")[:1]),
        first_person_name=Subquery(first.values("full_name")[:1]),
        first_person_withheld=Subquery(first.values("name_withheld")[:1]),
        person_count=Count("persons", distinct=True),
    )


def overdue_petitions(today: datetime.date | None = None) -> PetitionQuerySet:
    """Open petitions whose follow-up date has passed, the longest overdue first."""
    overdue = Petition.objects.overdue(today)
    return with_persons_summary(overdue).order_by("follow_up_on", "pk")


def my_cases(user) -> DetainedPersonQuerySet:
    """The cases `user` is assigned to, the latest changed first."""
    return DetainedPerson.objects.assigned_to(user).order_by("-updated_at", "-pk")


def my_overdue_petitions(user, today: datetime.date | None = None) -> PetitionQuerySet:
    """Overdue petitions for a case `user` is assigned to, the longest overdue first."""
    # A subquery, not a join on persons: the join would also narrow the persons counted.
    mine = Petition.objects.filter(persons__assigned_to=user).values("pk")
    overdue = Petition.objects.overdue(today).filter(pk__in=mine)
    return with_persons_summary(overdue).order_by("follow_up_on", "pk")


def unanswered_petitions(today: datetime.date | None = None) -> PetitionQuerySet:
    """Petitions submitted more than PETITION_UNANSWERED_DAYS ago and still without an
    answer, the oldest first."""
    cutoff = unanswered_cutoff(today)
    petitions = Petition.objects.filter(
        submitted_on__lt=cutoff, response_received_on__isnull=True
    ).exclude(status__in=NO_ANSWER_EXPECTED)
    return with_persons_summary(petitions).order_by("submitted_on", "pk")


def unanswered_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Petitions submitted before this day have waited too long for an answer."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=unanswered_days())


def held_without_petition() -> DetainedPersonQuerySet:
    """People held for whom nobody has petitioned yet, the longest on record first."""
    return DetainedPerson.objects.held().without_petition().order_by("created_at", "pk")


def children_stuck_in_china() -> int:
    """How many children with Kazakhstan citizenship are stuck in China (one query).

    The admin's figure only: a relative's situation is no public breakdown (DESIGN.md privacy
    rules 1 and 2), so the public statistics neither count nor show it.
    """
    return Relative.objects.children_stuck_in_china().count()


def consents_expiring(today: datetime.date | None = None) -> ConsentQuerySet:
    """Consents valid today that expire within CONSENT_EXPIRY_WARNING_DAYS, the soonest first."""
    expiring = Consent.objects.expiring_within(consent_expiry_warning_days(), today)
    return expiring.select_related("person").order_by("expires_on", "pk")


def cases_needing_consent(today: datetime.date | None = None) -> DetainedPersonQuerySet:
    """Open cases without a valid consent (and not withdrawn), the longest on record first."""
    return DetainedPerson.objects.needing_consent(today).order_by("created_at", "pk")


def cases_consent_withdrawn(today: datetime.date | None = None) -> DetainedPersonQuerySet:
    """Cases flagged by a withdrawn consent, the latest withdrawal first."""
    latest = (
        Consent.objects.standing_withdrawals(today)
        .filter(person=OuterRef("pk"))
        .order_by("-withdrawn_on")
    )
    return (
        DetainedPerson.objects.consent_withdrawn(today)
        .annotate(consent_withdrawn_on=Subquery(latest.values("withdrawn_on")[:1]))
        .order_by("-consent_withdrawn_on", "-pk")
    )


@dataclasses.dataclass(frozen=True)
class CaseChange:
    """The latest change to a case or to a record of it (relatives, outcomes, petitions…)."""

    case_id: int
    case_number: str
    full_name: str
    changed_at: datetime.datetime
    changed_by: str | None
    record: str  # what was changed: the verbose name of its model
    change: str  # added, changed or deleted
    case_deleted: bool


# Every history table whose rows concern a case: (history model, its prefix to the history
# columns, its path to the case, the model a change is named after). A person's own rows carry
# the name, so deleted cases show too.
def _case_history_sources() -> list[tuple[type, str, str, type]]:
    petition_persons = apps.get_model("cases", "HistoricalPetition_persons")
    return [
        (DetainedPerson.history.model, "", "", DetainedPerson),
        (Kinship.history.model, "", "person__", Kinship),
        (Outcome.history.model, "", "person__", Outcome),
        (Source.history.model, "", "person__", Source),
        (Consent.history.model, "", "person__", Consent),
        (PetitionEvent.history.model, "", "petition__persons__", PetitionEvent),
        # Saving a petition snapshots its persons: one row per person and version.
        (petition_persons, "history__", "detainedperson__", Petition),
    ]


def _history_rows(history_model, prefix: str, case: str, model, since) -> QuerySet:
    """One history table's rows since `since`, as (when, type, user, case id, case number,
    name, whether it is withheld, model name): the same columns for every table, so they can
    be united."""
    rows = history_model.objects.filter(**{f"{prefix}history_date__gte": since})
    if case:
        rows = rows.filter(**{f"{case}id__isnull": False})
    # A compound query's parts may not be ordered: the history models' default goes.
    return (
        rows.order_by()
        .annotate(model_name=Value(model._meta.model_name, output_field=CharField()))
        .values_list(
            f"{prefix}history_date",
            f"{prefix}history_type",
            f"{prefix}history_user__username",
            f"{case}id",
            f"{case}case_number",
            f"{case}full_name",
            f"{case}name_withheld",
            "model_name",
        )
    )


def recent_case_changes(
    days: int = RECENT_DAYS, limit: int = LIST_LENGTH, now: datetime.datetime | None = None
) -> list[CaseChange]:
    """The cases changed in the last `days` days, most recent first: for each, its latest
    change, who made it and when (one query).

    The latest RECENT_ROWS_READ history rows are read; in a week busier than that, the list
    holds the cases changed most recently and may be shorter than `limit`.
    """
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    sources = _case_history_sources()
    queries = [_history_rows(*source, since=since) for source in sources]
    rows = queries[0].union(*queries[1:], all=True).order_by("-history_date")
    labels = {model._meta.model_name: model._meta.verbose_name for *_, model in sources}
    person = DetainedPerson._meta.model_name
    latest: dict[int, CaseChange] = {}
    for when, kind, username, case_id, number, name, withheld, model_name in rows[
        :RECENT_ROWS_READ
    ]:
        if case_id in latest:
            continue
        latest[case_id] = CaseChange(
            case_id=case_id,
            # A new case's first history row predates its number (see DetainedPerson.save).
            case_number=number or DetainedPerson.case_number_for(case_id),
            full_name=gettext("name withheld") if withheld else name,
            changed_at=when,
            changed_by=username,
            record=labels[model_name],
            change=HISTORY_TYPE_LABELS[kind],
            case_deleted=model_name == person and kind == "-",
        )
        if len(latest) == limit:
            break
    return list(latest.values())


# --- Recording a follow-up ------------------------------------------------------------------


def next_follow_up_default(today: datetime.date | None = None) -> datetime.date:
    """When to chase a petition next if nobody says otherwise."""
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=settings.PETITION_FOLLOW_UP_DAYS)


def record_follow_up(
    petitions: Sequence[Petition], *, note: str, next_on: datetime.date, user
) -> int:
    """Note on each petition's timeline that it was chased today, and when to chase it next.

    The status stays as it is; the petitions' history records the moved date with `user`.
    Returns the number of petitions.
    """
    today = timezone.localdate()
    # Saved one by one, not in bulk: each version in the history keeps the petition's persons
    # and petitioners (a bulk update would record them as removed), and the signals that keep
    # the public statistics' cache fresh fire.
    with transaction.atomic():
        for petition in petitions:
            event = PetitionEvent(
                petition=petition, on=today, status=petition.status, note=note, created_by=user
            )
            event._history_user = user
            event.save()
            petition.follow_up_on = next_on
            petition._history_user = user
            petition.save(update_fields=["follow_up_on", "updated_at"])
    return len(petitions)

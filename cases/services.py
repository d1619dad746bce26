"""Writes that touch more than one row, called by the admin, the imports and the tests alike
(docs/architecture.md): a petition with its timeline, an outcome with the status it implies.

They are functions rather than `save()` overrides so that whoever saves says who did it, and
so that saving a row never quietly saves another.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from cases.models import Outcome, Petition, PetitionEvent


def save_petition(
    petition: Petition, *, user: AbstractBaseUser | None = None, note: str = ""
) -> PetitionEvent | None:
    """Save a petition; a new petition or a new status goes on its timeline, with who set it.
    Returns the timeline entry, if any."""
    stored = Petition.objects.filter(pk=petition.pk) if petition.pk else Petition.objects.none()
    previous = stored.values_list("status", flat=True).first()
    with transaction.atomic():
        petition.save()
        if previous == petition.status:
            return None
        return petition.record_event(petition.status, user=user, note=note)


def record_outcome(outcome: Outcome) -> str | None:
    """Save an outcome and set its person's status to what the latest outcome implies.
    Returns the new status when it changed."""
    with transaction.atomic():
        outcome.save()
        return outcome.person.apply_latest_outcome()

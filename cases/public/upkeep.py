"""The tallies' upkeep: signal receivers that keep them current with every save and delete
through the ORM (cases/public/tallies.py counts; this module only says which records a change
touches). Connected by CasesConfig.ready().
"""

import functools
import weakref
from collections.abc import Callable

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from cases.models import DetainedPerson, Kinship, Outcome, Petition, Relative
from cases.public.tallies import PersonLink, refresh


class _Before:
    """What a `pre_` receiver read for its `post_` receiver (the ids a change will touch), by
    the instance's identity: nothing is set on the instance itself. An entry is taken once; one
    left by a change that failed in between is harmless (refreshing more records is correct)."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[weakref.ref, dict[str, list[int]]]] = {}

    def keep(self, instance: Model, **ids: list[int]) -> None:
        self._kept[id(instance)] = (weakref.ref(instance), ids)

    def take(self, instance: Model) -> dict[str, list[int]]:
        reference, ids = self._kept.pop(id(instance), (None, {}))
        return ids if reference is not None and reference() is instance else {}


_before = _Before()

# # Thin receivers: each names the records a change touches and calls refresh(). Updates in bulk
# (QuerySet.update, bulk_create, COPY) send no signals; their writers call refresh() or rebuild().
# A raw save (`loaddata`, a fixture, a test database restored) is left alone: it writes rows as
# they are stored, tallies included when they were dumped, in any order, so what a record adds
# cannot be worked out until all are in; `rebuild()` counts them.

# The records being written raw, by identity: the deserializer sets a petition's persons right
# after its raw save, and m2m_changed carries no `raw` flag. An entry goes with its instance.
_written_raw: weakref.WeakValueDictionary[int, Model] = weakref.WeakValueDictionary()


def _not_raw(receiver: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(receiver)
    def unless_raw(sender, instance, using, raw: bool = False, **kwargs) -> None:
        if raw:
            _written_raw[id(instance)] = instance
        else:
            receiver(sender, instance, using, **kwargs)

    return unless_raw


def _is_written_raw(instance: Model) -> bool:
    return _written_raw.get(id(instance)) is instance


@_not_raw
def _person_saved(sender, instance, using, **kwargs) -> None:
    refresh(persons=[instance.pk], using=using)


def _person_deleting(sender, instance, using, **kwargs) -> None:
    # Deleting a case sets its duplicates' `duplicate_of` to NULL in SQL, and deletes its
    # petition links, all without signals: the duplicates are counted from now on, and the
    # petitions lose a person.
    duplicates = DetainedPerson.objects.using(using).filter(duplicate_of=instance)
    links = PersonLink.objects.using(using).filter(detainedperson=instance)
    _before.keep(
        instance,
        persons=list(duplicates.values_list("pk", flat=True)),
        petitions=list(links.values_list("petition_id", flat=True)),
    )


def _person_deleted(sender, instance, using, **kwargs) -> None:
    before = _before.take(instance)
    refresh(
        persons=[instance.pk, *before.get("persons", [])],
        petitions=before.get("petitions", []),
        using=using,
    )


@_not_raw
def _relative_changed(sender, instance, using, **kwargs) -> None:
    refresh(relatives=[instance.pk], using=using)


@_not_raw
def _kinship_saving(sender, instance, using, **kwargs) -> None:
    # A kinship moved to another relative changes what the old one adds too.
    if instance.pk:
        before = Kinship.objects.using(using).filter(pk=instance.pk)
        _before.keep(instance, relatives=list(before.values_list("relative_id", flat=True)))


@_not_raw
def _kinship_changed(sender, instance, using, **kwargs) -> None:
    relatives = [instance.relative_id, *_before.take(instance).get("relatives", [])]
    refresh(relatives=relatives, using=using)


@_not_raw
def _petition_changed(sender, instance, using, **kwargs) -> None:
    refresh(petitions=[instance.pk], using=using)


def _petition_persons_changed(sender, instance, action, reverse, pk_set, using, **kwargs) -> None:
    if _is_written_raw(instance):
        return
    if not reverse:
        if action.startswith("post_"):
            refresh(petitions=[instance.pk], using=using)
    elif action == "pre_clear":
        petitions = instance.petitions.using(using).values_list("pk", flat=True)
        _before.keep(instance, petitions=list(petitions))
    elif action == "post_clear":
        refresh(petitions=_before.take(instance).get("petitions", []), using=using)
    elif action.startswith("post_"):
        refresh(petitions=pk_set or [], using=using)


@_not_raw
def _outcome_changed(sender, instance, using, **kwargs) -> None:
    refresh(outcomes=[instance.pk], using=using)


def connect_signals() -> None:
    """Keep the tallies current with every save and delete of case data."""
    receivers = [
        (post_save, DetainedPerson, _person_saved),
        (pre_delete, DetainedPerson, _person_deleting),
        (post_delete, DetainedPerson, _person_deleted),
        (post_save, Relative, _relative_changed),
        (post_delete, Relative, _relative_changed),
        (pre_save, Kinship, _kinship_saving),
        (post_save, Kinship, _kinship_changed),
        (post_delete, Kinship, _kinship_changed),
        (post_save, Petition, _petition_changed),
        (post_delete, Petition, _petition_changed),
        (m2m_changed, PersonLink, _petition_persons_changed),
        (post_save, Outcome, _outcome_changed),
        (post_delete, Outcome, _outcome_changed),
    ]
    for signal, sender, receiver in receivers:
        signal.connect(receiver, sender=sender, dispatch_uid=f"tallies-{receiver.__name__}")

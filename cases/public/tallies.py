"""Tallies: the public statistics counted ahead, and kept current with every change.

Each counted record (a person, a relative, a petition, an outcome) adds one to a few cells of
the public statistics ('persons', 'status:camp', 'relatives', 'petition_status:sent', …) for
its *reach*: the set of profiles (year of detention, home place, ethnicity, gender, status) of
the counted persons it is tied to. `refresh()` works out what some records add now, compares it
with what they added before (their TallyEntry), and moves the difference into the Tally rows, in
the caller's transaction: the public numbers change together with the case, or not at all,
and `counts_changed` is sent whenever a count moved (the cached statistics listen: cache.py).
statistics.py then sums the tallies of the reaches with a profile that matches the filters, so a
record is counted once however many of its persons match. The cell keys are those of
vocabulary.py.

Saves and deletes through the ORM call `refresh()` by the receivers of upkeep.py, except
raw ones (`loaddata`, fixtures: related rows may not be there yet; `rebuild()` counts them).
Writers in bulk call it themselves with the ids they wrote, or `rebuild()`.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.expressions import RawSQL
from django.dispatch import Signal

from cases import bulk
from cases.models import (
    HELD_STATUSES,
    DatePrecision,
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    PetitionStatus,
    Relative,
    Tally,
    TallyEntry,
    TallyProfile,
    TallyReach,
    counted_q,
)
from cases.public import vocabulary

# Sent after a change moved a count, with `using` (the database alias): the cached statistics
# (cache.py) listen, so that the counting code does not call the web cache.
counts_changed = Signal()

Kind = TallyEntry.Kind
# (year of detention, home place id, ethnicity, gender, status) of a counted person.
Profile = tuple[int | None, int | None, str, str, str]
Reach = frozenset[Profile]
# What one record adds: one to each (reach, cell key).
Items = list[tuple[Reach, str]]


class Counted(NamedTuple):
    """What one record adds to the tallies: one to the count of each item, and its record key
    to the key sum beside it (cell-key perturbation, perturbation.py)."""

    record_key: int
    items: Items


class Entry(NamedTuple):
    """A record's TallyEntry: its record key and its items as '<reach id> <key>' lines."""

    record_key: int
    text: str


PROFILE_FIELDS = ("detained_on", "home_place", "ethnicity", "gender", "status")
PersonLink = Petition.persons.through
ReachProfile = TallyReach.profiles.through
BATCH_SIZE = 5000
ENTRY_COLUMNS = ("kind", "record_id", "record_key", "items")
# Any number: it names the lock that queues writers of the tallies on PostgreSQL.
LOCK_ID = 73_180_011


def _profile_fields(prefix: str = "") -> list[str]:
    return [prefix + name for name in PROFILE_FIELDS]


def _ids(ids: Iterable[int], using: str) -> list[int] | RawSQL:
    """What an `__in` lookup of these ids gets. On PostgreSQL one array parameter: thousands of
    placeholders (an import's or a load's batch) cost Django and psycopg more than the query."""
    ids = list(ids)
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def _profile(row: dict, prefix: str = "") -> Profile:
    detained_on = row[prefix + "detained_on"]
    return (
        detained_on.year if detained_on else None,
        row[prefix + "home_place"],
        row[prefix + "ethnicity"],
        row[prefix + "gender"],
        row[prefix + "status"],
    )


# --- What each record adds ----------------------------------------------------------------------


def person_items(ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> dict[int, Counted]:
    """Counted persons: themselves, by each of their published attributes."""
    rows = (
        DetainedPerson.objects.using(using)
        .filter(counted_q(), pk__in=_ids(ids, using))
        .values("pk", "record_key", "citizenship", "reason_given", *_profile_fields())
    )
    items = {}
    for row in rows:
        profile = _profile(row)
        year, place = profile[0], profile[1]
        reach = frozenset([profile])
        keys = (
            vocabulary.PERSONS,
            vocabulary.key(vocabulary.STATUS, row["status"]),
            vocabulary.key(vocabulary.GENDER, row["gender"]),
            vocabulary.key(vocabulary.ETHNICITY, row["ethnicity"]),
            vocabulary.key(vocabulary.CITIZENSHIP, row["citizenship"]),
            vocabulary.key(vocabulary.REASON, row["reason_given"]),
            vocabulary.key(vocabulary.YEAR, vocabulary.year(year)),
            vocabulary.key(vocabulary.PLACE, vocabulary.place(place)),
        )
        items[row["pk"]] = Counted(row["record_key"], [(reach, key) for key in keys])
    return items


def relative_items(ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> dict[int, Counted]:
    """Relatives of counted persons, once each; children with Kazakhstan citizenship
    separated from a held parent also by the profiles of those parents alone."""
    kinships = Kinship.objects.using(using)
    rows = kinships.filter(counted_q("person__"), relative_id__in=_ids(ids, using)).values(
        "relative_id",
        "relationship",
        "separated",
        "relative__citizenship",
        "relative__record_key",
        *_profile_fields("person__"),
    )
    persons: dict[int, set[Profile]] = defaultdict(set)
    record_keys: dict[int, int] = {}
    held_parents: dict[int, set[Profile]] = defaultdict(set)
    for row in rows:
        profile = _profile(row, "person__")
        persons[row["relative_id"]].add(profile)
        record_keys[row["relative_id"]] = row["relative__record_key"]
        if (
            row["relationship"] == Kinship.Relationship.CHILD
            and row["separated"]
            and row["relative__citizenship"] == Relative.Citizenship.KAZAKHSTAN
            and row["person__status"] in HELD_STATUSES
        ):
            held_parents[row["relative_id"]].add(profile)
    items = {}
    for relative_id, profiles in persons.items():
        added = [(frozenset(profiles), vocabulary.RELATIVES)]
        if held_parents[relative_id]:
            added.append((frozenset(held_parents[relative_id]), vocabulary.SEPARATED_CHILDREN))
        items[relative_id] = Counted(record_keys[relative_id], added)
    return items


def petition_items(ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> dict[int, Counted]:
    """Petitions for counted persons: by status, answer and authority; the days waited for an
    answer, for the median."""
    links = PersonLink.objects.using(using).filter(
        counted_q("detainedperson__"), petition_id__in=_ids(ids, using)
    )
    reaches: dict[int, set[Profile]] = defaultdict(set)
    for row in links.values("petition_id", *_profile_fields("detainedperson__")):
        reaches[row["petition_id"]].add(_profile(row, "detainedperson__"))
    rows = (
        Petition.objects.using(using)
        .filter(pk__in=_ids(reaches, using))
        .values(
            "pk",
            "record_key",
            "status",
            "response_kind",
            "authority",
            "submitted_on",
            "submitted_on_precision",
            "response_received_on",
            "response_received_on_precision",
        )
    )
    items = {}
    for row in rows:
        keys = [vocabulary.PETITIONS, vocabulary.key(vocabulary.PETITION_STATUS, row["status"])]
        if row["response_kind"]:
            keys.append(vocabulary.key(vocabulary.PETITION_RESPONSE, row["response_kind"]))
        if row["authority"]:
            keys.append(vocabulary.key(vocabulary.PETITION_AUTHORITY, row["authority"]))
        if row["status"] != PetitionStatus.DRAFT:
            keys.append(vocabulary.PETITIONS_SENT)
            answered, submitted = row["response_received_on"], row["submitted_on"]
            if answered:
                keys.append(vocabulary.PETITIONS_ANSWERED)
                # Days waited only between days known: "2018" to 5 March 2019 is no count.
                exact = (
                    row["submitted_on_precision"]
                    == row["response_received_on_precision"]
                    == DatePrecision.DAY
                )
                if submitted and exact:
                    days = (answered - submitted).days
                    keys += [vocabulary.PETITIONS_TIMED, vocabulary.key(vocabulary.DAYS, days)]
        reach = frozenset(reaches[row["pk"]])
        items[row["pk"]] = Counted(row["record_key"], [(reach, key) for key in keys])
    return items


def outcome_items(ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> dict[int, Counted]:
    """Outcomes of counted persons, by kind and by year."""
    rows = (
        Outcome.objects.using(using)
        .filter(counted_q("person__"), pk__in=_ids(ids, using))
        .values("pk", "record_key", "kind", "occurred_on", *_profile_fields("person__"))
    )
    items = {}
    for row in rows:
        reach = frozenset([_profile(row, "person__")])
        keys = (
            vocabulary.OUTCOMES,
            vocabulary.key(vocabulary.OUTCOME_KIND, row["kind"]),
            vocabulary.key(vocabulary.OUTCOME_YEAR, row["occurred_on"].year),
        )
        items[row["pk"]] = Counted(row["record_key"], [(reach, key) for key in keys])
    return items


ITEMS = {
    Kind.PERSON: person_items,
    Kind.RELATIVE: relative_items,
    Kind.PETITION: petition_items,
    Kind.OUTCOME: outcome_items,
}
MODELS = {
    Kind.PERSON: DetainedPerson,
    Kind.RELATIVE: Relative,
    Kind.PETITION: Petition,
    Kind.OUTCOME: Outcome,
}


# --- Profiles and reaches by value -------------------------------------------------------------


def _profile_key(profile: Profile) -> str:
    return "|".join("-" if value is None else str(value) for value in profile)


def _profile_ids(profiles: set[Profile], using: str) -> dict[Profile, int]:
    keys = {_profile_key(profile): profile for profile in profiles}
    stored = TallyProfile.objects.using(using)
    found = dict(stored.filter(key__in=keys).values_list("key", "pk"))
    missing = [key for key in keys if key not in found]
    if missing:
        stored.bulk_create(
            TallyProfile(
                key=key,
                detained_year=keys[key][0],
                place_id=keys[key][1],
                ethnicity=keys[key][2],
                gender=keys[key][3],
                status=keys[key][4],
            )
            for key in missing
        )
        found.update(stored.filter(key__in=missing).values_list("key", "pk"))
    return {profile: found[key] for key, profile in keys.items()}


def _reach_key(profile_ids: Iterable[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(profile_ids))).encode()).hexdigest()


def _reach_ids(
    reaches: set[Reach], profile_ids: dict[Profile, int], using: str
) -> dict[Reach, int]:
    members = {reach: [profile_ids[profile] for profile in reach] for reach in reaches}
    keys = {_reach_key(ids): reach for reach, ids in members.items()}
    stored = TallyReach.objects.using(using)
    found = dict(stored.filter(key__in=keys).values_list("key", "pk"))
    missing = [key for key in keys if key not in found]
    if missing:
        stored.bulk_create(TallyReach(key=key) for key in missing)
        created = dict(stored.filter(key__in=missing).values_list("key", "pk"))
        ReachProfile.objects.using(using).bulk_create(
            ReachProfile(tallyreach_id=reach_id, tallyprofile_id=profile_id)
            for key, reach_id in created.items()
            for profile_id in members[keys[key]]
        )
        found.update(created)
    return {reach: found[key] for key, reach in keys.items()}


def _entries(records: dict[int, Counted], using: str) -> dict[int, Entry]:
    """Each record's TallyEntry: its key, and its items as '<reach id> <key>' lines, sorted."""
    reaches = {reach for counted in records.values() for reach, _key in counted.items}
    profile_ids = _profile_ids({profile for reach in reaches for profile in reach}, using)
    reach_ids = _reach_ids(reaches, profile_ids, using)
    return {
        record: Entry(
            counted.record_key,
            "\n".join(sorted(f"{reach_ids[reach]} {key}" for reach, key in counted.items)),
        )
        for record, counted in records.items()
    }


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def _insert(model, columns: tuple[str, ...], rows: Iterable[tuple], using: str) -> None:
    """Insert plain rows: with COPY on PostgreSQL (a rebuild writes half a million entries at
    100,000 cases, several times faster than bulk_create), with bulk_create elsewhere."""
    if not bulk.uses_copy(using):
        objs = (model(**dict(zip(columns, row, strict=True))) for row in rows)
        model.objects.using(using).bulk_create(objs, batch_size=BATCH_SIZE)
        return
    bulk.copy_rows(model._meta.db_table, columns, rows, using)


# --- Keeping them current ----------------------------------------------------------------------


def _lock(using: str) -> None:
    """Queue writers of the tallies until the transaction ends: two saves at once must not
    both add to the same count from the same starting value."""
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])


def _batches(ids: Iterable[int], size: int = BATCH_SIZE) -> Iterator[list[int]]:
    iterator = iter(ids)
    while batch := list(islice(iterator, size)):
        yield batch


def refresh(
    *,
    persons: Iterable[int] = (),
    relatives: Iterable[int] = (),
    petitions: Iterable[int] = (),
    outcomes: Iterable[int] = (),
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Bring the tallies of these records (by id, existing or deleted) up to date.

    A person whose profile changed brings along its relatives, petitions and outcomes, which
    are counted under that profile."""
    wanted = {
        Kind.PERSON: set(persons),
        Kind.RELATIVE: set(relatives),
        Kind.PETITION: set(petitions),
        Kind.OUTCOME: set(outcomes),
    }
    if not any(wanted.values()):
        return
    with transaction.atomic(using=using):
        _lock(using)
        delta = Delta()
        moved = _refresh(Kind.PERSON, wanted[Kind.PERSON], delta, using)
        for kind, ids in _tied_to(moved, using).items():
            wanted[kind].update(ids)
        for kind in (Kind.RELATIVE, Kind.PETITION, Kind.OUTCOME):
            _refresh(kind, wanted[kind], delta, using)
        if _add(delta, using):
            counts_changed.send(sender=Tally, using=using)


def _tied_to(persons: set[int], using: str) -> dict[str, set[int]]:
    """The relatives, petitions and outcomes of these persons, by kind."""
    tied: dict[str, set[int]] = defaultdict(set)
    for batch in _batches(sorted(persons)):
        for kind, links, column, person in (
            (Kind.RELATIVE, Kinship.objects, "relative_id", "person_id"),
            (Kind.PETITION, PersonLink.objects, "petition_id", "detainedperson_id"),
            (Kind.OUTCOME, Outcome.objects, "pk", "person_id"),
        ):
            rows = links.using(using).filter(**{f"{person}__in": _ids(batch, using)})
            tied[kind].update(rows.values_list(column, flat=True))
    return tied


class Delta:
    """What a change moves: a count and a key sum for each '<reach id> <key>' line."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.key_sums: Counter[str] = Counter()

    def add(self, entry: Entry, sign: int = 1) -> None:
        for line in _lines(entry.text):
            self.counts[line] += sign
            self.key_sums[line] += sign * entry.record_key


NOTHING = Entry(0, "")


def _refresh(kind: str, ids: set[int], delta: Delta, using: str) -> set[int]:
    """Refresh the entries of one kind of records, adding what changed to `delta`; returns the
    ids whose reach changed."""
    moved = set()
    entries = TallyEntry.objects.using(using).filter(kind=kind)
    for batch in _batches(sorted(ids)):
        new = _entries(ITEMS[kind](batch, using), using)
        old = entries.filter(record_id__in=_ids(batch, using))
        old = {pk: Entry(key, text) for pk, key, text in old.values_list(*ENTRY_COLUMNS[1:])}
        changed = [pk for pk in batch if new.get(pk, NOTHING) != old.get(pk, NOTHING)]
        if not changed:
            continue
        for pk in changed:
            new_entry, old_entry = new.get(pk, NOTHING), old.get(pk, NOTHING)
            delta.add(new_entry)
            delta.add(old_entry, -1)
            if _reach_ids_of(_lines(new_entry.text)) != _reach_ids_of(_lines(old_entry.text)):
                moved.add(pk)
        entries.filter(record_id__in=_ids(changed, using)).delete()
        rows = [(kind, pk, *new[pk]) for pk in changed if new.get(pk, NOTHING).text]
        _insert(TallyEntry, ENTRY_COLUMNS, rows, using)
    return moved


def _reach_ids_of(lines: list[str]) -> set[str]:
    return {line.split(" ", 1)[0] for line in lines}


def _reach_and_key(line: str) -> tuple[int, str]:
    reach_id, key = line.split(" ", 1)
    return int(reach_id), key


def _add(delta: Delta, using: str) -> bool:
    """Add each '<reach id> <key>' difference to its tally; drop the tallies left at zero.
    Returns whether any count changed."""
    lines = [line for line in delta.counts if delta.counts[line] or delta.key_sums[line]]
    rows = [(*_reach_and_key(line), delta.counts[line], delta.key_sums[line]) for line in lines]
    if not rows:
        return False
    table = connections[using].ops.quote_name(Tally._meta.db_table)
    # The same statements on PostgreSQL and SQLite (3.24 and later). A count taken back was
    # added before, so its row exists; only additions may need a new one (and a CHECK on the
    # count would refuse a negative row before the conflict turns it into an update).
    with connections[using].cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (reach_id, key, count, key_sum) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (reach_id, key) DO UPDATE SET count = {table}.count + excluded.count, "
            f"key_sum = {table}.key_sum + excluded.key_sum",
            [row for row in rows if row[2] > 0],
        )
        # A record whose key alone changed (a restore) moves a key sum, not a count.
        cursor.executemany(
            f"UPDATE {table} SET count = count + %s, key_sum = key_sum + %s "
            "WHERE reach_id = %s AND key = %s",
            [
                (count, key_sum, reach_id, key)
                for reach_id, key, count, key_sum in rows
                if count <= 0
            ],
        )
    for reaches in _batches(sorted({row[0] for row in rows})):
        zero = Tally.objects.using(using).filter(count=0, reach_id__in=_ids(reaches, using))
        zero.delete()
    return True


def rebuild(using: str = DEFAULT_DB_ALIAS) -> int:
    """Count everything afresh: after writing around the ORM (a restore, raw SQL). Returns
    the number of records counted."""
    counted = 0
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock(using)
        with connection.cursor() as cursor:
            for model in (Tally, ReachProfile, TallyReach, TallyProfile, TallyEntry):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        totals = Delta()
        for kind, model in MODELS.items():
            ids = model.objects.using(using).order_by("pk").values_list("pk", flat=True)
            for batch in _batches(ids.iterator(chunk_size=BATCH_SIZE)):
                entries = _entries(ITEMS[kind](batch, using), using)
                rows = [(kind, pk, *entry) for pk, entry in entries.items()]
                _insert(TallyEntry, ENTRY_COLUMNS, rows, using)
                for entry in entries.values():
                    totals.add(entry)
                counted += len(entries)
        rows = (
            (*_reach_and_key(line), count, totals.key_sums[line])
            for line, count in totals.counts.items()
        )
        _insert(Tally, ("reach_id", "key", "count", "key_sum"), rows, using)
        counts_changed.send(sender=Tally, using=using)
    return counted


def is_empty(using: str = DEFAULT_DB_ALIAS) -> bool:
    return not TallyEntry.objects.using(using).exists()

"""What the public statistics should hold and publish, worked out from the register by hand.

A cell of the public statistics is a set of records. The tallies keep, for each cell, how many
records it holds and the sum of their record keys (`tallied`); the published value is what the
perturbation table gives for that pair, not shown below the threshold (`expected`). The tests
pick each cell's records from the register here, without the tallies' code, and compare.

Record keys are random; a test that needs a known published value picks them (`give_key_sum`),
e.g. with `exact_key_sums` so that counts are published exactly as counted.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.utils import timezone

from cases.models import (
    HELD_STATUSES,
    RECORD_KEY_RANGE,
    Authority,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Gender,
    Kinship,
    Outcome,
    Petition,
    PetitionStatus,
    Place,
    Relative,
    Status,
)
from cases.public import perturbation, statistics, tallies
from cases.public.filters import statistics_filter
from cases.public.statistics import Sums, Tallied

# The smallest published total of a view whose figures are shown: twice the threshold.
MIN_VIEW_FACTOR = 2
# The keyword of tallies.refresh() for each kind of counted record.
REFRESH = {
    DetainedPerson: "persons",
    Relative: "relatives",
    Petition: "petitions",
    Outcome: "outcomes",
}

# --- Published values --------------------------------------------------------------------------


def tallied(records: Iterable) -> Tallied:
    """The count and the key sum of exactly these records."""
    records = list(records)
    return Tallied(len(records), sum(record.record_key for record in records))


def view_tallies(filters: dict | None = None) -> Sums:
    """What the tallies hold for a view of the public filters: each cell's count and key sum."""
    filterset = statistics_filter(filters or {})
    assert filterset.is_valid(), filterset.errors
    return statistics.tallied_sums(filterset.qs)


def expected(records: Iterable, min_cell: int | None = None) -> int | None:
    """What a page shows for a cell of exactly these records: None for 'fewer than min_cell'."""
    table = perturbation.ptable(min_cell)
    cell = tallied(records)
    value = table.published(cell.count, cell.key_sum)
    return value if value >= table.min_cell else None


def too_few(persons: Iterable[DetainedPerson], min_cell: int | None = None) -> bool:
    """Whether a view of these persons is too small to show anything but that."""
    shown = expected(persons, min_cell)
    return shown is None or shown < MIN_VIEW_FACTOR * perturbation.ptable(min_cell).min_cell


def keys_publishing(count: int, value: int, min_cell: int | None = None) -> list[int]:
    """The key sums (0–255) under which `count` records are published as `value`."""
    table = perturbation.ptable(min_cell)
    return [key for key in range(RECORD_KEY_RANGE) if table.published(count, key) == value]


def key_sums_publishing(
    groups: Sequence[tuple[int, int]], union: int, min_cell: int | None = None
) -> tuple[int, ...]:
    """Key sums for disjoint groups of (count, published value) under which all of them
    together are published as `union`."""
    table = perturbation.ptable(min_cell)
    choices = [keys_publishing(count, value, min_cell) for count, value in groups]
    total = sum(count for count, _value in groups)
    for sums in itertools.product(*choices):
        if table.published(total, sum(sums)) == union:
            return sums
    raise AssertionError(f"no key sums publish {groups} as {union} together")


def exact_key_sums(*sizes: int, min_cell: int | None = None) -> tuple[int, ...]:
    """Key sums for disjoint groups of these sizes under which each group, and all of them
    together, is published exactly as counted."""
    return key_sums_publishing([(size, size) for size in sizes], sum(sizes), min_cell)


def exact_key(*counts: int, min_cell: int | None = None) -> int:
    """One key sum under which each of these counts is published exactly as counted."""
    exact = [set(keys_publishing(count, count, min_cell)) for count in counts]
    found = sorted(set.intersection(*exact))
    assert found, f"no key sum publishes each of {counts} exactly"
    return found[0]


def give_key_sum(records: Sequence, key_sum: int) -> None:
    """Give the records keys adding up to `key_sum`: the first gets it, the others 0. Written
    around the ORM, then refreshed in the tallies, as a restore's writer would."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        record.record_key = key_sum % RECORD_KEY_RANGE if index == 0 else 0
        type(record).objects.filter(pk=record.pk).update(record_key=record.record_key)
        by_kind[REFRESH[type(record)]].append(record.pk)
    tallies.refresh(**by_kind)


# --- The register counted by hand --------------------------------------------------------------


def matches(person: DetainedPerson, filters: dict) -> bool:
    """Whether a person is in the view of these public filters."""
    year = person.detained_on.year if person.detained_on else None
    checks = {
        "year": lambda chosen: year == int(chosen),
        "place": lambda code: person.home_place is not None and person.home_place.code == code,
        "status_group": lambda group: (person.status in HELD_STATUSES) == (group == "held"),
        "gender": lambda gender: person.gender == gender,
        "ethnicity": lambda ethnicity: person.ethnicity == ethnicity,
    }
    return all(checks[name](value) for name, value in filters.items() if value)


def counted_persons(filters: dict | None = None) -> list[DetainedPerson]:
    """The persons a view counts: not excluded, not a duplicate, matching the filters."""
    return [
        person
        for person in DetainedPerson.objects.select_related("home_place").order_by("pk")
        if person.counted_in_statistics
        and person.duplicate_of_id is None
        and matches(person, filters or {})
    ]


def tallied_cells_by_hand(filters: dict | None = None) -> dict[str, list]:
    """The records of every non-empty cell the tallies keep ('persons', 'status:camp',
    'place:<id>', 'days:31', …) for the persons of a view, picked from the register."""
    persons = {person.pk: person for person in counted_persons(filters)}
    cells: dict[str, list] = defaultdict(list)
    for person in persons.values():
        year = person.detained_on.year if person.detained_on else "unknown"
        for key in (
            "persons",
            f"status:{person.status}",
            f"gender:{person.gender}",
            f"ethnicity:{person.ethnicity}",
            f"citizenship:{person.citizenship}",
            f"reason:{person.reason_given}",
            f"year:{year}",
            f"place:{person.home_place_id or 'none'}",
        ):
            cells[key].append(person)

    kinships = Kinship.objects.select_related("relative").filter(person__in=list(persons))
    relatives = {kinship.relative_id: kinship.relative for kinship in kinships}
    cells["relatives"] = list(relatives.values())
    separated = {
        kinship.relative_id: kinship.relative
        for kinship in kinships
        if kinship.relationship == Kinship.Relationship.CHILD
        and kinship.separated
        and kinship.relative.citizenship == Relative.Citizenship.KAZAKHSTAN
        and persons[kinship.person_id].status in HELD_STATUSES
    }
    cells["separated_children"] = list(separated.values())

    for petition in Petition.objects.prefetch_related("persons").order_by("pk"):
        if not any(person.pk in persons for person in petition.persons.all()):
            continue
        keys = ["petitions", f"petition_status:{petition.status}"]
        if petition.response_kind:
            keys.append(f"petition_response:{petition.response_kind}")
        if petition.authority_id:
            keys.append(f"petition_authority:{petition.authority_id}")
        if petition.status != PetitionStatus.DRAFT:
            keys.append("petitions_sent")
            if petition.response_received_on:
                keys.append("petitions_answered")
                # Days waited only between days known to the day.
                exact = {petition.submitted_on_precision, petition.response_received_on_precision}
                if petition.submitted_on and exact == {DatePrecision.DAY}:
                    days = (petition.response_received_on - petition.submitted_on).days
                    keys += ["petitions_timed", f"days:{days}"]
        for key in keys:
            cells[key].append(petition)

    for outcome in Outcome.objects.filter(person__in=list(persons)).order_by("pk"):
        for key in (
            "outcomes",
            f"outcome_kind:{outcome.kind}",
            f"outcome_year:{outcome.occurred_on.year}",
        ):
            cells[key].append(outcome)
    return {name: records for name, records in cells.items() if records}


def published_cells_by_hand(filters: dict | None = None) -> dict[str, list]:
    """The records behind every count of /statistics.json: 'totals:<name>' and
    '<breakdown>:<key>', every cell the page lists, empty ones included."""
    tallied = tallied_cells_by_hand(filters)

    def records(*names: str) -> list:
        return [record for name in names for record in tallied.get(name, [])]

    def years(prefix: str) -> dict[str, list]:
        first, this_year = settings.PUBLIC_FIRST_YEAR, timezone.localdate().year
        by_year = {
            f"{prefix}:{year}": records(f"{prefix}:{year}") for year in range(first, this_year + 1)
        }
        earlier = [
            name
            for name in tallied
            if name.startswith(f"{prefix}:")
            and name.split(":")[1] != "unknown"
            and int(name.split(":")[1]) < first
        ]
        return {f"{prefix}:earlier": records(*earlier)} | by_year

    held = [f"status:{status}" for status in Status.values if status in HELD_STATUSES]
    not_held = [f"status:{status}" for status in Status.values if status not in HELD_STATUSES]
    cells = {
        "totals:persons": records("persons"),
        "totals:held": records(*held),
        "totals:released": records(f"status:{Status.RELEASED}"),
        "totals:left_china": records(f"status:{Status.LEFT_CHINA}"),
        "totals:deceased": records(f"status:{Status.DECEASED}"),
        "totals:whereabouts_unknown": records(f"status:{Status.UNKNOWN}"),
        "totals:relatives": records("relatives"),
        "totals:separated_children": records("separated_children"),
        "totals:petitions": records("petitions"),
        "totals:petitions_answered": records("petitions_answered"),
        "totals:outcomes": records("outcomes"),
        "held:held": records(*held),
        "held:not_held": records(*not_held),
    }
    for name, values in (
        ("status", Status.values),
        ("ethnicity", Ethnicity.values),
        ("gender", Gender.values),
        ("citizenship", DetainedPerson.Citizenship.values),
        ("reason", DetainedPerson.Reason.values),
        ("outcome_kind", Outcome.Kind.values),
        ("petition_status", PetitionStatus.values),
        ("petition_response", Petition.ResponseKind.values),
    ):
        cells |= {f"{name}:{value}": records(f"{name}:{value}") for value in values}
    cells |= years("year") | {"year:unknown": records("year:unknown")}
    cells |= years("outcome_year")
    cells |= {f"place:{p.code}": records(f"place:{p.pk}") for p in Place.objects.all()}
    cells["place:none"] = records("place:none")
    for authority in Authority.objects.all():
        cells[f"petition_authority:{authority.code}"] = records(
            f"petition_authority:{authority.pk}"
        )
    return cells


def published_numbers(data: dict) -> dict[str, int | None]:
    """Every count of a /statistics.json document by the names of `published_cells_by_hand`:
    derived figures (the answered share, the median) left out."""
    derived = {"petitions_answered_percent", "median_days_to_answer"}
    numbers = {f"totals:{n}": v for n, v in data["totals"].items() if n not in derived}
    for name, cells in data["breakdowns"].items():
        numbers |= {f"{name}:{cell['key']}": cell["count"] for cell in cells}
    return numbers

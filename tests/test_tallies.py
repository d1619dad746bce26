"""The tallies behind the public statistics (cases/tallies.py): counted once, kept current."""

import datetime
import random
from collections import Counter

import pytest
from django.core.management import call_command

from cases import stats, tallies
from cases.demo import generate_cases
from cases.filters import statistics_filter
from cases.models import (
    HELD_STATUSES,
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    Relative,
    Status,
    Tally,
)
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    place,
)

pytestmark = pytest.mark.django_db

KAZAKHSTAN = Relative.Citizenship.KAZAKHSTAN
CHILD = Kinship.Relationship.CHILD
SIBLING = Kinship.Relationship.SIBLING


@pytest.fixture(autouse=True)
def _every_count_shown(settings):
    # No suppression: these tests read exact counts.
    settings.PUBLIC_MIN_CELL = 1


def totals(**filters) -> dict:
    filterset = statistics_filter(filters)
    assert filterset.is_valid(), filterset.errors
    return stats.compute(filterset.qs).totals


def stored_tallies() -> Counter:
    """The tallies by what they mean (the profiles of the reach and the cell), not by ids."""
    stored: Counter = Counter()
    for tally in Tally.objects.prefetch_related("reach__profiles"):
        profiles = frozenset(profile.key for profile in tally.reach.profiles.all())
        stored[(profiles, tally.key)] += tally.count
    return stored


# --- Counted once -------------------------------------------------------------------------------


def test_relative_of_two_detained_brothers_is_one_relative_in_every_view():
    ili = make_person(home_place=place("ili"))
    altay = make_person(home_place=place("altay"))
    mother = make_relative()
    make_kinship(ili, mother, relationship=Kinship.Relationship.PARENT)
    make_kinship(altay, mother, relationship=Kinship.Relationship.PARENT)

    assert totals()["relatives"] == 1
    assert totals(place="ili")["relatives"] == 1
    assert totals(place="altay")["relatives"] == 1
    assert totals(place="tacheng")["relatives"] == 0


def test_petition_for_two_persons_is_one_petition_in_every_view():
    wife = make_person(detained_on=datetime.date(2017, 1, 1))
    brother = make_person(detained_on=datetime.date(2019, 1, 1))
    make_petition(wife, brother)

    assert totals()["petitions"] == 1
    assert totals(year_from=2017, year_to=2017)["petitions"] == 1
    assert totals(year_from=2019)["petitions"] == 1
    assert totals(year_from=2020)["petitions"] == 0


def test_separated_child_counts_only_where_the_held_parent_is_counted():
    father = make_person(status=Status.CAMP)
    uncle = make_person(status=Status.RELEASED)
    child = make_relative(citizenship=KAZAKHSTAN)
    make_kinship(father, child, relationship=CHILD, separated=True)
    make_kinship(uncle, child, relationship=Kinship.Relationship.OTHER)

    assert totals(status_group="held")["separated_children"] == 1
    not_held = totals(status_group="not_held")
    assert (not_held["relatives"], not_held["separated_children"]) == (1, 0)

    father.status = Status.RELEASED
    father.save()

    assert totals()["separated_children"] == 0
    assert totals()["relatives"] == 1


# --- Kept current by every kind of change -------------------------------------------------------


def test_a_case_status_change_moves_its_family_petitions_and_outcomes_along():
    person = make_person(status=Status.CAMP, home_place=place("ili"))
    make_kinship(person, make_relative())
    make_petition(person)
    make_outcome(person, Outcome.Kind.SENTENCED, datetime.date(2019, 5, 1))

    make_outcome(person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2020, 5, 1))

    held, not_held = totals(status_group="held"), totals(status_group="not_held")
    assert (held["persons"], held["relatives"], held["petitions"], held["outcomes"]) == (0,) * 4
    assert (not_held["persons"], not_held["relatives"], not_held["petitions"]) == (1, 1, 1)
    assert not_held["outcomes"] == 2


def test_a_duplicate_is_counted_once_its_original_is_deleted():
    original = make_person()
    duplicate = make_person(duplicate_of=original)
    make_kinship(duplicate, make_relative())
    assert (totals()["persons"], totals()["relatives"]) == (1, 0)

    original.delete()

    assert (totals()["persons"], totals()["relatives"]) == (1, 1)
    assert DetainedPerson.objects.get().pk == duplicate.pk


def test_a_petition_loses_the_persons_removed_from_either_side():
    first, second = make_person(), make_person()
    petition = make_petition(first, second)

    first.petitions.remove(petition)
    assert totals()["petitions"] == 1
    second.petitions.clear()
    assert totals()["petitions"] == 0
    petition.persons.add(first)
    assert totals()["petitions"] == 1
    first.delete()
    assert totals()["petitions"] == 0


def test_a_kinship_moved_to_another_relative_leaves_the_first_uncounted():
    person = make_person()
    first, second = make_relative(), make_relative()
    kinship = make_kinship(person, first)

    kinship.relative = second
    kinship.save()

    assert totals()["relatives"] == 1
    assert tallies.relative_items([first.pk]) == {}


# --- What they hold, checked against counting the register by hand ------------------------------

FILTERS = [
    {},
    {"place": "ili"},
    {"year_from": 2017, "year_to": 2018},
    {"status_group": "held"},
    {"status_group": "not_held", "gender": "female"},
    {"ethnicity": "kazakh", "year_from": 2018},
]


def matches(person: DetainedPerson, filters: dict) -> bool:
    year = person.detained_on.year if person.detained_on else None
    checks = {
        "place": lambda code: person.home_place is not None and person.home_place.code == code,
        "year_from": lambda first: year is not None and year >= first,
        "year_to": lambda last: year is not None and year <= last,
        "status_group": lambda group: (person.status in HELD_STATUSES) == (group == "held"),
        "gender": lambda gender: person.gender == gender,
        "ethnicity": lambda ethnicity: person.ethnicity == ethnicity,
    }
    return all(checks[name](value) for name, value in filters.items())


def counted_by_hand(filters: dict) -> dict:
    persons = {
        person.pk: person
        for person in DetainedPerson.objects.select_related("home_place")
        if person.counted_in_statistics
        and person.duplicate_of_id is None
        and matches(person, filters)
    }
    kinships = Kinship.objects.select_related("relative").filter(person__in=list(persons))
    petitions = [
        petition
        for petition in Petition.objects.prefetch_related("persons")
        if any(person.pk in persons for person in petition.persons.all())
    ]
    return {
        "persons": len(persons),
        "held": sum(person.status in HELD_STATUSES for person in persons.values()),
        "relatives": len({kinship.relative_id for kinship in kinships}),
        "separated_children": len(
            {
                kinship.relative_id
                for kinship in kinships
                if kinship.relationship == CHILD
                and kinship.separated
                and kinship.relative.citizenship == KAZAKHSTAN
                and persons[kinship.person_id].status in HELD_STATUSES
            }
        ),
        "petitions": len(petitions),
        "petitions_answered": sum(
            petition.status != Petition.Status.DRAFT and bool(petition.response_received_on)
            for petition in petitions
        ),
        "outcomes": Outcome.objects.filter(person__in=list(persons)).count(),
    }


def random_register(rng: random.Random) -> None:
    """A small register built and then edited through the ORM, every kind of change."""
    places = [place(code) for code in ("ili", "altay", "kashgar")]
    persons = [
        make_person(
            status=rng.choice(Status.values),
            gender=rng.choice(["female", "male", "unknown"]),
            ethnicity=rng.choice(["kazakh", "uyghur", "kyrgyz"]),
            home_place=rng.choice([*places, None]),
            detained_on=rng.choice([None, *(datetime.date(y, 1, 1) for y in range(2016, 2021))]),
        )
        for _ in range(rng.randint(8, 16))
    ]
    relatives = [
        make_relative(citizenship=rng.choice([KAZAKHSTAN, Relative.Citizenship.PRC]))
        for _ in range(10)
    ]
    for relative in relatives:
        for person in rng.sample(persons, rng.choice([1, 1, 2, 3])):
            make_kinship(
                person,
                relative,
                relationship=rng.choice([CHILD, SIBLING]),
                separated=rng.random() < 0.6,
            )
    petitions = [
        make_petition(
            *rng.sample(persons, rng.choice([1, 1, 2])),
            authority=rng.choice(["president", "mfa"]),
            status=rng.choice([Petition.Status.DRAFT, Petition.Status.SUBMITTED]),
        )
        for _ in range(8)
    ]
    for person in rng.sample(persons, 5):
        kind = rng.choice([Outcome.Kind.SENTENCED, Outcome.Kind.RELEASED_FROM_CAMP])
        make_outcome(person, kind, datetime.date(rng.randint(2019, 2021), 3, 1))

    # The edits.
    for person in rng.sample(persons, 4):
        person.status = rng.choice(Status.values)
        person.home_place = rng.choice(places)
        person.save()
    persons[0].counted_in_statistics = False
    persons[0].save()
    persons[1].duplicate_of = persons[2]
    persons[1].save()
    persons[2].delete()
    relatives[0].citizenship = KAZAKHSTAN
    relatives[0].save()
    relatives[1].delete()
    for kinship in Kinship.objects.filter(relative=relatives[2])[:1]:
        kinship.delete()
    petitions[0].persons.add(persons[3])
    petitions[1].persons.clear()
    persons[4].petitions.add(petitions[2])
    answered = petitions[3]
    answered.status = Petition.Status.ANSWERED
    answered.submitted_on = datetime.date(2019, 1, 1)
    answered.response_received_on = datetime.date(2019, 2, 1)
    answered.save()
    petitions[4].delete()
    for outcome in Outcome.objects.all()[:1]:
        outcome.delete()


@pytest.mark.parametrize("seed", range(6))
def test_statistics_equal_the_register_counted_by_hand_after_every_kind_of_edit(seed):
    random_register(random.Random(seed))

    for filters in FILTERS:
        expected = counted_by_hand(filters)
        assert {name: totals(**filters)[name] for name in expected} == expected, filters


@pytest.mark.parametrize("seed", range(3))
def test_tallies_kept_current_equal_tallies_counted_afresh(seed):
    random_register(random.Random(seed))
    kept = stored_tallies()

    tallies.rebuild()

    assert stored_tallies() == kept
    assert all(count > 0 for count in kept.values())


def test_generated_cases_are_counted_as_they_are_loaded():
    generate_cases(30, seed=3)
    loaded = stored_tallies()

    tallies.rebuild()

    assert stored_tallies() == loaded
    assert totals()["persons"] == DetainedPerson.objects.counted().count() == 30


# --- Counting afresh ---------------------------------------------------------------------------


def test_rebuild_command_repairs_tallies_changed_behind_its_back(capsys):
    make_person(status=Status.CAMP)
    make_person(status=Status.PRISON)
    Tally.objects.all().delete()
    assert totals()["persons"] == 0

    call_command("rebuild_tallies")

    assert totals()["persons"] == 2
    assert totals()["held"] == 2
    assert "2" in capsys.readouterr().out


def test_tallies_hold_counts_never_a_name_or_date():
    person = make_person("Қайрат Дәуітхан", detained_on=datetime.date(2017, 11, 3))
    make_kinship(person, make_relative("Бала Қайратқызы", phone="+7 701 555 0101"))

    stored = " ".join(
        [*Tally.objects.values_list("key", flat=True)]
        + [profile_key for profiles, _key in stored_tallies() for profile_key in profiles]
    )

    for private in ("Қайрат", "Бала", "555", "2017-11", "11-03"):
        assert private not in stored

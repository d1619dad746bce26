"""The tallies behind the public statistics (cases/public/tallies.py): counted once, kept
current."""

import datetime
import importlib
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from cases import migrations
from cases.apps import count_existing_cases
from cases.demo.generator import generate_cases
from cases.models import (
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    Relative,
    Status,
    Tally,
    TallyEntry,
    TallyProfile,
    TallyReach,
)
from cases.public import tallies
from cases.public.statistics import Tallied
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    place,
)
from tests.public.publishing import counted_persons, tallied, tallied_cells_by_hand, view_tallies

pytestmark = pytest.mark.django_db

KAZAKHSTAN = Relative.Citizenship.KAZAKHSTAN
MIGRATIONS = Path(migrations.__file__).parent
CHILD = Kinship.Relationship.CHILD
SIBLING = Kinship.Relationship.SIBLING


def counted(**filters) -> dict[str, Tallied]:
    return view_tallies(filters)


def cell(name: str, **filters) -> Tallied:
    return counted(**filters).get(name, Tallied())


def stored_tallies() -> dict:
    """The tallies by what they mean (the profiles of the reach and the cell), not by ids."""
    stored: dict = {}
    for tally in Tally.objects.prefetch_related("reach__profiles"):
        profiles = frozenset(profile.key for profile in tally.reach.profiles.all())
        meaning = (profiles, tally.key)
        stored[meaning] = stored.get(meaning, Tallied()) + Tallied(tally.count, tally.key_sum)
    return stored


# --- Counted once -------------------------------------------------------------------------------


def test_relative_of_two_detained_brothers_is_one_relative_in_every_view():
    ili = make_person(home_place=place("ili"))
    altay = make_person(home_place=place("altay"))
    mother = make_relative()
    make_kinship(ili, mother, relationship=Kinship.Relationship.PARENT)
    make_kinship(altay, mother, relationship=Kinship.Relationship.PARENT)

    assert cell("relatives") == tallied([mother])
    assert cell("relatives", place="ili") == tallied([mother])
    assert cell("relatives", place="altay") == tallied([mother])
    assert cell("relatives", place="tacheng") == Tallied()


def test_petition_for_two_persons_is_one_petition_in_every_view():
    wife = make_person(detained_on=datetime.date(2017, 1, 1))
    brother = make_person(detained_on=datetime.date(2019, 1, 1))
    petition = make_petition(wife, brother)

    assert cell("petitions") == tallied([petition])
    assert cell("petitions", year="2017") == tallied([petition])
    assert cell("petitions", year="2019") == tallied([petition])
    assert cell("petitions", year="2020") == Tallied()


def test_separated_child_counts_only_where_the_held_parent_is_counted():
    father = make_person(status=Status.CAMP)
    uncle = make_person(status=Status.RELEASED)
    child = make_relative(citizenship=KAZAKHSTAN)
    make_kinship(father, child, relationship=CHILD, separated=True)
    make_kinship(uncle, child, relationship=Kinship.Relationship.OTHER)

    assert cell("separated_children", status_group="held") == tallied([child])
    not_held = counted(status_group="not_held")
    assert not_held["relatives"] == tallied([child])
    assert "separated_children" not in not_held

    father.status = Status.RELEASED
    father.save()

    assert cell("separated_children") == Tallied()
    assert cell("relatives") == tallied([child])


# --- Kept current by every kind of change -------------------------------------------------------


def test_a_case_status_change_moves_its_family_petitions_and_outcomes_along():
    person = make_person(status=Status.CAMP, home_place=place("ili"))
    relative = make_relative()
    make_kinship(person, relative)
    petition = make_petition(person)
    sentenced = make_outcome(person, Outcome.Kind.SENTENCED, datetime.date(2019, 5, 1))

    released = make_outcome(person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2020, 5, 1))

    assert counted(status_group="held") == {}
    not_held = counted(status_group="not_held")
    assert not_held["persons"] == not_held[f"status:{Status.RELEASED}"] == tallied([person])
    assert not_held["relatives"] == tallied([relative])
    assert not_held["petitions"] == tallied([petition])
    assert not_held["outcomes"] == tallied([sentenced, released])


def test_a_duplicate_is_counted_once_its_original_is_deleted():
    original = make_person()
    duplicate = make_person(duplicate_of=original)
    relative = make_relative()
    make_kinship(duplicate, relative)
    assert (cell("persons"), cell("relatives")) == (tallied([original]), Tallied())

    original.delete()

    assert (cell("persons"), cell("relatives")) == (tallied([duplicate]), tallied([relative]))
    assert DetainedPerson.objects.get().pk == duplicate.pk


def test_a_petition_loses_the_persons_removed_from_either_side():
    first, second = make_person(), make_person()
    petition = make_petition(first, second)

    first.petitions.remove(petition)
    assert cell("petitions") == tallied([petition])
    second.petitions.clear()
    assert cell("petitions") == Tallied()
    petition.persons.add(first)
    assert cell("petitions") == tallied([petition])
    first.delete()
    assert cell("petitions") == Tallied()


def test_a_kinship_moved_to_another_relative_leaves_the_first_uncounted():
    person = make_person()
    first, second = make_relative(), make_relative()
    kinship = make_kinship(person, first)

    kinship.relative = second
    kinship.save()

    assert cell("relatives") == tallied([second])
    assert tallies.relative_items([first.pk]) == {}


@pytest.mark.parametrize("kind", ["person", "relative", "petition", "outcome"])
def test_a_record_key_changed_moves_the_key_sums_not_the_counts(kind):
    # A restore writes each record back with its own key: the tallies must follow.
    person = make_person()
    records = {
        "person": person,
        "relative": make_kinship(person, make_relative()).relative,
        "petition": make_petition(person),
        "outcome": make_outcome(person, Outcome.Kind.SENTENCED, datetime.date(2019, 5, 1)),
    }
    name = {"person": "persons", "relative": "relatives"}.get(kind, f"{kind}s")
    record = records[kind]

    record.record_key = (record.record_key + 100) % 256
    record.save()

    assert cell(name) == tallied([record])
    assert counted() == by_hand()


# --- What they hold, checked against counting the register by hand ------------------------------

FILTERS = [
    {},
    {"place": "ili"},
    {"year": "2018"},
    {"status_group": "held"},
    {"status_group": "not_held", "gender": "female"},
    {"ethnicity": "kazakh", "year": "2018"},
]


def by_hand(**filters) -> dict[str, Tallied]:
    """Every non-empty cell of a view, counted from the register: records and key sums."""
    return {name: tallied(rows) for name, rows in tallied_cells_by_hand(filters).items()}


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
        person.reason_given = rng.choice(DetainedPerson.Reason.values)
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
    # A restore writes records back with their own keys: a key changes and nothing else.
    for record in (persons[5], relatives[3], petitions[5], Outcome.objects.last()):
        record.record_key = (record.record_key + 77) % 256
        record.save()
    for outcome in Outcome.objects.all()[:1]:
        outcome.delete()


@pytest.mark.parametrize("seed", range(6))
def test_tallies_equal_the_register_counted_by_hand_after_every_kind_of_edit(seed):
    random_register(random.Random(seed))

    for filters in FILTERS:
        assert counted(**filters) == by_hand(**filters), filters


@pytest.mark.parametrize("seed", range(3))
def test_tallies_kept_current_equal_tallies_counted_afresh(seed):
    random_register(random.Random(seed))
    kept = stored_tallies()

    tallies.rebuild()

    assert stored_tallies() == kept
    assert all(tally.count > 0 for tally in kept.values())


def test_generated_cases_are_counted_as_they_are_loaded():
    generate_cases(30, seed=3)
    loaded = stored_tallies()

    tallies.rebuild()

    assert stored_tallies() == loaded
    assert counted() == by_hand()
    assert cell("persons") == tallied(counted_persons())
    assert len(counted_persons()) == 30


# --- Counting afresh ---------------------------------------------------------------------------


def test_rebuild_command_repairs_tallies_changed_behind_its_back(capsys):
    camp = make_person(status=Status.CAMP)
    prison = make_person(status=Status.PRISON)
    Tally.objects.all().delete()
    assert counted() == {}

    call_command("rebuild_tallies")

    assert counted() == by_hand()
    assert cell("persons") == tallied([camp, prison])
    assert cell(f"status:{Status.PRISON}") == tallied([prison])
    assert "2" in capsys.readouterr().out


def test_a_dump_of_the_register_loads_into_an_empty_one_and_is_counted(tmp_path):
    random_register(random.Random(1))
    register = by_hand()
    dump = tmp_path / "cases.json"
    call_command("dumpdata", "cases", output=str(dump), verbosity=0)
    # An empty register, as a new database is: no case, no tally.
    for model in (Petition, DetainedPerson, Relative, Tally, TallyEntry, TallyReach, TallyProfile):
        model.objects.all().delete()

    # The tallies of the dump load as they were (they were counted with the records).
    call_command("loaddata", str(dump), verbosity=0)
    assert counted() == register

    call_command("rebuild_tallies", verbosity=0)
    assert counted() == by_hand() == register


def test_a_fixture_of_cases_alone_is_counted_once_the_tallies_are_rebuilt(tmp_path):
    random_register(random.Random(2))
    register = by_hand()
    fixture = tmp_path / "register.json"
    models = ["cases.detainedperson", "cases.relative", "cases.kinship", "cases.petition"]
    call_command("dumpdata", *models, "cases.outcome", output=str(fixture), verbosity=0)
    for model in (Petition, DetainedPerson, Relative):
        model.objects.all().delete()

    call_command("loaddata", str(fixture), verbosity=0)
    call_command("rebuild_tallies", verbosity=0)

    assert counted() == by_hand() == register


def test_rebuild_takes_the_record_keys_written_around_the_orm():
    first, second = make_person(), make_person()
    moved = (first.record_key + 1) % 256
    DetainedPerson.objects.filter(pk=first.pk).update(record_key=moved)
    first.refresh_from_db()
    assert cell("persons") != tallied([first, second])

    tallies.rebuild()

    assert cell("persons") == tallied([first, second])
    assert counted() == by_hand()


def test_tallies_hold_counts_never_a_name_or_date():
    person = make_person("Қайрат Дәуітхан", detained_on=datetime.date(2017, 11, 3))
    make_kinship(person, make_relative("Бала Қайратқызы", phone="+7 701 555 0101"))

    stored = " ".join(
        [*Tally.objects.values_list("key", flat=True)]
        + [profile_key for profiles, _key in stored_tallies() for profile_key in profiles]
    )

    for private in ("Қайрат", "Бала", "555", "2017-11", "11-03"):
        assert private not in stored


def test_migrating_to_the_reason_given_counts_every_case_by_it_afresh():
    # The tallies of a register counted before the reason given was published lack its cells:
    # the migration drops them and the post_migrate hook (cases/apps.py) counts them again.
    dual = [make_person(reason_given=DetainedPerson.Reason.DUAL_CITIZENSHIP) for _ in range(3)]
    others = [make_person() for _ in range(2)]
    Tally.objects.filter(key__startswith="reason:").delete()
    # By its name: its number changes as migrations are chained.
    [name] = [path.stem for path in MIGRATIONS.glob("*_un_fields.py")]
    migration = importlib.import_module(f"cases.migrations.{name}")

    migration.drop_tallies(apps, SimpleNamespace(connection=connection))
    assert tallies.is_empty() and not Tally.objects.exists()
    count_existing_cases(using="default")

    assert counted()["reason:dual_citizenship"] == tallied(dual)
    assert counted()["reason:unknown"] == tallied(others)
    assert counted() == by_hand()

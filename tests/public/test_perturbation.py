"""Cell-key perturbation of the public statistics (cases/public/perturbation.py), checked against
the ONS reference implementation, and consistent wherever a count appears."""

import random

import pandas as pd
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table
from django.test import Client

from cases.models import (
    RECORD_KEY_RANGE,
    DetainedPerson,
    Kinship,
    Petition,
    new_record_key,
)
from cases.public import perturbation, statistics, vocabulary
from cases.public.filters import applied_filters, statistics_filter, wider_views
from tests.factories import make_person, serve_public_pages
from tests.public.disclosure import build_register, random_profile

pytestmark = pytest.mark.django_db

MIN_CELL = 5


@pytest.fixture(autouse=True)
def _five_is_the_threshold(settings):
    settings.PUBLIC_MIN_CELL = MIN_CELL
    serve_public_pages(settings)


def published(query: dict) -> dict:
    filterset = statistics_filter({name: str(value) for name, value in query.items()})
    assert filterset.is_valid(), filterset.errors
    numbers = statistics.compute(filterset.qs, parents=wider_views(filterset))
    return statistics.as_data(statistics.localize(numbers), applied_filters(filterset))


def cells(data: dict, breakdown: str) -> dict[str, int | None]:
    return {cell["key"]: cell["count"] for cell in data["breakdowns"][breakdown]}


# --- The perturbation table ----------------------------------------------------------------------


def test_no_published_value_lies_between_one_and_the_threshold():
    table = perturbation.read_ptable()
    for count in range(0, 800):
        for key in range(RECORD_KEY_RANGE):
            value = table.published(count, key)
            assert value == 0 or value >= MIN_CELL, (count, key, value)


def test_small_counts_are_published_as_zero_or_the_threshold_and_zero_stays_zero():
    table = perturbation.read_ptable()
    assert {table.published(0, key) for key in range(RECORD_KEY_RANGE)} == {0}
    for count in range(1, MIN_CELL):
        assert {table.published(count, key) for key in range(RECORD_KEY_RANGE)} >= {0, MIN_CELL}


def test_noise_has_mean_zero_and_the_stated_variance_and_spread():
    table = perturbation.read_ptable()
    for count in (1, 3, 5, 8, 40, 749, 750, 751, 10_000):
        values = [table.published(count, key) for key in range(RECORD_KEY_RANGE)]
        mean = sum(values) / RECORD_KEY_RANGE
        # Exact in the table's probabilities; shares of 256 keys move the mean by at most 1/64.
        assert abs(mean - count) <= 1 / 64, count
        if count >= MIN_CELL + table.spread:
            assert max(abs(value - count) for value in values) == table.spread
            variance = sum((value - count) ** 2 for value in values) / RECORD_KEY_RANGE
            assert variance == pytest.approx(2.0, abs=0.02)


def test_one_person_more_changes_what_is_published_by_a_bounded_likelihood():
    # The published value of n and of n + 1 records differ in distribution by at most 20 % (total
    # variation): the most one request can tell about one person.
    table = perturbation.read_ptable()
    for count in range(0, 30):
        now = [table.published(count, key) for key in range(RECORD_KEY_RANGE)]
        more = [table.published(count + 1, key) for key in range(RECORD_KEY_RANGE)]
        distance = sum(
            abs(now.count(value) - more.count(value)) for value in set(now) | set(more)
        ) / (2 * RECORD_KEY_RANGE)
        assert distance <= 0.21, count


def test_the_committed_table_is_the_one_the_command_makes(tmp_path):
    made = tmp_path / "ptable.csv"
    committed = perturbation.read_ptable()
    perturbation.write_ptable(committed.min_cell, committed.spread, made)
    assert made.read_bytes() == perturbation.PTABLE_PATH.read_bytes()


def test_record_keys_are_drawn_evenly_and_not_from_the_record():
    keys = [new_record_key() for _ in range(25_600)]
    assert set(keys) == set(range(RECORD_KEY_RANGE))
    assert max(keys.count(key) for key in set(keys)) < 200  # 100 expected each
    first, second = make_person(), make_person()
    assert {first.record_key, second.record_key} <= set(range(RECORD_KEY_RANGE))


# --- The ONS reference -------------------------------------------------------------------------

VIEWS = [
    {},
    {"place": "ili"},
    {"ethnicity": "kazakh", "gender": "female"},
    {"year": 2018},
    {"status_group": "held"},
]
PERSON_BREAKDOWNS = ["status", "gender", "ethnicity", "citizenship", "reason", "year", "place"]


def _microdata(query: dict) -> dict[str, pd.DataFrame]:
    """The records of a view as the ONS package takes them: one row per record, its published
    attributes and its record key."""
    filterset = statistics_filter({name: str(value) for name, value in query.items()})
    assert filterset.is_valid()
    profiles = filterset.qs.values("detained_year", "place", "ethnicity", "gender", "status")
    matching = DetainedPerson.objects.counted().filter(pk__in=_persons_of(profiles))
    persons = pd.DataFrame.from_records(
        [
            {
                "status": person.status,
                "gender": person.gender,
                "ethnicity": person.ethnicity,
                "citizenship": person.citizenship,
                "reason": person.reason_given,
                "year": _year_key(person),
                "place": person.home_place.code if person.home_place else "none",
                "record_key": person.record_key,
            }
            for person in matching.select_related("home_place")
        ]
    )
    relatives = {
        kinship.relative_id: kinship.relative.record_key
        for kinship in Kinship.objects.filter(person__in=matching).select_related("relative")
    }
    petitions = Petition.objects.filter(persons__in=matching).distinct()
    return {
        "persons": persons,
        "relatives": pd.DataFrame(
            {"all": ["relatives"] * len(relatives), "record_key": list(relatives.values())}
        ),
        "petitions": pd.DataFrame.from_records(
            [
                {"status": petition.status, "authority": petition.authority.code,
                 "record_key": petition.record_key}
                for petition in petitions.select_related("authority")
            ]
        ),
    }  # fmt: skip


def _persons_of(profiles) -> list[int]:
    wanted = {tuple(row.values()) for row in profiles}
    return [
        person.pk
        for person in DetainedPerson.objects.counted()
        if (
            person.detained_on.year if person.detained_on else None,
            person.home_place_id,
            person.ethnicity,
            person.gender,
            person.status,
        )
        in wanted
    ]


def _year_key(person: DetainedPerson) -> str:
    if person.detained_on is None:
        return "unknown"
    year = person.detained_on.year
    return vocabulary.EARLIER if year < statistics.public_years().start else str(year)


def _reference(data: pd.DataFrame, column: str) -> dict[str, int | None]:
    ptable = pd.read_csv(perturbation.PTABLE_PATH)
    table = create_perturbed_table(
        data=data,
        ptable=ptable,
        geog=[],
        tab_vars=[column],
        record_key="record_key",
        threshold=MIN_CELL,
    )
    return {
        str(row[column]): None if pd.isna(row["count"]) else int(row["count"])
        for _index, row in table.iterrows()
    }


def _ours(found: dict[str, int | None], reference: dict[str, int | None]) -> dict:
    # The package lists the values present in the records; the site lists every value, the
    # absent ones as 'fewer than 5'.
    assert all(found[key] is None for key in found.keys() - reference.keys())
    return {key: found[key] for key in reference}


@pytest.mark.parametrize("query", VIEWS, ids=lambda query: "&".join(map(str, query.values())))
def test_published_values_are_those_of_the_ons_package(query, capsys):
    build_register(
        random.Random(2021), [random_profile(random.Random(seed)) for seed in range(150)]
    )
    data = published(query)
    assert not data["too_few"]
    records = _microdata(query)
    for breakdown in PERSON_BREAKDOWNS:
        reference = _reference(records["persons"], breakdown)
        assert _ours(cells(data, breakdown), reference) == reference, breakdown
    assert _reference(records["relatives"], "all") == {"relatives": data["totals"]["relatives"]}
    reference = _reference(records["petitions"], "status")
    assert _ours(cells(data, "petition_status"), reference) == reference
    reference = _reference(records["petitions"], "authority")
    assert _ours(cells(data, "petition_authority"), reference) == reference


# --- The same records, the same value, everywhere ------------------------------------------------


def test_the_same_records_give_the_same_value_in_every_view():
    build_register(random.Random(7), [random_profile(random.Random(seed)) for seed in range(150)])
    everything, held = published({}), published({"status_group": "held"})
    ili, female = published({"place": "ili"}), published({"gender": "female"})
    assert cells(everything, "held")["held"] == held["totals"]["persons"]
    assert cells(ili, "gender")["female"] == cells(female, "place")["ili"]
    assert cells(everything, "place")["ili"] == ili["totals"]["persons"]
    assert everything["totals"]["held"] == held["totals"]["persons"]


def test_the_page_the_json_and_the_csv_publish_the_same_values(settings):
    build_register(random.Random(8), [random_profile(random.Random(seed)) for seed in range(150)])
    client = Client()
    data = client.get("/statistics.json", {"place": "ili"}).json()
    assert not data["too_few"]
    rows = client.get("/statistics.csv", {"place": "ili"}).content.decode().splitlines()
    page = client.get("/", {"place": "ili"}).content.decode()
    assert data == published({"place": "ili"}) | {"generated_at": data["generated_at"]}
    persons = data["totals"]["persons"]
    assert f'"totals","persons","Persons documented","{persons}","false"' in rows
    assert f"<dd>{persons}</dd>" in page
    for language in ("kk", "ru"):
        other = client.get("/statistics.json", {"place": "ili"}, HTTP_ACCEPT_LANGUAGE=language)
        assert other.json()["totals"] == data["totals"]
        assert [c["count"] for c in other.json()["breakdowns"]["status"]] == [
            c["count"] for c in data["breakdowns"]["status"]
        ]


def test_a_view_too_small_says_the_same_for_none_and_for_four(settings):
    client = Client()
    answers = []
    for count in (0, 4):
        for person in DetainedPerson.objects.all():
            person.delete()
        for _ in range(count):
            make_person(home_place=None, ethnicity="tajik")
        answers.append(
            (
                client.get("/statistics.json", {"ethnicity": "tajik"}).json(),
                client.get("/statistics.csv", {"ethnicity": "tajik"}).content.decode(),
                client.get("/", {"ethnicity": "tajik"}).content.decode(),
            )
        )
    (json_none, csv_none, page_none), (json_four, csv_four, page_four) = answers
    for data in (json_none, json_four):
        assert data["too_few"] and set(data["totals"].values()) == {None}
        assert data["breakdowns"] == {name: [] for name in statistics.BREAKDOWNS}
    assert json_none["notice"] == json_four["notice"]
    assert "possibly none" in json_none["notice"]
    assert csv_none == csv_four
    assert json_none["notice"] in page_none and json_four["notice"] in page_four


def test_a_threshold_other_than_the_tables_is_reported_by_check_deploy(settings):
    assert perturbation.check_ptable_threshold(None) == []
    settings.PUBLIC_MIN_CELL = 3
    (warning,) = perturbation.check_ptable_threshold(None)
    assert "make_ptable --min-cell 3" in warning.hint
    # Meanwhile the numbers are published through a table made for that threshold.
    table = perturbation.ptable()
    assert table.min_cell == 3
    assert {table.published(1, key) for key in range(RECORD_KEY_RANGE)} == {0, 3}

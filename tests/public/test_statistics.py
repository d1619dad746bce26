"""Counting and publishing of the public statistics (cases/public/statistics.py): the exact
tallies behind each cell, and the perturbed value each cell is published as."""

import datetime
import random

import pytest
from django.utils import timezone, translation

from cases.models import (
    Authority,
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    Place,
    Relative,
    Status,
)
from cases.public import statistics
from cases.public.filters import statistics_filter
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_persons,
    make_petition,
    make_relative,
    place,
)
from tests.public.publishing import (
    expected,
    give_key_sum,
    key_sums_publishing,
    keys_publishing,
    published_cells_by_hand,
    published_numbers,
    tallied,
    too_few,
    view_tallies,
)

pytestmark = pytest.mark.django_db

# The whole dashboard, whatever the data size: the tallies summed (1), places (1), authorities
# (1), official figures (1).
DASHBOARD_QUERIES = 4
FIRST_YEAR = 2014


@pytest.fixture(autouse=True)
def _five_is_the_threshold(settings):
    settings.PUBLIC_MIN_CELL = 5
    settings.PUBLIC_FIRST_YEAR = FIRST_YEAR


def published(filters: dict | None = None) -> dict:
    """What a reader of /statistics.json gets under these filters."""
    filterset = statistics_filter(filters or {})
    assert filterset.is_valid(), filterset.errors
    return statistics.as_data(statistics.localize(statistics.compute(filterset.qs)), {})


def cells(data: dict, breakdown: str) -> dict[str, int | None]:
    return {cell["key"]: cell["count"] for cell in data["breakdowns"][breakdown]}


def without_time(data: dict) -> dict:
    return {name: value for name, value in data.items() if name != "generated_at"}


# --- Every count published as the perturbation table gives for its records ---------------------


def random_register(rng: random.Random) -> None:
    places = [place(code) for code in ("ili", "altay", "tacheng", "urumqi")]
    persons = [
        make_person(
            status=rng.choice(Status.values),
            gender=rng.choice(["female", "male", "male", "unknown"]),
            ethnicity=rng.choice(["kazakh", "kazakh", "kazakh", "uyghur", "kyrgyz"]),
            home_place=rng.choice([*places, None]),
            detained_on=rng.choice([None, *(datetime.date(y, 1, 1) for y in range(2011, 2021))]),
            reason_given=rng.choice(["dual_citizenship", "travel_abroad", "unknown"]),
        )
        for _ in range(rng.randint(12, 40))
    ]
    for person in persons:
        if rng.random() < 0.5:
            make_petition(
                person,
                authority=rng.choice(["president", "mfa", "un_wgad"]),
                status=rng.choice([Petition.Status.DRAFT, Petition.Status.SUBMITTED]),
            )
        if rng.random() < 0.3:
            kind = rng.choice([Outcome.Kind.RELEASED_FROM_CAMP, Outcome.Kind.SENTENCED])
            make_outcome(person, kind, datetime.date(rng.randint(2012, 2021), 6, 1))
        for _ in range(rng.choice([0, 1, 2])):
            relative = make_relative(
                citizenship=rng.choice([Relative.Citizenship.KAZAKHSTAN, Relative.Citizenship.PRC])
            )
            make_kinship(person, relative, separated=rng.random() < 0.5)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("filters", [{}, {"status_group": "held"}, {"gender": "male"}])
def test_every_count_is_the_published_value_of_exactly_its_records(seed, filters):
    random_register(random.Random(seed))
    by_hand = published_cells_by_hand(filters)

    data = published(filters)

    if too_few(by_hand["totals:persons"]):
        assert data["too_few"]
        assert set(data["totals"].values()) == {None}
        assert all(shown == [] for shown in data["breakdowns"].values())
        return
    assert not data["too_few"]
    assert published_numbers(data) == {name: expected(rows) for name, rows in by_hand.items()}
    shown = [value for value in published_numbers(data).values() if value is not None]
    assert shown and min(shown) >= 5


def test_zero_and_a_small_count_both_read_fewer_than_the_threshold():
    make_persons(20, ethnicity="kazakh")
    uyghurs = make_persons(2, ethnicity="uyghur")
    give_key_sum(uyghurs, keys_publishing(2, 0)[0])

    data = published()

    by_key = {cell["key"]: cell for cell in data["breakdowns"]["ethnicity"]}
    two, none = by_key["uyghur"], by_key["tatar"]
    assert (two["count"], two["suppressed"]) == (none["count"], none["suppressed"]) == (None, True)


def test_a_small_count_may_be_published_as_the_threshold():
    # So a published 5 does not prove that anyone is there, nor "fewer than 5" that no one is.
    make_persons(20, ethnicity="kazakh")
    uyghurs = make_persons(2, ethnicity="uyghur")
    give_key_sum(uyghurs, keys_publishing(2, 5)[0])

    ethnicity = cells(published(), "ethnicity")

    assert ethnicity["uyghur"] == 5
    assert ethnicity["tatar"] is None


def test_held_total_is_perturbed_as_one_cell_not_added_from_its_parts():
    camp = make_persons(7, status=Status.CAMP)
    barred = make_persons(5, status=Status.BARRED_FROM_LEAVING)
    make_persons(10, status=Status.RELEASED)
    camp_keys, barred_keys = key_sums_publishing([(7, 8), (5, 6)], union=12)
    give_key_sum(camp, camp_keys)
    give_key_sum(barred, barred_keys)

    data = published()

    status = cells(data, "status")
    assert (status[Status.CAMP], status[Status.BARRED_FROM_LEAVING]) == (8, 6)
    # 8 + 6 would be 14: the 12 held persons are one cell with its own key.
    assert data["totals"]["held"] == cells(data, "held")["held"] == 12


def test_headline_counts_each_situation():
    groups = {
        "held": make_persons(7, status=Status.CAMP) + make_persons(5, status=Status.PRISON),
        "released": make_persons(6, status=Status.RELEASED),
        "left_china": make_persons(5, status=Status.LEFT_CHINA),
        "deceased": make_persons(5, status=Status.DECEASED),
        "whereabouts_unknown": make_persons(8, status=Status.UNKNOWN),
    }

    totals = published()["totals"]

    assert totals["persons"] == expected(DetainedPerson.objects.all())
    assert {name: totals[name] for name in groups} == {
        name: expected(persons) for name, persons in groups.items()
    }


# --- Views too small to show -------------------------------------------------------------------


def test_view_too_small_says_the_same_for_none_and_for_four():
    make_persons(20, home_place=place("altay"))
    make_persons(4, home_place=place("hotan"))

    four = published({"place": "hotan"})
    none = published({"place": "kashgar"})

    assert without_time(four) == without_time(none)
    assert four["too_few"] is True
    assert four["notice"].startswith("Fewer than 10 cases match these filters, possibly none.")
    assert set(four["totals"].values()) == {None}
    assert all(shown == [] for shown in four["breakdowns"].values())


@pytest.mark.parametrize(("published_as", "shown"), [(8, False), (10, True)])
def test_view_is_shown_from_a_published_total_of_ten(published_as, shown):
    make_persons(20, home_place=place("altay"))
    nine = make_persons(9, home_place=place("hotan"))
    give_key_sum(nine, keys_publishing(9, published_as)[0])

    data = published({"place": "hotan"})

    assert data["too_few"] is not shown
    assert data["totals"]["persons"] == (published_as if shown else None)
    assert bool(data["breakdowns"]["status"]) is shown


def test_threshold_comes_from_the_setting(settings):
    settings.PUBLIC_MIN_CELL = 3
    make_persons(10, status=Status.CAMP)
    released = make_persons(4, status=Status.RELEASED)
    give_key_sum(released, keys_publishing(4, 4, min_cell=3)[0])

    data = published()

    assert data["min_cell"] == data["method"]["threshold"] == 3
    assert cells(data, "status")[Status.RELEASED] == 4  # never shown under a threshold of 5
    shown = [value for value in published_numbers(data).values() if value is not None]
    assert min(shown) >= 3


# --- Figures derived from published counts -----------------------------------------------------


def answered_petitions(persons, days: list[int]) -> list[Petition]:
    submitted = datetime.date(2019, 3, 1)
    return [
        make_petition(
            person,
            status=Petition.Status.ANSWERED,
            submitted_on=submitted,
            response_received_on=submitted + datetime.timedelta(days=waited),
            response_kind=Petition.ResponseKind.FORMAL,
        )
        for person, waited in zip(persons, days, strict=True)
    ]


def test_share_answered_and_median_days_come_from_the_published_counts():
    persons = make_persons(13)
    # The median wait is 73 days, published to the nearest 10.
    days = [10, 20, 30, 40, 50, 60, 73, 80, 90, 100, 110, 120, 130]
    answered = answered_petitions(persons, days)
    waiting = [make_petition(person) for person in persons[:4]]
    make_petition(persons[5], status=Petition.Status.DRAFT)
    answered_keys, waiting_keys = key_sums_publishing([(13, 15), (4, 5)], union=17)
    give_key_sum(answered, answered_keys)
    give_key_sum(waiting, waiting_keys)

    totals = published()["totals"]

    assert totals["petitions_answered"] == 15
    # 15 of 17 sent as published (exactly: 13 of 17, 76 %).
    assert totals["petitions_answered_percent"] == 88
    assert totals["median_days_to_answer"] == 70


@pytest.mark.parametrize(("sent_published_as", "shown"), [(8, False), (10, True)])
def test_share_answered_is_withheld_below_ten_sent_petitions(sent_published_as, shown):
    persons = make_persons(20)
    answered = answered_petitions(persons[:5], [10, 20, 30, 40, 50])
    waiting = [make_petition(person) for person in persons[5:9]]
    answered_keys, waiting_keys = key_sums_publishing([(5, 5), (4, 0)], union=sent_published_as)
    give_key_sum(answered, answered_keys)
    give_key_sum(waiting, waiting_keys)

    totals = published()["totals"]

    assert totals["petitions_answered"] == 5
    assert totals["petitions_answered_percent"] == (50 if shown else None)
    # Five answers, published as 5: too few for a median.
    assert totals["median_days_to_answer"] is None


# --- The same cells whatever the data ----------------------------------------------------------


@pytest.mark.parametrize("years", [[2018], [2010, 2019]])
def test_year_cells_are_the_same_whatever_the_data(years):
    for year in years:
        for person in make_persons(12, detained_on=datetime.date(year, 1, 1)):
            make_outcome(person, Outcome.Kind.SENTENCED, datetime.date(year, 6, 1))

    data = published()

    listed = [str(year) for year in range(FIRST_YEAR, timezone.localdate().year + 1)]
    assert list(cells(data, "year")) == ["earlier", *listed, "unknown"]
    assert list(cells(data, "outcome_year")) == ["earlier", *listed]
    labels = {cell["key"]: cell["label"] for cell in data["breakdowns"]["year"]}
    assert labels["earlier"] == "before 2014"


def test_every_place_is_listed_whatever_the_data():
    make_persons(12, home_place=place("ili"))

    data = published()

    assert list(cells(data, "place")) == [*Place.objects.values_list("code", flat=True), "none"]
    labels = {cell["key"]: cell["label"] for cell in data["breakdowns"]["place"]}
    assert labels["none"] == "not recorded"


def test_places_are_named_in_the_active_language():
    make_persons(12, home_place=place("ili"))

    with translation.override("kk"):
        kazakh = published()
    with translation.override("ru"):
        russian = published()

    assert {c["key"]: c["label"] for c in kazakh["breakdowns"]["place"]}["ili"] == "Іле"
    assert {c["key"]: c["label"] for c in russian["breakdowns"]["place"]}["ili"] == "Или"


# --- Counting: the exact tallies behind the published numbers ----------------------------------


def test_duplicates_and_excluded_cases_are_not_counted():
    original = make_person()
    others = make_persons(5)
    make_person(duplicate_of=original)
    make_person(counted_in_statistics=False)

    assert view_tallies()["persons"] == tallied([original, *others])


def test_relative_of_two_persons_is_counted_once():
    persons = make_persons(5)
    relatives = [make_relative() for _ in range(5)]
    for relative in relatives:
        make_kinship(persons[0], relative)
    make_kinship(persons[1], relatives[0])

    assert view_tallies()["relatives"] == tallied(relatives)


def test_separated_children_are_citizens_of_kazakhstan_whose_parent_is_held():
    held = make_person(status=Status.CAMP)
    released = make_person(status=Status.RELEASED)
    citizen = Relative.Citizenship.KAZAKHSTAN
    separated = [make_relative(citizenship=citizen) for _ in range(6)]
    for child in separated:
        make_kinship(held, child, separated=True)
    others = [
        make_kinship(held, make_relative(citizenship=citizen), separated=False).relative,
        make_kinship(
            held, make_relative(citizenship=Relative.Citizenship.PRC), separated=True
        ).relative,
        make_kinship(
            held,
            make_relative(citizenship=citizen),
            relationship=Kinship.Relationship.SIBLING,
            separated=True,
        ).relative,
        make_kinship(released, make_relative(citizenship=citizen), separated=True).relative,
    ]

    sums = view_tallies()

    assert sums["separated_children"] == tallied(separated)
    assert sums["relatives"] == tallied(separated + others)


def test_petition_for_several_persons_is_counted_once_and_by_authority():
    persons = make_persons(6)
    for_two = [make_petition(*persons[:2], authority="mfa") for _ in range(5)]
    for_one = [make_petition(person, authority="president") for person in persons[:5]]
    make_petition(make_person(counted_in_statistics=False), authority="president")

    sums = view_tallies()

    assert sums["petitions"] == tallied(for_two + for_one)
    mfa, president = (Authority.objects.get(code=code).pk for code in ("mfa", "president"))
    assert sums[f"petition_authority:{mfa}"] == tallied(for_two)
    assert sums[f"petition_authority:{president}"] == tallied(for_one)


def test_median_and_authorities_count_each_petition_of_the_persons_shown_once():
    ili = make_persons(5, home_place=place("ili"))
    altay = make_persons(5, home_place=place("altay"))
    submitted = datetime.date(2019, 3, 1)
    for_ili = [
        make_petition(
            ili[days % 5],
            ili[(days + 1) % 5],
            authority="mfa",
            status=Petition.Status.ANSWERED,
            submitted_on=submitted,
            response_received_on=submitted + datetime.timedelta(days=days),
        )
        for days in (3, 5, 7, 9, 100)
    ]
    for person in altay:
        make_petition(
            person,
            authority="president",
            status=Petition.Status.ANSWERED,
            submitted_on=submitted,
            response_received_on=submitted + datetime.timedelta(days=1000),
        )

    sums = view_tallies({"place": "ili"})

    assert sums["petitions"] == sums["petitions_timed"] == tallied(for_ili)
    assert statistics.median_days(sums) == 7
    mfa, president = (Authority.objects.get(code=code).pk for code in ("mfa", "president"))
    assert sums[f"petition_authority:{mfa}"] == tallied(for_ili)
    assert f"petition_authority:{president}" not in sums


def test_outcomes_by_kind_and_by_year():
    persons = make_persons(12)
    released = [
        make_outcome(person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2019, 5, 2))
        for person in persons[:6]
    ]
    sentenced = [
        make_outcome(person, Outcome.Kind.SENTENCED, datetime.date(2020, 1, 9))
        for person in persons[6:]
    ]

    sums = view_tallies()

    assert sums["outcomes"] == tallied(released + sentenced)
    assert sums["outcome_kind:released_from_camp"] == tallied(released)
    assert sums["outcome_year:2019"] == tallied(released)
    assert sums["outcome_kind:sentenced"] == sums["outcome_year:2020"] == tallied(sentenced)
    assert "outcome_kind:died" not in sums


def test_persons_are_counted_by_the_reason_given_not_by_the_forces_responsible():
    citizenship = make_persons(6, reason_given=DetainedPerson.Reason.DUAL_CITIZENSHIP)
    unknown = make_persons(5, detained_by=DetainedPerson.DetainedBy.POLICE)

    sums = view_tallies()

    assert sums["reason:dual_citizenship"] == tallied(citizenship)
    assert sums["reason:unknown"] == tallied(unknown)
    assert not [key for key in sums if "police" in key]


def test_reasons_given_are_named_in_the_active_language():
    make_persons(12, reason_given=DetainedPerson.Reason.DUAL_CITIZENSHIP)

    with translation.override("ru"):
        russian = published()
    with translation.override("kk"):
        kazakh = published()

    for data, label in ((russian, "подозрение в двойном гражданстве"),
                        (kazakh, "қос азаматтығы бар деген күдік")):  # fmt: skip
        labels = {c["key"]: c["label"] for c in data["breakdowns"]["reason"]}
        assert labels["dual_citizenship"] == label


def test_cases_without_a_year_or_place_are_counted_as_not_known():
    known = make_persons(5, detained_on=datetime.date(2018, 1, 1), home_place=place("ili"))
    unknown = make_persons(6)

    sums = view_tallies()

    assert sums["year:2018"] == sums[f"place:{place('ili').pk}"] == tallied(known)
    assert sums["year:unknown"] == sums["place:none"] == tallied(unknown)


def test_dashboard_is_computed_in_a_fixed_number_of_queries(django_assert_num_queries):
    def grow(count: int) -> None:
        for person in make_persons(count, detained_on=datetime.date(2018, 1, 1)):
            make_kinship(person, make_relative(), separated=True)
            make_petition(
                person,
                status=Petition.Status.ANSWERED,
                response_received_on=datetime.date(2019, 5, 1),
            )
            make_outcome(person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2020, 2, 2))

    grow(6)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        statistics.compute()

    grow(40)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        shown = statistics.compute()
    assert shown.totals["persons"] == expected(DetainedPerson.objects.all())
    # Released from a camp by their outcome: not held now.
    filtered = statistics_filter({"year": "2018", "status_group": "not_held"})
    assert filtered.is_valid()
    with django_assert_num_queries(DASHBOARD_QUERIES):
        shown = statistics.compute(filtered.qs)
    assert shown.totals["persons"] == expected(DetainedPerson.objects.all())

"""Counting and small-cell suppression of the public statistics (cases/stats.py)."""

import datetime
import random

import pytest
from django.utils import translation

from cases import stats
from cases.filters import statistics_filter
from cases.models import (
    HELD_STATUSES,
    Kinship,
    Outcome,
    Petition,
    Relative,
    Status,
)
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_persons,
    make_petition,
    make_relative,
    place,
)

pytestmark = pytest.mark.django_db

# The whole dashboard, whatever the data size: the tallies summed (1), places (1), authorities
# (1), official figures (1).
DASHBOARD_QUERIES = 4

PERSON_BREAKDOWNS = ["status", "held", "year", "place", "ethnicity", "gender", "citizenship"]
PETITION_BREAKDOWNS = ["petition_authority", "petition_status", "petition_response"]
OUTCOME_BREAKDOWNS = ["outcome_kind", "outcome_year"]


@pytest.fixture(autouse=True)
def _five_is_the_threshold(settings):
    settings.PUBLIC_MIN_CELL = 5


def published(filters: dict | None = None) -> dict:
    """What a reader of /statistics.json gets under these filters."""
    filterset = statistics_filter(filters or {})
    assert filterset.is_valid(), filterset.errors
    return stats.as_data(stats.localize(stats.compute(filterset.qs)), {})


def cells(data: dict, breakdown: str) -> dict[str, int | None]:
    return {cell["key"]: cell["count"] for cell in data["breakdowns"][breakdown]}


# --- An attacker who knows how the published numbers add up ------------------------------------


def published_sums(data: dict) -> tuple[dict[str, int | None], list[tuple[str, list[str]]]]:
    """Every published number by name, and every sum a reader knows them to make."""
    values: dict[str, int | None] = {f"totals:{n}": v for n, v in data["totals"].items()}
    sums = []
    for breakdown, breakdown_cells in data["breakdowns"].items():
        names = [f"{breakdown}:{cell['key']}" for cell in breakdown_cells]
        values.update({f"{breakdown}:{c['key']}": c["count"] for c in breakdown_cells})
        total = (
            "totals:persons"
            if breakdown in PERSON_BREAKDOWNS
            else "totals:petitions"
            if breakdown in PETITION_BREAKDOWNS
            else "totals:outcomes"
        )
        if names:
            sums.append((total, names))
    held = [f"status:{s}" for s in Status.values if s in HELD_STATUSES]
    not_held = [f"status:{s}" for s in Status.values if s not in HELD_STATUSES]
    sums += [
        ("held:held", held),
        ("held:not_held", not_held),
        ("totals:held", ["held:held"]),
        ("totals:released", [f"status:{Status.RELEASED}"]),
        ("totals:left_china", [f"status:{Status.LEFT_CHINA}"]),
        ("totals:deceased", [f"status:{Status.DECEASED}"]),
        ("totals:whereabouts_unknown", [f"status:{Status.UNKNOWN}"]),
        (
            "totals:persons",
            ["totals:held", "totals:released", "totals:left_china", "totals:deceased"]
            + ["totals:whereabouts_unknown"],
        ),
    ]
    return values, [(t, p) for t, p in sums if t in values and all(n in values for n in p)]


def recover_by_subtraction(data: dict) -> dict[str, int]:
    """Every hidden count a reader can work out exactly from the shown ones."""
    values, sums = published_sums(data)
    hidden = {name for name, value in values.items() if value is None}
    known = {name: value for name, value in values.items() if value is not None}
    recovered: dict[str, int] = {}
    progress = True
    while progress:
        progress = False
        for total, parts in sums:
            terms = [total, *parts]
            unknown = [name for name in terms if name not in known]
            if len(unknown) == 1:
                name = unknown[0]
                rest = sum(known[p] for p in parts if p in known)
                known[name] = rest if name == total else known[total] - rest
                progress = True
            elif (
                total in known
                and unknown
                # Each hidden count is at least 1: hidden counts summing to their number are 1s.
                and known[total] - sum(known[p] for p in parts if p in known) == len(unknown)
            ):
                known.update({name: 1 for name in unknown})
                progress = True
    recovered = {name: known[name] for name in hidden if name in known}
    return recovered


# --- Suppression, on small populations ---------------------------------------------------------


def test_small_count_is_hidden_and_cannot_be_worked_out_from_the_total():
    make_persons(10, status=Status.CAMP)
    make_persons(2, status=Status.RELEASED)

    data = published()

    assert data["totals"]["persons"] == 12
    assert cells(data, "status")[Status.RELEASED] is None
    # The one other non-zero cell is hidden too, or 12 - 10 would give the 2 away.
    assert cells(data, "status")[Status.CAMP] is None
    assert data["totals"]["released"] is None
    assert recover_by_subtraction(data) == {}


def test_second_hidden_cell_is_the_smallest_other_non_zero_cell():
    make_persons(30, ethnicity="kazakh")
    make_persons(8, ethnicity="uyghur")
    make_persons(6, ethnicity="kyrgyz")
    make_persons(3, ethnicity="hui")

    ethnicity = cells(published(), "ethnicity")

    assert [ethnicity[key] for key in ("kazakh", "uyghur", "kyrgyz", "hui")] == [30, 8, None, None]
    assert ethnicity["tatar"] == 0


def test_two_hidden_ones_are_not_given_away_by_their_sum():
    make_persons(10, detained_on=datetime.date(2018, 1, 1))
    make_person(detained_on=datetime.date(2017, 1, 1))
    make_person(detained_on=datetime.date(2019, 1, 1))

    data = published()

    assert cells(data, "year") == {"2017": None, "2018": None, "2019": None}
    assert recover_by_subtraction(data) == {}


def test_hidden_ones_are_not_given_away_when_their_sum_equals_their_number():
    # Six cases in six situations: six hidden cells summing to 6 would all be 1.
    for status in [Status.CAMP, Status.PRISON, Status.PRETRIAL, Status.RELEASED]:
        make_person(status=status)
    make_person(status=Status.LEFT_CHINA)
    make_person(status=Status.DECEASED)

    data = published()

    assert set(cells(data, "status").values()) <= {None, 0}
    assert recover_by_subtraction(data) == {}


def test_headline_numbers_cannot_be_subtracted_from_the_persons_documented():
    make_persons(20, status=Status.CAMP)
    make_persons(6, status=Status.RELEASED)
    make_persons(3, status=Status.LEFT_CHINA)

    data = published()

    totals = data["totals"]
    assert totals["persons"] == 29
    assert totals["left_china"] is None
    assert totals["released"] is None  # else 29 - 20 - 6 = 3
    assert totals["deceased"] == 0
    assert recover_by_subtraction(data) == {}


def test_held_total_hides_when_its_statuses_would_give_a_small_one_away():
    make_persons(9, status=Status.CAMP)
    make_persons(2, status=Status.PRISON)
    make_persons(12, status=Status.RELEASED)

    data = published()

    assert cells(data, "status")[Status.PRISON] is None
    assert recover_by_subtraction(data) == {}


def test_suppression_holds_on_a_mixed_population():
    regions = ["ili", "ili", "altay", "tacheng", "urumqi", "ili", "kashgar"]
    for index in range(23):
        make_person(
            status=[Status.CAMP, Status.PRISON, Status.RELEASED, Status.DECEASED][index % 4],
            gender=["female", "male", "male"][index % 3],
            ethnicity=["kazakh", "kazakh", "kazakh", "uyghur", "kyrgyz"][index % 5],
            home_place=place(regions[index % len(regions)]),
            detained_on=datetime.date(2017 + index % 5, 1, 1),
        )

    data = published()

    assert data["totals"]["persons"] == 23
    assert recover_by_subtraction(data) == {}
    every_count = [c["count"] for cells_ in data["breakdowns"].values() for c in cells_]
    assert not any(count is not None and 0 < count < 5 for count in every_count)


@pytest.mark.parametrize("seed", range(8))
def test_no_hidden_count_can_be_recovered_from_random_small_populations(seed):
    rng = random.Random(seed)
    places = [place(code) for code in ("ili", "altay", "tacheng", "urumqi")]
    for _ in range(rng.randint(5, 30)):
        person = make_person(
            status=rng.choice(Status.values),
            gender=rng.choice(["female", "male", "male", "unknown"]),
            ethnicity=rng.choice(["kazakh", "kazakh", "kazakh", "uyghur", "kyrgyz"]),
            home_place=rng.choice([*places, None]),
            detained_on=rng.choice([None, *(datetime.date(y, 1, 1) for y in range(2016, 2021))]),
        )
        if rng.random() < 0.5:
            make_petition(person, authority=rng.choice(["president", "mfa", "un_wgad"]))
        if rng.random() < 0.3:
            kind = rng.choice([Outcome.Kind.RELEASED_FROM_CAMP, Outcome.Kind.SENTENCED])
            make_outcome(person, kind, datetime.date(rng.randint(2018, 2021), 6, 1))

    data = published()

    assert recover_by_subtraction(data) == {}
    every_count = [c["count"] for cells_ in data["breakdowns"].values() for c in cells_]
    every_count += [data["totals"][name] for name in stats.HEADLINE]
    assert not any(count is not None and 0 < count < 5 for count in every_count)


def test_filtered_view_below_the_threshold_shows_only_that():
    make_persons(4, home_place=place("ili"))
    make_persons(10, home_place=place("altay"))

    data = published({"place": "ili"})

    assert set(data["totals"].values()) == {None}
    assert all(cells_ == [] for cells_ in data["breakdowns"].values())


def test_zero_is_shown_as_zero():
    make_persons(6, gender="female")

    data = published()

    assert cells(data, "gender") == {"female": 6, "male": 0, "unknown": 0}
    assert data["totals"]["deceased"] == 0


def test_threshold_comes_from_the_setting(settings):
    settings.PUBLIC_MIN_CELL = 3
    make_persons(10, status=Status.CAMP)
    make_persons(4, status=Status.RELEASED)

    data = published()

    assert data["min_cell"] == 3
    assert cells(data, "status")[Status.RELEASED] == 4


def test_few_separated_children_are_hidden_when_the_other_relatives_are_few():
    person = make_person(status=Status.CAMP)
    make_persons(5, status=Status.CAMP)
    for _ in range(5):
        child = make_relative(citizenship=Relative.Citizenship.KAZAKHSTAN)
        make_kinship(person, child, separated=True)
    for _ in range(2):
        make_kinship(person, make_relative(), relationship=Kinship.Relationship.SPOUSE)

    totals = published()["totals"]

    assert totals["relatives"] == 7
    # 7 - 5 would tell that 2 other relatives are documented.
    assert totals["separated_children"] is None


def test_answer_times_of_few_petitions_are_not_published():
    persons = make_persons(6)
    for person in persons[:3]:
        make_petition(
            person,
            status=Petition.Status.ANSWERED,
            submitted_on=datetime.date(2019, 3, 1),
            response_received_on=datetime.date(2019, 4, 1),
        )
    make_petition(*persons[3:])

    totals = published()["totals"]

    assert totals["petitions_answered"] is None
    assert totals["petitions_answered_percent"] is None
    assert totals["median_days_to_answer"] is None


def test_protect_leaves_large_counts_alone():
    values = {"total": 30, "a": 10, "b": 20}
    assert stats.protect(values, [("total", ["a", "b"])], 5) == set()


def test_protect_hides_a_second_cell_when_one_is_hidden():
    values = {"total": 30, "a": 2, "b": 8, "c": 20}
    assert stats.protect(values, [("total", ["a", "b", "c"])], 5) == {"a", "b"}


# --- Counting ----------------------------------------------------------------------------------


def test_duplicates_and_excluded_cases_are_not_counted():
    original = make_person()
    make_persons(5)
    make_person(duplicate_of=original)
    make_person(counted_in_statistics=False)

    assert published()["totals"]["persons"] == 6


def test_headline_counts_each_situation():
    make_persons(7, status=Status.CAMP)
    make_persons(5, status=Status.BARRED_FROM_LEAVING)
    make_persons(6, status=Status.RELEASED)
    make_persons(5, status=Status.LEFT_CHINA)
    make_persons(5, status=Status.DECEASED)
    make_persons(8, status=Status.UNKNOWN)

    totals = published()["totals"]

    assert totals["persons"] == 36
    assert totals["held"] == 12
    assert (totals["released"], totals["left_china"]) == (6, 5)
    assert (totals["deceased"], totals["whereabouts_unknown"]) == (5, 8)


def test_relative_of_two_persons_is_counted_once():
    persons = make_persons(5)
    relatives = [make_relative() for _ in range(5)]
    for relative in relatives:
        make_kinship(persons[0], relative)
    make_kinship(persons[1], relatives[0])

    assert published()["totals"]["relatives"] == 5


def test_separated_children_are_citizens_of_kazakhstan_whose_parent_is_held():
    held = make_person(status=Status.CAMP)
    released = make_person(status=Status.RELEASED)
    make_persons(5)
    citizen = Relative.Citizenship.KAZAKHSTAN
    for _ in range(6):
        make_kinship(held, make_relative(citizenship=citizen), separated=True)
    make_kinship(held, make_relative(citizenship=citizen), separated=False)
    make_kinship(held, make_relative(citizenship=Relative.Citizenship.PRC), separated=True)
    make_kinship(
        held,
        make_relative(citizenship=citizen),
        relationship=Kinship.Relationship.SIBLING,
        separated=True,
    )
    make_kinship(released, make_relative(citizenship=citizen), separated=True)
    for _ in range(5):
        make_kinship(released, make_relative())

    totals = published()["totals"]

    assert totals["separated_children"] == 6
    assert totals["relatives"] == 15


def test_petition_for_several_persons_is_counted_once_and_by_authority():
    persons = make_persons(6)
    for _ in range(5):
        make_petition(*persons[:2], authority="mfa")
    for person in persons[:5]:
        make_petition(person, authority="president")
    excluded = make_person(counted_in_statistics=False)
    make_petition(excluded, authority="president")

    data = published()

    assert data["totals"]["petitions"] == 10
    authorities = cells(data, "petition_authority")
    assert (authorities["mfa"], authorities["president"], authorities["ohchr"]) == (5, 5, 0)


def test_share_answered_and_median_days_to_answer():
    persons = make_persons(6)
    submitted = datetime.date(2019, 3, 1)
    for days in (10, 20, 30, 40, 50, 60):
        make_petition(
            persons[days // 10 - 1],
            status=Petition.Status.ANSWERED,
            submitted_on=submitted,
            response_received_on=submitted + datetime.timedelta(days=days),
            response_kind=Petition.ResponseKind.FORMAL,
        )
    make_petition(persons[0])
    make_petition(persons[1])
    make_petition(persons[2], status=Petition.Status.DRAFT)

    data = published()

    totals = data["totals"]
    assert (totals["petitions"], totals["petitions_answered"]) == (9, 6)
    assert totals["petitions_answered_percent"] == 75  # 6 of 8 sent
    assert totals["median_days_to_answer"] == 35


def test_median_and_authorities_count_each_petition_of_the_persons_shown_once():
    ili = make_persons(5, home_place=place("ili"))
    altay = make_persons(5, home_place=place("altay"))
    submitted = datetime.date(2019, 3, 1)
    for days in (3, 5, 7, 9, 100):
        make_petition(
            ili[days % 5],
            ili[(days + 1) % 5],
            authority="mfa",
            status=Petition.Status.ANSWERED,
            submitted_on=submitted,
            response_received_on=submitted + datetime.timedelta(days=days),
        )
    for person in altay:
        make_petition(
            person,
            authority="president",
            status=Petition.Status.ANSWERED,
            submitted_on=submitted,
            response_received_on=submitted + datetime.timedelta(days=1000),
        )

    data = published({"place": "ili"})

    assert data["totals"]["petitions"] == 5
    assert data["totals"]["median_days_to_answer"] == 7
    authorities = cells(data, "petition_authority")
    assert (authorities["mfa"], authorities["president"]) == (5, 0)


def test_outcomes_by_kind_and_by_year():
    persons = make_persons(12)
    for person in persons[:6]:
        make_outcome(person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(2019, 5, 2))
    for person in persons[6:]:
        make_outcome(person, Outcome.Kind.SENTENCED, datetime.date(2020, 1, 9))

    data = published()

    assert data["totals"]["outcomes"] == 12
    assert cells(data, "outcome_kind")["released_from_camp"] == 6
    assert cells(data, "outcome_kind")["died"] == 0
    assert cells(data, "outcome_year") == {"2019": 6, "2020": 6}


def test_cases_without_a_year_or_place_are_counted_as_not_known():
    make_persons(5, detained_on=datetime.date(2018, 1, 1), home_place=place("ili"))
    make_persons(6)

    data = published()

    assert cells(data, "year") == {"2018": 5, "unknown": 6}
    assert cells(data, "place") == {"ili": 5, "none": 6}
    labels = {cell["key"]: cell["label"] for cell in data["breakdowns"]["place"]}
    assert labels["none"] == "not recorded"


def test_places_are_named_in_the_active_language():
    make_persons(5, home_place=place("ili"))

    with translation.override("kk"):
        kazakh = published()
    with translation.override("ru"):
        russian = published()

    assert kazakh["breakdowns"]["place"][0]["label"] == "Іле"
    assert russian["breakdowns"]["place"][0]["label"] == "Или"


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
        stats.compute()

    grow(40)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        statistics = stats.compute()
    assert statistics.totals["persons"] == 46

"""Attacks on the public statistics, scored over many random registers (public/disclosure.py).

Each test runs one attack of docs/public-statistics.md's threat model against a fixed list of
seeds (each seed a register with its own record keys) and asserts a bound on how often it
succeeds. The rates before and after cell-key perturbation are in docs/public-statistics.md
(bench/attacks.py).
"""

import pytest

from cases.public import statistics
from cases.public.filters import applied_filters, statistics_filter, wider_views
from tests.public import disclosure

pytestmark = pytest.mark.django_db

SEEDS = list(range(100))


@pytest.fixture(autouse=True)
def _five_is_the_threshold(settings):
    settings.PUBLIC_MIN_CELL = 5


def publish(query: dict) -> dict | None:
    """/statistics.json for this query, or None where the site answers 400 (tests/
    test_public.py checks that the view answers exactly this)."""
    filterset = statistics_filter({name: str(value) for name, value in query.items()})
    if not filterset.is_valid():
        return None
    numbers = statistics.compute(filterset.qs, parents=wider_views(filterset))
    return statistics.as_data(statistics.localize(numbers), applied_filters(filterset))


def test_one_request_tells_membership_no_better_than_about_a_coin_flip():
    # Under suppression alone the narrowest view said 'fewer than 5' or 0: 83 % guessed right.
    assert disclosure.membership_attack(publish, SEEDS) <= 0.65


def test_two_views_do_not_give_a_persons_whole_record():
    # All cases minus ?ethnicity=kazakh, the only Uyghur woman among 20 Kazakhs.
    assert disclosure.two_view_attack(publish, SEEDS[:40]) <= 0.2


def test_the_difference_of_year_ranges_does_not_give_a_persons_record():
    assert publish({"place": "urumqi", "year_to": 2024}) is None
    assert disclosure.year_range_attack(publish, SEEDS[:40]) <= 0.2


def test_the_answered_share_does_not_give_away_a_hidden_count():
    recovered, chance = disclosure.percentage_attack(publish, SEEDS)
    assert recovered <= chance


def test_subtracting_views_recovers_hidden_cells_no_more_often_than_chance():
    recovered, chance = disclosure.subtraction_attack(publish, SEEDS[:30])
    assert recovered <= chance

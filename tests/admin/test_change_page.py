"""The case page stays as quick with many rows as with one: its queries do not grow with them."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Outcome
from tests.factories import make_outcome, make_person, make_petition, make_user

pytestmark = pytest.mark.django_db


def petitions_offered(page: str, row: int) -> list[str]:
    select = re.search(rf'<select name="outcomes-{row}-petition".*?</select>', page, re.S)[0]
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_every_outcome_offers_the_persons_own_petitions_read_once(client):
    client.force_login(make_user("coordinator", superuser=True))
    person, other = make_person(), make_person()
    own = [make_petition(person), make_petition(person, authority="mfa")]
    make_petition(other)
    make_outcome(person, Outcome.Kind.DIED, datetime.date(2020, 1, 1))
    page = reverse("admin:cases_detainedperson_change", args=[person.pk])
    client.get(page)
    with CaptureQueriesContext(connection) as one_outcome:
        client.get(page)

    for year in (2021, 2022, 2023):
        make_outcome(person, Outcome.Kind.RELEASED_FROM_CAMP, datetime.date(year, 1, 1))
    with CaptureQueriesContext(connection) as four_outcomes:
        html = client.get(page).content.decode()

    assert len(four_outcomes) == len(one_outcome)
    for row in range(4):
        assert sorted(petitions_offered(html, row)) == sorted(str(p.pk) for p in own)

"""The changelist paginator of large tables counts from PostgreSQL's statistics, else exactly."""

import pytest
from django.db import connection

from cases.admin.paginator import EstimatedCountPaginator
from cases.models import DetainedPerson, Status
from tests.factories import make_person

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="table statistics are PostgreSQL's"
)


@pytest.fixture
def three_persons(db):
    return [make_person(status=status) for status in (Status.CAMP, Status.CAMP, Status.RELEASED)]


def pretend_table_holds(rows: int) -> None:
    """Set the planner's row estimate of the persons table, as ANALYZE would on a big one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = 'cases_detainedperson'::regclass",
            [rows],
        )


@postgresql_only
def test_unfiltered_large_list_is_numbered_from_the_estimate(three_persons):
    pretend_table_holds(250_000)
    paginator = EstimatedCountPaginator(DetainedPerson.objects.order_by("pk"), 100)

    assert paginator.count == 250_000
    assert paginator.num_pages == 2500


@postgresql_only
def test_small_table_is_counted_exactly_in_one_query(three_persons, django_assert_num_queries):
    pretend_table_holds(300)
    paginator = EstimatedCountPaginator(DetainedPerson.objects.order_by("pk"), 100)

    with django_assert_num_queries(1):
        assert paginator.count == 3


def test_filtered_list_is_counted_exactly(three_persons, django_assert_num_queries):
    if connection.vendor == "postgresql":
        pretend_table_holds(250_000)
    paginator = EstimatedCountPaginator(DetainedPerson.objects.held().order_by("pk"), 100)

    with django_assert_num_queries(1):
        assert paginator.count == 2

"""The processes of one machine learn of a new data state from a file (cases/public/state_file.py):
a warm public page costs no database read until a change commits, and then exactly one.

These tests commit (transactional_db): the file is written when a change commits. Inside a
transaction, as in the rest of the suite, the row is read on every request (test_fastpath.py).
"""

import pytest
from django.db import transaction

from cases.models import DetainedPerson, PublicDataState, Status
from cases.public import state_file
from tests.factories import make_persons, serve_public_pages
from tests.public.publishing import expected

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

URL = "/statistics.json"


@pytest.fixture(autouse=True)
def _public_site(settings, tmp_path):
    settings.PUBLIC_MIN_CELL = 5
    settings.PUBLIC_STATE_FILE = str(tmp_path / "public-state")
    settings.PUBLIC_STATE_RECHECK_SECONDS = 3600
    serve_public_pages(settings)
    make_persons(12, status=Status.CAMP)


def persons(response) -> int:
    return response.json()["totals"]["persons"]


def published() -> int:
    """What the page must show for the persons in the register now."""
    return expected(DetainedPerson.objects.all())


def file_bytes(settings) -> bytes:
    with open(settings.PUBLIC_STATE_FILE, "rb") as file:
        return file.read()


def test_a_warm_page_reads_nothing_until_a_change_commits(client, django_assert_num_queries):
    client.get(URL)
    with django_assert_num_queries(0):
        warm = client.get(URL)
    assert persons(warm) == published()

    make_persons(8, status=Status.RELEASED)
    after = client.get(URL)

    assert persons(after) == published() != persons(warm)
    assert after["ETag"] != warm["ETag"]
    with django_assert_num_queries(0):
        assert client.get(URL)["ETag"] == after["ETag"]


def test_a_change_writes_the_new_token_once_committed(settings):
    before = PublicDataState.objects.get().token

    make_persons(1, status=Status.RELEASED)

    token = PublicDataState.objects.get().token
    assert token != before and file_bytes(settings) == token.encode()


def test_a_rolled_back_change_is_never_announced_nor_served(client, settings):
    served = client.get(URL)
    announced = file_bytes(settings)

    with pytest.raises(RuntimeError), transaction.atomic():
        DetainedPerson.objects.update(status=Status.RELEASED)
        make_persons(3, status=Status.RELEASED)
        raise RuntimeError("the save failed half-way")

    assert file_bytes(settings) == announced
    again = client.get(URL)
    assert (persons(again), again["ETag"]) == (published(), served["ETag"])


def test_a_change_the_file_missed_is_read_within_the_recheck(client, monkeypatch):
    # As a change made on another machine: the row changes, this machine's file does not.
    served = client.get(URL)
    PublicDataState.objects.update(token="changed-on-another-machine")
    assert client.get(URL)["ETag"] == served["ETag"]

    later = state_file.monotonic() + 3600
    monkeypatch.setattr(state_file, "monotonic", lambda: later)

    assert client.get(URL)["ETag"] != served["ETag"]


def test_without_a_file_every_request_reads_the_row(client, settings, django_assert_num_queries):
    settings.PUBLIC_STATE_FILE = ""
    served = client.get(URL)

    with django_assert_num_queries(1):
        client.get(URL)
    PublicDataState.objects.update(token="changed-on-another-machine")
    assert client.get(URL)["ETag"] != served["ETag"]


def test_a_file_that_cannot_be_written_falls_back_to_the_row(
    client, settings, tmp_path, django_assert_num_queries
):
    settings.PUBLIC_STATE_FILE = str(tmp_path / "no-such-folder" / "public-state")
    client.get(URL)

    with django_assert_num_queries(1):
        assert client.get(URL).status_code == 200
    make_persons(8, status=Status.RELEASED)
    assert persons(client.get(URL)) == published()


def test_each_database_has_a_file_of_its_own(settings):
    settings.PUBLIC_STATE_FILE = None
    default = state_file.path_for("default")

    with pytest.MonkeyPatch.context() as patch:
        from django.db import connections

        patch.setitem(connections["default"].settings_dict, "NAME", "another_site")
        other = state_file.path_for("default")

    assert default != other
    assert "casetracker-public-state-" in default

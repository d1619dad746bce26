"""Each family member's own situation in the admin: entered on the relative's page, read on the
case page beside the kinship, filtered and shown in the relatives list, a relative who is held
linked to their own case both ways, and the children stuck in China counted on the index."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import DatePrecision, Kinship, Relative
from tests.admin.test_worklist import section
from tests.factories import (
    make_kinship,
    make_person,
    make_relative,
    make_user,
    serve_public_pages,
    unchanged_post_data,
)

pytestmark = pytest.mark.django_db

Situation = Relative.Situation
KAZAKHSTAN = Relative.Citizenship.KAZAKHSTAN


def url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def alice(client):
    user = make_user("alice", superuser=True)
    client.force_login(user)
    return user


def months_ago(months: int) -> datetime.date:
    today = timezone.localdate()
    month = today.year * 12 + today.month - 1 - months
    return datetime.date(month // 12, month % 12 + 1, 1)


def family():
    """A wife barred from leaving; her baby in China with her, her husband in Kazakhstan, and
    her brother held, with a case of his own."""
    wife = make_person("Айгүл")
    baby = make_relative(
        "Бала",
        citizenship=KAZAKHSTAN,
        situation=Situation.IN_CHINA_BARRED,
        born_on=months_ago(8),
        born_on_precision=DatePrecision.MONTH,
    )
    husband = make_relative("Қайрат", situation=Situation.IN_KAZAKHSTAN)
    brother_case = make_person("Ерлан")
    brother = make_relative("Ерлан", situation=Situation.HELD, held_as=brother_case)
    make_kinship(wife, baby, relationship=Kinship.Relationship.CHILD)
    make_kinship(wife, husband, relationship=Kinship.Relationship.SPOUSE, separated=True)
    make_kinship(wife, brother, relationship=Kinship.Relationship.SIBLING)
    return wife, baby, husband, brother_case


# --- The relative's page -----------------------------------------------------------------------


def relative_form(client, relative=None, **changes) -> dict:
    page = url(Relative, "change", relative.pk) if relative else url(Relative, "add")
    return {**unchanged_post_data(client.get(page)), **changes}


def test_the_relatives_page_records_situation_birth_date_documents_and_own_case(client, alice):
    brother_case = make_person("Ерлан")
    data = relative_form(
        client,
        full_name="Ерлан",
        born_on="1990",  # a year is all the family knows
        situation=Situation.HELD,
        held_as=brother_case.pk,
        documents="Passport taken by the police in 2017.",
    )

    response = client.post(url(Relative, "add"), data)

    assert response.status_code == 302, response.context["errors"]
    relative = Relative.objects.get(full_name="Ерлан")
    assert (relative.born_on, relative.birth_year) == (datetime.date(1990, 1, 1), 1990)
    assert (relative.situation, relative.held_as) == (Situation.HELD, brother_case)
    assert relative.documents == "Passport taken by the police in 2017."
    assert relative.history.get().documents == relative.documents


def test_a_held_relative_without_their_own_case_is_refused_and_nothing_saved(client, alice):
    data = relative_form(client, full_name="Ерлан", situation=Situation.HELD)

    response = client.post(url(Relative, "add"), data)

    assert response.status_code == 200
    assert "held_as" in response.context["adminform"].form.errors
    assert "has a case of their own" in response.content.decode()
    assert not Relative.objects.exists()


def test_a_birth_date_in_the_future_is_refused_with_a_message(client, alice):
    relative = make_relative("Бала")
    data = relative_form(client, relative, born_on="2999-01-01")

    response = client.post(url(Relative, "change", relative.pk), data)

    assert response.status_code == 200
    assert "This date lies in the future." in response.content.decode()
    relative.refresh_from_db()
    assert relative.born_on is None


def test_the_history_shows_the_situation_and_documents_changing(client, alice):
    relative = make_relative("Қайрат", situation=Situation.IN_CHINA_BARRED)
    data = relative_form(
        client,
        relative,
        situation=Situation.IN_KAZAKHSTAN,
        documents="Passport returned in 2024.",
    )
    assert client.post(url(Relative, "change", relative.pk), data).status_code == 302

    page = client.get(url(Relative, "history", relative.pk)).content.decode()

    assert "in China, barred from leaving" in page and "in Kazakhstan" in page
    assert "Passport returned in 2024." in page


# --- The relatives list -----------------------------------------------------------------------


def listed(response) -> set[str]:
    return {relative.full_name for relative in response.context["cl"].result_list}


def test_the_relatives_list_filters_by_situation(client, alice):
    family()

    response = client.get(url(Relative, "changelist"), {"situation__exact": Situation.HELD})

    assert listed(response) == {"Ерлан"}


def test_the_relatives_list_filters_children_stuck_in_china(client, alice):
    wife, *_ = family()
    # Near misses: a child in Kazakhstan, a child of China only, a spouse in China.
    make_kinship(wife, make_relative("Арман", citizenship=KAZAKHSTAN), relationship="child")
    make_kinship(
        wife,
        make_relative("Li", citizenship="prc", situation=Situation.IN_CHINA_FREE),
        relationship="child",
    )

    response = client.get(url(Relative, "changelist"), {"stuck_in_china": "yes"})

    assert listed(response) == {"Бала"}
    assert "children with Kazakhstan citizenship in China" in response.content.decode()


def test_the_relatives_list_shows_situation_age_and_the_own_case(client, alice):
    _wife, _baby, _husband, brother_case = family()

    page = client.get(url(Relative, "changelist")).content.decode()

    assert "in China, barred from leaving" in page
    assert "8 months" in page
    own_case = url(type(brother_case), "change", brother_case.pk)
    assert f'<a href="{own_case}">{brother_case.case_number}</a>' in page


def test_the_relatives_list_costs_the_same_queries_for_few_rows_or_many(client, alice):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url(Relative, "changelist"))
        return len(captured)

    family()
    client.get(url(Relative, "changelist"))  # warm the per-process caches
    few = queries()
    for _ in range(10):
        family()
    # to prevent an n+1 issue: own cases joined, kinships prefetched
    assert queries() == few


# --- The case page ----------------------------------------------------------------------------


def test_the_case_page_shows_each_relatives_situation_age_and_own_case(client, alice):
    wife, _baby, _husband, brother_case = family()

    page = client.get(url(type(wife), "change", wife.pk)).content.decode()

    assert "in China, barred from leaving, 8 months" in page
    assert "in Kazakhstan" in page
    own_case = url(type(brother_case), "change", brother_case.pk)
    assert f'<a href="{own_case}">own case {brother_case.case_number}</a>' in page


def test_the_held_relatives_own_case_links_back_to_the_cases_they_are_kin_to(client, alice):
    wife, _baby, _husband, brother_case = family()
    brother = Relative.objects.get(held_as=brother_case)

    page = client.get(url(type(brother_case), "change", brother_case.pk)).content.decode()

    assert "Also a relative in the register" in page
    assert url(Relative, "change", brother.pk) in page
    assert url(type(wife), "change", wife.pk) in page and "(sibling)" in page
    # A case nobody records as a relative says nothing of the kind.
    wife_page = client.get(url(type(wife), "change", wife.pk)).content.decode()
    assert "Also a relative in the register" not in wife_page


def test_the_case_page_saves_with_its_relatives_inline(client, alice):
    wife, baby, husband, brother_case = family()
    newborn = make_relative("Жаңа", citizenship=KAZAKHSTAN, situation=Situation.IN_CHINA_FREE)
    change = url(type(wife), "change", wife.pk)
    data = unchanged_post_data(client.get(change))
    rows = int(data["kinships-TOTAL_FORMS"])
    data.update(
        {
            "kinships-TOTAL_FORMS": rows + 1,
            f"kinships-{rows}-relative": newborn.pk,
            f"kinships-{rows}-relationship": Kinship.Relationship.CHILD,
        }
    )

    response = client.post(change, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert set(wife.kinships.values_list("relative__full_name", flat=True)) == {
        "Бала",
        "Қайрат",
        "Ерлан",
        "Жаңа",
    }
    for relative in (baby, husband, newborn):
        before = relative.situation
        relative.refresh_from_db()
        assert relative.situation == before
    assert Relative.objects.get(held_as=brother_case).situation == Situation.HELD
    assert set(Relative.objects.children_stuck_in_china().values_list("full_name", flat=True)) == {
        "Бала",
        "Жаңа",
    }


# --- The admin index --------------------------------------------------------------------------


def stuck_count(response) -> int | None:
    html = section(response, "stuck-children")
    if html is None:
        return None
    return int(re.search(r'class="stuck-children-count">(\d+)<', html)[1])


def test_the_index_counts_children_stuck_in_china_and_links_to_them(client, alice):
    family()
    family()
    Relative.objects.filter(full_name="Бала").update(situation=Situation.IN_CHINA_FREE)

    response = client.get(reverse("admin:index"))

    assert stuck_count(response) == 2
    assert f"{url(Relative, 'changelist')}?stuck_in_china=yes" in section(
        response, "stuck-children"
    )


def test_the_count_is_shown_only_to_users_who_may_read_relatives(client):
    family()
    reader = make_user("reader", perms=("cases.view_detainedperson",))
    client.force_login(reader)

    assert stuck_count(client.get(reverse("admin:index"))) is None


def test_the_public_pages_do_not_show_the_count(client, settings):
    serve_public_pages(settings)
    family()

    for address in ("/", "/statistics.json", "/statistics.csv"):
        response = client.get(address)
        assert response.status_code == 200
        page = b"".join(response).decode()
        assert "stuck" not in page and "situation" not in page


def test_the_relatives_list_sorts_by_age_youngest_first_and_unknown_ages_last(client, alice):
    make_relative("unknown age")
    make_relative("adult", born_on=datetime.date(1980, 1, 1))
    make_relative("baby", born_on=months_ago(8), born_on_precision=DatePrecision.MONTH)
    changelist = client.get(url(Relative, "changelist"))
    age_column = list(changelist.context["cl"].list_display).index("age")

    response = client.get(url(Relative, "changelist"), {"o": str(age_column)})

    names = [relative.full_name for relative in response.context["cl"].result_list]
    assert names == ["baby", "adult", "unknown age"]

"""The persons' and relatives' lists search by name with ranking: every spelling documents
give a person finds her, the best match first, with its likeness and why."""

import pytest
from django.urls import reverse

from tests.factories import make_person, make_relative, make_user

pytestmark = pytest.mark.django_db

PERSONS = reverse("admin:cases_detainedperson_changelist")
RELATIVES = reverse("admin:cases_relative_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("coordinator", superuser=True))
    return client


def found(response) -> list:
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "query",
    [
        "Gulnara Seitkazy",
        "Гульнара Сейтказиева",
        "GULNAR SEIITKAZY",
        "Gülnar Seyitqazı",
        "古丽娜尔·赛提卡孜",
        "ٴگۇلنار ٴسەيىتقازى",
    ],
)
def test_any_spelling_finds_the_person_first(admin_client, query):
    gulnar = make_person("Гүлнар Сейітқазы")
    namesake = make_person("Гүлнар Өмірзақ")
    make_person("Марат Тоқашбаев")
    results = found(admin_client.get(PERSONS, {"q": query}))
    assert results[0] == gulnar
    assert namesake not in results[:1]


def test_results_come_best_first_with_the_reason(admin_client):
    other_surname = make_person("Қайрат Самарқан")
    russified = make_person("Кайрат Дауитханов")
    same = make_person("Қайрат Дәуітхан")
    response = admin_client.get(PERSONS, {"q": "Қайрат Дәуітхан"})
    assert found(response) == [same, russified]
    page = response.content.decode()
    assert "Name match" in page
    assert "Russified surname" in page
    assert other_surname not in found(response)


def test_a_given_name_alone_lists_everyone_of_that_name(admin_client):
    samarkan = make_person("Қайрат Самарқан")
    dauitkhan = make_person("Kairat Dauitkhan")
    make_person("Марат Тоқашбаев")
    response = admin_client.get(PERSONS, {"q": "Кайрат"})
    assert set(found(response)) == {samarkan, dauitkhan}
    assert "given name only" in response.content.decode()


def test_a_chosen_column_order_wins_over_the_ranking(admin_client):
    first = make_person("Kairat Dauitkhan")
    second = make_person("Кайрат Дауитханов")
    results = found(admin_client.get(PERSONS, {"q": "Кайрат Дауитханов", "o": "2"}))
    assert set(results) == {first, second}
    assert [person.full_name for person in results] == sorted(
        person.full_name for person in results
    )


def test_a_case_number_is_still_found_exactly(admin_client):
    wanted = make_person("Қайрат Дәуітхан")
    make_person("Kairat Dauitkhan")
    response = admin_client.get(PERSONS, {"q": wanted.case_number})
    assert found(response) == [wanted]
    assert "Name match" not in response.content.decode()


def test_unrelated_names_are_not_listed(admin_client):
    make_person("Марат Тоқашбаев")
    assert found(admin_client.get(PERSONS, {"q": "Гүлнар Сейітқазы"})) == []


def test_a_relative_is_found_by_the_russified_name(admin_client):
    wife = make_relative("Гүлбахар Жәлилова")
    make_relative("Гүлнар Өмірзақ")
    response = admin_client.get(RELATIVES, {"q": "Гульбахар Джалилова"})
    assert found(response) == [wife]
    assert "same name, another spelling" in response.content.decode()


def test_a_relative_is_still_found_by_city(admin_client):
    in_almaty = make_relative("Расул Жұмалы", city="Almaty")
    assert found(admin_client.get(RELATIVES, {"q": "Almaty"})) == [in_almaty]


def test_the_relative_autocomplete_ranks_by_name(admin_client):
    make_relative("Гүлнар Өмірзақ")
    make_relative("Гүлнар Сейітқазы")
    query = {"app_label": "cases", "model_name": "kinship", "field_name": "relative"}
    response = admin_client.get(
        reverse("admin:autocomplete"), {"term": "Гульнара Сейтказиева", **query}
    )
    texts = [result["text"] for result in response.json()["results"]]
    assert texts[0] == "Гүлнар Сейітқазы"

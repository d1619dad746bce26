"""The public pages: dashboard, filters, open data files, caching and languages."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from cases import stats
from cases.models import Outcome, Petition, PublishedFigure, Status
from tests.factories import (
    make_outcome,
    make_persons,
    make_petition,
    place,
    serve_public_pages,
)
from tests.test_stats import DASHBOARD_QUERIES as DASHBOARD_STATISTICS_QUERIES

pytestmark = pytest.mark.django_db

# Statistics (see test_stats.py) and the places offered by the filter form.
DASHBOARD_QUERIES = DASHBOARD_STATISTICS_QUERIES + 1


@pytest.fixture(autouse=True)
def _public_site(settings):
    settings.PUBLIC_MIN_CELL = 5
    serve_public_pages(settings)


@pytest.fixture
def population():
    """Twenty-five counted cases: 15 held in Ili, 10 released in Altay."""
    held = make_persons(
        15,
        status=Status.CAMP,
        gender="male",
        ethnicity="kazakh",
        home_place=place("ili"),
        detained_on=datetime.date(2018, 1, 1),
    )
    released = make_persons(
        10,
        status=Status.RELEASED,
        gender="female",
        ethnicity="kazakh",
        home_place=place("altay"),
        detained_on=datetime.date(2017, 1, 1),
    )
    return held + released


def get_json(client, query: str = "", **headers) -> dict:
    response = client.get("/statistics.json" + query, headers=headers)
    assert response.status_code == 200
    return response.json()


# --- The dashboard ------------------------------------------------------------------------------


def test_dashboard_shows_headline_numbers_charts_and_tables(client, population):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r"<dd>\s*25\s*</dd>", page)  # persons documented
    assert re.search(r"<dd>\s*15\s*</dd>", page)  # currently held
    assert page.count('<svg class="chart"') == len(stats.BREAKDOWNS)
    assert page.count('<table class="numbers">') == len(stats.BREAKDOWNS)
    assert "Official figures" in page
    assert "About the data" in page


def test_hidden_counts_read_fewer_than_the_threshold(client, population):
    make_persons(2, status=Status.DECEASED, home_place=place("tacheng"))

    page = client.get("/").content.decode()

    assert "fewer than 5" in page
    assert "Tacheng" in page


def test_dashboard_links_to_the_data_files_with_its_filters(client, population):
    page = client.get("/?place=ili&gender=male").content.decode()

    assert 'href="/statistics.json?place=ili&amp;gender=male"' in page
    assert 'href="/statistics.csv?place=ili&amp;gender=male"' in page


def test_dashboard_cites_official_figures_with_their_source(client):
    PublishedFigure.objects.create(
        label_en="Applications received",
        label_ru="Получено обращений",
        value=915,
        as_of=datetime.date(2019, 1, 1),
        source_name="Ministry of Foreign Affairs",
        source_url="https://example.org/report",
    )

    page = client.get("/").content.decode()
    russian = client.get("/", headers={"accept-language": "ru"}).content.decode()

    assert "Applications received" in page and "915" in page
    assert 'href="https://example.org/report"' in page
    assert "Получено обращений" in russian


def test_too_few_cases_under_a_filter_show_only_that(client, population):
    make_persons(3, home_place=place("hotan"))

    response = client.get("/?place=hotan")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Fewer than 5 cases match these filters" in page
    assert '<svg class="chart"' not in page


def test_dashboard_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    make_persons(6)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/")
    make_persons(30, status=Status.RELEASED, home_place=place("ili"))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/")
    # Cached: the page as rendered, the form's list of places included.
    with django_assert_num_queries(0):
        client.get("/")


def test_page_loads_nothing_from_other_hosts_and_needs_no_script(client, population):
    page = client.get("/").content.decode()

    loaded = re.findall(r'<(?:link|script|img|iframe)[^>]*(?:src|href)="([^"]*)"', page)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded)
    assert "<script" not in page
    assert "style=" not in page  # the content security policy allows no inline style
    assert 'name="viewport"' in page


# --- Filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "persons"),
    [
        ("", 25),
        ("?year_from=2018", 15),
        ("?year_to=2017", 10),
        ("?year_from=2017&year_to=2018", 25),
        ("?place=altay", 10),
        ("?ethnicity=kazakh", 25),
        ("?ethnicity=uyghur", 0),
        ("?gender=female", 10),
        ("?status_group=held", 15),
        ("?status_group=not_held", 10),
        ("?place=ili&status_group=held&gender=male", 15),
    ],
)
def test_filters_narrow_the_page_and_the_files_alike(client, population, query, persons):
    data = get_json(client, query)
    csv_text = client.get("/statistics.csv" + query).content.decode()
    page = client.get("/" + query).content.decode()

    assert data["totals"]["persons"] == persons
    assert f'"totals","persons","Persons documented","{persons}","false"' in csv_text
    assert re.search(rf"<dd>\s*{persons}\s*</dd>", page)


def test_applied_filters_are_listed_in_the_json(client, population):
    data = get_json(client, "?year_from=2017&place=ili&status_group=held")

    assert data["filters"] == {
        "year_from": 2017,
        "year_to": None,
        "place": "ili",
        "ethnicity": None,
        "gender": None,
        "status_group": "held",
    }


INVALID_QUERIES = [
    ("year_from=abc", "year_from"),
    ("year_to=2018.5", "year_to"),
    ("place=99999", "place"),
    ("gender=<script>alert(1)</script>", "gender"),
    ("ethnicity=martian", "ethnicity"),
    ("status_group=maybe", "status_group"),
    ("year_from=99999999999999999999999", "year_from"),
    ("year_from=2020&year_to=2018", "__all__"),
]


@pytest.mark.parametrize(("query", "field"), INVALID_QUERIES)
def test_invalid_filter_shows_the_form_error_on_the_page(client, population, query, field):
    response = client.get("/?" + query)

    page = response.content.decode()
    assert response.status_code == 400
    assert "These filters could not be used" in page
    assert "<script>alert" not in page
    assert '<svg class="chart"' not in page


@pytest.mark.parametrize(("query", "field"), INVALID_QUERIES)
def test_invalid_filter_gives_a_json_error(client, query, field):
    response = client.get("/statistics.json?" + query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "Some filters are not valid."
    assert list(body["fields"]) == [field]


def test_invalid_filter_gives_a_plain_error_for_the_csv(client):
    response = client.get("/statistics.csv?year_from=abc")

    assert response.status_code == 400
    assert "year_from: Enter a whole number." in response.content.decode()


def test_unknown_parameters_are_ignored(client, population):
    assert get_json(client, "?utm_source=x&page=2")["totals"]["persons"] == 25


# --- Open data ----------------------------------------------------------------------------------


def test_json_has_the_documented_shape(client, population):
    make_persons(2, gender="unknown")

    data = get_json(client)

    assert set(data) == {
        "generated_at",
        "min_cell",
        "filters",
        "totals",
        "breakdowns",
        "official_figures",
    }
    assert data["min_cell"] == 5
    assert set(data["breakdowns"]) == set(stats.BREAKDOWNS)
    assert {"key": "male", "label": "male", "count": 15, "suppressed": False} in data[
        "breakdowns"
    ]["gender"]
    assert {"key": "unknown", "label": "unknown", "count": None, "suppressed": True} in data[
        "breakdowns"
    ]["gender"]


def test_csv_has_one_row_per_cell_with_the_same_numbers_as_the_json(client, population):
    data = get_json(client)
    response = client.get("/statistics.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    cells = {(row["breakdown"], row["key"]): row for row in rows}
    assert len(rows) == len(data["totals"]) + sum(len(c) for c in data["breakdowns"].values())
    for name, breakdown in data["breakdowns"].items():
        for cell in breakdown:
            row = cells[(name, cell["key"])]
            assert row["count"] == ("" if cell["count"] is None else str(cell["count"]))
            assert row["suppressed"] == str(cell["suppressed"]).lower()


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, population):
    ili = place("ili")
    ili.name_en = '=HYPERLINK("http://evil.example","x")'
    ili.save()

    rows = list(csv.reader(io.StringIO(client.get("/statistics.csv").content.decode())))

    labels = [row[2] for row in rows if row[0] == "place"]
    assert '\'=HYPERLINK("http://evil.example","x")' in labels
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_quotes_every_cell_so_a_label_stays_whole(client, population):
    ili = place("ili")
    ili.name_en = 'Ili; "Kazakh" prefecture,\nnorth'
    ili.save()

    text = client.get("/statistics.csv").content.decode()

    rows = list(csv.reader(io.StringIO(text)))
    assert {len(row) for row in rows} == {5}
    assert 'Ili; "Kazakh" prefecture,\nnorth' in [row[2] for row in rows if row[0] == "place"]
    assert all(line.startswith('"') for line in text.splitlines() if line.startswith(("'", "t")))
    assert text.startswith('"breakdown","key","label","count","suppressed"\r\n')


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_safe_defuses_formula_starts(text):
    assert stats.csv_safe(text) == "'" + text


def test_data_files_label_cells_in_the_requested_language(client, population):
    data = get_json(client, **{"accept-language": "ru"})

    labels = {cell["key"]: cell["label"] for cell in data["breakdowns"]["place"]}
    assert labels == {"ili": "Или", "altay": "Алтай"}


# --- Caching ------------------------------------------------------------------------------------


def test_cached_numbers_are_served_without_counting_again(
    client, population, django_assert_num_queries
):
    get_json(client)
    with django_assert_num_queries(0):
        get_json(client)


def test_matching_etag_is_answered_with_not_modified(client, population):
    first = client.get("/statistics.json")

    again = client.get("/statistics.json", headers={"if-none-match": first["ETag"]})

    assert first["ETag"]
    assert again.status_code == 304
    assert again.content == b""


def test_dashboard_answers_not_modified_to_any_visitor_holding_the_page(client, population):
    first = client.get("/?place=ili")

    again = client.get("/?place=ili", headers={"if-none-match": first["ETag"]})

    assert first.status_code == 200 and "csrftoken" not in first.cookies
    assert again.status_code == 304


def test_pages_and_files_say_they_depend_on_the_language(client, population):
    for url in ("/", "/statistics.json", "/statistics.csv"):
        vary = {part.strip().lower() for part in client.get(url)["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary, url


def test_filters_in_another_order_or_with_empty_fields_give_the_same_page(
    client, population, django_assert_num_queries
):
    page = client.get("/?place=ili&status_group=held").content

    with django_assert_num_queries(0):
        reordered = client.get("/?status_group=held&year_from=&place=ili").content

    assert reordered == page
    assert b'href="/statistics.json?place=ili&amp;status_group=held"' in page


def test_a_query_beyond_the_filters_is_answered_with_the_filters_alone(client, population):
    client.get("/?place=ili&utm=x")

    page = client.get("/?place=ili&utm=x").content.decode()

    assert "<dd>15</dd>" in page  # the 15 cases in Ili
    assert 'href="/statistics.json?place=ili"' in page and "utm" not in page


def test_cached_page_is_renewed_by_a_change(client, population):
    before = client.get("/").content.decode()

    make_persons(7, status=Status.DECEASED, home_place=place("ili"))
    after = client.get("/").content.decode()

    assert "<dd>25</dd>" in before and "<dd>32</dd>" in after


def test_etag_differs_by_language_and_format(client, population):
    english = client.get("/statistics.json")["ETag"]
    russian = client.get("/statistics.json", headers={"accept-language": "ru"})["ETag"]
    as_csv = client.get("/statistics.csv")["ETag"]

    assert len({english, russian, as_csv}) == 3


# Serialized rollback, like the browser test: its data must survive this test's flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_committed_changes_show_in_the_next_request(client):
    # Each save commits at once, outside a transaction, as on a live server.
    people = make_persons(6, status=Status.CAMP)
    assert get_json(client)["totals"]["held"] == 6

    stop_counting(people[0])

    assert get_json(client)["totals"]["held"] == 5


def stop_counting(person) -> None:
    person.counted_in_statistics = False
    person.save()


def close_petitions() -> None:
    for petition in Petition.objects.all():
        petition.status = Petition.Status.CLOSED
        petition.save()


# Each change, and a view of the statistics whose numbers it changes.
CHANGES = {
    "person saved": (lambda persons: make_persons(5, status=Status.CAMP), ""),
    "person deleted": (lambda persons: persons[0].delete(), ""),
    "person no longer counted": (lambda persons: stop_counting(persons[0]), ""),
    "outcome recorded": (
        lambda persons: [
            make_outcome(person, Outcome.Kind.DIED, datetime.date(2020, 1, 1))
            for person in persons[:5]
        ],
        "",
    ),
    "petition closed": (lambda persons: close_petitions(), ""),
    "petition gains a person": (
        lambda persons: [petition.persons.add(persons[-1]) for petition in Petition.objects.all()],
        "?place=altay",
    ),
    "published figure saved": (
        lambda persons: PublishedFigure.objects.create(
            label_en="x", value=1, as_of=datetime.date(2019, 1, 1), source_name="y"
        ),
        "",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_to_the_data_renews_numbers_and_etag(client, population, change):
    for _ in range(6):
        make_petition(population[0], authority="mfa")
    apply_change, query = CHANGES[change]
    before = client.get("/statistics.json" + query)

    apply_change(population)
    after = client.get("/statistics.json" + query, headers={"if-none-match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    unchanged = before.json() | {"generated_at": after.json()["generated_at"]}
    assert after.json() != unchanged


# --- Languages ----------------------------------------------------------------------------------


def test_browser_language_chooses_the_page_language(client, population):
    kazakh = client.get("/", headers={"accept-language": "kk,ru;q=0.8"}).content.decode()
    russian = client.get("/", headers={"accept-language": "ru-RU,ru;q=0.9"}).content.decode()

    assert '<html lang="kk">' in kazakh and "Іле" in kazakh
    assert '<html lang="ru">' in russian and "Или" in russian


def test_language_switcher_is_a_plain_form_that_keeps_the_filters(client, population):
    page = client.get("/?place=ili").content.decode()
    assert f'action="{reverse("cases:set_language")}" method="get"' in page
    assert 'name="next" value="/?place=ili"' in page
    assert "csrfmiddlewaretoken" not in page

    response = client.get(reverse("cases:set_language"), {"language": "kk", "next": "/?place=ili"})

    assert response.status_code == 302 and response["Location"] == "/?place=ili"
    assert '<html lang="kk">' in client.get("/?place=ili").content.decode()


def test_language_switcher_never_leads_to_another_site(client):
    response = client.get(
        reverse("cases:set_language"), {"language": "ru", "next": "https://evil.example/"}
    )

    assert response.status_code == 302 and response["Location"] == "/"


def test_unknown_language_is_refused_and_changes_nothing(client):
    response = client.get(reverse("cases:set_language"), {"language": "xx", "next": "/"})

    assert response.status_code == 400
    assert "This language is not available" in response.content.decode()
    assert "django_language" not in response.cookies

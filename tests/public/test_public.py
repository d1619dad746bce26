"""The public pages: dashboard, filters, open data files, caching and languages."""

import csv
import datetime
import io
import json
import re
from urllib.parse import parse_qsl

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import DetainedPerson, Outcome, Petition, Place, PublishedFigure, Status
from cases.public import statistics
from tests.factories import (
    make_outcome,
    make_persons,
    make_petition,
    place,
    serve_public_pages,
)
from tests.public.publishing import (
    counted_persons,
    exact_key,
    expected,
    give_key_sum,
    key_sums_publishing,
    keys_publishing,
)
from tests.public.test_statistics import DASHBOARD_QUERIES as DASHBOARD_STATISTICS_QUERIES

pytestmark = pytest.mark.django_db

# The state of the data, read on every request (cases/public/cache.py).
STATE_QUERIES = 1
# Statistics (see test_stats.py) and the places offered by the filter form.
DASHBOARD_QUERIES = STATE_QUERIES + DASHBOARD_STATISTICS_QUERIES + 1


FIRST_YEAR = 2014
THIS_YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _public_site(settings):
    settings.PUBLIC_MIN_CELL = 5
    settings.PUBLIC_FIRST_YEAR = FIRST_YEAR
    serve_public_pages(settings)


@pytest.fixture
def population():
    """Twenty-five counted cases: 15 held in Ili, 10 released in Altay. Their keys are chosen
    so that each group is published exactly as counted, and all 25 together as 26."""
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
    held_keys, released_keys = key_sums_publishing([(15, 15), (10, 10)], union=26)
    give_key_sum(held, held_keys)
    give_key_sum(released, released_keys)
    return held + released


def with_key_sum(records: list, published_as: int) -> list:
    """The records, their keys chosen so that they are published as `published_as`."""
    give_key_sum(records, keys_publishing(len(records), published_as)[0])
    return records


def get_json(client, query: str = "", **headers) -> dict:
    response = client.get("/statistics.json" + query, headers=headers)
    assert response.status_code == 200
    return response.json()


# --- The dashboard ------------------------------------------------------------------------------


def test_dashboard_shows_headline_numbers_charts_and_tables(client, population):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r"<dd>\s*26\s*</dd>", page)  # persons documented
    assert re.search(r"<dd>\s*15\s*</dd>", page)  # currently held
    assert page.count('<svg class="chart"') == len(statistics.BREAKDOWNS)
    assert page.count('<table class="numbers">') == len(statistics.BREAKDOWNS)
    assert "Official figures" in page
    assert "About the data" in page


def test_dashboard_says_how_its_numbers_are_protected(client, population):
    page = client.get("/").content.decode()

    assert '<h3 id="about-numbers">About these numbers</h3>' in page
    assert "adjusted slightly, by at most 2" in page
    assert "Totals may therefore differ slightly from the sum of their parts." in page
    assert 'href="#about-numbers"' in page


def row(page: str, label: str) -> str:
    """The row of a breakdown table for the cell labelled `label`."""
    found = re.search(
        rf'<tr[^>]*><th scope="row">{label}</th><td class="num">[^<]*</td></tr>', page
    )
    assert found, label
    return found[0]


def test_zero_and_a_small_count_read_the_same(client, population):
    # Two deceased in Tacheng published as 0; no one at all in Hotan.
    with_key_sum(make_persons(2, status=Status.DECEASED, home_place=place("tacheng")), 0)

    page = client.get("/").content.decode()

    two, none = row(page, "Tacheng"), row(page, "Hotan")
    assert two.replace("Tacheng", "Hotan") == none
    assert none.startswith('<tr class="suppressed"><th scope="row">Hotan</th>')
    assert none.endswith('<td class="num">fewer than 5</td></tr>')
    assert row(page, "deceased").endswith("fewer than 5</td></tr>")


def test_a_small_count_may_read_as_the_threshold(client, population):
    with_key_sum(make_persons(2, status=Status.DECEASED, home_place=place("tacheng")), 5)

    page = client.get("/").content.decode()

    assert row(page, "Tacheng") == '<tr><th scope="row">Tacheng</th><td class="num">5</td></tr>'
    assert row(page, "Hotan").endswith("fewer than 5</td></tr>")


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


def too_few_notice(page: str) -> str:
    found = re.search(r'<p class="too-few" role="status">(.*?)</p>', page, re.DOTALL)
    assert found
    return found[1]


def test_view_too_small_says_the_same_on_the_page_for_none_and_for_four(client, population):
    make_persons(4, home_place=place("hotan"))

    four = client.get("/?place=hotan")
    none = client.get("/?place=kashgar")

    assert four.status_code == none.status_code == 200
    notice = too_few_notice(four.content.decode())
    assert notice == too_few_notice(none.content.decode())
    assert notice.startswith("Fewer than 10 cases match these filters, possibly none.")
    for page in (four.content.decode(), none.content.decode()):
        assert '<svg class="chart"' not in page
        assert "<dd>" not in page


def test_view_too_small_says_the_same_in_the_data_files_for_none_and_for_four(client, population):
    make_persons(4, home_place=place("hotan"))

    four, none = get_json(client, "?place=hotan"), get_json(client, "?place=kashgar")
    four_csv = client.get("/statistics.csv?place=hotan").content.decode()
    none_csv = client.get("/statistics.csv?place=kashgar").content.decode()

    ignored = {"generated_at": None, "filters": None}
    assert four | ignored == none | ignored
    assert (four["too_few"], set(four["totals"].values())) == (True, {None})
    assert all(cells == [] for cells in four["breakdowns"].values())
    assert four_csv == none_csv
    rows = list(csv.DictReader(io.StringIO(four_csv)))
    assert rows[1] == {
        "breakdown": "notice",
        "key": "too_few",
        "label": four["notice"],
        "count": "",
        "suppressed": "true",
    }
    assert {row["breakdown"] for row in rows} == {"method", "notice", "totals"}


def test_dashboard_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    make_persons(6)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/")
    make_persons(30, status=Status.RELEASED, home_place=place("ili"))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/")
    # Cached: the page as rendered, the form's list of places included.
    with django_assert_num_queries(STATE_QUERIES):
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
        ("", 26),
        ("?year=2018", 15),
        ("?year=2017", 10),
        ("?place=altay", 10),
        ("?gender=female", 10),
        ("?status_group=held", 15),
        ("?status_group=not_held", 10),
    ],
)
def test_filters_narrow_the_page_and_the_files_alike(client, population, query, persons):
    data = get_json(client, query)
    csv_text = client.get("/statistics.csv" + query).content.decode()
    page = client.get("/" + query).content.decode()

    assert persons == expected(counted_persons(dict(parse_qsl(query.lstrip("?")))))
    assert data["totals"]["persons"] == persons
    assert f'"totals","persons","Persons documented","{persons}","false"' in csv_text
    assert re.search(rf"<dd>\s*{persons}\s*</dd>", page)


@pytest.mark.parametrize(
    "query",
    # Every case is Kazakh; every case of Ili is a man; every case of 2018 is held.
    ["?ethnicity=kazakh", "?place=ili&gender=male", "?year=2018&status_group=held"],
)
def test_a_view_that_leaves_out_too_few_of_a_wider_one_shows_nothing(client, population, query):
    # All cases minus such a view would be the few it leaves out, cell by cell.
    data = get_json(client, query)
    page = client.get("/" + query).content.decode()

    assert data["too_few"] and set(data["totals"].values()) == {None}
    assert data["notice"].startswith("These filters leave out fewer than 10 of the cases")
    assert data["notice"] in page


def test_a_year_with_nobody_is_offered_and_listed_like_any_other(client, population):
    page = client.get("/").content.decode()
    data = get_json(client)

    offered = re.findall(r'<option value="(\d{4})"', page)
    assert offered == [str(year) for year in range(FIRST_YEAR, THIS_YEAR + 1)]
    assert [cell["key"] for cell in data["breakdowns"]["year"]] == ["earlier", *offered, "unknown"]
    assert get_json(client, "?year=2015")["too_few"] is True


def test_applied_filters_are_listed_in_the_json(client, population):
    data = get_json(client, "?year=2017&place=altay")

    assert data["filters"] == {
        "year": "2017",
        "place": "altay",
        "ethnicity": None,
        "gender": None,
        "status_group": None,
    }


RANGES_REFUSED = "Ranges of years are not offered: choose a single year."
TOO_MANY_FILTERS = "Choose at most 2 filters at once"
INVALID_QUERIES = [
    ("year=abc", "year"),
    ("year=2018.5", "year"),
    (f"year={FIRST_YEAR - 1}", "year"),
    (f"year={THIS_YEAR + 1}", "year"),
    ("year=99999999999999999999999", "year"),
    ("place=99999", "place"),
    ("gender=<script>alert(1)</script>", "gender"),
    ("ethnicity=martian", "ethnicity"),
    ("status_group=maybe", "status_group"),
    ("year_from=2018", "__all__"),
    ("year_to=2018", "__all__"),
    ("year_from=2017&year_to=2018", "__all__"),
    ("place=ili&gender=male&status_group=held", "__all__"),
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
    response = client.get("/statistics.csv?year=abc")

    assert response.status_code == 400
    assert (
        "year: Select a valid choice. abc is not one of the available choices."
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year_from=2017&year_to=2018", RANGES_REFUSED),
        ("year_to=2018", RANGES_REFUSED),
        ("place=ili&gender=male&status_group=held", TOO_MANY_FILTERS),
    ],
)
def test_year_ranges_and_a_third_filter_are_refused_with_the_reason(
    client, population, query, message
):
    page = client.get("/?" + query)
    data = client.get("/statistics.json?" + query)
    text = client.get("/statistics.csv?" + query)

    assert page.status_code == data.status_code == text.status_code == 400
    assert message in page.content.decode()
    assert data.json()["fields"]["__all__"][0].startswith(message)
    assert f"__all__: {message}" in text.content.decode()


def test_unknown_parameters_are_ignored(client, population):
    assert get_json(client, "?utm_source=x&page=2")["totals"]["persons"] == 26


# --- Open data ----------------------------------------------------------------------------------


def test_json_has_the_documented_shape(client, population):
    with_key_sum(make_persons(2, gender="unknown"), 0)

    data = get_json(client)

    assert set(data) == {
        "generated_at",
        "min_cell",
        "method",
        "filters",
        "too_few",
        "notice",
        "totals",
        "breakdowns",
        "official_figures",
    }
    assert (data["min_cell"], data["too_few"], data["notice"]) == (5, False, None)
    assert set(data["breakdowns"]) == set(statistics.BREAKDOWNS)
    assert {"key": "male", "label": "male", "count": 15, "suppressed": False} in data[
        "breakdowns"
    ]["gender"]
    assert {"key": "unknown", "label": "unknown", "count": None, "suppressed": True} in data[
        "breakdowns"
    ]["gender"]


def test_json_says_how_its_numbers_are_protected(client, population):
    method = get_json(client)["method"]

    assert method == {
        "name": "cell-key perturbation",
        "perturbed": True,
        "threshold": 5,
        "max_change": 2,
        "smallest_view_shown": 10,
        "summary": method["summary"],
        "about": "/#about-numbers",
    }
    assert method["summary"].startswith("Numbers are adjusted slightly to protect the people")
    assert "Counts below 5 are never shown" in method["summary"]


def test_csv_has_one_row_per_cell_with_the_same_numbers_as_the_json(client, population):
    data = get_json(client)
    response = client.get("/statistics.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    cells = {(row["breakdown"], row["key"]): row for row in rows}
    method_row = 1
    assert len(rows) == method_row + len(data["totals"]) + sum(
        len(c) for c in data["breakdowns"].values()
    )
    assert cells[("method", "summary")]["label"] == data["method"]["summary"]
    for name, count in data["totals"].items():
        assert cells[("totals", name)]["count"] == ("" if count is None else str(count))
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
    assert statistics.csv_safe(text) == "'" + text


def test_data_files_label_cells_in_the_requested_language(client, population):
    data = get_json(client, **{"accept-language": "ru"})

    labels = {cell["key"]: cell["label"] for cell in data["breakdowns"]["place"]}
    assert (labels["ili"], labels["altay"], labels["none"]) == ("Или", "Алтай", "не указано")
    assert len(labels) == Place.objects.count() + 1


# --- Caching ------------------------------------------------------------------------------------


def test_cached_numbers_are_served_without_counting_again(
    client, population, django_assert_num_queries
):
    get_json(client)
    with django_assert_num_queries(STATE_QUERIES):
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

    with django_assert_num_queries(STATE_QUERIES):
        reordered = client.get("/?status_group=held&year=&place=ili").content

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

    now = expected(counted_persons())
    assert now != 26
    assert "<dd>26</dd>" in before and f"<dd>{now}</dd>" in after


def test_a_change_that_moves_no_count_keeps_the_cached_page(client, population):
    before = client.get("/statistics.json")

    population[0].notes = "Private notes: never counted, never shown."
    population[0].save()
    again = client.get("/statistics.json", headers={"if-none-match": before["ETag"]})

    assert again.status_code == 304


def test_etag_differs_by_language_and_format(client, population):
    english = client.get("/statistics.json")["ETag"]
    russian = client.get("/statistics.json", headers={"accept-language": "ru"})["ETag"]
    as_csv = client.get("/statistics.csv")["ETag"]

    assert len({english, russian, as_csv}) == 3


# Serialized rollback, like the browser test: its data must survive this test's flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_committed_changes_show_in_the_next_request(client):
    # Each save commits at once, outside a transaction, as on a live server.
    people = make_persons(12, status=Status.CAMP)
    give_key_sum(people, exact_key(12, 11))  # the first carries the keys; the others have 0
    assert get_json(client)["totals"]["held"] == 12

    stop_counting(people[1])

    assert get_json(client)["totals"]["held"] == 11


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
        lambda persons: with_key_sum(
            [
                make_outcome(person, Outcome.Kind.DIED, datetime.date(2020, 1, 1))
                for person in persons[:5]
            ],
            5,
        ),
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
    # Six petitions published as 6: a change that moves them shows in the numbers.
    with_key_sum([make_petition(population[0], authority="mfa") for _ in range(6)], 6)
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


def test_a_bookmark_of_the_old_form_with_empty_year_ranges_still_works(client, population):
    # The old form sent every field, empty ones included: no range was chosen, so no refusal.
    response = client.get("/statistics.json?year_from=&year_to=&place=ili")

    assert response.status_code == 200
    assert response.json()["filters"]["place"] == "ili"


# --- What UN bodies ask for: the reason given is public, the place and the forces are not -------


def test_persons_are_broken_down_by_reason_given_on_the_page_and_in_the_files(client, population):
    for person in population:
        held = person.status == Status.CAMP
        person.reason_given = (
            DetainedPerson.Reason.DUAL_CITIZENSHIP if held else DetainedPerson.Reason.UNKNOWN
        )
        person.detained_by = DetainedPerson.DetainedBy.STATE_SECURITY
        person.detained_at = "Құлжа, автовокзал"
        person.save()

    page = client.get("/").content.decode()
    data = get_json(client)
    csv_text = client.get("/statistics.csv").content.decode()

    assert "Reason given for the detention" in page
    assert re.search(r"suspicion of dual citizenship</th><td class=\"num\">\s*15\s*<", page)
    reasons = {cell["key"]: cell["count"] for cell in data["breakdowns"]["reason"]}
    assert list(reasons) == DetainedPerson.Reason.values
    assert (reasons["dual_citizenship"], reasons["unknown"], reasons["extremism"]) == (
        15,
        10,
        None,
    )
    assert '"reason","dual_citizenship","suspicion of dual citizenship","15","false"' in csv_text
    for shown in (page, json.dumps(data, ensure_ascii=False), csv_text):
        assert "Құлжа" not in shown
        assert "state_security" not in shown and "state security" not in shown

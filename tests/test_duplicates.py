import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases.duplicates import find_pairs, likely_matches, likely_matches_for
from cases.models import DetainedPerson
from cases.name_match import REASON_LABELS, Reason
from tests.factories import make_person, make_user, place, unchanged_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def kairat():
    return make_person("Қайрат Дәуітхан", birth_year=1985, home_place=place("ili"))


@pytest.fixture
def marat():
    return make_person("Марат Тоқашбаев", birth_year=1985, home_place=place("ili"))


def suggested(**query) -> list[str]:
    return [match.person.case_number for match in likely_matches(**query)]


def test_latin_spelling_finds_the_cyrillic_case(kairat, marat):
    matches = likely_matches(
        full_name="Kayrat Dauytkhan", birth_year=1985, home_place_id=place("ili").pk
    )
    assert [match.person.pk for match in matches] == [kairat.pk]
    assert matches[0].score == 100
    assert matches[0].person.full_name == "Қайрат Дәуітхан"


def test_cyrillic_spelling_finds_the_latin_case():
    latin = make_person("Kairat Dauitkhan")
    assert suggested(full_name="Қайрат Дәуітхан") == [latin.case_number]


def test_misspelt_name_is_still_suggested(kairat):
    matches = likely_matches(full_name="Kairat Dauitkan", birth_year=1985)
    assert [match.person.pk for match in matches] == [kairat.pk]
    assert 80 <= matches[0].score < 100


def test_name_in_other_order_is_suggested(kairat):
    assert suggested(full_name="Dauitkhan Kairat") == [kairat.case_number]


def test_other_spellings_of_the_query_are_matched(kairat):
    assert suggested(full_name="К. Д.", other_names="Qairat Dauitkhan") == [kairat.case_number]


def test_birth_year_puts_the_closer_case_first():
    older = make_person("Kairat Dauitkhan", birth_year=1960)
    younger = make_person("Қайрат Дәуітхан", birth_year=1985)
    assert suggested(full_name="Kairat Dauitkhan", birth_year=1986) == [
        younger.case_number,
        older.case_number,
    ]
    assert suggested(full_name="Kairat Dauitkhan", birth_year=1961) == [
        older.case_number,
        younger.case_number,
    ]


def test_far_apart_birth_years_lower_the_score():
    make_person("Kairat Dauitkhan", birth_year=1950)
    [match] = likely_matches(full_name="Kairat Dauitkhan", birth_year=1990)
    [unknown_year] = likely_matches(full_name="Kairat Dauitkhan")
    assert match.score < unknown_year.score


def test_home_place_puts_the_case_from_there_first():
    from_ili = make_person("Kairat Dauitkhan", home_place=place("ili"))
    from_altay = make_person("Қайрат Дәуітхан", home_place=place("altay"))
    assert suggested(full_name="Kairat Dauitkhan", home_place_id=place("ili").pk) == [
        from_ili.case_number,
        from_altay.case_number,
    ]
    assert suggested(full_name="Kairat Dauitkhan", home_place_id=place("altay").pk) == [
        from_altay.case_number,
        from_ili.case_number,
    ]


def test_an_unknown_home_place_raises_no_score():
    make_person("Kairat Dauitkhan", home_place=place("unknown"))
    [same_unknown] = likely_matches(
        full_name="Kairat Dauitkhan", home_place_id=place("unknown").pk
    )
    [no_place] = likely_matches(full_name="Kairat Dauitkhan")
    assert same_unknown.score == no_place.score


def test_the_person_itself_is_not_suggested(kairat):
    other = make_person("Kayrat Dauytkhan")
    assert suggested(full_name="Қайрат Дәуітхан", exclude_pk=kairat.pk) == [other.case_number]


def test_a_saved_case_is_matched_by_its_own_fields(kairat):
    latin = make_person("Kayrat Dauytkhan", birth_year=1986, home_place=place("ili"))
    matches = likely_matches_for(kairat)
    assert [(match.person.pk, match.score) for match in matches] == [(latin.pk, 100)]
    assert matches[0].person.admin_url == reverse(
        "admin:cases_detainedperson_change", args=[latin.pk]
    )


def test_cases_marked_duplicate_are_not_suggested(kairat):
    make_person("Kayrat Dauytkhan", duplicate_of=kairat)
    assert suggested(full_name="Kairat Dauitkhan") == [kairat.case_number]


def test_unrelated_names_are_not_suggested(kairat, marat):
    assert suggested(full_name="Расул Жұмалы", birth_year=1985) == []


def test_chinese_name_finds_the_same_characters_first(kairat):
    by_chinese = make_person("Айгүл Серікқызы", name_chinese="凯拉特")
    make_person("Ербол Нұрланұлы", name_chinese="凯拉")
    matches = likely_matches(full_name="K. D.", name_chinese="凯拉特")
    assert matches[0].person.pk == by_chinese.pk
    assert matches[0].score >= 85
    assert all(match.score < matches[0].score for match in matches[1:])


def test_chinese_characters_find_the_cyrillic_case_with_the_reason(kairat, marat):
    [match] = likely_matches(full_name="凯拉特·达吾提汗", birth_year=1985)
    assert match.person.pk == kairat.pk
    assert match.score >= 80
    assert match.name.explanation == "same name in another alphabet"


def test_russified_surname_is_suggested_with_the_reason(kairat):
    [match] = likely_matches(full_name="Кайрат Дауитханов")
    assert match.person.pk == kairat.pk
    assert "Russified surname" in match.name.explanation


def test_suggestions_take_a_fixed_number_of_queries(django_assert_num_queries):
    for year in range(1970, 1990):
        make_person("Kairat Dauitkhan", birth_year=year)
    with django_assert_num_queries(1):
        matches = likely_matches(full_name="Қайрат Дәуітхан", limit=5)
    assert len(matches) == 5


def test_limit_keeps_the_best(kairat):
    make_person("Kairat Dauitkhan", birth_year=1950)
    matches = likely_matches(full_name="Kairat Dauitkhan", birth_year=1985, limit=1)
    assert [match.person.pk for match in matches] == [kairat.pk]


def test_a_name_without_letters_suggests_nothing(kairat):
    assert likely_matches(full_name="?!") == []


# --- The whole register -----------------------------------------------------------------------


def test_spellings_of_one_family_are_paired(kairat, marat):
    latin = make_person("Kayrat Dauytkhan", birth_year=1985, home_place=place("ili"))
    pairs = list(find_pairs())
    assert [(pair.first.pk, pair.second.pk, pair.score) for pair in pairs] == [
        (kairat.pk, latin.pk, 100)
    ]


def test_names_in_other_order_are_paired(kairat):
    swapped = make_person("Dauitkhan Kairat")
    assert [(pair.first.pk, pair.second.pk) for pair in find_pairs()] == [(kairat.pk, swapped.pk)]


def test_pairs_below_the_minimum_score_are_left_out(kairat):
    make_person("Kairat Dauitkhan", birth_year=1950)
    assert list(find_pairs(min_score=80)) == []
    assert len(list(find_pairs(min_score=50))) == 1


def test_marked_duplicates_are_not_paired(kairat):
    make_person("Kayrat Dauytkhan", duplicate_of=kairat)
    assert list(find_pairs()) == []


def test_same_chinese_name_is_paired_once():
    first = make_person("Айгүл Серікқызы", name_chinese="凯拉特")
    second = make_person("Aigul Serikkyzy", name_chinese="凯拉特")
    third = make_person("Ербол Нұрланұлы", name_chinese="凯拉特")
    make_person("Бақыт Омар", name_chinese="凯拉")
    pairs = {(pair.first.pk, pair.second.pk) for pair in find_pairs()}
    assert pairs == {(first.pk, second.pk), (first.pk, third.pk), (second.pk, third.pk)}


def reasons_of(pairs) -> dict[tuple[int, int], list[str]]:
    return {(pair.first.pk, pair.second.pk): pair.reason_labels for pair in pairs}


def test_a_name_in_chinese_characters_pairs_with_its_cyrillic_twin(kairat, marat):
    chinese = make_person("凯拉特·达吾提汗", birth_year=1985, home_place=place("ili"))
    assert reasons_of(find_pairs()) == {(kairat.pk, chinese.pk): ["same name in another alphabet"]}


def test_a_name_in_chinese_characters_pairs_with_its_latin_twin_in_other_order():
    latin = make_person("Dauitkhan Kairat", birth_year=1985)
    chinese = make_person("凯拉特·达吾提汗", birth_year=1986)
    [pair] = find_pairs()
    assert (pair.first.pk, pair.second.pk) == (latin.pk, chinese.pk)
    assert "same name in another alphabet" in pair.reason_labels


def test_a_russified_surname_pairs_with_the_reason(kairat):
    russified = make_person("Кайрат Дауитханов", birth_year=1985)
    [pair] = find_pairs()
    assert (pair.first.pk, pair.second.pk) == (kairat.pk, russified.pk)
    assert "Russified surname" in pair.reason_labels
    assert pair.score >= 90


def test_a_russified_feminine_name_pairs_with_the_kazakh_one():
    kazakh = make_person("Гүлнар Сейітқазы", birth_year=1979)
    russian = make_person("Гульнара Сейтказиева", birth_year=1979)
    [pair] = find_pairs()
    assert (pair.first.pk, pair.second.pk) == (kazakh.pk, russian.pk)
    assert {"Russified surname", "Russian feminine ending"} <= set(pair.reason_labels)


def test_near_neighbours_born_far_apart_are_not_paired(kairat):
    make_person("Kairat Dauletkhan", birth_year=1950)
    make_person("凯拉特·达吾列提汗", birth_year=1960)
    make_person("Марат Дәуітхан", birth_year=1985)
    assert list(find_pairs()) == []


def test_withheld_names_and_marked_duplicates_are_left_out_of_other_alphabets(kairat):
    make_person("凯拉特·达吾提汗", birth_year=1985, duplicate_of=kairat)
    make_person("Қайрат Дәуітхан", birth_year=1985, name_withheld=True)
    make_person("Кайрат Дауитханов", birth_year=1985, name_withheld=True)
    assert list(find_pairs()) == []


def test_find_duplicates_lists_pairs_with_score_and_case_numbers(kairat, marat):
    latin = make_person("Kayrat Dauytkhan", birth_year=1985, home_place=place("ili"))
    out = StringIO()
    call_command("find_duplicates", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        f"100  {kairat.case_number} Қайрат Дәуітхан  ↔  {latin.case_number} Kayrat Dauytkhan"
        "  (same name in another alphabet)"
    )
    assert "Тоқашбаев" not in out.getvalue()
    assert lines[-1] == "1 likely pair scoring 80 or more."


def test_find_duplicates_gives_the_reasons_in_the_operators_language(kairat):
    make_person("凯拉特·达吾提汗", birth_year=1985)
    out = StringIO()
    with translation.override("ru"):
        call_command("find_duplicates", stdout=out)
    line = out.getvalue().splitlines()[0]
    with translation.override("ru"):
        label = str(REASON_LABELS[Reason.OTHER_ALPHABET])
    assert label != "same name in another alphabet"
    assert line.endswith(f"({label})")


def test_find_duplicates_shows_the_best_pairs_up_to_the_limit(kairat):
    close = make_person("Kairat Dauitkhan", birth_year=1985)
    make_person("Kairat Dauitkan")
    out = StringIO()
    call_command("find_duplicates", "--min-score", "60", "--limit", "1", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f" 95  {kairat.case_number} ") and close.case_number in lines[0]
    assert lines[1] == "3 likely pairs scoring 60 or more. Only the best is shown."


@pytest.mark.parametrize(
    "options", [["--min-score", "101"], ["--min-score", "-1"], ["--limit", "0"]]
)
def test_find_duplicates_refuses_bad_options(options):
    with pytest.raises(CommandError):
        call_command("find_duplicates", *options, stdout=StringIO())


# --- In the admin -----------------------------------------------------------------------------


@pytest.fixture
def coordinator(client):
    client.force_login(make_user("carol", superuser=True))
    return client


def test_adding_a_likely_duplicate_stays_on_the_case_and_lists_the_match(coordinator):
    existing = make_person("Қайрат Дәуітхан", birth_year=1985)
    add_url = reverse("admin:cases_detainedperson_add")
    data = unchanged_post_data(coordinator.get(add_url)) | {"full_name": "Kayrat Dauytkhan"}
    response = coordinator.post(add_url, data, follow=True)
    new = DetainedPerson.objects.get(full_name="Kayrat Dauytkhan")
    assert response.redirect_chain[-1][0] == reverse(
        "admin:cases_detainedperson_change", args=[new.pk]
    )
    page = response.content.decode()
    assert "may already be in the register" in page
    # The page shows the matches once found: they come from their own address.
    matches_url = reverse("admin:cases_detainedperson_likely_matches", args=[new.pk])
    assert f'data-likely-matches="{matches_url}"' in page
    matches = coordinator.get(matches_url).content.decode()
    assert "Possibly the same person" in matches
    assert existing.case_number in matches and new.case_number not in matches


def test_the_case_page_leaves_the_search_for_matches_to_its_own_request(coordinator):
    person = make_person("Қайрат Дәуітхан", birth_year=1985)
    make_person("Kairat Dauitkhan", birth_year=1985)
    url = reverse("admin:cases_detainedperson_change", args=[person.pk])
    coordinator.get(url)

    with CaptureQueriesContext(connection) as page_queries:
        page = coordinator.get(url).content.decode()

    searched = re.compile(r'name_key"(::text)? LIKE')
    assert not any(searched.search(query["sql"]) for query in page_queries.captured_queries)
    assert "Possibly the same person" not in page
    assert "Dauitkhan" not in page


def test_likely_matches_of_a_case_follow_the_case_permissions(client):
    person = make_person("Қайрат Дәуітхан")
    make_person("Kairat Dauitkhan")
    url = reverse("admin:cases_detainedperson_likely_matches", args=[person.pk])

    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(make_user("staff_without_cases"))
    assert client.get(url).status_code == 403
    client.force_login(make_user("carol", superuser=True))
    missing = reverse("admin:cases_detainedperson_likely_matches", args=[999999])
    assert client.get(missing).status_code == 302  # back to the list, "does not exist"
    assert "Kairat Dauitkhan" in client.get(url).content.decode()


def test_a_case_without_likely_matches_shows_nothing_in_their_place(coordinator):
    person = make_person("Марат Тоқашбаев")
    make_person("Айгүл Серікқызы")
    url = reverse("admin:cases_detainedperson_likely_matches", args=[person.pk])

    response = coordinator.get(url)

    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_a_distinct_new_person_goes_back_to_the_list(coordinator):
    make_person("Марат Тоқашбаев")
    add_url = reverse("admin:cases_detainedperson_add")
    data = unchanged_post_data(coordinator.get(add_url)) | {"full_name": "Айгүл Серікқызы"}
    response = coordinator.post(add_url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cases_detainedperson_changelist")


def test_mark_as_duplicates_keeps_the_oldest_and_stops_counting_the_others(coordinator):
    original = make_person("Қайрат Дәуітхан")
    copy = make_person("Kairat Dauitkhan")
    coordinator.post(
        reverse("admin:cases_detainedperson_changelist"),
        {"action": "mark_duplicates", "_selected_action": [original.pk, copy.pk]},
    )
    copy.refresh_from_db()
    original.refresh_from_db()
    assert copy.duplicate_of == original
    assert original.duplicate_of is None
    assert list(DetainedPerson.objects.counted()) == [original]


def test_advocates_cannot_mark_duplicates(client):
    advocate = make_user(
        "dana", perms=("cases.view_detainedperson", "cases.change_detainedperson")
    )
    client.force_login(advocate)
    original, copy = make_person("Қайрат Дәуітхан"), make_person("Kairat Dauitkhan")
    page = client.get(reverse("admin:cases_detainedperson_changelist"))
    assert "mark_duplicates" not in page.content.decode()
    client.post(
        reverse("admin:cases_detainedperson_changelist"),
        {"action": "mark_duplicates", "_selected_action": [original.pk, copy.pk]},
    )
    copy.refresh_from_db()
    assert copy.duplicate_of is None

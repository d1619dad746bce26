"""A relative's situation, approximate birth date, documents and own case in the persons sheet
(relative_<n>_… columns) and in the relatives export: read, checked as in the admin, written
back the same."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.intake.persons import import_persons
from cases.models import DatePrecision, DetainedPerson, Kinship, Relative
from tests.factories import make_kinship, make_person, make_relative, make_user
from tests.intake.test_exports import CSV, XLSX, as_dicts, export, rows_of
from tests.intake.test_imports import csv_bytes, use_test_admin

pytestmark = pytest.mark.django_db

Situation = Relative.Situation
HEADERS = [
    "full_name",
    "relative_1_full_name",
    "relative_1_relationship",
    "relative_1_citizenship",
    "relative_1_born_on",
    "relative_1_situation",
    "relative_1_held_as",
    "relative_1_documents",
]


@pytest.fixture(autouse=True)
def _test_admin(settings):
    use_test_admin(settings)


def errors(report) -> list[str]:
    return [error.message for error in report.errors]


def test_a_relatives_situation_birth_date_documents_and_own_case_are_imported():
    brother = make_person("Ерлан")
    rows = [
        HEADERS,
        ["Айгүл", "Бала", "child", "kazakhstan", "2025-03", "in China, barred from leaving",
         "", "No passport of her own"],
        ["Айгерім", "Ерлан", "sibling", "", "1990", "held", brother.case_number, ""],
    ]  # fmt: skip

    report = import_persons(csv_bytes(rows), dry_run=False)

    assert report.ok, errors(report)
    baby = Relative.objects.get(full_name="Бала")
    assert (baby.born_on, baby.born_on_precision, baby.birth_year) == (
        datetime.date(2025, 3, 1),
        DatePrecision.MONTH,
        2025,
    )
    assert (baby.situation, baby.documents) == (
        Situation.IN_CHINA_BARRED,
        "No passport of her own",
    )
    assert baby.history.get().situation == Situation.IN_CHINA_BARRED
    assert list(Relative.objects.children_stuck_in_china()) == [baby]
    erlan = Relative.objects.get(full_name="Ерлан")
    assert (erlan.situation, erlan.held_as, erlan.birth_year) == (Situation.HELD, brother, 1990)


def test_russian_and_kazakh_headers_name_the_new_columns():
    rows = [
        ["ФИО", "Родственник 1 ФИО", "Родственник 1 дата рождения", "Туысы 1 құжаттары"],
        ["Айгүл", "Бала", "2024", "паспорт алынған"],
    ]

    report = import_persons(csv_bytes(rows), dry_run=False)

    assert report.ok, errors(report)
    baby = Relative.objects.get()
    assert (baby.born_on_display, baby.documents) == ("2024", "паспорт алынған")


BAD_ROWS = {
    "held without own case": (
        ["Айгүл", "Ерлан", "sibling", "", "", "held", "", ""],
        "relative_1_held_as: A relative who is held has a case of their own",
    ),
    "unknown case": (
        ["Айгүл", "Ерлан", "sibling", "", "", "held", "C-99999", ""],
        "There is no case C-99999 (column relative_1_held_as).",
    ),
    "born before 1900": (
        ["Айгүл", "Ата", "parent", "", "1850", "", "", ""],
        "Could not read the date '1850' in column relative_1_born_on",
    ),
    "born in the future": (
        ["Айгүл", "Бала", "child", "", "2999-01", "", "", ""],
        "The date '2999-01' in column relative_1_born_on lies in the future.",
    ),
    "unknown situation": (
        ["Айгүл", "Бала", "child", "", "", "on the moon", "", ""],
        "relative_1_situation",
    ),
}


@pytest.mark.parametrize("name", BAD_ROWS)
def test_bad_cells_are_row_errors_and_nothing_is_written(name):
    row, message = BAD_ROWS[name]

    report = import_persons(csv_bytes([HEADERS, row]), dry_run=False)

    assert not report.written
    assert any(message in error for error in errors(report)), errors(report)
    assert not DetainedPerson.objects.exists() and not Relative.objects.exists()


def test_a_case_is_the_own_case_of_one_relative_at_most():
    brother = make_person("Ерлан")
    make_relative("Ерлан", situation=Situation.HELD, held_as=brother)
    rows = [HEADERS, ["Айгүл", "Erlan", "sibling", "", "", "held", brother.case_number, ""]]

    report = import_persons(csv_bytes(rows), dry_run=False)

    assert not report.written
    assert any("already the own case of another relative" in e for e in errors(report))

    # …and within one sheet.
    Relative.objects.all().delete()
    rows = [HEADERS] + [
        [name, "Erlan", "sibling", "", "", "held", brother.case_number, ""]
        for name in ("Айгүл", "Айгерім")
    ]
    report = import_persons(csv_bytes(rows), dry_run=False)
    assert [e.row for e in report.errors] == [3]


def test_an_update_changes_a_recorded_relatives_situation_and_birth_year():
    wife = make_person("Айгүл")
    baby = make_relative("Бала", born_on=datetime.date(2025, 1, 1))
    make_kinship(wife, baby)
    rows = [
        ["case_number", "relative_1_full_name", "relative_1_born_on", "relative_1_situation"],
        [wife.case_number, "Бала", "2024-11", "in_china_free"],
    ]

    report = import_persons(csv_bytes(rows), dry_run=False)

    assert report.ok, errors(report)
    assert report.rows[0].changes == [
        "relative Бала: born_on, born_on_precision, situation changed"
    ]
    baby.refresh_from_db()
    assert (baby.born_on_display, baby.birth_year, baby.situation) == (
        "November 2024",
        2024,
        Situation.IN_CHINA_FREE,
    )
    assert baby.history.first().situation == Situation.IN_CHINA_FREE


# --- Export, and back ----------------------------------------------------------------------------


def family() -> DetainedPerson:
    wife = make_person("Айгүл")
    brother = make_person("Ерлан")
    baby = make_relative(
        "Бала",
        citizenship=Relative.Citizenship.KAZAKHSTAN,
        situation=Situation.IN_CHINA_BARRED,
        born_on=datetime.date(2025, 3, 1),
        born_on_precision=DatePrecision.MONTH,
        documents="=No passport of her own",
    )
    make_kinship(wife, baby)
    held = make_relative("Ерлан", situation=Situation.HELD, held_as=brother)
    make_kinship(wife, held, relationship=Kinship.Relationship.SIBLING)
    return wife


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_exported_relatives_columns_import_back_without_changes(client, fmt):
    wife = family()
    coordinator = make_user("coordinator", superuser=True)
    client.force_login(coordinator)
    data = export(client, DetainedPerson, fmt)
    row = next(row for row in as_dicts(rows_of(data, fmt)) if row["full_name"] == "Айгүл")

    assert (row["relative_1_born_on"], row["relative_1_situation"]) == (
        "2025-03",
        "in China, barred from leaving",
    )
    assert row["relative_2_held_as"] == Relative.objects.get(full_name="Ерлан").held_as.case_number
    report = import_persons(data, user=coordinator, dry_run=False)
    assert report.ok, errors(report)
    assert [r.action for r in report.rows] == ["unchanged", "unchanged"]
    assert wife.kinships.count() == 2 and Relative.objects.count() == 2


def test_the_relatives_export_has_the_new_columns(client):
    family()
    client.force_login(make_user("coordinator", superuser=True))

    rows = {row["full_name"]: row for row in as_dicts(rows_of(export(client, Relative)))}

    baby, erlan = rows["Бала"], rows["Ерлан"]
    assert (baby["born_on"], baby["situation"], baby["held_as"]) == (
        "2025-03",
        "in China, barred from leaving",
        "",
    )
    # Escaped like every cell: a spreadsheet does not run it.
    assert baby["documents"] == "'=No passport of her own"
    assert erlan["held_as"] == Relative.objects.get(full_name="Ерлан").held_as.case_number


def test_own_cases_cost_the_same_queries_for_few_rows_or_many():
    cases = [make_person(f"Held {i}") for i in range(20)]

    def queries(count: int) -> int:
        rows = [HEADERS] + [
            [f"Person {i}", f"Kin {i}", "sibling", "", "", "held", cases[i].case_number, ""]
            for i in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            assert import_persons(csv_bytes(rows), dry_run=True).ok
        return len(captured)

    # to prevent an n+1 issue: the cases the sheet names are loaded in one query
    assert queries(3) == queries(20)

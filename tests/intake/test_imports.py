"""Spreadsheet import: a sheet is all imported or not at all, every bad row is named by its number,
dates keep their precision, Cyrillic headers and labels are read, history names the importer."""

import datetime
import io
import os
import stat
import time

import openpyxl
import polib
import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone

from cases.intake import previews
from cases.intake.admin import (
    PersonImportExportMixin,
    PetitionImportExportMixin,
    RelativeExportMixin,
)
from cases.intake.cells import ChoiceCell, parse_approximate_date
from cases.intake.persons import import_persons
from cases.intake.petitions import import_petitions
from cases.models import (
    Consent,
    DatePrecision,
    DetainedPerson,
    Kinship,
    Petition,
    PetitionEvent,
    Relative,
    Status,
)
from cases.public import statistics
from tests.factories import make_kinship, make_person, make_relative, make_user, place
from tests.public.publishing import tallied

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEXT_YEAR = str(TODAY.year + 1)


# --- A throwaway admin site with the mixins, however cases/admin/ is wired ----------------------


def _with_mixin(mixin, admin_class):
    if issubclass(admin_class, mixin):
        return admin_class
    return type(admin_class.__name__, (mixin, admin_class), {})


MIXINS = {
    DetainedPerson: PersonImportExportMixin,
    Petition: PetitionImportExportMixin,
    Relative: RelativeExportMixin,
}
site = AdminSite(name="admin")
for _model, _model_admin in admin.site._registry.items():
    _class = type(_model_admin)
    site.register(_model, _with_mixin(MIXINS[_model], _class) if _model in MIXINS else _class)
urlpatterns = [path("admin/", site.urls)]


def use_test_admin(settings) -> None:
    """Serve the site above at /admin/, without two-factor login."""
    settings.REQUIRE_2FA = False
    settings.ROOT_URLCONF = __name__


@pytest.fixture(autouse=True)
def _test_admin(settings):
    use_test_admin(settings)


# --- Sheets --------------------------------------------------------------------------------------


def csv_bytes(rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    lines = []
    for row in rows:
        cells = ['"' + str(c).replace('"', '""') + '"' if c != "" else "" for c in row]
        lines.append(delimiter.join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADERS = [
    "case_number", "ФИО", "name_latin", "gender", "birth_year", "Статус", "Дата задержания",
    "home_place", "relative_1_full_name", "relative_1_relationship", "relative_1_lives_in",
    "relative_1_phone", "relative_1_separated", "Туыс 2 аты-жөні", "relative_2_relationship",
]  # fmt: skip
AIGUL = ["", "Айгүл Серікқызы", "Aigul Serikkyzy", "female", "1985", "barred_from_leaving",
         "2018-03", "Іле", "Серік Дәулетұлы", "spouse", "Kazakhstan", "+7 701 000 0001", "иә",
         "Дана Серікқызы", "child"]  # fmt: skip
BOLAT = ["", "Болат Ержанұлы", "", "male", "", "camp", "12.03.2018", "altay", "", "", "", "",
         "", "", ""]  # fmt: skip


def valid_sheet() -> list[list]:
    return [list(HEADERS), list(AIGUL), list(BOLAT)]


# --- A valid sheet -------------------------------------------------------------------------------


def test_valid_sheet_creates_persons_with_relatives_and_history_by_the_importer():
    coordinator = make_user("coordinator", superuser=True)
    report = import_persons(
        csv_bytes(valid_sheet()), user=coordinator, dry_run=False, file_name="cases.csv"
    )

    assert report.ok and report.written
    assert (report.created, report.relatives_added) == (2, 2)
    aigul = DetainedPerson.objects.get(full_name="Айгүл Серікқызы")
    assert aigul.case_number == f"C-{aigul.pk:05d}"
    assert aigul.status == Status.BARRED_FROM_LEAVING
    assert aigul.home_place == place("ili")
    assert (aigul.detained_on, aigul.detained_on_precision) == (
        datetime.date(2018, 3, 1),
        DatePrecision.MONTH,
    )
    assert "aigul" in aigul.name_key
    spouse = aigul.kinships.get(relationship=Kinship.Relationship.SPOUSE)
    assert spouse.separated is True
    assert spouse.relative.phone == "+7 701 000 0001"
    assert spouse.relative.lives_in == Relative.LivesIn.KAZAKHSTAN
    assert aigul.kinships.get(relationship=Kinship.Relationship.CHILD).relative.full_name == (
        "Дана Серікқызы"
    )
    bolat = DetainedPerson.objects.get(full_name="Болат Ержанұлы")
    assert (bolat.detained_on, bolat.detained_on_precision) == (
        datetime.date(2018, 3, 12),
        DatePrecision.DAY,
    )
    for model in (DetainedPerson, Relative, Kinship):
        records = model.history.all()
        assert records.count() == model.objects.count()
        assert {r.history_user for r in records} == {coordinator}
        assert {r.history_change_reason for r in records} == {"Imported from cases.csv"}
    assert aigul.history.get().case_number == aigul.case_number


def test_dry_run_writes_nothing_and_says_what_would_be_created():
    report = import_persons(csv_bytes(valid_sheet()), dry_run=True)

    assert report.ok and not report.written
    assert [(row.row, row.action) for row in report.rows] == [(2, "new"), (3, "new")]
    assert "new relative: Серік Дәулетұлы (spouse)" in report.rows[0].changes
    assert DetainedPerson.objects.count() == Relative.objects.count() == 0


def test_xlsx_sheet_with_number_and_date_cells_imports_like_csv():
    rows = valid_sheet()
    rows[1][4] = 1985  # a number cell
    rows[2][6] = datetime.datetime(2018, 3, 12)  # a date cell
    rows[1][6] = 2018  # a year typed as a number
    report = import_persons(xlsx_bytes(rows), dry_run=False)

    assert report.ok, report.errors
    aigul = DetainedPerson.objects.get(full_name="Айгүл Серікқызы")
    assert aigul.birth_year == 1985
    assert (aigul.detained_on, aigul.detained_on_precision) == (datetime.date(2018, 1, 1), "year")
    bolat = DetainedPerson.objects.get(full_name="Болат Ержанұлы")
    assert (bolat.detained_on, bolat.detained_on_precision) == (datetime.date(2018, 3, 12), "day")


def test_semicolon_separated_csv_from_russian_excel_is_read():
    report = import_persons(csv_bytes(valid_sheet(), delimiter=";"), dry_run=False)
    assert report.ok and DetainedPerson.objects.count() == 2


# --- Invalid rows: all or nothing ----------------------------------------------------------------


def test_sheet_with_invalid_rows_writes_nothing_and_names_each_error_by_row():
    rows = valid_sheet() + [
        ["", "Жанар Ахметқызы", "", "", "", "camp", "2018-13-45", "Nowhere", *[""] * 7],
        ["", "", "", "", "", "camp", "2019", "", *[""] * 7],
        ["", "Ерлан Сәкенұлы", "", "", "", "on holiday", "2019", "", *[""] * 7],
        ["", "Асхат Бекұлы", "", "", "", "", NEXT_YEAR, "", "", "", "", "", "maybe", "", ""],
    ]
    report = import_persons(csv_bytes(rows), dry_run=False)

    assert not report.ok and not report.written
    errors = [(e.row, e.message) for e in report.errors]
    assert (
        4,
        "Could not read the date '2018-13-45' in column detained_on: write 2018, 2018-03, "
        "2018-03-12 or 12.03.2018.",
    ) in errors
    assert any(
        row == 4 and "Unknown place 'Nowhere' in column home_place" in m for row, m in errors
    )
    assert (5, "The full name is missing (column full_name): every person needs one.") in errors
    assert any(
        row == 6 and "Unknown value 'on holiday' in column status" in m for row, m in errors
    )
    assert (7, f"The date '{NEXT_YEAR}' in column detained_on lies in the future.") in errors
    assert any(row == 7 and "relative_1_separated" in m for row, m in errors)
    assert {row for row, _m in errors} == {4, 5, 6, 7}
    assert DetainedPerson.objects.count() == Relative.objects.count() == 0


def test_model_rules_apply_as_in_the_admin_form():
    rows = [["full_name", "birth_year", "relative_1_full_name", "relative_1_email"],
            ["А" * 201, "1850", "Серік", "not-an-email"]]  # fmt: skip
    report = import_persons(csv_bytes(rows), dry_run=True)

    assert [e.message for e in report.errors] == [
        "Could not read the year '1850' in column birth_year: write four digits, from 1900 to "
        "this year.",
        "full_name: Ensure this value has at most 200 characters (it has 201).",
        "relative_1_email: Enter a valid email address.",
    ]


def test_template_example_row_is_refused():
    rows = [["full_name"], ["EXAMPLE Айгүл Серікқызы (delete this row)"], ["Болат"]]
    report = import_persons(csv_bytes(rows), dry_run=False)

    assert [(e.row, e.message) for e in report.errors] == [
        (2, "This is the template's example row: delete it before importing.")
    ]
    assert not DetainedPerson.objects.exists()


# --- Dates, vocabularies, headers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "day", "precision"),
    [
        ("2018", datetime.date(2018, 1, 1), DatePrecision.YEAR),
        ("2018-03", datetime.date(2018, 3, 1), DatePrecision.MONTH),
        ("03.2018", datetime.date(2018, 3, 1), DatePrecision.MONTH),
        ("2018-03-12", datetime.date(2018, 3, 12), DatePrecision.DAY),
        ("12.03.2018", datetime.date(2018, 3, 12), DatePrecision.DAY),
    ],
)
def test_dates_are_read_with_the_precision_written(cell, day, precision):
    assert parse_approximate_date(cell) == (day, precision)
    report = import_persons(
        csv_bytes([["full_name", "last_contact_on"], ["Айгүл", cell]]), dry_run=False
    )
    person = DetainedPerson.objects.get()
    assert report.ok
    assert (person.last_contact_on, person.last_contact_on_precision) == (day, precision)


@pytest.mark.parametrize(
    "cell", ["BARRED_FROM_LEAVING", "barred from leaving china", "Barred from leaving China"]
)
def test_status_accepts_the_stored_value_or_the_label_in_any_case(cell):
    report = import_persons(csv_bytes([["full_name", "status"], ["Айгүл", cell]]), dry_run=False)
    assert report.ok
    assert DetainedPerson.objects.get().status == Status.BARRED_FROM_LEAVING


def test_status_accepts_russian_and_kazakh_labels(settings, tmp_path):
    for language, label in [
        ("ru", "Запрещён выезд из Китая"),
        ("kk", "Қытайдан шығуға тыйым салынған"),
    ]:
        catalogue = polib.POFile()
        catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        catalogue.append(polib.POEntry(msgid="barred from leaving China", msgstr=label))
        os.makedirs(tmp_path / language / "LC_MESSAGES")
        catalogue.save_as_mofile(str(tmp_path / language / "LC_MESSAGES" / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]

    cell = ChoiceCell(Status)
    assert cell.clean("запрещен выезд из китая", column="status") == Status.BARRED_FROM_LEAVING
    assert cell.clean("Қытайдан шығуға тыйым салынған") == Status.BARRED_FROM_LEAVING


def test_latin_and_cyrillic_headers_mean_the_same_columns():
    row = ["Айгүл", "camp", "2018", "Серік"]
    latin = ["full_name", "status", "detained_on", "relative_1_full_name"]
    russian = ["ФИО", "Статус", "Дата задержания", "Родственник 1: ФИО"]
    kazakh = ["Аты-жөні", "Жағдайы", "Ұсталған күні", "Туысы 1 аты-жөні"]
    for headers in (latin, russian, kazakh):
        rows = [headers, row]
        report = import_persons(csv_bytes(rows), dry_run=True)
        assert report.ok and not report.notices, (rows[0], report.errors, report.notices)
        assert report.rows[0].changes == ["new relative: Серік (other relative)"]


def test_arrest_columns_read_kazakh_and_russian_headers_and_labels():
    rows = [
        ["Аты-жөні", "Ұсталған жері", "Кем задержан", "Причина задержания"],
        ["Айгүл", "Құлжа, автовокзал", "органы госбезопасности", "қос азаматтығы бар деген күдік"],
        ["Болат", "", "", ""],
    ]

    report = import_persons(csv_bytes(rows), dry_run=False)

    assert report.ok and not report.notices, (report.errors, report.notices)
    aigul, bolat = DetainedPerson.objects.order_by("full_name")
    assert (aigul.full_name, aigul.detained_at) == ("Айгүл", "Құлжа, автовокзал")
    assert aigul.detained_by == DetainedPerson.DetainedBy.STATE_SECURITY
    assert aigul.reason_given == DetainedPerson.Reason.DUAL_CITIZENSHIP
    assert (bolat.detained_at, bolat.detained_by, bolat.reason_given) == ("", "unknown", "unknown")


def test_unknown_reason_given_is_a_row_error_naming_the_choices():
    rows = [["full_name", "reason_given"], ["Айгүл", "spying"]]

    report = import_persons(csv_bytes(rows), dry_run=False)

    assert not report.ok and not DetainedPerson.objects.exists()
    assert "dual_citizenship" in report.errors[0].message


def test_unknown_columns_are_named_in_a_notice():
    report = import_persons(csv_bytes([["full_name", "favourite colour"], ["Айгүл", "blue"]]))
    assert report.ok
    assert report.notices == ["These columns are not known and were left out: 'favourite colour'."]


# --- Updating existing cases ---------------------------------------------------------------------


def test_case_number_updates_that_case_and_empty_cells_keep_its_values():
    person = make_person("Айгүл Серікқызы", status=Status.CAMP, birth_year=1985)
    spouse = make_relative("Серік Дәулетұлы", phone="+7 701 000 0001")
    make_kinship(person, spouse, relationship=Kinship.Relationship.SPOUSE)
    user = make_user("coordinator", superuser=True)
    rows = [
        ["case_number", "status", "birth_year", "relative_1_full_name", "relative_1_phone",
         "relative_2_full_name"],
        [person.case_number, "released", "", "Serik Dauletuly", "+7 701 000 0002", "Дана"],
    ]  # fmt: skip

    preview = import_persons(csv_bytes(rows), user=user)
    assert [r.action for r in preview.rows] == ["update"]
    assert preview.rows[0].changes == [
        "status: held in a camp → released, still in China",
        "relative Серік Дәулетұлы: phone changed",
        "new relative: Дана (other relative)",
    ]
    report = import_persons(csv_bytes(rows), user=user, dry_run=False)

    assert report.written and (report.created, report.updated) == (0, 1)
    person.refresh_from_db()
    assert (person.status, person.birth_year) == (Status.RELEASED, 1985)
    spouse.refresh_from_db()
    assert spouse.phone == "+7 701 000 0002"
    assert person.kinships.count() == 2
    latest = person.history.first()
    assert (latest.history_type, latest.history_user, latest.status) == ("~", user, "released")
    assert spouse.history.first().history_user == user


def test_imported_cases_count_in_the_public_statistics_at_once():
    person = make_person("Айгүл Серікқызы", status=Status.CAMP)
    rows = [
        ["case_number", "ФИО", "status", "relative_1_full_name", "relative_1_relationship"],
        [person.case_number, "", "released", "Дана", "child"],
        ["", "Болат Ержанұлы", "camp", "", ""],
    ]  # fmt: skip

    import_persons(csv_bytes(rows), dry_run=False)

    # The tallies hold each imported record once, with its record key.
    aigul, bolat = (
        DetainedPerson.objects.get(pk=person.pk),
        DetainedPerson.objects.get(full_name="Болат Ержанұлы"),
    )
    sums = statistics.tallied_sums()
    assert sums["persons"] == tallied([aigul, bolat])
    assert sums[f"status:{Status.CAMP}"] == tallied([bolat])
    assert sums[f"status:{Status.RELEASED}"] == tallied([aigul])
    assert sums["relatives"] == tallied([Relative.objects.get(full_name="Дана")])


def test_unknown_or_repeated_case_number_is_a_row_error():
    person = make_person("Айгүл")
    rows = [["case_number", "full_name"], ["C-99999", "X"], [person.case_number, "Y"],
            [person.case_number.lower(), "Z"]]  # fmt: skip
    report = import_persons(csv_bytes(rows), dry_run=False)

    assert [(e.row, e.message) for e in report.errors] == [
        (2, "There is no case C-99999 (column case_number): leave it empty to create a new case."),
        (4, f"Case {person.case_number} is also in row 3: give each case one row."),
    ]
    person.refresh_from_db()
    assert person.full_name == "Айгүл"


def test_a_row_with_an_unknown_case_still_has_its_other_cells_checked():
    rows = [["case_number", "status", "detained_on", "relative_1_relationship"],
            ["C-00999", "on holiday", NEXT_YEAR, "cousin"]]  # fmt: skip
    report = import_persons(csv_bytes(rows))

    assert [e.message.split(":")[0] for e in report.errors] == [
        "There is no case C-00999 (column case_number)",
        "Unknown value 'on holiday' in column status",
        f"The date '{NEXT_YEAR}' in column detained_on lies in the future.",
        "Unknown value 'cousin' in column relative_1_relationship",
        "Relative 1 has details but no name (column relative_1_full_name).",
    ]


def test_only_a_coordinator_may_change_verification():
    advocate = make_user(
        "advocate", perms=("cases.add_detainedperson", "cases.change_detainedperson")
    )
    rows = [["full_name", "verification"], ["Айгүл", "confirmed"], ["Болат", "reported"]]
    report = import_persons(csv_bytes(rows), user=advocate, dry_run=False)

    assert [e.row for e in report.errors] == [2]
    assert not DetainedPerson.objects.exists()


def test_import_costs_the_same_queries_for_few_rows_or_many():
    make_person("Existing", case_number=None)

    def queries(count: int) -> int:
        rows = [HEADERS] + [[*AIGUL[:1], f"Person {i}", *AIGUL[2:]] for i in range(count)]
        with CaptureQueriesContext(connection) as captured:
            assert import_persons(csv_bytes(rows), dry_run=False).written
        return len(captured)

    # The first import also records the profile the public statistics count these cases under.
    queries(1)
    # to prevent an n+1 issue: one query for places, one for existing cases, bulk inserts (which
    # SQLite splits into batches of a few dozen rows: 20 rows with 40 relatives fit in one)
    assert queries(3) == queries(20)


# --- Bad files -----------------------------------------------------------------------------------


BAD_FILES = {
    "empty": (b"", "", "The file is empty."),
    "blank lines": (b"\r\n\r\n", "", "The file is empty."),
    "wrong columns": (
        csv_bytes([["name of person", "state"], ["Айгүл", "camp"]]),
        "",
        "The sheet has no column full_name (or ФИО / Аты-жөні). The first row must hold the "
        "column names: download the template to see them.",
    ),
    "headers only": (b"full_name,status\r\n", "", "The sheet has column names but no rows"),
    "binary junk": (bytes(range(256)) * 20, "junk.csv", "This file is not a spreadsheet"),
    "garbage": (os.urandom(5 * 1024 * 1024), "big.csv", "This file is not a spreadsheet"),
    "text garbage": (b"lorem ipsum " * 450_000, "big.csv", "Could not read the CSV file"),
    "old excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "a.xls", "old Excel file"),
    "damaged xlsx": (b"PK\x03\x04" + os.urandom(2000), "a.xlsx", "not a valid Excel workbook"),
    "xlsx name, csv body": (b"full_name\r\nX\r\n", "a.xlsx", "not a valid Excel workbook"),
    "open quote": (b'full_name\r\n"Aigul\r\n' + b"x" * 200_000, "", "quotes are not closed"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_gives_a_readable_error_and_writes_nothing(name):
    data, file_name, message = BAD_FILES[name]
    report = import_persons(data, dry_run=False, file_name=file_name)

    assert not report.written
    assert len(report.errors) == 1 and report.errors[0].row is None
    assert message in report.errors[0].message
    assert not DetainedPerson.objects.exists()


def test_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_MB = 1
    rows = [["full_name", "notes"]] + [[f"Person {i}", "x" * 1000] for i in range(1100)]
    report = import_persons(csv_bytes(rows), dry_run=False)

    assert report.errors[0].message == "The file is larger than 1 MB: split it into smaller files."
    assert not DetainedPerson.objects.exists()


def test_sheet_over_the_row_limit_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    report = import_persons(csv_bytes([["full_name"]] + [[f"Person {i}"] for i in range(4)]))

    assert [e.message for e in report.errors] == [
        "The sheet goes on beyond row 4 (cell A5): at most 3 rows are imported at once. Split "
        "it into several files, or delete what lies below."
    ]


def test_csv_cell_past_the_column_limit_is_refused_naming_it(settings):
    settings.IMPORT_MAX_COLUMNS = 3
    rows = [["full_name", "status", "notes"], ["Айгүл", "camp", "", "", "stray"]]
    report = import_persons(csv_bytes(rows), dry_run=False)

    assert [e.message for e in report.errors] == [
        "The sheet goes on beyond column C (cell E2): at most 3 columns are imported. Delete "
        "the columns that are not needed."
    ]
    assert not DetainedPerson.objects.exists()


def test_csv_of_millions_of_blank_lines_is_refused_after_twice_the_row_limit(settings):
    # Each blank line costs the reader as much as a row: 10 MB of them took 15 s.
    settings.IMPORT_MAX_ROWS = 100
    report = import_persons(b"full_name\n" + b"\n" * 5_000_000 + b"Someone\n")

    assert [e.message for e in report.errors] == [
        "The sheet goes on beyond row 101 (cell A203): at most 100 rows are imported at once. "
        "Split it into several files, or delete what lies below."
    ]


def test_excel_unicode_text_is_read():
    # Excel's "Unicode text": UTF-16 with a byte order mark, columns separated by tabs.
    text = "ФИО\tСтатус\r\nАйгүл Серікқызы\tcamp\r\n"
    report = import_persons(text.encode("utf-16"), dry_run=False)

    assert report.written
    assert DetainedPerson.objects.get().full_name == "Айгүл Серікқызы"


def test_csv_in_windows_cyrillic_is_read_and_says_so():
    # Windows-1251 has no Kazakh letters: such a file can only hold Russian spellings.
    rows = [["ФИО", "Статус", "Дата задержания"], ["Болат Ержанов", "camp", "2018"]]
    report = import_persons(csv_bytes(rows, encoding="cp1251"), dry_run=False)

    assert report.written
    assert "Windows Cyrillic (cp1251)" in report.notices[0]
    assert DetainedPerson.objects.get().full_name == "Болат Ержанов"


# --- Petitions -----------------------------------------------------------------------------------


PETITION_HEADERS = ["case_numbers", "authority", "channel", "submitted_on", "status",
                    "our_reference", "petitioners"]  # fmt: skip


def test_petitions_are_created_for_their_cases_with_a_timeline_by_the_importer():
    person = make_person("Айгүл")
    other = make_person("Болат")
    make_kinship(person, make_relative("Серік Дәулетұлы"), relationship="spouse")
    user = make_user("coordinator", superuser=True)
    rows = [
        PETITION_HEADERS,
        [f"{person.case_number}, {other.pk}", "МИД", "e-government online appeal", "12.03.2019",
         "", "A-1", "Serik Dauletuly"],
        [other.case_number, "Президент Республики Казахстан", "letter", "2019-04-01", "answered",
         "A-2", ""],
    ]  # fmt: skip
    report = import_petitions(csv_bytes(rows), user=user, dry_run=False)

    assert report.written and report.created == 2, report.errors
    first = Petition.objects.get(our_reference="A-1")
    assert first.authority.code == "mfa"
    assert set(first.persons.all()) == {person, other}
    assert [r.full_name for r in first.petitioners.all()] == ["Серік Дәулетұлы"]
    # a submission date without a status means the petition was submitted
    assert first.status == Petition.Status.SUBMITTED
    assert first.follow_up_on is not None
    event = PetitionEvent.objects.get(petition=first)
    assert (event.status, event.on, event.created_by) == (
        "submitted",
        datetime.date(2019, 3, 12),
        user,
    )
    assert first.history.first().history_user == user


def test_petition_rows_with_unknown_cases_authorities_or_dates_write_nothing():
    person = make_person("Айгүл")
    rows = [
        PETITION_HEADERS,
        [person.case_number, "mfa", "letter", "2019-03-12", "submitted", "ok", ""],
        ["C-99999", "mfa", "", "2019-03-12", "", "", ""],
        [person.case_number, "The Moon", "", "spring 2019", "waiting", "", "Nobody"],
    ]
    report = import_petitions(csv_bytes(rows), dry_run=False)

    errors = [(e.row, e.message) for e in report.errors]
    assert (3, "There is no case C-99999 (column case_numbers): enter the person first.") in errors
    assert any(row == 4 and "Unknown authority 'The Moon'" in m for row, m in errors)
    assert (4, "Could not read the date 'spring 2019' in column submitted_on: write 2018, "
               "2018-03, 2018-03-12 or 12.03.2018.") in errors  # fmt: skip
    assert any(row == 4 and "Unknown value 'waiting' in column status" in m for row, m in errors)
    assert any(row == 4 and m.startswith("Nobody (column petitioners)") for row, m in errors)
    assert not Petition.objects.exists()


def test_petition_number_updates_the_petition_and_its_timeline():
    person = make_person("Айгүл")
    petition = Petition.objects.create(
        authority_id=1, status="submitted", submitted_on=datetime.date(2019, 3, 1)
    )
    petition.persons.set([person])
    user = make_user("coordinator", superuser=True)
    rows = [["petition_number", "status", "response_received_on", "response_kind"],
            [f"#{petition.pk}", "answered", "2019-05-02", "refusal"]]  # fmt: skip
    report = import_petitions(csv_bytes(rows), user=user, dry_run=False)

    assert report.written and report.updated == 1
    petition.refresh_from_db()
    assert (petition.status, petition.response_kind) == ("answered", "refusal")
    answered = petition.events.get(status="answered")
    assert (answered.on, answered.created_by) == (datetime.date(2019, 5, 2), user)
    assert list(petition.persons.all()) == [person]


# --- Through the admin ---------------------------------------------------------------------------


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


def upload(client, model, data: bytes, name: str = "cases.csv"):
    return client.post(admin_url(model, "import"), {"import_file": SimpleUploadedFile(name, data)})


def test_import_page_offers_templates_and_lists_the_columns(client):
    client.force_login(make_user("coordinator", superuser=True))
    response = client.get(admin_url(DetainedPerson, "import"))

    assert response.status_code == 200
    page = response.content.decode()
    assert admin_url(DetainedPerson, "import_template", "xlsx") in page
    assert "Аты-жөні" in page and "barred_from_leaving" in page


def test_admin_dry_run_lists_errors_by_row_and_offers_no_confirm(client):
    client.force_login(make_user("coordinator", superuser=True))
    rows = valid_sheet() + [["", "", "", "", "", "camp", "someday", *[""] * 8]]
    response = upload(client, DetainedPerson, csv_bytes(rows))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Could not read the date &#x27;someday&#x27; in column detained_on" in page
    assert '<td class="row-number">4</td>' in page
    assert "Confirm import" not in page
    assert not DetainedPerson.objects.exists()


def test_admin_confirmed_import_writes_the_checked_file_with_history(client):
    coordinator = make_user("coordinator", superuser=True)
    client.force_login(coordinator)
    preview = upload(client, DetainedPerson, csv_bytes(valid_sheet()))

    assert "Confirm import" in preview.content.decode()
    assert not DetainedPerson.objects.exists()
    token = preview.context["confirm_form"].initial["token"]
    response = client.post(admin_url(DetainedPerson, "process_import"), {"token": token})

    assert response.status_code == 302
    assert response["Location"] == admin_url(DetainedPerson, "changelist")
    assert DetainedPerson.objects.count() == 2
    assert {r.history_user for r in DetainedPerson.history.all()} == {coordinator}


def test_checked_file_waits_among_the_private_files_and_goes_once_confirmed(client, settings):
    client.force_login(make_user("coordinator", superuser=True))
    preview = upload(client, DetainedPerson, csv_bytes(valid_sheet()))

    (waiting,) = previews.folder().iterdir()
    assert waiting.read_bytes() == csv_bytes(valid_sheet())
    assert waiting.is_relative_to(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert stat.S_IMODE(waiting.stat().st_mode) == 0o600
    token = preview.context["confirm_form"].initial["token"]
    client.post(admin_url(DetainedPerson, "process_import"), {"token": token})

    assert list(previews.folder().iterdir()) == []
    assert DetainedPerson.objects.count() == 2


def test_a_checked_file_nobody_confirmed_is_deleted_after_a_day(client):
    client.force_login(make_user("coordinator", superuser=True))
    forgotten = upload(client, DetainedPerson, csv_bytes(valid_sheet()))
    (old,) = previews.folder().iterdir()
    day_ago = time.time() - previews.MAX_AGE_SECONDS - 60
    os.utime(old, (day_ago, day_ago))

    upload(client, DetainedPerson, csv_bytes(valid_sheet()))

    assert old.name not in {path.name for path in previews.folder().iterdir()}
    assert len(list(previews.folder().iterdir())) == 1
    token = forgotten.context["confirm_form"].initial["token"]
    response = client.post(
        admin_url(DetainedPerson, "process_import"), {"token": token}, follow=True
    )
    assert "The checked file has expired: upload it again." in response.content.decode()
    assert not DetainedPerson.objects.exists()


def test_admin_confirm_with_another_users_token_imports_nothing(client):
    client.force_login(make_user("coordinator", superuser=True))
    token = (
        upload(client, DetainedPerson, csv_bytes(valid_sheet()))
        .context["confirm_form"]
        .initial["token"]
    )
    client.force_login(make_user("intruder", superuser=True))
    response = client.post(
        admin_url(DetainedPerson, "process_import"), {"token": token}, follow=True
    )

    assert "The checked file has expired: upload it again." in response.content.decode()
    assert not DetainedPerson.objects.exists()


def test_admin_refuses_an_oversized_upload_before_reading_it(client, settings):
    settings.IMPORT_MAX_MB = 1
    client.force_login(make_user("coordinator", superuser=True))
    response = upload(client, DetainedPerson, b"full_name\r\n" + b"x" * (1024 * 1024 + 1))

    assert response.status_code == 200
    assert "The file is larger than 1 MB" in response.content.decode()


def test_admin_junk_upload_is_a_readable_error_not_a_500(client):
    client.force_login(make_user("coordinator", superuser=True))
    response = upload(client, Petition, os.urandom(4096), "petitions.xlsx")

    assert response.status_code == 200
    assert "This file is not a valid Excel workbook (.xlsx)." in response.content.decode()


def test_import_needs_permission_to_add_and_change(client):
    client.force_login(make_user("viewer", perms=("cases.view_detainedperson",)))
    assert client.get(admin_url(DetainedPerson, "import")).status_code == 403
    assert client.get(admin_url(DetainedPerson, "import_template", "csv")).status_code == 403
    changelist = client.get(admin_url(DetainedPerson, "changelist")).content.decode()
    assert admin_url(DetainedPerson, "import") not in changelist


def test_the_list_links_to_the_import_for_those_who_may_import(client):
    client.force_login(make_user("coordinator", superuser=True))
    for model in (DetainedPerson, Petition):
        changelist = client.get(admin_url(model, "changelist")).content.decode()
        assert admin_url(model, "import") in changelist
        assert admin_url(model, "export") in changelist


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_download_has_the_columns_and_an_example_that_is_never_imported(client, fmt):
    client.force_login(make_user("coordinator", superuser=True))
    response = client.get(admin_url(DetainedPerson, "import_template", fmt))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    data = b"".join(response)
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        header, example = [
            [c.value for c in row] for row in book.worksheets[0].iter_rows(max_row=2)
        ]
        names = {row[0]: row[1] for row in book["column names"].iter_rows(values_only=True)}
        assert "ФИО" in names["full_name"] and "Аты-жөні" in names["full_name"]
    else:
        header, example = [line.split(",") for line in data.decode("utf-8-sig").splitlines()[:2]]
    assert header[:3] == ["case_number", "full_name", "name_latin"]
    assert "relative_3_separated" in header
    assert example[1].startswith("EXAMPLE")
    report = import_persons(data, file_name=f"template.{fmt}")
    assert [e.message for e in report.errors] == [
        "This is the template's example row: delete it before importing."
    ]


def test_petition_template_download_and_page(client):
    client.force_login(make_user("coordinator", superuser=True))
    assert client.get(admin_url(Petition, "import")).status_code == 200
    data = b"".join(client.get(admin_url(Petition, "import_template", "csv")))
    assert data.decode("utf-8-sig").startswith("petition_number,case_numbers,authority")


# --- Places and authorities under their other names ----------------------------------------------


@pytest.mark.parametrize("written", ["Кульджа", "Ghulja", "Құлжа", "Kuldja"])
def test_home_place_written_under_another_name_imports_as_that_place(written):
    sheet = valid_sheet()
    sheet[1][HEADERS.index("home_place")] = written

    report = import_persons(csv_bytes(sheet), dry_run=False)

    assert report.ok, report.errors
    assert DetainedPerson.objects.get(full_name="Айгүл Серікқызы").home_place == place("ili")


def test_place_name_added_in_the_admin_is_understood_by_the_next_import():
    karamay = place("karamay")
    karamay.other_names = "Black Oil Town"
    karamay.save()
    sheet = valid_sheet()
    sheet[1][HEADERS.index("home_place")] = "black oil town"

    report = import_persons(csv_bytes(sheet), dry_run=False)

    assert report.ok, report.errors
    assert DetainedPerson.objects.get(full_name="Айгүл Серікқызы").home_place == karamay


@pytest.mark.parametrize(
    "written, code",
    [("РГПЗ", "un_wgad"), ("WGEID", "un_wgeid"), ("СІМ", "mfa"), ("Акорда", "president")],
)
def test_petition_authority_written_as_an_abbreviation_imports_as_that_authority(written, code):
    person = make_person("Айгүл")
    # She consented to UN submissions herself (a submission to a UN body needs it).
    Consent.objects.create(
        person=person,
        given_by=Consent.GivenBy.PERSON,
        covers_un_bodies=True,
        given_on=datetime.date(2019, 1, 1),
    )
    rows = [PETITION_HEADERS, [person.case_number, written, "letter", "12.03.2019", "", "A-1", ""]]

    report = import_petitions(csv_bytes(rows), user=make_user("c", superuser=True), dry_run=False)

    assert report.written, report.errors
    assert Petition.objects.get(our_reference="A-1").authority.code == code

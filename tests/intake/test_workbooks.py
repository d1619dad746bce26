"""Hostile workbooks: a cell beyond the row or column limits refuses the sheet before anything is
read into memory, with a message naming the cell, and nothing is saved."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.intake.persons import import_persons
from cases.models import DetainedPerson
from tests.factories import make_user
from tests.memory import run_with_memory_cap

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
    ),
}


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_AND_ONE_PERSON = (
    f'<row r="1">{text_cell("A1", "full_name")}</row>'
    f'<row r="2">{text_cell("A2", "Айгүл Серікқызы")}</row>'
)


def workbook(rows_xml: str, dimension: str | None = None) -> bytes:
    """An XLSX file written part by part, as a hostile one would be: 1.5 KB whatever it holds."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f'<worksheet xmlns="{MAIN}">{declared}<sheetData>{rows_xml}</sheetData></worksheet>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in PARTS.items():
            archive.writestr(name, xml)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def one_far_cell(reference: str, dimension: bool = True, cell: str = "") -> bytes:
    row = "".join(c for c in reference if c.isdigit())
    cell = cell or text_cell(reference, "x")
    return workbook(
        HEADER_AND_ONE_PERSON + f'<row r="{row}">{cell}</row>',
        f"A1:{reference}" if dimension else None,
    )


FAR_CELLS = {
    # 512 GB asked of the allocator: the process aborted.
    "last cell of Excel": (one_far_cell("XFD1048576"), "beyond row 20001 (cell XFD1048576)"),
    # No dimension declared: only the cells tell.
    "undeclared": (one_far_cell("XFD1048576", False), "beyond row 20001 (cell XFD1048576)"),
    # 32 s and 5 GB.
    "ZZ200000": (one_far_cell("ZZ200000"), "beyond row 20001 (cell ZZ200000)"),
    "far right": (one_far_cell("ZZ20"), "beyond column IP (cell ZZ20)"),
    "a number": (
        one_far_cell("ZZ200000", cell='<c r="ZZ200000"><v>1</v></c>'),
        "beyond row 20001 (cell ZZ200000)",
    ),
    "in another namespace prefix": (
        one_far_cell("ZZ200000", cell=f'<x:c xmlns:x="{MAIN}" r="ZZ200000"><x:v>1</x:v></x:c>'),
        "beyond row 20001 (cell ZZ200000)",
    ),
}


@pytest.mark.parametrize("name", FAR_CELLS)
def test_a_far_cell_refuses_the_sheet_naming_the_cell_and_saves_nothing(name):
    data, message = FAR_CELLS[name]

    report = import_persons(data, dry_run=False, file_name="far.xlsx")

    assert not report.written
    assert [error.row for error in report.errors] == [None]
    assert message in report.errors[0].message
    assert not DetainedPerson.objects.exists()


@pytest.mark.parametrize("reference", ["XFD1048576", "ZZ200000"])
def test_a_far_cell_is_refused_within_a_few_hundred_megabytes(tmp_path, reference):
    # Building the grid (512 GB, 4.5 GB) would abort the capped process.
    path = tmp_path / "far.xlsx"
    path.write_bytes(one_far_cell(reference))
    code = f"""
        from cases.intake.sheets import SheetError, read_sheet
        try:
            read_sheet(open({str(path)!r}, "rb").read(), "far.xlsx")
        except SheetError as error:
            print(error.message)
    """

    result = run_with_memory_cap(code, tmp_path)

    assert result.returncode == 0, result.stderr[-1500:]
    assert f"(cell {reference})" in result.stdout


def test_cells_with_values_up_to_the_limits_are_read_and_empty_ones_beyond_are_ignored(settings):
    settings.IMPORT_MAX_ROWS = 3
    settings.IMPORT_MAX_COLUMNS = 5
    # A formatted but empty cell (Excel writes one for every cell of a formatted range).
    styled = '<row r="99"><c r="Z99" s="1"/><c r="Y99"></c></row>'
    rows = HEADER_AND_ONE_PERSON + f'<row r="4">{text_cell("A4", "Болат")}'
    rows += f"{text_cell('E4', 'a note')}</row>" + styled

    report = import_persons(workbook(rows, "A1:Z99"), file_name="edge.xlsx")

    assert report.ok, report.errors
    assert [row.row for row in report.rows] == [2, 4]


@pytest.mark.parametrize(
    "cell, message",
    [
        (text_cell("F2", "x"), "beyond column E (cell F2): at most 5 columns are imported."),
        (text_cell("A5", "x"), "beyond row 4 (cell A5): at most 3 rows are imported at once."),
    ],
    ids=["column", "row"],
)
def test_one_cell_past_the_limits_is_refused(settings, cell, message):
    settings.IMPORT_MAX_ROWS = 3
    settings.IMPORT_MAX_COLUMNS = 5

    report = import_persons(workbook(HEADER_AND_ONE_PERSON + f"<row>{cell}</row>"))

    assert message in report.errors[0].message


def test_a_cell_with_a_value_but_no_position_is_refused_with_advice():
    # calamine counts such a cell's place from its neighbours: two readers could disagree.
    rows = HEADER_AND_ONE_PERSON + "<row><c><v>1</v></c></row>"

    report = import_persons(workbook(rows), dry_run=False)

    assert "leaves out where its cells stand: open it in Excel or LibreOffice" in (
        report.errors[0].message
    )
    assert not DetainedPerson.objects.exists()


def test_a_sheet_with_a_document_type_is_not_read():
    # Entities declared in a document type could expand a small file into a large one.
    data = one_far_cell("B2")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + sheet
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)

    report = import_persons(out.getvalue(), dry_run=False, file_name="doctype.xlsx")

    assert report.errors[0].message == "This file is not a valid Excel workbook (.xlsx)."


def test_admin_upload_of_a_far_cell_is_a_readable_error_not_a_crash(client, settings):
    settings.REQUIRE_2FA = False
    client.force_login(make_user("coordinator", superuser=True))
    upload = SimpleUploadedFile("far.xlsx", one_far_cell("XFD1048576"))

    response = client.post(reverse("admin:cases_detainedperson_import"), {"import_file": upload})

    assert response.status_code == 200
    assert "The sheet goes on beyond row 20001 (cell XFD1048576)" in response.content.decode()
    assert not DetainedPerson.objects.exists()

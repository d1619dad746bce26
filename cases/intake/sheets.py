"""Reading an uploaded sheet: CSV (UTF-8, Windows Cyrillic or Excel's UTF-16 text) or XLSX,
within the limits of casetracker/settings.py (IMPORT_MAX_MB, IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS),
into its header row and the rows below, each with its spreadsheet row number. A file that cannot
be read raises SheetError with a message saying why, plainly.
"""

import csv
import datetime
import io
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.cell import get_column_letter

from cases.formulas import unescape_formula
from cases.intake import workbooks

logger = logging.getLogger(__name__)


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_MB * 1024 * 1024


def too_large() -> str:
    """Why a file over IMPORT_MAX_MB is refused (by the upload form and by read_sheet)."""
    return gettext("The file is larger than %(mb)d MB: split it into smaller files.") % {
        "mb": settings.IMPORT_MAX_MB
    }


def max_rows() -> int:
    # One request imports at most this many rows: 10,000 take a few seconds.
    return settings.IMPORT_MAX_ROWS


def max_columns() -> int:
    # A person with 20 relatives takes 175 columns; the rest leaves room for columns of notes.
    return settings.IMPORT_MAX_COLUMNS


class SheetError(Exception):
    """The file as a whole cannot be imported; the message says why, plainly."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)


def cell_text(value: Any) -> str:
    """Any cell (CSV text or an XLSX number, date or boolean) as trimmed text."""
    if type(value) is str:  # the common case, first
        value = value.strip()
        return unescape_formula(value) if value[:1] == "'" else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unescape_formula(str(value).strip())


def shown(value: Any) -> str:
    """A cell's value as quoted in an error message: short, one line."""
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass
class Sheet:
    headers: list
    rows: list[tuple[int, list]]  # (spreadsheet row number, cells), the header being row 1
    notices: list[str] = field(default_factory=list)


XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) format
UNREADABLE = _(
    "This file is not a spreadsheet that can be read here: save it as CSV (UTF-8) or as an "
    "Excel workbook (.xlsx) and upload it again."
)


def read_sheet(data: bytes, file_name: str = "") -> Sheet:
    """The header and rows of a CSV or XLSX file, or a SheetError saying why it can't be read."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise SheetError(too_large())
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SheetError(_("The file is empty."))
    notices: list[str] = []
    if data.startswith(XLSX_MAGIC):
        rows = _xlsx_rows(data, limit)
    elif data.startswith(OLE_MAGIC):
        raise SheetError(
            _("This is an old Excel file (.xls): save it as .xlsx or as CSV and upload it again.")
        )
    elif file_name.lower().endswith((".xlsx", ".xlsm")):
        raise SheetError(_("This file is not a valid Excel workbook (.xlsx)."))
    else:
        rows = _csv_rows(_decode(data, notices))
    return _sheet(rows, notices)


def _sheet(rows: Iterable[list], notices: list[str]) -> Sheet:
    rows = iter(rows)
    headers = next(rows, None)
    if not headers or not any(cell_text(h) for h in headers):
        raise SheetError(
            _("The first row must hold the column names: download the template to see them.")
        )
    width = len(headers)
    last_row = max_rows() + 1
    body = []
    for number, cells in enumerate(rows, start=2):
        cells = list(cells[:width]) + [None] * (width - len(cells))
        first = next((i for i, cell in enumerate(cells) if cell_text(cell)), None)
        # Blank rows below the limit are let through as long as a full sheet would take: a
        # file of blank lines would otherwise keep the server busy (10 MB of them: 15 s).
        if number > last_row and (first is not None or number > 2 * last_row):
            raise _beyond_limits(_cell_name(number, (first or 0) + 1), number)
        if first is not None:
            body.append((number, cells))
    if not body:
        raise SheetError(_("The sheet has column names but no rows to import."))
    return Sheet(list(headers), body, notices)


def _decode(data: bytes, notices: list[str]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SheetError(UNREADABLE) from None
    if b"\x00" in data:
        raise SheetError(UNREADABLE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise SheetError(UNREADABLE) from None
        notices.append(
            gettext(
                "The file is not in UTF-8; it was read as Windows Cyrillic (cp1251). Check "
                "below that the names look right before you confirm."
            )
        )
    sample = text[:65536]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\r\n")
    if controls > len(sample) / 100:
        raise SheetError(UNREADABLE)
    return text


def _csv_rows(text: str) -> Iterable[list]:
    first_line = text.split("\n", 1)[0]
    # Excel in Russian or Kazakh saves CSV with semicolons.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = max_columns()
    number = 0
    try:
        for row in reader:
            number += 1
            # Empty cells to the right are what Excel writes for a wider used range: left out.
            if len(row) > columns and "".join(row[columns:]).strip():
                first = next(i for i, cell in enumerate(row) if i >= columns and cell.strip())
                raise _beyond_limits(_cell_name(number, first + 1), number)
            yield row[:columns]
    except csv.Error:
        raise SheetError(
            _(
                "Could not read the CSV file at row %(row)d: a cell is too long or its quotes "
                "are not closed."
            )
            % {"row": number + 1}
        ) from None


def _xlsx_rows(data: bytes, limit: int) -> list[list]:
    """The first sheet's rows, from A1, empty rows kept so that row numbers match Excel's;
    a cell beyond the limits is refused before the grid is built (workbooks.py)."""
    limits = workbooks.Limits(
        rows=max_rows() + 1, columns=max_columns(), unpacked_bytes=20 * limit
    )
    try:
        return workbooks.first_sheet_rows(data, limits)
    except workbooks.CellBeyondLimits as error:
        raise _beyond_limits(error.reference, error.row) from None
    except workbooks.TooLargeUnpacked:
        raise SheetError(
            _("The workbook is too large once unpacked: split it into smaller files.")
        ) from None
    except workbooks.UnplacedCell:
        raise SheetError(
            _(
                "This workbook was written by a program that leaves out where its cells stand: "
                "open it in Excel or LibreOffice, save it as .xlsx and upload it again."
            )
        ) from None
    except workbooks.NotAWorkbook as error:
        logger.info("An uploaded workbook could not be read: %s", error)
        raise SheetError(_("This file is not a valid Excel workbook (.xlsx).")) from None


def _cell_name(row: int, column: int) -> str:
    # Past ZZZ (a CSV row of 18,278 cells) the name stays at ZZZ: still beyond the limit.
    return f"{get_column_letter(min(column, 18278))}{row}"


def _beyond_limits(cell: str, row: int) -> SheetError:
    """The whole sheet is refused for one cell too far down or right: nothing is read past
    the limits, so memory and time stay bounded whatever the file declares."""
    if row > max_rows() + 1:
        return SheetError(
            _(
                "The sheet goes on beyond row %(last)d (cell %(cell)s): at most %(max)d rows "
                "are imported at once. Split it into several files, or delete what lies below."
            )
            % {"last": max_rows() + 1, "cell": cell, "max": max_rows()}
        )
    return SheetError(
        _(
            "The sheet goes on beyond column %(last)s (cell %(cell)s): at most %(max)d columns "
            "are imported. Delete the columns that are not needed."
        )
        % {"last": get_column_letter(max_columns()), "cell": cell, "max": max_columns()}
    )

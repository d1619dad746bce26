"""Dates as precise as the family knows them: a year, a month or a day.

A date field `X` with a sibling `X_precision` holds one approximate date: a year is stored as
1 January, a month as its first day (`normalize_date`), shown as "2018" or "March 2018"
(`format_approximate`). `parse_approximate_date` reads one as people write it; the admin's date
inputs (cases/admin/dates.py) and the spreadsheet import (cases/intake/cells.py) both use it.
"""

import datetime
import functools
import re
import unicodedata
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.dates import MONTHS, MONTHS_3, MONTHS_ALT, MONTHS_AP
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    YEAR = "year", _("year only")
    MONTH = "month", _("month and year")
    DAY = "day", _("exact day")


def normalize_date(value: datetime.date | None, precision: str) -> datetime.date | None:
    """Store a year as 1 January and a month as its first day, so equal dates compare equal."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


def format_approximate(value: datetime.date | None, precision: str) -> str:
    """'2018', 'March 2018' or '12 March 2018', as precise as the family knows."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return date_format(value, "YEAR_MONTH_FORMAT")
    return date_format(value, "DATE_FORMAT")


def input_text(value: datetime.date | None, precision: str) -> str:
    """How a date input shows an approximate date: '2018', '03.2018' or '12.03.2018', the way
    it is written in Kazakhstan, and read back by parse_approximate_date in any language."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.month:02d}.{value.year:04d}"
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


_RANK = {DatePrecision.YEAR: 0, DatePrecision.MONTH: 1, DatePrecision.DAY: 2}


def known_before(
    earlier: datetime.date, earlier_precision: str, later: datetime.date, later_precision: str
) -> bool:
    """Whether `earlier` certainly lies before `later`, compared only as precisely as the vaguer
    of the two is known: 'May 2019' is not before 20 May 2019, '2019' not before March 2019."""
    vaguer = min(earlier_precision, later_precision, key=lambda p: _RANK.get(p, 2))
    return normalize_date(earlier, vaguer) < normalize_date(later, vaguer)


def last_day(value: datetime.date, precision: str) -> datetime.date:
    """The last day a date known to `precision` may be: 31 December of a year, the end of a
    month, the day itself."""
    if precision == DatePrecision.YEAR:
        return datetime.date(value.year, 12, 31)
    if precision == DatePrecision.MONTH:
        following = datetime.date(value.year + value.month // 12, value.month % 12 + 1, 1)
        return following - datetime.timedelta(days=1)
    return value


@functools.cache
def month_name(month: int, language: str, *, with_day: bool = False) -> str:
    """Django's name of `month` (1 to 12) in `language` as a sentence writes it: 'наурыз',
    'март', 'March'; `with_day`, the form a day is written with: 'марта' (12 марта)."""
    with translation.override(language):
        in_date = str(MONTHS_ALT[month])
        if with_day:
            return in_date
        # MONTHS is capitalised as a calendar's heading; a sentence writes the month as the
        # language's dates do (MONTHS_ALT): lower case in Kazakh and Russian, not in English.
        name = str(MONTHS[month])
        return name.lower() if in_date[:1].islower() else name


class ApproximateDate(NamedTuple):
    date: datetime.date
    precision: str

    @property
    def stored(self) -> datetime.date:
        """The date as the database keeps it (the first day of its year or month)."""
        return normalize_date(self.date, self.precision)


EARLIEST_YEAR = 1900  # an earlier date is a typing mistake

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_NUMERIC_PATTERNS = [
    # 2018-03-12, 2018.03.12, 2018/03/12 (a time of 00:00 after it, from a spreadsheet, ignored)
    (re.compile(rf"^(?P<y>\d{{4}})[-./](?P<m>\d{{1,2}})[-./](?P<d>\d{{1,2}}){_TIME}$"),
     DatePrecision.DAY),
    # 12.03.2018: day first, with dots, as written in Kazakhstan (not 03/12/2018, which is
    # 12 March in the United States)
    (re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"), DatePrecision.DAY),
    (re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})$"), DatePrecision.MONTH),
    (re.compile(r"^(?P<m>\d{1,2})[-./](?P<y>\d{4})$"), DatePrecision.MONTH),
    (re.compile(r"^(?P<y>\d{4})$"), DatePrecision.YEAR),
]  # fmt: skip

# Words that may stand beside a year: "2018 г.", "2018 года", "2018 ж.", "2018 жылы".
_YEAR_WORDS = {"г", "год", "года", "году", "ж", "жыл", "жылы", "жылғы", "year", "of", "in"}


def _fold(text: str) -> str:
    text = text.casefold().replace("ё", "е")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.cache
def _month_names(languages: tuple[str, ...]) -> dict[str, int]:
    """Month names, their genitive forms and abbreviations in the site's languages, folded:
    'march', 'mar', 'март', 'марта', 'наурыз' → 3."""
    names: dict[str, int] = {}
    for code in languages:
        with translation.override(code):
            for table in (MONTHS, MONTHS_ALT, MONTHS_AP, MONTHS_3):
                for number, name in table.items():
                    folded = _fold(str(name)).strip(".")
                    if folded and not folded.isdigit():
                        names.setdefault(folded, number)
    return names


def _parse_words(text: str) -> ApproximateDate | None:
    """'March 2018', 'март 2018 г.', '2018 ж. наурыз', '12 марта 2018', 'March 12, 2018'."""
    words = [w for w in re.split(r"[\s,./-]+", _fold(text)) if w and w not in _YEAR_WORDS]
    months = _month_names(tuple(code for code, _name in settings.LANGUAGES))
    named = [w for w in words if w in months]
    numbers = [w for w in words if w.isdigit()]
    if len(named) != 1 or len(named) + len(numbers) != len(words):
        return None
    years = [w for w in numbers if len(w) == 4]
    days = [w for w in numbers if len(w) <= 2]
    if len(years) != 1 or len(days) > 1:
        return None
    month = months[named[0]]
    if days:
        return ApproximateDate(
            datetime.date(int(years[0]), month, int(days[0])), DatePrecision.DAY
        )
    return ApproximateDate(datetime.date(int(years[0]), month, 1), DatePrecision.MONTH)


def parse_approximate_date(value: str | datetime.date | None) -> ApproximateDate | None:
    """'2018', '2018-03', '03.2018', 'March 2018', '2018-03-12' or '12.03.2018' with its
    precision; a date object is an exact day.

    None for empty text; ValueError if the text is no such date.
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return ApproximateDate(value, DatePrecision.DAY)
    text = " ".join((value or "").split())
    if not text:
        return None
    parsed = None
    for pattern, precision in _NUMERIC_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(match.groupdict().get(p) or 1) for p in "ymd")
            parsed = ApproximateDate(datetime.date(year, month, day), precision)
            break
    else:
        parsed = _parse_words(text)
    if parsed is None or parsed.date.year < EARLIEST_YEAR:
        raise ValueError(text)
    return parsed

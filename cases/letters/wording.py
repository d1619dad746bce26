"""Dates and names as each language and each mechanism needs them in a letter.

A date is worded as vaguely as it is known: "2018 жылы", "в марте 2019 года", "in March 2019",
never a made-up day. Kazakh and Russian letters name people in Cyrillic; the UN forms ask for
the Latin spelling and the Chinese characters.
"""

import datetime
import re

from django.utils.translation import gettext as _
from django.utils.translation import override

from cases.dates import month_name
from cases.models import DatePrecision
from cases.names import transliterate

LANGUAGES = ("kk", "ru", "en")

# Month names Django lacks (the others are month_name's): Kazakh locative ("наурызда", in
# March), Russian prepositional ("в марте").
_KK_MONTHS_IN = (
    "қаңтарда", "ақпанда", "наурызда", "сәуірде", "мамырда", "маусымда",
    "шілдеде", "тамызда", "қыркүйекте", "қазанда", "қарашада", "желтоқсанда",
)  # fmt: skip
_RU_MONTHS_IN = (
    "январе", "феврале", "марте", "апреле", "мае", "июне",
    "июле", "августе", "сентябре", "октябре", "ноябре", "декабре",
)  # fmt: skip


def date_text(value: datetime.date | None, precision: str, language: str) -> str:
    """The date on its own, as precise as it is known: '2018', 'March 2019', '12 March 2019'
    ('2019 жылғы наурыз', 'март 2019 года')."""
    if value is None:
        return ""
    year, day = value.year, value.day
    if precision == DatePrecision.YEAR:
        return {"kk": f"{year} жыл", "ru": f"{year} год"}.get(language, str(year))
    if precision == DatePrecision.MONTH:
        month = month_name(value.month, language)
        return {"kk": f"{year} жылғы {month}", "ru": f"{month} {year} года"}.get(
            language, f"{month} {year}"
        )
    month = month_name(value.month, language, with_day=True)
    return {"kk": f"{year} жылғы {day} {month}", "ru": f"{day} {month} {year} года"}.get(
        language, f"{day} {month} {year}"
    )


def date_when(value: datetime.date | None, precision: str, language: str) -> str:
    """When something happened, as a sentence says it: '2018 жылы', 'в марте 2019 года',
    'in March 2019', 'on 12 March 2019'."""
    if value is None:
        return ""
    year, index, day = value.year, value.month - 1, value.day
    if precision == DatePrecision.YEAR:
        return {"kk": f"{year} жылы", "ru": f"в {year} году"}.get(language, f"in {year}")
    if precision == DatePrecision.MONTH:
        return {
            "kk": f"{year} жылғы {_KK_MONTHS_IN[index]}",
            "ru": f"в {_RU_MONTHS_IN[index]} {year} года",
        }.get(language, f"in {month_name(value.month, language)} {year}")
    with_day = month_name(value.month, language, with_day=True)
    return {
        "kk": f"{year} жылғы {day} {_KK_MONTHS_IN[index]}",
        "ru": f"{day} {with_day} {year} года",
    }.get(language, f"on {day} {with_day} {year}")


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def name_to_fill(language: str) -> str:
    """What a letter says where a name the register withholds is to be written in by hand."""
    with override(language):
        return _("[full name]")


def cyrillic_name(full_name: str, other_names: str = "") -> str:
    """The name in Cyrillic: as the family writes it, or the first Cyrillic spelling among the
    other names; the name as recorded when none is Cyrillic."""
    if has_cyrillic(full_name):
        return full_name
    for line in other_names.splitlines():
        if has_cyrillic(line):
            return line.strip()
    return full_name


def latin_name(full_name: str, name_latin: str = "") -> str:
    """The name in Latin letters: as recorded, or transliterated from the Cyrillic."""
    return name_latin or transliterate(full_name)

"""Numbers and dates are written one way per language (casetracker/formats): Kazakh groups
thousands and writes dates as Kazakhstan does, not as English ("2000", "Nov. 30, 2026")."""

import datetime

import pytest
from django.utils import formats, translation

DAY = datetime.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("language", "number", "date", "month"),
    [
        ("kk", "2\xa0000", "30 қараша 2026 ж.", "қараша 2026 ж."),
        ("ru", "2\xa0000", "30 ноября 2026 г.", "Ноябрь 2026 г."),
        ("en", "2,000", "Nov. 30, 2026", "November 2026"),
    ],
)
def test_each_language_writes_numbers_and_dates_its_own_way(language, number, date, month):
    with translation.override(language):
        assert formats.number_format(2000, force_grouping=True) == number
        assert formats.date_format(DAY) == date
        assert formats.date_format(DAY, "YEAR_MONTH_FORMAT") == month


def test_kazakh_reads_the_dates_it_writes_in_forms():
    with translation.override("kk"):
        assert "%d.%m.%Y" in formats.get_format("DATE_INPUT_FORMATS")
        assert formats.get_format("DECIMAL_SEPARATOR") == ","

import datetime

import pytest

from cases.letters.wording import cyrillic_name, date_text, date_when, latin_name
from cases.models import DatePrecision

MARCH_12 = datetime.date(2019, 3, 12)


@pytest.mark.parametrize(
    ("precision", "language", "expected"),
    [
        (DatePrecision.YEAR, "kk", "2019 жылы"),
        (DatePrecision.YEAR, "ru", "в 2019 году"),
        (DatePrecision.YEAR, "en", "in 2019"),
        (DatePrecision.MONTH, "kk", "2019 жылғы наурызда"),
        (DatePrecision.MONTH, "ru", "в марте 2019 года"),
        (DatePrecision.MONTH, "en", "in March 2019"),
        (DatePrecision.DAY, "kk", "2019 жылғы 12 наурызда"),
        (DatePrecision.DAY, "ru", "12 марта 2019 года"),
        (DatePrecision.DAY, "en", "on 12 March 2019"),
    ],
)
def test_a_date_in_a_sentence_is_as_vague_as_it_is_known(precision, language, expected):
    assert date_when(MARCH_12, precision, language) == expected


@pytest.mark.parametrize(
    ("precision", "language", "expected"),
    [
        (DatePrecision.YEAR, "kk", "2019 жыл"),
        (DatePrecision.YEAR, "ru", "2019 год"),
        (DatePrecision.YEAR, "en", "2019"),
        (DatePrecision.MONTH, "kk", "2019 жылғы наурыз"),
        (DatePrecision.MONTH, "ru", "март 2019 года"),
        (DatePrecision.MONTH, "en", "March 2019"),
        (DatePrecision.DAY, "kk", "2019 жылғы 12 наурыз"),
        (DatePrecision.DAY, "ru", "12 марта 2019 года"),
        (DatePrecision.DAY, "en", "12 March 2019"),
    ],
)
def test_a_date_on_its_own_is_as_vague_as_it_is_known(precision, language, expected):
    assert date_text(MARCH_12, precision, language) == expected


def test_kazakh_locative_follows_the_vowels_of_the_month():
    september = datetime.date(2018, 9, 1)
    april = datetime.date(2018, 4, 1)
    assert date_when(september, DatePrecision.MONTH, "kk") == "2018 жылғы қыркүйекте"
    assert date_when(april, DatePrecision.MONTH, "kk") == "2018 жылғы сәуірде"


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_is_written_as_a_sentence_writes_it(month):
    first = datetime.date(2019, month, 1)
    kk, ru, en = (date_text(first, DatePrecision.MONTH, code) for code in ("kk", "ru", "en"))
    # Django's names mid-sentence: lower case in Kazakh and Russian, capitalised in English.
    assert kk == kk.lower() and ru == ru.lower() and en[0].isupper()
    # The locative and prepositional forms (ours) grow from Django's nominative.
    kk_name, ru_name = kk.split()[-1], ru.split()[0]
    assert date_when(first, DatePrecision.MONTH, "kk").split()[-1].startswith(kk_name)
    assert date_when(first, DatePrecision.MONTH, "ru").split()[1].startswith(ru_name[:-1])


def test_no_date_is_no_text():
    assert (
        date_when(None, DatePrecision.DAY, "ru") == date_text(None, DatePrecision.DAY, "en") == ""
    )


def test_names_in_the_script_a_document_needs():
    assert (
        cyrillic_name("Kairat Dauitkhan", "Qairat Dauitkhan\nҚайрат Дәуітхан") == "Қайрат Дәуітхан"
    )
    assert cyrillic_name("Қайрат Дәуітхан") == "Қайрат Дәуітхан"
    assert latin_name("Қайрат Дәуітхан") == "Kayrat Dauitkhan"
    assert latin_name("Қайрат Дәуітхан", "Qairat Dauitkhan") == "Qairat Dauitkhan"

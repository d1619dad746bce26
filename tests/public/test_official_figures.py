"""Official figures cited as they were published: "more than 2,000 … since 2018", "15 of the
29 …", who published them and the medium that reported them, in every language of the page."""

import datetime
import html
import re

import pytest
from django.utils import translation
from django.utils.formats import number_format

from cases.models import PublishedFigure
from tests.factories import serve_public_pages

pytestmark = pytest.mark.django_db

MINISTRY_URL = "https://example.org/mfa"
REPORT_URL = "https://example.org/azattyq"


@pytest.fixture(autouse=True)
def _public_site(settings):
    serve_public_pages(settings)


@pytest.fixture
def figures() -> dict[str, PublishedFigure]:
    common = {
        "as_of": datetime.date(2019, 1, 1),
        "publisher_name": "Ministry of Foreign Affairs of Kazakhstan",
        "publisher_url": MINISTRY_URL,
        "source_name": "Radio Azattyq",
        "source_url": REPORT_URL,
    }
    left = PublishedFigure.objects.create(
        label_en="ethnic Kazakhs allowed by China to leave",
        label_kk="Қытай аумағынан кетуге рұқсат алған этникалық қазақ",
        label_ru="этнических казахов, которым Китай разрешил выехать",
        qualifier=PublishedFigure.Qualifier.MORE_THAN,
        value=2000,
        period_en="since the start of 2018",
        period_kk="2018 жылдың басынан бері",
        period_ru="с начала 2018 года",
        position=1,
        **common,
    )
    detained = PublishedFigure.objects.create(
        label_en="citizens detained on suspicion of dual citizenship",
        label_ru="граждан, задержанных по подозрению в двойном гражданстве",
        value=29,
        position=2,
        **common,
    )
    released = PublishedFigure.objects.create(
        label_en="released", label_kk="бостандыққа шыққан", label_ru="освобождены",
        value=15, parent=detained, position=3, **common,
    )  # fmt: skip
    return {"left": left, "detained": detained, "released": released}


def grouped(value: int, language: str) -> str:
    """The number as the page writes it in `language` (Django's own format for it)."""
    with translation.override(language):
        return number_format(value, force_grouping=True)


def official_section(client, language: str = "en") -> str:
    page = client.get("/", headers={"accept-language": language}).content.decode()
    start = page.index('id="official"')
    # Spaces folded, but not the no-break spaces that group thousands in Russian and Kazakh.
    return re.sub(r"[ \t\n]+", " ", html.unescape(page[start : page.index("</section>", start)]))


def official_json(client, language: str = "en") -> list[dict]:
    response = client.get("/statistics.json", headers={"accept-language": language})
    return response.json()["official_figures"]


def test_page_shows_the_qualifier_period_and_publisher_reported_by_the_medium(client, figures):
    section = official_section(client)

    assert "more than 2,000" in section
    assert "ethnic Kazakhs allowed by China to leave" in section
    assert ", since the start of 2018" in section
    assert "Ministry of Foreign Affairs of Kazakhstan</a>, reported by <a" in section
    assert f'href="{MINISTRY_URL}"' in section and f'href="{REPORT_URL}"' in section


def test_page_shows_a_part_against_its_whole(client, figures):
    section = official_section(client)

    assert "15 of the 29" in section and "released" in section
    assert "29</span>" in section  # the whole is shown as a figure of its own, exactly


def test_page_in_russian_and_kazakh_translates_the_qualifier_and_the_part(client, figures):
    russian = official_section(client, "ru")
    kazakh = official_section(client, "kk")

    assert "более 2\xa0000" in russian and "с начала 2018 года" in russian
    assert "15 из 29" in russian and "по сообщению" in russian
    assert f"{grouped(2000, 'kk')} астам" in kazakh and "2018 жылдың басынан бері" in kazakh
    assert "29 ішінен 15" in kazakh and "хабарлаған" in kazakh
    # A figure without a Kazakh label or period falls back to English, never to nothing.
    assert "citizens detained on suspicion of dual citizenship" in kazakh


def test_json_gives_the_qualifier_period_parent_and_publisher(client, figures):
    left, detained, released = official_json(client)

    assert left["qualifier"] == "more_than" and left["value"] == 2000
    assert left["value_display"] == "more than 2,000"
    assert left["period"] == "since the start of 2018"
    assert (left["publisher_name"], left["publisher_url"]) == (
        "Ministry of Foreign Affairs of Kazakhstan",
        MINISTRY_URL,
    )
    assert (left["source_name"], left["source_url"]) == ("Radio Azattyq", REPORT_URL)
    assert left["parent"] is None and detained["parent"] is None
    assert released["value_display"] == "15 of the 29"
    assert released["parent"] == {
        "label": "citizens detained on suspicion of dual citizenship",
        "value_display": "29",
    }


def test_json_in_russian_names_the_figures_in_russian(client, figures):
    left, _, released = official_json(client, "ru")

    assert left["value_display"] == "более 2\xa0000"
    assert left["period"] == "с начала 2018 года"
    assert released["value_display"] == "15 из 29"
    assert released["parent"]["label"].startswith("граждан")


def test_csv_cites_each_figure_on_one_line(client, figures):
    text = client.get("/statistics.csv").content.decode()

    assert (
        '"official_figures","1","more than 2,000 ethnic Kazakhs allowed by China to leave, '
        "since the start of 2018 — Ministry of Foreign Affairs of Kazakhstan, reported by "
        'Radio Azattyq, 2019","2000","false"'
    ) in text
    assert '"official_figures","3","15 of the 29 released — ' in text


def test_publisher_and_source_are_named_in_the_language_of_the_page(client, figures):
    PublishedFigure.objects.update(
        publisher_name_kk="Қазақстан Республикасы Сыртқы істер министрлігі",
        publisher_name_ru="Министерство иностранных дел Республики Казахстан",
        source_name_ru="Радио Азаттык",
    )

    kazakh, russian = official_section(client, "kk"), official_section(client, "ru")
    left_ru = official_json(client, "ru")[0]

    assert "Қазақстан Республикасы Сыртқы істер министрлігі" in kazakh
    assert "Ministry of Foreign Affairs" not in kazakh
    # No Kazakh name for the medium: its own (English) name, never nothing.
    assert "Radio Azattyq" in kazakh
    assert "Министерство иностранных дел Республики Казахстан" in russian
    assert "Радио Азаттык" in russian and "Radio Azattyq" not in russian
    assert (left_ru["publisher_name"], left_ru["source_name"]) == (
        "Министерство иностранных дел Республики Казахстан",
        "Радио Азаттык",
    )
    assert "Ministry of Foreign Affairs of Kazakhstan" in official_section(client)

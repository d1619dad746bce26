"""No public URL, in any language or filter, shows a name, a date finer than a year, free text
or anything about a relative (privacy rule 1)."""

import datetime
import json
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import translation
from django.utils.formats import date_format

from cases.models import DatePrecision, Outcome, Petition, Relative, Source, Status
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    place,
    serve_public_pages,
)
from tests.public.publishing import exact_key, give_key_sum, keys_publishing

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ru", "kk"]
FILTERS = [
    "",
    "?year=2018",
    "?year=2017",
    "?place=kashgar",
    "?place=kashgar&year=2018",
    "?gender=female&ethnicity=kazakh",
    "?gender=female",
    "?ethnicity=kazakh",
    "?status_group=held",
    "?status_group=not_held",
    "?gender=Zarina",  # invalid: the error page must not echo anything from the data
    "?year_from=2018&year_to=2018",  # refused, as is any range of years
]
EXACT_DATES = [
    datetime.date(2018, 3, 14),  # detained
    datetime.date(2019, 7, 23),  # last contact
    datetime.date(2019, 2, 11),  # petition submitted
    datetime.date(2019, 5, 6),  # answer received
    datetime.date(2020, 8, 19),  # outcome
    datetime.date(2018, 9, 27),  # source dated
    datetime.date(1944, 6, 3),  # a relative born
]
PRIVATE_TEXT = [
    # the persons
    "Zarina Secretkyzy",
    "Зарина Құпиякызы",
    "秘密名字",
    "Othername Hiddenova",
    "Beekeeperoccupation",
    "Hiddenvale village",
    "Private note Xylophone",
    "1931",  # birth year
    # the relatives
    "Relativia Sekretova",
    "+7 701 555 0199",
    "relative.secret@example.kz",
    "Abay street 77",
    "Taldykorgan",
    "Relative note Quokka",
    "Documents note Okapi",
    "1944",
    # petitions, outcomes, evidence
    "OUR-REF-8842",
    "THEIR-REF-5531",
    "Orgname Secretive",
    "Summary Pangolin",
    "Petition note Wombat",
    "Event note Axolotl",
    "Outcome note Narwhal",
    "Source title Capybara",
    "secret-source.example",
]


def spellings_of(day: datetime.date) -> set[str]:
    """The ways a page could write a date finer than a year, in every language."""
    found = {day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%m/%d/%Y")}
    for language in LANGUAGES:
        with translation.override(language):
            for fmt in ("DATE_FORMAT", "SHORT_DATE_FORMAT", "YEAR_MONTH_FORMAT"):
                found.add(date_format(day, fmt))
    return found


@pytest.fixture(autouse=True)
def _public_site(settings):
    settings.PUBLIC_MIN_CELL = 5
    serve_public_pages(settings)


@pytest.fixture
def private_records():
    """Twelve counted cases in Kashgar, full of distinctive private details, and their family.
    Their keys are chosen so that the twelve are published as 12 and the one separated child
    not at all: the crawl then reads numbers about them."""
    persons = [
        make_person(
            f"Зарина Құпиякызы {index}",
            name_latin=f"Zarina Secretkyzy {index}",
            name_chinese="秘密名字",
            other_names=f"Othername Hiddenova {index}",
            gender="female",
            ethnicity="kazakh",
            birth_year=1931,
            occupation="Beekeeperoccupation",
            home_place=place("kashgar"),
            home_detail="Hiddenvale village, Kashgar county",
            status=Status.CAMP if index else Status.BARRED_FROM_LEAVING,
            detained_on=EXACT_DATES[0],
            detained_on_precision=DatePrecision.DAY,
            last_contact_on=EXACT_DATES[1],
            last_contact_on_precision=DatePrecision.DAY,
            notes="Private note Xylophone",
        )
        for index in range(12)
    ]
    relative = make_relative(
        "Relativia Sekretova",
        name_latin="Relativia Sekretova",
        born_on=EXACT_DATES[6],
        born_on_precision=DatePrecision.DAY,
        citizenship=Relative.Citizenship.KAZAKHSTAN,
        situation=Relative.Situation.IN_CHINA_BARRED,
        documents="Documents note Okapi",
        city="Taldykorgan",
        phone="+7 701 555 0199",
        email="relative.secret@example.kz",
        address="Abay street 77, flat 13",
        notes="Relative note Quokka",
    )
    for person in persons:
        make_kinship(person, relative, separated=True)
    petition = make_petition(
        *persons,
        authority="mfa",
        status=Petition.Status.ANSWERED,
        submitted_on=EXACT_DATES[2],
        response_received_on=EXACT_DATES[3],
        our_reference="OUR-REF-8842",
        their_reference="THEIR-REF-5531",
        organisation="Orgname Secretive",
        response_summary="Summary Pangolin",
        notes="Petition note Wombat",
    )
    petition.petitioners.add(relative)
    petition.record_event(Petition.Status.ANSWERED, note="Event note Axolotl")
    make_outcome(
        persons[1],
        Outcome.Kind.SENTENCED,
        EXACT_DATES[4],
        sentence_years=17,
        notes="Outcome note Narwhal",
    )
    Source.objects.create(
        person=persons[0],
        title="Source title Capybara",
        url="https://secret-source.example/testimony",
        dated=EXACT_DATES[5],
        notes="Source note",
    )
    give_key_sum(persons, exact_key(12))
    give_key_sum([relative], keys_publishing(1, 0)[0])
    return persons


def crawl(client) -> dict[str, str]:
    """Every public URL, in every language and with each filter, and every page link they give."""
    seen: dict[str, str] = {}
    for language in LANGUAGES:
        client.cookies.clear()
        headers = {"accept-language": language}
        queue = [
            base + query
            for base in ("/", "/statistics.json", "/statistics.csv")
            for query in FILTERS
        ]
        queue.append("/no-such-page")
        while queue:
            url = queue.pop()
            if (language, url) in seen:
                continue
            response = client.get(url, headers=headers)
            body = response.content.decode()
            seen[(language, url)] = body
            for link in re.findall(r'(?:href|action)="([^"#]*)', body):
                link = urljoin(url, link.replace("&amp;", "&"))
                parts = urlsplit(link)
                if not parts.netloc and not parts.path.startswith(("/i18n/", "/static/")):
                    queue.append(link)
    return seen


def test_no_public_url_shows_private_details(client, private_records):
    forbidden = set(PRIVATE_TEXT) | {p.case_number for p in private_records}
    for day in EXACT_DATES:
        forbidden |= spellings_of(day)

    pages = crawl(client)

    assert len(pages) >= len(LANGUAGES) * 3 * len(FILTERS)
    leaks = {
        (language, url, text)
        for (language, url), body in pages.items()
        for text in forbidden
        if text in body
    }
    assert leaks == set()


def test_the_crawl_would_see_the_numbers_of_the_seeded_cases(client, private_records):
    # The crawl reads pages that count these very cases, so the test above can fail.
    pages = crawl(client)

    assert re.search(r"<dd>\s*12\s*</dd>", pages[("en", "/")])
    places = json.loads(pages[("ru", "/statistics.json")])["breakdowns"]["place"]
    assert {"key": "kashgar", "label": "Кашгар", "count": 12, "suppressed": False} in places
    assert '"separated_children": null' in pages[("en", "/statistics.json")]

"""The admin in Kazakh and Russian leaves no English word on any page, for every role.

A crawler signs in as an advocate, a coordinator and a viewer (setup_roles' groups), starts at
the admin index and follows every link of the admin it finds (and the pages a link does not
reach: add pages, histories, imports). On each page it reads what a person sees or hears: the
text, the page title, and the title, placeholder, aria-label and alt attributes and button
values. A word is English when it is one of the words of the English messages of the project,
Django and the admin's libraries: that catches a message left untranslated without flagging the
Latin letters of a name, a file format or an address.
"""

import re
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from cases.models import Outcome, Source
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    make_user,
    place,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ("kk", "ru")
ROLES = ("Advocate", "Coordinator", "Viewer")
# Usernames in Cyrillic, so that the greeting is not an English word itself.
USERNAMES = {"Advocate": "адвокат", "Coordinator": "үйлестіруші", "Viewer": "бақылаушы"}

# Words every language writes the same way: technical names, and the language switcher's own
# name for English.
SHARED_WORDS = {
    "csv", "xlsx", "json", "ok", "id", "un", "totp", "url", "email", "english", "django",
    "pdf", "ip", "http", "sha", "utc", "html", "xls", "tsv", "ods", "yaml", "import_export",
    "casetracker", "excel",
    # The model family's name in Latin letters, an example the search help gives.
    "dauitkhan", "dauytkhan", "kairat", "tarbagatai", "tacheng", "wgad",
}  # fmt: skip
# Links that are not pages of the admin to read: signing out, files, popups.
SKIPPED_LINKS = re.compile(
    r"logout|/export/|/template/|/download|_popup=|/source-file/|\.(csv|xlsx)$"
)
MAX_PAGES = 400


def latin_words(text: str) -> list[str]:
    """The words of `text` written in plain Latin letters: a name such as "Dáýithan" is one word
    of another alphabet, not the English-looking "ithan"."""
    words = re.findall(r"[^\W\d]+", text)
    return [word for word in words if len(word) > 1 and re.fullmatch(r"[A-Za-z][A-Za-z_]*", word)]


def english_words() -> set[str]:
    """The words of every English message the admin may show."""
    catalogues = [Path(settings.BASE_DIR) / "locale" / "kk" / "LC_MESSAGES" / "django.po"]
    site_packages = Path(polib.__file__).parent
    for package in ("django", "django_otp", "simple_history", "import_export", "axes"):
        catalogues += (site_packages / package).rglob("locale/ru/LC_MESSAGES/django*.po")
    words = set()
    for path in catalogues:
        for entry in polib.pofile(str(path)):
            for text in (entry.msgid, entry.msgid_plural):
                # Placeholders and markup are not words a person reads.
                text = re.sub(r"%\(\w+\)\w|\{\w*\}|<[^>]+>|&\w+;", " ", text or "")
                words.update(word.lower() for word in latin_words(text) if len(word) >= 3)
    return words - SHARED_WORDS


class ReadText(HTMLParser):
    """The text of a page as a person meets it, and the admin links on it. Code (the values a
    spreadsheet takes) and text marked as another language (a place's name in English) are
    meant as they are."""

    ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
    # Not read as the page's words: code, and what a field holds (what someone typed).
    HIDDEN = {"script", "style", "template", "code", "textarea"}
    VOID = {"img", "input", "br", "hr", "meta", "link", "source", "col", "wbr", "area", "base"}

    def __init__(self):
        super().__init__()
        self.texts, self.links, self.hidden, self.open = [], [], 0, []
        self.language = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.language = attrs.get("lang")
            return
        if tag not in self.VOID:
            other_language = "lang" in attrs and attrs["lang"] != self.language
            hides = tag in self.HIDDEN or other_language
            self.open.append((tag, hides))
            self.hidden += hides
        if self.hidden:
            return
        self.texts += [attrs[name] for name in self.ATTRIBUTES if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        # Close up to the matching tag: HTML leaves some (</p>, </li>) implied.
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                self.hidden -= sum(hides for _tag, hides in self.open[index:])
                del self.open[index:]
                break

    def handle_data(self, data):
        if not self.hidden:
            self.texts.append(data)


def english_on(html: str, vocabulary: set[str]) -> list[str]:
    parser = ReadText()
    parser.feed(html)
    found = []
    for text in parser.texts:
        text = re.sub(r"\S+@\S+", " ", text)  # addresses are data
        for word in latin_words(text):
            # Acronyms (UN, CSV) read the same in every language.
            if word.lower() in vocabulary and not word.isupper():
                found.append(word)
    return found


def links_on(html: str) -> list[str]:
    parser = ReadText()
    parser.feed(html)
    return parser.links


@pytest.fixture(scope="module")
def vocabulary():
    return english_words()


@pytest.fixture
def register():
    """The roles, one user each, and a family with every kind of record, written in Kazakh and
    Russian (a name in Latin letters is a name, not English)."""
    call_command("setup_roles", stdout=StringIO())
    users = {}
    for role in ROLES:
        users[role] = make_user(USERNAMES[role])
        users[role].groups.add(Group.objects.get(name=role))
    wife = make_person(
        "Қайрат Дәуітханның әйелі",
        name_latin="Dauitkhan",
        home_place=place("ili"),
        assigned_to=users["Advocate"],
        notes="Отбасы хабарлады.",
    )
    kairat = make_relative("Қайрат Дәуітхан", phone="+7 701 555 0142", city="Алматы")
    make_kinship(wife, kairat, relationship="spouse", is_contact=True)
    petition = make_petition(wife, organisation="Атажұрт")
    petition.petitioners.add(kairat)
    make_outcome(wife, Outcome.Kind.TRANSFERRED, petition.submitted_on, petition=petition)
    Source.objects.create(person=wife, petition=petition, title="Куәлік")
    # A record deleted, so that the deleted records' pages have a row.
    make_person("Жойылатын іс").delete()
    return users


def admin_pages_to_start_from() -> list[str]:
    """The index, and pages no link of another page may lead to."""
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    for name in ("detainedperson", "petition"):
        pages += [reverse(f"admin:cases_{name}_import"), reverse(f"admin:cases_{name}_add")]
    return pages


def crawl(client, vocabulary) -> dict[str, list[str]]:
    """Every admin page reachable from the start: its address → the English words on it."""
    admin_root = reverse("admin:index")
    queue, seen, english = admin_pages_to_start_from(), set(), {}
    while queue and len(seen) < MAX_PAGES:
        address = queue.pop(0)
        if address in seen:
            continue
        seen.add(address)
        response = client.get(address)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if words := english_on(html, vocabulary):
            english[address] = sorted(set(words))
        for link in links_on(html):
            link = urldefrag(link)[0]
            parts = urlsplit(link)
            # Admin pages only, each once: without queries (filters and orders of a list give
            # the same words), and nothing that changes anything or leaves the page.
            if parts.netloc or parts.query or not parts.path.startswith(admin_root):
                continue
            if SKIPPED_LINKS.search(link) or parts.path in seen:
                continue
            queue.append(parts.path)
    assert len(seen) < MAX_PAGES, "more admin pages than expected: raise MAX_PAGES"
    return english


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_no_admin_page_shows_an_english_word(client, register, vocabulary, role, language):
    client.force_login(register[role])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    assert crawl(client, vocabulary) == {}


def test_the_crawler_finds_english_where_there_is_some(client, register, vocabulary):
    # The same crawl in English: it must see the words it is there to catch.
    client.force_login(register["Coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    english = crawl(client, vocabulary)

    index = english[reverse("admin:index")]
    assert {"Recent", "actions", "View", "site"} <= set(index)
    assert len(english) > 20

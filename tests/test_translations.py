"""Kazakh and Russian must stay complete: every message of the project is translated."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["kk", "ru"]


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    missing = [
        entry.msgid
        for entry in catalog(language)
        if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)
    ]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language):
    po = catalog(language)
    mo = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in mo}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    for entry in catalog(language).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, form) for form in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for original, translated in pairs:
            for placeholder in ("%(", "{"):
                assert original.count(placeholder) == translated.count(placeholder), original


def test_model_names_are_served_in_kazakh_and_russian():
    from cases.models import DetainedPerson

    english = str(DetainedPerson._meta.verbose_name)
    for language in LANGUAGES:
        with translation.override(language):
            assert str(DetainedPerson._meta.verbose_name) != english


needs_gettext = pytest.mark.skipif(
    not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed"
)
# The tests that read the extraction stay on one worker under `make test` (pytest-xdist), so
# that makemessages runs once.
one_extraction = pytest.mark.xdist_group("makemessages")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, polib.POFile]:
    """The catalogues as `make messages` would write them now, from a copy of the project."""
    tmp_path = tmp_path_factory.mktemp("project")
    for name in ("manage.py", "casetracker", "accounts", "cases", "templates", "locale"):
        source = ROOT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / name)
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "kk", "-l", "ru", "--no-location"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    return {
        language: polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"))
        for language in LANGUAGES
    }


@needs_gettext
@one_extraction
def test_catalogs_hold_every_message_of_the_code_and_templates(extracted):
    for language in LANGUAGES:
        committed = {(e.msgctxt, e.msgid) for e in catalog(language) if not e.obsolete}
        new = [
            e.msgid
            for e in extracted[language]
            if not e.obsolete and (e.msgctxt, e.msgid) not in committed
        ]
        assert new == [], f"{language}: run `make messages` and translate"


@needs_gettext
@one_extraction
def test_every_translated_message_is_still_found_in_the_code_and_templates(extracted):
    # A module or template moved where makemessages does not look (outside the project's
    # folders) would keep its strings in English, and `make messages` would drop them.
    for language in LANGUAGES:
        lost = [e.msgid for e in extracted[language] if e.obsolete]
        assert lost == [], f"{language}: these messages are no longer found"

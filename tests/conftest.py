"""The suite's settings, in one place: the environment in pyproject.toml ([tool.pytest.ini_options]
env: DEBUG off, a throwaway key, no HTTPS redirect, no two-factor), the rest here; and the real
browser the browser tests share (tests/browsing.py)."""

import shutil

import pytest
from django.conf import settings
from django.test import override_settings

# The model case as the letters' tests and the admin's use it.
pytest_plugins = ["tests.letters.fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    # For the whole run, so that TestCase classes' setUpTestData sees them too.
    with override_settings(
        # Production serves hashed files collected beforehand; tests read them from the source
        # tree.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # The default hasher is slow on purpose; which one stores test passwords is beside the
        # point (tests/factories.py gives every user the same one).
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # Tests read English messages unless they switch language themselves.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _private_files_in_a_temporary_folder(settings, tmp_path):
    # Evidence files and import previews go to the private storage: never the project's folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium under Playwright; the test skips without either."""
    from django.db import connections

    from tests.browsing import CHROMIUM, CHROMIUM_FLAGS

    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
        # Inside Playwright's event loop the ORM keeps a connection of its own (connections are
        # per context there): close it, or the test database cannot be dropped at the end.
        connections.close_all()

"""Real-browser tests: Debian's Chromium driven by Playwright, on the live server.

Tests using the `browser` fixture (tests/conftest.py) skip when Playwright or /usr/bin/chromium
is missing (`apt-get install chromium`; never `playwright install`, which downloads a browser of
its own). axe-core (tests/vendor/axe-core) checks the pages' accessibility inside them.
"""

from io import StringIO
from pathlib import Path

from django.conf import settings as django_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(django_settings.BASE_DIR) / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# The impacts axe rates that a page must not have.
BLOCKING_IMPACTS = ("serious", "critical")


def serve_over_http(settings) -> None:
    """The live server speaks plain HTTP: cookies marked Secure would not come back."""
    settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = False
    settings.SESSION_COOKIE_SECURE = False


def new_page(
    browser, base_url: str, language: str, viewport: dict = DESKTOP, *, enforce_csp: bool = False
):
    """A page in a fresh context whose language cookie asks for `language`. The context ignores
    the pages' Content-Security-Policy, so that axe can be injected (the pages run as served),
    unless `enforce_csp`."""
    context = browser.new_context(viewport=viewport, bypass_csp=not enforce_csp)
    cookie = {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}
    context.add_cookies([cookie])
    return context.new_page()


def sign_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in on the admin's login page, as a person does."""
    page.goto(f"{base_url}/{django_settings.ADMIN_URL}login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_load_state()


def axe_violations(page) -> list[dict]:
    """What axe-core finds on the page with a serious or critical impact: rule, help, elements."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(node => node.target.join(" "))}))"""
    )
    return [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]


ADVOCATE = "advocate"
PASSWORD = "correct horse battery"


def load_register(settings, synthetic: int = 60):
    """The demo register on the live server, an advocate (setup_roles' group) assigned the
    source story's case, signed in with PASSWORD; returns that case."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from cases.demo.story import WIFE_NAME_LATIN
    from cases.models import DetainedPerson
    from tests.factories import make_user, serve_public_pages

    serve_over_http(settings)
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", synthetic=synthetic, stdout=StringIO())
    call_command("setup_roles", stdout=StringIO())
    serve_public_pages(settings)  # bulk loading sends no signals: start from fresh numbers
    advocate = make_user(ADVOCATE)
    advocate.groups.add(Group.objects.get(name="Advocate"))
    story = DetainedPerson.objects.get(name_latin=WIFE_NAME_LATIN)
    story.assigned_to = advocate
    story.save()
    return story

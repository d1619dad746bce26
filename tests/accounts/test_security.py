import datetime
import logging
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.invitations import create_invitation, invitation_path
from accounts.middleware import ACCOUNT_URL
from accounts.security import SIGNED_IN_AT, client_ip
from tests.factories import make_user

PASSWORD = "correct horse battery"  # tests.factories.make_user
WRONG = "not-the-password-42"
ROOT = Path(__file__).resolve().parents[2]


def try_login(client: Client, password: str, url: str | None = None, **extra):
    data = {"username": "alice", "password": password, "next": "/admin/"}
    return client.post(url or reverse("admin:login"), data, **extra)


# --- Login throttling -----------------------------------------------------------------------


@pytest.mark.django_db
def test_five_wrong_passwords_lock_out_even_the_right_one(client):
    make_user("alice")
    for _ in range(4):
        assert try_login(client, WRONG).status_code == 200  # the form, with its error

    fifth = try_login(client, WRONG)
    right = try_login(client, PASSWORD)

    assert fifth.status_code == 429
    assert right.status_code == 429
    assert b"Too many failed sign-in attempts" in right.content
    assert b"paused for 30 minutes" in right.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_is_recorded_without_the_password(client, caplog):
    make_user("alice")
    with caplog.at_level(logging.DEBUG):
        for _ in range(5):
            try_login(client, WRONG)

    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.failures_since_start == 5
    assert AccessFailureLog.objects.filter(username="alice").count() == 5
    stored = attempt.post_data + "".join(
        AccessFailureLog.objects.values_list("path_info", flat=True)
    )
    assert WRONG not in stored and WRONG not in caplog.text


@pytest.mark.django_db
def test_lockout_applies_to_one_username_from_one_address():
    make_user("alice")
    make_user("bob")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        try_login(attacker, WRONG)

    from_elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert try_login(from_elsewhere, PASSWORD).status_code == 302
    bob = attacker.post(reverse("admin:login"), {"username": "bob", "password": PASSWORD})
    assert bob.status_code == 302


@pytest.mark.django_db
def test_password_sign_in_for_enrolment_is_throttled_too(client):
    make_user("alice")
    for _ in range(5):
        try_login(client, WRONG, url=reverse("account_login"))

    response = try_login(client, PASSWORD, url=reverse("account_login"))

    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content


@pytest.mark.django_db
def test_successful_login_is_recorded(client):
    make_user("alice")

    try_login(client, PASSWORD, REMOTE_ADDR="198.51.100.7")

    log = AccessLog.objects.get(username="alice")
    assert log.ip_address == "198.51.100.7"


@pytest.mark.django_db
def test_test_client_login_still_works(client):
    make_user("alice")

    assert client.login(username="alice", password=PASSWORD)
    assert not client.login(username="alice", password=WRONG)


def test_address_behind_a_proxy_is_the_one_the_proxy_saw(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9"
    )

    settings.PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"
    settings.PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"


# --- Admin site and headers -----------------------------------------------------------------


@pytest.mark.django_db
def test_admin_site_refuses_an_unverified_staff_user_when_two_factor_is_required(settings):
    request = RequestFactory().get("/admin/")
    request.user = make_user("alice", superuser=True)
    request.user.is_verified = lambda: False

    settings.REQUIRE_2FA = True
    assert not admin.site.has_permission(request)
    settings.REQUIRE_2FA = False
    assert admin.site.has_permission(request)
    request.user = AnonymousUser()
    assert not admin.site.has_permission(request)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/admin/login/", "/admin/"])
def test_pages_carry_a_strict_content_security_policy(client, url):
    client.force_login(make_user("alice"))

    response = client.get(url)

    directives = response["Content-Security-Policy"].split(";")
    policy = dict(directive.strip().split(" ", 1) for directive in directives)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_admin_pages_are_never_stored_but_public_ones_may_be(client):
    client.force_login(make_user("alice"))

    admin_page = client.get(reverse("admin:index"))
    public_page = client.get("/")

    assert "no-store" in admin_page["Cache-Control"]
    assert "no-store" not in public_page.get("Cache-Control", "")


def account_urls() -> list[str]:
    """Every URL of the sign-in and two-factor part, as casetracker/urls.py mounts it."""
    account = next(
        entry for entry in get_resolver().url_patterns if str(entry.pattern) == ACCOUNT_URL
    )
    return [
        reverse(pattern.name, kwargs={name: "x" for name in pattern.pattern.converters})
        for pattern in account.url_patterns
    ]


def test_the_account_part_is_enumerated_whole():
    assert set(account_urls()) >= {
        reverse("account_login"),
        reverse("account_logout"),
        reverse("two_factor"),
        reverse("two_factor_backup_codes"),
        reverse("account_invitation", args=["x"]),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "password_only"])
def test_every_account_page_is_never_stored(client, settings, signed_in):
    settings.REQUIRE_2FA = True
    make_user("alice")
    if signed_in:
        try_login(client, PASSWORD, url=reverse("account_login"))

    for url in account_urls():
        for response in (client.get(url), client.get(url.rstrip("/"))):
            assert "no-store" in response.get("Cache-Control", ""), (url, response.status_code)


@pytest.mark.django_db
def test_the_pages_with_the_app_secret_and_the_backup_codes_are_never_stored(client, settings):
    settings.REQUIRE_2FA = True
    user = make_user("alice")
    _invitation, token = create_invitation(user)
    client.get(invitation_path(token))
    try_login(client, PASSWORD, url=reverse("account_login"))

    enrolment = client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=user)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    confirmed = client.post(reverse("two_factor"), {"otp_token": f"{code:06d}"}, follow=True)

    assert b"two-factor-secret" in enrolment.content
    assert b"Your backup codes" in confirmed.content
    for response in (enrolment, confirmed):
        assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/account/login/", "/admin/login/"])
def test_a_failed_sign_in_and_the_lockout_page_are_never_stored(client, url):
    make_user("alice")

    responses = [try_login(client, WRONG, url=url) for _ in range(5)]

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    for response in responses:
        assert "no-store" in response["Cache-Control"]


# --- Refused requests ------------------------------------------------------------------------


@pytest.mark.django_db
def test_nul_byte_in_the_query_is_refused_with_one_log_line(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/?place=Kairat%00Dauitkhan")

    assert response.status_code == 400
    assert b"The request could not be understood." in response.content
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage() == "NUL byte in the query string: /"
    assert "Kairat" not in caplog.text and "Traceback" not in caplog.text


# --- Sessions -------------------------------------------------------------------------------


def session_of(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


@pytest.mark.django_db
def test_session_ends_after_idle_minutes(client, settings):
    client.force_login(make_user("alice"))
    assert client.get(reverse("admin:index")).status_code == 200
    expires = session_of(client).expire_date
    assert expires - timezone.now() <= datetime.timedelta(minutes=settings.SESSION_IDLE_MINUTES)

    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_each_request_keeps_an_active_session_alive(client):
    client.force_login(make_user("alice"))
    client.get(reverse("admin:index"))
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )

    client.get(reverse("admin:index"))

    assert session_of(client).expire_date > timezone.now() + datetime.timedelta(minutes=29)


@pytest.mark.django_db
def test_session_ends_after_max_hours_however_active(client, settings):
    client.force_login(make_user("alice"))
    assert client.get(reverse("admin:index")).status_code == 200
    session = client.session
    assert time.time() - session[SIGNED_IN_AT] < 60

    session[SIGNED_IN_AT] = int(time.time()) - settings.SESSION_MAX_HOURS * 3600 - 1
    session.save()
    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert b"You were signed out 12 hours after signing in" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_session_within_max_hours_stays_signed_in(client, settings):
    client.force_login(make_user("alice"))
    client.get(reverse("admin:index"))
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - settings.SESSION_MAX_HOURS * 3600 + 60
    session.save()

    assert client.get(reverse("admin:index")).status_code == 200


# --- Production settings --------------------------------------------------------------------


def run_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECURE_SSL_REDIRECT", "REQUIRE_2FA", "SECRET_KEY"}
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "casetracker.settings",
        "ALLOWED_HOSTS": "cases.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_django(
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(50),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_require_two_factor_login(tmp_path):
    result = run_django(
        "from django.conf import settings; print(settings.REQUIRE_2FA)",
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(50),
    )

    assert result.stdout.strip() == "True"


@pytest.mark.parametrize(
    "key", ["short-key-0123456789", "django-insecure-" + "x" * 50], ids=["short", "example"]
)
def test_production_refuses_a_weak_secret_key(tmp_path, key):
    result = run_django("pass", tmp_path, SECRET_KEY=key)

    assert result.returncode != 0
    assert "SECRET_KEY is too short or a known example" in result.stderr

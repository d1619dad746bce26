import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.twofactor import BACKUP_CODE_COUNT, replace_backup_codes
from tests.factories import make_user

PASSWORD = "correct horse battery"  # tests.factories.make_user


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.REQUIRE_2FA = True
    # Many password checks here: a fast hasher; pages render without collectstatic's manifest.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def app_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrolled(username: str) -> tuple:
    """A staff user with a confirmed authenticator app and backup codes."""
    user = make_user(username)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device, replace_backup_codes(user)


def admin_login(client: Client, username: str, code: str, password: str = PASSWORD):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "otp_token": code},
    )


def signed_in_by_password(username: str) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


ADMIN_PAGES = [
    ("admin:index", ()),
    ("admin:cases_detainedperson_changelist", ()),
    ("admin:cases_relative_changelist", ()),
    ("admin:auth_user_changelist", ()),
    ("admin:password_change", ()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_staff_without_verified_device_is_sent_to_two_factor_from_admin_pages(client, name, args):
    client.force_login(make_user("alice", superuser=True))
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor')}?next={url}"


@pytest.mark.django_db
def test_staff_with_device_but_password_only_session_cannot_open_the_admin():
    user, device, _ = enrolled("alice")
    client = signed_in_by_password("alice")

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("two_factor"))
    assert b"Enter the code your authenticator app shows" in response.content
    assert b"two-factor-qr" not in response.content  # no new enrolment for someone with an app


@pytest.mark.django_db
def test_without_two_factor_required_password_is_enough(client, settings):
    settings.REQUIRE_2FA = False
    client.force_login(make_user("alice"))

    assert client.get(reverse("admin:index")).status_code == 200
    assert b"otp_token" not in Client().get(reverse("admin:login")).content


@pytest.mark.django_db
def test_admin_login_asks_for_a_code_and_offers_first_sign_in(client):
    response = client.get(reverse("admin:login"))

    assert b'name="otp_token"' in response.content
    assert b"First sign-in? Set up two-factor login" in response.content
    assert reverse("two_factor").encode() in response.content


@pytest.mark.django_db
def test_admin_login_with_password_and_app_code_opens_the_admin(client):
    _, device, _ = enrolled("alice")

    response = admin_login(client, "alice", app_code(device))

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_admin_login_with_right_password_and_wrong_code_is_refused(client):
    enrolled("alice")

    response = admin_login(client, "alice", "000000")

    assert b"That code is not right" in response.content
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_admin_login_without_code_is_refused(client):
    _, device, _ = enrolled("alice")

    response = admin_login(client, "alice", "")

    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_of_user_without_device_points_to_first_sign_in(client):
    make_user("alice")

    response = admin_login(client, "alice", "123456")

    assert b"Two-factor login is not set up for this account yet" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_first_sign_in_leads_from_password_to_enrolment():
    make_user("alice")
    client = Client()

    response = client.post(
        f"{reverse('account_login')}?next={reverse('two_factor')}",
        {"username": "alice", "password": PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("two_factor")
    assert b"Set up two-factor login" in response.content


@pytest.mark.django_db
def test_password_sign_in_refuses_a_non_staff_account(client):
    user = make_user("alice")
    user.is_staff = False
    user.save()

    response = client.post(reverse("account_login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_enrolment_shows_inline_svg_qr_code_and_the_key_without_other_hosts(client):
    client.force_login(make_user("alice"))

    response = client.get(reverse("two_factor"))

    content = response.content.decode()
    device = TOTPDevice.objects.get(user__username="alice", confirmed=False)
    assert re.search(r'<figure class="two-factor-qr"[^>]*>\s*<svg[^>]*>.*<path d="M', content)
    assert "<img" not in content and "<script" not in content.split("</head>")[1]
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', content)
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>', content).group(1)
    assert secret.replace(" ", "") == device.config_url.split("secret=")[1].split("&")[0]


@pytest.mark.django_db
def test_reloading_enrolment_keeps_the_same_key(client):
    client.force_login(make_user("alice"))

    client.get(reverse("two_factor"))
    client.get(reverse("two_factor"))

    assert TOTPDevice.objects.filter(user__username="alice").count() == 1


@pytest.mark.django_db
def test_confirming_with_app_code_verifies_session_and_shows_backup_codes_once(client):
    client.force_login(make_user("alice"))
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user__username="alice")

    response = client.post(
        f"{reverse('two_factor')}?next=/admin/cases/", {"otp_token": app_code(device)}, follow=True
    )

    device.refresh_from_db()
    assert device.confirmed
    codes = StaticDevice.objects.get(user__username="alice").token_set.values_list(
        "token", flat=True
    )
    assert len(codes) == BACKUP_CODE_COUNT
    for code in codes:
        assert code.encode() in response.content
    assert b'href="/admin/cases/"' in response.content
    assert client.get(reverse("admin:index")).status_code == 200
    # Shown once: going back to the page does not show them again.
    again = client.get(reverse("two_factor_backup_codes"), follow=True)
    assert codes[0].encode() not in again.content


@pytest.mark.django_db
def test_wrong_code_at_enrolment_gives_a_message_and_confirms_nothing(client):
    client.force_login(make_user("alice"))
    client.get(reverse("two_factor"))

    response = client.post(reverse("two_factor"), {"otp_token": "000000"})

    assert b"That code is not right" in response.content
    assert not TOTPDevice.objects.get(user__username="alice").confirmed
    assert not StaticDevice.objects.filter(user__username="alice").exists()
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_backup_code_works_once():
    _, _, codes = enrolled("alice")

    first, second = Client(), Client()
    admin_login(first, "alice", codes[0].upper())
    response = admin_login(second, "alice", codes[0])

    assert first.get(reverse("admin:index")).status_code == 200
    assert b"That code is not right" in response.content
    assert second.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_backup_code_verifies_a_password_only_session():
    _, _, codes = enrolled("alice")
    client = signed_in_by_password("alice")

    response = client.post(f"{reverse('two_factor')}?next=/admin/", {"otp_token": codes[1]})

    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_next_to_another_site_is_ignored():
    _, device, _ = enrolled("alice")
    client = signed_in_by_password("alice")

    response = client.post(
        f"{reverse('two_factor')}?next=https://example.com/", {"otp_token": app_code(device)}
    )

    assert response["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_new_backup_codes_replace_the_old_ones(client):
    _, device, old_codes = enrolled("alice")
    admin_login(client, "alice", app_code(device))

    response = client.post(reverse("two_factor"), {"new_backup_codes": "1"}, follow=True)

    new_codes = set(
        StaticDevice.objects.get(user__username="alice").token_set.values_list("token", flat=True)
    )
    assert len(new_codes) == BACKUP_CODE_COUNT and not new_codes & set(old_codes)
    assert all(code.encode() in response.content for code in new_codes)
    assert b"That code is not right" in admin_login(Client(), "alice", old_codes[0]).content


@pytest.mark.django_db
def test_status_page_counts_unused_backup_codes(client):
    _, device, codes = enrolled("alice")
    admin_login(client, "alice", codes[0])

    response = client.get(reverse("two_factor"))

    assert b"You have 9 unused backup codes left." in response.content


@pytest.mark.django_db
def test_password_only_session_can_sign_out():
    make_user("alice")
    client = signed_in_by_password("alice")

    client.post(reverse("account_logout"))

    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_only_session_cannot_download_evidence_files():
    make_user("alice", superuser=True)
    client = signed_in_by_password("alice")
    url = reverse("source-file", args=[1])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor')}?next={url}"


@pytest.mark.django_db
def test_guessing_codes_is_slowed_down(client):
    _, device, _ = enrolled("alice")
    admin_login(client, "alice", "000000")

    response = admin_login(client, "alice", app_code(device))

    assert b"Too many wrong codes. Wait a minute" in response.content
    assert client.get(reverse("admin:index")).status_code == 302

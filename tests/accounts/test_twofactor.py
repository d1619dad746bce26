import hashlib
import json
import re
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.invitations import InvitationError, create_invitation, invitation_path
from accounts.twofactor import BACKUP_CODE_COUNT, replace_backup_codes
from cases.models import Invitation
from cases.roles import sync_groups
from tests.factories import make_user

PASSWORD = "correct horse battery"  # tests.factories.make_user


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.REQUIRE_2FA = True


@contextmanager
def time_machine(**delta):
    """Now, moved forward by `delta` (a timedelta's keywords)."""
    later = timezone.now() + timedelta(**delta)
    with mock.patch("django.utils.timezone.now", return_value=later):
        yield


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


def signed_in_by_password(username: str, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(reverse("account_login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def invitation_link(user, **kwargs) -> str:
    _invitation, token = create_invitation(user, **kwargs)
    return invitation_path(token)


def enrolling(client: Client, username: str):
    """A new staff user, signed in with the invitation a coordinator gave them."""
    user = make_user(username)
    client.force_login(user)
    assert client.get(invitation_link(user))["Location"] == reverse("two_factor")
    return user


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
def test_first_sign_in_through_an_invitation_leads_from_password_to_enrolment():
    link = invitation_link(make_user("alice"))
    client = Client()

    invited = client.get(link, follow=True)
    response = client.post(
        invited.redirect_chain[-1][0],
        {"username": "alice", "password": PASSWORD},
        follow=True,
    )

    assert b"Your invitation is valid" in invited.content
    assert response.redirect_chain[-1][0] == reverse("two_factor")
    assert b"Set up two-factor login" in response.content
    assert b"two-factor-qr" in response.content


@pytest.mark.django_db
def test_first_sign_in_with_the_password_alone_cannot_enrol():
    make_user("alice")
    client = signed_in_by_password("alice")

    page = client.get(reverse("two_factor"))
    # Not even with a code made for a key the attacker picked.
    post = client.post(reverse("two_factor"), {"otp_token": "123456"})

    for response in (page, post):
        assert response.status_code == 403
        assert b"Ask your coordinator for an invitation" in response.content
        assert b"two-factor-qr" not in response.content
        assert b"two-factor-secret" not in response.content
    assert not TOTPDevice.objects.exists()
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_invitation_opened_after_a_password_sign_in_lets_the_user_enrol():
    user = make_user("alice")
    client = signed_in_by_password("alice")
    assert client.get(reverse("two_factor")).status_code == 403

    response = client.get(invitation_link(user), follow=True)

    assert response.redirect_chain[-1][0] == reverse("two_factor")
    assert b"two-factor-qr" in response.content


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
    enrolling(client, "alice")

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
    enrolling(client, "alice")

    client.get(reverse("two_factor"))
    client.get(reverse("two_factor"))

    assert TOTPDevice.objects.filter(user__username="alice").count() == 1


@pytest.mark.django_db
def test_confirming_with_app_code_verifies_session_and_shows_backup_codes_once(client):
    enrolling(client, "alice")
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
    enrolling(client, "alice")
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


# --- Enrolment invitations ----------------------------------------------------------------------


def enrol_with_app(client: Client, username: str):
    """Confirm the app shown on the enrolment page; the response to the confirmation."""
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    return client.post(reverse("two_factor"), {"otp_token": app_code(device)})


@pytest.mark.django_db
def test_invitation_works_once():
    user = make_user("alice")
    link = invitation_link(user)
    first = Client()
    first.force_login(user)
    first.get(link)
    assert enrol_with_app(first, "alice")["Location"].startswith(
        reverse("two_factor_backup_codes")
    )

    second = Client()
    response = second.get(link)

    assert response.status_code == 410
    assert b"This invitation link has already been used." in response.content
    assert b"Ask your coordinator for a new invitation" in response.content
    assert Invitation.objects.get(user=user).used_at is not None


@pytest.mark.django_db
def test_link_opened_in_two_browsers_enrols_one_only():
    user = make_user("alice")
    link = invitation_link(user)
    first, second = Client(), Client()
    for client in (first, second):
        client.force_login(user)
        client.get(link)
    enrol_with_app(first, "alice")
    # Say a coordinator removed that app and its backup codes.
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()

    response = second.get(reverse("two_factor"))

    assert response.status_code == 403
    assert b"two-factor-qr" not in response.content


@pytest.mark.django_db
def test_expired_invitation_is_refused():
    user = make_user("alice")
    link = invitation_link(user, hours=1)
    with time_machine(hours=1, seconds=1):
        client = Client()
        response = client.get(link)
        signed_in_by_password("alice", client)
        after_sign_in = client.get(reverse("two_factor"))

    assert response.status_code == 410
    assert b"This invitation link has expired." in response.content
    assert after_sign_in.status_code == 403
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_invitation_expiring_before_the_code_is_confirmed_enrols_nothing(client):
    enrolling(client, "alice")
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user__username="alice")
    Invitation.objects.update(expires_at=timezone.now())

    response = client.post(reverse("two_factor"), {"otp_token": app_code(device)})

    assert response.status_code == 403
    assert b"Ask your coordinator for an invitation" in response.content
    device.refresh_from_db()
    assert not device.confirmed


@pytest.mark.django_db
def test_unknown_invitation_link_is_refused(client):
    response = client.get(reverse("account_invitation", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert b"This invitation link is not valid" in response.content


@pytest.mark.django_db
def test_invitation_of_another_user_does_not_enrol_the_signed_in_one():
    make_user("alice")
    bob = make_user("bob")
    client = signed_in_by_password("alice")

    response = client.get(invitation_link(bob))

    # The browser is handed over to the invited person: alice is signed out first.
    assert "_auth_user_id" not in client.session
    assert response["Location"].startswith(reverse("account_login"))
    signed_in_by_password("alice", client)
    assert client.get(reverse("two_factor")).status_code == 403


@pytest.mark.django_db
def test_only_the_hash_of_the_token_is_stored():
    user = make_user("alice")

    invitation, token = create_invitation(user)

    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = json.dumps(list(Invitation.objects.values()), default=str)
    assert token not in stored
    assert len(token) >= 43  # 256 random bits


@pytest.mark.django_db
def test_a_new_invitation_closes_the_older_ones():
    user = make_user("alice")
    old_link = invitation_link(user)
    new_link = invitation_link(user)

    assert Client().get(old_link).status_code == 410
    assert Client().get(new_link).status_code == 302


@pytest.mark.django_db
def test_user_verified_by_a_backup_code_may_set_up_a_new_app_without_invitation():
    user, device, codes = enrolled("alice")
    device.delete()  # the lost phone, removed by a coordinator
    client = Client()
    admin_login(client, "alice", codes[0])

    response = client.get(reverse("two_factor"))

    assert b"two-factor-qr" in response.content


@pytest.mark.django_db
def test_invitations_are_only_for_active_staff():
    user = make_user("alice")
    user.is_staff = False
    user.save()

    with pytest.raises(InvitationError, match="not an active staff account"):
        create_invitation(user)
    with pytest.raises(InvitationError, match="valid for 1 to 720 hours"):
        create_invitation(make_user("bob"), hours=0)
    assert not Invitation.objects.exists()


# --- The invite_user command --------------------------------------------------------------------


@pytest.mark.django_db
def test_invite_user_prints_a_link_that_works(settings):
    settings.ALLOWED_HOSTS = ["cases.example.org", "testserver"]
    user = make_user("alice")
    out = StringIO()

    call_command("invite_user", "alice", "--hours", "24", stdout=out)

    link = out.getvalue().splitlines()[-1]
    assert link.startswith("https://cases.example.org/account/invitation/")
    invitation = Invitation.objects.get(user=user)
    assert invitation.created_by is None
    assert timedelta(hours=23) < invitation.expires_at - timezone.now() <= timedelta(hours=24)
    assert (
        Client()
        .get(link.removeprefix("https://cases.example.org"))["Location"]
        .startswith(reverse("account_login"))
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "There is no user nobody."),
        (["carol"], "carol is not an active staff account"),
        (["alice", "--hours", "10000"], "An invitation is valid for 1 to 720 hours."),
    ],
)
def test_invite_user_refuses_clearly(args, message):
    make_user("alice")
    carol = make_user("carol")
    carol.is_active = False
    carol.save()

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("invite_user", *args, stdout=StringIO())
    assert not Invitation.objects.exists()


# --- The admin action on users ------------------------------------------------------------------


def run_invite_action(client: Client, *users):
    return client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "create_invitations", "_selected_action": [user.pk for user in users]},
        secure=True,
    )


@pytest.mark.django_db
def test_admin_action_shows_each_link_once_and_records_who_invited(client):
    _, device, _ = enrolled("root")
    User.objects.filter(username="root").update(is_superuser=True)
    admin_login(client, "root", app_code(device))
    alice, bob = make_user("alice"), make_user("bob")

    response = run_invite_action(client, alice, bob)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    paths = re.findall(r"<code>https://testserver(/account/invitation/\S+)</code>", response.text)
    assert len(paths) == 2
    assert {i.created_by.username for i in Invitation.objects.all()} == {"root"}
    assert Client().get(paths[0], secure=True).status_code == 302


@pytest.mark.django_db
def test_admin_action_refuses_a_non_staff_account_with_a_message(client):
    _, device, _ = enrolled("root")
    User.objects.filter(username="root").update(is_superuser=True)
    admin_login(client, "root", app_code(device))
    visitor = make_user("visitor")
    visitor.is_staff = False
    visitor.save()

    response = run_invite_action(client, visitor)

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["visitor is not an active staff account: there is nothing to sign in to."]
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_admin_action_needs_the_permission_to_invite(client, settings):
    settings.REQUIRE_2FA = False
    viewer = make_user("viewer", perms=("auth.view_user", "auth.change_user"))
    client.force_login(viewer)

    page = client.get(reverse("admin:auth_user_changelist"))
    response = run_invite_action(client, make_user("alice"))

    assert b"create_invitations" not in page.content
    assert not Invitation.objects.exists()
    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_a_coordinator_who_may_see_users_may_invite(client, settings):
    settings.REQUIRE_2FA = False
    sync_groups()
    coordinator = make_user("coordinator", perms=("auth.view_user",))
    coordinator.groups.add(Group.objects.get(name="Coordinator"))
    client.force_login(coordinator)

    page = client.get(reverse("admin:auth_user_changelist"))
    response = run_invite_action(client, make_user("alice"))

    assert b'value="create_invitations"' in page.content
    assert response.status_code == 200
    assert Invitation.objects.get().created_by == coordinator

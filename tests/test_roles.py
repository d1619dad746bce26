"""The roles: setup_roles gives each group exactly its permissions, every time, and in the admin
an Advocate enters cases, a Viewer only reads, a Coordinator may delete and see contact details."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.urls import reverse

from cases.models import DetainedPerson, Place, Relative
from cases.roles import ROLES, VERIFY_CASES
from tests.factories import (
    make_kinship,
    make_person,
    make_relative,
    make_user,
    unchanged_post_data,
)

PHONE = "+7 701 555 0101"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_admin(settings):
    settings.REQUIRE_2FA = False
    # DEBUG is off in the suite: admin pages render without collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def setup_roles() -> str:
    out = StringIO()
    call_command("setup_roles", stdout=out)
    return out.getvalue()


def permissions_of(name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def member_of(role: str, client):
    """Sign `client` in as a staff user whose only permissions come from the group `role`."""
    user = make_user(role.lower())
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


@pytest.fixture
def roles():
    setup_roles()


@pytest.fixture
def family():
    person = make_person("Жена Қайрата")
    relative = make_relative("Қайрат Дәуітхан", phone=PHONE)
    make_kinship(person, relative)
    return person, relative


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


def test_setup_roles_creates_the_three_groups_and_says_so():
    output = setup_roles()

    for name, codenames in ROLES.items():
        assert f"Created group {name} with {len(codenames)} permissions." in output
        assert permissions_of(name) == {
            codename if "." in codename else f"cases.{codename}" for codename in codenames
        }


def test_running_setup_roles_again_changes_nothing_and_says_so():
    setup_roles()
    before = {name: permissions_of(name) for name in ROLES}

    output = setup_roles()

    assert {name: permissions_of(name) for name in ROLES} == before
    assert output.splitlines() == [
        f"{name}: unchanged ({len(codenames)} permissions)." for name, codenames in ROLES.items()
    ]


def test_permission_added_by_hand_is_removed_on_the_next_run_and_reported():
    setup_roles()
    advocate = Group.objects.get(name="Advocate")
    advocate.permissions.add(
        Permission.objects.get(codename="delete_detainedperson"),
        Permission.objects.get(codename="add_user"),
    )

    output = setup_roles()

    assert "Advocate: removed auth.add_user" in output
    assert "Advocate: removed cases.delete_detainedperson" in output
    assert "cases.delete_detainedperson" not in permissions_of("Advocate")
    assert "auth.add_user" not in permissions_of("Advocate")


def test_permission_taken_away_by_hand_is_given_back_and_reported():
    setup_roles()
    Group.objects.get(name="Coordinator").permissions.remove(
        Permission.objects.get(codename="view_contact_details")
    )

    output = setup_roles()

    assert "Coordinator: added cases.view_contact_details" in output
    assert "cases.view_contact_details" in permissions_of("Coordinator")


def test_setup_roles_leaves_members_and_other_groups_alone():
    setup_roles()
    lawyer = make_user("lawyer")
    lawyer.groups.add(Group.objects.get(name="Viewer"))
    press = Group.objects.create(name="Press office")
    press.permissions.add(Permission.objects.get(codename="view_publishedfigure"))

    setup_roles()

    assert list(lawyer.groups.values_list("name", flat=True)) == ["Viewer"]
    assert permissions_of("Press office") == {"cases.view_publishedfigure"}


def test_setup_roles_refuses_when_a_permission_is_missing_and_creates_nothing():
    Permission.objects.filter(codename=VERIFY_CASES).delete()

    with pytest.raises(CommandError, match="cases.verify_case.*Run migrate"):
        setup_roles()
    assert not Group.objects.exists()


def test_no_role_but_coordinator_sees_contact_details_or_deletes():
    setup_roles()

    assert "cases.view_contact_details" not in permissions_of("Advocate")
    assert "cases.view_contact_details" not in permissions_of("Viewer")
    assert not {
        p for p in permissions_of("Advocate") | permissions_of("Viewer") if ".delete_" in p
    }


# --- The roles in the admin -------------------------------------------------------------------


def test_advocate_adds_a_person_through_the_admin(roles, client):
    member_of("Advocate", client)
    page = client.get(admin_url(DetainedPerson, "add"))
    assert page.status_code == 200

    data = unchanged_post_data(page) | {"full_name": "Айгүл Сейітқали"}
    response = client.post(admin_url(DetainedPerson, "add"), data)

    assert response.status_code == 302
    assert DetainedPerson.objects.filter(full_name="Айгүл Сейітқали").exists()


def test_advocate_corrects_a_case(roles, client, family):
    person, _ = family
    member_of("Advocate", client)
    page = client.get(admin_url(DetainedPerson, "change", person.pk))

    data = unchanged_post_data(page) | {"occupation": "teacher"}
    response = client.post(admin_url(DetainedPerson, "change", person.pk), data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.occupation == "teacher"


def test_advocate_cannot_delete_a_person(roles, client, family):
    person, _ = family
    member_of("Advocate", client)

    assert client.get(admin_url(DetainedPerson, "delete", person.pk)).status_code == 403
    response = client.post(admin_url(DetainedPerson, "delete", person.pk), {"post": "yes"})

    assert response.status_code == 403
    assert DetainedPerson.objects.filter(pk=person.pk).exists()


def test_advocate_cannot_change_the_reference_lists(roles, client):
    ili = Place.objects.get(code="ili")
    member_of("Advocate", client)
    page = client.get(admin_url(Place, "change", ili.pk))
    assert page.status_code == 200

    data = unchanged_post_data(page) | {"name_en": "Renamed"}
    response = client.post(admin_url(Place, "change", ili.pk), data)

    assert response.status_code == 403
    ili.refresh_from_db()
    assert ili.name_en == "Ili"


def test_advocate_edits_a_case_but_not_its_verification_or_counting(roles, client, family):
    person, _ = family
    other = make_person("Same person, entered again")
    member_of("Advocate", client)
    page = client.get(admin_url(DetainedPerson, "change", person.pk))

    data = unchanged_post_data(page) | {
        "occupation": "teacher",
        "verification": "confirmed",
        "duplicate_of": other.pk,
    }
    data.pop("counted_in_statistics", None)  # an unticked box is not sent
    response = client.post(admin_url(DetainedPerson, "change", person.pk), data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.occupation == "teacher"
    assert person.verification == DetainedPerson.Verification.REPORTED
    assert person.counted_in_statistics
    assert person.duplicate_of is None


def test_advocate_cannot_change_verification_by_reverting_to_an_old_version(roles, client, family):
    person, _ = family
    unverified = person.history.get()
    person.verification = DetainedPerson.Verification.CONFIRMED
    person.save()
    member_of("Advocate", client)
    url = reverse("admin:cases_detainedperson_simple_history", args=[person.pk, unverified.pk])
    form = client.get(url).context["adminform"].form

    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    client.post(url, data)

    person.refresh_from_db()
    assert person.verification == DetainedPerson.Verification.CONFIRMED


def test_coordinator_verifies_and_excludes_a_case(roles, client, family):
    person, _ = family
    member_of("Coordinator", client)
    page = client.get(admin_url(DetainedPerson, "change", person.pk))

    data = unchanged_post_data(page) | {"verification": "confirmed"}
    data.pop("counted_in_statistics")
    response = client.post(admin_url(DetainedPerson, "change", person.pk), data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.verification == DetainedPerson.Verification.CONFIRMED
    assert not person.counted_in_statistics


def test_viewer_reads_a_case_but_a_change_is_refused(roles, client, family):
    person, _ = family
    member_of("Viewer", client)
    page = client.get(admin_url(DetainedPerson, "change", person.pk))
    assert page.status_code == 200
    assert "Жена Қайрата" in page.content.decode()

    data = {"full_name": "Changed by a viewer", "status": "released"}
    response = client.post(admin_url(DetainedPerson, "change", person.pk), data)

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.full_name == "Жена Қайрата"


def test_viewer_has_no_add_or_delete_page(roles, client, family):
    person, _ = family
    member_of("Viewer", client)

    assert client.get(admin_url(DetainedPerson, "add")).status_code == 403
    assert client.post(admin_url(Relative, "add"), {"full_name": "New"}).status_code == 403
    assert client.get(admin_url(DetainedPerson, "delete", person.pk)).status_code == 403
    assert not Relative.objects.filter(full_name="New").exists()


def test_coordinator_deletes_a_person(roles, client, family):
    person, _ = family
    member_of("Coordinator", client)

    response = client.post(admin_url(DetainedPerson, "delete", person.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not DetainedPerson.objects.filter(pk=person.pk).exists()


@pytest.mark.parametrize(
    "role, sees_phone", [("Coordinator", True), ("Advocate", False), ("Viewer", False)]
)
def test_relatives_phone_is_shown_to_coordinators_only(roles, client, family, role, sees_phone):
    person, relative = family
    member_of(role, client)

    relative_page = client.get(admin_url(Relative, "change", relative.pk))
    person_page = client.get(admin_url(DetainedPerson, "change", person.pk))
    relatives_list = client.get(admin_url(Relative, "changelist"))

    for page in (relative_page, person_page, relatives_list):
        assert page.status_code == 200
        assert (PHONE in page.content.decode()) is sees_phone


def test_a_coordinator_reaches_the_staff_list_to_invite_new_staff(client):
    setup_roles()
    coordinator = User.objects.create_user("coordinator", password="x", is_staff=True)
    coordinator.groups.add(Group.objects.get(name="Coordinator"))
    advocate = User.objects.create_user("advocate", password="x", is_staff=True)
    advocate.groups.add(Group.objects.get(name="Advocate"))

    client.force_login(coordinator)
    page = client.get(reverse("admin:auth_user_changelist"))
    assert page.status_code == 200
    assert "create_invitations" in page.content.decode()
    client.force_login(advocate)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403

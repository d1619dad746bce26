"""The roles: setup_roles gives each group exactly its permissions, every time (what each role
may do in the admin: tests/admin/test_roles.py)."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from cases.roles import ROLES, VERIFY_CASES
from tests.factories import make_user

pytestmark = pytest.mark.django_db


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

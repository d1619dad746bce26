"""The roles in the admin: an Advocate enters cases, a Viewer only reads, a Coordinator may
verify, delete and see contact details and invite new staff."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from cases.models import DetainedPerson, Place, Relative
from tests.factories import (
    make_kinship,
    make_person,
    make_relative,
    make_user,
    unchanged_post_data,
)
from tests.test_roles import setup_roles

PHONE = "+7 701 555 0101"

pytestmark = pytest.mark.django_db


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

"""Consents in the admin: entered on the case page with their state, a UN submission refused on
the petition page without them, the case flagged by a withdrawal, today's work, roles, export."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Authority, Consent, DetainedPerson, Petition, PetitionStatus, Status
from cases.roles import sync_groups
from tests.admin.test_worklist import links, section
from tests.factories import (
    make_kinship,
    make_person,
    make_petition,
    make_relative,
    make_user,
    unchanged_post_data,
)
from tests.test_consent import SUBMITTED, days, make_consent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def alice(client):
    """A superuser, logged in."""
    user = make_user("alice", superuser=True)
    client.force_login(user)
    return user


def role_user(client, role: str):
    sync_groups()
    user = make_user(role.lower())
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def un_body() -> int:
    return Authority.objects.get(code="un_wgeid").pk


# --- The petition page ------------------------------------------------------------------------


def post_petition(client, page: str, **changes):
    data = unchanged_post_data(client.get(page)) | changes
    return client.post(page, data)


def test_un_submission_without_consent_is_refused_on_the_petition_page_naming_the_person(
    client, alice
):
    covered, uncovered = make_person("Айгүл"), make_person("Бақытжан")
    make_consent(covered)
    add = f"{url(Petition, 'add')}?persons={covered.pk}"

    response = post_petition(
        client,
        add,
        persons=[covered.pk, uncovered.pk],
        authority=un_body(),
        channel=Petition.Channel.UN_FORM,
        submitted_on=SUBMITTED.isoformat(),
        status=PetitionStatus.SUBMITTED,
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["status"]
    assert len(errors) == 1 and f"{uncovered.case_number} Бақытжан" in errors[0]
    assert "Айгүл" not in errors[0]
    assert not Petition.objects.exists()


def test_un_submission_with_consent_for_every_person_is_saved_from_the_petition_page(
    client, alice
):
    person = make_person()
    make_consent(person)
    add = url(Petition, "add")

    response = post_petition(
        client,
        add,
        persons=[person.pk],
        authority=un_body(),
        submitted_on=SUBMITTED.isoformat(),
        status=PetitionStatus.SUBMITTED,
    )

    assert response.status_code == 302
    petition = Petition.objects.get()
    assert list(petition.persons.all()) == [person]
    assert petition.events.get().created_by == alice


def test_marking_a_un_draft_submitted_after_the_consent_expired_is_refused(client, alice):
    person = make_person()
    make_consent(person, given_on=TODAY - days(400), expires_on=TODAY - days(1))
    petition = make_petition(person, authority="un_wgad", status=PetitionStatus.DRAFT)
    page = url(Petition, "change", petition.pk)

    response = post_petition(
        client, page, status=PetitionStatus.SUBMITTED, submitted_on=TODAY.isoformat()
    )

    assert response.status_code == 200
    assert "No valid consent covering submissions to UN bodies" in str(
        response.context["adminform"].form.errors["status"]
    )
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.DRAFT


def test_a_un_draft_is_saved_without_consent(client, alice):
    person = make_person()
    response = post_petition(
        client,
        url(Petition, "add"),
        persons=[person.pk],
        authority=un_body(),
        status=PetitionStatus.DRAFT,
    )
    assert response.status_code == 302
    assert Petition.objects.get().status == PetitionStatus.DRAFT


# --- The case page ------------------------------------------------------------------------------


def consent_row(prefix: str = "consents-0-", **fields) -> dict:
    return {
        f"{prefix}given_by": Consent.GivenBy.RELATIVE,
        f"{prefix}method": Consent.Method.WRITTEN,
        f"{prefix}given_on": (TODAY - days(5)).isoformat(),
        f"{prefix}covers_recording": "on",
        f"{prefix}covers_un_bodies": "on",
    } | {f"{prefix}{name}": value for name, value in fields.items()}


def test_consent_is_entered_on_the_case_page_from_one_of_its_relatives(client, alice):
    person = make_person()
    spouse = make_relative("Қайрат Дәуітхан")
    make_kinship(person, spouse)
    stranger = make_relative("Бөтен адам")
    page = url(DetainedPerson, "change", person.pk)
    form = client.get(page)
    assert 'name="consents-TOTAL_FORMS"' in form.content.decode()
    (consents,) = [
        inline.formset
        for inline in form.context["inline_admin_formsets"]
        if inline.formset.prefix == "consents"
    ]
    choices = consents.empty_form.fields["relative"]
    assert list(choices.queryset) == [spouse]

    data = (
        unchanged_post_data(form) | {"consents-TOTAL_FORMS": 1} | consent_row(relative=spouse.pk)
    )
    assert client.post(page, data).status_code == 302

    consent = person.consents.get()
    assert (consent.relative, consent.scopes) == (spouse, ["recording", "un_bodies"])
    assert consent.history.get().history_user == alice

    refused = unchanged_post_data(client.get(page)) | {
        "consents-TOTAL_FORMS": 2,
        **consent_row("consents-1-", relative=stranger.pk),
    }
    assert client.post(page, refused).status_code == 200
    assert person.consents.count() == 1


def test_case_page_shows_each_consents_state(client, alice, settings):
    settings.CONSENT_EXPIRY_WARNING_DAYS = 30
    person = make_person()
    given = TODAY - days(400)
    make_consent(person, given_on=given, expires_on=TODAY + days(10))
    make_consent(person, given_on=given, expires_on=TODAY - days(10))
    make_consent(person, given_on=given - days(1), withdrawn_on=TODAY - days(20))
    make_consent(person, given_on=given - days(2))

    page = client.get(url(DetainedPerson, "change", person.pk)).content.decode()

    for state in ("expires_soon", "expired", "withdrawn", "valid"):
        assert f'class="consent-state consent-{state}"' in page


def test_a_withdrawal_flags_the_case_page_and_cannot_be_undone(client, alice):
    person = make_person()
    consent = make_consent(person, given_on=TODAY - days(100))
    page = url(DetainedPerson, "change", person.pk)
    assert "Consent withdrawn" not in client.get(page).content.decode()

    withdraw = unchanged_post_data(client.get(page)) | {
        "consents-0-withdrawn_on": (TODAY - days(1)).isoformat(),
        "consents-0-withdrawal_reason": "The family fears for the relatives in China.",
    }
    assert client.post(page, withdraw).status_code == 302

    shown = client.get(page).content.decode()
    assert "Consent withdrawn on" in shown
    assert "The family fears for the relatives in China." in shown

    undo = unchanged_post_data(client.get(page)) | {
        "consents-0-withdrawn_on": "",
        "consents-0-withdrawal_reason": "",
    }
    response = client.post(page, undo)
    assert response.status_code == 200
    assert "A withdrawal cannot be undone or deleted" in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY - days(1)

    delete = unchanged_post_data(client.get(page)) | {"consents-0-DELETE": "on"}
    response = client.post(page, delete)
    assert response.status_code == 200
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_changelist_filters_the_cases_whose_consent_was_withdrawn(client, alice):
    withdrawn = make_person("Withdrew")
    make_consent(withdrawn, given_on=TODAY - days(100), withdrawn_on=TODAY - days(3))
    consented = make_person("Consented")
    make_consent(consented, given_on=TODAY - days(100))
    never = make_person("Never asked")

    def cases(value: str) -> set[str]:
        response = client.get(url(DetainedPerson, "changelist"), {"consent": value})
        assert response.status_code == 200
        return {person.full_name for person in response.context["cl"].result_list}

    assert cases("withdrawn") == {withdrawn.full_name}
    assert cases("none") == {never.full_name}
    assert cases("un") == {consented.full_name}


def test_advocates_add_and_change_consents_but_delete_none_and_viewers_read(client):
    sync_groups()
    advocate = Group.objects.get(name="Advocate")
    coordinator = Group.objects.get(name="Coordinator")
    viewer = Group.objects.get(name="Viewer")

    def codenames(group):
        return set(
            group.permissions.filter(codename__endswith="_consent").values_list(
                "codename", flat=True
            )
        )

    assert codenames(advocate) == {"add_consent", "change_consent", "view_consent"}
    assert codenames(coordinator) == {"add_consent", "change_consent", "view_consent"}
    assert codenames(viewer) == {"view_consent"}


def test_a_coordinator_sees_no_delete_on_a_consent(client):
    person = make_person()
    consent = make_consent(person)
    role_user(client, "Coordinator")
    page = client.get(url(Consent, "change", consent.pk)).content.decode()
    assert url(Consent, "delete", consent.pk) not in page
    assert client.post(url(Consent, "delete", consent.pk), {"post": "yes"}).status_code == 403
    assert Consent.objects.filter(pk=consent.pk).exists()


# --- Today's work -------------------------------------------------------------------------------


def test_todays_work_lists_expiring_consents_cases_without_and_withdrawals(
    client, alice, settings
):
    settings.CONSENT_EXPIRY_WARNING_DAYS = 30
    soon = make_person("Soon")
    make_consent(soon, given_on=TODAY - days(300), expires_on=TODAY + days(5))
    sooner = make_person("Sooner")
    make_consent(sooner, given_on=TODAY - days(300), expires_on=TODAY + days(1))
    later = make_person("Later")
    make_consent(later, given_on=TODAY - days(300), expires_on=TODAY + days(31))
    never = make_person("Never asked")
    make_person("Came home", status=Status.LEFT_CHINA)
    withdrew = make_person("Withdrew")
    make_consent(withdrew, given_on=TODAY - days(300), withdrawn_on=TODAY - days(2))

    response = client.get(reverse("admin:index"))

    def change(person):
        return url(DetainedPerson, "change", person.pk)

    assert links(response, "consents-expiring") == [change(sooner), change(soon)]
    assert links(response, "no-consent") == [change(never)]
    assert links(response, "consent-withdrawn") == [change(withdrew)]
    assert "Consents expiring within 30 days" in response.content.decode()


def test_todays_work_consent_lists_take_a_fixed_number_of_queries(
    client, alice, django_assert_num_queries
):
    def add_cases(count: int) -> None:
        for _ in range(count):
            person = make_person()
            make_consent(person, given_on=TODAY - days(300), expires_on=TODAY + days(3))
            make_person()
            withdrew = make_person()
            make_consent(withdrew, given_on=TODAY - days(300), withdrawn_on=TODAY - days(1))

    add_cases(1)
    client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:index"))
    add_cases(4)
    # to prevent an n+1 issue: more rows, the same queries
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("admin:index"))


def test_a_viewer_sees_the_consent_lists_but_cannot_add_a_consent(client):
    person = make_person()
    make_consent(person, given_on=TODAY - days(300), expires_on=TODAY + days(3))
    role_user(client, "Viewer")
    response = client.get(reverse("admin:index"))
    assert section(response, "consents-expiring") is not None
    page = client.get(url(DetainedPerson, "change", person.pk))
    assert page.status_code == 200
    assert 'name="consents-0-given_on"' not in page.content.decode()


# --- Export ------------------------------------------------------------------------------------


def test_consents_export_with_their_case_scopes_and_state(client, alice):
    person = make_person()
    make_consent(person, given_on=TODAY - days(30), withdrawn_on=TODAY, withdrawal_reason="=cmd")
    response = client.post(
        url(Consent, "export"), {"format": "0", "resource": "0", "export_items": []}
    )
    assert response.status_code == 200, response.content[:500]
    text = response.content.decode("utf-8-sig")
    assert person.case_number in text
    assert "withdrawn" in text
    assert '"=cmd"' not in text  # escaped against formula injection


def test_the_consents_list_filters_by_state_and_its_pages_open(client, alice):
    person = make_person()
    valid = make_consent(person, given_on=TODAY - days(10))
    soon = make_consent(person, given_on=TODAY - days(10), expires_on=TODAY + days(2))
    expired = make_consent(person, given_on=TODAY - days(400), expires_on=TODAY - days(1))
    withdrawn = make_consent(person, given_on=TODAY - days(400), withdrawn_on=TODAY)

    def listed(state: str) -> list:
        response = client.get(url(Consent, "changelist"), {"state": state})
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert listed("valid") == [valid]
    assert listed("expires_soon") == [soon]
    assert listed("expired") == [expired]
    assert listed("withdrawn") == [withdrawn]
    assert client.get(url(Consent, "add")).status_code == 200
    page = client.get(url(Consent, "change", withdrawn.pk))
    assert page.status_code == 200
    assert url(Consent, "delete", withdrawn.pk) not in page.content.decode()

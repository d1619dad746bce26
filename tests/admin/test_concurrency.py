"""No lost edits: when two people save the same case or petition, the second save is refused
with a message naming who changed it, and the second person's input stays on the form."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import Client, TestCase, override_settings
from django.urls import path, reverse
from django.utils.html import escape

import casetracker.urls
from accounts.admin_site import TwoFactorAdminSite
from cases.admin.concurrency import VERSION_FIELD, ConcurrencyGuardMixin
from cases.models import DetainedPerson, Kinship, Outcome, Petition, Relative, Status
from tests.factories import (
    make_kinship,
    make_person,
    make_petition,
    make_relative,
    make_user,
    unchanged_post_data,
)

GUARDED = (DetainedPerson, Petition)


def is_guarded(site: admin.AdminSite) -> bool:
    return all(isinstance(site._registry[model], ConcurrencyGuardMixin) for model in GUARDED)


def guarded_site() -> admin.AdminSite:
    """The real admin once cases/admin/ puts the mixin in its bases; until then, a copy of
    it whose person and petition admins have the mixin first."""
    if is_guarded(admin.site):
        return admin.site
    site = TwoFactorAdminSite(name="admin")
    for model, model_admin in admin.site._registry.items():
        admin_class = type(model_admin)
        if model in GUARDED:
            admin_class = type(admin_class.__name__, (ConcurrencyGuardMixin, admin_class), {})
        site.register(model, admin_class)
    return site


# The project's URLs with the (possibly guarded copy of the) admin in place of the real one.
urlpatterns = [
    path(settings.ADMIN_URL, guarded_site().urls),
    *(p for p in casetracker.urls.urlpatterns if getattr(p, "namespace", None) != "admin"),
]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


@override_settings(ROOT_URLCONF=__name__)
class ConcurrencyTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_user("alice", superuser=True)
        cls.alice.first_name, cls.alice.last_name = "Aigerim", "Bekova"
        cls.alice.save()
        cls.bob = make_user("bob", superuser=True)

    def setUp(self):
        self.alice_client = Client()
        self.alice_client.force_login(self.alice)
        self.bob_client = Client()
        self.bob_client.force_login(self.bob)

    def open(self, client: Client, page: str) -> dict:
        """Open a change page; what its form sends back when nobody edits it."""
        response = client.get(page)
        self.assertEqual(response.status_code, 200)
        return unchanged_post_data(response)


class PersonTests(ConcurrencyTestCase):
    def setUp(self):
        super().setUp()
        self.person = make_person("Қайрат Дәуітхан's wife", occupation="teacher")
        self.page = url(DetainedPerson, "change", self.person.pk)

    def test_second_save_is_refused_and_names_who_saved_first(self):
        alice_form = self.open(self.alice_client, self.page)
        bob_form = self.open(self.bob_client, self.page)
        saved = self.alice_client.post(self.page, alice_form | {"occupation": "doctor"})
        self.assertRedirects(saved, url(DetainedPerson, "changelist"))

        refused = self.bob_client.post(self.page, bob_form | {"occupation": "farmer"})

        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, f"Aigerim Bekova changed {escape(str(self.person))} at ")
        self.assertContains(refused, "Your changes below were not saved")
        self.assertContains(refused, f'<a href="{self.page}" target="_blank" rel="noopener">')
        self.assertContains(refused, 'value="farmer"')
        self.person.refresh_from_db()
        self.assertEqual(self.person.occupation, "doctor")

    def test_refused_save_keeps_the_inline_input_and_saves_none_of_it(self):
        relative = make_relative("Дәуітхан Қайрат")
        alice_form = self.open(self.alice_client, self.page)
        bob_form = self.open(self.bob_client, self.page)
        self.alice_client.post(self.page, alice_form | {"status": Status.PRISON})

        refused = self.bob_client.post(
            self.page,
            bob_form
            | {
                "status": Status.RELEASED,
                "kinships-TOTAL_FORMS": 1,
                "kinships-0-relative": relative.pk,
                "kinships-0-relationship": Kinship.Relationship.SPOUSE,
                "outcomes-TOTAL_FORMS": 1,
                "outcomes-0-kind": Outcome.Kind.RELEASED_FROM_CAMP,
                "outcomes-0-occurred_on": "2020-01-01",
                "outcomes-0-occurred_on_precision": "year",
            },
        )

        self.assertContains(refused, "Aigerim Bekova changed")
        self.assertContains(refused, f'<option value="{relative.pk}" selected>')
        self.assertContains(refused, 'name="outcomes-0-occurred_on" value="2020-01-01"')
        self.assertFalse(Kinship.objects.exists())
        self.assertFalse(Outcome.objects.exists())
        self.person.refresh_from_db()
        self.assertEqual(self.person.status, Status.PRISON)

    def test_saving_again_after_the_refusal_keeps_the_second_change(self):
        alice_form = self.open(self.alice_client, self.page)
        bob_form = self.open(self.bob_client, self.page)
        self.alice_client.post(self.page, alice_form | {"occupation": "doctor"})
        refused = self.bob_client.post(self.page, bob_form | {"occupation": "farmer"})

        # Bob has compared the two and saves the form he was shown, on purpose.
        shown_again = refused.context["adminform"].form
        again = bob_form | {
            "occupation": "farmer",
            VERSION_FIELD: shown_again[VERSION_FIELD].value(),
        }
        self.assertRedirects(
            self.bob_client.post(self.page, again), url(DetainedPerson, "changelist")
        )
        self.person.refresh_from_db()
        self.assertEqual(self.person.occupation, "farmer")

    def test_single_editor_saves_one_change_after_another(self):
        for occupation in ("doctor", "farmer"):
            form = self.open(self.alice_client, self.page)
            saved = self.alice_client.post(
                self.page, form | {"occupation": occupation, "_continue": "1"}
            )
            self.assertRedirects(saved, self.page)
            self.person.refresh_from_db()
            self.assertEqual(self.person.occupation, occupation)

    def test_change_message_names_only_what_the_user_changed(self):
        form = self.open(self.alice_client, self.page)
        self.alice_client.post(self.page, form | {"occupation": "doctor"})
        self.assertEqual(LogEntry.objects.get().get_change_message(), "Changed Occupation.")

    def test_a_relative_link_changed_from_the_relative_page_counts_as_a_change(self):
        relative = make_relative("Дәуітхан Қайрат")
        make_kinship(self.person, relative, relationship=Kinship.Relationship.SIBLING)
        bob_form = self.open(self.bob_client, self.page)
        relative_page = url(Relative, "change", relative.pk)
        relative_form = self.open(self.alice_client, relative_page)
        saved = self.alice_client.post(
            relative_page, relative_form | {"kinships-0-relationship": "spouse"}
        )
        self.assertRedirects(saved, url(Relative, "changelist"))

        refused = self.bob_client.post(self.page, bob_form | {"occupation": "farmer"})

        self.assertContains(refused, "Aigerim Bekova changed")
        self.person.refresh_from_db()
        self.assertEqual(self.person.occupation, "teacher")

    def test_same_user_in_two_windows_is_told_it_was_them(self):
        first_window = self.open(self.alice_client, self.page)
        second_window = self.open(self.alice_client, self.page)
        self.alice_client.post(self.page, first_window | {"occupation": "doctor"})

        refused = self.alice_client.post(self.page, second_window | {"occupation": "farmer"})

        self.assertContains(refused, "You changed")
        self.assertContains(refused, "in another window")

    def test_read_only_page_has_no_version_to_send(self):
        viewer = make_user("viewer", perms=("cases.view_detainedperson",))
        self.client.force_login(viewer)
        response = self.client.get(self.page)
        self.assertContains(response, "Қайрат Дәуітхан")
        self.assertNotContains(response, VERSION_FIELD)

    def test_an_earlier_version_still_opens_from_the_history(self):
        first = self.person.history.earliest()
        form = self.open(self.alice_client, self.page)
        self.alice_client.post(self.page, form | {"occupation": "doctor"})
        earlier = reverse(
            "admin:cases_detainedperson_simple_history", args=[self.person.pk, first.pk]
        )
        self.assertContains(self.alice_client.get(earlier), 'value="teacher"')


class PetitionTests(ConcurrencyTestCase):
    def test_second_save_of_a_petition_is_refused_and_names_who_saved_first(self):
        petition = make_petition(make_person(), our_reference="A-1")
        page = url(Petition, "change", petition.pk)
        alice_form = self.open(self.alice_client, page)
        bob_form = self.open(self.bob_client, page)
        saved = self.alice_client.post(page, alice_form | {"status": "registered"})
        self.assertRedirects(saved, url(Petition, "changelist"))

        refused = self.bob_client.post(page, bob_form | {"our_reference": "B-2"})

        self.assertContains(refused, "Aigerim Bekova changed")
        self.assertContains(refused, 'value="B-2"')
        petition.refresh_from_db()
        self.assertEqual((petition.status, petition.our_reference), ("registered", "A-1"))


class WiringTests(TestCase):
    def test_the_real_admin_guards_persons_and_petitions(self):
        # cases/admin/persons.py and petitions.py: ConcurrencyGuardMixin first in both bases.
        self.assertTrue(is_guarded(admin.site))

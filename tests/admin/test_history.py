"""The audit trail: the history page says who changed what from what to what, keeps deleted
records findable with who deleted them, and never shows contact details to users without the
permission for them."""

import datetime
from unittest import mock

from django.contrib import admin
from django.urls import reverse

from cases.models import DetainedPerson, Relative, Status
from tests.base import AdminTestCase
from tests.factories import (
    make_kinship,
    make_person,
    make_relative,
    make_user,
    place,
    unchanged_post_data,
)

OLD_PHONE = "+7 701 555 0142"
NEW_PHONE = "+7 777 000 1111"


def url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


class HistoryTestCase(AdminTestCase):
    def edit(self, obj, **changes):
        page = url(type(obj), "change", obj.pk)
        response = self.client.post(page, unchanged_post_data(self.client.get(page)) | changes)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))

    def history(self, obj_or_model, pk=None):
        model = obj_or_model if pk is not None else type(obj_or_model)
        response = self.client.get(url(model, "history", pk or obj_or_model.pk))
        self.assertEqual(response.status_code, 200)
        return response


class ChangesTests(HistoryTestCase):
    def test_an_admin_edit_shows_who_made_it_and_the_old_and_new_value(self):
        person = make_person("Қайрат Дәуітхан")
        self.edit(person, full_name="Kairat Dauitkhan")
        response = self.history(person)
        self.assertContains(
            response, "<li><strong>Full name:</strong> Қайрат Дәуітхан → Kairat Dauitkhan</li>"
        )
        self.assertContains(response, '<td class="history-user">alice</td>', html=True)

    def test_an_approximate_date_changes_as_precisely_as_it_was_and_is_known(self):
        person = make_person("Айгүл", detained_on=datetime.date(2018, 1, 1))
        self.edit(person, detained_on="05.2019")
        response = self.history(person)
        self.assertContains(response, "<li><strong>Detained on:</strong> 2018 → May 2019</li>")
        self.assertNotContains(response, "Precision of detention date")

    def test_the_users_full_name_is_shown_when_known(self):
        self.alice.first_name, self.alice.last_name = "Alice", "Coordinator"
        self.alice.save()
        person = make_person()
        self.edit(person, occupation="teacher")
        self.assertContains(
            self.history(person), '<td class="history-user">Alice Coordinator</td>', html=True
        )

    def test_choices_show_their_labels_and_bookkeeping_fields_are_left_out(self):
        person = make_person(status=Status.CAMP)
        self.edit(person, status=Status.PRISON)
        response = self.history(person)
        self.assertContains(
            response, "<strong>Status:</strong> held in a camp → in prison (sentenced)"
        )
        for noise in ("Updated at", "Name search key", "Case number:"):
            self.assertNotContains(response, noise)

    def test_a_place_given_for_the_first_time_shows_as_set_from_nothing(self):
        person = make_person()
        ili = place("ili")
        self.edit(person, home_place=ili.pk)
        self.assertContains(
            self.history(person), f"<strong>Home place (prefecture):</strong> — → {ili}"
        )

    def test_the_first_change_on_a_page_is_compared_with_the_version_on_the_next(self):
        person = make_person("First name")
        self.edit(person, full_name="Second name")
        self.edit(person, full_name="Third name")
        person_admin = admin.site.get_model_admin(DetainedPerson)
        with mock.patch.object(person_admin, "history_list_per_page", 1):
            response = self.history(person)
        self.assertContains(response, "<strong>Full name:</strong> Second name → Third name")


class ContactDetailsTests(HistoryTestCase):
    def setUp(self):
        super().setUp()
        self.relative = make_relative("Қайрат Дәуітхан", phone=OLD_PHONE)
        self.relative.phone = NEW_PHONE
        self.relative.city = "Almaty"
        self.relative.save()

    def test_without_the_permission_a_contact_change_shows_without_values(self):
        self.client.force_login(self.bob)
        response = self.history(self.relative)
        self.assertNotContains(response, "555 0142")
        self.assertNotContains(response, "000 1111")
        self.assertContains(response, "<strong>Phone:</strong> changed (not shown to you)")
        self.assertContains(response, "<strong>City:</strong> — → Almaty")

    def test_with_the_permission_a_contact_change_shows_its_values(self):
        self.client.force_login(self.carol)
        response = self.history(self.relative)
        self.assertContains(response, f"<strong>Phone:</strong> {OLD_PHONE} → {NEW_PHONE}")

    def test_an_old_version_of_a_relative_hides_the_contact_details_too(self):
        version = self.relative.history.earliest()
        page = reverse(
            "admin:cases_relative_simple_history", args=[self.relative.pk, version.history_id]
        )
        self.client.force_login(self.bob)
        response = self.client.get(page)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "555 0142")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(page), "555 0142")

    def test_a_persons_history_never_shows_a_relatives_contact_details(self):
        person = make_person()
        make_kinship(person, self.relative, relationship="spouse")
        self.client.force_login(self.bob)
        self.edit(person, occupation="teacher")
        self.assertNotContains(self.history(person), "000 1111")


class DeletionTests(HistoryTestCase):
    def delete(self, obj) -> None:
        response = self.client.post(url(type(obj), "delete", obj.pk), {"post": "yes"})
        self.assertEqual(response.status_code, 302)

    def test_a_deleted_persons_history_is_kept_with_who_deleted_it(self):
        person = make_person("Қайрат Дәуітхан's wife")
        self.edit(person, full_name="Дәуітханның әйелі")
        pk = person.pk
        self.client.force_login(self.bob)
        self.delete(person)

        self.assertFalse(DetainedPerson.objects.filter(pk=pk).exists())
        versions = DetainedPerson.history.filter(id=pk)
        self.assertEqual(
            [(v.history_type, v.history_user) for v in versions],
            [("-", self.bob), ("~", self.alice), ("+", None)],
        )
        response = self.history(DetainedPerson, pk)
        self.assertContains(response, "<td>deleted</td>", html=True)
        self.assertContains(response, '<td class="history-user">bob</td>', html=True)
        self.assertContains(response, "Қайрат Дәуітхан&#x27;s wife → Дәуітханның әйелі")

    def test_deleted_cases_are_listed_with_who_deleted_them_and_link_to_their_history(self):
        gone = make_person("Deleted case")
        kept = make_person("Kept case")
        pk = gone.pk
        self.delete(gone)

        response = self.client.get(url(DetainedPerson, "deleted"))

        self.assertContains(response, "Deleted case")
        self.assertNotContains(response, "Kept case")
        self.assertContains(response, '<td class="history-user">alice</td>', html=True)
        self.assertContains(response, f'href="{url(DetainedPerson, "history", pk)}"')
        changelist = self.client.get(url(DetainedPerson, "changelist"))
        self.assertContains(changelist, f'href="{url(DetainedPerson, "deleted")}"')
        self.assertTrue(DetainedPerson.objects.filter(pk=kept.pk).exists())

    def test_deleted_relatives_are_listed_without_their_contact_details(self):
        relative = make_relative("Deleted relative", phone=OLD_PHONE)
        pk = relative.pk
        self.delete(relative)
        self.client.force_login(self.bob)
        response = self.client.get(url(Relative, "deleted"))
        self.assertContains(response, "Deleted relative")
        self.assertNotContains(response, "555 0142")
        history = self.history(Relative, pk)
        self.assertContains(history, "<td>deleted</td>", html=True)
        self.assertNotContains(history, "555 0142")

    def test_the_deleted_list_needs_the_permission_to_read_the_model(self):
        self.client.force_login(make_user("clerk", perms=("cases.view_place",)))
        self.assertEqual(self.client.get(url(DetainedPerson, "deleted")).status_code, 403)

    def test_kinships_of_a_deleted_person_keep_their_history(self):
        person = make_person()
        kinship = make_kinship(person, make_relative(), relationship="spouse")
        kinship_pk = kinship.pk
        self.delete(person)
        deleted = kinship.history.model.objects.get(id=kinship_pk, history_type="-")
        self.assertEqual(deleted.history_user, self.alice)

"""Today's work on the admin index, and recording a follow-up: advocates see which petitions
to chase and which cases have none, the lists cost a fixed number of queries, a follow-up
lands on the petition's timeline, and bad input changes nothing."""

import datetime
import re
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cases.admin import worklist
from cases.models import DetainedPerson, Kinship, Petition, PetitionEvent, Status
from tests.factories import make_kinship, make_person, make_petition, make_relative, make_user

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def change_url(obj) -> str:
    return reverse(f"admin:cases_{obj._meta.model_name}_change", args=[obj.pk])


def section(response, name: str) -> str | None:
    """The HTML of one list of the index page, or None when the page does not show it."""
    match = re.search(
        rf'id="worklist-{name}">(.*?)</div>', response.content.decode(), flags=re.DOTALL
    )
    return match[1] if match else None


def links(response, name: str) -> list[str]:
    return re.findall(r'<th scope="row">\s*<a href="([^"]+)"', section(response, name) or "")


def set_history_age(obj, days: int) -> None:
    """Make every history row of `obj` `days` old, as if it were last touched then."""
    when = timezone.now() - datetime.timedelta(days=days)
    obj.history.update(history_date=when)


class WorklistTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_user("alice", superuser=True)
        cls.bob = make_user("bob", superuser=True)

    def setUp(self):
        self.client.force_login(self.alice)

    def index(self):
        response = self.client.get(reverse("admin:index"))
        self.assertEqual(response.status_code, 200)
        return response


class OverdueListTests(WorklistTestCase):
    def test_lists_open_petitions_past_their_follow_up_the_oldest_first(self):
        person = make_person("Қайрат Дәуітхан's wife")
        recent = make_petition(person, follow_up_on=days_ago(2))
        oldest = make_petition(person, follow_up_on=days_ago(20))
        make_petition(person, follow_up_on=days_ago(30), status=Petition.Status.CLOSED)
        make_petition(person, follow_up_on=TODAY)
        make_petition(person, follow_up_on=TODAY + datetime.timedelta(days=3))

        response = self.index()

        self.assertEqual(links(response, "overdue"), [change_url(oldest), change_url(recent)])
        self.assertIn("Қайрат Дәуітхан&#x27;s wife", section(response, "overdue"))
        self.assertIn(f"due {days_ago(20).isoformat()}", section(response, "overdue"))

    def test_petition_for_several_people_names_the_first_and_counts_the_others(self):
        first = make_person("First Person")
        make_petition(first, make_person(), make_person(), follow_up_on=days_ago(1))
        self.assertIn("First Person and 2 others", section(self.index(), "overdue"))

    def test_says_so_when_nothing_is_overdue(self):
        make_petition(make_person(), follow_up_on=TODAY + datetime.timedelta(days=3))
        self.assertIn("No follow-up is overdue.", section(self.index(), "overdue"))

    def test_a_long_list_is_cut_and_links_to_the_filtered_changelist(self):
        petitions = [make_petition(make_person(), follow_up_on=days_ago(d)) for d in (3, 2, 1)]
        with mock.patch.object(worklist, "LIST_LENGTH", 2):
            response = self.index()
        self.assertEqual(len(links(response, "overdue")), 2)
        see_all = f"{reverse('admin:cases_petition_changelist')}?follow_up=overdue"
        self.assertIn(f'href="{see_all}"', section(response, "overdue"))
        changelist = self.client.get(see_all)
        self.assertEqual(set(changelist.context["cl"].result_list), set(petitions))


class UnansweredListTests(WorklistTestCase):
    def test_lists_petitions_without_an_answer_after_sixty_days_the_oldest_first(self):
        person = make_person()
        waiting = make_petition(person, submitted_on=days_ago(61))
        waiting_longer = make_petition(
            person, submitted_on=days_ago(200), status=Petition.Status.FORWARDED
        )
        make_petition(person, submitted_on=days_ago(59))
        make_petition(person, submitted_on=days_ago(90), response_received_on=days_ago(10))
        make_petition(person, submitted_on=days_ago(90), status=Petition.Status.CLOSED)
        make_petition(person, submitted_on=days_ago(90), status=Petition.Status.ANSWERED)

        response = self.index()

        self.assertEqual(
            links(response, "unanswered"), [change_url(waiting_longer), change_url(waiting)]
        )
        self.assertIn("No answer after 60 days", section(response, "unanswered"))

    @override_settings(PETITION_UNANSWERED_DAYS=10)
    def test_the_waiting_time_is_a_setting(self):
        petition = make_petition(make_person(), submitted_on=days_ago(11))
        response = self.index()
        self.assertEqual(links(response, "unanswered"), [change_url(petition)])
        self.assertIn("No answer after 10 days", section(response, "unanswered"))

    def test_see_all_shows_the_same_petitions_on_the_changelist(self):
        person = make_person()
        wanted = {make_petition(person, submitted_on=days_ago(d)) for d in (100, 90, 80)}
        make_petition(person, submitted_on=days_ago(5))
        make_petition(person, submitted_on=days_ago(100), status=Petition.Status.CLOSED)
        with mock.patch.object(worklist, "LIST_LENGTH", 2):
            response = self.index()
        see_all = re.search(r'<a href="([^"]+)">See all</a>', section(response, "unanswered"))
        changelist = self.client.get(see_all[1].replace("&amp;", "&"))
        self.assertEqual(changelist.status_code, 200)
        self.assertEqual(set(changelist.context["cl"].result_list), wanted)


class NoPetitionListTests(WorklistTestCase):
    def test_lists_people_held_for_whom_nobody_has_petitioned(self):
        first = make_person("First recorded", status=Status.CAMP)
        second = make_person("Barred from leaving", status=Status.BARRED_FROM_LEAVING)
        make_petition(make_person("Has a petition", status=Status.CAMP))
        make_person("Released", status=Status.RELEASED)

        response = self.index()

        self.assertEqual(links(response, "no-petition"), [change_url(first), change_url(second)])
        self.assertIn("barred from leaving China", section(response, "no-petition"))

    def test_see_all_links_to_the_held_without_petition_filter(self):
        for _ in range(3):
            make_person()
        with mock.patch.object(worklist, "LIST_LENGTH", 2):
            response = self.index()
        see_all = f"{reverse('admin:cases_detainedperson_changelist')}?held=yes&amp;petitions=none"
        self.assertIn(f'href="{see_all}"', section(response, "no-petition"))


class RecentChangesTests(WorklistTestCase):
    def change_name(self, person: DetainedPerson, user, new_name: str) -> None:
        person.full_name = new_name
        person._history_user = user
        person.save()

    def test_lists_each_case_changed_this_week_once_with_its_latest_change(self):
        edited = make_person("Edited")
        set_history_age(edited, 3)
        self.change_name(edited, self.bob, "Edited by Bob")
        old = make_person("Not touched for ten days")
        set_history_age(old, 10)

        response = self.index()

        recent = section(response, "recent")
        self.assertEqual(links(response, "recent"), [change_url(edited)])
        self.assertIn("Edited by Bob", recent)
        self.assertIn("Detained person: changed", recent)
        self.assertIn('<span class="changed-by">bob</span>', recent)
        self.assertNotIn("Not touched", recent)

    def test_a_relative_added_to_an_old_case_counts_as_a_change_of_the_case(self):
        old = make_person("Old case")
        set_history_age(old, 30)
        kinship = Kinship(person=old, relative=make_relative(), relationship="spouse")
        kinship._history_user = self.bob
        kinship.save()

        recent = section(self.index(), "recent")

        self.assertIn("Old case", recent)
        self.assertIn("Kinship: added", recent)
        self.assertIn('<span class="changed-by">bob</span>', recent)

    def test_a_follow_up_on_a_petition_counts_as_a_change_of_each_of_its_cases(self):
        first, second = make_person("First of two"), make_person("Second of two")
        petition = make_petition(first, second)
        for record in (first, second, petition):
            set_history_age(record, 30)
        for event in petition.events.all():
            set_history_age(event, 30)
        worklist.record_follow_up([petition], note="Called", next_on=TODAY, user=self.bob)

        response = self.index()

        self.assertEqual(
            sorted(links(response, "recent")), sorted([change_url(first), change_url(second)])
        )
        self.assertIn("Petition: changed", section(response, "recent"))

    def test_newest_change_comes_first(self):
        earlier = make_person("Earlier")
        set_history_age(earlier, 2)
        later = make_person("Later")
        set_history_age(later, 1)
        self.assertEqual(links(self.index(), "recent"), [change_url(later), change_url(earlier)])

    def test_a_deleted_case_links_to_its_history(self):
        person = make_person("Deleted case")
        person._history_user = self.bob
        pk = person.pk
        person.delete()
        recent = section(self.index(), "recent")
        history = reverse("admin:cases_detainedperson_history", args=[pk])
        self.assertIn(f'href="{history}"', recent)
        self.assertIn("Detained person: deleted", recent)


class PermissionTests(WorklistTestCase):
    def test_lists_follow_what_the_user_may_read(self):
        make_petition(make_person(), follow_up_on=days_ago(5))
        viewer = make_user("viewer", perms=("cases.view_petition",))
        self.client.force_login(viewer)
        response = self.index()
        self.assertIsNotNone(section(response, "overdue"))
        self.assertIsNone(section(response, "no-petition"))
        self.assertIsNone(section(response, "recent"))

        self.client.force_login(make_user("reader", perms=("cases.view_detainedperson",)))
        response = self.index()
        self.assertIsNone(section(response, "overdue"))
        self.assertIsNone(section(response, "unanswered"))
        self.assertIsNotNone(section(response, "recent"))

    def test_a_user_who_may_read_no_case_sees_no_list(self):
        make_petition(make_person(), follow_up_on=days_ago(5))
        self.client.force_login(make_user("clerk", perms=("cases.view_place",)))
        self.assertNotIn("worklist", self.index().content.decode())


class QueryCountTests(WorklistTestCase):
    def add_rows(self, count: int) -> None:
        """`count` rows in every list: petitions overdue and unanswered for two people each
        (alice's cases), people held with no petition, and all of them changed today."""
        for _ in range(count):
            petition = make_petition(
                make_person(assigned_to=self.alice),
                make_person(assigned_to=self.alice),
                submitted_on=days_ago(100),
                follow_up_on=days_ago(5),
            )
            petition.petitioners.add(make_relative())
            make_kinship(make_person(), make_relative())

    def test_index_query_count_does_not_grow_with_the_rows(self):
        self.add_rows(3)
        self.index()  # warm the per-process caches (content types, sessions)
        with CaptureQueriesContext(connection) as three_rows:
            self.assertEqual(len(links(self.index(), "overdue")), 3)
        self.add_rows(27)
        # to prevent an n+1 issue: full lists cost what lists of three rows do
        with self.assertNumQueries(len(three_rows)):
            response = self.index()
        for name in ("mine", "my-overdue", "overdue", "unanswered", "no-petition", "recent"):
            self.assertEqual(len(links(response, name)), worklist.LIST_LENGTH, name)

    def test_each_list_is_one_query(self):
        self.add_rows(5)
        lists = {
            "mine": (lambda: list(worklist.my_cases(self.alice)[:50]), 10),
            "my overdue": (lambda: list(worklist.my_overdue_petitions(self.alice)[:50]), 5),
            "overdue": (lambda: list(worklist.overdue_petitions()[:50]), 5),
            "unanswered": (lambda: list(worklist.unanswered_petitions()[:50]), 5),
            "no petition": (lambda: list(worklist.held_without_petition()[:50]), 5),
            # Each row added three people: the petition's two and a relative's kin.
            "recent": (worklist.recent_case_changes, 15),
        }
        for name, (rows, expected) in lists.items():
            with self.subTest(name), self.assertNumQueries(1):
                self.assertEqual(len(rows()), expected)


# --- Follow-up done ---------------------------------------------------------------------------


class FollowUpTestCase(WorklistTestCase):
    def setUp(self):
        super().setUp()
        self.person = make_person("Қайрат Дәуітхан's wife")
        self.first = make_petition(
            self.person, status=Petition.Status.REGISTERED, follow_up_on=days_ago(3)
        )
        self.second = make_petition(self.person, follow_up_on=days_ago(1))
        self.untouched = make_petition(self.person, follow_up_on=days_ago(2))
        self.events_before = PetitionEvent.objects.count()

    def run_action(self, petitions, **form):
        data = {"action": "follow_up_done", "_selected_action": [p.pk for p in petitions]}
        if form:
            data |= {"record_follow_up": "yes", **form}
        return self.client.post(reverse("admin:cases_petition_changelist"), data)

    def assert_nothing_changed(self) -> None:
        self.assertEqual(PetitionEvent.objects.count(), self.events_before)
        for petition, follow_up in ((self.first, days_ago(3)), (self.second, days_ago(1))):
            petition.refresh_from_db()
            self.assertEqual(petition.follow_up_on, follow_up)


class FollowUpActionTests(FollowUpTestCase):
    def test_action_asks_for_a_note_and_proposes_the_next_date(self):
        response = self.run_action([self.first, self.second])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Record that these 2 petitions were followed up today")
        proposed = TODAY + datetime.timedelta(days=settings.PETITION_FOLLOW_UP_DAYS)
        self.assertContains(response, f'value="{proposed.isoformat()}"')
        self.assert_nothing_changed()

    def test_follow_up_is_recorded_on_each_petition_with_the_note_and_the_user(self):
        next_on = TODAY + datetime.timedelta(days=14)
        response = self.run_action(
            [self.first, self.second], note="Called the Ministry", next_follow_up_on=next_on
        )
        self.assertRedirects(response, reverse("admin:cases_petition_changelist"))

        for petition in (self.first, self.second):
            petition.refresh_from_db()
            self.assertEqual(petition.follow_up_on, next_on)
            event = petition.events.latest("created_at")
            self.assertEqual(
                (event.on, event.status, event.note, event.created_by),
                (TODAY, petition.status, "Called the Ministry", self.alice),
            )
            self.assertEqual(petition.history.latest().history_user, self.alice)
        self.first.refresh_from_db()
        self.assertEqual(self.first.status, Petition.Status.REGISTERED)
        self.untouched.refresh_from_db()
        self.assertEqual(self.untouched.follow_up_on, days_ago(2))
        self.assertEqual(PetitionEvent.objects.count(), self.events_before + 2)

    def test_petition_history_shows_who_moved_the_follow_up_date(self):
        next_on = TODAY + datetime.timedelta(days=14)
        self.run_action([self.first], note="Called", next_follow_up_on=next_on)
        history = self.client.get(reverse("admin:cases_petition_history", args=[self.first.pk]))
        latest = history.content.decode().split('<tr class="history-')[1]
        self.assertIn('<td class="history-user">alice</td>', latest)
        moved = f"{date_format(days_ago(3))} → {date_format(next_on)}"
        self.assertIn(f"<strong>Follow up on:</strong> {moved}", latest)
        # The persons of the petition did not change, and the history does not say they did.
        self.assertNotIn("Persons", latest)

    def test_followed_up_petition_leaves_the_overdue_list(self):
        self.run_action([self.first], note="Chased", next_follow_up_on=TODAY.isoformat())
        self.assertNotIn(change_url(self.first), links(self.index(), "overdue"))

    def test_the_follow_up_shows_on_the_petition_timeline(self):
        self.run_action([self.first], note="Chased by phone", next_follow_up_on=TODAY)
        self.assertContains(self.client.get(change_url(self.first)), "Chased by phone")

    def test_bad_input_shows_the_form_again_and_changes_nothing(self):
        cases = {
            "empty note": ({"note": "  ", "next_follow_up_on": TODAY}, "This field is required."),
            "date in the past": (
                {"note": "Called", "next_follow_up_on": days_ago(1)},
                "The next follow-up cannot lie in the past.",
            ),
            "unparsable date": (
                {"note": "Called", "next_follow_up_on": "next Tuesday"},
                "Enter a valid date.",
            ),
            "no date": ({"note": "Called", "next_follow_up_on": ""}, "This field is required."),
        }
        for name, (form, error) in cases.items():
            with self.subTest(name):
                response = self.run_action([self.first, self.second], **form)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, error)
                self.assertContains(response, "Nothing was recorded.")
                self.assert_nothing_changed()

    def test_a_user_who_may_not_change_petitions_is_not_offered_the_action(self):
        self.client.force_login(make_user("viewer", perms=("cases.view_petition",)))
        response = self.client.get(reverse("admin:cases_petition_changelist"))
        self.assertNotContains(response, "follow_up_done")
        self.run_action([self.first], note="Sneaky", next_follow_up_on=TODAY)
        self.assert_nothing_changed()


class FollowUpFromPetitionPageTests(FollowUpTestCase):
    def follow_up_url(self) -> str:
        return reverse("admin:cases_petition_follow_up", args=[self.first.pk])

    def test_petition_page_links_to_follow_up_done(self):
        response = self.client.get(change_url(self.first))
        self.assertContains(response, f'href="{self.follow_up_url()}"')

    def test_follow_up_from_the_petition_page_returns_there(self):
        page = self.client.get(self.follow_up_url())
        self.assertContains(page, "Record that this petition was followed up today")
        next_on = TODAY + datetime.timedelta(days=7)
        response = self.client.post(
            self.follow_up_url(),
            {"record_follow_up": "yes", "note": "Visited", "next_follow_up_on": next_on},
        )
        self.assertRedirects(response, change_url(self.first))
        self.first.refresh_from_db()
        self.assertEqual(self.first.follow_up_on, next_on)
        self.assertEqual(self.first.events.latest("created_at").note, "Visited")
        self.second.refresh_from_db()
        self.assertEqual(self.second.follow_up_on, days_ago(1))

    def test_bad_date_from_the_petition_page_changes_nothing(self):
        response = self.client.post(
            self.follow_up_url(),
            {"record_follow_up": "yes", "note": "Visited", "next_follow_up_on": "2019-02-30"},
        )
        self.assertContains(response, "Enter a valid date.")
        self.assert_nothing_changed()

    def test_viewer_gets_neither_the_link_nor_the_page(self):
        self.client.force_login(make_user("viewer", perms=("cases.view_petition",)))
        self.assertNotContains(self.client.get(change_url(self.first)), self.follow_up_url())
        self.assertEqual(self.client.get(self.follow_up_url()).status_code, 403)
        data = {"record_follow_up": "yes", "note": "x", "next_follow_up_on": TODAY}
        response = self.client.post(self.follow_up_url(), data)
        self.assertEqual(response.status_code, 403)
        self.assert_nothing_changed()

    def test_unknown_petition_redirects_with_a_message(self):
        response = self.client.get(reverse("admin:cases_petition_follow_up", args=[999999]))
        self.assertRedirects(response, reverse("admin:index"))

"""Assignment: each case can have the advocate who follows it. Their cases and overdue
follow-ups head the admin index, the persons list filters by assignee, reassignment is in the
history, sheets carry the assignee by username, and the assignee reads the contact details of
their own cases' relatives (privacy rule 5), one record at a time, and nothing else."""

import datetime
import re
from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.admin.lookups import HIDDEN_FIELD_MESSAGE
from cases.contact_access import may_read_contact_details
from cases.intake.persons import import_persons
from cases.models import DetainedPerson, Petition
from tests.admin.test_worklist import links, section
from tests.base import AdminTestCase
from tests.factories import (
    make_kinship,
    make_person,
    make_petition,
    make_relative,
    make_user,
    unchanged_post_data,
)
from tests.intake.test_imports import csv_bytes

TODAY = timezone.localdate()
PHONE = "+7 701 555 0142"
OTHER_PHONE = "+7 701 555 0199"


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


def changed_ago(person: DetainedPerson, days: int) -> None:
    DetainedPerson.objects.filter(pk=person.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=days)
    )


# --- The admin index ---------------------------------------------------------------------------


class MyWorkOnTheIndexTests(AdminTestCase):
    def index(self):
        response = self.client.get(reverse("admin:index"))
        self.assertEqual(response.status_code, 200)
        return response

    def test_my_cases_lists_the_cases_assigned_to_me_latest_changed_first(self):
        older = make_person("Қайрат Дәуітхан's wife", assigned_to=self.alice)
        newer = make_person("Бала Қайратқызы", assigned_to=self.alice)
        make_person("Someone else's case", assigned_to=self.bob)
        make_person("Nobody's case")
        changed_ago(older, 3)
        changed_ago(newer, 1)

        response = self.index()

        self.assertEqual(
            links(response, "mine"), [url(DetainedPerson, "change", p.pk) for p in (newer, older)]
        )
        self.assertNotIn("Someone else", section(response, "mine"))

    def test_my_overdue_follow_ups_are_those_of_my_cases_only(self):
        mine = make_person(assigned_to=self.alice)
        theirs = make_person(assigned_to=self.bob)
        my_overdue = make_petition(mine, theirs, follow_up_on=days_ago(3))
        make_petition(theirs, follow_up_on=days_ago(10))
        make_petition(mine, follow_up_on=TODAY + datetime.timedelta(days=2))
        make_petition(mine, follow_up_on=days_ago(9), status=Petition.Status.CLOSED)

        response = self.index()

        self.assertEqual(links(response, "my-overdue"), [url(Petition, "change", my_overdue.pk)])
        # Still "and one more person": the petition names both cases.
        self.assertEqual(len(links(response, "overdue")), 2)

    def test_my_work_comes_before_the_rest_of_todays_work(self):
        make_petition(make_person(assigned_to=self.alice), follow_up_on=days_ago(3))
        content = self.index().content.decode()
        order = [
            content.index(f'id="worklist-{name}"')
            for name in ("mine", "my-overdue", "overdue", "unanswered", "no-petition", "recent")
        ]
        self.assertEqual(order, sorted(order))

    def test_nothing_assigned_says_so(self):
        response = self.index()
        self.assertIn("No case is assigned to you.", section(response, "mine"))
        self.assertIn("None of your follow-ups is overdue.", section(response, "my-overdue"))

    def test_see_all_opens_the_lists_filtered_the_same_way(self):
        for _ in range(26):
            make_petition(make_person(assigned_to=self.alice), follow_up_on=days_ago(3))
        make_petition(make_person(), follow_up_on=days_ago(3))
        response = self.index()
        mine = re.search(r'href="([^"]+)">See all', section(response, "mine"))[1]
        overdue = re.search(r'href="([^"]+)">See all', section(response, "my-overdue"))[1]

        self.assertEqual(
            self.client.get(mine.replace("&amp;", "&")).context["cl"].result_count, 26
        )
        listed = self.client.get(overdue.replace("&amp;", "&")).context["cl"]
        self.assertEqual(listed.result_count, 26)

    def test_index_query_count_does_not_grow_with_my_cases(self):
        def add(count: int) -> None:
            for _ in range(count):
                make_petition(
                    make_person(assigned_to=self.alice),
                    make_person(assigned_to=self.alice),
                    follow_up_on=days_ago(4),
                )

        add(2)
        self.index()  # warm the per-process caches
        with CaptureQueriesContext(connection) as few:
            self.index()
        add(30)
        # to prevent an n+1 issue: full lists cost what short ones do
        with self.assertNumQueries(len(few)):
            response = self.index()
        self.assertEqual(len(links(response, "mine")), 25)
        self.assertEqual(len(links(response, "my-overdue")), 25)


# --- The persons list and the form ---------------------------------------------------------------


class AssigneeOnTheListAndFormTests(AdminTestCase):
    def listed(self, **query) -> list[str]:
        response = self.client.get(url(DetainedPerson, "changelist"), query)
        self.assertEqual(response.status_code, 200)
        return sorted(p.full_name for p in response.context["cl"].result_list)

    def test_the_list_filters_by_me_by_nobody_and_by_each_colleague(self):
        make_person("Mine", assigned_to=self.alice)
        make_person("Bob's", assigned_to=self.bob)
        make_person("Nobody's")

        self.assertEqual(self.listed(assignee="me"), ["Mine"])
        self.assertEqual(self.listed(assignee="none"), ["Nobody's"])
        self.assertEqual(self.listed(assignee=str(self.bob.pk)), ["Bob's"])
        self.client.force_login(self.bob)
        self.assertEqual(self.listed(assignee="me"), ["Bob's"])

    def test_the_filter_offers_active_staff_only_and_a_bad_value_changes_nothing(self):
        gone = make_user("gone")
        gone.is_active = False
        gone.save()
        response = self.client.get(url(DetainedPerson, "changelist"))
        choices = [c["display"] for c in response.context["cl"].filter_specs[-1].choices(
            response.context["cl"])]  # fmt: skip
        self.assertIn("bob", choices)
        self.assertNotIn("gone", choices)
        response = self.client.get(url(DetainedPerson, "changelist"), {"assignee": "x"})
        self.assertIn(response.status_code, (302, 400))

    def test_the_list_shows_the_assignee_in_a_fixed_number_of_queries(self):
        make_person("Mine", assigned_to=self.alice)
        self.client.get(url(DetainedPerson, "changelist"))
        with CaptureQueriesContext(connection) as few:
            response = self.client.get(url(DetainedPerson, "changelist"))
        self.assertContains(response, '<td class="field-assignee">alice</td>', html=False)
        for index in range(30):
            make_person(f"Case {index}", assigned_to=self.bob if index % 2 else self.alice)
        # to prevent an n+1 issue: the assignee is joined, not read row by row
        with self.assertNumQueries(len(few)):
            self.client.get(url(DetainedPerson, "changelist"))
        with self.assertNumQueries(len(few)):
            self.client.get(url(DetainedPerson, "changelist"), {"assignee": "me"})

    def test_the_form_assigns_active_staff_only(self):
        person = make_person("Қайрат Дәуітхан's wife")
        outsider = make_user("outsider")
        outsider.is_staff = False
        outsider.save()
        page_url = url(DetainedPerson, "change", person.pk)
        page = self.client.get(page_url)
        self.assertNotContains(page, 'id="add_id_assigned_to"')  # users are not added here
        field = page.context["adminform"].form.fields["assigned_to"]
        self.assertEqual(sorted(u.username for u in field.queryset), ["alice", "bob", "carol"])

        data = unchanged_post_data(page) | {"assigned_to": str(outsider.pk)}
        refused = self.client.post(page_url, data)
        self.assertEqual(refused.status_code, 200)
        self.assertTrue(refused.context["adminform"].form.errors["assigned_to"])
        person.refresh_from_db()
        self.assertIsNone(person.assigned_to)

        data = unchanged_post_data(page) | {"assigned_to": str(self.bob.pk)}
        self.assertEqual(self.client.post(page_url, data).status_code, 302)
        person.refresh_from_db()
        self.assertEqual(person.assigned_to, self.bob)

    def test_reassignment_shows_in_the_history_from_old_to_new(self):
        person = make_person("Қайрат Дәуітхан's wife", assigned_to=self.bob)
        page_url = url(DetainedPerson, "change", person.pk)
        data = unchanged_post_data(self.client.get(page_url)) | {"assigned_to": str(self.alice.pk)}
        self.assertEqual(self.client.post(page_url, data).status_code, 302)

        history = self.client.get(url(DetainedPerson, "history", person.pk)).content.decode()
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", history))
        self.assertRegex(text, r"Assigned to: bob → alice")


# --- Contact details for the assignee -----------------------------------------------------------


class AssigneeReadsContactDetailsTests(AdminTestCase):
    """An Advocate (no permission for contact details) assigned to one case."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        call_command("setup_roles", stdout=StringIO())
        cls.advocate = make_user("advocate")
        cls.advocate.groups.add(Group.objects.get(name="Advocate"))
        cls.mine = make_person("Қайрат Дәуітхан's wife", assigned_to=cls.advocate)
        cls.relative = make_relative("Қайрат Дәуітхан", phone=PHONE)
        make_kinship(cls.mine, cls.relative, relationship="spouse")
        cls.other = make_person("Another case")
        cls.stranger = make_relative("Another relative", phone=OTHER_PHONE)
        make_kinship(cls.other, cls.stranger, relationship="spouse")

    def setUp(self):
        self.client.force_login(self.advocate)

    def test_the_rule_answers_per_record(self):
        self.assertTrue(may_read_contact_details(self.advocate, self.relative))
        self.assertTrue(may_read_contact_details(self.advocate, person=self.mine))
        self.assertFalse(may_read_contact_details(self.advocate, self.stranger))
        self.assertFalse(may_read_contact_details(self.advocate, person=self.other))
        # Asked for every relative at once (lists, lookups, exports): only the permission.
        self.assertFalse(may_read_contact_details(self.advocate))

    def test_the_assignee_reads_their_relatives_on_the_case_and_the_relatives_page(self):
        self.assertContains(self.client.get(url(DetainedPerson, "change", self.mine.pk)), PHONE)
        self.assertContains(
            self.client.get(url(type(self.relative), "change", self.relative.pk)), PHONE
        )

    def test_the_assignee_reads_nothing_of_other_cases(self):
        pages = [
            url(DetainedPerson, "change", self.other.pk),
            url(type(self.stranger), "change", self.stranger.pk),
            url(type(self.stranger), "changelist"),
            url(type(self.stranger), "history", self.stranger.pk),
        ]
        for page in pages:
            with self.subTest(page=page):
                response = self.client.get(page)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, OTHER_PHONE)

    def test_a_case_reassigned_away_is_read_no_more(self):
        DetainedPerson.objects.filter(pk=self.mine.pk).update(assigned_to=self.bob)
        page = self.client.get(url(type(self.relative), "change", self.relative.pk))
        self.assertNotContains(page, PHONE)

    def test_lists_still_refuse_lookups_and_search_on_contact_details(self):
        relatives = url(type(self.relative), "changelist")
        response = self.client.get(relatives, {"phone__startswith": PHONE[:6]})
        self.assertContains(response, escape(HIDDEN_FIELD_MESSAGE), status_code=400)
        found = self.client.get(relatives, {"q": PHONE}).context["cl"].result_list
        self.assertEqual(list(found), [])
        self.assertNotContains(self.client.get(relatives), PHONE)

    def test_the_assignee_corrects_their_relatives_phone(self):
        page_url = url(type(self.relative), "change", self.relative.pk)
        page = self.client.get(page_url)
        self.assertContains(page, 'name="phone"')
        data = unchanged_post_data(page) | {"phone": "+7 702 000 0001"}
        self.assertEqual(self.client.post(page_url, data).status_code, 302)
        self.relative.refresh_from_db()
        self.assertEqual(self.relative.phone, "+7 702 000 0001")


# --- Sheets -----------------------------------------------------------------------------------


class AssigneeInSheetsTests(AdminTestCase):
    def test_the_import_assigns_by_username_under_a_russian_or_kazakh_header(self):
        for header in ("assigned_to", "Ответственный", "Жауапты"):
            with self.subTest(header=header):
                rows = [["ФИО", header], [f"Айгүл {header}", "BOB"]]
                report = import_persons(csv_bytes(rows), user=self.alice, dry_run=False)
                self.assertTrue(report.ok, report.errors)
                person = DetainedPerson.objects.get(full_name=f"Айгүл {header}")
                self.assertEqual(person.assigned_to, self.bob)

    def test_an_unknown_or_inactive_username_is_a_row_error_and_nothing_is_written(self):
        gone = make_user("gone")
        gone.is_active = False
        gone.save()
        rows = [["ФИО", "assigned_to"], ["Айгүл", "nobody"], ["Болат", "gone"], ["Дана", "bob"]]
        report = import_persons(csv_bytes(rows), user=self.alice, dry_run=False)

        self.assertFalse(report.written)
        errors = [(e.row, e.message) for e in report.errors]
        self.assertEqual([row for row, _m in errors], [2, 3])
        self.assertIn("Unknown user 'nobody' in column assigned_to", errors[0][1])
        self.assertEqual(DetainedPerson.objects.count(), 0)

    def test_a_reassignment_by_sheet_is_previewed_and_written(self):
        person = make_person("Айгүл", assigned_to=self.bob)
        rows = [["case_number", "assigned_to"], [person.case_number, "alice"]]
        preview = import_persons(csv_bytes(rows), user=self.alice, dry_run=True)
        self.assertIn("assigned_to: bob → alice", preview.rows[0].changes)
        import_persons(csv_bytes(rows), user=self.alice, dry_run=False)
        person.refresh_from_db()
        self.assertEqual(person.assigned_to, self.alice)

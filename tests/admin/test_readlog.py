"""The read log in the admin: opening a case, a relative or a petition, or a list that shows
contact details, is recorded in one INSERT per page, never with the values read; coordinators
read the log by user, kind, date and case, two clicks from a case's page."""

import datetime
from io import StringIO
from unittest import mock

from django.contrib.admin.filters import DateFieldListFilter
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import DetainedPerson, Petition, ReadEvent, Relative
from tests.factories import (
    make_kinship,
    make_petition,
    make_relative,
    make_user,
    unchanged_post_data,
)
from tests.test_readlog import (
    ADDRESS,
    EMAIL,
    PHONE,
    ReadLogTestCase,
    all_logged_text,
    reads,
    url,
)

# --- Each kind of read ------------------------------------------------------------------------


class PageReadTests(ReadLogTestCase):
    def test_opening_a_case_records_who_opened_it_and_the_contact_details_it_showed(self):
        self.open(DetainedPerson, self.wife)

        case = self.wife.case_number
        self.assertEqual(
            reads(),
            [
                ("alice", "opened", "cases.detainedperson", self.wife.pk, case, ""),
                # The family's contact column shows phone and email; the daughter has neither.
                ("alice", "contacts", "cases.relative", self.serik.pk, case, "phone email"),
            ],
        )

    def test_a_case_opened_without_the_contact_permission_reveals_nothing(self):
        response = self.open(DetainedPerson, self.wife, user=self.bob)

        self.assertNotContains(response, PHONE)
        self.assertEqual(reads(kind="contacts"), [])
        self.assertEqual(reads(kind="opened")[0][:2], ("bob", "opened"))

    def test_opening_a_relative_records_each_of_their_cases_and_the_fields_shown(self):
        self.open(Relative, self.serik)

        cases = sorted([self.wife.case_number, self.brother.case_number])
        self.assertEqual(
            reads(),
            [("alice", "opened", "cases.relative", self.serik.pk, case, "") for case in cases]
            + [
                ("alice", "contacts", "cases.relative", self.serik.pk, case, "phone email address")
                for case in cases
            ],
        )

    def test_a_relative_opened_without_the_contact_permission_reveals_nothing(self):
        self.open(Relative, self.serik, user=self.bob)

        self.assertEqual({row[1] for row in reads()}, {"opened"})

    def test_a_relative_without_contact_details_reveals_none(self):
        self.open(Relative, self.daughter)

        self.assertEqual(
            reads(),
            [("alice", "opened", "cases.relative", self.daughter.pk, self.wife.case_number, "")],
        )

    def test_opening_a_petition_records_the_cases_it_is_for(self):
        petition = make_petition(self.wife, self.brother)
        petition.petitioners.add(self.serik)

        self.open(Petition, petition)

        self.assertEqual(
            {(row[1], row[2], row[3], row[4]) for row in reads()},
            {
                ("opened", "cases.petition", petition.pk, self.wife.case_number),
                ("opened", "cases.petition", petition.pk, self.brother.case_number),
            },
        )

    def test_the_relatives_list_records_the_contact_details_it_showed(self):
        response = self.client.get(url(Relative, "changelist"))

        self.assertContains(response, PHONE)
        self.assertEqual(
            reads(),
            [
                ("alice", "contacts", "cases.relative", self.serik.pk, case, "phone email")
                for case in sorted([self.wife.case_number, self.brother.case_number])
            ],
        )

    def test_the_relatives_list_without_the_contact_permission_reveals_nothing(self):
        self.client.force_login(self.bob)

        self.client.get(url(Relative, "changelist"))

        self.assertEqual(reads(), [])

    def test_an_add_page_a_list_without_contacts_or_a_saved_form_records_no_read(self):
        self.client.get(url(DetainedPerson, "add"))
        self.client.get(url(DetainedPerson, "changelist"))
        data = unchanged_post_data(self.open(Relative, self.daughter)) | {"city": "Almaty"}
        opened = len(reads())

        response = self.client.post(url(Relative, "change", self.daughter.pk), data)

        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(reads()), opened)
        self.assertEqual({row[1] for row in reads()}, {"opened"})

    def test_the_log_never_holds_the_values_read(self):
        self.open(DetainedPerson, self.wife)
        self.open(Relative, self.serik)
        self.client.get(url(Relative, "changelist"))

        logged = all_logged_text()
        for value in (PHONE, EMAIL, ADDRESS, "555"):
            self.assertNotIn(value, logged)


class PageCostTests(ReadLogTestCase):
    def assert_one_more_query(self, page: str) -> None:
        self.client.get(page)  # warm the per-process caches (content types, sessions)
        with mock.patch("cases.readlog.Reads.save"), CaptureQueriesContext(connection) as before:
            self.client.get(page)
        # The reads of the whole page, contact details included, in a single INSERT.
        with self.assertNumQueries(len(before) + 1) as during:
            self.client.get(page)
        inserts = [q["sql"] for q in during.captured_queries if "cases_readevent" in q["sql"]]
        self.assertEqual(len(inserts), 1)
        self.assertTrue(inserts[0].startswith("INSERT"))

    def test_opening_a_case_costs_exactly_one_more_query(self):
        self.assert_one_more_query(url(DetainedPerson, "change", self.wife.pk))

    def test_opening_a_relative_costs_exactly_one_more_query(self):
        self.assert_one_more_query(url(Relative, "change", self.serik.pk))

    def test_opening_a_petition_costs_exactly_one_more_query(self):
        petition = make_petition(self.wife, self.brother)
        self.assert_one_more_query(url(Petition, "change", petition.pk))

    def test_a_page_of_the_relatives_list_costs_exactly_one_more_query(self):
        for number in range(20):
            make_kinship(self.wife, make_relative(phone=f"+7 701 000 {number:04}"))
        self.assert_one_more_query(url(Relative, "changelist"))


# --- Who reads the log, and how ---------------------------------------------------------------


class WhoReadsTheLogTests(ReadLogTestCase):
    def member_of(self, role: str):
        user = make_user(role.lower())
        user.groups.add(Group.objects.get(name=role))
        self.client.force_login(user)
        return user

    def test_coordinators_read_the_log_advocates_and_viewers_do_not(self):
        call_command("setup_roles", stdout=StringIO())
        log = url(ReadEvent, "changelist")

        self.member_of("Coordinator")
        self.assertEqual(self.client.get(log).status_code, 200)
        self.assertContains(self.open(DetainedPerson, self.wife), "Who read this")
        for role in ("Advocate", "Viewer"):
            with self.subTest(role):
                self.member_of(role)
                self.assertEqual(self.client.get(log).status_code, 403)
                self.assertNotContains(self.open(DetainedPerson, self.wife), "Who read this")
                self.assertNotContains(self.client.get(reverse("admin:index")), log)


class CaseFilterTests(ReadLogTestCase):
    def setUp(self):
        super().setUp()
        dana = make_user(
            "dana",
            perms=(
                "cases.view_detainedperson",
                "cases.view_relative",
                "cases.view_contact_details",
            ),
        )
        self.open(DetainedPerson, self.wife)  # alice: opened, and Serik's contacts
        self.open(DetainedPerson, self.brother, user=dana)
        self.open(Relative, self.serik, user=dana)
        self.client.force_login(self.alice)

    def listed(self, response) -> set[tuple]:
        return {
            (event.user.username, event.kind, event.case_number)
            for event in response.context["cl"].result_list
        }

    def test_the_log_filters_by_case_number(self):
        brother = self.brother.case_number
        response = self.client.get(url(ReadEvent, "changelist"), {"case": brother})

        self.assertEqual(
            self.listed(response),
            {("dana", "opened", brother), ("dana", "contacts", brother)},
        )

    def test_the_search_box_finds_a_case_in_any_spelling_of_its_number(self):
        number = int(self.brother.case_number.removeprefix("C-"))
        for query in (self.brother.case_number, f"c-{number}", f"C{number}"):
            with self.subTest(query):
                response = self.client.get(url(ReadEvent, "changelist"), {"q": query})
                self.assertEqual(
                    {row[2] for row in self.listed(response)}, {self.brother.case_number}
                )

    def test_a_bad_case_or_record_shows_no_read_and_no_error(self):
        for params in ({"case": "nonsense"}, {"record": "nonsense"}, {"q": "Серік"}):
            with self.subTest(params):
                response = self.client.get(url(ReadEvent, "changelist"), params)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.listed(response), set())

    def test_who_saw_this_familys_phone_this_month_in_two_clicks(self):
        # An older read, last month: not this month's answer.
        ReadEvent.objects.bulk_create(
            [
                ReadEvent(
                    user=self.bob,
                    created_at=timezone.now() - datetime.timedelta(days=40),
                    kind="contacts",
                    model="cases.relative",
                    record_id=self.serik.pk,
                    record=str(self.serik),
                    case_number=self.wife.case_number,
                    contact_fields="phone",
                )
            ]
        )
        page = self.open(DetainedPerson, self.wife)

        # Click 1: "Who read this" on the case's page.
        log = self.client.get(page.context["who_read_url"])
        self.assertEqual(
            self.listed(log),
            {
                ("alice", "contacts", self.wife.case_number),
                ("bob", "contacts", self.wife.case_number),
                # Serik is kin to both cases: his own page showed his contacts to dana.
                ("dana", "contacts", self.wife.case_number),
            },
        )
        # Click 2: "This month" in the date filter.
        changelist = log.context["cl"]
        date_filter = next(
            f for f in changelist.filter_specs if isinstance(f, DateFieldListFilter)
        )
        this_month = next(
            c for c in date_filter.choices(changelist) if c["display"] == "This month"
        )
        answer = self.client.get(url(ReadEvent, "changelist") + this_month["query_string"])

        self.assertEqual(
            self.listed(answer),
            {
                ("alice", "contacts", self.wife.case_number),
                ("dana", "contacts", self.wife.case_number),
            },
        )
        self.assertContains(answer, "phone, email")

    def test_who_read_this_relative_opens_the_log_of_their_contact_details(self):
        page = self.open(Relative, self.serik)

        log = self.client.get(page.context["who_read_url"])

        events = log.context["cl"].result_list
        self.assertTrue(events)
        self.assertEqual(
            {(e.kind, e.model, e.record_id) for e in events},
            {("contacts", "cases.relative", self.serik.pk)},
        )

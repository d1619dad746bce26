"""Who read what: opening a case, a relative or a petition, seeing contact details, downloading a
document and exporting a list are recorded, one INSERT per page, never with the values read; the
log only grows, coordinators read it by user, kind, date and case, and backups keep it."""

import datetime
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.admin.filters import DateFieldListFilter
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import AppendOnly, DetainedPerson, Petition, ReadEvent, Relative, Source
from cases.readlog import filters_for_log
from tests.base import AdminTestCase
from tests.factories import (
    make_kinship,
    make_person,
    make_petition,
    make_relative,
    make_user,
    unchanged_post_data,
)
from tests.test_backup import export, restore

PHONE = "+7 701 555 0142"
EMAIL = "serik@example.org"
ADDRESS = "Almaty, Abay 10"
PDF = b"%PDF-1.7\n% Testimony\n%%EOF\n"
CSV = "0"  # the export form's first format


def url(model, view: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


def reads(**filters) -> list[tuple]:
    """The log as (user, kind, model, record id, case, contact fields), oldest first."""
    return list(
        ReadEvent.objects.filter(**filters)
        .order_by("id")
        .values_list(
            "user__username", "kind", "model", "record_id", "case_number", "contact_fields"
        )
    )


def all_logged_text() -> str:
    """Every text the log holds."""
    texts = ReadEvent.objects.values_list(
        "model", "record", "case_number", "contact_fields", "filters"
    )
    return " ".join(value for row in texts for value in row)


class ReadLogTestCase(AdminTestCase):
    """A family: Serik's wife is held (case C-…), her brother too; Serik is kin to both and has a
    phone and an email; their daughter has no contact details."""

    def setUp(self):
        super().setUp()
        self.wife = make_person("Жена Серіка")
        self.brother = make_person("Брат жены")
        self.serik = make_relative("Серік", phone=PHONE, email=EMAIL, address=ADDRESS)
        self.daughter = make_relative("Дочь Серіка")
        make_kinship(self.wife, self.serik, relationship="spouse")
        make_kinship(self.brother, self.serik, relationship="other")
        make_kinship(self.wife, self.daughter)

    def open(self, model, obj, user=None):
        if user:
            self.client.force_login(user)
        response = self.client.get(url(model, "change", obj.pk))
        self.assertEqual(response.status_code, 200)
        return response


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


class DownloadReadTests(ReadLogTestCase):
    def source(self, **about) -> Source:
        source = Source(title="Testimony", **about)
        source.file.save("testimony.pdf", ContentFile(PDF))
        return source

    def download(self, source: Source):
        return self.client.get(reverse("source-file", args=[source.pk]))

    def test_a_download_records_who_took_which_document_of_which_case(self):
        source = self.source(person=self.wife)

        self.assertEqual(b"".join(self.download(source).streaming_content), PDF)

        self.assertEqual(
            reads(),
            [("alice", "downloaded", "cases.source", source.pk, self.wife.case_number, "")],
        )

    def test_a_petition_document_belongs_to_the_petition_cases(self):
        source = self.source(petition=make_petition(self.wife, self.brother))

        self.download(source)

        cases = [row[4] for row in reads(kind="downloaded")]
        self.assertEqual(cases, sorted([self.wife.case_number, self.brother.case_number]))

    def test_a_refused_or_missing_download_records_nothing(self):
        source = self.source(person=self.wife)
        self.client.force_login(make_user("stranger", perms=("cases.view_detainedperson",)))
        self.assertEqual(self.download(source).status_code, 403)
        self.client.force_login(self.alice)
        without_file = Source.objects.create(person=self.wife, title="No file")
        self.assertEqual(self.download(without_file).status_code, 404)

        self.assertEqual(reads(), [])


class ExportReadTests(ReadLogTestCase):
    def export(self, model, query: str = "") -> None:
        response = self.client.post(url(model, "export") + query, {"format": CSV, "resource": "0"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))

    def exported(self) -> ReadEvent:
        return ReadEvent.objects.get(kind="exported")

    def test_an_export_records_the_list_its_length_its_filters_and_its_contact_columns(self):
        self.export(DetainedPerson, "?status__exact=camp&q=Серік&o=2")

        event = self.exported()
        self.assertEqual(
            (event.user, event.model, event.rows), (self.alice, "cases.detainedperson", 1)
        )
        # A name search is kept (it is no contact detail); the ordering is no filter.
        self.assertEqual(event.filters, "q=Серік; status__exact=camp")
        self.assertEqual(event.contact_fields, "phone email")
        self.assertEqual(event.case_number, "")

    def test_an_export_without_the_contact_permission_says_it_held_none(self):
        self.client.force_login(self.bob)

        self.export(Relative)

        self.assertEqual((self.exported().rows, self.exported().contact_fields), (2, ""))

    def test_a_search_that_may_be_a_contact_detail_is_not_recorded(self):
        self.export(Relative, "?q=701+555&citizenship__exact=unknown")

        event = self.exported()
        self.assertEqual(event.rows, 1)
        self.assertEqual(event.filters, "citizenship__exact=unknown; q=…")
        self.assertEqual(event.contact_fields, "phone email address")
        self.assertNotIn("701", all_logged_text())

    def test_a_lookup_on_a_contact_field_is_recorded_without_its_value(self):
        params = QueryDict("kinships__relative__email__icontains=serik&phone__regex=%5E%2B7&p=2")

        self.assertEqual(
            filters_for_log(params, private_search=False),
            "kinships__relative__email__icontains=…; phone__regex=…",
        )


# --- The log only grows -----------------------------------------------------------------------


class AppendOnlyTests(ReadLogTestCase):
    def setUp(self):
        super().setUp()
        self.open(DetainedPerson, self.wife)
        self.event = ReadEvent.objects.get(kind="opened")

    def test_a_read_cannot_be_changed_or_deleted_through_the_models(self):
        self.event.user = self.bob
        with self.assertRaises(AppendOnly):
            self.event.save()
        with self.assertRaises(AppendOnly):
            self.event.delete()
        with self.assertRaises(AppendOnly):
            ReadEvent.objects.filter(pk=self.event.pk).update(user=self.bob)
        with self.assertRaises(AppendOnly):
            ReadEvent.objects.all().delete()
        with self.assertRaises(AppendOnly):
            ReadEvent._base_manager.all().delete()

        self.assertEqual(reads()[0][0], "alice")
        self.assertEqual(ReadEvent.objects.count(), 2)

    def test_not_even_a_superuser_adds_changes_or_deletes_a_read_in_the_admin(self):
        page = url(ReadEvent, "change", self.event.pk)
        self.assertEqual(self.client.get(url(ReadEvent, "add")).status_code, 403)
        self.assertNotContains(self.client.get(page), 'name="_save"')
        self.assertEqual(self.client.post(page, {"kind": "exported"}).status_code, 403)
        self.assertEqual(self.client.get(url(ReadEvent, "delete", self.event.pk)).status_code, 403)
        response = self.client.post(url(ReadEvent, "delete", self.event.pk), {"post": "yes"})
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(self.client.get(url(ReadEvent, "changelist")), 'name="action"')

        self.assertEqual(ReadEvent.objects.get(pk=self.event.pk).kind, "opened")

    def test_no_permission_to_add_change_or_delete_reads_exists(self):
        codenames = ContentType.objects.get_for_model(ReadEvent).permission_set.values_list(
            "codename", flat=True
        )
        self.assertEqual(list(codenames), ["view_readevent"])

    def test_a_user_who_read_something_cannot_be_deleted_and_lose_the_trail(self):
        with self.assertRaises(ProtectedError):
            self.alice.delete()

    def test_postgresql_refuses_to_change_or_delete_a_read_whatever_the_client(self):
        if connection.vendor != "postgresql":
            self.skipTest("the trigger is PostgreSQL's; other databases rely on the model")
        for statement, params in (
            (
                "UPDATE cases_readevent SET user_id = %s WHERE id = %s",
                [self.bob.pk, self.event.pk],
            ),
            ("DELETE FROM cases_readevent WHERE id = %s", [self.event.pk]),
        ):
            with (
                self.subTest(statement),
                self.assertRaises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, params)
        self.assertEqual(reads()[0][0], "alice")
        self.assertEqual(ReadEvent.objects.count(), 2)


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


# --- Backups ----------------------------------------------------------------------------------


class BackupTests(ReadLogTestCase):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path):
        self.tmp_path = tmp_path

    def test_a_restore_brings_back_the_log_as_it_was(self):
        self.open(DetainedPerson, self.wife)
        self.open(Relative, self.serik)
        before = list(ReadEvent.objects.order_by("id").values())
        path = self.tmp_path / "backup.jsonl.gz"
        # In clear: an encrypted backup differs byte for byte each time.
        first = export(path, "--unencrypted")

        restore(path)
        self.addCleanup(ContentType.objects.clear_cache)

        self.assertEqual(list(ReadEvent.objects.order_by("id").values()), before)
        self.assertEqual(export(self.tmp_path / "again.jsonl.gz", "--unencrypted"), first)

"""Who read what: downloading a document and exporting a list are recorded, never with the values
read; the log only grows, and backups keep it. The family of these tests is shared with the read
log's admin tests (tests/admin/test_readlog.py: pages read, and the log's own pages)."""

from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.http import QueryDict
from django.urls import reverse

from cases.models import AppendOnly, DetainedPerson, ReadEvent, Relative, Source
from cases.readlog import filters_for_log
from tests.base import AdminTestCase
from tests.factories import (
    make_kinship,
    make_person,
    make_petition,
    make_relative,
    make_user,
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


# --- Downloads and exports --------------------------------------------------------------------


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
        # Serik's name finds both cases he is kin to (the persons list searches relatives too).
        self.assertEqual(
            (event.user, event.model, event.rows), (self.alice, "cases.detainedperson", 2)
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

"""Relatives' contact details (privacy rule 5) on every admin path, for every role.

A user without cases.view_contact_details learns nothing of a relative's phone, email or
address: not from any lookup Django offers in a changelist's address (on the relatives' list or
through relations from any list), nor from ordering, search, list filters, autocomplete, forms,
history, exports, or the persons import's preview. A coordinator still uses them all. A lookup
that cannot be answered is a 400 with a message, never a 500.
"""

import csv
import datetime
import io
import re
from io import StringIO
from unittest import mock
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import prepare_lookup_value
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import escape

from cases.admin.lookups import BAD_QUERY_MESSAGE, HIDDEN_FIELD_MESSAGE, QueryGuardMixin
from cases.contact_access import restricted_fields
from cases.intake.persons import import_persons
from cases.models import Consent, DetainedPerson, Outcome, Petition, Relative, Source
from tests.base import AdminTestCase
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    make_user,
    place,
    unchanged_post_data,
)
from tests.intake.test_imports import csv_bytes

PHONE = "+7 701 555 0142"
EMAIL = "kd@example.org"
ADDRESS = "Abay street 12 Almaty"
CONTACTS = {"phone": PHONE, "email": EMAIL, "address": ADDRESS}
WRONG = {"phone": "+7 701 555 0199", "email": "zz@example.org", "address": "Dostyk street 3"}

ROLES = ("Viewer", "Advocate", "Coordinator")
READERS = ("Coordinator", "superuser")
NON_READERS = ("Viewer", "Advocate")

# Lookups Django does not have, and chains of them: refused like the real ones.
UNKNOWN_LOOKUPS = ("lower", "nonsense", "unaccent__startswith", "startswith__exact")


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def lookups_of(model, field_name: str) -> list[str]:
    """Every lookup and transform Django registers on the field (PostgreSQL's included)."""
    return sorted(model._meta.get_field(field_name).get_lookups())


def paths_to_contact_fields(model, depth: int = 3, prefix: str = "") -> list[str]:
    """Every path from `model` to a restricted field through at most `depth` relations."""
    paths = []
    for field in model._meta.get_fields():
        if field.name in restricted_fields(model):
            paths.append(prefix + field.name)
        elif field.is_relation and field.related_model is not None and depth > 0:
            paths += paths_to_contact_fields(
                field.related_model, depth - 1, f"{prefix}{field.name}__"
            )
    return paths


def guesses(value: str) -> list[str]:
    """Values to try as a guess of `value`, right and wrong, for any kind of lookup."""
    return [value, value.upper(), value[:6], value[-4:], value[3:9], f"{value},x", "x,y",
            "true", "false", " ", "~", "^" + re.escape(value[:3]), "^zz", "zz"]  # fmt: skip


def matches(model, key: str, value: str, **scope) -> bool | None:
    """Whether the ORM finds the records in `scope` with `key`=`value` as a URL gives it;
    None if the database cannot answer that."""
    try:
        with transaction.atomic():
            lookup = {key: prepare_lookup_value(key, value)}
            return model.objects.filter(**scope, **lookup).exists()
    except Exception:
        return None


def right_and_wrong(model, key: str, value: str, **scope) -> tuple[str, str] | None:
    """A guess the lookup finds the record with and one it does not, if it tells them apart."""
    answers = {guess: matches(model, key, guess, **scope) for guess in guesses(value)}
    right = [guess for guess, found in answers.items() if found is True]
    wrong = [guess for guess, found in answers.items() if found is False]
    return (right[0], wrong[0]) if right and wrong else None


def page_text(response) -> str:
    """The page, without what differs between any two renderings (tokens, nonces)."""
    content = b"".join(response).decode()
    return re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]*"', "", content)


def listed(response) -> list:
    return list(response.context["cl"].result_list)


class RolesTestCase(AdminTestCase):
    """A Viewer, an Advocate and a Coordinator as setup_roles makes them, and alice the
    superuser; a family whose relative has a phone, an email and an address, reachable from
    every list of the admin."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        call_command("setup_roles", stdout=StringIO())
        cls.users = {"superuser": cls.alice}
        for role in ROLES:
            cls.users[role] = make_user(role.lower())
            cls.users[role].groups.add(Group.objects.get(name=role))
        # Assigned, so that the users' list reaches the phone through the cases assigned.
        cls.person = make_person(
            "Қайрат Дәуітхан's wife", home_place=place("ili"), assigned_to=cls.alice
        )
        cls.relative = make_relative("Қайрат Дәуітхан", **CONTACTS)
        make_kinship(cls.person, cls.relative, relationship="spouse", is_contact=True)
        duplicate = make_person("Kairat Dauitkhan's wife", duplicate_of=cls.person)
        make_kinship(duplicate, cls.relative, relationship="spouse")
        cls.petition = make_petition(cls.person, organisation="Atajurt")
        cls.petition.petitioners.add(cls.relative)
        cls.petition.persons.add(duplicate)
        transferred = datetime.date(2019, 2, 1)
        make_outcome(cls.person, Outcome.Kind.TRANSFERRED, transferred, petition=cls.petition)
        testimony = Source.objects.create(
            person=cls.person, petition=cls.petition, title="Testimony"
        )
        # His brother is held too: a relative whose own case reaches the phone through its kin.
        brother = make_person("Ерлан Дәуітхан")
        make_kinship(brother, cls.relative, relationship="sibling")
        cls.petition.persons.add(brother)
        make_relative("Ерлан Дәуітхан", situation=Relative.Situation.HELD, held_as=brother)
        for person, evidence in ((cls.person, testimony), (duplicate, None), (brother, None)):
            Consent.objects.create(
                person=person,
                relative=cls.relative,
                covers_recording=True,
                given_on=datetime.date(2019, 1, 1),
                evidence=evidence,
            )

    def sign_in(self, role: str) -> None:
        self.client.force_login(self.users[role])

    def assertRefused(self, response, message) -> None:
        """A 400 that says why, in `message`."""
        self.assertContains(response, escape(message), status_code=400)


class LookupsOnTheRelativesListTests(RolesTestCase):
    def get(self, field: str, lookup: str, value: str):
        key = f"{field}__{lookup}"
        return self.client.get(url(Relative, "changelist"), {"id": self.relative.pk, key: value})

    def test_no_lookup_on_a_contact_field_tells_a_user_without_the_permission_anything(self):
        for role in NON_READERS:
            self.sign_in(role)
            for field, value in CONTACTS.items():
                for lookup in [*lookups_of(Relative, field), *UNKNOWN_LOOKUPS]:
                    with self.subTest(role=role, field=field, lookup=lookup):
                        right = self.get(field, lookup, value)
                        wrong = self.get(field, lookup, WRONG[field])
                        self.assertEqual(right.status_code, 400)
                        self.assertEqual(page_text(right), page_text(wrong))
                        self.assertRefused(right, HIDDEN_FIELD_MESSAGE)
                        self.assertNotContains(right, value, status_code=400)

    def test_a_bare_field_name_or_a_repeated_lookup_is_refused_too(self):
        self.sign_in("Viewer")
        for query in ({"phone": PHONE}, {"email": [EMAIL, "x"]}, {"address__isnull": "0"}):
            with self.subTest(query=query):
                response = self.client.get(url(Relative, "changelist"), query)
                self.assertRefused(response, HIDDEN_FIELD_MESSAGE)

    def test_a_coordinator_still_filters_by_every_lookup_that_can_tell_values_apart(self):
        told_apart = set()
        for role in READERS:
            self.sign_in(role)
            for field, value in CONTACTS.items():
                for lookup in [*lookups_of(Relative, field), *UNKNOWN_LOOKUPS]:
                    key = f"{field}__{lookup}"
                    pair = right_and_wrong(Relative, key, value, pk=self.relative.pk)
                    with self.subTest(role=role, field=field, lookup=lookup, pair=pair):
                        if pair is None:
                            # Nothing to tell apart (or not on this database): still no 500.
                            self.assertIn(self.get(field, lookup, value).status_code, (200, 400))
                            continue
                        right, wrong = (self.get(field, lookup, guess) for guess in pair)
                        self.assertEqual(listed(right), [self.relative])
                        self.assertEqual(listed(wrong), [])
                        told_apart.add(lookup)
        # The lookups any database has, at least, work for coordinators as before.
        basic = {"exact", "iexact", "contains", "icontains", "startswith", "istartswith",
                 "endswith", "iendswith", "gt", "gte", "lt", "lte", "in", "isnull", "regex",
                 "iregex"}  # fmt: skip
        self.assertLessEqual(basic, told_apart)


class LookupsThroughRelationsTests(RolesTestCase):
    def test_no_list_reaches_a_contact_field_through_its_relations_for_a_user_without_it(self):
        tried = 0
        for model in admin.site._registry:
            for path in paths_to_contact_fields(model):
                field = path.rsplit("__", 1)[-1]
                key = f"{path}__startswith"
                self.assertTrue(matches(model, key, CONTACTS[field]), key)  # a real guess
                self.assertFalse(matches(model, key, WRONG[field]), key)
                changelist = url(model, "changelist")
                for role in NON_READERS:
                    self.sign_in(role)
                    with self.subTest(model=model.__name__, path=path, role=role):
                        right = self.client.get(changelist, {key: CONTACTS[field]})
                        wrong = self.client.get(changelist, {key: WRONG[field]})
                        self.assertIn(right.status_code, (400, 403))
                        self.assertEqual(page_text(right), page_text(wrong))
                        tried += 1
        self.assertGreater(tried, 100)

    def test_every_lookup_from_the_persons_list_to_a_relatives_phone_is_refused(self):
        self.sign_in("Advocate")
        for lookup in [*lookups_of(Relative, "phone"), *UNKNOWN_LOOKUPS]:
            for path in ("kinships__relative__phone", "petitions__petitioners__phone"):
                with self.subTest(path=path, lookup=lookup):
                    changelist = url(DetainedPerson, "changelist")
                    right = self.client.get(changelist, {f"{path}__{lookup}": PHONE})
                    wrong = self.client.get(changelist, {f"{path}__{lookup}": WRONG["phone"]})
                    self.assertRefused(right, HIDDEN_FIELD_MESSAGE)
                    self.assertEqual(page_text(right), page_text(wrong))

    def test_every_admin_whose_model_reaches_a_contact_field_guards_its_queries(self):
        for model, model_admin in admin.site._registry.items():
            if paths_to_contact_fields(model):
                with self.subTest(model=model.__name__):
                    self.assertIsInstance(model_admin, QueryGuardMixin)


class OrderingTests(RolesTestCase):
    """Two relatives whose names sort one way and whose phones the other: swapping their
    phones must not change the order a user without the permission can get."""

    def setUp(self):
        super().setUp()
        self.first = make_relative("Aaa", phone="+7 999")
        self.second = make_relative("Bbb", phone="+7 111")

    def swap_phones(self) -> None:
        self.first.phone, self.second.phone = self.second.phone, self.first.phone
        Relative.objects.bulk_update([self.first, self.second], ["phone"])

    def orders(self) -> dict[str, list]:
        """The rows' order for every ?o= of the relatives list (any column, either way)."""
        ids = f"{self.first.pk},{self.second.pk}"
        out = {}
        for column in range(8):
            for order in (str(column), f"-{column}", f"{column}.0"):
                response = self.client.get(
                    url(Relative, "changelist"), {"id__in": ids, "o": order}
                )
                out[order] = listed(response)
        return out

    def test_no_order_of_the_list_follows_the_phones_without_the_permission(self):
        for role in NON_READERS:
            self.sign_in(role)
            with self.subTest(role=role):
                before = self.orders()
                self.swap_phones()
                self.assertEqual(self.orders(), before)

    def test_a_coordinator_sorts_by_phone(self):
        self.sign_in("Coordinator")
        before = self.orders()
        self.swap_phones()
        self.assertNotEqual(self.orders(), before)

    def test_a_default_order_on_a_contact_field_is_dropped_without_the_permission(self):
        relative_admin = admin.site._registry[Relative]
        for ordering in (("phone",), ("-phone",), (Lower("phone").desc(),)):
            with mock.patch.object(relative_admin, "ordering", ordering):
                ids = {"id__in": f"{self.first.pk},{self.second.pk}"}
                results = {}
                for role in ("Viewer", "Coordinator"):
                    self.sign_in(role)
                    before = listed(self.client.get(url(Relative, "changelist"), ids))
                    self.swap_phones()
                    after = listed(self.client.get(url(Relative, "changelist"), ids))
                    results[role] = before == after
                self.assertEqual(results, {"Viewer": True, "Coordinator": False}, ordering)


class SearchFilterAndAutocompleteTests(RolesTestCase):
    def test_search_by_contact_details_finds_nothing_without_the_permission(self):
        terms = ("555 0142", "kd@example", "Abay street")
        for role in (*NON_READERS, *READERS):
            self.sign_in(role)
            for model in (Relative, DetainedPerson, Petition):
                for term in terms:
                    with self.subTest(role=role, model=model.__name__, term=term):
                        found = listed(self.client.get(url(model, "changelist"), {"q": term}))
                        if role in NON_READERS or model is not Relative:
                            self.assertEqual(found, [])
                        else:
                            self.assertEqual(found, [self.relative])

    def test_autocomplete_does_not_match_contact_details_without_the_permission(self):
        for source_model, field in (("kinship", "relative"), ("petition", "petitioners")):
            for role in (*NON_READERS, *READERS):
                self.sign_in(role)
                with self.subTest(role=role, source=source_model):
                    response = self.client.get(
                        reverse("admin:autocomplete"),
                        {"term": "555 0142", "app_label": "cases", "model_name": source_model,
                         "field_name": field},
                    )  # fmt: skip
                    texts = [result["text"] for result in response.json()["results"]]
                    expected = [] if role in NON_READERS else [self.relative.full_name]
                    self.assertEqual(texts, expected)

    def test_a_list_filter_on_a_contact_field_is_left_out_without_the_permission(self):
        relative_admin = admin.site._registry[Relative]
        filters = (*relative_admin.list_filter, "phone", ("email", admin.AllValuesFieldListFilter))
        with mock.patch.object(relative_admin, "list_filter", filters):
            for role in ROLES:
                self.sign_in(role)
                with self.subTest(role=role):
                    page = self.client.get(url(Relative, "changelist"))
                    self.assertEqual(page.status_code, 200)
                    shown = role == "Coordinator"
                    self.assertEqual(EMAIL in page.content.decode(), shown)
                    self.assertEqual(PHONE in page.content.decode(), shown)


class PagesTests(RolesTestCase):
    def test_contact_details_show_on_no_page_without_the_permission(self):
        version = self.relative.history.earliest()
        self.relative.phone = WRONG["phone"]  # a version that changed the phone
        self.relative.save()
        # Each page, and what it shows a reader: the change, the version and the list show
        # the email, the history the new number, the person's page both (in its inline).
        pages = {
            url(Relative, "changelist"): EMAIL,
            url(Relative, "change", self.relative.pk): ADDRESS,
            url(Relative, "history", self.relative.pk): WRONG["phone"],
            reverse(
                "admin:cases_relative_simple_history", args=[self.relative.pk, version.history_id]
            ): PHONE,
            url(DetainedPerson, "change", self.person.pk): EMAIL,
            url(Petition, "change", self.petition.pk): None,
        }
        for role in (*NON_READERS, *READERS):
            self.sign_in(role)
            for page, shown in pages.items():
                with self.subTest(role=role, page=page):
                    response = self.client.get(page)
                    self.assertEqual(response.status_code, 200)
                    content = response.content.decode()
                    if role in READERS and shown:
                        self.assertIn(shown, content)
                    else:
                        for value in (*CONTACTS.values(), WRONG["phone"]):
                            self.assertNotIn(value, content)

    def test_a_deleted_relatives_contact_details_stay_hidden(self):
        relative_id = self.relative.pk
        # A relative who gave a consent is kept while the consent is (Consent.relative).
        self.relative.consents.all().delete()
        self.relative.delete()
        for role in NON_READERS:
            self.sign_in(role)
            for page in (url(Relative, "deleted"), url(Relative, "history", relative_id)):
                with self.subTest(role=role, page=page):
                    response = self.client.get(page)
                    self.assertEqual(response.status_code, 200)
                    for value in CONTACTS.values():
                        self.assertNotContains(response, value)

    def test_an_advocate_enters_a_new_relatives_contact_details(self):
        self.sign_in("Advocate")
        page = self.client.get(url(Relative, "add"))
        self.assertContains(page, 'name="phone"')
        data = unchanged_post_data(page) | {"full_name": "Дана", "phone": "+7 702 000 0001"}
        self.assertEqual(self.client.post(url(Relative, "add"), data).status_code, 302)
        self.assertEqual(Relative.objects.get(full_name="Дана").phone, "+7 702 000 0001")

    def test_an_advocate_cannot_see_or_overwrite_a_recorded_relatives_contact_details(self):
        self.sign_in("Advocate")
        page_url = url(Relative, "change", self.relative.pk)
        page = self.client.get(page_url)
        self.assertNotContains(page, 'name="phone"')
        data = unchanged_post_data(page) | {"phone": "+7 000", "email": "", "city": "Almaty"}
        self.assertEqual(self.client.post(page_url, data).status_code, 302)
        self.relative.refresh_from_db()
        self.assertEqual((self.relative.phone, self.relative.email), (PHONE, EMAIL))
        self.assertEqual(self.relative.city, "Almaty")


class ExportTests(RolesTestCase):
    def export(self, query: dict):
        address = f"{url(Relative, 'export')}?{urlencode(query)}"
        return self.client.post(address, {"format": "0", "resource": "0"})

    def rows(self, response) -> list[dict]:
        text = b"".join(response).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))

    def test_an_export_filtered_by_a_contact_field_is_refused_without_the_permission(self):
        for role in NON_READERS:
            self.sign_in(role)
            for lookup in ("startswith", "exact", "regex", "gt", "isnull"):
                with self.subTest(role=role, lookup=lookup):
                    key = f"phone__{lookup}"
                    right = self.export({"id": self.relative.pk, key: PHONE})
                    wrong = self.export({"id": self.relative.pk, key: "zz"})
                    self.assertRefused(right, HIDDEN_FIELD_MESSAGE)
                    self.assertEqual(page_text(right), page_text(wrong))

    def test_a_coordinator_exports_a_list_filtered_by_phone_with_its_contact_details(self):
        self.sign_in("Coordinator")
        right = self.rows(self.export({"phone__startswith": "+7 701 555"}))
        wrong = self.rows(self.export({"phone__startswith": "+7 701 556"}))
        self.assertEqual([row["phone"] for row in right], ["'" + PHONE])
        self.assertEqual(wrong, [])

    def test_an_export_without_the_permission_has_no_contact_columns(self):
        for role in NON_READERS:
            self.sign_in(role)
            with self.subTest(role=role):
                rows = self.rows(self.export({}))
                self.assertTrue(rows)
                self.assertTrue({"phone", "email", "address"}.isdisjoint(rows[0]))

    def test_a_bad_lookup_on_an_export_answers_400(self):
        self.sign_in("superuser")
        for query in ({"full_name__regex": "("}, {"nonsense": "1"}, {"birth_year__gt": "x"}):
            with self.subTest(query=query):
                self.assertRefused(self.export(query), BAD_QUERY_MESSAGE)


class ImportTests(RolesTestCase):
    def sheet(self, phone: str) -> bytes:
        return csv_bytes(
            [
                ["case_number", "relative_1_full_name", "relative_1_phone"],
                [self.person.case_number, self.relative.full_name, phone],
            ]
        )

    def test_the_preview_is_the_same_whether_a_guessed_phone_is_right_or_wrong(self):
        advocate = self.users["Advocate"]
        right = import_persons(self.sheet(PHONE), user=advocate)
        wrong = import_persons(self.sheet(WRONG["phone"]), user=advocate)
        self.assertEqual((right.rows, right.errors), (wrong.rows, wrong.errors))
        self.assertEqual(
            [error.message for error in right.errors],
            [
                "Relative 1: only users allowed to see relatives' contact details may set or "
                "change those of a relative already recorded; leave relative_1_phone empty."
            ],
        )

    def test_the_import_refuses_to_change_a_recorded_relatives_phone(self):
        report = import_persons(self.sheet("+7 000"), user=self.users["Advocate"], dry_run=False)
        self.assertFalse(report.written)
        self.relative.refresh_from_db()
        self.assertEqual(self.relative.phone, PHONE)

    def test_the_import_page_shows_the_refusal(self):
        self.sign_in("Advocate")
        for phone in (PHONE, WRONG["phone"]):
            with self.subTest(phone=phone):
                upload = SimpleUploadedFile("cases.csv", self.sheet(phone))
                response = self.client.post(url(DetainedPerson, "import"), {"import_file": upload})
                self.assertContains(response, "leave relative_1_phone empty")
                self.assertNotContains(response, "phone changed")
                self.assertNotContains(response, PHONE)

    def test_a_coordinator_changes_a_relatives_phone_through_a_sheet(self):
        coordinator = self.users["Coordinator"]
        same = import_persons(self.sheet(PHONE), user=coordinator)
        changed = import_persons(self.sheet(WRONG["phone"]), user=coordinator)
        self.assertEqual([row.action for row in same.rows], ["unchanged"])
        self.assertIn("relative Қайрат Дәуітхан: phone changed", changed.rows[0].changes)
        import_persons(self.sheet(WRONG["phone"]), user=coordinator, dry_run=False)
        self.relative.refresh_from_db()
        self.assertEqual(self.relative.phone, WRONG["phone"])

    def test_an_advocate_enters_a_new_relatives_phone_through_a_sheet(self):
        rows = [
            ["case_number", "relative_1_full_name", "relative_1_phone", "relative_1_email"],
            [self.person.case_number, "Дана", "+7 702 000 0001", "dana@example.org"],
        ]
        report = import_persons(csv_bytes(rows), user=self.users["Advocate"], dry_run=False)
        self.assertTrue(report.written, report.errors)
        dana = Relative.objects.get(full_name="Дана")
        self.assertEqual((dana.phone, dana.email), ("+7 702 000 0001", "dana@example.org"))


class BadLookupTests(RolesTestCase):
    def test_an_invalid_regular_expression_answers_400_not_500(self):
        for role, query in (
            ("Coordinator", {"phone__regex": "+7"}),
            ("superuser", {"full_name__regex": "("}),
            ("Viewer", {"full_name__iregex": "*"}),
        ):
            self.sign_in(role)
            with self.subTest(role=role, query=query):
                response = self.client.get(url(Relative, "changelist"), query)
                self.assertRefused(response, BAD_QUERY_MESSAGE)

    def test_an_unknown_lookup_or_a_value_it_cannot_read_answers_400(self):
        self.sign_in("superuser")
        for model, query in (
            (Relative, {"nonsense": "1"}),
            (Relative, {"full_name__lower": "x"}),
            (Relative, {"birth_year__gt": "x"}),
            (DetainedPerson, {"detained_year": "20x8"}),
            (Petition, {"submitted_on__year": "99999999999"}),
        ):
            with self.subTest(model=model.__name__, query=query):
                response = self.client.get(url(model, "changelist"), query)
                self.assertRefused(response, BAD_QUERY_MESSAGE)

"""Consents imported from a sheet: the consents export reads back in, every row is checked by
the model's rules (a clear message by row, nothing saved on any error), from the consents list,
for those who may add consents, with the importer in the history."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.intake.consents import SAME_CONSENT, import_consents
from cases.models import Consent, Kinship
from cases.roles import sync_groups
from tests.factories import make_kinship, make_person, make_relative, make_user
from tests.intake.test_imports import csv_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GIVEN = datetime.date(2024, 3, 12)
TOMORROW = TODAY + datetime.timedelta(days=1)


def url(view: str, *args) -> str:
    return reverse(f"admin:cases_consent_{view}", args=args)


@pytest.fixture
def family():
    """Kairat's case with his wife (name withheld) and his son, and a second case."""
    kairat = make_person("Қайрат Дәуітхан")
    wife = make_relative("Жұбайы", name_withheld=True)
    son = make_relative("Ерлан Қайратұлы", name_latin="Yerlan Kairatuly")
    make_kinship(kairat, wife, relationship=Kinship.Relationship.SPOUSE)
    make_kinship(kairat, son, relationship=Kinship.Relationship.CHILD)
    other = make_person("Бақытжан Серікұлы")
    return kairat, wife, son, other


def add_consent(person, relative=None, **fields) -> Consent:
    fields.setdefault("given_by", Consent.GivenBy.RELATIVE if relative else "person")
    fields.setdefault("given_on", GIVEN)
    fields.setdefault("covers_recording", True)
    consent = Consent(person=person, relative=relative, **fields)
    consent.full_clean()
    consent.save()
    return consent


def signatures() -> list[tuple]:
    return sorted(
        (consent.person_id, *(getattr(consent, name) for name in SAME_CONSENT))
        for consent in Consent.objects.all()
    )


HEADERS = ["case_number", "given_by", "relative", "covers_recording", "covers_un_bodies",
           "method", "given_on", "expires_on", "withdrawn_on", "withdrawal_reason"]  # fmt: skip


def sheet(*rows: list) -> bytes:
    return csv_bytes([HEADERS, *rows])


def row(case, relative="", **cells) -> list:
    values = {
        "case_number": case.case_number,
        "given_by": "relative" if relative else "person",
        "relative": relative,
        "covers_recording": "yes",
        "covers_un_bodies": "no",
        "method": "written",
        "given_on": GIVEN.isoformat(),
        "expires_on": "",
        "withdrawn_on": "",
        "withdrawal_reason": "",
    } | cells
    return [values[h] for h in HEADERS]


# --- Export, then import -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["0", "1"])  # CSV, XLSX
def test_exported_consents_import_back_into_an_empty_register(client, family, fmt):
    kairat, wife, son, other = family
    add_consent(
        kairat,
        wife,
        covers_un_bodies=True,
        method=Consent.Method.ORAL,
        expires_on=GIVEN + datetime.timedelta(days=365),
        notes="по телефону; 2 раза",
    )
    add_consent(kairat, son, covers_partner=True, partner_name="Atajurt",
                given_on=GIVEN - datetime.timedelta(days=100), withdrawn_on=GIVEN,
                withdrawal_reason="Threatened")  # fmt: skip
    add_consent(other, covers_public_story=True, method=Consent.Method.LAWYER)
    before = signatures()
    coordinator = make_user("coordinator", superuser=True)
    client.force_login(coordinator)
    exported = client.post(url("export"), {"format": fmt, "resource": "0", "export_items": []})
    assert exported.status_code == 200
    Consent.objects.all().delete()

    report = import_consents(exported.content, user=coordinator, dry_run=False, file_name="c")

    assert report.errors == [] and report.written
    assert report.notices == []  # state and evidence are read past without a word
    assert report.created == 3
    assert signatures() == before
    latest = [consent.history.first() for consent in Consent.objects.all()]
    assert {(r.history_type, r.history_user) for r in latest} == {("+", coordinator)}


def test_importing_the_same_sheet_again_records_nothing_twice(family):
    kairat, wife, son, _other = family
    data = sheet(row(kairat, "Yerlan Kairatuly"), row(kairat))
    assert import_consents(data, dry_run=False).created == 2

    again = import_consents(data, dry_run=False)

    assert again.ok and again.created == 0 and again.unchanged == 2
    assert Consent.objects.count() == 2


def test_relative_is_found_among_the_cases_kin_under_any_spelling(family):
    kairat, wife, son, _other = family
    report = import_consents(sheet(row(kairat, "ЕРЛАН Кайратулы")), dry_run=False)

    assert report.ok
    assert Consent.objects.get().relative == son


# --- Row errors, nothing saved ------------------------------------------------------------------


def test_each_bad_row_is_named_with_a_clear_message_and_nothing_is_saved(family):
    kairat, wife, son, other = family
    data = sheet(
        row(kairat, "Ерлан Қайратұлы"),  # valid: still not saved
        row(kairat, relative="", case_number="C-99999"),
        row(kairat, "Дана Серікқызы"),
        row(other, "Ерлан Қайратұлы"),
        row(kairat, given_on="someday"),
        row(kairat, method="by pigeon"),
        row(kairat, given_on=TOMORROW.isoformat()),
        row(kairat, expires_on=(GIVEN - datetime.timedelta(days=1)).isoformat()),
        row(kairat, withdrawal_reason="Afraid"),
        row(kairat, covers_recording="no"),
    )

    report = import_consents(data, dry_run=False)

    errors = {e.row: e.message for e in report.errors}
    assert not report.written and not Consent.objects.exists()
    assert 2 not in errors
    assert errors[3] == "There is no case C-99999 (column case_number): enter the person first."
    assert (
        f"Дана Серікқызы (column relative) is not a relative of case {kairat.case_number}"
        in (errors[4])
    )
    assert f"is not a relative of case {other.case_number}" in errors[5]
    assert "Could not read the date 'someday' in column given_on" in errors[6]
    assert errors[7].startswith("Unknown value 'by pigeon' in column method: use one of written")
    assert errors[8].startswith("given_on:") and "future" in errors[8]
    assert errors[9] == "expires_on: A consent cannot expire before it was given."
    assert errors[10] == "withdrawn_on: Give the date of the withdrawal."
    assert errors[11] == "covers_recording: Tick at least one thing the consent covers."


def test_a_name_two_relatives_of_the_case_share_is_refused(family):
    kairat, *_ = family
    make_kinship(kairat, make_relative("Ерлан Қайратұлы"))

    report = import_consents(sheet(row(kairat, "Ерлан Қайратұлы")), dry_run=False)

    (error,) = report.errors
    assert f"may be any of 2 relatives of case {kairat.case_number}" in error.message
    assert not Consent.objects.exists()


def test_a_relative_named_for_a_consent_the_person_gave_is_refused(family):
    kairat, *_ = family
    data = sheet(row(kairat, "Ерлан Қайратұлы", given_by="person"))

    (error,) = import_consents(data).errors

    assert error.message == "relative: Leave the relative empty: the person gave it themself."


def test_a_sheet_without_the_date_column_is_refused_whole(family):
    kairat, *_ = family
    data = csv_bytes([["case_number", "covers_recording"], [kairat.case_number, "yes"]])

    (error,) = import_consents(data).errors

    assert error.row is None and "The sheet has no column given_on" in error.message


# --- Through the admin ---------------------------------------------------------------------------


def upload(client, data: bytes):
    return client.post(url("import"), {"import_file": SimpleUploadedFile("consents.csv", data)})


def role_user(client, role: str):
    sync_groups()
    user = make_user(role.lower())
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def test_an_advocate_imports_from_the_consents_list_and_the_history_names_them(client, family):
    kairat, wife, son, _other = family
    advocate = role_user(client, "Advocate")
    changelist = client.get(url("changelist")).content.decode()
    assert url("import") in changelist
    page = client.get(url("import")).content.decode()
    assert (
        "The columns <code>state</code> and <code>evidence</code> of an exported sheet are ignored"
    ) in page

    preview = upload(client, sheet(row(kairat, "Yerlan Kairatuly")))

    assert "Confirm import" in preview.content.decode()
    assert not Consent.objects.exists()
    token = preview.context["confirm_form"].initial["token"]
    response = client.post(url("process_import"), {"token": token}, follow=True)
    assert "Consents added: 1" in response.content.decode()
    consent = Consent.objects.get()
    assert consent.relative == son
    assert consent.history.get().history_user == advocate


def test_a_viewer_may_not_import_consents(client, family):
    kairat, *_ = family
    role_user(client, "Viewer")

    assert url("import") not in client.get(url("changelist")).content.decode()
    assert client.get(url("import")).status_code == 403
    assert client.get(url("import_template", "csv")).status_code == 403
    assert upload(client, sheet(row(kairat))).status_code == 403
    assert not Consent.objects.exists()


def test_the_consent_template_imports_once_its_example_row_is_replaced(client, family):
    kairat, *_ = family
    client.force_login(make_user("coordinator", superuser=True))
    template = b"".join(client.get(url("import_template", "csv"))).decode("utf-8-sig")
    header, example = template.splitlines()[:2]

    refused = import_consents(template.encode())

    assert header.startswith("case_number,given_by,relative,covers_recording")
    assert "EXAMPLE" in example
    assert [e.message for e in refused.errors] == [
        "This is the template's example row: delete it before importing."
    ]

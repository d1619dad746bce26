"""Backups: encrypted by default, written safely, checked whole before anything is restored;
export, restore into an empty database, export again, and get the same file; a bad file or a
database that already holds data is refused and nothing changes."""

import datetime
import functools
import gzip
import importlib
import io
import json
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import encryption
from cases.management import passphrase
from cases.models import (
    Authority,
    Consent,
    DatePrecision,
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    Place,
    PublishedFigure,
    Relative,
    Source,
    Status,
)
from cases.public import statistics
from cases.services import save_petition
from tests.factories import (
    make_kinship,
    make_outcome,
    make_person,
    make_petition,
    make_relative,
    make_user,
    place,
)
from tests.memory import run_with_memory_cap

PASSWORD = "correct horse battery"  # what tests.factories.make_user gives everyone
PASSPHRASE = "four words for the backup"
TOTP_KEY = "3132333435363738393031323334353637383930"
seed_migration = importlib.import_module("cases.migrations.0002_seed_places_and_authorities")
# The migration that seeds the places' and authorities' other names (its number may change).
NAMES_MIGRATION = next(
    path.stem
    for path in (Path(__file__).parents[1] / "cases" / "migrations").glob("*.py")
    if path.stem.endswith("_place_names_and_figures")
)
names_migration = importlib.import_module(f"cases.migrations.{NAMES_MIGRATION}")
# The migration that marks the UN bodies among the authorities (its number may change too).
CONSENT_MIGRATION = next(
    path.stem
    for path in (Path(__file__).parents[1] / "cases" / "migrations").glob("*.py")
    if path.stem.endswith("_consent")
)
consent_migration = importlib.import_module(f"cases.migrations.{CONSENT_MIGRATION}")

pytestmark = pytest.mark.django_db


@functools.cache
def _apps_at(migration: str):
    loader = MigrationLoader(connection)
    return loader.project_state(("cases", migration)).apps


def seed_reference_lists() -> None:
    """What the data migrations do to a new database (with their models: no history entries)."""
    seed_migration.seed(_apps_at("0002_seed_places_and_authorities"), None)
    names_migration.seed_other_names(_apps_at(NAMES_MIGRATION), None)
    consent_migration.mark_un_bodies(_apps_at(CONSENT_MIGRATION), None)


def wipe_database() -> None:
    """Make the database look freshly migrated: every table empty, the seeded reference lists
    back (under new ids), content types and permissions recreated."""
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with pending deferred foreign-key checks.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    seed_reference_lists()


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch):
    # As a scheduled backup gets it; stretched cheaply here (2**10, not 2**17: 1 ms, not 1 s).
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(encryption, "SCRYPT_LOG_N", 10)


@pytest.fixture(autouse=True)
def _forget_content_type_ids():
    yield
    # flush gives content types new ids, and the test's transaction is rolled back afterwards.
    ContentType.objects.clear_cache()


def build_register() -> dict:
    """Two families with petitions, answers, outcomes, history and accounts. The seeded places
    and authorities are re-created first, so their ids differ from a fresh database's."""
    Place.objects.all().delete()
    Authority.objects.all().delete()
    seed_reference_lists()

    coordinator = make_user("dana")
    reviewers = Group.objects.create(name="Reviewers")
    reviewers.permissions.add(Permission.objects.get(codename="view_detainedperson"))
    coordinator.groups.add(reviewers)
    TOTPDevice.objects.create(user=coordinator, name="phone", key=TOTP_KEY, confirmed=True)

    wife = make_person(
        "Жена Қайрата",
        name_latin="Kairat's wife",
        status=Status.BARRED_FROM_LEAVING,
        home_place=place("ili"),
        detained_on=datetime.date(2017, 6, 1),
        name_withheld=True,
        assigned_to=coordinator,
        detained_at="Құлжа, автовокзал",
        detained_by=DetainedPerson.DetainedBy.POLICE,
        reason_given=DetainedPerson.Reason.DUAL_CITIZENSHIP,
    )
    kairat = make_relative("Қайрат Дәуітхан", phone="+7 701 555 0101")
    child = make_relative(
        "Бала Қайратқызы",
        name_withheld=True,
        citizenship=Relative.Citizenship.KAZAKHSTAN,
        situation=Relative.Situation.IN_CHINA_BARRED,
        born_on=datetime.date(2025, 3, 1),
        born_on_precision=DatePrecision.MONTH,
        documents="No passport of her own.",
    )
    make_kinship(wife, kairat, relationship=Kinship.Relationship.SPOUSE, is_contact=True)
    make_kinship(wife, child, separated=True)
    # "He wrote in 2018"; the answer came in May 2019.
    make_petition(
        wife, submitted_on=datetime.date(2018, 1, 1), submitted_on_precision=DatePrecision.YEAR
    ).petitioners.add(kairat)
    mfa = make_petition(wife, authority="mfa")
    mfa.status = Petition.Status.ANSWERED
    mfa.response_received_on = datetime.date(2019, 5, 1)
    mfa.response_received_on_precision = DatePrecision.MONTH
    save_petition(mfa, user=coordinator)

    brother = make_person("Ерлан Сейітқали", status=Status.PRISON)
    sister = make_relative("Айгүл Сейітқали", email="aigul@example.org")
    make_kinship(brother, sister, relationship=Kinship.Relationship.SIBLING)
    # She consented on the video of her testimony.
    video = Source.objects.create(person=brother, title="Video testimony of his sister")
    Consent.objects.create(
        person=brother,
        relative=sister,
        covers_recording=True,
        covers_un_bodies=True,
        covers_partner=True,
        partner_name="Atajurt",
        method=Consent.Method.ORAL,
        given_on=datetime.date(2019, 1, 5),
        expires_on=datetime.date(2031, 1, 5),
        evidence=video,
    )
    withdrawn = Consent.objects.create(
        person=wife, relative=kairat, covers_public_story=True, given_on=datetime.date(2019, 2, 1)
    )
    withdrawn._history_user = coordinator
    withdrawn.withdrawn_on = datetime.date(2020, 6, 1)
    withdrawn.withdrawal_reason = "Pressure on relatives in China."
    withdrawn.save()
    make_petition(
        brother,
        authority="un_wgad",
        organisation="Atajurt",
        letters_count=3,
        response_kind=Petition.ResponseKind.UNKNOWN,
    )
    make_outcome(brother, Outcome.Kind.SENTENCED, datetime.date(2019, 1, 10), sentence_years=10)
    # The brother is also the wife's relative: recorded once as kin, linked to his own case.
    as_kin = make_relative("Ерлан Сейітқали", situation=Relative.Situation.HELD, held_as=brother)
    make_kinship(wife, as_kin, relationship=Kinship.Relationship.SIBLING)
    detained = PublishedFigure.objects.create(
        label_en="Applications received",
        value=915,
        as_of=datetime.date(2019, 1, 1),
        source_name="Ministry of Foreign Affairs of Kazakhstan",
    )
    PublishedFigure.objects.create(
        label_en="released",
        qualifier=PublishedFigure.Qualifier.MORE_THAN,
        value=15,
        period_en="since 2018",
        period_ru="с 2018 года",
        parent=detained,
        as_of=datetime.date(2019, 1, 1),
        publisher_name="Ministry of Foreign Affairs of Kazakhstan",
        publisher_url="https://example.org/mfa",
        source_name="Radio Azattyq",
    )
    tacheng = Place.objects.get(code="tacheng")
    tacheng.other_names += "\nOld Chuguchak Road"
    tacheng.save()

    # A coordinator's edit, recorded in the history with who made it.
    wife._history_user = coordinator
    wife.notes = "Passport taken in 2017."
    wife.save()
    LogEntry.objects.create(
        user=coordinator,
        content_type=ContentType.objects.get_for_model(DetainedPerson),
        object_id=str(wife.pk),
        object_repr=str(wife),
        action_flag=CHANGE,
    )
    # A case entered by mistake and deleted: its number must never come back.
    make_person("Entered twice").delete()
    return {"wife": wife, "brother": brother, "kairat": kairat, "coordinator": coordinator}


def export(path: Path, *options: str) -> bytes:
    call_command("export_backup", str(path), *options, verbosity=0)
    return path.read_bytes()


def restore(path: Path) -> None:
    wipe_database()
    call_command("import_backup", str(path), verbosity=0)


def plaintext(path: Path) -> bytes:
    """What a backup holds once decrypted and unpacked."""
    with open(path, "rb") as raw:
        if encryption.is_encrypted(raw.read(len(encryption.MAGIC))):
            raw.seek(0)
            reader = io.BufferedReader(encryption.DecryptingReader(raw, PASSPHRASE))
            return gzip.decompress(reader.read())
        return gzip.decompress(path.read_bytes())


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy a backup, letting `change` edit its list of lines, and encrypt it again."""
    lines = plaintext(source).decode().splitlines()
    with open(target, "wb") as raw:
        writer = encryption.EncryptingWriter(raw, PASSPHRASE)
        writer.write(gzip.compress(("\n".join(change(lines)) + "\n").encode()))
        writer.finish()
    return target


# --- A restore gives back the register --------------------------------------------------------


def test_unencrypted_export_after_restore_is_byte_for_byte_the_first_export(tmp_path):
    build_register()
    first = export(tmp_path / "first.jsonl.gz", "--unencrypted")

    restore(tmp_path / "first.jsonl.gz")

    assert export(tmp_path / "second.jsonl.gz", "--unencrypted") == first


def test_backup_is_encrypted_by_default_and_shows_no_name_phone_or_secret(tmp_path):
    build_register()
    data = export(tmp_path / "backup")
    clear = export(tmp_path / "clear.jsonl.gz", "--unencrypted")

    assert not data.startswith(b"\x1f\x8b")  # not even gzip: nothing unpacks it
    for secret in [
        "Қайрат Дәуітхан",
        "+7 701 555 0101",
        "Құлжа",
        "aigul@example.org",
        TOTP_KEY,
        "md5$",
    ]:
        assert secret.encode() not in data
    # The same rows inside, in the same order: only the encryption differs from one file to
    # the next (a new salt each time).
    assert plaintext(tmp_path / "backup") == gzip.decompress(clear)
    assert b"+7 701 555 0101" in gzip.decompress(clear)
    assert export(tmp_path / "again") != data
    assert plaintext(tmp_path / "again") == plaintext(tmp_path / "backup")


def test_restore_brings_back_cases_families_petitions_and_history(tmp_path):
    people = build_register()
    export(tmp_path / "backup.jsonl.gz")
    restore(tmp_path / "backup.jsonl.gz")

    wife = DetainedPerson.objects.get(pk=people["wife"].pk)
    assert wife.case_number == people["wife"].case_number
    assert wife.created_at == people["wife"].created_at
    assert wife.home_place.code == "ili"
    assert wife.assigned_to == people["coordinator"]
    assert (wife.detained_at, wife.detained_by, wife.reason_given) == (
        "Құлжа, автовокзал",
        "police",
        "dual_citizenship",
    )
    assert {k.relative.full_name for k in wife.kinships.all()} == {
        "Қайрат Дәуітхан",
        "Бала Қайратқызы",
        "Ерлан Сейітқали",
    }
    child = Relative.objects.get(full_name="Бала Қайратқызы")
    assert (child.situation, child.born_on_display, child.birth_year, child.documents) == (
        Relative.Situation.IN_CHINA_BARRED,
        "March 2025",
        2025,
        "No passport of her own.",
    )
    assert Relative.objects.get(full_name="Ерлан Сейітқали").held_as == people["brother"]
    assert list(Relative.objects.children_stuck_in_china()) == [child]
    assert Relative.objects.get(full_name="Қайрат Дәуітхан").phone == "+7 701 555 0101"
    assert wife.petitions.count() == 2
    assert list(wife.petitions.get(authority__code="president").petitioners.all()) == [
        people["kairat"]
    ]
    answered = wife.petitions.get(authority__code="mfa")
    assert [(e.status, e.created_by, e.on_display) for e in answered.events.all()] == [
        (Petition.Status.SUBMITTED, None, "March 1, 2019"),
        (Petition.Status.ANSWERED, people["coordinator"], "May 2019"),
    ]
    assert answered.response_received_on_display == "May 2019"
    president = wife.petitions.get(authority__code="president")
    assert (president.submitted_on_display, president.events.get().on_display) == ("2018", "2018")
    brother = DetainedPerson.objects.get(pk=people["brother"].pk)
    assert brother.status == Status.PRISON
    assert wife.name_withheld
    withheld = dict(Relative.objects.values_list("full_name", "name_withheld"))
    assert (withheld["Бала Қайратқызы"], withheld["Қайрат Дәуітхан"]) == (True, False)
    assert brother.petitions.values_list("letters_count", "response_kind").get() == (
        3,
        Petition.ResponseKind.UNKNOWN,
    )
    edit = wife.history.first()
    assert (edit.notes, edit.history_user) == ("Passport taken in 2017.", people["coordinator"])
    assert LogEntry.objects.get().get_edited_object() == wife
    released = PublishedFigure.objects.get(label_en="released")
    assert (released.qualifier, released.period_en, released.period_ru) == (
        "more_than",
        "since 2018",
        "с 2018 года",
    )
    assert released.parent.label_en == "Applications received"
    assert (released.publisher_name, released.publisher_url, released.source_name) == (
        "Ministry of Foreign Affairs of Kazakhstan",
        "https://example.org/mfa",
        "Radio Azattyq",
    )
    # Consents come back with their evidence, and a withdrawal still flags its case.
    consent = brother.consents.get()
    assert (consent.relative.full_name, consent.scopes, consent.partner_name) == (
        "Айгүл Сейітқали",
        ["recording", "un_bodies", "partner"],
        "Atajurt",
    )
    assert (consent.expires_on, consent.evidence.title) == (
        datetime.date(2031, 1, 5),
        "Video testimony of his sister",
    )
    assert list(DetainedPerson.objects.consent_withdrawn()) == [wife]
    withdrawal = wife.consents.get().history.first()
    assert (withdrawal.withdrawal_reason, withdrawal.history_user) == (
        "Pressure on relatives in China.",
        people["coordinator"],
    )
    assert set(Authority.objects.filter(un_body=True).values_list("code", flat=True)) == {
        "un_wgad",
        "un_wgeid",
        "ohchr",
    }
    # Other names entered in the admin come back, and still find their place.
    tacheng = Place.objects.get(code="tacheng")
    assert tacheng.other_names.endswith("Old Chuguchak Road") and "Чугучак" in tacheng.other_names
    assert "old chuguchak road" in tacheng.name_key


def record_keys() -> dict:
    return {
        model.__name__: dict(model.objects.values_list("pk", "record_key"))
        for model in (DetainedPerson, Relative, Petition, Outcome)
    }


def test_restore_gives_back_the_public_statistics(tmp_path):
    build_register()
    keys, tallied = record_keys(), statistics.tallied_sums()
    export(tmp_path / "backup.jsonl.gz")

    restore(tmp_path / "backup.jsonl.gz")

    # Each record keeps its key, so every cell has the same count and key sum: the restored
    # register publishes the same numbers.
    assert record_keys() == keys
    assert statistics.tallied_sums() == tallied
    assert all(keys.values())
    assert all(tallied[name].count for name in ("persons", "relatives", "petitions", "outcomes"))


def test_restore_gives_working_accounts_with_their_permissions_and_second_factor(tmp_path):
    build_register()
    export(tmp_path / "backup.jsonl.gz")
    restore(tmp_path / "backup.jsonl.gz")

    dana = User.objects.get(username="dana")
    assert dana.check_password(PASSWORD)
    assert dana.has_perm("cases.view_detainedperson")
    assert not dana.has_perm("cases.change_detainedperson")
    assert TOTPDevice.objects.get(user=dana).key == TOTP_KEY


def test_restore_replaces_the_seeded_places_whose_ids_differ(tmp_path):
    people = build_register()
    export(tmp_path / "backup.jsonl.gz")
    wipe_database()
    assert Place.objects.get(code="ili").pk != people["wife"].home_place_id

    call_command("import_backup", str(tmp_path / "backup.jsonl.gz"), verbosity=0)

    assert Place.objects.count() == 29
    assert Authority.objects.count() == 9
    assert DetainedPerson.objects.get(pk=people["wife"].pk).home_place == place("ili")


def test_new_case_after_restore_does_not_reuse_a_deleted_case_number(tmp_path):
    build_register()
    deleted = DetainedPerson.history.get(full_name="Entered twice", history_type="-")
    export(tmp_path / "backup.jsonl.gz")
    restore(tmp_path / "backup.jsonl.gz")

    new = make_person("A new case after the restore")

    assert new.pk > deleted.id
    assert new.case_number != deleted.case_number


def test_new_rows_after_restore_get_fresh_ids(tmp_path):
    people = build_register()
    export(tmp_path / "backup.jsonl.gz")
    restore(tmp_path / "backup.jsonl.gz")

    relative = make_relative("Someone new")
    petition = make_petition(people["brother"], authority="mfa")

    assert relative.pk > people["kairat"].pk
    assert petition.persons.get() == people["brother"]


def test_export_file_is_readable_by_its_owner_only(tmp_path):
    build_register()
    export(tmp_path / "backup.jsonl.gz")

    mode = (tmp_path / "backup.jsonl.gz").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_export_reports_rows_and_warns_that_files_are_not_included(tmp_path):
    build_register()
    Source.objects.update(file="sources/2019/01/testimony.mp4")
    out = StringIO()
    call_command("export_backup", str(tmp_path / "backup.jsonl.gz"), stdout=out)

    assert "Wrote" in out.getvalue()
    assert "1 sources have uploaded files" in out.getvalue()


def test_export_runs_as_many_queries_for_many_cases_as_for_few(tmp_path):
    # Streaming prevents n+1 queries: links and natural keys are fetched per chunk, not per row.
    build_register()
    with CaptureQueriesContext(connection) as few:
        export(tmp_path / "few.jsonl.gz")
    for number in range(20):
        person = make_person(f"Person {number}")
        make_kinship(person, make_relative())
        make_petition(person).petitioners.add(make_relative(), make_relative())

    with CaptureQueriesContext(connection) as many:
        export(tmp_path / "many.jsonl.gz")

    assert len(many) == len(few)


def test_export_into_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_backup", str(tmp_path / "no" / "backup.jsonl.gz"))


def test_export_without_a_passphrase_or_a_terminal_is_refused_and_writes_nothing(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("BACKUP_PASSPHRASE")
    with pytest.raises(CommandError, match="set BACKUP_PASSPHRASE.*--unencrypted"):
        call_command("export_backup", str(tmp_path / "backup"))
    assert list(tmp_path.iterdir()) == []


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_a_passphrase_typed_in_the_terminal_is_asked_twice(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_PASSPHRASE")
    monkeypatch.setattr(passphrase.sys, "stdin", _Terminal())
    typed = iter([PASSPHRASE, PASSPHRASE + "!", PASSPHRASE, PASSPHRASE])
    monkeypatch.setattr(passphrase.getpass, "getpass", lambda prompt: next(typed))

    with pytest.raises(CommandError, match="The two passphrases differ. Nothing was written."):
        call_command("export_backup", str(tmp_path / "backup"))
    assert list(tmp_path.iterdir()) == []
    call_command("export_backup", str(tmp_path / "backup"), verbosity=0)
    assert plaintext(tmp_path / "backup").startswith(b'{"format": "casetracker-backup"')


def test_export_with_a_short_passphrase_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_PASSPHRASE", "secret")
    with pytest.raises(CommandError, match="too short: use at least 12 characters"):
        call_command("export_backup", str(tmp_path / "backup"))
    assert list(tmp_path.iterdir()) == []


# --- The file is written where asked, and nowhere else ------------------------------------------


def test_export_refuses_a_symbolic_link_as_its_file(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("someone else's file")
    (tmp_path / "backup").symlink_to(elsewhere)

    with pytest.raises(CommandError, match="is a symbolic link"):
        call_command("export_backup", str(tmp_path / "backup"))
    assert elsewhere.read_text() == "someone else's file"
    assert (tmp_path / "backup").is_symlink()


def test_a_link_named_like_the_partial_file_is_not_followed(tmp_path):
    # Planted where the export writes before renaming: it redirected the whole backup.
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("someone else's file")
    (tmp_path / "backup.partial").symlink_to(elsewhere)
    build_register()

    export(tmp_path / "backup")

    assert elsewhere.read_text() == "someone else's file"
    backup = tmp_path / "backup"
    assert not backup.is_symlink() and stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert b"+7 701 555 0101" in plaintext(backup)
    assert not (tmp_path / "backup.partial").exists()


def test_a_partial_file_left_readable_by_all_still_gives_a_private_backup(tmp_path):
    # An interrupted export's leftover, or one made by someone else: its mode was kept.
    leftover = tmp_path / "backup.partial"
    leftover.write_bytes(b"an interrupted export")
    leftover.chmod(0o644)
    build_register()

    export(tmp_path / "backup")

    assert stat.S_IMODE((tmp_path / "backup").stat().st_mode) == 0o600
    assert b"+7 701 555 0101" in plaintext(tmp_path / "backup")


# --- Bad input is refused and changes nothing -------------------------------------------------


@pytest.fixture
def backup(tmp_path) -> Path:
    """A backup of the register, and a freshly migrated, empty database to restore it into."""
    build_register()
    path = tmp_path / "backup.jsonl.gz"
    export(path)
    wipe_database()
    return path


def assert_nothing_restored() -> None:
    assert not DetainedPerson.objects.exists()
    assert not User.objects.exists()
    assert Place.objects.count() == 29


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.jsonl.gz"):
        call_command("import_backup", str(tmp_path / "missing.jsonl.gz"))


def test_file_that_is_not_gzip_is_refused(backup, tmp_path):
    junk = tmp_path / "junk.jsonl.gz"
    junk.write_text("name,phone\nKairat,+7 701 555 0101\n")

    with pytest.raises(CommandError, match="not a complete casetracker backup"):
        call_command("import_backup", str(junk))
    assert_nothing_restored()


def test_gzip_file_that_is_not_a_backup_is_refused(backup, tmp_path):
    other = tmp_path / "other.json.gz"
    other.write_bytes(gzip.compress(b'[{"model": "cases.detainedperson", "pk": 1}]'))

    with pytest.raises(CommandError, match="not a complete casetracker backup"):
        call_command("import_backup", str(other))
    assert_nothing_restored()


def test_restore_without_the_passphrase_is_refused(backup, monkeypatch):
    monkeypatch.delenv("BACKUP_PASSPHRASE")
    with pytest.raises(CommandError, match="encrypted: set BACKUP_PASSPHRASE to its passphrase"):
        call_command("import_backup", str(backup))
    assert_nothing_restored()


def test_wrong_passphrase_is_refused_and_nothing_is_written(backup, monkeypatch):
    monkeypatch.setenv("BACKUP_PASSPHRASE", "four words for the backup.")
    with pytest.raises(CommandError, match="The passphrase does not open"):
        call_command("import_backup", str(backup))
    assert_nothing_restored()


@pytest.mark.parametrize("where", [0.5, 0.99])
def test_one_altered_byte_is_refused_and_nothing_is_written(backup, tmp_path, where):
    data = bytearray(backup.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    altered = tmp_path / "altered"
    altered.write_bytes(data)

    with pytest.raises(CommandError, match="was altered or damaged after it was written"):
        call_command("import_backup", str(altered))
    assert_nothing_restored()


def test_check_reads_the_whole_backup_and_restores_nothing(backup, tmp_path):
    out = StringIO()
    call_command("import_backup", str(backup), "--check", stdout=out)

    assert "is whole: " in out.getvalue()
    assert_nothing_restored()
    cut = tmp_path / "cut"
    cut.write_bytes(backup.read_bytes()[:-1])
    with pytest.raises(CommandError, match="cut off"):
        call_command("import_backup", str(cut), "--check")


def test_a_gzip_bomb_is_refused_in_bounded_memory(tmp_path):
    # 512 KB that unpack to one line of 512 MB (a 2 MB one reached 4.3 GB before failing).
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(b"a" * 2**20) * 512)  # gzip members one after the other
    code = f"""
        from pathlib import Path
        from cases.backups import BackupError, import_backup
        try:
            import_backup(Path({str(path)!r}))
        except BackupError as error:
            print(error)
    """

    result = run_with_memory_cap(code, tmp_path)

    assert result.returncode == 0, result.stderr[-1500:]
    assert "line 1 is longer than 16 MB" in result.stdout


def test_a_backup_that_unpacks_past_the_limit_is_refused_before_restoring(tmp_path, settings):
    settings.BACKUP_MAX_UNPACKED_MB = 1
    header = {"format": "casetracker-backup", "version": 1, "migrations": {}}
    header["rows"] = {"auth.group": 10**9}
    row = {"model": "auth.group", "pk": 1, "fields": {"name": "x", "permissions": []}}
    lines = [json.dumps(header)] + [json.dumps(row)] * 40_000
    path = tmp_path / "large.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))

    with pytest.raises(CommandError, match="unpacks to more than 1 MB"):
        call_command("import_backup", str(path))
    assert not Group.objects.filter(name="x").exists()


def test_truncated_backup_is_refused_and_nothing_is_written(backup, tmp_path):
    cut = tmp_path / "cut.jsonl.gz"
    data = backup.read_bytes()
    cut.write_bytes(data[: len(data) * 3 // 4])

    with pytest.raises(CommandError, match="cut off"):
        call_command("import_backup", str(cut))
    assert_nothing_restored()


def test_backup_missing_rows_is_refused_and_nothing_is_written(backup, tmp_path):
    def drop_last_outcome(lines):
        last = max(i for i, line in enumerate(lines) if '"model": "cases.outcome"' in line)
        return lines[:last] + lines[last + 1 :]

    with pytest.raises(CommandError, match="incomplete.*1 rows of cases.outcome.*holds 0"):
        call_command(
            "import_backup", str(rewrite(backup, tmp_path / "short.gz", drop_last_outcome))
        )
    assert_nothing_restored()


def test_row_pointing_nowhere_is_refused_after_earlier_rows_and_nothing_is_written(
    backup, tmp_path
):
    def orphan_an_outcome(lines):
        return [
            line.replace('"person": ', '"person": 9999')
            if '"model": "cases.outcome"' in line
            else line
            for line in lines
        ]

    with pytest.raises(CommandError, match="does not fit this database"):
        call_command("import_backup", str(rewrite(backup, tmp_path / "bad.gz", orphan_an_outcome)))
    assert_nothing_restored()


def test_backup_from_another_database_version_is_refused(backup, tmp_path):
    def add_future_migration(lines):
        header = json.loads(lines[0])
        header["migrations"]["cases"].append("0099_from_the_future")
        return [json.dumps(header), *lines[1:]]

    with pytest.raises(CommandError, match=r"cases.0099_from_the_future \(only in the backup\)"):
        call_command(
            "import_backup", str(rewrite(backup, tmp_path / "new.gz", add_future_migration))
        )
    assert_nothing_restored()


def test_rows_of_tables_a_backup_never_holds_are_refused(backup, tmp_path):
    def add_a_session(lines):
        session = {"model": "sessions.session", "pk": "x", "fields": {"session_data": ""}}
        return [*lines, json.dumps(session)]

    with pytest.raises(CommandError, match="sessions.session"):
        call_command("import_backup", str(rewrite(backup, tmp_path / "more.gz", add_a_session)))
    assert_nothing_restored()


def test_database_that_already_holds_cases_is_refused(backup):
    existing = make_person("Already here")

    with pytest.raises(CommandError, match="already holds data.*cases.detainedperson: 1"):
        call_command("import_backup", str(backup))
    assert list(DetainedPerson.objects.all()) == [existing]
    assert not User.objects.exists()


def test_database_with_a_user_already_is_refused(backup):
    make_user("admin", superuser=True)

    with pytest.raises(CommandError, match="already holds data.*auth.user: 1"):
        call_command("import_backup", str(backup))
    assert not DetainedPerson.objects.exists()

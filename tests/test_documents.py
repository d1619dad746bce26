import importlib
import io
import re
import stat
import zipfile
from pathlib import Path, PurePath
from urllib.parse import quote, unquote

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from cases.documents import SourceForm, validate_upload
from cases.models import Source, source_upload_path
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

SECRET = b"%PDF-1.7\n% Testimony of Kairat Dauitkhan about his wife\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def private_storage(settings) -> Path:
    """The private files' folder, a temporary one in tests (tests/conftest.py)."""
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


@pytest.fixture(autouse=True)
def _password_login_is_enough(settings):
    # Two-factor sign-in has its own tests; here a signed-in session counts as verified.
    settings.REQUIRE_2FA = False


@pytest.fixture
def source():
    return uploaded("testimony.pdf", SECRET)


def uploaded(name: str, data: bytes) -> Source:
    """A source whose file was uploaded through the admin's form."""
    form = upload_form(name, data)
    assert form.is_valid(), form.errors
    return form.save()


def download(client, source, user=None):
    if user:
        client.force_login(user)
    return client.get(reverse("source-file", args=[source.pk]), secure=True)


def content(response) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


def test_file_is_kept_in_private_storage(source, private_storage):
    assert (private_storage / source.file.name).read_bytes() == SECRET


def test_anonymous_user_is_sent_to_the_admin_login(client, source):
    response = download(client, source)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=")
    assert SECRET not in content(response)


def test_user_without_permission_gets_no_file(client, source):
    response = download(client, source, make_user("bob", perms=("cases.view_detainedperson",)))
    assert response.status_code == 403
    assert b"Kairat" not in content(response)


def test_user_with_permission_downloads_the_file(client, source):
    response = download(client, source, make_user("alice", perms=("cases.view_source",)))
    assert response.status_code == 200
    assert content(response) == SECRET
    assert response["Content-Disposition"] == 'attachment; filename="testimony.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_session_without_second_factor_gets_no_file(client, source, settings):
    settings.REQUIRE_2FA = True
    response = download(client, source, make_user("alice", perms=("cases.view_source",)))
    assert response.status_code == 302
    assert SECRET not in content(response)


def test_superuser_downloads_the_file(client, source):
    response = download(client, source, make_user("root", superuser=True))
    assert content(response) == SECRET


def test_missing_file_is_not_found(client, source, private_storage):
    (private_storage / source.file.name).unlink()
    response = download(client, source, make_user("alice", perms=("cases.view_source",)))
    assert response.status_code == 404


def test_source_without_file_is_not_found(client):
    source = Source.objects.create(person=make_person(), title="A web page only")
    response = download(client, source, make_user("alice", perms=("cases.view_source",)))
    assert response.status_code == 404


def test_unknown_source_is_not_found(client):
    user = make_user("alice", perms=("cases.view_source",))
    client.force_login(user)
    response = client.get(reverse("source-file", args=[999999]), secure=True)
    assert response.status_code == 404


# --- Private files on disk ----------------------------------------------------------------------

NAMED_AFTER_A_PERSON = "Кайрат Дәуітхан, куәлік.pdf"


def test_stored_file_and_its_folders_are_readable_by_the_app_only(private_storage):
    source = uploaded("testimony.pdf", SECRET)

    path = private_storage / source.file.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    folder = path.parent
    while True:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        if folder == private_storage:
            break
        folder = folder.parent


def test_file_is_stored_under_a_random_name_keeping_its_type(private_storage):
    first = uploaded(NAMED_AFTER_A_PERSON, SECRET)
    second = uploaded(NAMED_AFTER_A_PERSON, SECRET)

    for source in (first, second):
        assert re.fullmatch(r"sources/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", source.file.name)
    assert first.file.name != second.file.name


def test_no_name_on_disk_holds_the_uploaded_name(private_storage):
    uploaded(NAMED_AFTER_A_PERSON, SECRET)
    uploaded("Aigul Serikkyzy letter.docx", docx_bytes())

    names = [path.name for path in private_storage.rglob("*")]
    assert len(names) == 5  # sources/, its year and month, two files
    for word in ("Кайрат", "Дәуітхан", "куәлік", "Aigul", "Serikkyzy", "letter"):
        assert not any(word.casefold() in name.casefold() for name in names)


def test_original_name_is_kept_for_the_download(client):
    source = uploaded(NAMED_AFTER_A_PERSON, SECRET)

    response = download(client, source, make_user("alice", perms=("cases.view_source",)))

    assert source.original_name == NAMED_AFTER_A_PERSON
    assert content(response) == SECRET
    # RFC 6266 and RFC 5987: a name outside ASCII goes as UTF-8, percent-encoded.
    disposition = response["Content-Disposition"]
    assert disposition == "attachment; filename*=utf-8''" + quote(NAMED_AFTER_A_PERSON)
    assert unquote(disposition.split("''", 1)[1]) == NAMED_AFTER_A_PERSON


def test_ascii_name_with_quotes_is_escaped_in_the_download(client):
    source = uploaded('the "letter".pdf', SECRET)

    response = download(client, source, make_user("alice", perms=("cases.view_source",)))

    assert response["Content-Disposition"] == r'attachment; filename="the \"letter\".pdf"'


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("letter\n.pdf", "letter.pdf"),
        ("Кайрат\u202efdp.pdf", "Кайратfdp.pdf"),  # a right-to-left override disguising the type
        ("C:\\Users\\aigul\\Кайрат.pdf", "Кайрат.pdf"),
    ],
)
def test_control_characters_and_folders_are_dropped_from_the_kept_name(client, name, kept):
    source = uploaded(name, SECRET)

    response = download(client, source, make_user("alice", perms=("cases.view_source",)))

    assert source.original_name == kept
    assert response.status_code == 200


def test_clearing_the_file_forgets_its_name(source):
    form = SourceForm(
        instance=source,
        data={
            "person": source.person_id,
            "kind": Source.Kind.OTHER,
            "title": "Testimony",
            "file-clear": "on",
        },
    )
    assert form.is_valid(), form.errors
    source = form.save()

    assert not source.file
    assert source.original_name == ""


def test_replacing_the_file_keeps_the_new_name(source):
    form = SourceForm(
        instance=source,
        data={"person": source.person_id, "kind": Source.Kind.OTHER, "title": "Testimony"},
        files={"file": SimpleUploadedFile("второе.png", PNG)},
    )
    assert form.is_valid(), form.errors

    assert form.save().original_name == "второе.png"


def test_upload_field_shows_the_original_name_not_the_one_on_disk():
    source = uploaded(NAMED_AFTER_A_PERSON, SECRET)

    html = SourceForm(instance=source)["file"].as_widget()

    assert f">{escape(NAMED_AFTER_A_PERSON)}</a>" in html
    assert PurePath(source.file.name).stem not in html


def test_file_stored_before_random_names_still_downloads_under_its_name(client, private_storage):
    # Stored by an earlier version: under the uploader's name, no original name recorded.
    person = make_person("Қайрат Дәуітхан")
    source = Source.objects.create(
        person=person, title="Old testimony", file="sources/2024/05/Кайрат.pdf"
    )
    (private_storage / "sources/2024/05").mkdir(parents=True)
    (private_storage / "sources/2024/05/Кайрат.pdf").write_bytes(SECRET)

    response = download(client, source, make_user("alice", perms=("cases.view_source",)))

    assert content(response) == SECRET
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("Кайрат.pdf")


def test_migration_keeps_the_names_of_files_stored_before_it():
    migration = importlib.import_module("cases.migrations.0009_private_files_and_invitations")
    source = Source.objects.create(
        person=make_person(), title="Old testimony", file="sources/2024/05/Кайрат.pdf"
    )
    web_page = Source.objects.create(person=source.person, title="A web page only")

    migration.keep_names_of_stored_files(django_apps, None)

    source.refresh_from_db()
    web_page.refresh_from_db()
    assert source.original_name == "Кайрат.pdf"
    assert web_page.original_name == ""


@pytest.mark.parametrize(
    ("name", "extension"),
    [("Кайрат.PDF", ".pdf"), ("photo.jpeg", ".jpeg"), ("a.p h p", ""), ("noextension", "")],
)
def test_only_a_short_plain_extension_is_kept_on_disk(name, extension):
    path = source_upload_path(Source(), name)

    assert re.fullmatch(rf"sources/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}{re.escape(extension)}", path)


# --- Uploads ----------------------------------------------------------------------------------


def upload_form(name: str, data: bytes, **fields) -> SourceForm:
    person = make_person("Қайрат Дәуітхан")
    return SourceForm(
        data={"person": person.pk, "kind": Source.Kind.OTHER, "title": "Evidence", **fields},
        files={"file": SimpleUploadedFile(name, data)},
    )


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("testimony.pdf", SECRET),
        ("photo.PNG", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("video.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"),
        ("letter.docx", docx_bytes()),
        ("notes.txt", "Қайрат Дәуітхан wrote to the President.\n".encode()),
        ("voice.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00"),
    ],
)
def test_allowed_files_are_accepted_and_stored(name, data, private_storage):
    form = upload_form(name, data)
    assert form.is_valid(), form.errors
    source = form.save()
    assert (private_storage / source.file.name).read_bytes() == data


@pytest.mark.parametrize(
    "name", ["page.html", "setup.exe", "script.svg", "no_extension"], ids=str.split
)
def test_types_not_allowed_are_refused(name):
    form = upload_form(name, b"<html><script>alert(1)</script></html>")
    assert not form.is_valid()
    assert form.errors["file"] == [
        "Files of this type cannot be uploaded. Allowed types: pdf, jpg, jpeg, png, mp4, m4a, "
        "webm, mp3, doc, docx, xlsx, odt, txt."
    ]
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("testimony.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("photo.png", b"MZ\x90\x00\x03\x00\x00\x00"),  # a Windows program
        ("letter.docx", b"PK\x03\x04 not really a zip"),
        ("notes.txt", b"  <html><body onload=alert(1)></body></html>"),
    ],
)
def test_files_that_are_not_what_their_name_says_are_refused(name, data):
    form = upload_form(name, data)
    assert not form.is_valid()
    extension = name.rsplit(".", 1)[1]
    assert form.errors["file"] == [
        f"This file is not a real .{extension} file: its content is of another kind."
    ]
    assert not Source.objects.exists()


def test_a_zip_renamed_as_a_spreadsheet_is_refused():
    form = upload_form("accounts.xlsx", docx_bytes())
    assert not form.is_valid()
    assert "not a real .xlsx file" in form.errors["file"][0]


def test_oversized_file_is_refused(settings):
    settings.SOURCE_MAX_UPLOAD_MB = 1
    form = upload_form("big.pdf", SECRET + b"0" * (1024 * 1024))
    assert not form.is_valid()
    assert form.errors["file"] == ["The file is 1.0 MB; files may be at most 1 MB."]
    assert not Source.objects.exists()


def test_size_limit_defaults_to_25_mb():
    # The default is casetracker/settings.py's, read when SOURCE_MAX_UPLOAD_MB is not set.
    validate_upload(SimpleUploadedFile("big.pdf", SECRET + b"0" * (20 * 1024 * 1024)))
    with pytest.raises(ValidationError, match="at most 25 MB"):
        validate_upload(SimpleUploadedFile("big.pdf", SECRET + b"0" * (26 * 1024 * 1024)))


def test_editing_a_source_keeps_its_stored_file(source):
    form = SourceForm(
        instance=source,
        data={"person": source.person_id, "kind": Source.Kind.OTHER, "title": "Renamed"},
    )
    assert form.is_valid(), form.errors
    assert form.save().file.name == source.file.name


def test_upload_field_links_to_the_checked_download(source):
    html = SourceForm(instance=source)["file"].as_widget()
    assert f'href="{reverse("source-file", args=[source.pk])}"' in html

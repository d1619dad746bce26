import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.documents import SourceForm, validate_upload
from cases.models import Source
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
    source = Source(person=make_person("Қайрат Дәуітхан"), title="Testimony")
    source.file.save("testimony.pdf", ContentFile(SECRET))
    return source


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


def test_size_limit_defaults_to_25_mb(settings):
    del settings.SOURCE_MAX_UPLOAD_MB
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

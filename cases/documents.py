"""Evidence files: checked when uploaded, served only to users allowed to see sources.

Files live in private storage (settings.STORAGES["default"]), which no URL serves; the one way
out is `source_file`, which asks for a login and the permission cases.view_source
(privacy rule 6). On disk a file has a random name and only its owner may read it
(FILE_UPLOAD_PERMISSIONS); the name it was uploaded with is kept in Source.original_name.
"""

import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminFileWidget, AdminURLFieldWidget
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from cases.models import DetainedPerson, ReadEvent, Source
from cases.readlog import Reads

SNIFF_BYTES = 2048
_ZIP = b"PK\x03\x04"
_BOM = b"\xef\xbb\xbf"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy Office container of .doc
# Text that a browser would run as a page or an image with script.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def _zip_with(member: str, mimetype: bytes = b"") -> Callable[[bytes, UploadedFile], bool]:
    """An Office or OpenDocument file: a zip archive holding `member` (and `mimetype`)."""

    def check(head: bytes, file: UploadedFile) -> bool:
        if not head.startswith(_ZIP):
            return False
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
                if member not in names:
                    return False
                return not mimetype or archive.read("mimetype").strip() == mimetype
        except (zipfile.BadZipFile, KeyError, OSError, EOFError):
            return False
        finally:
            file.seek(0)

    return check


def _starts(*signatures: bytes) -> Callable[[bytes, UploadedFile], bool]:
    return lambda head, file: head.startswith(signatures)


def _iso_media(head: bytes, file: UploadedFile) -> bool:
    # MP4 and M4A: a box size, then "ftyp".
    return head[4:8] == b"ftyp"


def _mp3(head: bytes, file: UploadedFile) -> bool:
    # An ID3 tag, or straight away an MPEG audio frame (11 sync bits set).
    return head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0
    )


def _plain_text(head: bytes, file: UploadedFile) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed bytes may end in the middle of a character.
        if error.start < len(head) - 3:
            return False
    return not head.removeprefix(_BOM).lstrip().lower().startswith(_MARKUP)


# Each allowed extension and how its content is recognised.
ALLOWED_TYPES: dict[str, Callable[[bytes, UploadedFile], bool]] = {
    "pdf": _starts(b"%PDF-"),
    "jpg": _starts(b"\xff\xd8\xff"),
    "jpeg": _starts(b"\xff\xd8\xff"),
    "png": _starts(b"\x89PNG\r\n\x1a\n"),
    "mp4": _iso_media,
    "m4a": _iso_media,
    "webm": _starts(b"\x1a\x45\xdf\xa3"),
    "mp3": _mp3,
    "doc": _starts(_OLE2),
    "docx": _zip_with("word/document.xml"),
    "xlsx": _zip_with("xl/workbook.xml"),
    "odt": _zip_with("content.xml", mimetype=b"application/vnd.oasis.opendocument.text"),
    "txt": _plain_text,
}


def max_upload_bytes() -> int:
    return settings.SOURCE_MAX_UPLOAD_MB * 1024 * 1024


def validate_upload(file: UploadedFile) -> None:
    """Refuse a file that is too large, of a type not allowed, or not what its name says."""
    limit_mb = settings.SOURCE_MAX_UPLOAD_MB
    if file.size is not None and file.size > max_upload_bytes():
        raise ValidationError(
            _("The file is %(size)s MB; files may be at most %(limit)s MB."),
            code="file_too_large",
            params={"size": round(file.size / (1024 * 1024), 1), "limit": limit_mb},
        )
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    recognise = ALLOWED_TYPES.get(extension)
    if recognise is None:
        raise ValidationError(
            _("Files of this type cannot be uploaded. Allowed types: %(allowed)s."),
            code="file_type_not_allowed",
            params={"allowed": ", ".join(ALLOWED_TYPES)},
        )
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not recognise(head, file):
        raise ValidationError(
            _("This file is not a real .%(extension)s file: its content is of another kind."),
            code="file_content_mismatch",
            params={"extension": extension},
        )


def original_file_name(file: UploadedFile) -> str:
    """The uploaded file's own name, fit to keep and to give back in a download header."""
    name = PurePath((file.name or "").replace("\\", "/")).name
    # Control and format characters (line breaks, right-to-left overrides that disguise
    # an extension) have no place in a file name.
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    field = Source._meta.get_field("original_name")
    return name.strip()[: field.max_length]


def source_file_url(source: Source) -> str:
    """Where a user allowed to see sources downloads the source's file."""
    return reverse("source-file", args=[source.pk])


class _LinkedFile:
    """A stored file shown by the upload widget, linking to the checked download view."""

    def __init__(self, file, url: str, name: str) -> None:
        self.file = file
        self.url = url
        self.name = name

    def __str__(self) -> str:
        return self.name


class PrivateFileInput(AdminFileWidget):
    """The admin's file input, whose "Currently:" link goes through `source_file`.

    (The storage has no URL of its own: files are never served directly.)
    """

    download_url = ""
    # The name the file was uploaded with (the one on disk is random).
    file_name = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _LinkedFile(value, self.download_url, self.file_name)
        return context


class SourceForm(forms.ModelForm):
    """The Source form for the admin (and its inlines): every upload goes through
    validate_upload."""

    # Declared to take "https://" as the scheme of an address typed without one.
    url = Source._meta.get_field("url").formfield(
        assume_scheme="https", widget=AdminURLFieldWidget
    )

    class Meta:
        model = Source
        # The admin narrows these with its own `fields` or `fieldsets`.
        fields = [
            "person",
            "petition",
            "kind",
            "title",
            "url",
            "file",
            "dated",
            "language",
            "notes",
        ]
        widgets = {"file": PrivateFileInput}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "file" in self.fields and self.instance.pk:
            self.fields["file"].widget.download_url = source_file_url(self.instance)
            if self.instance.file:
                self.fields["file"].widget.file_name = self.instance.download_name

    def clean_file(self):
        file = self.cleaned_data.get("file")
        # Only a new upload is checked; the stored file or a cleared field pass as they are.
        if isinstance(file, UploadedFile):
            validate_upload(file)
        return file

    def _post_clean(self) -> None:
        super()._post_clean()
        # The name goes with the file: a new upload brings its own, a cleared file takes its
        # name away (it may name a person).
        if "file" in self.changed_data:
            file = self.cleaned_data.get("file")
            self.instance.original_name = (
                original_file_name(file) if isinstance(file, UploadedFile) else ""
            )


def source_file(request: HttpRequest, source_id: int) -> HttpResponse:
    """The file of one source, as a download, to users holding cases.view_source."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not request.user.has_perm("cases.view_source"):
        raise PermissionDenied
    source = get_object_or_404(Source.objects.select_related("person"), pk=source_id)
    if not source.file:
        raise Http404(_("This source has no file."))
    try:
        handle = source.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this source is missing.")) from None
    reads = Reads(request.user)
    reads.add(ReadEvent.Kind.DOWNLOADED, source, source_cases(source))
    reads.save()
    # Django writes a name outside ASCII as RFC 6266's filename*=utf-8''…, which browsers read.
    response = FileResponse(handle, as_attachment=True, filename=source.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


def source_cases(source: Source) -> list[str]:
    """The case numbers of the case a source is about, or of its petition's cases."""
    if source.person_id:
        return [source.person.case_number]
    cases = DetainedPerson.objects.filter(petitions=source.petition_id)
    return list(cases.values_list("case_number", flat=True))

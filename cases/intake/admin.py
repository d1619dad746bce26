"""The admin's spreadsheet pages, mixed into the model admins (cases/admin.py): the import page
(upload, check every row, preview, confirm), its downloadable template, and the export of the
filtered changelist.

The import pages are plain admin views: the import engine is hand-written (engine.py says why),
so nothing of django-import-export's import runs. The export is the library's ExportMixin, which
calls the resources of exports.py.
"""

import re
from collections.abc import Callable

import tablib
from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.utils.timezone import localdate
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from cases.admin.lookups import answers_bad_queries
from cases.contact_access import may_read_contact_details
from cases.intake import previews
from cases.intake.cells import ChoiceCell, ReferenceCell
from cases.intake.columns import CONSENT_SHEET, PERSON_SHEET, PETITION_SHEET, SheetSpec
from cases.intake.consents import import_consents
from cases.intake.engine import ImportReport
from cases.intake.exports import (
    SHEET_FORMATS,
    ConsentResource,
    PersonResource,
    PetitionResource,
    RelativeResource,
)
from cases.intake.persons import import_persons
from cases.intake.petitions import import_petitions
from cases.intake.sheets import max_upload_bytes, too_large
from cases.readlog import CONTACT_FIELDS, Reads, contact_columns, filters_for_log


class SheetUploadForm(forms.Form):
    import_file = forms.FileField(label=_("Spreadsheet (CSV or XLSX)"))

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large())
        return upload


class SheetConfirmForm(forms.Form):
    """Carries the checked file to the confirming request, signed for this user."""

    token = forms.CharField(widget=forms.HiddenInput)

    # The salt of the module's former name: tokens signed before an upgrade stay good.
    SALT = "cases.imports.confirm"
    MAX_AGE = previews.MAX_AGE_SECONDS

    @classmethod
    def for_file(cls, name: str, file_name: str, user) -> "SheetConfirmForm":
        token = signing.dumps({"name": name, "file": file_name, "user": user.pk}, salt=cls.SALT)
        return cls(initial={"token": token})

    def stored_file(self, user) -> tuple[str, str] | None:
        """(temporary name, original file name), if the token is genuine and this user's."""
        try:
            data = signing.loads(self.cleaned_data["token"], salt=self.SALT, max_age=self.MAX_AGE)
        except signing.BadSignature:
            return None
        if data.get("user") != user.pk:
            return None
        return data["name"], data["file"]


class SheetImportMixin:
    """The import pages of a ModelAdmin: upload, check every row, preview, confirm; and the
    template to fill in.

    Set `sheet` (a SheetSpec), `import_service` (import_persons or import_petitions).
    """

    sheet: SheetSpec
    import_service: Callable[..., ImportReport]
    import_template_name = "admin/cases/import_sheet.html"
    # Rows of the preview shown on the page (all are imported).
    preview_rows = 300
    imported_message = _(
        "Imported %(file)s. New: %(created)d. Changed: %(updated)d. Relatives added: "
        "%(relatives)d."
    )
    # What the import page says of the sheet beyond its columns (a paragraph, or nothing);
    # {column} names a column, shown as code.
    import_help = ""

    def has_import_permission(self, request) -> bool:
        # Importing creates and changes records: the user must be allowed both by hand.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        # <app>_<model>_import: the name the change list's Import link reverses (import-export's
        # change list template, kept for its buttons).
        views = [
            ("import/", self.import_action, "import"),
            ("process_import/", self.process_import, "process_import"),
            ("import-template/<str:fmt>/", self.import_template_view, "import_template"),
        ]
        return [
            path(route, self.admin_site.admin_view(view), name=self._url_name(name))
            for route, view, name in views
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        # The change list shows the Import link (import-export's template) only when this is true.
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def _run(self, data: bytes, request, file_name: str, dry_run: bool) -> ImportReport:
        return self.import_service(data, user=request.user, dry_run=dry_run, file_name=file_name)

    def _render(self, request, form, report=None, confirm_form=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "preview": report.rows[: self.preview_rows] if report else [],
            "confirm_form": confirm_form,
            "columns": self.sheet.alias_rows(),
            "required_columns": format_html_join(
                ", ", "<code>{}</code>", ((name,) for name in self.sheet.required)
            ),
            "template_urls": [
                (fmt.upper(), reverse(f"admin:{self._url_name('import_template')}", args=[fmt]))
                for fmt in ("csv", "xlsx")
            ],
            "vocabularies": self._vocabularies(),
            "import_help": self._import_help(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def _import_help(self) -> str:
        if not self.import_help:
            return ""
        names = re.findall(r"\{(\w+)\}", str(self.import_help))
        return format_html(
            str(self.import_help), **{name: format_html("<code>{}</code>", name) for name in names}
        )

    def _vocabularies(self) -> list[tuple[str, list[tuple[str, str]], bool]]:
        """For each vocabulary column: the values it accepts, with their labels, and whether
        these are a record's names in several languages (a place's) rather than a label in
        the user's."""
        out = []
        columns = [*self.sheet.columns, *self.sheet.relative_columns]
        for column in columns:
            cell = column.cell
            if isinstance(cell, ChoiceCell):
                out.append((column.name, [(c.value, str(c.label)) for c in cell.choices], False))
            elif isinstance(cell, ReferenceCell):
                out.append((column.name, cell.choices(), True))
        return out

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = SheetUploadForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render(request, form)
        upload = form.cleaned_data["import_file"]
        data = b"".join(upload.chunks())
        report = self._run(data, request, upload.name, dry_run=True)
        confirm_form = None
        if report.ok:
            preview = previews.Preview()
            preview.save(data)
            confirm_form = SheetConfirmForm.for_file(preview.name, upload.name, request.user)
        return self._render(request, SheetUploadForm(), report, confirm_form)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = SheetConfirmForm(request.POST)
        stored = confirm_form.stored_file(request.user) if confirm_form.is_valid() else None
        preview = previews.Preview(stored[0]) if stored else None
        try:
            data = preview.read() if preview else None
        except OSError:
            data = None
        if data is None:
            messages.error(request, _("The checked file has expired: upload it again."))
            return HttpResponseRedirect(self._url("import"))
        # Imported or refused, the file is not needed again: a refused one is uploaded anew.
        preview.remove()
        report = self._run(data, request, stored[1], dry_run=False)
        if not report.written:
            return self._render(request, SheetUploadForm(), report)
        messages.success(
            request,
            self.imported_message
            % {
                "file": stored[1],
                "created": report.created,
                "updated": report.updated,
                "relatives": report.relatives_added,
                "unchanged": report.unchanged,
            },
        )
        return HttpResponseRedirect(self._url("changelist"))

    def _url_name(self, name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def _url(self, name: str) -> str:
        return reverse(f"admin:{self._url_name(name)}", current_app=self.admin_site.name)

    def import_template_view(self, request, fmt: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if fmt not in ("csv", "xlsx"):
            raise Http404
        dataset = tablib.Dataset(
            self.sheet.template_example(), headers=self.sheet.template_headers()
        )
        dataset.title = str(_("import"))
        name = f"{self.model._meta.model_name}-import-template.{fmt}"
        if fmt == "csv":
            # A byte order mark makes Excel read the file as UTF-8.
            body = ("\ufeff" + dataset.export("csv")).encode("utf-8")
            content_type = "text/csv; charset=utf-8"
        else:
            book = tablib.Databook([dataset, self._headers_sheet(), self._values_sheet()])
            body = book.export("xlsx")
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def _headers_sheet(self) -> tablib.Dataset:
        """A second sheet in the XLSX template: the other names each column may have."""
        sheet = tablib.Dataset(
            *self.sheet.alias_rows(), headers=[gettext("column"), gettext("also accepted as")]
        )
        sheet.title = gettext("column names")
        return sheet

    def _values_sheet(self) -> tablib.Dataset:
        """A third sheet in the XLSX template: the accepted values of each vocabulary column."""
        rows = [
            (column, code, label)
            for column, values, _multilingual in self._vocabularies()
            for code, label in values
        ]
        sheet = tablib.Dataset(
            *rows, headers=[gettext("column"), gettext("value"), gettext("meaning")]
        )
        sheet.title = gettext("accepted values")
        return sheet


class SheetExportMixin(ExportMixin):
    """Admin export of the filtered changelist to CSV or XLSX, with the contact rule.

    Set `resource_classes` to one SafeResource subclass.
    """

    export_formats = SHEET_FORMATS
    # Columns are fixed by the resource and the user's permissions, never picked in the form:
    # a picker would offer contact columns to users who may not have them.
    export_form_class = ExportForm

    def has_export_permission(self, request) -> bool:
        # Anyone who may read the list may take it away, but no one else.
        return self.has_view_permission(request)

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"show_contacts": may_read_contact_details(request.user)}

    # The export takes the changelist's filters from its address (get_export_queryset): a
    # refused or failing one answers 400, as on the list.
    @answers_bad_queries
    def export_action(self, request):
        return super().export_action(request)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        # Who took which list away, how long, and whether it held contact details.
        searched = [field.lstrip("=^@") for field in self.get_search_fields(request)]
        private_search = any(p in CONTACT_FIELDS for f in searched for p in f.split("__"))
        reads = Reads(request.user)
        reads.add_export(
            self.model,
            rows=len(dataset),
            filters=filters_for_log(request.GET, private_search),
            fields=contact_columns(dataset.headers or ()),
        )
        reads.save()
        return dataset

    def get_export_filename(self, request, queryset, file_format):
        name = slugify(str(self.model._meta.verbose_name_plural)) or self.model.__name__
        return f"{name}-{localdate():%Y-%m-%d}.{file_format.get_extension()}"


class SheetImportExportMixin(SheetImportMixin, SheetExportMixin):
    # The change list with both links (import-export's ExportMixin puts it in place).
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"


class PersonImportExportMixin(SheetImportExportMixin):
    """For DetainedPersonAdmin: import persons with relatives; export the filtered list."""

    resource_classes = [PersonResource]
    sheet = PERSON_SHEET
    import_service = staticmethod(import_persons)


class PetitionImportExportMixin(SheetImportExportMixin):
    """For PetitionAdmin: import petitions; export the filtered list."""

    resource_classes = [PetitionResource]
    sheet = PETITION_SHEET
    import_service = staticmethod(import_petitions)


class RelativeExportMixin(SheetExportMixin):
    """For RelativeAdmin: export the filtered list; contact details only with the permission."""

    resource_classes = [RelativeResource]


class ConsentImportExportMixin(SheetImportExportMixin):
    """For ConsentAdmin: import consents (each row adds one); export the filtered list, which
    imports back."""

    resource_classes = [ConsentResource]
    sheet = CONSENT_SHEET
    import_service = staticmethod(import_consents)
    imported_message = _(
        "Imported %(file)s. Consents added: %(created)d. Already recorded, left as they were: "
        "%(unchanged)d."
    )
    import_help = _(
        "Each row adds a consent to the case its {case_number} names. Write the relative who "
        "gave it by name, as the case has them (or, for a withheld name, as the export "
        "describes them); leave it empty when the person gave it themself. Dates are exact "
        "days. The columns {state} and {evidence} of an exported sheet are ignored: the state "
        "follows from the dates, and the evidence is chosen on the case page among its "
        "sources. A row identical to a consent the case already has is left as it is."
    )

    def has_import_permission(self, request) -> bool:
        # The import only adds consents: whoever may add one by hand may import them.
        return self.has_add_permission(request)

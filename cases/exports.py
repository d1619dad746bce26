"""Spreadsheet export from the admin: any filtered changelist to CSV or XLSX.

The columns of each sheet are defined once, in cases/imports.py, so that an exported sheet can
be imported again. This module holds what only export needs: escaping against formula injection,
CSV as Excel in Russian and Kazakh reads it, and obeying cases.contact_access: relatives'
contact details leave only with those allowed to read them, and the filters of an exported list
obey the same rule as the list's own.
"""

import csv

from django.utils.text import slugify
from django.utils.timezone import localdate
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm
from import_export.resources import Resource
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cases.admin.lookups import answers_bad_queries
from cases.contact_access import may_read_contact_details
from cases.readlog import CONTACT_FIELDS, Reads, contact_columns, filters_for_log

# A spreadsheet program may run a cell that begins with one of these as a formula
# (=HYPERLINK(...) leaking data, +cmd|..., @SUM...). OWASP: prefix such a cell with a quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"


class SemicolonCSV(CSV):
    """CSV for Excel in Russian and Kazakh, which splits lines on semicolons: cells separated by
    `;`, and every text cell in quotes, so that a `;` inside a name or a note stays in its cell
    rather than starting a new one (which could begin with "=" and run as a formula).

    The import reads it back (cases.imports picks the delimiter of the header line).
    """

    def export_data(self, dataset, **kwargs):
        kwargs.setdefault("delimiter", ";")
        kwargs.setdefault("quoting", csv.QUOTE_NONNUMERIC)
        return super().export_data(dataset, **kwargs)


SHEET_FORMATS = [SemicolonCSV, XLSX]
EXPORT_CHUNK_SIZE = 2000


def escape_formula(value):
    """A text cell that a spreadsheet would read as a formula, made plain text."""
    if not isinstance(value, str):
        return value
    # Control characters are illegal in XLSX and meaningless in a name or a note.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_TRIGGERS):
        return FORMULA_ESCAPE + value
    return value


def unescape_formula(value: str) -> str:
    """Undo escape_formula, so that an exported sheet imports as it was."""
    if value.startswith(FORMULA_ESCAPE) and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


class SafeResource(Resource):
    """A resource whose every exported cell is escaped against formula injection.

    `show_contacts`: whether the user may see relatives' phone, email and address; resources
    that have such columns leave them out otherwise.
    """

    display_name = ""

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__()
        self.show_contacts = show_contacts

    def export_field(self, field, instance, **kwargs):
        # Every field of these resources is a callable (see cases/imports.py): call it directly
        # rather than search the field's name among all fields for every cell.
        return escape_formula(field.dehydrate_method(instance))

    def get_export_order(self):
        return tuple(self.fields)

    def iter_queryset(self, queryset):
        # One pass over the rows, with relations prefetched a chunk at a time (Django >= 4.1).
        # import-export pages with OFFSET instead when there are prefetches, which repeats the
        # admin's annotated query once per hundred rows.
        yield from queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)

    def get_user_visible_fields(self):
        return list(self.fields.values())

    @classmethod
    def get_display_name(cls):
        return cls.display_name or cls.__name__


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

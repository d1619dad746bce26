"""Spreadsheet export: the resources that write each sheet, with django-import-export.

The columns of each sheet are defined once, in columns.py, so that an exported sheet can be
imported again. This module holds what only export needs: every cell escaped against formula
injection (cases/formulas.py), CSV as Excel in Russian and Kazakh reads it, and relatives' contact
details only for those allowed to read them (cases.contact_access). The admin's export page is
in admin.py.
"""

import csv
from collections.abc import Callable

from django.db.models import Count, Max, Prefetch
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import Resource
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cases.formulas import escape_formula
from cases.intake.cells import (
    ApproximateDateCell,
    CaseCell,
    ChoiceCell,
    TextCell,
    YesNoCell,
)
from cases.intake.columns import (
    CONSENT_COLUMNS,
    PERSON_COLUMNS,
    PETITION_COLUMNS,
    RELATIONSHIP,
    RELATIVE_COLUMNS,
    TEMPLATE_RELATIVES,
    Column,
)
from cases.models import Consent, Kinship, Relative


class SemicolonCSV(CSV):
    """CSV for Excel in Russian and Kazakh, which splits lines on semicolons: cells separated by
    `;`, and every text cell in quotes, so that a `;` inside a name or a note stays in its cell
    rather than starting a new one (which could begin with "=" and run as a formula).

    The import reads it back (sheets.py picks the delimiter of the header line).
    """

    def export_data(self, dataset, **kwargs):
        kwargs.setdefault("delimiter", ";")
        kwargs.setdefault("quoting", csv.QUOTE_NONNUMERIC)
        return super().export_data(dataset, **kwargs)


SHEET_FORMATS = [SemicolonCSV, XLSX]
EXPORT_CHUNK_SIZE = 2000


def safe_cell(value):
    """A cell as a spreadsheet should receive it: text that it would read as a formula made
    plain text, without control characters (illegal in XLSX, meaningless in a name or a note)."""
    if isinstance(value, str):
        value = escape_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
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
        # Every field of these resources is a callable (a column's render, below): call it
        # directly rather than search the field's name among all fields for every cell.
        return safe_cell(field.dehydrate_method(instance))

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


def _column_field(column: Column) -> Field:
    return Field(column_name=column.name, dehydrate_method=column.render)


class PersonResource(SafeResource):
    """Persons, with their relatives in relative_<n>_… columns, as the import reads them."""

    display_name = _("detained persons with their relatives")

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__(show_contacts)
        self.fields = {c.name: _column_field(c) for c in PERSON_COLUMNS}
        self.add_relative_columns(TEMPLATE_RELATIVES)

    def add_relative_columns(self, count: int) -> None:
        for number in range(1, count + 1):
            for column in RELATIVE_COLUMNS:
                if column.contact and not self.show_contacts:
                    continue
                name = f"relative_{number}_{column.name}"
                self.fields[name] = Field(
                    column_name=name, dehydrate_method=self._relative_value(number, column)
                )

    @staticmethod
    def _relative_value(number: int, column: Column) -> Callable:
        def value(person):
            kinships = person.export_kinships
            return column.render(kinships[number - 1]) if len(kinships) >= number else ""

        return value

    def before_export(self, queryset, **kwargs):
        # As many relatives' columns as the person with the most relatives needs.
        most = (
            Kinship.objects.filter(person__in=queryset.values("pk"))
            .values("person")
            .annotate(n=Count("pk"))
            .aggregate(most=Max("n"))["most"]
        )
        self.add_relative_columns(max(most or 0, TEMPLATE_RELATIVES))

    def filter_export(self, queryset, **kwargs):
        kinships = Kinship.objects.select_related("relative__held_as").order_by("pk")
        # An attribute of its own: the admin's queryset may prefetch "kinships" differently.
        return queryset.select_related("home_place", "assigned_to").prefetch_related(
            Prefetch("kinships", kinships, to_attr="export_kinships")
        )


class PetitionResource(SafeResource):
    """Petitions, as the import reads them."""

    display_name = _("petitions")

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__(show_contacts)
        self.fields = {c.name: _column_field(c) for c in PETITION_COLUMNS}

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("authority").prefetch_related("persons", "petitioners")


RELATIVE_EXPORT_COLUMNS = [
    Column("full_name", TextCell()),
    Column("name_latin", TextCell()),
    Column("name_withheld", YesNoCell()),
    Column("born_on", ApproximateDateCell()),
    Column("citizenship", ChoiceCell(Relative.Citizenship)),
    Column("lives_in", ChoiceCell(Relative.LivesIn)),
    Column("city", TextCell()),
    Column("situation", ChoiceCell(Relative.Situation)),
    Column("held_as", CaseCell()),
    Column("phone", TextCell(), contact=True),
    Column("email", TextCell(), contact=True),
    Column("address", TextCell(), contact=True),
    Column("documents", TextCell()),
    Column("notes", TextCell()),
]


class RelativeResource(SafeResource):
    """Relatives, with the cases they are kin to; contact details only with the permission."""

    display_name = _("relatives")

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__(show_contacts)
        self.fields = {
            c.name: _column_field(c)
            for c in RELATIVE_EXPORT_COLUMNS
            if show_contacts or not c.contact
        }
        self.fields["kin_to"] = Field(column_name="kin_to", dehydrate_method=self._kin_to)

    @staticmethod
    def _kin_to(relative: Relative) -> str:
        return "; ".join(
            f"{kinship.person.case_number} ({RELATIONSHIP.render(kinship)})"
            for kinship in relative.export_kinships
        )

    def filter_export(self, queryset, **kwargs):
        kinships = Kinship.objects.select_related("person").order_by("pk")
        # An attribute of its own: the admin's queryset prefetches "kinships" differently.
        return queryset.select_related("held_as").prefetch_related(
            Prefetch("kinships", kinships, to_attr="export_kinships")
        )


def _consent_state(consent: Consent) -> str:
    return str(consent.state().label)


def _consent_evidence(consent: Consent) -> str:
    return consent.evidence.title if consent.evidence_id else ""


class ConsentResource(SafeResource):
    """Consents, a row each, with the case, who gave them and their state on the day; the
    consents import (cases/intake/consents.py) reads the sheet back."""

    display_name = _("consents")

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__(show_contacts)
        # The import reads these columns back (CONSENT_SHEET), and reads past the last two.
        self.fields = {c.name: _column_field(c) for c in CONSENT_COLUMNS}
        for name, value in (
            ("evidence", _consent_evidence),
            ("state", _consent_state),
        ):
            self.fields[name] = Field(column_name=name, dehydrate_method=value)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("person", "relative", "evidence").prefetch_related(
            "relative__kinships__person"
        )

"""Who read what: the reads of private data, written to the read log (ReadEvent).

privacy rule 8: opening a case, seeing relatives' contact details, downloading a document
and exporting a list are recorded as changes are: who, when, which record of which case, and
what (which contact fields, how many rows, which filters), never the values read.

The reads of one response are written together, in one INSERT, and a page's only once it has
been rendered: what the template did not show was not read.
"""

from collections.abc import Iterable, Iterator

from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import ALL_VAR, ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.db import models
from django.http import HttpRequest, QueryDict
from django.template.response import TemplateResponse

from cases.models import ReadEvent, Relative

CONTACT_FIELDS = Relative.CONTACT_FIELDS
# Coordinators read the log (cases/roles.py); nobody may change it.
READ_LOG_PERMISSION = "cases.view_readevent"
# Changelist parameters that page, order or frame the list rather than filter it.
NOT_FILTERS = frozenset(
    {ORDER_VAR, PAGE_VAR, ALL_VAR, IS_POPUP_VAR, TO_FIELD_VAR, "_changelist_filters"}
)
# Stands for a filter value that is not recorded: it may be a contact detail.
WITHHELD = "…"


class Reads:
    """The reads of one response; save() writes them in one INSERT."""

    def __init__(self, user) -> None:
        self.user = user
        self.events: list[ReadEvent] = []

    def add(
        self,
        kind: str,
        record: models.Model,
        cases: Iterable[str | None] = (),
        *,
        fields: Iterable[str] = (),
    ) -> None:
        """`record` was read, as part of each of `cases` (case numbers): a row per case, or
        one without a case if it belongs to none."""
        for case_number in sorted(set(filter(None, cases))) or [""]:
            self.events.append(
                ReadEvent(
                    user=self.user,
                    kind=kind,
                    model=record._meta.label_lower,
                    record_id=record.pk,
                    record=str(record)[:300],
                    case_number=case_number,
                    contact_fields=" ".join(fields),
                )
            )

    def add_export(
        self, model: type[models.Model], *, rows: int, filters: str, fields: Iterable[str]
    ) -> None:
        """A list of `model` left as a file: its length, filters and contact columns."""
        self.events.append(
            ReadEvent(
                user=self.user,
                kind=ReadEvent.Kind.EXPORTED,
                model=model._meta.label_lower,
                record=str(model._meta.verbose_name_plural),
                rows=rows,
                filters=filters,
                contact_fields=" ".join(fields),
            )
        )

    def save(self) -> None:
        if self.events:
            ReadEvent.objects.bulk_create(self.events)
        self.events = []


def contacts_shown(relative: Relative, fields: Iterable[str]) -> list[str]:
    """Which of `fields` (the fields a page shows) are contact details this relative has."""
    fields = set(fields)
    return [name for name in CONTACT_FIELDS if name in fields and getattr(relative, name)]


def fields_on_page(context) -> set[str]:
    """The fields a change page shows, editable or read-only."""
    return set(flatten_fieldsets(context["adminform"].fieldsets))


def inline_rows(context, inline_class: type, field: str) -> Iterator[models.Model]:
    """The saved rows of the page's `inline_class` inline, if it shows `field`."""
    for inline_formset in context.get("inline_admin_formsets", ()):
        shown = flatten_fieldsets(inline_formset.fieldsets)
        if isinstance(inline_formset.opts, inline_class) and field in shown:
            yield from (form.instance for form in inline_formset.formset.initial_forms)


class ReadLogMixin:
    """For a ModelAdmin: opening a record's change page is recorded, with the contact details
    the page showed, and so are the contact details a page of the list showed.

    Subclasses say what a page reads in `page_reads`, which list columns show which contact
    field in `contact_columns`, and where the page's "Who read this" link leads (shown to those
    who may read the log) in `who_read_url`.
    """

    contact_columns: dict[str, str] = {}

    def page_reads(self, request: HttpRequest, obj: models.Model, context) -> Reads:
        """The reads of a rendered change page; by default, the record was opened."""
        reads = Reads(request.user)
        reads.add(ReadEvent.Kind.OPENED, obj, self.cases_of(obj))
        return reads

    def cases_of(self, obj: models.Model) -> list[str]:
        """The case numbers `obj` belongs to (from what the admin's queryset prefetched)."""
        return []

    def who_read_url(self, obj: models.Model) -> str | None:
        """Where the page's "Who read this" link leads; None: no link."""
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and request.user.has_perm(READ_LOG_PERMISSION):
            context["who_read_url"] = self.who_read_url(obj)
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if change and obj is not None and obj.pk is not None:
            save_after_render(response, lambda: self.page_reads(request, obj, context))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if self.contact_columns and changelist is not None and not response.is_rendered:
            save_after_render(response, lambda: self.list_reads(request, changelist))
        return response

    def list_reads(self, request: HttpRequest, changelist) -> Reads:
        """The contact details a rendered page of the list showed, row by row."""
        reads = Reads(request.user)
        shown_columns = [
            field
            for column, field in self.contact_columns.items()
            if column in changelist.list_display
        ]
        if not shown_columns:
            return reads
        # The rows the page rendered, already fetched.
        for obj in changelist.result_list:
            if shown := contacts_shown(obj, shown_columns):
                reads.add(ReadEvent.Kind.CONTACTS, obj, self.cases_of(obj), fields=shown)
        return reads


def save_after_render(response: TemplateResponse, reads) -> None:
    """Write the reads that `reads()` names once `response` has been rendered."""

    def callback(rendered) -> None:
        # Returns None: a post-render callback that returns something replaces the response.
        reads().save()

    response.add_post_render_callback(callback)


def filters_for_log(params: QueryDict, private_search: bool) -> str:
    """A changelist's filters as 'name=value; …'. The value of a search (if the search covers
    contact details) and of any lookup on a contact field is withheld: the log never holds
    them."""
    shown = []
    for name, values in sorted(params.lists()):
        if name in NOT_FILTERS:
            continue
        private = any(part in CONTACT_FIELDS for part in name.split("__"))
        if private or (name == SEARCH_VAR and private_search):
            values = [WITHHELD]
        shown += [f"{name}={value}" for value in values]
    return "; ".join(shown)


def contact_columns(headers: Iterable[str]) -> list[str]:
    """The contact fields among a sheet's columns ('phone', 'relative_1_phone', …)."""
    headers = list(headers)
    return [
        name
        for name in CONTACT_FIELDS
        if any(header == name or header.endswith(f"_{name}") for header in headers)
    ]

"""The read log in the admin: coordinators see who read what, by user, kind, date and case.

Nobody adds, changes or deletes a read here, superusers included (cases.models.ReadEvent).
"""

from urllib.parse import urlencode

from django.apps import apps
from django.contrib import admin
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases.admin.paginator import EstimatedCountPaginator
from cases.admin.rows import ReadOnlyMixin
from cases.admin.search import case_number_query, search_terms
from cases.models import ReadEvent, Relative


def who_read_url(**filters: str) -> str:
    """The read log filtered to the contact details shown of a case or a record."""
    query = urlencode({**filters, "kind__exact": ReadEvent.Kind.CONTACTS})
    return f"{reverse('admin:cases_readevent_changelist')}?{query}"


def record_key(obj) -> str:
    """How the record filter names a record: 'cases.relative:12'."""
    return f"{obj._meta.label_lower}:{obj.pk}"


class CaseFilter(admin.SimpleListFilter):
    """The reads of one case, as the link on its page ("Who read this") opens them."""

    title = _("case")
    parameter_name = "case"

    def lookups(self, request, model_admin):
        # Only the case chosen: a list of every case would be as long as the register.
        value = self.value()
        return [(value, value)] if value else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        match = case_number_query(self.value())
        return queryset.filter(match) if match else queryset.none()


class RecordFilter(admin.SimpleListFilter):
    """The reads of one record ('cases.relative:12'), as the link on its page opens them."""

    title = _("record")
    parameter_name = "record"

    def parsed(self) -> tuple[str, int] | None:
        model, _sep, pk = (self.value() or "").partition(":")
        return (model, int(pk)) if pk.isdigit() and model else None

    def lookups(self, request, model_admin):
        parsed = self.parsed()
        if not self.value():
            return []
        if parsed is None:
            return [(self.value(), self.value())]
        try:
            name = apps.get_model(parsed[0])._meta.verbose_name
        except (LookupError, ValueError):
            name = parsed[0]
        return [(self.value(), f"{capfirst(name)} #{parsed[1]}")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        parsed = self.parsed()
        if parsed is None:
            return queryset.none()
        return queryset.filter(model=parsed[0], record_id=parsed[1])


class ReadEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "record_link", "case_number", "what")
    list_display_links = ("created_at",)
    list_filter = ("kind", "created_at", "user", CaseFilter, RecordFilter)
    list_select_related = ("user",)
    search_help_text = _("A case number, e.g. C-00042.")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # The search box takes case numbers (get_search_results); a field here shows the box.
    search_fields = ("=case_number",)
    actions = None
    # Counting every filter's choices would read the whole log, which only grows.
    show_facets = admin.ShowFacets.NEVER
    # One event's page: what was read, named in the user's language (the stored model label
    # and field names are identifiers).
    fields = ("created_at", "user", "kind", "kind_of_record", "record_link", "case_number", "what")
    readonly_fields = fields

    @admin.display(description=_("kind of record"))
    def kind_of_record(self, event: ReadEvent) -> str:
        try:
            return capfirst(apps.get_model(event.model)._meta.verbose_name)
        except (LookupError, ValueError):
            return event.model

    def changelist_view(self, request, extra_context=None):
        # "Who read what" rather than Django's "Select read to view".
        title = capfirst(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_search_results(self, request, queryset, search_term):
        terms = search_terms(search_term)
        if not terms:
            return queryset, False
        match = Q()
        for term in terms:
            match |= case_number_query(term)
        return (queryset.filter(match) if match else queryset.none()), False

    @admin.display(description=_("record"), ordering="record")
    def record_link(self, event: ReadEvent) -> str:
        if event.record_id is None:
            return event.record
        app_label, _sep, model_name = event.model.partition(".")
        try:
            url = reverse(f"admin:{app_label}_{model_name}_change", args=[event.record_id])
        except NoReverseMatch:
            return event.record
        return format_html('<a href="{}">{}</a>', url, event.record)

    @admin.display(description=_("details"))
    def what(self, event: ReadEvent) -> str:
        shown = ", ".join(
            str(Relative._meta.get_field(name).verbose_name)
            for name in event.contact_fields.split()
            if name in Relative.CONTACT_FIELDS
        )
        if event.kind != ReadEvent.Kind.EXPORTED:
            return shown
        parts = [
            ngettext("%(rows)d row", "%(rows)d rows", event.rows or 0) % {"rows": event.rows or 0}
        ]
        if event.filters:
            parts.append(gettext("filters: %(filters)s") % {"filters": event.filters})
        if shown:
            parts.append(gettext("with contact details: %(fields)s") % {"fields": shown})
        else:
            parts.append(gettext("without contact details"))
        return "; ".join(parts)

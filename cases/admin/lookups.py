"""What a changelist's address may ask for, and a clear 400 when it asks for what it may not.

A changelist takes any of Django's lookups from its URL (`?phone__startswith=%2B7701`), its
order from `?o=` and a search from `?q=`. Whatever would read a field the user may not read
(cases.contact_access) is refused before a query runs, in the same words whatever the value,
so the answer tells nothing about the value: lookups, on the model or through its relations,
are refused; such search fields and list filters are left out; such orderings are dropped.
A lookup that is unknown, malformed, or that the database refuses (an invalid regular
expression) answers 400 with a message, never a server error or Django's "database error" page.
"""

import functools

from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db import DatabaseError, router, transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.contact_access import ordering_reads_hidden_field, path_reads_hidden_field

HIDDEN_FIELD_MESSAGE = _(
    "Relatives' contact details are shown only to users allowed to see them, and only they "
    "may filter or search a list by them."
)
BAD_QUERY_MESSAGE = _(
    "This list cannot be shown as its address asks: it names a filter the list does not "
    "have, a value the filter cannot read, or a page that does not exist. Use the filters "
    "beside the list."
)


class RefusedQuery(Exception):
    """A changelist's address asks for what this user may not, or what cannot be answered."""


# What a query from the address bar may fail with once Django has built it: a value the
# database cannot compare (an invalid regular expression, on SQLite re.error inside the query),
# a year past the calendar's end, a lookup this database lacks (trigram_similar on SQLite).
QUERY_FAILURES = (
    IncorrectLookupParameters,
    DisallowedModelAdminLookup,
    DatabaseError,
    OverflowError,
    NotImplementedError,
)


class GuardedChangeList(ChangeList):
    """A changelist that never orders by a field the user may not read, and that runs its
    queries while it is built, where a failure can still be answered with a 400."""

    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)
        # Dropped, not refused: the rows then come in the same order whatever the values.
        return [
            item
            for item in ordering
            if not ordering_reads_hidden_field(request.user, self.model, item)
        ]

    def get_results(self, request):
        super().get_results(request)
        if hasattr(self.result_list, "_fetch_all"):
            self.result_list._fetch_all()


def answers_bad_queries(view):
    """For a ModelAdmin view that only reads what a changelist's query selects (its export):
    a refused or failing query answers 400 with a message."""

    @functools.wraps(view)
    def wrapper(model_admin, request, *args, **kwargs):
        try:
            with reading_in_a_transaction(model_admin):
                return view(model_admin, request, *args, **kwargs)
        except (RefusedQuery, *QUERY_FAILURES):
            return refused_query_response(model_admin, request)

    return wrapper


def reading_in_a_transaction(model_admin) -> transaction.Atomic:
    # A transaction (or a savepoint) of its own: a query PostgreSQL refused would otherwise
    # leave the enclosing transaction unusable.
    return transaction.atomic(using=router.db_for_read(model_admin.model))


def refused_query_response(model_admin, request) -> TemplateResponse:
    opts = model_admin.opts
    reads_hidden = any(
        path_reads_hidden_field(request.user, model_admin.model, key) for key in request.GET
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("This list cannot be shown"),
        "opts": opts,
        "message": HIDDEN_FIELD_MESSAGE if reads_hidden else BAD_QUERY_MESSAGE,
        "changelist_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist",
            current_app=model_admin.admin_site.name,
        ),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/cases/refused_query.html", context, status=400)


class QueryGuardMixin:
    """For every ModelAdmin: its changelist, search, filters and export obey the contact rule,
    and a bad query in the address answers 400."""

    def lookup_allowed(self, lookup, value, request=None):
        user = getattr(request, "user", None)
        if path_reads_hidden_field(user, self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        return tuple(
            field
            for field in super().get_search_fields(request)
            if not path_reads_hidden_field(request.user, self.model, field.lstrip("=^@"))
        )

    def get_list_filter(self, request):
        def path(item) -> str:
            if isinstance(item, (list, tuple)):
                item = item[0]
            return item if isinstance(item, str) else ""  # a SimpleListFilter names no field

        return [
            item
            for item in super().get_list_filter(request)
            if not path_reads_hidden_field(request.user, self.model, path(item))
        ]

    def get_changelist(self, request, **kwargs):
        return GuardedChangeList

    def get_changelist_instance(self, request):
        # Django's changelist_view turns IncorrectLookupParameters into a redirect to a
        # "database error" page: pass the bad query on as RefusedQuery, answered below. The
        # changelist runs its queries while it is built (GuardedChangeList.get_results).
        try:
            with reading_in_a_transaction(self):
                return super().get_changelist_instance(request)
        except QUERY_FAILURES as error:
            raise RefusedQuery from error

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except RefusedQuery:
            return refused_query_response(self, request)

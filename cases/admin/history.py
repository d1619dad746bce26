"""The audit trail in the admin: who changed what, from what to what, and what was deleted.

django-simple-history keeps a row per version of every record, deletions included. Here its
history page shows each change readably (choices by their labels, booleans as yes or no), hides
private values from users without the permission for them, and lists the deleted records of a
model so that nothing removed is lost from sight.
"""

import dataclasses
from typing import Any

from django.contrib.admin.utils import display_for_field
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import DeletedObject, ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper

from cases.admin.dates import PRECISION_SUFFIX, approximate_date_fields
from cases.contact_access import hidden_fields
from cases.dates import format_approximate

# simple-history's own words for these are not translated into Kazakh.
HISTORY_TYPE_LABELS = {"+": _("added"), "~": _("changed"), "-": _("deleted")}


class ChangeDisplayHelper(HistoricalRecordContextHelper):
    """Formats one version's changes for the history page: 'Status: held in a camp → in
    prison'. A field in `hidden` is listed as changed, without its values."""

    def __init__(self, model, historical_record, *, hidden: frozenset[str] = frozenset()):
        super().__init__(model, historical_record)
        self.hidden = hidden
        self.approximate_dates = approximate_date_fields(model)
        self.delta: ModelDelta | None = None

    def context_for_delta_changes(self, delta: ModelDelta) -> list[dict[str, Any]]:
        self.delta = delta
        # A date that changed shows its precision ("2018 → March 2018"): its precision's own
        # line would say it again.
        restated = {
            c.field + PRECISION_SUFFIX for c in delta.changes if c.field in self.approximate_dates
        }
        visible = [
            c for c in delta.changes if c.field not in self.hidden and c.field not in restated
        ]
        context = super().context_for_delta_changes(dataclasses.replace(delta, changes=visible))
        for change in delta.changes:
            if change.field in self.hidden:
                label = capfirst(self.model._meta.get_field(change.field).verbose_name)
                context.append({"field": label, "hidden": True})
        return context

    def prepare_delta_change_value(self, change: ModelChange, value) -> Any:
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            related = super().prepare_delta_change_value(change, value)
            return "; ".join(str(obj) for obj in related) or "—"
        if isinstance(field, models.BooleanField):
            return gettext("yes") if value else gettext("no")
        if change.field in self.approximate_dates and value is not None and self.delta:
            record = self.delta.old_record if value is change.old else self.delta.new_record
            return format_approximate(value, getattr(record, change.field + PRECISION_SUFFIX))
        if isinstance(value, DeletedObject):
            # simple-history's stand-in for an empty foreign key, or one since deleted.
            if value.pk is None:
                value = None
            else:
                return gettext("a deleted %(name)s") % {
                    "name": field.related_model._meta.verbose_name
                }
        # Choices show their labels, dates the local format, an empty value a dash; the
        # helper escapes what comes back.
        return display_for_field(value, field, "—", avoid_link=True)


class AuditHistoryMixin:
    """For a SimpleHistoryAdmin: a readable change column on the history page.

    Fields the user may not read (cases.contact_access) show that they changed, nothing more.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # History is a read-only record. Saving an old version ("revert") would write back
        # every field, including ones this user may not see or change.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def hidden_history_fields(self, request) -> frozenset[str]:
        return hidden_fields(request.user, self.model)

    def get_historical_record_context_helper(self, request, historical_record):
        hidden = self.hidden_history_fields(request)
        return ChangeDisplayHelper(self.model, historical_record, hidden=hidden)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        # The oldest version on a page is compared with the newest of the next page.
        if getattr(historical_records, "has_next", None) and historical_records.has_next():
            older = historical_records.paginator.object_list[historical_records.end_index()]
            records.append(older)
        super().set_history_delta_changes(request, records, foreign_keys_are_objs)


class DeletedRecordsMixin:
    """For a SimpleHistoryAdmin: a page listing the model's deleted records, who deleted each
    and when, each linking to its full history (which simple-history keeps)."""

    deleted_records_template = "admin/cases/deleted_records.html"
    change_list_template = "admin/cases/change_list_with_deleted.html"
    deleted_per_page = 100

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_deleted"
        view = self.admin_site.admin_view(self.deleted_view)
        return [path("deleted/", view, name=name), *super().get_urls()]

    def deleted_view(self, request):
        if not self.has_view_history_or_change_history_permission(request):
            raise PermissionDenied
        deletions = (
            self.model.history.filter(history_type="-")
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        page = Paginator(deletions, self.deleted_per_page).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Deleted %(name)s") % {"name": self.opts.verbose_name_plural},
            "opts": self.opts,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.deleted_records_template, context)

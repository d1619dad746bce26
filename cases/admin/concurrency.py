"""No lost edits: when two people edit the same case at once, the second save is refused.

The change form carries the version of the record its user loaded (a hidden field). On save,
if the record has changed since, the form is shown again with that user's input, nothing is
saved (the inlines neither: the main form is invalid), and a message names who changed it and
when, with a link to the current version.

The version covers the record itself (its `updated_at` and its history) and the rows of its
inlines that keep a history (a person's relatives, outcomes and sources; a petition's timeline
and sources), so a change made elsewhere, say a source edited on its own page, counts too.
Not covered: many-to-many links edited from the other side (a petition's persons, seen from the
person) and bulk updates that bypass both `save()` and the history.

On the refused form the hidden version is the current one: having compared and reconciled, the
user saves again on purpose and it goes through. Saving again without looking overwrites the
other change; the message says so plainly, and refusing a second time would only teach people
to reload and retype.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.db import router, transaction
from django.db.models import Count, Max, Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model

VERSION_FIELD = "loaded_version"


class VersionField(forms.CharField):
    """The hidden version the form was loaded with. Never a "change" in the change message."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, label=_("version of the record when loaded"), **kwargs)

    def has_changed(self, initial, data) -> bool:
        return False


@dataclass(frozen=True)
class Change:
    """The latest recorded change of a record: who (None: unknown, e.g. a script) and when."""

    user: object | None
    at: datetime.datetime


@dataclass(frozen=True)
class VersionGuard:
    """Reads the current version of one record and explains a conflict with a loaded one."""

    model_admin: object
    pk: object
    user: object

    def rows(self) -> QuerySet:
        return self.model_admin.model._default_manager.filter(pk=self.pk)

    def histories(self) -> list[QuerySet]:
        """The history of the record and of its inline rows that keep one."""
        model = self.model_admin.model
        histories = [
            get_history_manager_for_model(model).filter(**{model._meta.pk.attname: self.pk})
        ]
        for inline in self.model_admin.inlines:
            try:
                history = get_history_manager_for_model(inline.model)
            except NotHistoricalModelError:
                continue  # e.g. a many-to-many table shown read-only
            for field in inline.model._meta.fields:
                is_parent = field.many_to_one and field.related_model is model
                if is_parent and inline.fk_name in (None, field.name):
                    histories.append(history.filter(**{field.attname: self.pk}))
        return histories

    def current(self, lock: bool = False) -> str:
        """The version now in the database. With `lock`, inside the saving transaction, the
        row stays locked until it commits, so two simultaneous saves cannot both pass."""
        rows = self.rows()
        if lock and transaction.get_connection(router.db_for_write(rows.model)).in_atomic_block:
            rows = rows.select_for_update(no_key=True)
        updated_at = rows.values_list("updated_at", flat=True).first()
        parts = [updated_at.isoformat() if updated_at else ""]
        for history in self.histories():
            counted = history.aggregate(count=Count("pk"), last=Max("pk"))
            parts.append(f"{counted['count']}.{counted['last'] or 0}")
        return "-".join(parts)

    def latest_change(self) -> Change | None:
        latest = None
        for history in self.histories():
            record = history.select_related("history_user").order_by("-history_date").first()
            if record and (latest is None or record.history_date > latest.history_date):
                latest = record
        if latest is None:
            updated_at = self.rows().values_list("updated_at", flat=True).first()
            return Change(user=None, at=updated_at) if updated_at else None
        return Change(user=latest.history_user, at=latest.history_date)

    def conflict_message(self, obj: Model) -> SafeString:
        change = self.latest_change()
        opts = self.model_admin.model._meta
        url = reverse(
            f"{self.model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
            args=[self.pk],
        )
        params = {
            "object": str(obj),
            "when": when_display(change.at) if change else "",
            "link": format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                url,
                gettext("the current version (opens in a new tab)"),
            ),
        }
        if change and change.user is not None and change.user == self.user:
            text = gettext(
                "You changed %(object)s %(when)s in another window while you were editing "
                "here. Your changes below were not saved: compare them with %(link)s, then "
                "save again to keep them."
            )
        elif change and change.user is not None:
            params["user"] = change.user.get_full_name() or change.user.get_username()
            text = gettext(
                "%(user)s changed %(object)s %(when)s while you were editing. Your changes "
                "below were not saved: compare them with %(link)s, then save again to keep "
                "them (saving again replaces what %(user)s entered)."
            )
        else:
            text = gettext(
                "%(object)s was changed %(when)s while you were editing. Your changes below "
                "were not saved: compare them with %(link)s, then save again to keep them."
            )
        return mark_safe(
            text % {name: conditional_escape(value) for name, value in params.items()}
        )


def when_display(moment: datetime.datetime) -> str:
    """'at 14:05' today, 'on 3 March 2025 at 14:05' before, in the site's time zone."""
    local = timezone.localtime(moment)
    time = local.strftime("%H:%M")
    if local.date() == timezone.localdate():
        return gettext("at %(time)s") % {"time": time}
    return gettext("on %(date)s at %(time)s") % {
        "date": date_format(local.date(), "DATE_FORMAT"),
        "time": time,
    }


class VersionCheckFormMixin:
    """Put first in the bases of an admin ModelForm; `version_guard` is set by the admin."""

    version_guard: VersionGuard

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial[VERSION_FIELD] = self.version_guard.current()

    def clean(self):
        loaded = self.cleaned_data.get(VERSION_FIELD)
        # A form posted without a version (an old page, a script) is not checked.
        if loaded:
            current = self.version_guard.current(lock=True)
            if loaded != current:
                message = self.version_guard.conflict_message(self.instance)
                self.add_error(None, forms.ValidationError(message, code="changed_meanwhile"))
                # Shown again with the current version: a deliberate second save goes through.
                self.data = self.data.copy()
                self.data[self.add_prefix(VERSION_FIELD)] = current
        return super().clean()


class ConcurrencyGuardMixin:
    """For a ModelAdmin: refuse to save a change form whose record changed since it was loaded.

    Put it first in the bases, e.g. `class DetainedPersonAdmin(ConcurrencyGuardMixin, ...)`.
    The model needs `updated_at` and a simple-history `history`.
    """

    def _guards(self, request, obj) -> bool:
        # A read-only page saves nothing, so it has nothing to guard.
        return obj is not None and obj.pk is not None and self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._guards(request, obj) or not fieldsets:
            return fieldsets
        if VERSION_FIELD in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        # The hidden field rides along in the first fieldset (the admin hides its row).
        return [(name, {**options, "fields": [*options["fields"], VERSION_FIELD]}), *rest]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not self._guards(request, obj):
            return super().get_form(request, obj, change, **kwargs)
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = [f for f in kwargs["fields"] if f != VERSION_FIELD]
        form = super().get_form(request, obj, change, **kwargs)
        attrs = {
            VERSION_FIELD: VersionField(),
            "version_guard": VersionGuard(model_admin=self, pk=obj.pk, user=request.user),
        }
        return type(form.__name__, (VersionCheckFormMixin, form), attrs)

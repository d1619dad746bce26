"""How records show in rows: changelist columns at scale (a page of 100 cases is rendered on
every visit), dates in narrow columns, and the inline tables of a record's page."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from cases.dates import DatePrecision, format_approximate

# Django's own message, translated by Django's catalogs (a variable, so that makemessages does
# not copy it into ours).
SELECT_LABEL = "Select this object for an action - {}"


class QuickCheckboxMixin:
    """The row's action checkbox written directly, the same markup as Django's: Django renders
    each one through the form widget templates, a fifth of a 100-row page's time."""

    def action_checkbox(self, obj) -> str:
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext(SELECT_LABEL), str(obj)),
        )


# Notes and summaries in inline rows and short forms.
SMALL_TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


def short_date(value: datetime.date | None) -> str | None:
    """A date in a narrow column: ISO, as the date inputs show it, and unambiguous in any
    language (03/01/2019 is read as 3 January in Almaty and 1 March in English)."""
    return value.isoformat() if value else None


def short_approximate(value: datetime.date | None, precision: str) -> str | None:
    """An approximate date in a narrow column: an exact day as short_date writes it, a year or
    a month as precisely as known ("2018", "March 2018")."""
    if value is None:
        return None
    if precision == DatePrecision.DAY:
        return short_date(value)
    return format_approximate(value, precision)


def follow_up_display(value: datetime.date | None) -> str | None:
    """A follow-up date, marked when it has passed (the caller knows the petition is open)."""
    if value is None:
        return None
    if value < timezone.localdate():
        return gettext("%(date)s (overdue)") % {"date": short_date(value)}
    return short_date(value)


class ReadOnlyMixin:
    """Rows to read, never to add, change or delete here, whoever asks (superusers too)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """A list shown on the parent's page that is edited elsewhere, or never."""

    template = "admin/cases/readonly_tabular.html"
    extra = 0
    can_delete = False


def without_popups(field) -> None:
    """A related field's select without the links that open another record in a pop-up."""
    widget = field.widget
    widget.can_add_related = widget.can_change_related = False
    widget.can_view_related = widget.can_delete_related = False

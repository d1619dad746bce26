"""Changelist rows at scale: a page of 100 cases is rendered on every visit."""

from django.contrib.admin import helpers
from django.utils.html import format_html
from django.utils.translation import gettext

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

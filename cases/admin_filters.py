"""Changelist filters that match how advocates ask: who is held, which petitions need chasing."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.translation import gettext_lazy as _


class HeldFilter(admin.SimpleListFilter):
    title = _("held or not")
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return [("yes", _("held")), ("no", _("not held"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.held()
        if self.value() == "no":
            return queryset.not_held()
        return queryset


class PersonPetitionFilter(admin.SimpleListFilter):
    """The two questions asked of a case's petitions: is there one at all, and is one overdue."""

    title = _("petitions")
    parameter_name = "petitions"

    def lookups(self, request, model_admin):
        return [("none", _("no petition yet")), ("overdue", _("follow-up overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.without_petition()
        if self.value() == "overdue":
            return queryset.with_overdue_follow_up()
        return queryset


class PetitionOverdueFilter(admin.SimpleListFilter):
    title = _("follow-up")
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        return queryset


class DrilldownGuardMixin:
    """For a ModelAdmin with a date hierarchy: a year like 99999999999 in the query string
    overflows Django's date arithmetic; treat it as the bad filter it is (the admin then
    shows the list with an error flag) rather than fail."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error

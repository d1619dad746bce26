"""Changelist filters that match how advocates ask: who is held, which petitions need chasing."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from cases.models import EARLIEST_BIRTH_YEAR


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


class YearFilter(admin.SimpleListFilter):
    """The years of `field_name`, newest first, and the records without a date. It replaces a
    date hierarchy, which reads every row to list the years (50 ms at 100,000 cases, on every
    visit to the list); these come from the first and last date, the ends of an index."""

    field_name: str
    unknown_label: str
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        span = model_admin.model.objects.aggregate(
            first=Min(self.field_name), last=Max(self.field_name)
        )
        years = []
        if span["first"] and span["last"]:
            newest, oldest = span["last"].year, span["first"].year
            years = [(str(year), str(year)) for year in range(newest, oldest - 1, -1)]
        return [*years, (self.UNKNOWN, self.unknown_label)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == self.UNKNOWN:
            return queryset.filter(**{f"{self.field_name}__isnull": True})
        if not value.isdigit() or not EARLIEST_BIRTH_YEAR <= int(value) <= 2100:
            raise IncorrectLookupParameters(f"Not a year: {value!r}")
        return queryset.filter(**{f"{self.field_name}__year": int(value)})


class DetentionYearFilter(YearFilter):
    # Dates known to the year only have no month or day to drill down to, either.
    title = _("year of detention")
    parameter_name = "detained_year"
    field_name = "detained_on"
    unknown_label = _("not known")


class SubmissionYearFilter(YearFilter):
    title = _("year submitted")
    parameter_name = "submitted_year"
    field_name = "submitted_on"
    unknown_label = _("not submitted")


class ChildrenStuckInChinaFilter(admin.SimpleListFilter):
    """The relatives counted on the admin index as children with Kazakhstan citizenship stuck in
    China (Relative.objects.children_stuck_in_china says who they are)."""

    title = _("children of Kazakhstan stuck in China")
    parameter_name = "stuck_in_china"
    YES = "yes"

    def lookups(self, request, model_admin):
        return [(self.YES, _("children with Kazakhstan citizenship in China"))]

    def queryset(self, request, queryset):
        if self.value() == self.YES:
            return queryset.children_stuck_in_china()
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
        return [("overdue", _("overdue")), ("mine", _("overdue, for my cases"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "mine":
            mine = queryset.model.objects.filter(persons__assigned_to=request.user)
            return queryset.overdue().filter(pk__in=mine.values("pk"))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Whose cases: mine, nobody's, or one colleague's (the active staff, one query)."""

    title = _("assigned to")
    parameter_name = "assignee"
    ME, NOBODY = "me", "none"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True, is_active=True)
        return [
            (self.ME, _("assigned to me")),
            (self.NOBODY, _("not assigned")),
            *((str(user.pk), user.get_username()) for user in staff.order_by("username")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == self.ME:
            return queryset.assigned_to(request.user)
        if value == self.NOBODY:
            return queryset.filter(assigned_to__isnull=True)
        if not value.isdigit():
            raise IncorrectLookupParameters(f"Not a user: {value!r}")
        return queryset.filter(assigned_to_id=int(value))

"""The filters of the public statistics: one FilterSet drives the page and the data files."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import (
    EARLIEST_BIRTH_YEAR,
    HELD_STATUSES,
    Ethnicity,
    Gender,
    Place,
    TallyProfile,
)

HELD = "held"
NOT_HELD = "not_held"


class YearFilter(django_filters.NumberFilter):
    """A whole year: '2018', never '2018.5' or 'abc'."""

    field_class = forms.IntegerField


class StatisticsFilterForm(forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("year_from"), data.get("year_to")
        if first is not None and last is not None and first > last:
            raise forms.ValidationError(
                _("The first year (%(first)s) comes after the last (%(last)s)."),
                code="years_reversed",
                params={"first": first, "last": last},
            )
        return data


class StatisticsFilter(django_filters.FilterSet):
    """Narrow the counted persons by year of detention, place, ethnicity, gender and status.

    It filters the profiles of counted persons (cases/tallies.py): the statistics are then the
    tallies of the records tied to a person with a matching profile.
    """

    year_from = YearFilter(
        field_name="detained_year",
        lookup_expr="gte",
        label=_("Detained from (year)"),
        min_value=EARLIEST_BIRTH_YEAR,
        max_value=2100,
    )
    year_to = YearFilter(
        field_name="detained_year",
        lookup_expr="lte",
        label=_("Detained until (year)"),
        min_value=EARLIEST_BIRTH_YEAR,
        max_value=2100,
    )
    place = django_filters.ModelChoiceFilter(
        field_name="place",
        queryset=Place.objects.all(),
        to_field_name="code",
        label=_("Home place"),
        empty_label=_("All places"),
    )
    ethnicity = django_filters.ChoiceFilter(
        choices=Ethnicity.choices, label=_("Ethnicity"), empty_label=_("All")
    )
    gender = django_filters.ChoiceFilter(
        choices=Gender.choices, label=_("Gender"), empty_label=_("All")
    )
    status_group = django_filters.ChoiceFilter(
        choices=[(HELD, _("held now")), (NOT_HELD, _("not held now"))],
        method="filter_status_group",
        label=_("Held or not"),
        empty_label=_("All"),
    )

    class Meta:
        model = TallyProfile
        fields: list[str] = []
        form = StatisticsFilterForm

    def filter_status_group(self, queryset, name: str, value: str):
        held = Q(status__in=HELD_STATUSES)
        return queryset.filter(held if value == HELD else ~held)


def statistics_filter(data) -> StatisticsFilter:
    """The FilterSet bound to `data`; only counted persons have a profile (DESIGN.md, Privacy
    4)."""
    return StatisticsFilter(data, queryset=TallyProfile.objects.all())


def applied_filters(filterset: StatisticsFilter) -> dict[str, int | str | None]:
    """The valid filters as plain values (a place by its code), every name present."""
    values: dict[str, int | str | None] = {}
    for name, value in filterset.form.cleaned_data.items():
        if isinstance(value, Place):
            value = value.code
        values[name] = value if value not in ("", None) else None
    return values

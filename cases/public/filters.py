"""The filters of the public statistics: one FilterSet drives the page and the data files."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import (
    HELD_STATUSES,
    Ethnicity,
    Gender,
    Place,
    TallyProfile,
)
from cases.public import statistics

HELD = "held"
NOT_HELD = "not_held"


# At most this many filters at once (docs/public-statistics.md): every further filter
# multiplies the views an attacker can average to see through the noise.
MAX_FILTERS = 2
# Ranges of years were offered once; they are refused with a message rather than ignored.
RANGE_PARAMETERS = ("year_from", "year_to")


def year_choices() -> list[tuple[str, str]]:
    return [(str(year), str(year)) for year in statistics.public_years()]


class StatisticsFilterForm(forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        # An empty field of the old form is no range: its bookmarks keep working.
        if any(self.data.get(name) for name in RANGE_PARAMETERS):
            raise forms.ValidationError(
                _(
                    "Ranges of years are not offered: choose a single year. Comparing ranges "
                    "could single out the people counted."
                ),
                code="year_range",
            )
        chosen = [name for name, value in data.items() if value not in ("", None)]
        if len(chosen) > MAX_FILTERS:
            raise forms.ValidationError(
                _(
                    "Choose at most %(max)s filters at once: more would let the figures be "
                    "compared until they point to a person."
                ),
                code="too_many_filters",
                params={"max": MAX_FILTERS},
            )
        return data


class StatisticsFilter(django_filters.FilterSet):
    """Narrow the counted persons by year of detention, place, ethnicity, gender or status,
    at most two at once.

    It filters the profiles of counted persons (tallies.py): the statistics are then the
    tallies of the records tied to a person with a matching profile.
    """

    year = django_filters.ChoiceFilter(
        field_name="detained_year",
        choices=year_choices,
        label=_("Year of detention"),
        empty_label=_("All years"),
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
    """The FilterSet bound to `data`; only counted persons have a profile (privacy rule 4)."""
    return StatisticsFilter(data, queryset=TallyProfile.objects.all())


def wider_views(filterset: StatisticsFilter) -> list[QuerySet | None]:
    """The profiles of each view with one of the applied filters fewer (None: all cases), for
    the check that a view leaves out enough of each (statistics.compute)."""
    applied = [name for name, value in applied_filters(filterset).items() if value is not None]
    wider = []
    for name in applied:
        data = {other: filterset.data[other] for other in applied if other != name}
        wider.append(statistics_filter(data).qs if data else None)
    return wider


def applied_filters(filterset: StatisticsFilter) -> dict[str, int | str | None]:
    """The valid filters as plain values (a place by its code), every name present."""
    values: dict[str, int | str | None] = {}
    for name, value in filterset.form.cleaned_data.items():
        if isinstance(value, Place):
            value = value.code
        values[name] = value if value not in ("", None) else None
    return values

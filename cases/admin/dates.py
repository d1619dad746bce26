"""Approximate dates in the admin: one text input per date, typed as the family says it.

Every model field `X` with a sibling `X_precision` (a person's detained_on, an outcome's
occurred_on, a petition's submitted_on, …) is one input named `X` that reads 2018, 03.2018,
2018-03, March 2018, 12.03.2018 or 2018-03-12 (cases.dates.parse_approximate_date, as the
spreadsheet import does), with a date picker for an exact day. The precision follows from what
was typed, and the saved date is shown back as precisely: "2018", "03.2018".
`ApproximateDatesAdminMixin` finds the pairs on any model admin or inline.
"""

import datetime
import functools
from collections.abc import Sequence

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cases.dates import (
    ApproximateDate,
    DatePrecision,
    format_approximate,
    input_text,
    parse_approximate_date,
)

PRECISION_SUFFIX = "_precision"


def approximate_date_fields(model: type[models.Model]) -> list[str]:
    """The names of the model's date fields that have a precision beside them."""
    names = []
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.DateField) or isinstance(field, models.DateTimeField):
            continue
        try:
            model._meta.get_field(field.name + PRECISION_SUFFIX)
        except FieldDoesNotExist:
            continue
        names.append(field.name)
    return names


class ApproximateDateInput(forms.TextInput):
    """A text input for 2018, 03.2018 or 12.03.2018, and a calendar button that fills in an
    exact day (static/cases/approximate-date.js; without JavaScript, the text input alone)."""

    class Media:
        js = ["cases/approximate-date.js"]
        css = {"all": ["cases/approximate-date.css"]}

    def __init__(self, attrs=None):
        super().__init__({"size": "12", "class": "vApproximateDate", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        text = super().render(name, value, attrs, renderer)
        return format_html(
            '<span class="approximate-date">{}<button type="button" '
            'class="approximate-date-button" title="{}" aria-label="{}"></button>'
            '<input type="date" class="approximate-date-picker" max="{}" tabindex="-1" '
            'aria-hidden="true"></span>',
            text,
            _("Choose an exact day"),
            _("Choose an exact day"),
            timezone.localdate().isoformat(),
        )


class ApproximateDateField(forms.Field):
    """A date as precise as it is known: cleans to an ApproximateDate (or None), refusing a
    date in the future."""

    widget = ApproximateDateInput
    default_error_messages = {
        "invalid": _("Write the date as a year (2018), a month (03.2018) or a day (12.03.2018)."),
        "future_date": _("This date lies in the future."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("A year (2018), a month (03.2018, March 2018) or a day (12.03.2018)."),
        )
        super().__init__(**kwargs)

    def to_python(self, value) -> ApproximateDate | None:
        if isinstance(value, ApproximateDate) or value is None:
            return value
        if isinstance(value, datetime.date):
            return ApproximateDate(value, DatePrecision.DAY)
        try:
            return parse_approximate_date(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: ApproximateDate | None) -> None:
        super().validate(value)
        # A year or a month is in the future only when it has not begun.
        if value is not None and value.stored > timezone.localdate():
            raise ValidationError(self.error_messages["future_date"], code="future_date")

    def prepare_value(self, value) -> str:
        if isinstance(value, ApproximateDate):
            return input_text(*value)
        if isinstance(value, datetime.date):
            return input_text(value, DatePrecision.DAY)
        return "" if value is None else value

    def has_changed(self, initial, data) -> bool:
        try:
            typed, before = self.to_python(data), self.to_python(initial)
        except ValidationError:
            return True
        return _stored(typed) != _stored(before)


def _stored(value: ApproximateDate | None) -> tuple | None:
    return (value.stored, value.precision) if value else None


class ApproximateDatesFormMixin:
    """For a ModelForm: its approximate date fields read and write the model's date and its
    precision together."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self._approximate_names():
            value = getattr(self.instance, name)
            if value is not None and name not in kwargs.get("initial", {}):
                self.initial[name] = ApproximateDate(
                    value, getattr(self.instance, name + PRECISION_SUFFIX)
                )

    def _approximate_names(self) -> list[str]:
        return [n for n, f in self.fields.items() if isinstance(f, ApproximateDateField)]

    def _post_clean(self):
        # Before the model instance is built from cleaned_data and validated.
        for name in self._approximate_names():
            value = self.cleaned_data.get(name)
            if isinstance(value, ApproximateDate):
                self.cleaned_data[name] = value.stored
                setattr(self.instance, name + PRECISION_SUFFIX, value.precision)
        super()._post_clean()


def with_approximate_dates(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    if issubclass(form_class, ApproximateDatesFormMixin):
        return form_class
    return type(form_class.__name__, (ApproximateDatesFormMixin, form_class), {})


class ApproximateDatesAdminMixin:
    """For a ModelAdmin or an inline: each approximate date is one input (its precision, if
    listed, is left out: the text says it), and shows as precisely as known where it is read
    only ("2018", never a made-up 1 January 2018)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form = with_approximate_dates(self.form)
        self.approximate_dates = approximate_date_fields(self.model)
        for name in self.approximate_dates:
            setattr(self, self._display_name(name), self._display(name))
        # Wrapped here rather than overridden, so that an admin's own get_fieldsets or
        # get_readonly_fields, which need not call super(), is covered too.
        readonly, fieldsets = self.get_readonly_fields, self.get_fieldsets
        self.get_readonly_fields = functools.partial(self._readonly_with_dates, readonly)
        self.get_fieldsets = functools.partial(self._fieldsets_with_dates, readonly, fieldsets)

    @staticmethod
    def _display_name(name: str) -> str:
        return f"{name}_as_known"

    def _display(self, name: str):
        def display(obj) -> str:
            value = getattr(obj, name)
            if value is None:
                return self.get_empty_value_display()
            return format_approximate(value, getattr(obj, name + PRECISION_SUFFIX))

        display.short_description = self.model._meta.get_field(name).verbose_name
        return display

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.approximate_dates:
            return ApproximateDateField(
                label=capfirst(db_field.verbose_name), required=not db_field.blank
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _read_only_dates(self, readonly: Sequence[str], request, obj) -> dict[str, str]:
        """The approximate dates this user reads but does not edit here, with the name of the
        read-only line that shows each."""
        editable = self._may_edit(request, obj)
        return {
            name: self._display_name(name)
            for name in self.approximate_dates
            if name in readonly or not editable
        }

    def _readonly_with_dates(self, get_readonly, request, obj=None):
        readonly = get_readonly(request, obj)
        return (*readonly, *self._read_only_dates(readonly, request, obj).values())

    def _fieldsets_with_dates(self, get_readonly, get_fieldsets, request, obj=None):
        names = self._read_only_dates(get_readonly(request, obj), request, obj)
        dropped = {name + PRECISION_SUFFIX for name in self.approximate_dates}
        return [
            (title, {**options, "fields": _renamed(options["fields"], names, dropped)})
            for title, options in get_fieldsets(request, obj)
        ]

    def _may_edit(self, request, obj) -> bool:
        if obj is None and not hasattr(self, "parent_model"):
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)


def _renamed(fields, names: dict[str, str], dropped: set[str]) -> list:
    """Field names (and lines of names) with some replaced and some left out, each once."""
    seen: set[str] = set()

    def line(names_in_line) -> tuple:
        renamed = (names.get(name, name) for name in names_in_line if name not in dropped)
        kept = tuple(name for name in renamed if name not in seen)
        seen.update(kept)
        return kept

    lines = [line(f) if isinstance(f, list | tuple) else line([f]) for f in fields]
    return [kept if len(kept) > 1 else kept[0] for kept in lines if kept]

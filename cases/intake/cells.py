"""How the cells of each column read into a value and are written from one.

A Cell turns the text or number in a sheet's cell into a Python value (`clean`, which raises
CellError with a message naming the value and the column) and a value into a cell (`render`, for
the preview and the export); `get` and `set` move the value between it and a model instance, so
that an approximate date can live in two model fields. Plain classes, called by the import
engine (engine.py) and the export's columns (exports.py); django-import-export reads none of
them, so they are not its widgets.
"""

import datetime
import functools
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.dates import ApproximateDate, DatePrecision, normalize_date, parse_approximate_date
from cases.intake.sheets import cell_text, shown
from cases.models import EARLIEST_BIRTH_YEAR, MAX_LETTERS, Authority, DetainedPerson, Place
from cases.names import name_key


class CellError(ValueError):
    """One cell could not be read; the message names the value and the column."""


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """A label or name compared loosely: case, accents, ё, spaces, underscores and hyphens."""
    text = text.casefold().replace("ё", "е")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[_\-‐–—]+", " ", text).split())


class Cell:
    """A column's kind of cell: text, as read by cell_text and written as it is."""

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        return cell_text(value)

    def render(self, value: Any) -> str:
        return "" if value is None else str(value)

    def get(self, instance, attribute: str):
        return getattr(instance, attribute)

    def set(self, instance, attribute: str, value) -> None:
        setattr(instance, attribute, value)

    def model_fields(self, attribute: str) -> list[str]:
        return [attribute]

    # True where clean() refuses everything the model field's validation would (a vocabulary,
    # a reference from the loaded list, a date not in the future): full_clean skips the field.
    checks_model_rules = False


class TextCell(Cell):
    pass


class CaseNumberCell(Cell):
    # C-00042, c-42, 42, and a Cyrillic С that looks like a Latin C.
    PATTERN = re.compile(r"^[cсCС]?\s*[-‐–]?\s*0*(\d{1,9})$")

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        text = cell_text(value)
        if not text:
            return ""
        match = self.PATTERN.match(text)
        if not match:
            raise CellError(
                _(
                    "Could not read the case number '%(value)s' in column %(column)s: "
                    "write it as C-00042."
                )
                % {"value": shown(text), "column": column}
            )
        return DetainedPerson.case_number_for(int(match[1]))


class CaseNumbersCell(CaseNumberCell):
    """Several case numbers in one cell, separated by commas, semicolons or new lines."""

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        numbers = []
        for part in re.split(r"[,;\n]+", cell_text(value)):
            if part.strip():
                number = super().clean(part.strip(), column=column)
                if number not in numbers:
                    numbers.append(number)
        return numbers

    def render(self, value: Any) -> str:
        return ", ".join(value or ())

    def get(self, instance, attribute: str):
        if instance.pk is None:
            return []
        return [person.case_number for person in instance.persons.all()]

    def set(self, instance, attribute: str, value) -> None:
        instance.imported_persons = value


class CaseCell(CaseNumberCell):
    """A case named by its number (a relative's own case): the case.

    `prepare()` loads the cases a sheet names in one query before it is read.
    """

    checks_model_rules = True

    def __init__(self):
        self._cases: dict[str, DetainedPerson] = {}

    def prepare(self, cells: list) -> list[DetainedPerson]:
        """Load the cases named in `cells`; returns them."""
        numbers = set()
        for cell in cells:
            try:
                numbers.add(super().clean(cell))
            except CellError:
                continue  # the row's own check reports it
        found = DetainedPerson.objects.filter(case_number__in=numbers - {""})
        self._cases = {person.case_number: person for person in found}
        return list(self._cases.values())

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        number = super().clean(value, column=column)
        if not number:
            return None
        person = self._cases.get(number)
        if person is None:
            raise CellError(
                _("There is no case %(case)s (column %(column)s).")
                % {"case": number, "column": column}
            )
        return person

    def render(self, value: Any) -> str:
        return value.case_number if value else ""


class YearCell(Cell):
    """A year of birth: the model's range (from 1900, not in the future), checked here."""

    checks_model_rules = True

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        text = cell_text(value)
        if not text:
            return None
        today = today or timezone.localdate()
        if not re.fullmatch(r"\d{4}", text) or not EARLIEST_BIRTH_YEAR <= int(text) <= today.year:
            raise CellError(
                _(
                    "Could not read the year '%(value)s' in column %(column)s: write four "
                    "digits, from %(first)d to this year."
                )
                % {"value": shown(text), "column": column, "first": EARLIEST_BIRTH_YEAR}
            )
        return int(text)


class LettersCell(Cell):
    """How many letters a petition stands for: a whole number from 1 (the model's range)."""

    checks_model_rules = True

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        text = cell_text(value)
        if not text:
            return None
        if not re.fullmatch(r"\d{1,3}", text) or not 1 <= int(text) <= MAX_LETTERS:
            raise CellError(
                _(
                    "Could not read the number of letters '%(value)s' in column %(column)s: "
                    "write a whole number from 1 to %(last)d."
                )
                % {"value": shown(text), "column": column, "last": MAX_LETTERS}
            )
        return int(text)


class ChoiceCell(Cell):
    """A vocabulary cell: the stored value or its label in any of the site's languages."""

    checks_model_rules = True

    def __init__(self, choices: type[models.TextChoices]):
        self.choices = choices
        self._lookup: dict[str, str] | None = None
        self._labels: dict[tuple[str | None, str], str] = {}

    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            lookup = {}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    for choice in self.choices:
                        lookup.setdefault(_fold(str(choice.label)), choice.value)
            # Stored values win over a label that happens to spell another value.
            lookup.update({_fold(choice.value): choice.value for choice in self.choices})
            self._lookup = lookup
        return self._lookup

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        text = cell_text(value)
        if not text:
            return None
        try:
            return self.lookup()[_fold(text)]
        except KeyError:
            raise CellError(
                _("Unknown value '%(value)s' in column %(column)s: use one of %(choices)s.")
                % {
                    "value": shown(text),
                    "column": column,
                    "choices": ", ".join(self.choices.values),
                }
            ) from None

    def render(self, value: Any) -> str:
        if not value:
            return ""
        key = (translation.get_language(), value)
        if key not in self._labels:
            try:
                self._labels[key] = str(self.choices(value).label)
            except ValueError:
                self._labels[key] = str(value)
        return self._labels[key]


class YesNoCell(Cell):
    checks_model_rules = True
    YES = {"yes", "y", "true", "1", "x", "+", "да", "д", "иә", "ия", "ие"}
    NO = {"no", "n", "false", "0", "-", "нет", "н", "жоқ", "жок"}

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        if isinstance(value, bool):
            return value
        text = _fold(cell_text(value))
        if not text:
            return None
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise CellError(
            _("Could not read '%(value)s' in column %(column)s: write yes or no (иә/жоқ, да/нет).")
            % {"value": shown(text), "column": column}
        )

    def render(self, value: Any) -> str:
        if value is None:
            return ""
        return gettext("yes") if value else gettext("no")


class ApproximateDateCell(Cell):
    """A date as precise as the family knows it, stored in `<field>` and `<field>_precision`."""

    precisions = (DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY)
    checks_model_rules = True
    unreadable = _(
        "Could not read the date '%(value)s' in column %(column)s: "
        "write 2018, 2018-03, 2018-03-12 or 12.03.2018."
    )

    def read(self, value, column: str) -> ApproximateDate | None:
        """The date in a cell, if written with one of the accepted precisions (the admin's
        date inputs read it the same way: cases.dates.parse_approximate_date)."""
        if isinstance(value, datetime.datetime):
            value = value.date()
        if not isinstance(value, datetime.date):
            value = cell_text(value)
        if not value:
            return None
        try:
            parsed = parse_approximate_date(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.precision not in self.precisions:
            raise CellError(self.unreadable % {"value": shown(cell_text(value)), "column": column})
        return parsed

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        parsed = self.read(value, column)
        today = today or timezone.localdate()
        if parsed and parsed.stored > today:
            raise CellError(
                _("The date '%(value)s' in column %(column)s lies in the future.")
                % {"value": shown(cell_text(value)), "column": column}
            )
        return parsed

    def render(self, value: Any) -> str:
        if value is None or value.date is None:
            return ""
        formats = {DatePrecision.YEAR: "%Y", DatePrecision.MONTH: "%Y-%m"}
        return value.date.strftime(formats.get(value.precision, "%Y-%m-%d"))

    def get(self, instance, attribute: str):
        return ApproximateDate(
            getattr(instance, attribute), getattr(instance, f"{attribute}_precision")
        )

    def set(self, instance, attribute: str, value) -> None:
        setattr(instance, attribute, normalize_date(value.date, value.precision))
        setattr(instance, f"{attribute}_precision", value.precision)

    def model_fields(self, attribute: str) -> list[str]:
        return [attribute, f"{attribute}_precision"]


class ExactDateCell(ApproximateDateCell):
    """A date known to the day (when to chase a petition next); may lie ahead."""

    precisions = (DatePrecision.DAY,)
    # Whether the date may lie ahead is the model's rule (a follow-up may, a submission not).
    checks_model_rules = False
    unreadable = _(
        "Could not read the date '%(value)s' in column %(column)s: "
        "write the exact day, 2018-03-12 or 12.03.2018."
    )

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        # Whether it may lie ahead is the model's rule: its validators run in full_clean.
        parsed = self.read(value, column)
        return parsed.date if parsed else None

    def render(self, value: Any) -> str:
        return value.isoformat() if value else ""

    def get(self, instance, attribute: str):
        return getattr(instance, attribute)

    def set(self, instance, attribute: str, value) -> None:
        setattr(instance, attribute, value)

    def model_fields(self, attribute: str) -> list[str]:
        return [attribute]


class ReferenceCell(Cell):
    """A row of a reference list (a place, an authority): its code or its name in any language.

    `prepare()` loads the whole list in one query before a sheet is read.
    """

    model: type[models.Model]
    # The names a row is written under; `other_names` holds one a line (Кульджа for Ili, МИД
    # for the Ministry), kept as data in the admin.
    name_fields: tuple[str, ...]
    checks_model_rules = True
    unknown = _("Unknown value '%(value)s' in column %(column)s.")

    def __init__(self):
        self._lookup: dict[str, models.Model] | None = None
        self._keys: dict[str, models.Model] = {}

    def prepare(self) -> None:
        lookup: dict[str, models.Model] = {}
        parts: dict[str, models.Model] = {}
        keys: dict[str, models.Model] = {}
        for obj in self.model.objects.all():
            names = [obj.code]
            for field in self.name_fields:
                names += (getattr(obj, field) or "").splitlines()
            for name in filter(None, (name.strip() for name in names)):
                lookup.setdefault(_fold(name), obj)
                keys.setdefault(name_key(name), obj)
                # "Hami (Kumul)": "Hami" and "Kumul" name it too.
                for part in re.split(r"[()/]", name):
                    if part.strip() and part.strip() != name:
                        parts.setdefault(_fold(part), obj)
        self._lookup = {**parts, **lookup}
        keys.pop("", None)
        self._keys = keys

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        text = cell_text(value)
        if not text:
            return None
        if self._lookup is None:
            self.prepare()
        # As written first, then in any spelling of a known name (Kuldja, Кульджа, Құлжа).
        found = self._lookup.get(_fold(text)) or self._keys.get(name_key(text))
        if found is None:
            raise CellError(self.unknown % {"value": shown(text), "column": column})
        return found

    def render(self, value: Any) -> str:
        return str(value) if value else ""

    def get(self, instance, attribute: str):
        return getattr(instance, attribute) if getattr(instance, f"{attribute}_id") else None

    def choices(self) -> list[tuple[str, str]]:
        """(code, names) for the import page's list of accepted values."""
        return [
            (obj.code, " / ".join(filter(None, (getattr(obj, f) for f in self.name_fields))))
            for obj in self.model.objects.all()
        ]


class PlaceCell(ReferenceCell):
    model = Place
    name_fields = ("name_en", "name_kk", "name_ru", "name_zh", "other_names")
    unknown = _(
        "Unknown place '%(value)s' in column %(column)s: write a place code or its name in "
        "Kazakh, Russian, English or Chinese (the import page lists them)."
    )


class AuthorityCell(ReferenceCell):
    model = Authority
    name_fields = ("name_en", "name_kk", "name_ru", "other_names")
    unknown = _(
        "Unknown authority '%(value)s' in column %(column)s: write its code or its name in "
        "Kazakh, Russian or English (the import page lists them)."
    )


class StaffUserCell(Cell):
    """A staff user, by username (case aside); only active staff may be assigned a case.

    `prepare()` loads them in one query before a sheet is read.
    """

    checks_model_rules = True
    unknown = _(
        "Unknown user '%(value)s' in column %(column)s: write the username of an active staff "
        "member, or leave it empty."
    )

    def __init__(self):
        self._lookup: dict[str, models.Model] | None = None

    def prepare(self) -> None:
        staff = get_user_model().objects.filter(is_staff=True, is_active=True)
        self._lookup = {user.get_username().casefold(): user for user in staff}

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        text = cell_text(value)
        if not text:
            return None
        if self._lookup is None:
            self.prepare()
        try:
            return self._lookup[text.casefold()]
        except KeyError:
            raise CellError(self.unknown % {"value": shown(text), "column": column}) from None

    def render(self, value: Any) -> str:
        return value.get_username() if value else ""

    def get(self, instance, attribute: str):
        return getattr(instance, attribute) if getattr(instance, f"{attribute}_id") else None


class PetitionersCell(Cell):
    """Names of relatives who signed, separated by semicolons or new lines."""

    def clean(self, value: Any, column: str = "", today: datetime.date | None = None) -> Any:
        return [name.strip() for name in re.split(r"[;\n]+", cell_text(value)) if name.strip()]

    def render(self, value: Any) -> str:
        return "; ".join(value or ())

    def get(self, instance, attribute: str):
        if instance.pk is None:
            return []
        return [relative.full_name for relative in instance.petitioners.all()]

    def set(self, instance, attribute: str, value) -> None:
        instance.imported_petitioners = value


class RelativeNameCell(Cell):
    """The relative who gave a consent, by name: the import finds them among the kin of the
    row's case (cases/intake/consents.py); a withheld name is written as its description."""

    def render(self, value: Any) -> str:
        return value.display_name if value else ""

    def get(self, instance, attribute: str):
        return getattr(instance, attribute) if getattr(instance, f"{attribute}_id") else None

    def set(self, instance, attribute: str, value) -> None:
        instance.imported_relative = value

"""Spreadsheet import (and the columns that export shares): persons with relatives, petitions.

A sheet is read (CSV in UTF-8 or Windows Cyrillic, or XLSX), its headers are matched to the
canonical column names through an alias table (Latin, Russian, Kazakh), every row is read and
checked with the same rules as the admin forms (full_clean), and only if every row is valid is
anything written, in one transaction, with history records naming the importing user.

    report = import_persons(data, user=request.user, dry_run=True)   # the preview
    report = import_persons(data, user=request.user, dry_run=False)  # writes, or nothing

The admin mixins at the end give a ModelAdmin the import page, a downloadable template and the
export of its filtered changelist (see cases/exports.py).
"""

import contextlib
import csv
import datetime
import functools
import gc
import io
import logging
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Count, Max, Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.fields import Field
from import_export.widgets import Widget
from openpyxl.utils.cell import get_column_letter

from cases import previews, workbooks
from cases.contact_access import may_enter_contact_details
from cases.exports import SafeResource, SheetExportMixin, unescape_formula
from cases.models import (
    EARLIEST_BIRTH_YEAR,
    Authority,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Gender,
    Kinship,
    Petition,
    PetitionStatus,
    Place,
    Relative,
    Status,
    normalize_date,
)
from cases.names import combined_name_key, name_key
from cases.public import tallies
from cases.roles import VERIFY_CASES

logger = logging.getLogger(__name__)

# Batches for bulk inserts: well under SQLite's variable limit, few round trips on PostgreSQL.
BATCH_SIZE = 500
# The template's example row starts with this; importing it by mistake is refused.
EXAMPLE_MARKER = "EXAMPLE"


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_MB", 10)) * 1024 * 1024


def max_rows() -> int:
    # One request imports at most this many rows: 10,000 take a few seconds.
    return int(getattr(settings, "IMPORT_MAX_ROWS", 20000))


def max_columns() -> int:
    # A person with 20 relatives takes 175 columns; the rest leaves room for columns of notes.
    return int(getattr(settings, "IMPORT_MAX_COLUMNS", 250))


# --- Errors --------------------------------------------------------------------------------------


class SheetError(Exception):
    """The file as a whole cannot be imported; the message says why, plainly."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)


class CellError(ValueError):
    """One cell could not be read; the message names the value and the column."""


def _shown(value: Any) -> str:
    """A cell's value as quoted in an error message: short, one line."""
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


# --- Cells and widgets: one cell of a sheet to a Python value and back ---------------------------


def cell_text(value: Any) -> str:
    """Any cell (CSV text or an XLSX number, date or boolean) as trimmed text."""
    if type(value) is str:  # the common case, first
        value = value.strip()
        return unescape_formula(value) if value[:1] == "'" else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unescape_formula(str(value).strip())


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """A label or name compared loosely: case, accents, ё, spaces, underscores and hyphens."""
    text = text.casefold().replace("ё", "е")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[_\-‐–—]+", " ", text).split())


class SheetWidget(Widget):
    """Reads a cell into a value (`clean`) and writes a value into a cell (`render`).

    `get` and `set` move the value between the widget and a model instance; they let an
    approximate date live in two model fields.
    """

    def clean(self, value, row=None, column: str = "", **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
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


class TextWidget(SheetWidget):
    pass


class CaseNumberWidget(SheetWidget):
    # C-00042, c-42, 42, and a Cyrillic С that looks like a Latin C.
    PATTERN = re.compile(r"^[cсCС]?\s*[-‐–]?\s*0*(\d{1,9})$")

    def clean(self, value, row=None, column: str = "", **kwargs):
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
                % {"value": _shown(text), "column": column}
            )
        return DetainedPerson.case_number_for(int(match[1]))


class CaseNumbersWidget(CaseNumberWidget):
    """Several case numbers in one cell, separated by commas, semicolons or new lines."""

    def clean(self, value, row=None, column: str = "", **kwargs):
        numbers = []
        for part in re.split(r"[,;\n]+", cell_text(value)):
            if part.strip():
                number = super().clean(part.strip(), column=column)
                if number not in numbers:
                    numbers.append(number)
        return numbers

    def render(self, value, obj=None, **kwargs):
        return ", ".join(value or ())

    def get(self, instance, attribute: str):
        if instance.pk is None:
            return []
        return [person.case_number for person in instance.persons.all()]

    def set(self, instance, attribute: str, value) -> None:
        instance.imported_persons = value


class YearWidget(SheetWidget):
    """A year of birth: the model's range (from 1900, not in the future), checked here."""

    checks_model_rules = True

    def clean(self, value, row=None, column: str = "", **kwargs):
        text = cell_text(value)
        if not text:
            return None
        today = kwargs.get("today") or timezone.localdate()
        if not re.fullmatch(r"\d{4}", text) or not EARLIEST_BIRTH_YEAR <= int(text) <= today.year:
            raise CellError(
                _(
                    "Could not read the year '%(value)s' in column %(column)s: write four "
                    "digits, from %(first)d to this year."
                )
                % {"value": _shown(text), "column": column, "first": EARLIEST_BIRTH_YEAR}
            )
        return int(text)


class ChoiceWidget(SheetWidget):
    """A vocabulary cell: the stored value or its label in any of the site's languages."""

    checks_model_rules = True

    def __init__(self, choices: type[models.TextChoices]):
        super().__init__()
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

    def clean(self, value, row=None, column: str = "", **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            return self.lookup()[_fold(text)]
        except KeyError:
            raise CellError(
                _("Unknown value '%(value)s' in column %(column)s: use one of %(choices)s.")
                % {
                    "value": _shown(text),
                    "column": column,
                    "choices": ", ".join(self.choices.values),
                }
            ) from None

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        key = (translation.get_language(), value)
        if key not in self._labels:
            try:
                self._labels[key] = str(self.choices(value).label)
            except ValueError:
                self._labels[key] = str(value)
        return self._labels[key]


class YesNoWidget(SheetWidget):
    checks_model_rules = True
    YES = {"yes", "y", "true", "1", "x", "+", "да", "д", "иә", "ия", "ие"}
    NO = {"no", "n", "false", "0", "-", "нет", "н", "жоқ", "жок"}

    def clean(self, value, row=None, column: str = "", **kwargs):
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
            % {"value": _shown(text), "column": column}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return gettext("yes") if value else gettext("no")


class ApproximateDate(NamedTuple):
    date: datetime.date
    precision: str


DATE_WITH_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
DATE_PATTERNS = [
    # 2018-03-12, 2018.03.12, 2018/03/12 (a time of 00:00 after it is ignored)
    (re.compile(rf"^(?P<y>\d{{4}})[-./](?P<m>\d{{1,2}})[-./](?P<d>\d{{1,2}}){DATE_WITH_TIME}$"),
     DatePrecision.DAY),
    # 12.03.2018: day first, with dots, as written in Kazakhstan
    (re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"), DatePrecision.DAY),
    (re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})$"), DatePrecision.MONTH),
    (re.compile(r"^(?P<m>\d{1,2})[-./](?P<y>\d{4})$"), DatePrecision.MONTH),
    (re.compile(r"^(?P<y>\d{4})$"), DatePrecision.YEAR),
]  # fmt: skip
EARLIEST_YEAR = 1900  # an earlier date is a typing mistake


def parse_approximate_date(value: Any) -> ApproximateDate | None:
    """'2018', '2018-03', '03.2018', '2018-03-12' or '12.03.2018' with its precision.

    None for an empty cell; ValueError if the text is no such date.
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return ApproximateDate(value, DatePrecision.DAY)
    text = cell_text(value)
    if not text:
        return None
    for pattern, precision in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            year = int(parts["y"])
            if year < EARLIEST_YEAR:
                break
            day = datetime.date(year, int(parts.get("m") or 1), int(parts.get("d") or 1))
            return ApproximateDate(day, precision)
    raise ValueError(text)


class ApproximateDateWidget(SheetWidget):
    """A date as precise as the family knows it, stored in `<field>` and `<field>_precision`."""

    precisions = (DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY)
    checks_model_rules = True
    unreadable = _(
        "Could not read the date '%(value)s' in column %(column)s: "
        "write 2018, 2018-03, 2018-03-12 or 12.03.2018."
    )

    def read(self, value, column: str) -> ApproximateDate | None:
        """The date in a cell, if written with one of the accepted precisions."""
        if not cell_text(value):
            return None
        try:
            parsed = parse_approximate_date(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.precision not in self.precisions:
            raise CellError(
                self.unreadable % {"value": _shown(cell_text(value)), "column": column}
            )
        return parsed

    def clean(self, value, row=None, column: str = "", **kwargs):
        parsed = self.read(value, column)
        today = kwargs.get("today") or timezone.localdate()
        if parsed and normalize_date(parsed.date, parsed.precision) > today:
            raise CellError(
                _("The date '%(value)s' in column %(column)s lies in the future.")
                % {"value": _shown(cell_text(value)), "column": column}
            )
        return parsed

    def render(self, value, obj=None, **kwargs):
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


class ExactDateWidget(ApproximateDateWidget):
    """A date known to the day (a petition's dates come from letters); may lie ahead."""

    precisions = (DatePrecision.DAY,)
    # Whether the date may lie ahead is the model's rule (a follow-up may, a submission not).
    checks_model_rules = False
    unreadable = _(
        "Could not read the date '%(value)s' in column %(column)s: "
        "write the exact day, 2018-03-12 or 12.03.2018."
    )

    def clean(self, value, row=None, column: str = "", **kwargs):
        # Whether it may lie ahead is the model's rule: its validators run in full_clean.
        parsed = self.read(value, column)
        return parsed.date if parsed else None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""

    def get(self, instance, attribute: str):
        return getattr(instance, attribute)

    def set(self, instance, attribute: str, value) -> None:
        setattr(instance, attribute, value)

    def model_fields(self, attribute: str) -> list[str]:
        return [attribute]


class ReferenceWidget(SheetWidget):
    """A row of a reference list (a place, an authority): its code or its name in any language.

    `prepare()` loads the whole list in one query before a sheet is read.
    """

    model: type[models.Model]
    name_fields: tuple[str, ...]
    checks_model_rules = True
    # Other names people write, as data: code → extra names.
    aliases: dict[str, tuple[str, ...]] = {}
    unknown = _("Unknown value '%(value)s' in column %(column)s.")

    def __init__(self):
        super().__init__()
        self._lookup: dict[str, models.Model] | None = None

    def prepare(self) -> None:
        lookup: dict[str, models.Model] = {}
        parts: dict[str, models.Model] = {}
        for obj in self.model.objects.all():
            names = [obj.code, *(getattr(obj, name) for name in self.name_fields)]
            names += self.aliases.get(obj.code, ())
            for name in filter(None, names):
                lookup.setdefault(_fold(name), obj)
                # "Hami (Kumul)": "Hami" and "Kumul" name it too.
                for part in re.split(r"[()/]", name):
                    if part.strip() and part.strip() != name:
                        parts.setdefault(_fold(part), obj)
        self._lookup = {**parts, **lookup}

    def clean(self, value, row=None, column: str = "", **kwargs):
        text = cell_text(value)
        if not text:
            return None
        if self._lookup is None:
            self.prepare()
        try:
            return self._lookup[_fold(text)]
        except KeyError:
            raise CellError(self.unknown % {"value": _shown(text), "column": column}) from None

    def render(self, value, obj=None, **kwargs):
        return str(value) if value else ""

    def get(self, instance, attribute: str):
        return getattr(instance, attribute) if getattr(instance, f"{attribute}_id") else None

    def choices(self) -> list[tuple[str, str]]:
        """(code, names) for the import page's list of accepted values."""
        return [
            (obj.code, " / ".join(filter(None, (getattr(obj, f) for f in self.name_fields))))
            for obj in self.model.objects.all()
        ]


class PlaceWidget(ReferenceWidget):
    model = Place
    name_fields = ("name_en", "name_kk", "name_ru", "name_zh")
    unknown = _(
        "Unknown place '%(value)s' in column %(column)s: write a place code or its name in "
        "Kazakh, Russian, English or Chinese (the import page lists them)."
    )


class AuthorityWidget(ReferenceWidget):
    model = Authority
    name_fields = ("name_en", "name_kk", "name_ru")
    aliases = {
        "president": ("Akorda", "Ақорда", "Акорда", "Президент"),
        "mfa": ("MFA", "МИД", "МИД РК", "СІМ", "ҚР СІМ"),
        "ombudsman": ("Ombudsman", "Омбудсмен"),
        "un_wgad": ("WGAD",),
        "un_wgeid": ("WGEID",),
        "ohchr": ("OHCHR", "УВКПЧ"),
    }
    unknown = _(
        "Unknown authority '%(value)s' in column %(column)s: write its code or its name in "
        "Kazakh, Russian or English (the import page lists them)."
    )


class PetitionersWidget(SheetWidget):
    """Names of relatives who signed, separated by semicolons or new lines."""

    def clean(self, value, row=None, column: str = "", **kwargs):
        return [name.strip() for name in re.split(r"[;\n]+", cell_text(value)) if name.strip()]

    def render(self, value, obj=None, **kwargs):
        return "; ".join(value or ())

    def get(self, instance, attribute: str):
        if instance.pk is None:
            return []
        return [relative.full_name for relative in instance.petitioners.all()]

    def set(self, instance, attribute: str, value) -> None:
        instance.imported_petitioners = value


# --- Columns and header aliases ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its canonical header, how a cell reads, where it is stored.

    `attribute` may be a dotted path ('relative.phone' on a Kinship). `aliases` are the other
    headers accepted for it (Russian, Kazakh, plain English); `example` fills the template.
    """

    name: str
    widget: SheetWidget
    attribute: str = ""
    aliases: tuple[str, ...] = ()
    example: str = ""
    contact: bool = False

    @functools.cached_property
    def path(self) -> list[str]:
        return (self.attribute or self.name).split(".")

    def target(self, instance):
        for step in self.path[:-1]:
            instance = getattr(instance, step)
        return instance

    def get(self, instance):
        return self.widget.get(self.target(instance), self.path[-1])

    def set(self, instance, value) -> None:
        self.widget.set(self.target(instance), self.path[-1], value)

    def render(self, instance) -> str:
        return self.widget.render(self.get(instance))

    @functools.cached_property
    def field_name(self) -> str:
        return self.path[-1]

    @property
    def checked_by_widget(self) -> bool:
        """Whether reading the cell already applies every rule of the model field."""
        return self.widget.checks_model_rules


def _norm_header(header: Any) -> str:
    """A header compared loosely: 'Аты-жөні', 'аты жөні' and 'АТЫ_ЖӨНІ:' are one."""
    text = cell_text(header).casefold().replace("ё", "е")
    return " ".join(re.sub(r"[\s_\-‐–.:/()№#*]+", " ", text).split())


PERSON_COLUMNS = [
    Column("case_number", CaseNumberWidget(),
           aliases=("case number", "case no", "номер дела", "№ дела", "іс нөмірі"),
           example=""),
    Column("full_name", TextWidget(),
           aliases=("full name", "name", "ФИО", "Аты-жөні", "Ф.И.О.", "полное имя",
                    "толық аты-жөні"),
           example=f"{EXAMPLE_MARKER} Айгүл Серікқызы (delete this row)"),
    Column("name_latin", TextWidget(),
           aliases=("name in latin", "latin name", "ФИО латиницей", "имя латиницей",
                    "латынша аты-жөні"),
           example="Aigul Serikkyzy"),
    Column("name_chinese", TextWidget(),
           aliases=("chinese name", "name in chinese", "имя по-китайски",
                    "имя на китайском", "қытайша аты-жөні"),
           example="艾古丽"),
    Column("other_names", TextWidget(),
           aliases=("other spellings", "другие написания", "басқа жазылуы"),
           example="Aygul Serikqyzy"),
    Column("gender", ChoiceWidget(Gender), aliases=("sex", "пол", "жынысы"), example="female"),
    Column("birth_year", YearWidget(),
           aliases=("year of birth", "born", "год рождения", "туған жылы"), example="1985"),
    Column("ethnicity", ChoiceWidget(Ethnicity),
           aliases=("национальность", "этническая принадлежность", "ұлты"), example="kazakh"),
    Column("citizenship", ChoiceWidget(DetainedPerson.Citizenship),
           aliases=("гражданство", "азаматтығы"), example="prc"),
    Column("home_place", PlaceWidget(),
           aliases=("home place", "place", "prefecture", "место", "округ", "префектура",
                    "мекені", "аймақ"),
           example="ili"),
    Column("status", ChoiceWidget(Status), aliases=("статус", "положение", "жағдайы"),
           example="barred_from_leaving"),
    Column("detained_on", ApproximateDateWidget(),
           aliases=("date detained", "detained", "detention date", "Дата задержания",
                    "задержан", "ұсталған күні"),
           example="2018-03"),
    Column("last_contact_on", ApproximateDateWidget(),
           aliases=("last contact", "последняя связь", "дата последней связи",
                    "соңғы байланыс", "соңғы байланыс күні"),
           example="2019"),
    Column("verification", ChoiceWidget(DetainedPerson.Verification),
           aliases=("проверка", "подтверждение", "тексеру", "растау"), example="reported"),
    Column("notes", TextWidget(),
           aliases=("примечания", "заметки", "комментарий", "ескертпе", "түсініктеме"),
           example="A made-up example: delete this row before importing."),
]  # fmt: skip

# A relative's columns are relative_<n>_<suffix>; they describe a Kinship and its Relative.
RELATIVE_COLUMNS = [
    Column("full_name", TextWidget(), "relative.full_name",
           aliases=("full name", "name", "ФИО", "имя", "Аты-жөні", "аты"),
           example="Серік Example"),
    Column("name_latin", TextWidget(), "relative.name_latin",
           aliases=("name in latin", "ФИО латиницей", "латынша аты-жөні"),
           example="Serik Example"),
    Column("relationship", ChoiceWidget(Kinship.Relationship),
           aliases=("родство", "кем приходится", "туыстығы", "кім болады"), example="spouse"),
    Column("citizenship", ChoiceWidget(Relative.Citizenship), "relative.citizenship",
           aliases=("гражданство", "азаматтығы"), example="kazakhstan"),
    Column("lives_in", ChoiceWidget(Relative.LivesIn), "relative.lives_in",
           aliases=("lives in", "где живет", "страна проживания", "тұратын елі"),
           example="kazakhstan"),
    Column("phone", TextWidget(), "relative.phone", aliases=("телефон", "тел"),
           example="8 700 000 00 00", contact=True),
    Column("email", TextWidget(), "relative.email",
           aliases=("e mail", "электронная почта", "почта", "электрондық пошта"),
           example="example@example.org", contact=True),
    Column("separated", YesNoWidget(),
           aliases=("разлучен", "разлучена", "разлучены", "бөлек", "бөлек қалған"),
           example="yes"),
]  # fmt: skip
RELATIONSHIP = next(c for c in RELATIVE_COLUMNS if c.name == "relationship")
RELATIVE_PREFIXES = ("relative", "родственник", "родственница", "туыс", "туысы", "туысқан")
TEMPLATE_RELATIVES = 3
MAX_RELATIVES = 20

PETITION_COLUMNS = [
    Column("petition_number", SheetWidget(), "pk",
           aliases=("petition", "number", "номер обращения", "өтініш нөмірі"), example=""),
    Column("case_numbers", CaseNumbersWidget(), "persons",
           aliases=("case number", "cases", "номера дел", "номер дела", "іс нөмірі",
                    "іс нөмірлері"),
           example="C-00001"),
    Column("authority", AuthorityWidget(),
           aliases=("addressee", "to", "адресат", "орган", "кому", "кімге"), example="mfa"),
    Column("channel", ChoiceWidget(Petition.Channel), aliases=("канал", "способ", "арна"),
           example="letter"),
    Column("submitted_on", ExactDateWidget(),
           aliases=("submitted", "date submitted", "дата подачи", "жіберілген күні"),
           example="2019-03-12"),
    Column("status", ChoiceWidget(PetitionStatus), aliases=("статус", "жағдайы"),
           example="submitted"),
    Column("our_reference", TextWidget(),
           aliases=("our reference", "наш номер", "біздің нөмір"),
           example=f"{EXAMPLE_MARKER} (delete this row)"),
    Column("their_reference", TextWidget(),
           aliases=("their reference", "входящий номер", "их номер", "олардың нөмірі"),
           example=""),
    Column("response_received_on", ExactDateWidget(),
           aliases=("answer received", "дата ответа", "жауап күні"), example=""),
    Column("response_kind", ChoiceWidget(Petition.ResponseKind),
           aliases=("kind of answer", "answer", "ответ", "вид ответа", "жауап"), example="none"),
    Column("response_summary", TextWidget(),
           aliases=("summary of the answer", "содержание ответа", "жауаптың мазмұны"),
           example=""),
    Column("follow_up_on", ExactDateWidget(),
           aliases=("follow up", "напомнить", "контроль", "қайта тексеру"), example=""),
    Column("petitioners", PetitionersWidget(),
           aliases=("заявители", "от кого", "өтініш берушілер"), example="Серік Example"),
    Column("organisation", TextWidget(), aliases=("organization", "организация", "ұйым"),
           example=""),
    Column("notes", TextWidget(), aliases=("примечания", "ескертпе"), example=""),
]  # fmt: skip


@dataclass
class HeaderMap:
    """Which column of the file holds which canonical column."""

    columns: dict[int, Column]  # file position → column
    relatives: dict[int, tuple[int, Column]]  # file position → (relative number, column)
    notices: list[str] = field(default_factory=list)

    def read(self, cells: list) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
        """A row's cells by canonical name, and its relatives' cells by number and suffix."""
        values = {column.name: cells[i] for i, column in self.columns.items()}
        relatives: dict[int, dict[str, Any]] = {}
        for i, (number, column) in self.relatives.items():
            relatives.setdefault(number, {})[column.name] = cells[i]
        return values, relatives


@dataclass(frozen=True)
class SheetSpec:
    """What one kind of sheet holds: its columns, which are required, and relatives' columns.

    A sheet with the `key` column (case_number, petition_number) may update existing records
    only, so it needs none of the `required` columns.
    """

    columns: list[Column]
    required: tuple[str, ...]
    key: str
    relative_columns: list[Column] = field(default_factory=list)

    def _alias_table(self, columns: Iterable[Column]) -> dict[str, Column]:
        table = {}
        for column in columns:
            for alias in (column.name, *column.aliases):
                table.setdefault(_norm_header(alias), column)
        return table

    def map_headers(self, headers: list) -> HeaderMap:
        own = self._alias_table(self.columns)
        relative = self._alias_table(self.relative_columns)
        prefixes = "|".join(re.escape(p) for p in RELATIVE_PREFIXES)
        relative_header = re.compile(rf"^(?:{prefixes}) ?(\d{{1,2}}) (.+)$")
        result = HeaderMap({}, {})
        seen: dict[str, str] = {}
        unknown = []
        for i, header in enumerate(headers):
            key = _norm_header(header)
            if not key:
                continue
            column, number = own.get(key), 0
            match = relative_header.match(key) if column is None and relative else None
            if match and match[2] in relative and 1 <= int(match[1]) <= MAX_RELATIVES:
                number, column = int(match[1]), relative[match[2]]
            if column is None:
                unknown.append(cell_text(header))
                continue
            canonical = f"relative_{number}_{column.name}" if number else column.name
            if canonical in seen:
                raise SheetError(
                    _("Two columns mean %(column)s: '%(first)s' and '%(second)s'. Keep one.")
                    % {
                        "column": canonical,
                        "first": _shown(seen[canonical]),
                        "second": _shown(cell_text(header)),
                    }
                )
            seen[canonical] = cell_text(header)
            if number:
                result.relatives[i] = (number, column)
            else:
                result.columns[i] = column
        for name in self.required:
            if name not in seen and self.key not in seen:
                aliases = [a for a in self.column(name).aliases if not a.isascii()][:2]
                raise SheetError(
                    _(
                        "The sheet has no column %(column)s (or %(aliases)s). The first row "
                        "must hold the column names: download the template to see them."
                    )
                    % {"column": name, "aliases": " / ".join(aliases)}
                )
        if unknown:
            result.notices.append(
                gettext("These columns are not known and were left out: %(columns)s.")
                % {"columns": ", ".join(f"'{_shown(h)}'" for h in unknown)}
            )
        return result

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def template_headers(self) -> list[str]:
        headers = [column.name for column in self.columns]
        for number in range(1, TEMPLATE_RELATIVES + 1):
            headers += [f"relative_{number}_{c.name}" for c in self.relative_columns]
        return headers

    def template_example(self) -> list[str]:
        row = [column.example for column in self.columns]
        for number in range(1, TEMPLATE_RELATIVES + 1):
            row += [c.example if number == 1 else "" for c in self.relative_columns]
        return row

    def alias_rows(self) -> list[tuple[str, str]]:
        """(column, other accepted headers) for the import page."""
        rows = [(c.name, ", ".join(c.aliases)) for c in self.columns]
        for c in self.relative_columns:
            rows.append((f"relative_N_{c.name}", ", ".join(f"… N {a}" for a in c.aliases)))
        return rows


PERSON_SHEET = SheetSpec(
    PERSON_COLUMNS, required=("full_name",), key="case_number", relative_columns=RELATIVE_COLUMNS
)
PETITION_SHEET = SheetSpec(
    PETITION_COLUMNS, required=("case_numbers", "authority"), key="petition_number"
)


# --- Reading a file ------------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: list
    rows: list[tuple[int, list]]  # (spreadsheet row number, cells), the header being row 1
    notices: list[str] = field(default_factory=list)


XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) format
UNREADABLE = _(
    "This file is not a spreadsheet that can be read here: save it as CSV (UTF-8) or as an "
    "Excel workbook (.xlsx) and upload it again."
)


def read_sheet(data: bytes, file_name: str = "") -> Sheet:
    """The header and rows of a CSV or XLSX file, or a SheetError saying why it can't be read."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise SheetError(
            _("The file is larger than %(mb)d MB: split it into smaller files.")
            % {"mb": limit // (1024 * 1024)}
        )
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SheetError(_("The file is empty."))
    notices: list[str] = []
    if data.startswith(XLSX_MAGIC):
        rows = _xlsx_rows(data, limit)
    elif data.startswith(OLE_MAGIC):
        raise SheetError(
            _("This is an old Excel file (.xls): save it as .xlsx or as CSV and upload it again.")
        )
    elif file_name.lower().endswith((".xlsx", ".xlsm")):
        raise SheetError(_("This file is not a valid Excel workbook (.xlsx)."))
    else:
        rows = _csv_rows(_decode(data, notices))
    return _sheet(rows, notices)


def _sheet(rows: Iterable[list], notices: list[str]) -> Sheet:
    rows = iter(rows)
    headers = next(rows, None)
    if not headers or not any(cell_text(h) for h in headers):
        raise SheetError(
            _("The first row must hold the column names: download the template to see them.")
        )
    width = len(headers)
    last_row = max_rows() + 1
    body = []
    for number, cells in enumerate(rows, start=2):
        cells = list(cells[:width]) + [None] * (width - len(cells))
        first = next((i for i, cell in enumerate(cells) if cell_text(cell)), None)
        # Blank rows below the limit are let through as long as a full sheet would take: a
        # file of blank lines would otherwise keep the server busy (10 MB of them: 15 s).
        if number > last_row and (first is not None or number > 2 * last_row):
            raise _beyond_limits(_cell_name(number, (first or 0) + 1), number)
        if first is not None:
            body.append((number, cells))
    if not body:
        raise SheetError(_("The sheet has column names but no rows to import."))
    return Sheet(list(headers), body, notices)


def _decode(data: bytes, notices: list[str]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SheetError(UNREADABLE) from None
    if b"\x00" in data:
        raise SheetError(UNREADABLE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise SheetError(UNREADABLE) from None
        notices.append(
            gettext(
                "The file is not in UTF-8; it was read as Windows Cyrillic (cp1251). Check "
                "below that the names look right before you confirm."
            )
        )
    sample = text[:65536]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\r\n")
    if controls > len(sample) / 100:
        raise SheetError(UNREADABLE)
    return text


def _csv_rows(text: str) -> Iterable[list]:
    first_line = text.split("\n", 1)[0]
    # Excel in Russian or Kazakh saves CSV with semicolons.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = max_columns()
    number = 0
    try:
        for row in reader:
            number += 1
            # Empty cells to the right are what Excel writes for a wider used range: left out.
            if len(row) > columns and "".join(row[columns:]).strip():
                first = next(i for i, cell in enumerate(row) if i >= columns and cell.strip())
                raise _beyond_limits(_cell_name(number, first + 1), number)
            yield row[:columns]
    except csv.Error:
        raise SheetError(
            _(
                "Could not read the CSV file at row %(row)d: a cell is too long or its quotes "
                "are not closed."
            )
            % {"row": number + 1}
        ) from None


def _xlsx_rows(data: bytes, limit: int) -> list[list]:
    """The first sheet's rows, from A1, empty rows kept so that row numbers match Excel's;
    a cell beyond the limits is refused before the grid is built (cases/workbooks.py)."""
    limits = workbooks.Limits(
        rows=max_rows() + 1, columns=max_columns(), unpacked_bytes=20 * limit
    )
    try:
        return workbooks.first_sheet_rows(data, limits)
    except workbooks.CellBeyondLimits as error:
        raise _beyond_limits(error.reference, error.row) from None
    except workbooks.TooLargeUnpacked:
        raise SheetError(
            _("The workbook is too large once unpacked: split it into smaller files.")
        ) from None
    except workbooks.UnplacedCell:
        raise SheetError(
            _(
                "This workbook was written by a program that leaves out where its cells stand: "
                "open it in Excel or LibreOffice, save it as .xlsx and upload it again."
            )
        ) from None
    except workbooks.NotAWorkbook as error:
        logger.info("An uploaded workbook could not be read: %s", error)
        raise SheetError(_("This file is not a valid Excel workbook (.xlsx).")) from None


def _cell_name(row: int, column: int) -> str:
    # Past ZZZ (a CSV row of 18,278 cells) the name stays at ZZZ: still beyond the limit.
    return f"{get_column_letter(min(column, 18278))}{row}"


def _beyond_limits(cell: str, row: int) -> SheetError:
    """The whole sheet is refused for one cell too far down or right: nothing is read past
    the limits, so memory and time stay bounded whatever the file declares."""
    if row > max_rows() + 1:
        return SheetError(
            _(
                "The sheet goes on beyond row %(last)d (cell %(cell)s): at most %(max)d rows "
                "are imported at once. Split it into several files, or delete what lies below."
            )
            % {"last": max_rows() + 1, "cell": cell, "max": max_rows()}
        )
    return SheetError(
        _(
            "The sheet goes on beyond column %(last)s (cell %(cell)s): at most %(max)d columns "
            "are imported. Delete the columns that are not needed."
        )
        % {"last": get_column_letter(max_columns()), "cell": cell, "max": max_columns()}
    )


# --- The report of an import ---------------------------------------------------------------------


@dataclass
class RowError:
    row: int | None  # None: the file as a whole
    message: str


@dataclass
class RowChange:
    """What confirming will do with one row."""

    row: int
    action: str  # "new", "update" or "unchanged"
    label: str
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    written: bool = False
    relatives_added: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count("new")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.row is None]

    @property
    def row_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.row is not None]


# --- Importing -----------------------------------------------------------------------------------


def _validation_messages(
    error: ValidationError, columns: dict[str, str], model: type[models.Model]
) -> list[str]:
    """full_clean's errors, each named by its column (or the field's name if not in the sheet)."""
    out = []
    for name, messages_ in error.message_dict.items():
        if name in columns:
            label = columns[name]
        elif name == "__all__":
            label = ""
        else:
            label = str(model._meta.get_field(name).verbose_name)
        out += [f"{label}: {message}" if label else message for message in messages_]
    return out


def _full_clean(instance: models.Model, validate: set[str]) -> ValidationError | None:
    """The model's validation of the fields in `validate`, and its clean() across fields.

    Like an admin form, which validates only its own fields: here, those a row changed whose
    widget did not already apply the field's rules. (A vocabulary, a place found in the list
    loaded for the sheet, a date checked against today: checking them again would cost a query
    or a time zone lookup per row.) Constraints are left to the database for the same reason;
    the validators and clean() enforce the same rules (birth year, dates in order).
    """
    exclude = [f.name for f in instance._meta.fields if f.name not in validate]
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return error
    return None


@dataclass
class CellsRead:
    changed: set[str]  # model fields given a new value
    failed: set[str]  # model fields whose cell could not be read
    to_validate: set[str]  # changed fields that full_clean must still check


@dataclass
class _RowPlan:
    number: int
    instance: Any
    new: bool
    changed: set[str] = field(default_factory=set)
    related: list[Any] = field(default_factory=list)  # persons: (kinship, is new, changed)


class SheetImport:
    """Reads a sheet, plans every row, and writes all of it or nothing."""

    spec: SheetSpec
    model: type[models.Model]

    def __init__(self, user=None, file_name: str = ""):
        self.user = user
        self.file_name = file_name
        self.now = timezone.now()
        self.today = timezone.localdate()

    @property
    def change_reason(self) -> str:
        reason = gettext("Imported from %(file)s") % {"file": self.file_name or gettext("a sheet")}
        return reason[:100]

    def run(self, data: bytes, *, dry_run: bool = True) -> ImportReport:
        with _garbage_collector_paused():
            return self._run(data, dry_run)

    def _run(self, data: bytes, dry_run: bool) -> ImportReport:
        report = ImportReport()
        try:
            sheet = read_sheet(data, self.file_name)
            headers = self.spec.map_headers(sheet.headers)
        except SheetError as error:
            report.errors.append(RowError(None, error.message))
            return report
        report.notices += sheet.notices + headers.notices
        rows = [(number, *headers.read(cells)) for number, cells in sheet.rows]
        self.prepare(rows)
        plans = []
        for number, values, relatives in rows:
            errors: list[str] = []
            plan = self.plan(number, values, relatives, errors)
            report.errors += [RowError(number, message) for message in errors]
            if plan and not errors:
                change = self.describe(plan)
                report.rows.append(change)
                if change.action != "unchanged":
                    plans.append(plan)
        if report.errors or dry_run:
            return report
        try:
            with transaction.atomic():
                self.write(plans, report)
        except DatabaseError as error:
            logger.warning("A spreadsheet import failed and was rolled back: %s", type(error))
            report.errors.append(
                RowError(
                    None,
                    gettext(
                        "The database refused the import, so nothing was saved. Someone may "
                        "have changed the same cases meanwhile: upload the file again."
                    ),
                )
            )
            return report
        report.written = True
        return report

    def read_cells(
        self,
        instance,
        values: dict,
        columns: Iterable[Column],
        errors: list[str],
        prefix: str = "",
    ) -> "CellsRead":
        """Set each non-empty cell on the instance; say which fields changed, failed or need
        the model's own validation."""
        read = CellsRead(set(), set(), set())
        for column in columns:
            raw = values.get(column.name)
            if not cell_text(raw):
                continue
            try:
                value = column.widget.clean(raw, column=prefix + column.name, today=self.today)
            except CellError as error:
                errors.append(str(error))
                read.failed.add(column.field_name)
                continue
            if column.get(instance) != value:
                column.set(instance, value)
                read.changed.update(column.widget.model_fields(column.field_name))
                if not column.checked_by_widget:
                    read.to_validate.add(column.field_name)
        return read

    def prepare(self, rows: list) -> None:
        """Load what the rows refer to, in a few queries for the whole sheet."""

    def plan(self, number: int, values: dict, relatives: dict, errors: list[str]):
        raise NotImplementedError

    def describe(self, plan: _RowPlan) -> RowChange:
        raise NotImplementedError

    def write(self, plans: list[_RowPlan], report: ImportReport) -> None:
        raise NotImplementedError

    # Writing. On PostgreSQL new rows go in with COPY, their ids reserved from the sequence
    # first: for 10,000 persons with relatives and history that is several times faster than
    # bulk_create, whose per-value overhead dominates. Elsewhere bulk_create, which returns ids.

    def _create(self, model: type[models.Model], objs: list) -> None:
        """Insert new rows and their history records."""
        _reserve_ids(model, objs)
        self._insert(model, objs)
        self._record_history(model, objs, "+")

    def _insert(self, model: type[models.Model], objs: list) -> None:
        for obj in objs:
            obj.created_at = obj.updated_at = self.now
        if objs and _uses_copy():
            _copy(model._meta.db_table, model._meta.concrete_fields, objs)
        else:
            model.objects.bulk_create(objs, batch_size=BATCH_SIZE)

    def _update(self, model: type[models.Model], objs: list, fields: set[str]) -> None:
        if not objs:
            return
        for obj in objs:
            obj.updated_at = self.now
        model.objects.bulk_update(objs, sorted(fields | {"updated_at"}), batch_size=BATCH_SIZE)
        self._record_history(model, objs, "~")

    def _record_history(self, model: type[models.Model], objs: list, history_type: str) -> None:
        """What simple_history's bulk_history_create writes: a record per row, by this user."""
        if not objs:
            return
        history = model.history.model
        record = {
            "history_date": self.now,
            "history_change_reason": self.change_reason,
            "history_type": history_type,
            "history_user_id": self.user.pk if self.user else None,
        }
        fields = {f.attname: f for f in history._meta.concrete_fields if not f.primary_key}
        tracked = [fields.pop(f.attname) for f in history.tracked_fields]
        if _uses_copy() and set(fields) == set(record):
            same = tuple(record[name] for name in fields)
            _copy(history._meta.db_table, tracked + list(fields.values()), objs, same)
            return
        model.history.bulk_history_create(
            objs, batch_size=BATCH_SIZE, update=history_type == "~", default_user=self.user,
            default_change_reason=self.change_reason, default_date=self.now,
        )  # fmt: skip


@contextlib.contextmanager
def _garbage_collector_paused():
    """Tens of thousands of new model instances set off Python's cycle collector again and
    again, each time walking them all (a fifth of the import's time); they hold no cycles that
    need it meanwhile, and it runs as usual once the import is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _uses_copy() -> bool:
    return connection.vendor == "postgresql"


def _reserve_ids(model: type[models.Model], objs: list) -> None:
    """Give new rows their ids before the insert (PostgreSQL; elsewhere the insert does)."""
    if not objs or not _uses_copy():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk


def _copy(table: str, fields: list, objs: list, same: tuple = ()) -> None:
    """COPY `objs` into `table`, a row each: the objects' attributes for the first fields, then
    the values in `same`, the same in every row."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = operator.attrgetter(*(f.attname for f in fields[: len(fields) - len(same)]))
    sql = f"COPY {quote(table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row(values(obj) + same)


def _example_row(value: Any) -> bool:
    return cell_text(value).startswith(EXAMPLE_MARKER)


EXAMPLE_ROW = _("This is the template's example row: delete it before importing.")


class PersonImport(SheetImport):
    """Persons, one a row, each with the relatives in its relative_<n>_… columns.

    A case number names an existing case to update (empty cells leave its values as they are;
    relatives are matched by name and added if new); no case number creates a case.
    """

    spec = PERSON_SHEET
    model = DetainedPerson

    def prepare(self, rows: list) -> None:
        PERSON_SHEET.column("home_place").widget.prepare()  # every place, one query
        numbers = set()
        for _number, values, _relatives in rows:
            with contextlib.suppress(CellError):  # the row's own check reports it
                numbers.add(CaseNumberWidget().clean(values.get("case_number")))
        numbers.discard("")
        kinships = Kinship.objects.select_related("relative").order_by("pk")
        self.existing = {
            person.case_number: person
            for person in DetainedPerson.objects.filter(case_number__in=numbers).prefetch_related(
                Prefetch("kinships", kinships)
            )
        }
        self.seen: dict[str, int] = {}
        self.may_verify = self.user is None or self.user.has_perm(f"cases.{VERIFY_CASES}")
        self.person_columns = {c.field_name: c.name for c in PERSON_COLUMNS}

    def plan(self, number, values, relatives, errors):
        if _example_row(values.get("full_name")):
            errors.append(str(EXAMPLE_ROW))
            return None
        updates = bool(cell_text(values.get("case_number")))
        person = self._person(number, values.get("case_number"), errors)
        columns = [c for c in PERSON_COLUMNS if c.name != "case_number"]
        read = self.read_cells(person, values, columns, errors)
        if not updates and not person.full_name:
            errors.append(
                gettext("The full name is missing (column full_name): every person needs one.")
            )
        if "verification" in read.changed and not self.may_verify:
            errors.append(
                gettext(
                    "Only a coordinator may change the verification: leave the column "
                    "verification empty."
                )
            )
        invalid = _full_clean(person, read.to_validate)
        if invalid:
            errors += _validation_messages(invalid, self.person_columns, DetainedPerson)
        plan = _RowPlan(number, person, new=not updates, changed=read.changed)
        for relative_number, cells in sorted(relatives.items()):
            if any(cell_text(value) for value in cells.values()):
                self.plan_relative(plan, relative_number, cells, errors)
        return plan

    def _person(self, number: int, cell, errors: list[str]) -> DetainedPerson:
        """The case the row updates, or a new one. A new one also stands in for a case that
        cannot be found, so that the row's other cells are still checked."""
        try:
            case_number = CaseNumberWidget().clean(cell, column="case_number")
        except CellError as error:
            errors.append(str(error))
            return DetainedPerson()
        if not case_number:
            return DetainedPerson()
        person = self.existing.get(case_number)
        if person is None:
            errors.append(
                _(
                    "There is no case %(case)s (column case_number): leave it empty to create "
                    "a new case."
                )
                % {"case": case_number}
            )
            return DetainedPerson()
        if case_number in self.seen:
            errors.append(
                _("Case %(case)s is also in row %(row)d: give each case one row.")
                % {"case": case_number, "row": self.seen[case_number]}
            )
            return DetainedPerson()
        self.seen[case_number] = number
        person.before = {c.name: c.render(person) for c in PERSON_COLUMNS}
        return person

    def plan_relative(self, plan: _RowPlan, number: int, cells: dict, errors: list[str]) -> None:
        prefix = f"relative_{number}_"
        name = cell_text(cells.get("full_name"))
        kinship = (
            None if plan.instance.pk is None or not name else self._kin_named(plan.instance, name)
        )
        new = kinship is None
        if new:
            kinship = Kinship(person=plan.instance, relative=Relative())
        else:
            # The name found the relative, perhaps in another spelling: it stays as it is.
            cells = {**cells, "full_name": ""}
        cells = self._refuse_blind_contact_cells(kinship.relative, number, cells, errors)
        read = self.read_cells(kinship, cells, RELATIVE_COLUMNS, errors, prefix)
        if not name:
            errors.append(
                _("Relative %(n)d has details but no name (column %(column)s).")
                % {"n": number, "column": prefix + "full_name"}
            )
        columns = {c.field_name: prefix + c.name for c in RELATIVE_COLUMNS}
        for instance in (kinship.relative, kinship):
            invalid = _full_clean(instance, read.to_validate)
            if invalid:
                errors += _validation_messages(invalid, columns, type(instance))
        if new or read.changed:
            plan.related.append((kinship, new, read.changed))

    def _refuse_blind_contact_cells(
        self, relative: Relative, number: int, cells: dict, errors: list[str]
    ) -> dict:
        """The relative's cells without its contact details if the user may not enter them
        (cases.contact_access): the row is refused whatever their values, before they are
        compared with the recorded ones, so the preview never says whether a guess was right."""
        if self.user is None or may_enter_contact_details(self.user, relative):
            return cells
        filled = [c.name for c in RELATIVE_COLUMNS if c.contact and cell_text(cells.get(c.name))]
        if filled:
            errors.append(
                gettext(
                    "Relative %(n)d: only users allowed to see relatives' contact details may "
                    "set or change those of a relative already recorded; leave %(columns)s empty."
                )
                % {"n": number, "columns": ", ".join(f"relative_{number}_{n}" for n in filled)}
            )
        return {**cells, **dict.fromkeys(filled, "")}

    def _kin_named(self, person: DetainedPerson, name: str) -> Kinship | None:
        key = name_key(name)
        for kinship in person.kinships.all():
            relative = kinship.relative
            if key in (name_key(relative.full_name), name_key(relative.name_latin)):
                return kinship
        return None

    def describe(self, plan: _RowPlan) -> RowChange:
        person = plan.instance
        changes = []
        if not plan.new:
            for column in PERSON_COLUMNS:
                before, after = person.before[column.name], column.render(person)
                if before != after:
                    changes.append(f"{column.name}: {before or '—'} → {after or '—'}")
        for kinship, new, changed in plan.related:
            relationship = RELATIONSHIP.render(kinship)
            if new:
                changes.append(
                    gettext("new relative: %(name)s (%(relationship)s)")
                    % {"name": kinship.relative.full_name, "relationship": relationship}
                )
            else:
                # Names of the changed columns only: contact details are not shown here.
                changes.append(
                    gettext("relative %(name)s: %(fields)s changed")
                    % {"name": kinship.relative.full_name, "fields": ", ".join(sorted(changed))}
                )
        action = "new" if plan.new else "update" if changes else "unchanged"
        label = (
            f"{person.case_number} {person.full_name}" if person.case_number else person.full_name
        )
        return RowChange(plan.number, action, label, changes)

    def write(self, plans: list[_RowPlan], report: ImportReport) -> None:
        for plan in plans:
            person = plan.instance
            person.name_key = combined_name_key(
                person.full_name, person.name_latin, person.name_chinese, person.other_names
            )
        new = [plan.instance for plan in plans if plan.new]
        # Case numbers come from the ids, as DetainedPerson.save gives them: known before the
        # insert where ids are reserved, assigned in one update after it elsewhere.
        _reserve_ids(DetainedPerson, new)
        for person in new:
            if person.pk:
                person.case_number = DetainedPerson.case_number_for(person.pk)
        self._insert(DetainedPerson, new)
        if new and not new[0].case_number:
            DetainedPerson.objects.assign_case_numbers()
            for person in new:
                person.case_number = DetainedPerson.case_number_for(person.pk)
        self._record_history(DetainedPerson, new, "+")
        changed = [plan for plan in plans if not plan.new and plan.changed]
        fields = set().union(*(plan.changed for plan in changed), {"name_key"})
        self._update(DetainedPerson, [plan.instance for plan in changed], fields)

        related = [item for plan in plans for item in plan.related]
        for kinship, _new, _changed in related:
            relative = kinship.relative
            relative.name_key = combined_name_key(relative.full_name, relative.name_latin)
        new_kin = [kinship for kinship, new, _changed in related if new]
        self._create(Relative, [kinship.relative for kinship in new_kin])
        for kinship in new_kin:
            kinship.person_id, kinship.relative_id = kinship.person.pk, kinship.relative.pk
        self._create(Kinship, new_kin)
        report.relatives_added = len(new_kin)
        old = [(k, c) for k, new, c in related if not new]
        relative_fields = {c.field_name for c in RELATIVE_COLUMNS if c.attribute}
        kinship_fields = {c.field_name for c in RELATIVE_COLUMNS if not c.attribute}
        changed_relatives = [k.relative for k, c in old if c & relative_fields]
        changed_kinships = [k for k, c in old if c & kinship_fields]
        fields = set().union(*(c for _k, c in old))
        self._update(Relative, changed_relatives, (fields & relative_fields) | {"name_key"})
        self._update(Kinship, changed_kinships, fields & kinship_fields)
        # Written in bulk, without save signals: count what changed for the public statistics.
        tallies.refresh(
            persons=[plan.instance.pk for plan in plans],
            relatives=[kinship.relative_id for kinship, _new, _changed in related],
        )


class PetitionImport(SheetImport):
    """Petitions, one a row, for the persons its case numbers name.

    A petition number (#12 or 12) names an existing petition to update; empty cells leave its
    values as they are. Each petition is saved through Petition.save, so its timeline records
    the status with the importing user.
    """

    spec = PETITION_SHEET
    model = Petition

    def prepare(self, rows: list) -> None:
        PETITION_SHEET.column("authority").widget.prepare()  # every authority, one query
        numbers, petition_ids = set(), set()
        for _number, values, _relatives in rows:
            with contextlib.suppress(CellError):  # the row's own check reports it
                numbers.update(CaseNumbersWidget().clean(values.get("case_numbers")))
            petition_ids.add(self._petition_id(values.get("petition_number")))
        self.persons = {
            person.case_number: person
            for person in DetainedPerson.objects.filter(case_number__in=numbers).prefetch_related(
                Prefetch("kinships", Kinship.objects.select_related("relative"))
            )
        }
        self.petitions = Petition.objects.prefetch_related("persons", "petitioners").in_bulk(
            [pk for pk in petition_ids if pk]
        )
        self.columns = {c.field_name: c.name for c in PETITION_COLUMNS}
        self.seen: dict[int, int] = {}

    @staticmethod
    def _petition_id(value) -> int | None:
        match = re.fullmatch(r"#?\s*(\d{1,12})", cell_text(value))
        return int(match[1]) if match else None

    def plan(self, number, values, relatives, errors):
        if _example_row(values.get("our_reference")):
            errors.append(str(EXAMPLE_ROW))
            return None
        petition = self._petition(number, values.get("petition_number"), errors)
        if petition is None:
            return None
        new = petition.pk is None
        columns = [c for c in PETITION_COLUMNS if c.name != "petition_number"]
        read = self.read_cells(petition, values, columns, errors)
        if new and not cell_text(values.get("status")) and petition.submitted_on:
            petition.status = PetitionStatus.SUBMITTED
        persons = self._persons(petition, new, errors)
        if new and not persons and "persons" not in read.failed:
            errors.append(
                gettext("No case numbers (column case_numbers): name at least one case.")
            )
        if new and not cell_text(values.get("authority")):
            errors.append(gettext("The authority is missing (column authority)."))
        petitioners = self._petitioners(petition, persons, errors)
        invalid = _full_clean(petition, read.to_validate)
        if invalid:
            errors += _validation_messages(invalid, self.columns, Petition)
        petition.import_persons, petition.import_petitioners = persons, petitioners
        return _RowPlan(number, petition, new=new, changed=read.changed)

    def _petition(self, number: int, value, errors: list[str]) -> Petition | None:
        if not cell_text(value):
            return Petition()
        pk = self._petition_id(value)
        petition = self.petitions.get(pk) if pk else None
        if petition is None:
            errors.append(
                _(
                    "There is no petition '%(value)s' (column petition_number): leave it empty "
                    "to add a new petition."
                )
                % {"value": _shown(cell_text(value))}
            )
        elif pk in self.seen:
            errors.append(
                _("Petition #%(number)d is also in row %(row)d: give each petition one row.")
                % {"number": pk, "row": self.seen[pk]}
            )
            return None
        else:
            self.seen[pk] = number
            petition.before = {c.name: c.render(petition) for c in PETITION_COLUMNS}
        return petition

    def _persons(self, petition: Petition, new: bool, errors: list[str]) -> list:
        numbers = getattr(petition, "imported_persons", None)
        if numbers is None:
            return [] if new else list(petition.persons.all())
        missing = [n for n in numbers if n not in self.persons]
        if missing:
            errors.append(
                _("There is no case %(cases)s (column case_numbers): enter the person first.")
                % {"cases": ", ".join(missing)}
            )
        return [self.persons[n] for n in numbers if n in self.persons]

    def _petitioners(self, petition: Petition, persons: list, errors: list[str]) -> list:
        names = getattr(petition, "imported_petitioners", None)
        if names is None:
            return None if petition.pk else []
        kin = {}
        for person in persons:
            for kinship in person.kinships.all():
                for spelling in (kinship.relative.full_name, kinship.relative.name_latin):
                    if spelling:
                        kin.setdefault(name_key(spelling), kinship.relative)
        found = []
        for name in names:
            relative = kin.get(name_key(name))
            if relative is None:
                errors.append(
                    _(
                        "%(name)s (column petitioners) is not a relative of the cases named in "
                        "case_numbers: add the relative to the case first, or leave it out."
                    )
                    % {"name": _shown(name)}
                )
            elif relative not in found:
                found.append(relative)
        return found

    def describe(self, plan: _RowPlan) -> RowChange:
        petition = plan.instance
        persons = ", ".join(p.case_number for p in petition.import_persons)
        label = f"{petition.authority} — {persons}" if petition.authority_id else persons
        if plan.new:
            return RowChange(plan.number, "new", label)
        label = f"#{petition.pk} {label}"
        changes = []
        for column in PETITION_COLUMNS:
            if column.name in ("case_numbers", "petitioners"):
                continue
            before, after = petition.before[column.name], column.render(petition)
            if before != after:
                changes.append(f"{column.name}: {before or '—'} → {after or '—'}")
        if {p.pk for p in petition.import_persons} != {p.pk for p in petition.persons.all()}:
            changes.append(f"case_numbers: {petition.before['case_numbers']} → {persons}")
        petitioners = petition.import_petitioners
        if petitioners is not None and set(petitioners) != set(petition.petitioners.all()):
            names = "; ".join(r.full_name for r in petitioners)
            changes.append(f"petitioners: {petition.before['petitioners'] or '—'} → {names}")
        return RowChange(plan.number, "update" if changes else "unchanged", label, changes)

    def write(self, plans: list[_RowPlan], report: ImportReport) -> None:
        for plan in plans:
            petition = plan.instance
            petition.changed_by = self.user
            petition._history_user = self.user
            petition._change_reason = self.change_reason
            petition.save()
            petition.persons.set(petition.import_persons)
            if petition.import_petitioners is not None:
                petition.petitioners.set(petition.import_petitioners)


def import_persons(data: bytes, *, user=None, dry_run: bool = True, file_name: str = ""):
    """Read a persons sheet; write it (all rows or none) unless `dry_run`. Returns the report."""
    return PersonImport(user, file_name).run(data, dry_run=dry_run)


def import_petitions(data: bytes, *, user=None, dry_run: bool = True, file_name: str = ""):
    """Read a petitions sheet; write it (all rows or none) unless `dry_run`. Returns the report."""
    return PetitionImport(user, file_name).run(data, dry_run=dry_run)


# --- Export resources: the same columns, out of the database -------------------------------------


def _column_field(column: Column) -> Field:
    return Field(column_name=column.name, dehydrate_method=column.render)


class PersonResource(SafeResource):
    """Persons, with their relatives in relative_<n>_… columns, as the import reads them."""

    display_name = _("detained persons with their relatives")

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__(show_contacts)
        self.fields = {c.name: _column_field(c) for c in PERSON_COLUMNS}
        self.add_relative_columns(TEMPLATE_RELATIVES)

    def add_relative_columns(self, count: int) -> None:
        for number in range(1, count + 1):
            for column in RELATIVE_COLUMNS:
                if column.contact and not self.show_contacts:
                    continue
                name = f"relative_{number}_{column.name}"
                self.fields[name] = Field(
                    column_name=name, dehydrate_method=self._relative_value(number, column)
                )

    @staticmethod
    def _relative_value(number: int, column: Column) -> Callable:
        def value(person):
            kinships = person.export_kinships
            return column.render(kinships[number - 1]) if len(kinships) >= number else ""

        return value

    def before_export(self, queryset, **kwargs):
        # As many relatives' columns as the person with the most relatives needs.
        most = (
            Kinship.objects.filter(person__in=queryset.values("pk"))
            .values("person")
            .annotate(n=Count("pk"))
            .aggregate(most=Max("n"))["most"]
        )
        self.add_relative_columns(max(most or 0, TEMPLATE_RELATIVES))

    def filter_export(self, queryset, **kwargs):
        kinships = Kinship.objects.select_related("relative").order_by("pk")
        # An attribute of its own: the admin's queryset may prefetch "kinships" differently.
        return queryset.select_related("home_place").prefetch_related(
            Prefetch("kinships", kinships, to_attr="export_kinships")
        )


class PetitionResource(SafeResource):
    """Petitions, as the import reads them."""

    display_name = _("petitions")

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__(show_contacts)
        self.fields = {c.name: _column_field(c) for c in PETITION_COLUMNS}

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("authority").prefetch_related("persons", "petitioners")


RELATIVE_EXPORT_COLUMNS = [
    Column("full_name", TextWidget()),
    Column("name_latin", TextWidget()),
    Column("birth_year", YearWidget()),
    Column("citizenship", ChoiceWidget(Relative.Citizenship)),
    Column("lives_in", ChoiceWidget(Relative.LivesIn)),
    Column("city", TextWidget()),
    Column("phone", TextWidget(), contact=True),
    Column("email", TextWidget(), contact=True),
    Column("address", TextWidget(), contact=True),
    Column("notes", TextWidget()),
]


class RelativeResource(SafeResource):
    """Relatives, with the cases they are kin to; contact details only with the permission."""

    display_name = _("relatives")

    def __init__(self, show_contacts: bool = False, **kwargs):
        super().__init__(show_contacts)
        self.fields = {
            c.name: _column_field(c)
            for c in RELATIVE_EXPORT_COLUMNS
            if show_contacts or not c.contact
        }
        self.fields["kin_to"] = Field(column_name="kin_to", dehydrate_method=self._kin_to)

    @staticmethod
    def _kin_to(relative: Relative) -> str:
        return "; ".join(
            f"{kinship.person.case_number} ({RELATIONSHIP.render(kinship)})"
            for kinship in relative.export_kinships
        )

    def filter_export(self, queryset, **kwargs):
        kinships = Kinship.objects.select_related("person").order_by("pk")
        # An attribute of its own: the admin's queryset prefetches "kinships" differently.
        return queryset.prefetch_related(Prefetch("kinships", kinships, to_attr="export_kinships"))


# --- Admin ---------------------------------------------------------------------------------------


class SheetUploadForm(forms.Form):
    import_file = forms.FileField(label=_("Spreadsheet (CSV or XLSX)"))

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: split it into smaller files.")
                % {"mb": max_upload_bytes() // (1024 * 1024)}
            )
        return upload


class SheetConfirmForm(forms.Form):
    """Carries the checked file to the confirming request, signed for this user."""

    token = forms.CharField(widget=forms.HiddenInput)

    SALT = "cases.imports.confirm"
    MAX_AGE = previews.MAX_AGE_SECONDS

    @classmethod
    def for_file(cls, name: str, file_name: str, user) -> "SheetConfirmForm":
        token = signing.dumps({"name": name, "file": file_name, "user": user.pk}, salt=cls.SALT)
        return cls(initial={"token": token})

    def stored_file(self, user) -> tuple[str, str] | None:
        """(temporary name, original file name), if the token is genuine and this user's."""
        try:
            data = signing.loads(self.cleaned_data["token"], salt=self.SALT, max_age=self.MAX_AGE)
        except signing.BadSignature:
            return None
        if data.get("user") != user.pk:
            return None
        return data["name"], data["file"]


class SheetImportMixin(ImportMixin):
    """The import page of a ModelAdmin: upload, check every row, preview, confirm.

    Set `sheet` (a SheetSpec), `import_service` (import_persons or import_petitions).
    """

    sheet: SheetSpec
    import_service: Callable[..., ImportReport]
    import_template_name = "admin/cases/import_sheet.html"
    # Rows of the preview shown on the page (all are imported).
    preview_rows = 300

    def has_import_permission(self, request) -> bool:
        # Importing creates and changes records: the user must be allowed both by hand.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        info = self.get_model_info()
        return [
            path(
                "import-template/<str:fmt>/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def _run(self, data: bytes, request, file_name: str, dry_run: bool) -> ImportReport:
        return self.import_service(data, user=request.user, dry_run=dry_run, file_name=file_name)

    def _render(self, request, form, report=None, confirm_form=None):
        info = self.get_model_info()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "preview": report.rows[: self.preview_rows] if report else [],
            "confirm_form": confirm_form,
            "columns": self.sheet.alias_rows(),
            "required": self.sheet.required,
            "template_urls": [
                (fmt.upper(), reverse(f"admin:{info[0]}_{info[1]}_import_template", args=[fmt]))
                for fmt in ("csv", "xlsx")
            ],
            "vocabularies": self._vocabularies(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def _vocabularies(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """For each vocabulary column: the values it accepts, with their labels."""
        out = []
        columns = [*self.sheet.columns, *self.sheet.relative_columns]
        for column in columns:
            widget = column.widget
            if isinstance(widget, ChoiceWidget):
                out.append((column.name, [(c.value, str(c.label)) for c in widget.choices]))
            elif isinstance(widget, ReferenceWidget):
                out.append((column.name, widget.choices()))
        return out

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = SheetUploadForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render(request, form)
        upload = form.cleaned_data["import_file"]
        data = b"".join(upload.chunks())
        report = self._run(data, request, upload.name, dry_run=True)
        confirm_form = None
        if report.ok:
            storage = self.get_tmp_storage_class()(read_mode="rb")
            storage.save(data)
            confirm_form = SheetConfirmForm.for_file(storage.name, upload.name, request.user)
        return self._render(request, SheetUploadForm(), report, confirm_form)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = SheetConfirmForm(request.POST)
        stored = confirm_form.stored_file(request.user) if confirm_form.is_valid() else None
        storage = self.get_tmp_storage_class()(name=stored[0], read_mode="rb") if stored else None
        try:
            data = storage.read() if storage else None
        except OSError:
            data = None
        if data is None:
            messages.error(request, _("The checked file has expired: upload it again."))
            return HttpResponseRedirect(self._url("import"))
        # Imported or refused, the file is not needed again: a refused one is uploaded anew.
        storage.remove()
        report = self._run(data, request, stored[1], dry_run=False)
        if not report.written:
            return self._render(request, SheetUploadForm(), report)
        messages.success(
            request,
            _(
                "Imported %(file)s. New: %(created)d. Changed: %(updated)d. Relatives added: "
                "%(relatives)d."
            )
            % {
                "file": stored[1],
                "created": report.created,
                "updated": report.updated,
                "relatives": report.relatives_added,
            },
        )
        return HttpResponseRedirect(self._url("changelist"))

    def _url(self, name: str) -> str:
        info = self.get_model_info()
        return reverse(f"admin:{info[0]}_{info[1]}_{name}", current_app=self.admin_site.name)

    def import_template_view(self, request, fmt: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if fmt not in ("csv", "xlsx"):
            raise Http404
        dataset = tablib.Dataset(
            self.sheet.template_example(), headers=self.sheet.template_headers()
        )
        dataset.title = str(_("import"))
        name = f"{self.model._meta.model_name}-import-template.{fmt}"
        if fmt == "csv":
            # A byte order mark makes Excel read the file as UTF-8.
            body = ("\ufeff" + dataset.export("csv")).encode("utf-8")
            content_type = "text/csv; charset=utf-8"
        else:
            book = tablib.Databook([dataset, self._headers_sheet(), self._values_sheet()])
            body = book.export("xlsx")
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def _headers_sheet(self) -> tablib.Dataset:
        """A second sheet in the XLSX template: the other names each column may have."""
        sheet = tablib.Dataset(
            *self.sheet.alias_rows(), headers=[gettext("column"), gettext("also accepted as")]
        )
        sheet.title = gettext("column names")
        return sheet

    def _values_sheet(self) -> tablib.Dataset:
        """A third sheet in the XLSX template: the accepted values of each vocabulary column."""
        rows = [
            (column, code, label)
            for column, values in self._vocabularies()
            for code, label in values
        ]
        sheet = tablib.Dataset(
            *rows, headers=[gettext("column"), gettext("value"), gettext("meaning")]
        )
        sheet.title = gettext("accepted values")
        return sheet


class SheetImportExportMixin(SheetImportMixin, SheetExportMixin):
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"


class PersonImportExportMixin(SheetImportExportMixin):
    """For DetainedPersonAdmin: import persons with relatives; export the filtered list."""

    resource_classes = [PersonResource]
    sheet = PERSON_SHEET
    import_service = staticmethod(import_persons)


class PetitionImportExportMixin(SheetImportExportMixin):
    """For PetitionAdmin: import petitions; export the filtered list."""

    resource_classes = [PetitionResource]
    sheet = PETITION_SHEET
    import_service = staticmethod(import_petitions)


class RelativeExportMixin(SheetExportMixin):
    """For RelativeAdmin: export the filtered list; contact details only with the permission."""

    resource_classes = [RelativeResource]

"""Public statistics: counts over counted persons, cell-key perturbed.

Plain functions, no HTTP. `compute(profiles)` counts in a fixed number of queries and perturbs
every count once, here, before anything reaches a page, a file or the cache (privacy rule 3;
docs/public-statistics.md). It returns numbers only; `localize()` then names the cells in the
active language, so one cached result serves every language. The cells are named
as vocabulary.py says, like the tallies they are read from.
"""

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from cases.formulas import escape_formula
from cases.models import (
    Authority,
    DetainedPerson,
    Ethnicity,
    Gender,
    Outcome,
    Petition,
    PetitionStatus,
    Place,
    PublishedFigure,
    Status,
    Tally,
    TallyReach,
    format_approximate,
)
from cases.public import perturbation, vocabulary
from cases.public.perturbation import PerturbationTable

# Why a view is too small to show: too few cases in it, or too few left out of a wider view.
TOO_FEW = "too_few"
TOO_FEW_LEFT_OUT = "too_few_left_out"
# The median days to an answer is published to the nearest this many days.
MEDIAN_ROUNDING = 10

# --- What is published ------------------------------------------------------------------------

# Headline and petition totals: the name in the data files, and the counted cell behind it.
TOTALS = {
    "persons": _("Persons documented"),
    "held": _("Currently held"),
    "released": _("Released, still in China"),
    "left_china": _("Left China"),
    "deceased": _("Deceased"),
    "whereabouts_unknown": _("Whereabouts unknown"),
    "relatives": _("Relatives documented"),
    "separated_children": _("Children with Kazakhstan citizenship separated from a held parent"),
    "petitions": _("Petitions documented"),
    "petitions_answered": _("Petitions answered"),
    "petitions_answered_percent": _("Share of sent petitions answered (%)"),
    "median_days_to_answer": _("Median days from submission to answer"),
    "outcomes": _("Outcomes recorded"),
}
HEADLINE = [
    "persons",
    "held",
    "released",
    "left_china",
    "deceased",
    "whereabouts_unknown",
    "relatives",
    "separated_children",
]
TOTAL_CELLS = {
    "held": vocabulary.key(vocabulary.HELD, vocabulary.HELD_NOW),
    "released": vocabulary.key(vocabulary.STATUS, Status.RELEASED),
    "left_china": vocabulary.key(vocabulary.STATUS, Status.LEFT_CHINA),
    "deceased": vocabulary.key(vocabulary.STATUS, Status.DECEASED),
    "whereabouts_unknown": vocabulary.key(vocabulary.STATUS, Status.UNKNOWN),
}

BREAKDOWNS = {
    "status": _("Current status"),
    "held": _("Held now or not"),
    "year": _("Year of detention"),
    "place": _("Home place (prefecture)"),
    "ethnicity": _("Ethnicity"),
    "gender": _("Gender"),
    "citizenship": _("Citizenship"),
    "reason": _("Reason given for the detention"),
    "outcome_kind": _("Outcomes by kind"),
    "outcome_year": _("Outcomes by year"),
    "petition_authority": _("Petitions by authority"),
    "petition_status": _("Petitions by status"),
    "petition_response": _("Petitions by kind of answer"),
}

# Breakdowns whose cells are the values of a vocabulary, labelled by it.
CHOICE_LABELS: dict[str, type[models.TextChoices] | dict] = {
    "status": Status,
    "held": {vocabulary.HELD_NOW: _("held now"), vocabulary.NOT_HELD: _("not held now")},
    "ethnicity": Ethnicity,
    "gender": Gender,
    "citizenship": DetainedPerson.Citizenship,
    "reason": DetainedPerson.Reason,
    "outcome_kind": Outcome.Kind,
    "petition_status": PetitionStatus,
    "petition_response": Petition.ResponseKind,
}
FALLBACK_LABELS = {
    vocabulary.UNKNOWN: _("not known"),
    vocabulary.NONE: _("not recorded"),
}

LANGUAGES = ("en", "kk", "ru")


@dataclass(frozen=True)
class Cell:
    """One count of a breakdown, as published; `count` is None when below the threshold."""

    key: str
    count: int | None
    suppressed: bool
    # Rows named in the database (places, authorities) carry their names in every language.
    names: dict[str, str] | None = None
    label: str = ""


@dataclass(frozen=True)
class OfficialFigure:
    """A figure as its publisher gave it ("more than 2,000 … since 2018"), who published it
    (the Ministry) and where it was read (the medium that reported it)."""

    id: int
    value: int
    as_of: datetime.date
    as_of_precision: str
    source_name: str
    source_url: str
    labels: dict[str, str]
    qualifier: str = PublishedFigure.Qualifier.EXACTLY
    periods: dict[str, str] = field(default_factory=dict)
    parent_id: int | None = None
    publisher_name: str = ""
    publisher_url: str = ""
    # The publisher's and the source's names by language ("en": the names above).
    publisher_names: dict[str, str] = field(default_factory=dict)
    source_names: dict[str, str] = field(default_factory=dict)
    # Named in the active language by localize().
    label: str = ""
    as_of_display: str = ""
    period: str = ""
    value_display: str = ""
    parent_value_display: str = ""
    parent_label: str = ""
    amount: str = ""  # the value as it is read: "more than 2,000", "15 of the 29"


# The qualifier before the number as it was published; exactly is the number alone.
QUALIFIED_VALUES = {
    PublishedFigure.Qualifier.EXACTLY: "%(value)s",
    PublishedFigure.Qualifier.ABOUT: _("about %(value)s"),
    PublishedFigure.Qualifier.MORE_THAN: _("more than %(value)s"),
    PublishedFigure.Qualifier.FEWER_THAN: _("fewer than %(value)s"),
}


def qualified_value(value: int, qualifier: str) -> str:
    """'more than 2,000' in the active language, the number grouped as the language does."""
    template = QUALIFIED_VALUES.get(qualifier, "%(value)s")
    return str(template) % {"value": number_format(value, force_grouping=True)}


@dataclass(frozen=True)
class Statistics:
    generated_at: datetime.datetime
    min_cell: int
    # The smallest published total of a view whose figures are shown, and the largest change
    # perturbation makes to a count.
    min_view: int
    spread: int
    # The view's total, or what it leaves out of a wider view, is below min_view: nothing but
    # that is shown (the reason: TOO_FEW or TOO_FEW_LEFT_OUT).
    too_few: bool
    too_few_reason: str
    totals: dict[str, int | None]
    breakdowns: dict[str, list[Cell]]
    official_figures: list[OfficialFigure] = field(default_factory=list)

    def _totals(self, names: list[str]) -> list[tuple[str, str, int | None]]:
        return [(name, TOTALS[name], self.totals[name]) for name in names]

    def _sections(self, names: list[str]) -> list[tuple[str, str, list[Cell]]]:
        return [(name, BREAKDOWNS[name], self.breakdowns[name]) for name in names]

    # (name, label, count) and (name, title, cells) lists, in the order a page shows them.
    @property
    def headline(self):
        return self._totals(HEADLINE)

    @property
    def petition_totals(self):
        return self._totals(["petitions", "petitions_answered"])

    @property
    def person_sections(self):
        return self._sections(
            ["status", "held", "year", "place", "ethnicity", "gender", "citizenship", "reason"]
        )

    @property
    def outcome_sections(self):
        return self._sections(["outcome_kind", "outcome_year"])

    @property
    def petition_sections(self):
        return self._sections(["petition_authority", "petition_status", "petition_response"])


# --- Cells and their published values ---------------------------------------------------------
#
# The counts come from the tallies (tallies.py): what each record of the register adds, by
# the profiles of its counted persons, kept current on every change, with the sum of the
# records' keys beside each count. One query sums them for the matching profiles; places,
# authorities and official figures add one small query each. Every count is then published
# through the perturbation table (perturbation.py): never exactly, never between 1 and
# min_cell - 1, and the same for the same records wherever it appears.


@dataclass(frozen=True)
class Tallied:
    """A cell as counted: its records and the sum of their record keys."""

    count: int = 0
    key_sum: int = 0

    def __add__(self, other: "Tallied") -> "Tallied":
        return Tallied(self.count + other.count, self.key_sum + other.key_sum)

    def __sub__(self, other: "Tallied") -> "Tallied":
        return Tallied(self.count - other.count, self.key_sum - other.key_sum)


NOTHING = Tallied()
Sums = dict[str, Tallied]


def tallied_sums(profiles: models.QuerySet | None = None, keys: list[str] | None = None) -> Sums:
    """Query 1: every tallied cell (or those of `keys`) summed over the reaches of the matching
    profiles; exact, for the statistics below and for tests of the tallies."""
    tallied = Tally.objects.order_by()
    if keys is not None:
        tallied = tallied.filter(key__in=keys)
    if profiles is not None and profiles.query.has_filters():
        reaches = TallyReach.profiles.through.objects.filter(tallyprofile__in=profiles)
        tallied = tallied.filter(reach__in=reaches.values("tallyreach_id"))
    rows = tallied.values("key").annotate(n=Sum("count"), k=Sum("key_sum"))
    return {key: Tallied(n, k) for key, n, k in rows.values_list("key", "n", "k")}


def _get(sums: Sums, key: str) -> Tallied:
    return sums.get(key, NOTHING)


class _Table:
    """The cells of one view, in the order they are published."""

    def __init__(self) -> None:
        self.cells: dict[str, Tallied] = {}
        self.names: dict[str, dict[str, str]] = {}

    def add(self, name: str, cell: Tallied, *, names=None) -> None:
        self.cells[name] = self.cells.get(name, NOTHING) + cell
        if names:
            self.names[name] = names

    def published(self, table: PerturbationTable) -> dict[str, int | None]:
        """Each cell's published value; None where it is below the threshold."""
        values = {
            name: table.published(cell.count, cell.key_sum) for name, cell in self.cells.items()
        }
        return {name: value if value >= table.min_cell else None for name, value in values.items()}

    def breakdown(self, breakdown: str, published: dict[str, int | None]) -> list[Cell]:
        return [
            Cell(
                key=vocabulary.value(name),
                count=published[name],
                suppressed=published[name] is None,
                names=self.names.get(name),
            )
            for name in self.cells
            if vocabulary.belongs_to(name, breakdown)
        ]


def _names(row: dict, prefix: str) -> dict[str, str]:
    return {language: row[f"{prefix}name_{language}"] for language in LANGUAGES}


def public_years() -> range:
    """The years the public statistics show one by one (and offer as a filter): the same list
    whatever the data, so that a year's presence tells nothing. Earlier years are one cell."""
    return range(settings.PUBLIC_FIRST_YEAR, timezone.localdate().year + 1)


def _add_years(table: _Table, breakdown: str, sums: Sums) -> None:
    tallied = vocabulary.by_value(sums, breakdown)
    years = public_years()
    earlier = NOTHING
    for year, cell in tallied.items():
        if year != vocabulary.UNKNOWN and int(year) < years.start:
            earlier += cell
    table.add(vocabulary.key(breakdown, vocabulary.EARLIER), earlier)
    for year in years:
        table.add(vocabulary.key(breakdown, year), tallied.get(str(year), NOTHING))
    if breakdown == vocabulary.YEAR:
        table.add(
            vocabulary.key(breakdown, vocabulary.UNKNOWN), tallied.get(vocabulary.UNKNOWN, NOTHING)
        )


def _add_values(table: _Table, sums: Sums, breakdown: str, values: list[str]) -> None:
    """A cell for each value of a vocabulary, empty ones included: the same cells whatever the
    data, so that a cell's presence tells nothing."""
    for value in values:
        name = vocabulary.key(breakdown, value)
        table.add(name, _get(sums, name))


def _count_persons(table: _Table, sums: Sums) -> None:
    """The persons by status, gender, ethnicity, citizenship, reason given, year and place
    (query 2)."""
    table.add(vocabulary.PERSONS, _get(sums, vocabulary.PERSONS))
    for breakdown, choices in (
        (vocabulary.STATUS, Status),
        (vocabulary.GENDER, Gender),
        (vocabulary.ETHNICITY, Ethnicity),
        (vocabulary.CITIZENSHIP, DetainedPerson.Citizenship),
        (vocabulary.REASON, DetainedPerson.Reason),
    ):
        _add_values(table, sums, breakdown, choices.values)

    for status in Status.values:
        group = vocabulary.key(vocabulary.HELD, vocabulary.held(status))
        table.add(group, _get(sums, vocabulary.key(vocabulary.STATUS, status)))

    _add_years(table, vocabulary.YEAR, sums)

    by_place = vocabulary.by_value(sums, vocabulary.PLACE)
    for row in Place.objects.values("pk", "code", "name_en", "name_kk", "name_ru"):
        cell = by_place.get(vocabulary.place(row["pk"]), NOTHING)
        table.add(vocabulary.key(vocabulary.PLACE, row["code"]), cell, names=_names(row, ""))
    table.add(
        vocabulary.key(vocabulary.PLACE, vocabulary.NONE), by_place.get(vocabulary.NONE, NOTHING)
    )


def _count_relatives(table: _Table, sums: Sums) -> None:
    """Relatives of the persons, and the separated children who are citizens."""
    table.add(vocabulary.RELATIVES, _get(sums, vocabulary.RELATIVES))
    table.add(vocabulary.SEPARATED_CHILDREN, _get(sums, vocabulary.SEPARATED_CHILDREN))


def median_days(sums: Sums) -> float | None:
    """The median of the days waited for an answer, from the tallied days (as PostgreSQL's
    PERCENTILE_CONT(0.5): the mean of the middle two of an even number)."""
    by_days = vocabulary.by_value(sums, vocabulary.DAYS)
    waits = sorted((int(days), cell.count) for days, cell in by_days.items())
    count = sum(n for _days, n in waits)
    if not count:
        return None
    middle = {(count - 1) // 2, count // 2}
    found, seen = [], 0
    for days, n in waits:
        found += [days for position in middle if seen <= position < seen + n]
        seen += n
    return sum(found) / len(found)


def _count_petitions(table: _Table, sums: Sums) -> None:
    """Petitions for the persons by authority (query 3), status and kind of answer."""
    table.add(vocabulary.PETITIONS, _get(sums, vocabulary.PETITIONS))
    _add_values(table, sums, vocabulary.PETITION_STATUS, PetitionStatus.values)
    _add_values(table, sums, vocabulary.PETITION_RESPONSE, Petition.ResponseKind.values)
    # Sent and timed petitions are not shown: they are the denominators of derived figures.
    for name in (
        vocabulary.PETITIONS_ANSWERED,
        vocabulary.PETITIONS_SENT,
        vocabulary.PETITIONS_TIMED,
    ):
        table.add(name, _get(sums, name))
    authorities = Authority.objects.order_by("position", "name_en").values(
        "pk", "code", "name_en", "name_kk", "name_ru"
    )
    for row in authorities:
        cell = _get(sums, vocabulary.key(vocabulary.PETITION_AUTHORITY, row["pk"]))
        table.add(
            vocabulary.key(vocabulary.PETITION_AUTHORITY, row["code"]), cell, names=_names(row, "")
        )


def _count_outcomes(table: _Table, sums: Sums) -> None:
    """Outcomes of the persons by kind and by year."""
    table.add(vocabulary.OUTCOMES, _get(sums, vocabulary.OUTCOMES))
    _add_values(table, sums, vocabulary.OUTCOME_KIND, Outcome.Kind.values)
    _add_years(table, vocabulary.OUTCOME_YEAR, sums)


def official_figures() -> list[OfficialFigure]:
    """The last query: figures published by others, cited with their source."""
    return [
        OfficialFigure(
            id=figure.pk,
            value=figure.value,
            as_of=figure.as_of,
            as_of_precision=figure.as_of_precision,
            source_name=figure.source_name,
            source_url=figure.source_url,
            labels={language: getattr(figure, f"label_{language}") for language in LANGUAGES},
            qualifier=figure.qualifier,
            periods={language: getattr(figure, f"period_{language}") for language in LANGUAGES},
            parent_id=figure.parent_id,
            publisher_name=figure.publisher_name,
            publisher_url=figure.publisher_url,
            publisher_names=_names_by_language(figure, "publisher_name"),
            source_names=_names_by_language(figure, "source_name"),
        )
        for figure in PublishedFigure.objects.all()
    ]


def _names_by_language(figure: PublishedFigure, field_name: str) -> dict[str, str]:
    # The English name is the field itself; kk and ru beside it, empty where not given.
    names = {language: getattr(figure, f"{field_name}_{language}", "") for language in LANGUAGES}
    names["en"] = getattr(figure, field_name)
    return names


def citation(figure: OfficialFigure) -> str:
    """A localized figure as one line of text: "more than 2,000 ethnic Kazakhs allowed to leave,
    since 2018 — Ministry of Foreign Affairs, reported by Radio Azattyq, 2019"."""
    text = f"{figure.amount} {figure.label}"
    if figure.period:
        text += f", {figure.period}"
    cited = [figure.publisher_name] if figure.publisher_name else []
    if figure.source_name and figure.source_name != figure.publisher_name:
        if cited:
            cited.append(gettext("reported by %(source)s") % {"source": figure.source_name})
        else:
            cited.append(figure.source_name)
    if figure.as_of_display:
        cited.append(figure.as_of_display)
    return f"{text} — {', '.join(cited)}" if cited else text


def _localize_figures(figures: list[OfficialFigure], language: str) -> list[OfficialFigure]:
    """Each figure named in `language`; a part reads against its whole ("15 of the 29")."""
    by_id = {figure.id: figure for figure in figures}
    localized = []
    for figure in figures:
        value_display = qualified_value(figure.value, figure.qualifier)
        parent = by_id.get(figure.parent_id)
        parent_value_display = parent_label = ""
        amount = value_display
        if parent is not None:
            parent_value_display = qualified_value(parent.value, parent.qualifier)
            parent_label = parent.labels.get(language) or parent.labels["en"]
            amount = gettext("%(value)s of the %(total)s") % {
                "value": value_display,
                "total": parent_value_display,
            }
        localized.append(
            replace(
                figure,
                label=figure.labels.get(language) or figure.labels["en"],
                as_of_display=format_approximate(figure.as_of, figure.as_of_precision),
                period=figure.periods.get(language) or figure.periods.get("en", ""),
                publisher_name=figure.publisher_names.get(language) or figure.publisher_name,
                source_name=figure.source_names.get(language) or figure.source_name,
                value_display=value_display,
                parent_value_display=parent_value_display,
                parent_label=parent_label,
                amount=amount,
            )
        )
    return localized


def min_view(min_cell: int) -> int:
    """The smallest published total of a view whose breakdowns are shown. A view of fewer
    persons than min_cell is published as at most min_cell - 1 + spread (7 by default): its
    breakdowns, in which every cell of a lone person would show her, are never shown."""
    return 2 * min_cell


def _answered_percent(published: dict[str, int | None], min_cell: int) -> int | None:
    """From the published numbers only, and only when they are large enough to mean something."""
    answered, sent = published[vocabulary.PETITIONS_ANSWERED], published[vocabulary.PETITIONS_SENT]
    if answered is None or sent is None or sent < min_view(min_cell):
        return None
    return min(100, round(100 * answered / sent))


def _median(sums: Sums, published: dict[str, int | None], min_cell: int) -> int | None:
    """Rounded to MEDIAN_ROUNDING days, and withheld for fewer than min_view answers: a median
    of a handful of petitions would tell about each of them."""
    timed, median = published[vocabulary.PETITIONS_TIMED], median_days(sums)
    if median is None or timed is None or timed < min_view(min_cell):
        return None
    return MEDIAN_ROUNDING * round(median / MEDIAN_ROUNDING)


def _persons(profiles: models.QuerySet | None) -> Tallied:
    """The persons of a wider view (one query)."""
    return tallied_sums(profiles, keys=[vocabulary.PERSONS]).get(vocabulary.PERSONS, NOTHING)


def _too_few(ptable: PerturbationTable, view: Tallied, parents: list[Tallied]) -> str | None:
    """Why a view is too small to show, or None. A view of few persons, published as 5, would
    show her in every cell; a view that leaves out only a few persons of a wider one would give
    them away by subtraction (all cases minus ?ethnicity=kazakh = the one Uyghur woman)."""
    threshold = min_view(ptable.min_cell)
    if ptable.published(view.count, view.key_sum) < threshold:
        return TOO_FEW
    for parent in parents:
        left_out = parent - view
        if ptable.published(left_out.count, left_out.key_sum) < threshold:
            return TOO_FEW_LEFT_OUT
    return None


def compute(
    profiles: models.QuerySet | None = None,
    min_cell: int | None = None,
    parents: list[models.QuerySet | None] = (),
    as_of: datetime.datetime | None = None,
) -> Statistics:
    """The statistics of the counted persons whose profile is among `profiles` (a filtered
    TallyProfile queryset; None for all) and of what belongs to them, perturbed. `parents` are
    the wider views, each with one of the filters fewer (filters.py). `as_of`: when the data
    last changed (the time the pages give), by default now."""
    ptable = perturbation.ptable(min_cell)
    min_cell = ptable.min_cell
    sums = tallied_sums(profiles)
    table = _Table()
    _count_persons(table, sums)
    _count_relatives(table, sums)
    _count_petitions(table, sums)
    _count_outcomes(table, sums)
    published = table.published(ptable)

    persons = _get(sums, vocabulary.PERSONS)
    reason = _too_few(ptable, persons, [_persons(parent) for parent in parents])
    too_few = reason is not None
    totals: dict[str, int | None] = {
        name: None if too_few else published[TOTAL_CELLS.get(name, name)]
        for name in TOTALS
        if TOTAL_CELLS.get(name, name) in published
    }
    totals["petitions_answered_percent"] = (
        None if too_few else _answered_percent(published, min_cell)
    )
    totals["median_days_to_answer"] = None if too_few else _median(sums, published, min_cell)

    return Statistics(
        generated_at=as_of or timezone.now(),
        min_cell=min_cell,
        min_view=min_view(min_cell),
        spread=ptable.spread,
        too_few=too_few,
        too_few_reason=reason or "",
        totals={name: totals[name] for name in TOTALS},
        breakdowns={
            name: ([] if too_few else table.breakdown(name, published)) for name in BREAKDOWNS
        },
        official_figures=official_figures(),
    )


# --- Labels, in the active language -----------------------------------------------------------


def _label(breakdown: str, cell: Cell, language: str) -> str:
    if cell.names:
        return cell.names.get(language) or cell.names["en"]
    choices = CHOICE_LABELS.get(breakdown)
    if choices is not None:
        labels = choices if isinstance(choices, dict) else dict(choices.choices)
        if cell.key in labels:
            return str(labels[cell.key])
    if cell.key in FALLBACK_LABELS:
        return str(FALLBACK_LABELS[cell.key])
    if cell.key == vocabulary.EARLIER:
        return _("before %(year)s") % {"year": settings.PUBLIC_FIRST_YEAR}
    return cell.key


def localize(statistics: Statistics) -> Statistics:
    """The same numbers, each cell and official figure named in the active language."""
    language = (get_language() or "en")[:2]
    return replace(
        statistics,
        breakdowns={
            name: [replace(cell, label=_label(name, cell, language)) for cell in cells]
            for name, cells in statistics.breakdowns.items()
        },
        official_figures=_localize_figures(statistics.official_figures, language),
    )


# --- Open data ---------------------------------------------------------------------------------


def too_few_notice(statistics: Statistics) -> str:
    """What a view too small to show says, in every format, whether it holds none or a few."""
    if statistics.too_few_reason == TOO_FEW_LEFT_OUT:
        message = gettext(
            "These filters leave out fewer than %(min_view)s of the cases, possibly none: "
            "comparing these figures with the wider ones could point to them. To protect the "
            "people behind the numbers, nothing more is shown."
        )
    else:
        message = gettext(
            "Fewer than %(min_view)s cases match these filters, possibly none. To protect the "
            "people behind the numbers, nothing more is shown."
        )
    return message % {"min_view": statistics.min_view}


def method(statistics: Statistics) -> dict:
    """How the numbers were protected, for the data files (the page says it in its About
    section, which `about` links to)."""
    return {
        "name": "cell-key perturbation",
        "perturbed": True,
        "threshold": statistics.min_cell,
        "max_change": statistics.spread,
        "smallest_view_shown": statistics.min_view,
        "summary": gettext(
            "Numbers are adjusted slightly to protect the people in them: each is changed by "
            "at most %(spread)s, in the same way wherever it appears, so totals may differ "
            "slightly from the sum of their parts. Counts below %(min_cell)s are never shown: "
            "they are published as 0 or as %(min_cell)s, so neither means that someone is or "
            "is not in the register."
        )
        % {"spread": statistics.spread, "min_cell": statistics.min_cell},
        "about": reverse("cases:dashboard") + "#about-numbers",
    }


def as_data(statistics: Statistics, filters: dict) -> dict:
    """The JSON document of /statistics.json, for labelled statistics."""
    return {
        "generated_at": statistics.generated_at.isoformat(timespec="seconds"),
        "min_cell": statistics.min_cell,
        "method": method(statistics),
        "filters": filters,
        "too_few": statistics.too_few,
        "notice": too_few_notice(statistics) if statistics.too_few else None,
        "totals": statistics.totals,
        "breakdowns": {
            name: [
                {
                    "key": cell.key,
                    "label": cell.label,
                    "count": cell.count,
                    "suppressed": cell.suppressed,
                }
                for cell in cells
            ]
            for name, cells in statistics.breakdowns.items()
        },
        "official_figures": [
            {
                "label": figure.label,
                "value": figure.value,
                "qualifier": figure.qualifier,
                "value_display": figure.amount,
                "period": figure.period,
                "parent": (
                    {"label": figure.parent_label, "value_display": figure.parent_value_display}
                    if figure.parent_label
                    else None
                ),
                "as_of": figure.as_of_display,
                "publisher_name": figure.publisher_name,
                "publisher_url": figure.publisher_url,
                "source_name": figure.source_name,
                "source_url": figure.source_url,
            }
            for figure in statistics.official_figures
        ],
    }


def csv_safe(value) -> str:
    """A spreadsheet must not run a cell as a formula: prefix such text with an apostrophe."""
    return escape_formula("" if value is None else str(value))


def csv_lines(statistics: Statistics) -> Iterator[str]:
    """/statistics.csv, one row per cell (the totals first), for labelled statistics."""
    buffer = io.StringIO()
    # Every cell in quotes: a spreadsheet that splits on ";" (Excel in Russian and Kazakh) keeps a
    # label containing one in its cell.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)

    def line(*values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe(value) for value in values])
        return buffer.getvalue()

    yield line("breakdown", "key", "label", "count", "suppressed")
    yield line("method", "summary", method(statistics)["summary"], "", "")
    if statistics.too_few:
        yield line("notice", "too_few", too_few_notice(statistics), "", "true")
    for name, count in statistics.totals.items():
        yield line("totals", name, TOTALS[name], count, "true" if count is None else "false")
    for name, cells in statistics.breakdowns.items():
        for cell in cells:
            yield line(name, cell.key, cell.label, cell.count, str(cell.suppressed).lower())
    # Figures published by others, as published: never perturbed, never suppressed.
    for number, figure in enumerate(statistics.official_figures, start=1):
        yield line("official_figures", number, citation(figure), figure.value, "false")

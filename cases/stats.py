"""Public statistics: counts over counted persons, with small-cell suppression.

Plain functions, no HTTP. `compute(profiles)` counts in a fixed number of queries and suppresses
small cells once, here, before anything reaches a page, a file or the cache (DESIGN.md,
Privacy 3). It returns numbers only; `localize()` then names the cells in the active language,
so one cached result serves every language.
"""

import csv
import datetime
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import (
    HELD_STATUSES,
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
from cases.tallies import NONE_KEY, UNKNOWN_KEY

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
    "held": "held:held",
    "released": f"status:{Status.RELEASED}",
    "left_china": f"status:{Status.LEFT_CHINA}",
    "deceased": f"status:{Status.DECEASED}",
    "whereabouts_unknown": f"status:{Status.UNKNOWN}",
}

BREAKDOWNS = {
    "status": _("Current status"),
    "held": _("Held now or not"),
    "year": _("Year of detention"),
    "place": _("Home place (prefecture)"),
    "ethnicity": _("Ethnicity"),
    "gender": _("Gender"),
    "citizenship": _("Citizenship"),
    "outcome_kind": _("Outcomes by kind"),
    "outcome_year": _("Outcomes by year"),
    "petition_authority": _("Petitions by authority"),
    "petition_status": _("Petitions by status"),
    "petition_response": _("Petitions by kind of answer"),
}

# Breakdowns whose cells are the values of a vocabulary, labelled by it.
CHOICE_LABELS: dict[str, type[models.TextChoices] | dict] = {
    "status": Status,
    "held": {"held": _("held now"), "not_held": _("not held now")},
    "ethnicity": Ethnicity,
    "gender": Gender,
    "citizenship": DetainedPerson.Citizenship,
    "outcome_kind": Outcome.Kind,
    "petition_status": PetitionStatus,
    "petition_response": Petition.ResponseKind,
}
FALLBACK_LABELS = {
    UNKNOWN_KEY: _("not known"),
    NONE_KEY: _("not recorded"),
}

LANGUAGES = ("en", "kk", "ru")


@dataclass(frozen=True)
class Cell:
    """One count of a breakdown; `count` is None when suppressed."""

    key: str
    count: int | None
    suppressed: bool
    # Rows named in the database (places, authorities) carry their names in every language.
    names: dict[str, str] | None = None
    label: str = ""


@dataclass(frozen=True)
class OfficialFigure:
    value: int
    as_of: datetime.date
    as_of_precision: str
    source_name: str
    source_url: str
    labels: dict[str, str]
    label: str = ""
    as_of_display: str = ""


@dataclass(frozen=True)
class Statistics:
    generated_at: datetime.datetime
    min_cell: int
    # The view's total is below the threshold: nothing but that is shown.
    too_few: bool
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
            ["status", "held", "year", "place", "ethnicity", "gender", "citizenship"]
        )

    @property
    def outcome_sections(self):
        return self._sections(["outcome_kind", "outcome_year"])

    @property
    def petition_sections(self):
        return self._sections(["petition_authority", "petition_status", "petition_response"])


# --- Small-cell suppression -------------------------------------------------------------------


def is_small(value: int, min_cell: int) -> bool:
    return 0 < value < min_cell


def protect(
    values: dict[str, int],
    equations: list[tuple[str, list[str]]],
    min_cell: int,
    hidden: frozenset[str] = frozenset(),
) -> set[str]:
    """The cells to suppress so that no small count can be read or worked out.

    `equations` say which cells add up to which total (total, parts). `hidden` cells are never
    shown but can be worked out from the others, so they need protecting too. A small non-zero
    cell is suppressed (primary); then, while some equation still gives a small cell away by
    subtraction, or leaves its suppressed cells summing to less than `min_cell`, the smallest
    non-zero shown part of that equation is suppressed too (secondary).
    """
    suppressed = {
        name for name, value in values.items() if name not in hidden and is_small(value, min_cell)
    }
    while True:
        leaking = _leaking_equation(values, equations, min_cell, hidden, suppressed)
        if leaking is None:
            break
        total, parts = leaking
        candidates = [
            name
            for name in parts
            if name not in hidden and name not in suppressed and values[name] > 0
        ]
        if candidates:
            suppressed.add(min(candidates, key=lambda name: values[name]))
        elif total not in hidden and total not in suppressed:
            suppressed.add(total)
        else:
            # Nothing left to hide in this equation: hide everything rather than leak.
            return {name for name in values if name not in hidden}
    # A hidden count that the shown ones give away anyway protects nothing: show it.
    shown = {name for name in values if name not in hidden and name not in suppressed}
    worked_out = _work_out(equations, shown)
    return {name for name in suppressed if name not in worked_out}


def _work_out(equations, known: set[str]) -> dict[str, tuple[str, list[str]]]:
    """The cells a reader can work out from the `known` ones, each with the equation that
    gives it away: an equation with a single unknown term."""
    known = set(known)
    found = {}
    progress = True
    while progress:
        progress = False
        for total, parts in equations:
            unknown = [name for name in (total, *parts) if name not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                found[unknown[0]] = (total, parts)
                progress = True
    return found


def _leaking_equation(values, equations, min_cell, hidden, suppressed):
    """An equation that lets a small cell be worked out, or None."""
    known = {name for name in values if name not in hidden and name not in suppressed}
    worked_out = _work_out(equations, known)
    for name, equation in worked_out.items():
        if is_small(values[name], min_cell):
            return equation
    known |= worked_out.keys()
    # Suppressed cells whose sum is known pin each other down when it is small (1 + 1 = 2),
    # or when it equals their number: each hidden cell is at least 1, so all are 1.
    for total, parts in equations:
        if total not in known:
            continue
        unknown = [name for name in parts if name not in known]
        hidden_sum = sum(values[name] for name in unknown)
        if any(is_small(values[name], min_cell) for name in unknown) and (
            hidden_sum < min_cell or hidden_sum == len(unknown)
        ):
            return total, parts
    return None


class _Table:
    """The counts of one view and the sums that tie them together."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.names: dict[str, dict[str, str]] = {}
        self.hidden: set[str] = set()
        self.equations: list[tuple[str, list[str]]] = []

    def add(self, name: str, value: int, *, names=None, hidden: bool = False) -> None:
        self.values[name] = self.values.get(name, 0) + value
        if names:
            self.names[name] = names
        if hidden:
            self.hidden.add(name)

    def breakdown(self, prefix: str, total: str) -> None:
        """The cells named '<prefix>:…' add up to `total`."""
        parts = [name for name in self.values if name.startswith(prefix + ":")]
        self.equations.append((total, parts))

    def cells(self, prefix: str, suppressed: set[str]) -> list[Cell]:
        return [
            Cell(
                key=name.split(":", 1)[1],
                count=None if name in suppressed else value,
                suppressed=name in suppressed,
                names=self.names.get(name),
            )
            for name, value in self.values.items()
            if name.startswith(prefix + ":")
        ]


# --- Counting ---------------------------------------------------------------------------------
#
# The counts come from the tallies (cases/tallies.py): what each record of the register adds, by
# the profiles of its counted persons, kept current on every change. One query sums them for the
# matching profiles; places, authorities and official figures add one small query each.


def _names(row: dict, prefix: str) -> dict[str, str]:
    return {language: row[f"{prefix}name_{language}"] for language in LANGUAGES}


def _sums(profiles: models.QuerySet | None) -> Counter[str]:
    """Query 1: every tallied cell summed over the reaches of the matching profiles."""
    tallied = Tally.objects.order_by()
    if profiles is not None and profiles.query.has_filters():
        reaches = TallyReach.profiles.through.objects.filter(tallyprofile__in=profiles)
        tallied = tallied.filter(reach__in=reaches.values("tallyreach_id"))
    return Counter(dict(tallied.values("key").annotate(n=Sum("count")).values_list("key", "n")))


def _tallied(sums: Counter[str], prefix: str) -> list[tuple[str, int]]:
    """The cells '<prefix>:<value>' that have a count, as (value, count)."""
    start = prefix + ":"
    return [(key[len(start) :], n) for key, n in sums.items() if key.startswith(start) and n]


def _count_persons(table: _Table, sums: Counter[str]) -> None:
    """The persons by status, gender, ethnicity, citizenship, year and place (query 2)."""
    table.add("persons", sums["persons"])
    for field_name, vocabulary in (
        ("status", Status),
        ("gender", Gender),
        ("ethnicity", Ethnicity),
        ("citizenship", DetainedPerson.Citizenship),
    ):
        for value in vocabulary.values:
            table.add(f"{field_name}:{value}", sums[f"{field_name}:{value}"])

    held = sum(table.values[f"status:{status}"] for status in HELD_STATUSES)
    table.add("held:held", held)
    table.add("held:not_held", table.values["persons"] - held)

    years = _tallied(sums, "year")
    for year, count in sorted(years, key=lambda item: (item[0] == UNKNOWN_KEY, item[0])):
        table.add(f"year:{year}", count)

    places = {
        str(row["pk"]): row
        for row in Place.objects.values("pk", "code", "position", "name_en", "name_kk", "name_ru")
    }
    shown = [
        (places.get(place), count) for place, count in _tallied(sums, "place") if place in places
    ]
    for row, count in sorted(shown, key=lambda item: item[0]["position"]):
        table.add(f"place:{row['code']}", count, names=_names(row, ""))
    if sums[f"place:{NONE_KEY}"]:
        table.add(f"place:{NONE_KEY}", sums[f"place:{NONE_KEY}"])

    table.breakdown("status", "persons")
    table.breakdown("held", "persons")
    table.equations.append(
        ("held:held", [f"status:{status}" for status in Status.values if status in HELD_STATUSES])
    )
    table.equations.append(
        (
            "held:not_held",
            [f"status:{status}" for status in Status.values if status not in HELD_STATUSES],
        )
    )
    # The headline numbers are themselves a partition of the persons documented.
    table.equations.append(("persons", list(TOTAL_CELLS.values())))
    for prefix in ("year", "place", "gender", "ethnicity", "citizenship"):
        table.breakdown(prefix, "persons")


def _count_relatives(table: _Table, sums: Counter[str]) -> None:
    """Relatives of the persons, and the separated children who are citizens."""
    relatives, separated_children = sums["relatives"], sums["separated_children"]
    table.add("relatives", relatives)
    table.add("separated_children", separated_children)
    # The other relatives are not shown, but anyone can subtract.
    table.add("relatives_other", relatives - separated_children, hidden=True)
    table.equations.append(("relatives", ["separated_children", "relatives_other"]))


def median_days(sums: Counter[str]) -> float | None:
    """The median of the days waited for an answer, from the tallied days (as PostgreSQL's
    PERCENTILE_CONT(0.5): the mean of the middle two of an even number)."""
    waits = sorted((int(days), n) for days, n in _tallied(sums, "days"))
    count = sum(n for _days, n in waits)
    if not count:
        return None
    middle = {(count - 1) // 2, count // 2}
    found, seen = [], 0
    for days, n in waits:
        found += [days for position in middle if seen <= position < seen + n]
        seen += n
    return sum(found) / len(found)


def _count_petitions(table: _Table, sums: Counter[str]) -> None:
    """Petitions for the persons by authority (query 3), status and kind of answer."""
    table.add("petitions", sums["petitions"])
    for prefix, vocabulary in (
        ("petition_status", PetitionStatus),
        ("petition_response", Petition.ResponseKind),
    ):
        for value in vocabulary.values:
            table.add(f"{prefix}:{value}", sums[f"{prefix}:{value}"])
    sent, answered = sums["petitions_sent"], sums["petitions_answered"]
    table.add("petitions_sent", sent, hidden=True)
    table.add("petitions_answered", answered)
    table.add("petitions_unanswered", sent - answered, hidden=True)
    authorities = Authority.objects.order_by("position", "name_en").values(
        "pk", "code", "name_en", "name_kk", "name_ru"
    )
    for row in authorities:
        count = sums[f"petition_authority:{row['pk']}"]
        table.add(f"petition_authority:{row['code']}", count, names=_names(row, ""))

    for prefix in ("petition_authority", "petition_status", "petition_response"):
        table.breakdown(prefix, "petitions")
    table.equations.append(
        ("petitions", [f"petition_status:{PetitionStatus.DRAFT}", "petitions_sent"])
    )
    table.equations.append(("petitions_sent", ["petitions_answered", "petitions_unanswered"]))


def _count_outcomes(table: _Table, sums: Counter[str]) -> None:
    """Outcomes of the persons by kind and by year."""
    table.add("outcomes", sums["outcomes"])
    for kind in Outcome.Kind.values:
        table.add(f"outcome_kind:{kind}", sums[f"outcome_kind:{kind}"])
    for year, count in sorted(_tallied(sums, "outcome_year"), key=lambda item: int(item[0])):
        table.add(f"outcome_year:{year}", count)
    table.breakdown("outcome_kind", "outcomes")
    table.breakdown("outcome_year", "outcomes")


def official_figures() -> list[OfficialFigure]:
    """The last query: figures published by others, cited with their source."""
    return [
        OfficialFigure(
            value=figure.value,
            as_of=figure.as_of,
            as_of_precision=figure.as_of_precision,
            source_name=figure.source_name,
            source_url=figure.source_url,
            labels={language: getattr(figure, f"label_{language}") for language in LANGUAGES},
        )
        for figure in PublishedFigure.objects.all()
    ]


def compute(profiles: models.QuerySet | None = None, min_cell: int | None = None) -> Statistics:
    """The statistics of the counted persons whose profile is among `profiles` (a filtered
    TallyProfile queryset; None for all) and of what belongs to them, suppressed."""
    min_cell = settings.PUBLIC_MIN_CELL if min_cell is None else min_cell
    sums = _sums(profiles)
    table = _Table()
    _count_persons(table, sums)
    _count_relatives(table, sums)
    _count_petitions(table, sums)
    _count_outcomes(table, sums)
    timed, median = sums["petitions_timed"], median_days(sums)

    too_few = is_small(table.values["persons"], min_cell)
    if too_few:
        suppressed = set(table.values)
    else:
        suppressed = protect(table.values, table.equations, min_cell, frozenset(table.hidden))

    def shown(name: str) -> int | None:
        return None if name in suppressed else table.values[name]

    totals: dict[str, int | None] = {
        name: shown(TOTAL_CELLS.get(name, name))
        for name in TOTALS
        if TOTAL_CELLS.get(name, name) in table.values
    }
    answered, sent = totals["petitions_answered"], table.values["petitions_sent"]
    totals["petitions_answered_percent"] = (
        round(100 * answered / sent) if answered is not None and sent else None
    )
    # A median of a handful of petitions would tell about each of them.
    totals["median_days_to_answer"] = (
        round(median)
        if median is not None and answered is not None and timed >= min_cell
        else None
    )

    return Statistics(
        generated_at=timezone.now(),
        min_cell=min_cell,
        too_few=too_few,
        totals={name: totals[name] for name in TOTALS},
        breakdowns={
            name: ([] if too_few else table.cells(name, suppressed)) for name in BREAKDOWNS
        },
        official_figures=official_figures(),
    )


# --- Labels, in the active language -----------------------------------------------------------


def _label(breakdown: str, cell: Cell, language: str) -> str:
    if cell.names:
        return cell.names.get(language) or cell.names["en"]
    vocabulary = CHOICE_LABELS.get(breakdown)
    if vocabulary is not None:
        labels = vocabulary if isinstance(vocabulary, dict) else dict(vocabulary.choices)
        if cell.key in labels:
            return str(labels[cell.key])
    if cell.key in FALLBACK_LABELS:
        return str(FALLBACK_LABELS[cell.key])
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
        official_figures=[
            replace(
                figure,
                label=figure.labels.get(language) or figure.labels["en"],
                as_of_display=format_approximate(figure.as_of, figure.as_of_precision),
            )
            for figure in statistics.official_figures
        ],
    )


# --- Open data ---------------------------------------------------------------------------------


def as_data(statistics: Statistics, filters: dict) -> dict:
    """The JSON document of /statistics.json, for labelled statistics."""
    return {
        "generated_at": statistics.generated_at.isoformat(timespec="seconds"),
        "min_cell": statistics.min_cell,
        "filters": filters,
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
                "as_of": figure.as_of_display,
                "source_name": figure.source_name,
                "source_url": figure.source_url,
            }
            for figure in statistics.official_figures
        ],
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A spreadsheet must not run a cell as a formula: prefix such text with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    for name, count in statistics.totals.items():
        yield line("totals", name, TOTALS[name], count, "true" if count is None else "false")
    for name, cells in statistics.breakdowns.items():
        for cell in cells:
            yield line(name, cell.key, cell.label, cell.count, str(cell.suppressed).lower())

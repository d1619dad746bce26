"""The names of the cells of the public statistics, built and read here only.

A cell is a total ('persons') or one value of a breakdown, '<breakdown>:<value>' ('status:camp',
'held:held', 'year:2018', 'place:12', 'days:41'). The tallies (tallies.py) store counts under
these keys; the statistics (statistics.py) read them back and publish cells under the same
grammar, with a few values of their own (a place by its code, 'year:earlier').
"""

from collections.abc import Iterable, Mapping
from typing import TypeVar

from cases.models import HELD_STATUSES

Value = TypeVar("Value")

SEPARATOR = ":"

# --- Totals: one cell each ----------------------------------------------------------------------

PERSONS = "persons"
RELATIVES = "relatives"
# Children with Kazakhstan citizenship separated from a held parent.
SEPARATED_CHILDREN = "separated_children"
PETITIONS = "petitions"
# Sent, answered, and answered with both dates known (the denominators of derived figures).
PETITIONS_SENT = "petitions_sent"
PETITIONS_ANSWERED = "petitions_answered"
PETITIONS_TIMED = "petitions_timed"
OUTCOMES = "outcomes"

# --- Breakdowns: a cell per value ---------------------------------------------------------------

STATUS = "status"
HELD = "held"
GENDER = "gender"
ETHNICITY = "ethnicity"
CITIZENSHIP = "citizenship"
# The reason given for the detention (privacy rule 2 of docs/architecture.md allows it).
REASON = "reason"
# Year of detention: a year, or UNKNOWN.
YEAR = "year"
# Home place: a place's id in the tallies, its code once published; NONE when not recorded.
PLACE = "place"
PETITION_STATUS = "petition_status"
PETITION_RESPONSE = "petition_response"
# An authority's id in the tallies, its code once published.
PETITION_AUTHORITY = "petition_authority"
# The days a petition waited for its answer (for the median, never published).
DAYS = "days"
OUTCOME_KIND = "outcome_kind"
OUTCOME_YEAR = "outcome_year"

# --- Values that stand for no single value -------------------------------------------------------

UNKNOWN = "unknown"
NONE = "none"
# The years before settings.PUBLIC_FIRST_YEAR, published as one cell.
EARLIER = "earlier"
# The two values of HELD.
HELD_NOW = "held"
NOT_HELD = "not_held"


def key(breakdown: str, value: object) -> str:
    """The cell of one value of a breakdown: key(STATUS, Status.CAMP) == 'status:camp'."""
    return f"{breakdown}{SEPARATOR}{value}"


def keys(breakdown: str, values: Iterable[object]) -> list[str]:
    return [key(breakdown, value) for value in values]


def value(cell: str) -> str:
    """The value part of a breakdown's cell: value('status:camp') == 'camp'."""
    return cell.split(SEPARATOR, 1)[1]


def belongs_to(cell: str, breakdown: str) -> bool:
    return cell.startswith(breakdown + SEPARATOR)


def by_value(cells: Mapping[str, Value], breakdown: str) -> dict[str, Value]:
    """The cells of one breakdown, by value: {'2018': …, 'unknown': …} for YEAR."""
    return {value(cell): item for cell, item in cells.items() if belongs_to(cell, breakdown)}


# --- The values of a record's attributes ---------------------------------------------------------


def year(year: int | None) -> str:
    return UNKNOWN if year is None else str(year)


def place(place_id: int | None) -> str:
    return str(place_id) if place_id else NONE


def held(status: str) -> str:
    return HELD_NOW if status in HELD_STATUSES else NOT_HELD

"""Likely duplicate cases: one person entered twice under different spellings of the name.

Names are compared by their stored keys (cases.names), so Қайрат Дәуітхан, Kayrat Dauytkhan
and Кайрат Дауитханов are one name before any fuzzy matching starts. `likely_matches` (one
person, while it is entered) finds and ranks candidates as the admin search does
(cases.name_search, cases.name_match: the same on both databases, with the reasons the names
are alike). `find_pairs` (the whole register) reads it once and scores with cases.name_match
only the keys whose words begin alike (compared first with rapidfuzz) or that share the
consonant skeletons of two words (~klt ~dtkn: 凯拉特·达吾提汗 and Қайрат Дәуітхан).

A score runs from 0 to 100: the similarity of the names (weighted 85), plus 10 when the birth
years lie within a year of each other and 5 for the same home place; birth years far apart
take 25 off. Identical names with nothing else known score 85."""

import bisect
import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.urls import reverse
from rapidfuzz import fuzz, process

from cases import name_search
from cases.models import DetainedPerson, Place, Status
from cases.name_match import NO_MATCH, NameMatch, Spelling, best_match, spellings_of
from cases.names import SKELETON_MARK, Script, key_spellings, script_of

NAME_WEIGHT = 0.85
CLOSE_YEAR_BONUS = 10  # birth years at most CLOSE_YEARS apart
CLOSE_YEARS = 1
FAR_YEAR_PENALTY = 25  # birth years more than FAR_YEARS apart
FAR_YEARS = 5
SAME_PLACE_BONUS = 5
MAX_BONUS = CLOSE_YEAR_BONUS + SAME_PLACE_BONUS

# find_pairs compares the keys whose words begin alike: the first this many letters.
BLOCK_PREFIX = 4
# find_pairs first compares the keys' letters with rapidfuzz, which is fast: the names of
# persons whose score by it comes within this much of the minimum are then scored by
# cases.name_match, which credits what rapidfuzz does not (a patronymic, initials, an ending).
PREFILTER_SLACK = 5
_PERSON_FIELDS = (
    "pk",
    "case_number",
    "full_name",
    "status",
    "birth_year",
    "home_place_id",
    "name_key",
)


@dataclass(frozen=True)
class Candidate:
    """The little duplicate detection reads and shows of a person."""

    pk: int
    case_number: str
    full_name: str
    status: str
    birth_year: int | None
    home_place_id: int | None
    name_key: str

    def __str__(self) -> str:
        return f"{self.case_number} {self.full_name}"

    def get_status_display(self) -> str:
        return str(Status(self.status).label) if self.status in Status.values else self.status

    @property
    def admin_url(self) -> str:
        return reverse("admin:cases_detainedperson_change", args=[self.pk])


@dataclass(frozen=True)
class Match:
    """A person that may be the one being entered, how likely (0–100), and why the names
    are alike."""

    person: Candidate
    score: int
    name: NameMatch = NO_MATCH


@dataclass(frozen=True)
class Pair:
    """Two cases in the register that may be one person (first.pk < second.pk)."""

    first: Candidate
    second: Candidate
    score: int
    name: NameMatch = NO_MATCH

    @property
    def reason_labels(self) -> list[str]:
        return self.name.reason_labels


# --- Scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spellings:
    """The spelling keys of a stored name key (cases.names.key_spellings), and the consonant
    skeletons of its words (~klt ~dtkn)."""

    latin: tuple[str, ...]
    skeletons: tuple[str, ...]

    @classmethod
    def of(cls, key: str) -> "_Spellings":
        shapes = [
            word
            for part in key.split()
            if (word := part.strip()).startswith(SKELETON_MARK) and len(word) > 1
        ]
        return cls(tuple(key_spellings(key)), tuple(dict.fromkeys(shapes)))


def weigh(
    similarity: float,
    year_a: int | None,
    year_b: int | None,
    same_place: bool,
) -> int:
    """The final 0–100 score: name similarity weighed by birth year and home place."""
    score = similarity * NAME_WEIGHT
    if year_a and year_b:
        gap = abs(year_a - year_b)
        if gap <= CLOSE_YEARS:
            score += CLOSE_YEAR_BONUS
        elif gap > FAR_YEARS:
            score -= FAR_YEAR_PENALTY
    if same_place:
        score += SAME_PLACE_BONUS
    return max(0, min(100, round(score)))


def _name_cutoff(min_score: int) -> float:
    # The lowest name similarity that could still reach min_score with every bonus.
    # Scores are rounded: 79.5 is shown, and counted, as 80.
    return max(0.0, (min_score - 0.5 - MAX_BONUS) / NAME_WEIGHT)


def _named():
    """The cases a name can match: not marked as a duplicate, and with a name. A withheld
    name holds a description ("wife of …", "name not known"), which two different people share:
    pairing on it would only suggest false duplicates."""
    return DetainedPerson.objects.filter(duplicate_of__isnull=True, name_withheld=False)


def _vague_place_ids() -> set[int]:
    # "Unknown" is no place: two cases sharing it are no likelier to be one person.
    return set(Place.objects.filter(kind=Place.Kind.UNKNOWN).values_list("pk", flat=True))


# --- Suggestions for one person ---------------------------------------------------------------

_NAME_FIELDS = ("full_name", "name_latin", "name_chinese", "other_names")


def likely_matches(
    *,
    full_name: str,
    name_latin: str = "",
    name_chinese: str = "",
    other_names: str = "",
    birth_year: int | None = None,
    home_place_id: int | None = None,
    exclude_pk: int | None = None,
    name_withheld: bool = False,
    limit: int = 10,
    min_score: int = 60,
) -> list[Match]:
    """Cases in the register that may be this person, best first (at most `limit`).

    Takes the person's names as typed in the form (any script); leaves out `exclude_pk` (the
    person being edited), cases already marked as a duplicate and withheld names (a withheld
    name finds nothing). Candidates come from cases.name_search and are scored by
    cases.name_match, with the reasons; one query (two with a home place), whatever the size
    of the register.
    """
    if name_withheld:
        return []
    place_counts = (
        home_place_id is not None
        and Place.objects.filter(pk=home_place_id).exclude(kind=Place.Kind.UNKNOWN).exists()
    )
    found = name_search.rank(
        _named().exclude(pk=exclude_pk).order_by(),
        [full_name, name_latin, name_chinese, other_names],
        _NAME_FIELDS,
        _PERSON_FIELDS,
        min_score=round(_name_cutoff(min_score)),
    )
    matches = []
    for ranked in found:
        person = Candidate(**{field: ranked.values[field] for field in _PERSON_FIELDS})
        same_place = place_counts and person.home_place_id == home_place_id
        score = weigh(ranked.match.score, birth_year, person.birth_year, same_place)
        if score >= min_score:
            matches.append(Match(person, score, ranked.match))
    matches.sort(key=lambda match: (-match.score, match.person.pk))
    return matches[:limit]


def likely_matches_for(person: DetainedPerson, limit: int = 10) -> list[Match]:
    """likely_matches for a saved or unsaved person, leaving out the person itself."""
    return likely_matches(
        full_name=person.full_name,
        name_latin=person.name_latin,
        name_chinese=person.name_chinese,
        other_names=person.other_names,
        birth_year=person.birth_year,
        home_place_id=person.home_place_id,
        exclude_pk=person.pk,
        name_withheld=person.name_withheld,
        limit=limit,
    )


# --- Pairs across the whole register ----------------------------------------------------------


def find_pairs(min_score: int = 80) -> Iterator[Pair]:
    """Every pair of cases that may be one person, scoring at least `min_score`, with the
    reasons the names are alike.

    Cases marked as a duplicate and withheld names are left out. Pairs come in no particular
    order. One query reads the register; names are then compared key by distinct key, and only
    keys sharing the beginning of a word or the skeletons of two words are compared at all.
    Names are scored by cases.name_match, as search scores them.
    """
    vague_places = _vague_place_ids()
    groups: dict[str, list[Candidate]] = defaultdict(list)
    names: dict[int, tuple[str, ...]] = {}
    rows = _named().order_by("pk")
    width = len(_PERSON_FIELDS)
    for row in rows.values_list(*_PERSON_FIELDS, *_NAME_FIELDS).iterator(chunk_size=5000):
        person = Candidate(*row[:width])
        groups[person.name_key].append(person)
        names[person.pk] = row[width:]
    keys = [key for key in groups if key]
    cutoff = _name_cutoff(min_score)
    matched = _NameMatches()

    def scored(first: Candidate, second: Candidate) -> Pair | None:
        if first.pk > second.pk:
            first, second = second, first
        name = matched(names[first.pk], names[second.pk])
        same_place = (
            first.home_place_id is not None
            and first.home_place_id == second.home_place_id
            and first.home_place_id not in vague_places
        )
        score = weigh(name.score, first.birth_year, second.birth_year, same_place)
        if score < min_score:
            return None
        return Pair(first, second, score, name)

    def candidates(
        first: list[Candidate], second: list[Candidate] | None, similarity: float
    ) -> Iterable[tuple[Candidate, Candidate]]:
        # Only the pairs whose birth years could still bring them to min_score are tried.
        base = similarity * NAME_WEIGHT
        if round(base - FAR_YEAR_PENALTY + SAME_PLACE_BONUS) >= min_score:
            if second is None:
                return itertools.combinations(first, 2)
            return itertools.product(first, second)
        if round(base + SAME_PLACE_BONUS) >= min_score:
            return _close_in_age(first, second, FAR_YEARS, unknown_too=True)
        return _close_in_age(first, second, CLOSE_YEARS, unknown_too=False)

    for key in keys:  # the same key: the same name, however written
        for first, second in candidates(groups[key], None, 100.0):
            if pair := scored(first, second):
                yield pair
    chinese = {
        index
        for index, key in enumerate(keys)
        if any(Script.CHINESE in map(script_of, names[person.pk]) for person in groups[key])
    }
    spellings = [_Spellings.of(key) for key in keys]
    for (i, j), similarity in _similar_keys(spellings, cutoff, chinese).items():
        # similarity is rapidfuzz's, a little raised: name_match may find the names likelier.
        bound = min(100.0, similarity + PREFILTER_SLACK)
        for first, second in candidates(groups[keys[i]], groups[keys[j]], bound):
            if pair := scored(first, second):
                yield pair


class _NameMatches:
    """cases.name_match.best_match of two persons' name fields, each pair of names scored
    once (many persons share their names)."""

    def __init__(self) -> None:
        self._spellings: dict[tuple[str, ...], list[Spelling]] = {}
        self._matches: dict[tuple[tuple[str, ...], tuple[str, ...]], NameMatch] = {}

    def _of(self, names: tuple[str, ...]) -> list[Spelling]:
        if names not in self._spellings:
            self._spellings[names] = spellings_of(*names)
        return self._spellings[names]

    def __call__(self, first: tuple[str, ...], second: tuple[str, ...]) -> NameMatch:
        # The earlier case's names are searched for among the later one's, as search would
        # have found the later one when it was entered.
        if (first, second) not in self._matches:
            self._matches[first, second] = best_match(self._of(first), self._of(second))
        return self._matches[first, second]


def _close_in_age(
    first: list[Candidate], second: list[Candidate] | None, years: int, unknown_too: bool
) -> Iterator[tuple[Candidate, Candidate]]:
    """Pairs from first × second (or within first) born at most `years` apart, and those with
    a birth year unknown if `unknown_too`: found in birth-year order, not by trying every pair.
    """
    others = first if second is None else second
    known = sorted((person for person in others if person.birth_year), key=_birth_year)
    unknown = [person for person in others if not person.birth_year] if unknown_too else []
    born = [person.birth_year for person in known]
    if second is None:
        yield from itertools.combinations(unknown, 2)
        yield from itertools.product(unknown, known)
        for index, person in enumerate(known):
            end = bisect.bisect_right(born, person.birth_year + years)
            yield from ((person, other) for other in known[index + 1 : end])
        return
    for person in first:
        if not person.birth_year:
            if unknown_too:
                yield from ((person, other) for other in others)
            continue
        start = bisect.bisect_left(born, person.birth_year - years)
        end = bisect.bisect_right(born, person.birth_year + years)
        yield from ((person, other) for other in itertools.chain(known[start:end], unknown))


def _birth_year(person: Candidate) -> int:
    return person.birth_year or 0


def _similar_keys(
    spellings: list[_Spellings], cutoff: float, chinese: set[int]
) -> dict[tuple[int, int], float]:
    """Pairs of distinct keys (by index, i < j) worth scoring by their names, with rapidfuzz's
    similarity of their letters (100 when unknown).

    Keys are blocked by the first BLOCK_PREFIX letters of each word, so a typo late in a word
    still pairs, and rapidfuzz compares each block in one call per spelling (PREFILTER_SLACK
    below `cutoff`). A key from a name in Chinese characters (`chinese`), which shares little
    else with its Latin or Cyrillic form, is also paired with every key sharing the skeletons
    of two of its words (~klt ~dtkn)."""
    best: dict[tuple[int, int], float] = {}
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    shapes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, names in enumerate(spellings):
        for name in names.latin:
            for prefix in {word[:BLOCK_PREFIX] for word in name.split() if len(word) > 1}:
                blocks[prefix].append((index, name))
        for two in itertools.combinations(sorted(names.skeletons), 2):
            shapes[two].append(index)
    for members in blocks.values():
        names = [name for _index, name in members]
        for position, (i, name) in enumerate(members[:-1]):
            found = process.extract(
                name,
                names[position + 1 :],
                scorer=fuzz.token_sort_ratio,
                score_cutoff=max(cutoff - PREFILTER_SLACK, 1),
                limit=None,
            )
            for _name, similarity, offset in found:
                j = members[position + 1 + offset][0]
                if i != j:
                    pair = (min(i, j), max(i, j))
                    best[pair] = max(best.get(pair, 0.0), similarity)
    for indexes in shapes.values():
        for i in chinese.intersection(indexes):
            for j in indexes:
                if i != j:
                    best[min(i, j), max(i, j)] = 100.0
    return best


def best_pairs(pairs: Iterable[Pair], limit: int | None = None) -> list[Pair]:
    """The pairs by score, best first; only the `limit` best when given."""

    def order(pair: Pair) -> tuple[int, int, int]:
        return (pair.score, -pair.first.pk, -pair.second.pk)

    if limit is None:
        return sorted(pairs, key=order, reverse=True)
    return heapq.nlargest(limit, pairs, key=order)

"""Ranked search for a person or a relative by any spelling of a name.

The database narrows the register to the records whose stored key (cases.names) holds a word of
the name searched for, or the consonant skeleton of one (~klt), which finds a name through its
Chinese form. The same query runs on SQLite and on PostgreSQL, where the trigram GIN index on
name_key serves it (LIKE '%…%'); on PostgreSQL the CANDIDATES keys most alike by trigram word
similarity are kept when more match (a very common given name alone). cases.name_match then
scores each candidate in Python, the same way on both databases, best first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest

from cases.name_match import NO_MATCH, NameMatch, Spelling, best_match, spellings_of
from cases.names import SKELETON_MARK, SKELETON_MIN, Script, skeleton

# PostgreSQL: how many of the keys most alike are scored when more hold a word of the name.
CANDIDATES = 200
# Below this a candidate is not shown at all (a given name alone scores about 70).
SHOWN = 50
# Words shorter than this narrow nothing (initials, "Li"): only a name with no longer word
# looks for them.
SEARCH_WORD_MIN = 3


@dataclass(frozen=True)
class Ranked:
    """A record found by its name: its values as asked for, and how alike the name is."""

    values: dict[str, Any]
    match: NameMatch

    @property
    def pk(self) -> int:
        return self.values["pk"]


def search_fragments(query: Sequence[Spelling]) -> list[str]:
    """What the stored keys are searched for: each word's stem (without its last letter, which
    Chinese transcriptions add or drop) and each word's skeleton."""
    fragments: dict[str, None] = {}
    words = [word for spelling in query for word in spelling.words]
    long_words = [word for word in words if len(word.stem) >= SEARCH_WORD_MIN]
    # Characters change vowels most: their shorter skeletons are looked for too.
    shortest = SKELETON_MIN if any(s.script == Script.CHINESE for s in query) else SEARCH_WORD_MIN
    for word in long_words or words:
        fragments[word.stem[:-1] if len(word.stem) > SEARCH_WORD_MIN else word.stem] = None
        if len(shape := skeleton(word.stem)) >= shortest:
            fragments[SKELETON_MARK + shape] = None
    return [fragment for fragment in fragments if fragment]


def candidates(
    queryset: QuerySet, query: Sequence[Spelling], key_field: str = "name_key"
) -> QuerySet:
    """The records whose key holds a fragment of the name; on PostgreSQL the CANDIDATES most
    alike."""
    fragments = search_fragments(query)
    if not fragments:
        return queryset.none()
    match = Q()
    for fragment in fragments:
        match |= Q(**{f"{key_field}__contains": fragment})
    queryset = queryset.filter(match)
    if connection.vendor != "postgresql":
        return queryset
    # The keys most alike by their stems, or by their skeletons (a name in characters is
    # alike only so).
    keys = [" ".join(word.stem for word in spelling.words) for spelling in query]
    keys += [" ".join(skeleton(word.stem) for word in spelling.words) for spelling in query]
    closeness = [TrigramWordSimilarity(key, key_field) for key in dict.fromkeys(keys) if key]
    order = Greatest(*closeness) if len(closeness) > 1 else closeness[0]
    return queryset.order_by(order.desc(), "pk")[:CANDIDATES]


def rank(
    queryset: QuerySet,
    names: Sequence[str],
    name_fields: Sequence[str],
    fields: Sequence[str] = (),
    min_score: int = SHOWN,
    key_field: str = "name_key",
) -> list[Ranked]:
    """The records of `queryset` whose name is like any of `names`, best first.

    `name_fields` hold the record's spellings (read as combined_name_key reads them); `fields`
    are further values to return. One query."""
    query = spellings_of(*names)
    if not query:
        return []
    wanted = list(dict.fromkeys(["pk", *name_fields, *fields]))
    found = []
    for values in candidates(queryset, query, key_field).values(*wanted):
        match = best_match(query, spellings_of(*(values[field] for field in name_fields)))
        if match is not NO_MATCH and match.score >= min_score:
            found.append(Ranked(values, match))
    found.sort(key=lambda ranked: (-ranked.match.score, ranked.pk))
    return found

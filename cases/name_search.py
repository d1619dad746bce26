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

# PostgreSQL: how many of the keys most alike are scored when more hold a word of the name
# (a common given name alone): the scoring in Python is most of a search's time.
CANDIDATES = 100
# Below this a candidate is not shown at all (a given name alone scores about 70).
SHOWN = 50
# Words of at most this many letters (Nur, Isa) are looked for only as whole words, and only
# in a name with no longer word; initials not at all.
SEARCH_WORD_MIN = 3


@dataclass(frozen=True)
class Ranked:
    """A record found by its name: its values as asked for, and how alike the name is."""

    values: dict[str, Any]
    match: NameMatch

    @property
    def pk(self) -> int:
        return self.values["pk"]


def search_query(query: Sequence[Spelling], key_field: str = "name_key") -> Q:
    """What the stored keys are searched for: the stem of each word of four letters or more
    (without its last letter when longer, which Chinese transcriptions add or drop) and its
    skeleton; a name of short words only (Nur, Isa) by its words whole. Empty: nothing to
    search for (initials alone)."""
    words = [word for spelling in query for word in spelling.words]
    long_words = [word for word in words if len(word.stem) > SEARCH_WORD_MIN]
    # Characters change vowels most: a given name alone in them (阿依古丽, ~gl) is looked for
    # by its shorter skeleton too. No index narrows that: longer names need not.
    shortest = SEARCH_WORD_MIN
    if any(s.script == Script.CHINESE and len(s.words) == 1 for s in query):
        shortest = SKELETON_MIN
    match = Q()
    for word in long_words:
        stem = word.stem
        match |= Q(**{f"{key_field}__contains": stem[:-1] if len(stem) > 4 else stem})
        if len(shape := skeleton(stem)) >= shortest:
            match |= Q(**{f"{key_field}__contains": SKELETON_MARK + shape})
    if not long_words:
        # A short word as a word of its own: '%nur%' would be every Nurlan and Nurbek.
        for word in words:
            if len(word.stem) > 1:
                match |= Q(**{f"{key_field}__contains": f"{word.stem} "})
                match |= Q(**{f"{key_field}__endswith": word.stem})
    return match


def candidates(
    queryset: QuerySet, query: Sequence[Spelling], key_field: str = "name_key"
) -> QuerySet:
    """The records whose key holds what the name is searched by; on PostgreSQL the
    CANDIDATES most alike."""
    match = search_query(query, key_field)
    if not match:
        return queryset.none()
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

"""How alike two names are, word by word, and why: the ranking of search and duplicate detection.

Both names are read by cases.names into words (in any script: Latin, Cyrillic, Chinese
characters, Arabic script) with their stems. Each word of the name searched for is paired with
the word of the candidate it is most like, in any order; a pair scores 1 for the same stem, less
for a similar spelling (rapidfuzz), and through the consonant skeleton (klt for 凯拉特 kailate
and Kairat) when either name is written in Chinese characters. An initial pairs with a word
that begins with it. The score (0–100) is the pairs' mean, lowered for the candidate's words
left unpaired (the searched name is the given name alone, a surname is missing); a patronymic
missing or extra costs little. The reasons say what made the names differ.
"""

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from cases.names import Ending, NameWord, Script, name_words, script_of, skeleton, spellings

_WORDS = re.compile(r"[\W_]+")
# A score of at least LIKELY is shown as likely the same person.
LIKELY = 90
# Word pairs less alike than this are not paired at all.
WORD_MIN = 0.6
INITIAL_CREDIT = 0.8
# A skeleton shared with a name in Chinese characters (which add and drop vowels), or
# between two names in letters (Marat and Murat share one: it counts less).
SKELETON_CHINESE = 0.95
SKELETON_LETTERS = 0.75
SKELETON_ALIKE = 0.8  # skeletons less alike than this do not pair a word in characters
# Spellings alike at least this much are a variant; below it the similarity falls faster, so
# that Dauletkhan is not taken for Dauitkhan.
FUZZY_KNEE = 0.9
FUZZY_SLOPE = 2
UNPAIRED_CANDIDATE_WORD = 0.7  # the score is multiplied by this for each
UNPAIRED_QUERY_WORD = 0.6
PATRONYMIC_WEIGHT = 0.3  # a patronymic counts this much of a word, paired or not
OTHER_ORDER_COST = 0.02
ENDING_COST = 0.02  # a Russified, feminine or patronymic ending on one side only


class Reason:
    SAME_NAME = "same_name"
    OTHER_ALPHABET = "other_alphabet"
    OTHER_SPELLING = "other_spelling"
    SIMILAR = "similar"
    RUSSIFIED = "russified"
    FEMININE = "feminine"
    PATRONYMIC = "patronymic"
    GIVEN_NAME_ONLY = "given_name_only"
    INITIALS = "initials"
    ORDER = "order"
    PART_MISSING = "part_missing"


REASON_LABELS = {
    Reason.SAME_NAME: _("same name"),
    Reason.OTHER_ALPHABET: _("same name in another alphabet"),
    Reason.OTHER_SPELLING: _("same name, another spelling"),
    Reason.SIMILAR: _("similar spelling"),
    Reason.RUSSIFIED: _("Russified surname"),
    Reason.FEMININE: _("Russian feminine ending"),
    Reason.PATRONYMIC: _("patronymic missing or extra"),
    Reason.GIVEN_NAME_ONLY: _("given name only"),
    Reason.INITIALS: _("initials"),
    Reason.ORDER: _("name parts in another order"),
    Reason.PART_MISSING: _("part of the name missing"),
}


@dataclass(frozen=True)
class Spelling:
    """One spelling of a name, read into words."""

    text: str
    script: str
    words: tuple[NameWord, ...]

    @classmethod
    def of(cls, text: str) -> "Spelling":
        return _spelling(text)

    # Worked out once a spelling: compare reads them for every pair of names.
    @cached_property
    def stems(self) -> tuple[str, ...]:
        return tuple(word.stem for word in self.words)

    @cached_property
    def weights(self) -> tuple[float, ...]:
        return tuple(_weight(word) for word in self.words)

    @cached_property
    def written(self) -> frozenset[str]:
        """The words as written, case folded."""
        return frozenset(_WORDS.split(self.text.casefold()))


@lru_cache(maxsize=8192)
def _spelling(text: str) -> Spelling:
    return Spelling(text, script_of(text), name_words(text))


def spellings_of(*names: str) -> list[Spelling]:
    """The spellings in name fields (several a field, as combined_name_key reads them)."""
    found = [Spelling.of(text) for text in spellings(*names)]
    return [spelling for spelling in found if spelling.words]


@dataclass(frozen=True)
class NameMatch:
    """How alike a candidate's name is to the one searched for (0–100), and why."""

    score: int
    reasons: tuple[str, ...] = ()

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS[reason]) for reason in self.reasons]

    @property
    def explanation(self) -> str:
        return ", ".join(self.reason_labels)


NO_MATCH = NameMatch(0)


@lru_cache(maxsize=65536)  # a register has far fewer distinct words than pairs of names
def _word_similarity(query: str, candidate: str, chinese: bool) -> tuple[float, str]:
    """How alike two words are by their stems (0–1), and how they were paired."""
    if query == candidate:
        return 1.0, Reason.SAME_NAME
    if len(query) == 1 or len(candidate) == 1:  # an initial
        if query[0] == candidate[0]:
            return INITIAL_CREDIT, Reason.INITIALS
        return 0.0, ""
    ratio = fuzz.ratio(query, candidate) / 100
    if ratio < FUZZY_KNEE:
        ratio = max(0.0, ratio - (FUZZY_KNEE - ratio) * FUZZY_SLOPE)
    shape_a, shape_b = skeleton(query), skeleton(candidate)
    if len(shape_a) >= 2 and len(shape_b) >= 2:
        if chinese:
            # Characters also drop a consonant now and then (米日古丽 mirguli, Mihrigul).
            alike = fuzz.ratio(shape_a, shape_b) / 100
            by_shape = SKELETON_CHINESE * alike if alike >= SKELETON_ALIKE else 0.0
        else:
            by_shape = SKELETON_LETTERS if shape_a == shape_b else 0.0
        if by_shape > ratio:
            return by_shape, Reason.OTHER_ALPHABET if chinese else Reason.SIMILAR
    return ratio, Reason.SIMILAR


def _weight(word: NameWord) -> float:
    return PATRONYMIC_WEIGHT if word.is_patronymic else 1.0


def compare(query: Spelling, candidate: Spelling) -> NameMatch:
    """How alike one spelling of a candidate's name is to one spelling searched for."""
    if not query.words or not candidate.words:
        return NO_MATCH
    chinese = Script.CHINESE in (query.script, candidate.script)
    options = []
    for i, word in enumerate(query.stems):
        for j, other in enumerate(candidate.stems):
            similarity, how = _word_similarity(word, other, chinese)
            if similarity >= WORD_MIN:
                options.append((similarity, -abs(i - j), i, j, how))
    options.sort(reverse=True)
    paired: dict[int, tuple[int, float, str]] = {}
    used: set[int] = set()
    for similarity, _distance, i, j, how in options:
        if i not in paired and j not in used:
            paired[i] = (j, similarity, how)
            used.add(j)
    reasons: set[str] = set()
    respelled = False
    credit = total = 0.0
    factor = 1.0
    for i, word in enumerate(query.words):
        weight = query.weights[i]
        total += weight
        if i not in paired:
            if word.is_patronymic and len(paired) >= 2:
                reasons.add(Reason.PATRONYMIC)
            else:
                factor *= UNPAIRED_QUERY_WORD
                reasons.add(Reason.PART_MISSING)
            continue
        j, similarity, how = paired[i]
        other = candidate.words[j]
        pair_weight = max(weight, candidate.weights[j])
        credit += similarity * pair_weight
        total += pair_weight - weight
        reasons.add(how)
        if word.folded != other.folded and how == Reason.SAME_NAME:
            ending = _ending_reason(word, other)
            reasons.add(ending)
            respelled = True
            if ending != Reason.SAME_NAME:
                # Below the same name with the same ending: Дауитханов finds Дауитханов first.
                credit -= ENDING_COST * pair_weight
    for j, other in enumerate(candidate.words):
        if j in used:
            continue
        # A patronymic beside a given name and a surname costs little; alone beside the given
        # name it is the surname (Қайрат Серікұлы), missing like any other.
        if other.is_patronymic and len(paired) >= 2:
            reasons.add(Reason.PATRONYMIC)
        else:
            factor *= UNPAIRED_CANDIDATE_WORD
    score = credit / total * factor if total else 0.0
    pairs_in_order = [paired[i][0] for i in sorted(paired)]
    if pairs_in_order != sorted(pairs_in_order):
        score -= OTHER_ORDER_COST
        reasons.add(Reason.ORDER)
    if len(paired) == 1 and len(query.words) == 1 and len(candidate.words) > 1:
        reasons.discard(Reason.PART_MISSING)
        if not query.words[0].is_initial:
            reasons.add(Reason.GIVEN_NAME_ONLY if paired[0][0] == 0 else Reason.PART_MISSING)
    other_script = query.script != candidate.script
    # Written otherwise, though folded alike (Гульбахар Джалилова, Гүлбахар Жәлилова)?
    respelled = respelled or not query.written <= candidate.written
    return NameMatch(
        round(max(0.0, min(score, 1.0)) * 100),
        _ordered(frozenset(reasons), other_script, respelled),
    )


def _ending_reason(word: NameWord, other: NameWord) -> str:
    endings = {word.ending, other.ending} - {Ending.NONE}
    for ending, reason in (
        (Ending.PATRONYMIC, Reason.PATRONYMIC),
        (Ending.RUSSIFIED, Reason.RUSSIFIED),
        (Ending.FEMININE, Reason.FEMININE),
    ):
        if ending in endings and word.ending != other.ending:
            return reason
    return Reason.SAME_NAME


_REASON_ORDER = list(REASON_LABELS)


@lru_cache(maxsize=1024)  # a few dozen combinations recur in every comparison
def _ordered(found: frozenset[str], other_script: bool, respelled: bool) -> tuple[str, ...]:
    reasons = set(found)
    if Reason.SAME_NAME in reasons:
        if other_script:
            reasons.add(Reason.OTHER_ALPHABET)
        elif respelled:
            reasons.add(Reason.OTHER_SPELLING)
        if len(reasons) > 1:
            reasons.discard(Reason.SAME_NAME)
    if Reason.OTHER_ALPHABET in reasons:
        reasons.discard(Reason.OTHER_SPELLING)
    return tuple(reason for reason in _REASON_ORDER if reason in reasons)


def best_match(query: list[Spelling], candidate: list[Spelling]) -> NameMatch:
    """The best match between any spelling searched for and any spelling of the candidate."""
    best = NO_MATCH
    for mine in query:
        for theirs in candidate:
            found = compare(mine, theirs)
            if found.score > best.score:
                best = found
    return best

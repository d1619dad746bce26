"""Transliteration and search keys for names.

One person appears as Қайрат Дәуітхан, Kairat Dauitkhan, Qaırat Dáýithan (the 2018 Kazakh Latin
alphabet), KAIRAT DAUITKHAN (her passport), Кайрат Дауитханов (a Russian letter), 凯拉特·达吾提汗
(a Chinese notice) and قايرات ٴداۋىتحان (a note in the Arabic script Kazakhs in Xinjiang write).
`name_words` reads a name in any of these scripts and alphabets into words of one folded Latin
form, each word's *stem* (the Russified ending, a patronymic's -ұлы or -ович taken off) and
what was taken off; `name_key` is the stems of a name, `combined_name_key` the stored key of a
record under all its spellings. cases.name_match scores two names word by word from them.

Folding makes the letters Kazakh names are written with in the various alphabets one letter:
ә/ä/á/a' → a, ы/і/и/й/ı/y → i, ұ/ү/у/ū/ü/ý/w → u, қ/q/k/х/h/kh/x → k, ж/j/dj/дж → zh,
ң/ñ/ń/ng → n, ш/ş/s' → sh, ч/ç/c' → ch; doubled letters are one.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Kazakh and Russian Cyrillic to Latin, as families and officials commonly write it.
CYRILLIC_TO_LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n",
    "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

# Töte, the Arabic-script alphabet of the Kazakhs in China (and the Uyghur letters it shares or
# lacks), to Latin. No maintained package transliterates it (the Arabic transliterators on PyPI
# target Arabic or Persian, whose vowels and letters differ), so the table is written out here
# from the alphabet as taught in Xinjiang. Töte writes а/ә, о/ө, ұ/ү and ы/і with one letter each
# and marks a front-vowel word with the hamza ٴ, which the folded key does not need.
TOTE_TO_LATIN = {
    "ا": "a", "ە": "e", "ه": "e", "و": "o", "ۇ": "u", "ۋ": "u", "ى": "i", "ي": "i", "ی": "i",
    "ب": "b", "ۆ": "v", "گ": "g", "ع": "g", "غ": "g", "د": "d", "ج": "zh", "ژ": "zh", "ز": "z",
    "ك": "k", "ک": "k", "ق": "k", "ل": "l", "م": "m", "ن": "n", "ڭ": "ng", "پ": "p", "ر": "r",
    "س": "s", "ت": "t", "ف": "f", "ح": "kh", "خ": "kh", "ھ": "h", "چ": "ch", "ش": "sh",
    "ې": "e", "ۈ": "u", "ٴ": "", "ئ": "", "ء": "", "أ": "a", "إ": "i", "آ": "a",
}  # fmt: skip

# Letters of the official Kazakh Latin alphabets and other Latin forms that accent stripping
# would fold wrongly (ý is у in 2018, not ы; ş and ç are ш and ч) or not at all (ı).
LATIN_LETTERS = {
    "ý": "u", "ş": "sh", "ç": "ch", "ı": "i", "ñ": "ng", "ń": "ng", "ğ": "g", "ǵ": "g",
    "ä": "a", "ö": "o", "ü": "u", "ū": "u", "ó": "o", "ú": "u", "á": "a", "ə": "a", "ɵ": "o",
    "ß": "ss",
}  # fmt: skip
# The 2017 alphabet marks letters with an apostrophe: s' ш, c' ч, n' ң, y' у; a', o', u', i'
# and g' are ә, ө, ү, и/й and ғ, which fold to the plain letter anyway.
_APOSTROPHES = "'’ʼ‘`´ʹ"
_APOSTROPHE_LETTER = re.compile(f"([a-z])[{_APOSTROPHES}]")
APOSTROPHE_LETTERS = {"s": "sh", "c": "ch", "n": "ng", "y": "u"}

# Spelling variants folded to one form, applied in order after transliteration.
VARIANT_FOLDS = [
    (re.compile("dzh|dj|j"), "zh"),
    (re.compile("kh|q|x|(?<![scz])h"), "k"),
    (re.compile("gh"), "g"),
    (re.compile("w"), "u"),
    (re.compile("y"), "i"),
    (re.compile("ng"), "n"),
    (re.compile(r"\bie"), "e"),  # Yerzhan, Ержан
]
# Давут, Dawut, Daut: folded in the stem only, once the endings -ov, -ova are off.
_V_BETWEEN_VOWELS = re.compile("(?<=[aeiou])v(?=[aeiou])")

_CHINESE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_CHINESE_RUN = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")
_ARABIC = re.compile("[\u0600-\u06ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_DOUBLED = re.compile(r"([a-z])\1+")
_NOT_NAME = re.compile(r"[^a-z0-9\s]")
_SPACES = re.compile(r"\s+")
_VOWELS = re.compile("[aeiou]")

# Endings taken off a word's stem, longest first: Russian patronymics, Kazakh patronymics
# written as one word, Russified surnames. Each keeps a stem of at least the given length.
PATRONYMIC_ENDINGS = (
    ("ovich", 3), ("evich", 3), ("ovna", 3), ("evna", 3), ("uli", 3), ("kizi", 3),
)  # fmt: skip
RUSSIFIED_ENDINGS = (("ova", 3), ("eva", 3), ("ov", 3), ("ev", 3), ("ina", 5), ("in", 5))
# Kazakh patronymics as a word of their own: Әлім ұлы, Ақытхан қызы.
PATRONYMIC_WORDS = frozenset({"uli", "kizi"})
FEMININE_MIN = 5  # Гульнара / Гүлнар: a final -a is taken off words of at least this length


class Script:
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    CHINESE = "chinese"
    ARABIC = "arabic"


def script_of(text: str) -> str:
    """The script a name is written in (the first non-Latin one found)."""
    if _CHINESE.search(text):
        return Script.CHINESE
    if _ARABIC.search(text):
        return Script.ARABIC
    if _CYRILLIC.search(text):
        return Script.CYRILLIC
    return Script.LATIN


def transliterate(text: str) -> str:
    """Kazakh or Russian Cyrillic to Latin letters; other characters pass through."""
    out = []
    for char in text:
        lower = char.lower()
        latin = CYRILLIC_TO_LATIN.get(lower)
        if latin is None:
            out.append(char)
        elif char != lower and latin:
            out.append(latin[0].upper() + latin[1:])
        else:
            out.append(latin)
    return "".join(out)


def _tote(text: str) -> str:
    return "".join(TOTE_TO_LATIN.get(char, char) for char in text)


# Chinese transcriptions of Kazakh and Uyghur names write a syllable per sound: 尔 (er) is an r
# after a vowel, 依 (yi) and 吾 (wu) are the vowels i and u, 热 (re) an r.
PINYIN_SYLLABLES = {"er": "r", "yi": "i", "wu": "u", "ye": "e", "re": "r", "ri": "r"}


def _pinyin_word(characters: str) -> str:
    syllables = lazy_pinyin(characters, style=Style.NORMAL, errors="ignore")
    out = []
    for index, syllable in enumerate(syllables):
        # 别 bie is be, 西 xi is si or shi in these names.
        syllable = syllable.replace("ie", "e")
        if syllable.startswith("x"):
            syllable = "s" + syllable[1:]
        if index and syllable in PINYIN_SYLLABLES:
            syllable = PINYIN_SYLLABLES[syllable]
        elif syllable in ("yi", "wu"):
            syllable = syllable[1]
        out.append(syllable)
    return "".join(out)


def _chinese(text: str) -> str:
    # Each run of characters (between the dots or spaces of 凯拉特·达吾提汗) is one word.
    return _CHINESE_RUN.sub(lambda match: f" {_pinyin_word(match[0])} ", text)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """A name in any script as folded Latin words, without taking any ending off."""
    text = unicodedata.normalize("NFC", text)
    text = _chinese(_tote(transliterate(text))).casefold()
    text = "".join(LATIN_LETTERS.get(char, char) for char in text)
    text = _APOSTROPHE_LETTER.sub(lambda m: APOSTROPHE_LETTERS.get(m[1], m[1]), text)
    text = _NOT_NAME.sub(" ", _strip_accents(text))
    text = "".join(LATIN_LETTERS.get(char, char) for char in text)
    for variant, folded in VARIANT_FOLDS:
        text = variant.sub(folded, text)
    text = _DOUBLED.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


class Ending:
    NONE = ""
    RUSSIFIED = "russified"
    PATRONYMIC = "patronymic"
    FEMININE = "feminine"


@dataclass(frozen=True)
class NameWord:
    """One word of a name: as folded, its stem, and what ending was taken off."""

    folded: str
    stem: str
    ending: str = Ending.NONE

    @property
    def is_initial(self) -> bool:
        return len(self.stem) == 1

    @property
    def is_patronymic(self) -> bool:
        return self.ending == Ending.PATRONYMIC


def _cut(word: str, endings: tuple[tuple[str, int], ...]) -> str | None:
    for ending, min_stem in endings:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            return word[: -len(ending)]
    return None


def stem(word: str) -> NameWord:
    """The stem of one folded word: Дауитханов, Дәуітханұлы and Дәуітхан have one."""
    if (cut := _cut(word, PATRONYMIC_ENDINGS)) is not None:
        return NameWord(word, _base(cut), Ending.PATRONYMIC)
    if (cut := _cut(word, RUSSIFIED_ENDINGS)) is not None:
        return NameWord(word, _base(cut), Ending.RUSSIFIED)
    base = _base(word)
    if len(word) >= FEMININE_MIN and word.endswith("a"):
        return NameWord(word, base, Ending.FEMININE)
    return NameWord(word, base)


def _base(word: str) -> str:
    word = _DOUBLED.sub(r"\1", _V_BETWEEN_VOWELS.sub("u", word))
    # Тоқашбай / Токашбаев: the й of -ай, -ей goes when a Russian ending is added; Гүлнар /
    # Гульнара: the feminine -a.
    if len(word) >= 4 and word[-1] == "i" and word[-2] in "aeou":
        word = word[:-1]
    if len(word) >= FEMININE_MIN and word.endswith("a"):
        word = word[:-1]
    return word


@lru_cache(maxsize=8192)
def name_words(text: str) -> tuple[NameWord, ...]:
    """The words of one name in any script; a patronymic marker (ұлы, қызы) marks the word
    before it."""
    words: list[NameWord] = []
    if script_of(text) == Script.CHINESE:
        # Characters carry no Russian endings: a final -uli is 古丽 (gul), not a patronymic.
        return tuple(NameWord(folded, folded) for folded in fold(text).split())
    for folded in fold(text).split():
        if folded in PATRONYMIC_WORDS and words:
            words[-1] = NameWord(words[-1].folded, words[-1].stem, Ending.PATRONYMIC)
            continue
        words.append(stem(folded))
    return tuple(words)


def name_key(text: str) -> str:
    """The search key of one name: the stems of its words in any script, in order."""
    return " ".join(word.stem for word in name_words(text))


_SKELETON_FOLDS = str.maketrans({"r": "l", "h": None})


@lru_cache(maxsize=65536)  # name_match asks it of every pair of words compared
def skeleton(stem_: str) -> str:
    """A word's consonants, r and l as one, zh, sh and ch as z, s and c: what a Chinese
    transcription keeps of a name while it adds and drops vowels (凯拉特 kailate / Kairat:
    klt; 扎 zha for za)."""
    return _DOUBLED.sub(r"\1", _VOWELS.sub("", stem_).translate(_SKELETON_FOLDS))


SKELETON_MARK = "~"
SKELETON_MIN = 2
KEY_SEPARATOR = " | "


def spellings(*names: str) -> list[str]:
    """The separate spellings in name fields: a field may hold several, one a line or
    separated by commas or semicolons."""
    return [part.strip() for name in names for part in re.split(r"[,;\n]", name or "")]


def combined_name_key(*names: str) -> str:
    """One stored key for all the spellings of a record: each distinct key once, in order,
    then the skeletons of its words (~klt ~dtkn) that find a name through its Chinese form."""
    keys: list[str] = []
    for part in spellings(*names):
        key = name_key(part)
        if key and key not in keys:
            keys.append(key)
    skeletons = dict.fromkeys(
        SKELETON_MARK + shape
        for key in keys
        for word in key.split()
        if len(shape := skeleton(word)) >= SKELETON_MIN
    )
    if skeletons:
        keys.append(" ".join(skeletons))
    return KEY_SEPARATOR.join(keys)


def key_spellings(stored_key: str) -> list[str]:
    """The spelling keys of a stored key, without its skeletons."""
    return [
        part
        for part in (part.strip() for part in stored_key.split(KEY_SEPARATOR))
        if part and not part.startswith(SKELETON_MARK)
    ]


REFERENCE_NAME_FIELDS = ("name_en", "name_kk", "name_ru", "name_zh", "other_names")


def reference_name_key(row: object) -> str:
    """The search key of a place or an authority under all its names, as persons have one: the
    data migration that seeds other names calls it too, so keep it free of model methods."""
    return combined_name_key(
        *(getattr(row, field, "") for field in REFERENCE_NAME_FIELDS), getattr(row, "code", "")
    )

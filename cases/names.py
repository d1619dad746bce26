"""Transliteration and search keys for names.

One person appears as Қайрат Дәуітхан, Kairat Dauitkhan, Qairat Dauitkhan and Kayrat Dauytkhan.
`name_key` maps all of them to the same ASCII key, so search and duplicate detection can compare
keys instead of spellings. Chinese characters are kept as they are and match exactly.
"""

import re
import unicodedata

# Kazakh and Russian Cyrillic to Latin, as families and officials commonly write it.
CYRILLIC_TO_LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n",
    "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

# Spelling variants folded to one form, applied in order after transliteration.
VARIANT_FOLDS = [
    ("kh", "h"),
    ("gh", "g"),
    ("q", "k"),
    ("w", "u"),
    ("y", "i"),
    ("j", "zh"),
]

_DOUBLED = re.compile(r"([a-z])\1+")
_NOT_NAME = re.compile(r"[^a-z0-9\u3400-\u9fff\s]")
_SPACES = re.compile(r"\s+")


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


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(text: str) -> str:
    """The search key of one name: transliterated, casefolded, variants folded, no punctuation."""
    key = _strip_accents(transliterate(text).casefold())
    key = _NOT_NAME.sub(" ", key)
    for variant, folded in VARIANT_FOLDS:
        key = key.replace(variant, folded)
    key = _DOUBLED.sub(r"\1", key)
    return _SPACES.sub(" ", key).strip()


def combined_name_key(*names: str) -> str:
    """One stored key for all the spellings of a person: each distinct key once, in order."""
    keys: list[str] = []
    for name in names:
        for part in re.split(r"[,;\n]", name or ""):
            key = name_key(part)
            if key and key not in keys:
                keys.append(key)
    return " | ".join(keys)


REFERENCE_NAME_FIELDS = ("name_en", "name_kk", "name_ru", "name_zh", "other_names")


def reference_name_key(row: object) -> str:
    """The search key of a place or an authority under all its names, as persons have one: the
    data migration that seeds other names calls it too, so keep it free of model methods."""
    return combined_name_key(
        *(getattr(row, field, "") for field in REFERENCE_NAME_FIELDS), getattr(row, "code", "")
    )

import pytest

from cases.names import combined_name_key, name_key, transliterate


def test_transliterate_kazakh_letters():
    assert transliterate("Қайрат Дәуітхан") == "Kayrat Dauitkhan"
    assert transliterate("ғұңөүһ") == "gungouh"


def test_transliterate_russian_letters():
    assert transliterate("Жумалы Щукин") == "Zhumaly Shchukin"


@pytest.mark.parametrize(
    "spelling",
    [
        "Қайрат Дәуітхан",
        "Кайрат Дауитхан",
        "Kairat Dauitkhan",
        "Qairat Dauitkhan",
        "Kayrat Dauytkhan",
    ],
)
def test_every_spelling_of_one_name_has_one_key(spelling):
    assert name_key(spelling) == name_key("Kairat Dauitkhan")


def test_key_drops_punctuation_and_case():
    assert name_key("  DAUITKHAN,  Qairat! ") == "dauithan kairat"


def test_different_names_keep_different_keys():
    assert name_key("Расул Жұмалы") != name_key("Марат Тоқашбаев")


def test_chinese_characters_are_kept():
    assert name_key("凯拉特") == "凯拉特"


def test_combined_key_lists_each_spelling_once():
    key = combined_name_key(
        "Қайрат Дәуітхан", "Kairat Dauitkhan", "凯拉特", "Kayrat Dauytkhan\nQ. D."
    )
    assert key == "kairat dauithan | 凯拉特 | k d"

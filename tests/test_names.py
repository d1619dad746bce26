import pytest

from cases.names import combined_name_key, name_key, name_words, skeleton, transliterate


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
        "KAIRAT DAUITKHAN",  # passport (ICAO)
        "Qai'rat Da'y'ithan",  # Latin alphabet of 2017
        "Qaırat Dáýithan",  # 2018: the dotless ı is a letter, ý is у
        "Qayrat Däuithan",  # 2021
        "قايرات ٴداۋىتحان",  # töte, the Arabic script of the Kazakhs in Xinjiang
        "Кайрат Дауитханов",  # Russified surname
        "Қайрат Дәуітханұлы",  # patronymic form of the surname
    ],
)
def test_every_spelling_of_one_name_has_one_key(spelling):
    assert name_key(spelling) == name_key("Kairat Dauitkhan")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Гүлнар Сейітқазы", "Гульнара Сейтказиева"),  # soft sign, -а, -ева
        ("Гүлнар Сейітқазы", "Gulnara Seitkazy"),
        ("Гульбахар Джалилова", "Gulbahar Jalilova"),  # дж / j
        ("Бақытәлі Нұр", "Bakhytali Nur"),  # kh for қ
        ("Марат Тоқашбай", "Марат Токашбаев"),  # -ай + -ев
        ("Мұрагер Әлім ұлы", "Мурагер Алимов"),
        ("Гүлнар Сейітқазы", "Гульнара Сейтказиевна"),  # Russian patronymic
        ("Zumrat Dawut", "Зумрат Давутова"),
        ("Yerzhan Qurban", "Ержан Құрбан"),
        ("Ilham Toxti", "Ілһам Тохти"),  # Uyghur Latin x
    ],
)
def test_russified_and_informal_forms_have_the_key_of_the_kazakh_name(one, other):
    assert name_key(one) == name_key(other)


def test_endings_taken_off_are_remembered():
    given, surname, patronymic = name_words("Гульнара Сейтказиева Кайратовна")
    assert (given.stem, given.ending) == ("gulnar", "feminine")
    assert (surname.stem, surname.ending) == ("seitkazi", "russified")
    assert (patronymic.stem, patronymic.ending) == ("kairat", "patronymic")
    [name, father] = name_words("Мұрагер Әлім ұлы")
    assert father.is_patronymic and not name.is_patronymic


def test_key_drops_punctuation_and_case():
    assert name_key("  DAUITKHAN,  Qairat! ") == "dauitkan kairat"


def test_different_names_keep_different_keys():
    assert name_key("Расул Жұмалы") != name_key("Марат Тоқашбаев")
    assert name_key("Қайрат Дәуітхан") != name_key("Қайрат Дәулетхан")


def test_chinese_characters_are_read_as_pinyin():
    assert name_key("努尔兰") == "nurlan"
    assert name_key("凯拉特·达吾提汗") == "kailate dautikan"
    # The transcription adds vowels: the consonants are the Latin name's.
    assert skeleton(name_key("凯拉特")) == skeleton(name_key("Kairat")) == "klt"
    assert skeleton(name_key("阿依古丽")) == skeleton(name_key("Айгүл"))


def test_combined_key_lists_each_spelling_once_then_the_skeletons():
    key = combined_name_key(
        "Қайрат Дәуітхан", "Kairat Dauitkhan", "凯拉特", "Kayrat Dauytkhan\nQ. D."
    )
    assert key == "kairat dauitkan | kailate | k d | ~klt ~dtkn"

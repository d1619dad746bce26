"""Writes variants.csv, the labelled name variants the name matching is measured on.

    .venv/bin/python tests/data/names/build_variants.py

Each person below is named as published (the source column says where); the official Latin
forms (2017, 2018, 2021 alphabets), the passport (ICAO Doc 9303) form and the Arabic-script
(töte) form are produced here from the Kazakh Cyrillic by the official tables, written out
below independently of cases/names.py (which reads them back, the other way round). Informal,
Russified, patronymic and Chinese-character forms are written by hand: how families, Russian
officials and Chinese documents spell these names. The Chinese forms follow the usual
transcription of Kazakh and Uyghur names into characters (努尔 for Nur-, 古丽 for -gul, 别克
for -bek, 汗 for -khan, 提 for a final -t); a few are the forms the press printed (noted).

Columns: person (one id per person; a person may be stored under two spellings), query (what
an advocate types), target (a spelling the register holds), category, source. Rows with
category near_neighbour name a *different* person: the target must not come first as a match.
Rows with category register_only only add a person to the register (no query).
"""

import csv
import unicodedata
from pathlib import Path

AZATTYQ_2018 = "RFE/RL Azattyq, Almaty press conference report (seed/article-kk.txt)"
ISSUE = "issue 17 (spellings an advocate tried)"

# id, Kazakh Cyrillic, source, informal Latin, Russified forms, Chinese, patronymic forms
PERSONS = [
    ("P01", "Қайрат Дәуітхан", AZATTYQ_2018,
     ["Kairat Dauitkhan", "Kayrat Dauytkhan", "Qairat Dauitkhan"],
     [("russified", "Кайрат Дауитханов"), ("russified", "Kairat Dauitkhanov")],
     "凯拉特·达吾提汗", [("patronymic", "Қайрат Дәуітханұлы")]),
    ("P02", "Расул Жұмалы", AZATTYQ_2018,
     ["Rasul Zhumaly", "Rasul Jumaly", "Rasul Zhumali"],
     [("russified", "Расул Жумалиев")], "拉苏力·朱马力", []),
    ("P03", "Марат Тоқашбаев", AZATTYQ_2018,
     ["Marat Tokashbaev", "Marat Toqashbaev"],
     [("russified", "Марат Токашбаев"), ("russified", "Марат Тоқашбай")], "", []),
    ("P04", "Еркін Рақышев", AZATTYQ_2018,
     ["Erkin Rakyshev", "Yerkin Rakyshev"],
     [("russified", "Еркин Ракышев")], "", []),
    ("P05", "Қазыбек Иса", AZATTYQ_2018,
     ["Kazybek Isa", "Qazybek Isa"], [("russified", "Казыбек Исаев")], "哈孜别克·伊萨", []),
    ("P06", "Сайрагүл Сауытбай", "Sayragul Sauytbay: RFE/RL Azattyq, court reports 2018",
     ["Sayragul Sauytbay", "Sairagul Sauytbai", "Sayragul Sawytbay"],
     [("russified", "Сайрагуль Сауытбаева"), ("soft_sign", "Сайрагуль Сауытбай")],
     "萨依拉古丽·沙吾提巴依", []),
    ("P07", "Өмір Бекали", "Omir Bekali: AP, RFE/RL Azattyq 2018",
     ["Omir Bekali", "Omyr Bekaly"], [("russified", "Омир Бекалиев")], "吾米尔·别克力", []),
    ("P08", "Қайрат Самарқан", "Kairat Samarkan: RFE/RL Azattyq, The Guardian 2018",
     ["Kairat Samarkan", "Qairat Samarqan", "Kayrat Samarkhan"],
     [("russified", "Кайрат Самарканов")], "凯拉特·萨马尔汗", []),
    ("P09", "Гүлзира Әуелхан", "Gulzira Auelkhan: RFE/RL Azattyq, BuzzFeed News 2019",
     ["Gulzira Auelkhan", "Gulzira Auelhan", "Gulzira Aueilkhan"],
     [("russified", "Гульзира Ауелханова"), ("soft_sign", "Гульзира Ауелхан")],
     "古丽孜拉·阿吾力汗", []),
    ("P10", "Орынбек Көксебек", "Orynbek Koksebek: RFE/RL Azattyq, Reuters 2019",
     ["Orynbek Koksebek", "Orinbek Koksebek"], [("russified", "Орынбек Коксебеков")],
     "吾仁别克·阔克斯别克", []),
    ("P11", "Серікжан Біләш", "Serikzhan Bilash: RFE/RL Azattyq 2019",
     ["Serikzhan Bilash", "Serikjan Bilash", "Serik Bilash"],
     [("russified", "Серикжан Билашев"), ("dzh_j_zh", "Серикджан Билаш")],
     "塞力克江·比拉什", []),
    ("P12", "Гүлбахар Жәлилова", "Gulbahar Jalilova: public testimony, Xinjiang Victims Database",
     ["Gulbahar Jalilova", "Gulbakhar Zhalilova", "Gulbahar Djalilova"],
     [("dzh_j_zh", "Гульбахар Джалилова"), ("soft_sign", "Гульбахар Жалилова")],
     "古丽巴哈尔·加里洛娃", []),
    ("P13", "Бақытәлі Нұр", ISSUE + "; RFE/RL Azattyq 2020",
     ["Bakhytali Nur", "Bakytali Nur", "Baqytaly Nur"],
     [("kh_q", "Бахытали Нур")], "巴合提阿力·努尔", []),
    ("P14", "Гүлнар Сейітқазы", ISSUE,
     ["Gulnara Seitkazy", "Gulnar Seiitkazy", "Gulnar Seytkazy"],
     [("russified", "Гульнара Сейтказиева"), ("soft_sign", "Гульнар Сейтказы")],
     "古丽娜尔·赛提卡孜", [("patronymic", "Гульнара Сейтказиевна")]),
    ("P15", "Ержан Құрбан", "Erzhan Kurban: AP, RFE/RL Azattyq 2019",
     ["Erzhan Kurban", "Yerzhan Qurban", "Erjan Kurban"],
     [("russified", "Ержан Курбанов")], "叶尔江·库尔班", []),
    ("P16", "Гүлнар Өмірзақ", "Gulnar Omirzakh: AP report on birth control 2020",
     ["Gulnar Omirzakh", "Gulnar Omirzak", "Gulnar Omyrzaq"],
     [("russified", "Гульнара Омирзакова")], "古丽娜尔·吾米尔扎克", []),
    ("P17", "Қайша Ақан", "Kaisha Akan: RFE/RL Azattyq, Xinjiang Victims Database",
     ["Qaisha Aqan", "Kaisha Akan", "Kaysha Akhan"],
     [("russified", "Кайша Аканова")], "凯莎·阿汗", []),
    ("P18", "Дина Нұрдыбай", "Dina Nurdybay: Xinjiang Victims Database, RFE/RL Azattyq",
     ["Dina Nurdybay", "Dina Nurdybai", "Dina Nurdibay"],
     [("russified", "Дина Нурдыбаева")], "迪娜·努尔德巴依", []),
    ("P19", "Асқар Азатбек", "Askar Azatbek: RFE/RL Azattyq 2019",
     ["Askar Azatbek", "Asqar Azatbek", "Askhar Azatbek"],
     [("russified", "Аскар Азатбеков")], "阿斯卡尔·阿扎特别克", []),
    ("P20", "Гүлнұр Қосдәулет", "Gulnur Kosdaulet: RFE/RL Azattyq, The Globe and Mail 2019",
     ["Gulnur Kosdaulet", "Gulnur Qosdaulet", "Gulnur Kosdauliet"],
     [("russified", "Гульнур Косдаулетова")], "古丽努尔·阔斯达吾列提", []),
    ("P21", "Ақиқат Қалиолла", "Akikat Kaliolla: RFE/RL Azattyq 2018",
     ["Akikat Kaliolla", "Aqiqat Qaliolla", "Akhikhat Kaliolla"],
     [("russified", "Акикат Калиоллаев")], "阿克卡提·哈力奥拉", []),
    ("P22", "Жанаргүл Жұматай", "Zhanargul Zhumatai: BuzzFeed News, Xinjiang Victims Database",
     ["Zhanargul Zhumatai", "Janargul Jumatay", "Zhanargul Zhumatay"],
     [("russified", "Жанаргуль Жуматаева")], "加娜尔古丽·朱马泰", []),
    ("P23", "Рахима Сенбай", "Rakhima Senbai: RFE/RL Azattyq 2019",
     ["Rakhima Senbai", "Rahima Senbay", "Rakhyma Senbai"],
     [("russified", "Рахима Сенбаева")], "热合玛·森拜", []),
    ("P24", "Анар Сабит", "Anar Sabit: The New Yorker 2021",
     ["Anar Sabit", "Anar Sabyt"], [("russified", "Анара Сабитова")], "阿娜尔·沙比提", []),
    ("P25", "Зумрәт Дәуіт", "Zumrat Dawut (Uyghur): public testimony, Xinjiang Victims Database",
     ["Zumrat Dawut", "Zumret Davut", "Zumrat Daut"],
     [("russified", "Зумрат Давутова")], "祖木热提·达吾提", []),
    ("P26", "Миһригүл Тұрсын", "Mihrigul Tursun (Uyghur): testimony to the US Congress 2018",
     ["Mihrigul Tursun", "Mikhrigul Tursyn", "Mehrigul Tursun"],
     [("russified", "Михригуль Турсунова")], "米日古丽·图尔逊", []),
    ("P27", "Тұрсынай Зияудун", "Tursunay Ziyawudun (Uyghur): BBC 2021",
     ["Tursunay Ziyawudun", "Tursynai Ziyaudun", "Tursunai Ziyavudun"],
     [("russified", "Турсунай Зияудунова")], "图尔苏娜依·孜亚吾东", []),
    ("P28", "Қәлбинұр Сыдық", "Qelbinur Sidiq (Uyghur): The Guardian 2020",
     ["Kalbinur Sidik", "Qalbinur Sydyq", "Kalbinur Sydyk"],
     [("russified", "Калбинур Сидикова")], "克里比努尔·斯迪克", []),
    ("P29", "Ілһам Тохти", "Ilham Tohti (Uyghur): UN and press; Chinese form as printed",
     ["Ilham Tohti", "Ilkham Tokhti", "Ilham Toxti"],
     [("russified", "Ильхам Тохтиев")], "伊力哈木·土赫提", []),
    ("P30", "Рахилә Дәуіт", "Rahile Dawut (Uyghur): UN experts, press; Chinese form as printed",
     ["Rahile Dawut", "Rakhila Daut", "Rahila Dawut"],
     [("russified", "Рахиля Давутова")], "热依拉·达吾提", []),
    ("P31", "Қалида Ақытханқызы", "Kalida Akytkhankyzy: RFE/RL Azattyq 2019",
     ["Kalida Akytkhankyzy", "Qalida Aqytqanqyzy", "Kalida Akytkhan kyzy"],
     [("russified", "Калида Акытханова")], "哈丽达·阿克特汗",
     [("patronymic", "Қалида Ақытхан қызы")]),
    ("P32", "Мұрагер Әлімұлы", "Murager Alimuly: RFE/RL Azattyq 2018",
     ["Murager Alimuly", "Muragher Alimuly", "Murager Alimuli"],
     [("russified", "Мурагер Алимов")], "木拉格尔·阿力木", [("patronymic", "Мұрагер Әлім ұлы")]),
    ("P33", "Нұрлан Ахмет", ISSUE + " (努尔兰 for Nurlan); Xinjiang Victims Database",
     ["Nurlan Akhmet", "Nurlan Ahmet", "Nurlan Akhmed"],
     [("russified", "Нурлан Ахметов")], "努尔兰·艾合买提", []),
    ("P34", "Айгүл Бекен", ISSUE + " (阿依古丽 for Aigul); Xinjiang Victims Database",
     ["Aigul Beken", "Aygul Beken", "Aigyul Beken"],
     [("russified", "Айгуль Бекенова")], "阿依古丽·别肯", []),
]  # fmt: skip

# More forms of the ones above, by hand: дж / j / zh, kh for қ, the soft sign, patronymics.
MORE_FORMS = [
    ("P22", "dzh_j_zh", "Джанаргуль Джуматай"), ("P15", "dzh_j_zh", "Ерджан Курбан"),
    ("P02", "dzh_j_zh", "Расул Джумалы"), ("P12", "dzh_j_zh", "Gulbakhar Dzhalilova"),
    ("P11", "dzh_j_zh", "Serikdjan Bilash"), ("P22", "dzh_j_zh", "Janargul Jumatai"),
    ("P21", "kh_q", "Akhikhat Khaliolla"), ("P19", "kh_q", "Askhar Azatbek"),
    ("P17", "kh_q", "Khaisha Akhan"), ("P08", "kh_q", "Khairat Samarkhan"),
    ("P05", "kh_q", "Khazybek Isa"), ("P20", "kh_q", "Gulnur Khosdaulet"),
    ("P20", "soft_sign", "Гульнур Косдаулет"), ("P34", "soft_sign", "Айгуль Бекен"),
    ("P26", "soft_sign", "Михригуль Турсун"), ("P24", "soft_sign", "Анар Сабить"),
    ("P14", "patronymic", "Gulnara Seitkazy Kairatkyzy"),
    ("P08", "patronymic", "Қайрат Самарқанұлы"), ("P11", "patronymic", "Serikzhan Bilashuly"),
    ("P33", "patronymic", "Нурлан Ахметович"), ("P07", "patronymic", "Омир Бекалиевич"),
    ("P23", "patronymic", "Рахима Сенбайқызы"),
]  # fmt: skip

# Other persons in the register, close to the ones above: a query must not find them first.
REGISTER_ONLY = [
    "Қайрат Дәулетхан", "Гүлнар Сейітқали", "Гүлзира Әуелбек", "Қайрат Самат",
    "Серікжан Бекаш", "Гүлбахыт Жәлелова", "Бақытжан Нұр", "Ержан Құрманов", "Асқар Азатов",
    "Дина Нұрбай", "Анар Сабыр", "Айгүл Бекетова", "Нұрлан Ахметжан", "Рахима Серікбай",
    "Марат Тоқтарбаев", "Өмірзақ Бекали", "Гүлнұр Қосай", "Жанар Жұматай",
]  # fmt: skip

# Other people, not in the register, whose names are close to someone's who is.
NEAR_NEIGHBOURS = [
    ("P01", "Kairat Dauletkhanov"), ("P01", "Qairat Dáýletqan"), ("P08", "Kairat Samatov"),
    ("P14", "Gulnara Seitkalieva"), ("P14", "Гүлнар Сейітжан"), ("P09", "Gulzira Auelbekova"),
    ("P11", "Serikzhan Bekashev"), ("P12", "Gulbakhyt Jalelova"), ("P13", "Bakhytzhan Nur"),
    ("P15", "Erzhan Kurmanov"), ("P19", "Askar Azatov"), ("P18", "Dina Nurbaeva"),
    ("P24", "Anar Sabyrova"), ("P34", "Aigul Beketova"), ("P33", "Nurlan Akhmetzhanov"),
    ("P23", "Rakhima Serikbaeva"), ("P03", "Marat Toktarbaev"), ("P07", "Omirzak Bekaly"),
    ("P20", "Gulnur Kosaeva"), ("P22", "Zhanar Zhumataeva"), ("P06", "Sairan Sauytbekova"),
    ("P02", "Rustem Zhumaliev"), ("P05", "Kazybek Iskakov"), ("P10", "Orynbai Koksebaev"),
    ("P16", "Gulnara Omarova"), ("P17", "Kaisha Akhmetova"), ("P21", "Akmaral Kalieva"),
    ("P29", "Ilyas Tokhtiev"), ("P32", "Murat Alimov"), ("P31", "Khalida Akhmetkyzy"),
]  # fmt: skip

# Official Latin alphabets: 2017 (decree 569, apostrophes), 2018 (decree 637, acute accents),
# 2021 (the revised alphabet presented in January 2021). Lower case; capitals below.
LATIN_2017 = {
    "а": "a", "ә": "a'", "б": "b", "в": "v", "г": "g", "ғ": "g'", "д": "d", "е": "e", "ж": "j",
    "з": "z", "и": "i'", "й": "i'", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "n'",
    "о": "o", "ө": "o'", "п": "p", "р": "r", "с": "s", "т": "t", "у": "y'", "ұ": "u", "ү": "u'",
    "ф": "f", "х": "h", "һ": "h", "ц": "c", "ч": "c'", "ш": "s'", "ы": "y", "і": "i", "э": "e",
    "ю": "i'y'", "я": "i'a", "ь": "", "ъ": "",
}  # fmt: skip
LATIN_2018 = {
    "а": "a", "ә": "á", "б": "b", "в": "v", "г": "g", "ғ": "ǵ", "д": "d", "е": "e", "ж": "j",
    "з": "z", "и": "ı", "й": "ı", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "ń",
    "о": "o", "ө": "ó", "п": "p", "р": "r", "с": "s", "т": "t", "у": "ý", "ұ": "u", "ү": "ú",
    "ф": "f", "х": "h", "һ": "h", "ц": "c", "ч": "ch", "ш": "sh", "ы": "y", "і": "i", "э": "e",
    "ю": "ıý", "я": "ıa", "ь": "", "ъ": "",
}  # fmt: skip
LATIN_2021 = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e", "ж": "j",
    "з": "z", "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "ñ",
    "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū", "ү": "ü",
    "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ç", "ш": "ş", "ы": "ı", "і": "i", "э": "e",
    "ю": "yu", "я": "ya", "ь": "", "ъ": "",
}  # fmt: skip
# ICAO Doc 9303 (machine-readable passports), as Kazakhstan's passports print names.
ICAO = {
    "а": "A", "ә": "A", "б": "B", "в": "V", "г": "G", "ғ": "G", "д": "D", "е": "E", "ж": "ZH",
    "з": "Z", "и": "I", "й": "I", "к": "K", "қ": "K", "л": "L", "м": "M", "н": "N", "ң": "N",
    "о": "O", "ө": "O", "п": "P", "р": "R", "с": "S", "т": "T", "у": "U", "ұ": "U", "ү": "U",
    "ф": "F", "х": "KH", "һ": "H", "ц": "TS", "ч": "CH", "ш": "SH", "ы": "Y", "і": "I",
    "э": "E", "ю": "IU", "я": "IA", "ь": "", "ъ": "IE",
}  # fmt: skip
# Töte, the Arabic-script alphabet Kazakhs in Xinjiang write: one letter for а/ә, о/ө, ұ/ү,
# ы/і; a word with a front vowel (ә, ө, ү, і) and no е, к or г takes the hamza ٴ in front.
TOTE = {
    "а": "ا", "ә": "ا", "б": "ب", "в": "ۆ", "г": "گ", "ғ": "ع", "д": "د", "е": "ە", "ж": "ج",
    "з": "ز", "и": "ي", "й": "ي", "к": "ك", "қ": "ق", "л": "ل", "م": "م", "м": "م", "н": "ن",
    "ң": "ڭ", "о": "و", "ө": "و", "п": "پ", "р": "ر", "с": "س", "т": "ت", "у": "ۋ", "ұ": "ۇ",
    "ү": "ۇ", "ф": "ف", "х": "ح", "һ": "ھ", "ц": "تس", "ч": "چ", "ш": "ش", "ы": "ى", "і": "ى",
    "э": "ە", "ю": "يۋ", "я": "يا", "ь": "", "ъ": "",
}  # fmt: skip
HAMZA = "ٴ"


def spell(name: str, table: dict[str, str], capitals: bool = True) -> str:
    out = []
    for word in name.split():
        letters = [table.get(c.lower(), c) for c in word]
        text = "".join(letters)
        if capitals and text:
            first = text[0]
            if first == "ı":
                first = "I"
            elif first == "i" and table is LATIN_2021:
                first = "İ"
            text = first.upper() + text[1:]
        out.append(text)
    return " ".join(out)


def tote(name: str) -> str:
    words = []
    for word in name.lower().split():
        text = "".join(TOTE.get(c, c) for c in word)
        if any(c in "әөүі" for c in word) and not any(c in "екг" for c in word):
            text = HAMZA + text
        words.append(text)
    return " ".join(words)


def rows() -> list[dict[str, str]]:
    out = []

    def add(person, query, target, category, source):
        out.append(
            {
                "person": person,
                "query": query,
                "target": target,
                "category": category,
                "source": source,
            }
        )

    for pid, cyr, source, informal, russified, chinese, patronymics in PERSONS:
        add(pid, spell(cyr, LATIN_2017), cyr, "latin_2017", source)
        add(pid, spell(cyr, LATIN_2018), cyr, "latin_2018", source)
        add(pid, spell(cyr, LATIN_2021), cyr, "latin_2021", source)
        add(pid, spell(cyr, ICAO, capitals=False), cyr, "icao_passport", source)
        for latin in informal:
            add(pid, latin, cyr, "informal_latin", source)
        for category, form in russified:
            add(pid, form, cyr, category, source)
        for category, form in patronymics:
            add(pid, form, cyr, category, source)
        if chinese:
            # Characters typed to find the Cyrillic record, and a Chinese-only record found
            # by the Latin spelling: both ways.
            add(pid, chinese, cyr, "chinese", source)
            add(pid, informal[0], chinese, "chinese", source)
            add(pid, chinese.split("·")[0], cyr, "given_name_chinese", source)
        add(pid, tote(cyr), cyr, "tote", source)
        add(pid, cyr.split()[0], cyr, "given_name_only", source)
        surname, given = cyr.split()[-1], cyr.split()[0]
        add(pid, f"{surname} {given}", cyr, "order_swapped", source)
        initial = spell(given, ICAO, capitals=False)[0]
        add(
            pid,
            f"{initial}. {spell(surname, ICAO, capitals=False).title()}",
            cyr,
            "initials",
            source,
        )
    targets = {pid: (cyr, source) for pid, cyr, source, *_ in PERSONS}
    for pid, category, form in MORE_FORMS:
        add(pid, form, *targets[pid][:1], category, targets[pid][1])
    for name in REGISTER_ONLY:
        add(
            "R" + str(REGISTER_ONLY.index(name) + 1).zfill(2),
            "",
            name,
            "register_only",
            "constructed near neighbour (common Kazakh names)",
        )
    persons = {pid: cyr for pid, cyr, *_ in PERSONS}
    for pid, query in NEAR_NEIGHBOURS:
        add(pid, query, persons[pid], "near_neighbour", "constructed near neighbour")
    return out


def main() -> None:
    path = Path(__file__).with_name("variants.csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["person", "query", "target", "category", "source"]
        )
        writer.writeheader()
        for row in rows():
            writer.writerow(
                {key: unicodedata.normalize("NFC", value) for key, value in row.items()}
            )


if __name__ == "__main__":
    main()

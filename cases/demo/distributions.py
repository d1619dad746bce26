"""How often each value occurs among the generated cases, and the names they are given.

Made up to resemble the cases advocates describe (most of them Kazakhs from Ili, Altay and
Tacheng, most held in 2017 or 2018), so that the statistics and the benchmarks work on a
plausible mix; generator.py draws from them.
"""

import random
from bisect import bisect
from itertools import accumulate
from typing import Any

from cases.models import (
    Authority,
    Consent,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Gender,
    Outcome,
    Petition,
    PetitionStatus,
    Relative,
    Status,
)


class Weighted:
    """Pick from a fixed set of values with fixed weights."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        # What rng.choices() does for one value, without building lists: called millions of times.
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


KAZAKH_MALE = [
    "Ерлан", "Серік", "Асқар", "Нұрлан", "Бақыт", "Мұрат", "Қайрат", "Дәулет", "Ержан", "Талғат",
    "Бауыржан", "Ғалым", "Жандос", "Әділет", "Нұрбол", "Еркін", "Берік", "Серікбай", "Жұмабай",
    "Әбдірахман", "Құрманбек", "Төлеген", "Сәкен", "Қанат", "Арман", "Ербол", "Мейрам", "Рахат",
    "Ақылбек", "Оралхан", "Байжан", "Шәкен", "Хасен", "Жеңіс", "Қуаныш", "Бекзат", "Елдос",
    "Дархан", "Омарбек", "Мұхтар", "Сұлтан", "Азамат", "Мағжан", "Ерболат", "Жақсылық",
    "Тұрсынбек", "Қабдеш", "Мұратбек", "Әсет", "Нұртай",
]  # fmt: skip
KAZAKH_FEMALE = [
    "Айгүл", "Гүлнар", "Жанар", "Сәуле", "Айжан", "Гүлмира", "Бақытгүл", "Назгүл", "Динара",
    "Әсем", "Ақмарал", "Меруерт", "Жадыра", "Айнұр", "Гүлбаршын", "Раушан", "Салтанат", "Күләш",
    "Маржан", "Ботагөз", "Ұлжан", "Зәуре", "Нұржамал", "Шынар", "Гүлжан", "Қалиман", "Мәдина",
    "Аружан", "Ләззат", "Тоғжан", "Алтынай", "Айша", "Баян", "Күлпаш", "Мөлдір", "Сандуғаш",
    "Үміт", "Жібек", "Гүлсім", "Шолпан",
]  # fmt: skip
# given names in each ethnicity's usual Cyrillic spelling: (male, female)
GIVEN_NAMES = {
    Ethnicity.KAZAKH: (KAZAKH_MALE, KAZAKH_FEMALE),
    Ethnicity.UYGHUR: (
        ["Абдурехим", "Мәмәтжан", "Турсун", "Илхам", "Әхмәт", "Алимжан", "Абдусалам", "Әкбәр"],
        ["Гүлнар", "Рейхангүл", "Мәрйәм", "Зумрәт", "Патигүл", "Әминә", "Айшәм", "Мунирә"],
    ),
    Ethnicity.KYRGYZ: (
        ["Бакыт", "Азамат", "Эрмек", "Жыргалбек", "Токтосун", "Нурбек"],
        ["Айнура", "Жылдыз", "Гүлзат", "Чолпон", "Бермет"],
    ),
    Ethnicity.UZBEK: (["Улугбек", "Шухрат", "Ботир", "Азиз"], ["Дилноза", "Нигора", "Мухаббат"]),
    Ethnicity.TAJIK: (["Рустам", "Фарход", "Шерали"], ["Фарида", "Зарина"]),
    Ethnicity.TATAR: (["Рашид", "Ильдар", "Рустем", "Марат"], ["Гульнара", "Альфия", "Эльмира"]),
    Ethnicity.MONGOL: (["Батбаяр", "Очир", "Баатар"], ["Сарангэрэл", "Цэцэг"]),
}
# Hui families use Chinese names, surname first: (Cyrillic, characters)
HUI_NAMES = (
    [("Ма Цзюнь", "马俊"), ("Ма Линь", "马林"), ("Хэ Мин", "何明"), ("Ма Вэньхуа", "马文华")],
    [("Ма Хуэй", "马慧"), ("Ян Фан", "杨芳"), ("Ма Лань", "马兰")],
)
# How Kazakh given names are usually written in Chinese, for the name_chinese field.
CHINESE_FORMS = {
    "Ерлан": "叶尔兰", "Серік": "赛力克", "Асқар": "阿斯哈尔", "Нұрлан": "努尔兰",
    "Бақыт": "巴合提", "Мұрат": "木拉提", "Қайрат": "凯拉特", "Дәулет": "达吾列提",
    "Ержан": "叶尔江", "Қанат": "哈那提", "Арман": "阿尔曼", "Азамат": "阿扎马提",
    "Сұлтан": "苏力坦", "Айгүл": "阿依古丽", "Гүлнар": "古丽娜尔", "Жанар": "加娜尔",
    "Динара": "迪娜拉", "Назгүл": "娜孜古丽", "Гүлмира": "古丽米拉", "Айжан": "阿依江",
}  # fmt: skip

# Russian spelling of Kazakh letters, and a Latin spelling with q and h: both common on papers.
RUSSIAN_SPELLING = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")
LATIN_VARIANT = str.maketrans({"қ": "q", "Қ": "Q", "х": "h", "Х": "H", "ғ": "gh", "Ғ": "Gh"})

ETHNICITY = Weighted(
    {
        Ethnicity.KAZAKH: 80,
        Ethnicity.UYGHUR: 7,
        Ethnicity.KYRGYZ: 3,
        Ethnicity.HUI: 2,
        Ethnicity.UZBEK: 1,
        Ethnicity.TATAR: 1,
        Ethnicity.MONGOL: 1,
        Ethnicity.TAJIK: 0.5,
        Ethnicity.OTHER: 0.5,
        Ethnicity.UNKNOWN: 4,
    }
)
GENDER = Weighted({Gender.MALE: 60, Gender.FEMALE: 38, Gender.UNKNOWN: 2})
CITIZENSHIP = Weighted(
    {
        DetainedPerson.Citizenship.PRC: 58,
        DetainedPerson.Citizenship.PRC_KZ_RESIDENT: 15,
        DetainedPerson.Citizenship.KAZAKHSTAN: 10,
        DetainedPerson.Citizenship.OTHER: 1,
        DetainedPerson.Citizenship.UNKNOWN: 16,
    }
)
# The reasons given, as families report them: most are given none or do not know it.
REASON = Weighted(
    {
        DetainedPerson.Reason.DUAL_CITIZENSHIP: 8,
        DetainedPerson.Reason.TRAVEL_ABROAD: 14,
        DetainedPerson.Reason.RELIGIOUS_PRACTICE: 12,
        DetainedPerson.Reason.CONTACT_ABROAD: 6,
        DetainedPerson.Reason.EXTREMISM: 10,
        DetainedPerson.Reason.NONE_GIVEN: 20,
        DetainedPerson.Reason.OTHER: 2,
        DetainedPerson.Reason.UNKNOWN: 28,
    }
)
DETAINED_BY = Weighted(
    {
        DetainedPerson.DetainedBy.POLICE: 40,
        DetainedPerson.DetainedBy.STATE_SECURITY: 10,
        DetainedPerson.DetainedBy.NEIGHBOURHOOD_COMMITTEE: 8,
        DetainedPerson.DetainedBy.CAMP_OR_PRISON_ADMINISTRATION: 2,
        DetainedPerson.DetainedBy.UNKNOWN: 40,
    }
)
# How families give their consent: mostly a signed form, some by phone, a few through a lawyer.
CONSENT_METHOD = Weighted(
    {Consent.Method.WRITTEN: 70, Consent.Method.ORAL: 25, Consent.Method.LAWYER: 5}
)
# Where people of each group mostly come from; Kazakhs mainly from the north (Ili, Altay, Tacheng).
PLACES = {
    Ethnicity.KAZAKH: Weighted({
        "ili": 30, "altay": 18, "tacheng": 16, "changji": 9, "urumqi": 7, "bortala": 5, "hami": 3,
        "karamay": 2, "shihezi": 1, "kokdala": 1, "beitun": 1, "elsewhere": 1, "unknown": 6,
    }),
    Ethnicity.UYGHUR: Weighted({
        "kashgar": 20, "hotan": 15, "aksu": 15, "urumqi": 15, "ili": 12, "turpan": 8, "hami": 3,
        "bayingolin": 5, "unknown": 7,
    }),
    Ethnicity.KYRGYZ: Weighted({
        "kizilsu": 60, "ili": 10, "aksu": 10, "kashgar": 10, "unknown": 10,
    }),
    Ethnicity.MONGOL: Weighted({"bortala": 40, "bayingolin": 35, "tacheng": 10, "unknown": 15}),
    Ethnicity.HUI: Weighted({"changji": 40, "urumqi": 30, "ili": 15, "unknown": 15}),
}  # fmt: skip
OTHER_PLACES = Weighted({"urumqi": 30, "ili": 25, "kashgar": 15, "tacheng": 10, "unknown": 20})
COUNTIES = {
    "ili": ["Күнес", "Тоққұзтарау", "Нылқы", "Текес", "Моңғолкүре", "Құлжа", "Шапшал"],
    "altay": ["Бурылтоғай", "Көктоғай", "Шіңгіл", "Қаба", "Жеменей", "Буыршын"],
    "tacheng": ["Дөрбілжін", "Толы", "Қобық", "Сауан", "Шағантоғай"],
    "changji": ["Құтыби", "Мори", "Жемсары", "Манас"],
    "hami": ["Баркөл"],
}
OCCUPATIONS = [
    "малшы", "диқан", "мұғалім", "саудагер", "жүргізуші", "дәрігер", "студент", "зейнеткер",
    "молда", "кәсіпкер", "мемлекеттік қызметкер",
]  # fmt: skip
DETENTION_YEAR = Weighted(
    {2017: 25, 2018: 35, 2019: 15, 2020: 8, 2021: 6, 2022: 5, 2023: 3, 2024: 3}
)
PRECISION = Weighted({DatePrecision.YEAR: 35, DatePrecision.MONTH: 40, DatePrecision.DAY: 25})
# Families often keep a copy of a letter they sent, and an answer is a dated letter: petitions'
# dates are mostly known to the day, some only to the month or year ("wrote several times in
# 2018"), most of those entered long after.
SUBMISSION_PRECISION = Weighted(
    {DatePrecision.DAY: 70, DatePrecision.MONTH: 20, DatePrecision.YEAR: 10}
)
ANSWER_PRECISION = Weighted(
    {DatePrecision.DAY: 85, DatePrecision.MONTH: 12, DatePrecision.YEAR: 3}
)

K = Outcome.Kind
# (what happened, in order; the status when no outcome implies one per OUTCOME_STATUS): weight
SCENARIOS = Weighted(
    {
        ((), Status.CAMP): 18,
        ((), Status.PRETRIAL): 4,
        ((), Status.HOUSE_ARREST): 3,
        ((), Status.BARRED_FROM_LEAVING): 8,
        ((), Status.FORCED_LABOUR): 5,
        ((), Status.UNKNOWN): 6,
        ((K.TRANSFERRED,), Status.FORCED_LABOUR): 3,
        ((K.SENTENCED,), None): 16,
        ((K.SENTENCED, K.TRANSFERRED), Status.PRISON): 2,
        ((K.RELEASED_FROM_CAMP,), None): 14,
        ((K.SENTENCED, K.RELEASED_FROM_PRISON), None): 2,
        ((K.PASSPORT_RETURNED,), None): 2,
        ((K.RELEASED_FROM_CAMP, K.ALLOWED_TO_LEAVE), None): 3,
        ((K.RELEASED_FROM_CAMP, K.RETURNED_TO_KAZAKHSTAN), None): 8,
        ((K.ALLOWED_TO_LEAVE, K.RETURNED_TO_KAZAKHSTAN, K.REUNITED), None): 4,
        ((K.DIED,), None): 2,
        ((K.SENTENCED, K.DIED), None): 1,
    }
)
SENTENCE_YEARS = Weighted({1: 2, 2: 3, 3: 4, 5: 6, 7: 5, 10: 6, 12: 3, 15: 4, 17: 1, 20: 3, 25: 1})
# An outcome that a petition may have helped bring about.
PETITION_HELPED = frozenset(
    {
        K.RELEASED_FROM_CAMP,
        K.RELEASED_FROM_PRISON,
        K.PASSPORT_RETURNED,
        K.ALLOWED_TO_LEAVE,
        K.RETURNED_TO_KAZAKHSTAN,
    }
)

PETITION_COUNT = Weighted({0: 15, 1: 40, 2: 30, 3: 15})
AUTHORITY = Weighted({
    "president": 25, "mfa": 30, "ombudsman": 12, "parliament": 6, "prc_embassy": 8, "un_wgad": 7,
    "un_wgeid": 5, "ohchr": 5, "other": 2,
})  # fmt: skip
CHANNELS = {
    Authority.Kind.KAZAKHSTAN: Weighted(
        {
            Petition.Channel.LETTER: 50,
            Petition.Channel.EGOV: 30,
            Petition.Channel.IN_PERSON: 15,
            Petition.Channel.EMAIL: 5,
        }
    ),
    Authority.Kind.CHINA: Weighted({Petition.Channel.LETTER: 60, Petition.Channel.IN_PERSON: 40}),
    Authority.Kind.INTERNATIONAL: Weighted(
        {Petition.Channel.UN_FORM: 70, Petition.Channel.EMAIL: 30}
    ),
}
PETITION_STATUS = Weighted(
    {
        PetitionStatus.DRAFT: 5,
        PetitionStatus.SUBMITTED: 30,
        PetitionStatus.REGISTERED: 20,
        PetitionStatus.FORWARDED: 10,
        PetitionStatus.ANSWERED: 25,
        PetitionStatus.CLOSED: 10,
    }
)
RESPONSE = Weighted(
    {
        Petition.ResponseKind.FORMAL: 40,
        Petition.ResponseKind.INFORMATION: 25,
        Petition.ResponseKind.PROMISE: 10,
        Petition.ResponseKind.REFUSAL: 25,
    }
)
RESPONSE_SUMMARY = {
    Petition.ResponseKind.FORMAL: "Acknowledged; the matter is outside our competence.",
    Petition.ResponseKind.INFORMATION: "The person is said to be in vocational training.",
    Petition.ResponseKind.PROMISE: "A request has been sent to the Chinese side.",
    Petition.ResponseKind.REFUSAL: "The person is a citizen of the PRC; no grounds to act.",
}
OPEN_STATUSES = (
    PetitionStatus.SUBMITTED,
    PetitionStatus.REGISTERED,
    PetitionStatus.FORWARDED,
    PetitionStatus.ANSWERED,
)

RELATIVE_COUNT = Weighted({1: 30, 2: 35, 3: 20, 4: 15})
LIVES_IN = Weighted(
    {Relative.LivesIn.KAZAKHSTAN: 70, Relative.LivesIn.CHINA: 25, Relative.LivesIn.OTHER: 5}
)
# Where relatives living in China are now: most families say they may not leave.
SITUATION_IN_CHINA = Weighted(
    {
        Relative.Situation.IN_CHINA_BARRED: 45,
        Relative.Situation.IN_CHINA_FREE: 30,
        Relative.Situation.UNKNOWN: 25,
    }
)
SITUATION_FROM_HOME = {
    Relative.LivesIn.KAZAKHSTAN: Relative.Situation.IN_KAZAKHSTAN,
    Relative.LivesIn.OTHER: Relative.Situation.ELSEWHERE,
}
CITIES = [
    "Алматы", "Астана", "Шымкент", "Талдықорған", "Жаркент", "Өскемен", "Аягөз", "Қонаев", "Семей",
    "Зайсан",
]  # fmt: skip

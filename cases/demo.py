"""Demo data: the source story as the model case, and generated families to try the app at scale.

`load_story()` records Kairat Dauitkhan's family as Radio Azattyq reported it, and can run any
number of times. `generate_cases()` adds made-up families, each one marked as generated.
"""

import datetime
import gc
import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.db import models, reset_queries
from django.utils import timezone

from cases.models import (
    OUTCOME_STATUS,
    Authority,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Gender,
    Kinship,
    Outcome,
    Petition,
    PetitionEvent,
    PetitionStatus,
    Place,
    PublishedFigure,
    Relative,
    Source,
    Status,
    normalize_date,
)
from cases.names import combined_name_key, transliterate
from cases.public import tallies

# --- The source story -------------------------------------------------------------------------

WIFE_NAME = "Қайрат Дәуітханның әйелі (аты жарияланбаған)"
WIFE_NAME_LATIN = "Wife of Kairat Dauitkhan (name not published)"
REPORT = "Radio Azattyq (RFE/RL Kazakh service)"
NO_DATE = "Approximate: the report gives no date."

WIFE_NOTES = (
    "Her name was not published. At the time of the report she had been unable to return from "
    "China to Kazakhstan for two years, so the year 2018 is inferred from that. Their "
    "eight-month-old child stayed in China with her. Source: "
    f"{REPORT}, press conference in Almaty."
)

# The three sentences of the report about this family, kept with the source as evidence.
ARTICLE_EXCERPT = (
    "Жиынға қатысқандардың бірі Қайрат Дәуітхан есімді азамат әйелінің екі жылдан бері Қытайдан "
    "қайта алмай отырғанын, екі баласының Қазақстан азаматы екенін айтты. Ол сегіз айлық "
    "баласының Қытайда әйелімен бірге қалғанын, төрт жастағы баласы өзімен бірге екенін "
    "жеткізді. Ол Қазақстан президенті мен Сыртқы істер министрлігіне көмек сұрап бірнеше рет "
    "жазғанымен, әйелін Қытайдан әлі қайтара алмай отырғанын айтты."
)

# (the relative, how they are kin to her)
STORY_RELATIVES = [
    (
        {
            "full_name": "Қайрат Дәуітхан",
            "name_latin": "Kairat Dauitkhan",
            "citizenship": Relative.Citizenship.KAZAKHSTAN,
            "lives_in": Relative.LivesIn.KAZAKHSTAN,
            "notes": "Spoke at the press conference in Almaty; wrote several times to the "
            "President of Kazakhstan and to the Ministry of Foreign Affairs asking for help.",
        },
        {"relationship": Kinship.Relationship.SPOUSE, "is_contact": True, "separated": True},
    ),
    (
        {
            "full_name": "Қайрат Дәуітханның сегіз айлық баласы (аты жарияланбаған)",
            "name_latin": "Child of Kairat Dauitkhan aged eight months (name not published)",
            "citizenship": Relative.Citizenship.KAZAKHSTAN,
            "lives_in": Relative.LivesIn.CHINA,
            "notes": "Eight months old at the time of the report; a citizen of Kazakhstan; "
            "stayed in China with the mother. Name and birth date not published.",
        },
        {"relationship": Kinship.Relationship.CHILD, "is_contact": False, "separated": False},
    ),
    (
        {
            "full_name": "Қайрат Дәуітханның төрт жастағы баласы (аты жарияланбаған)",
            "name_latin": "Child of Kairat Dauitkhan aged four (name not published)",
            "citizenship": Relative.Citizenship.KAZAKHSTAN,
            "lives_in": Relative.LivesIn.KAZAKHSTAN,
            "notes": "Four years old at the time of the report; a citizen of Kazakhstan; lives "
            "in Kazakhstan with the father, apart from the mother. Name and birth date not "
            "published.",
        },
        {"relationship": Kinship.Relationship.CHILD, "is_contact": False, "separated": True},
    ),
]

# He wrote "several times" to each; two letters each, on estimated dates within 2018-2019.
STORY_PETITIONS = [
    ("president", datetime.date(2018, 9, 1)),
    ("president", datetime.date(2019, 3, 1)),
    ("mfa", datetime.date(2018, 10, 1)),
    ("mfa", datetime.date(2019, 4, 1)),
]

MFA_SOURCE = f"Ministry of Foreign Affairs of Kazakhstan, as reported by {REPORT}"

# en, kk, ru, value: the Ministry's figures from the year before the report.
STORY_FIGURES = [
    (
        "Applications received from relatives of Kazakhs detained in China",
        "Қытайда қамауда отырған қазақтардың туыстарынан түскен өтініштер",
        "Обращения родственников казахов, задержанных в Китае",
        915,
    ),
    (
        "Ethnic Kazakhs allowed by China to leave since the start of 2018 (more than 2,000)",
        "2018 жылдың басынан бері Қытай аумағынан кетуге рұқсат алған қазақтар (екі мыңнан астам)",
        "Этнические казахи, которым Китай разрешил выехать с начала 2018 года (более 2000)",
        2000,
    ),
    (
        "Citizens of Kazakhstan detained in China on suspicion of dual citizenship "
        "(15 of them released)",
        "Қытайда қос азаматтығы үшін күдікті саналып ұсталған қазақстандықтар "
        "(15-і бостандыққа шыққан)",
        "Граждане Казахстана, задержанные в Китае по подозрению в двойном гражданстве "
        "(15 из них освобождены)",
        29,
    ),
]


class _Changes:
    """Creates or updates rows, counting those it writes."""

    count = 0

    def sync(self, model: type[models.Model], found: Any, values: dict) -> Any:
        """Create the row, or bring `found` in line with `values`; save only if something
        differs, so that an unchanged row keeps its updated_at and gets no history entry."""
        if found is None:
            found = model(**values)
        else:
            differing = [name for name, value in values.items() if getattr(found, name) != value]
            if not differing:
                return found
            for name in differing:
                setattr(found, name, values[name])
        found.save()
        self.count += 1
        return found


def load_story() -> int:
    """Load Kairat Dauitkhan's family and the Ministry's figures; return the rows created or
    changed (0 when the story is already there as the report tells it)."""
    changes = _Changes()
    wife = changes.sync(
        DetainedPerson,
        DetainedPerson.objects.filter(full_name=WIFE_NAME).order_by("pk").first(),
        {
            "full_name": WIFE_NAME,
            "name_latin": WIFE_NAME_LATIN,
            "gender": Gender.FEMALE,
            "ethnicity": Ethnicity.KAZAKH,
            "status": Status.BARRED_FROM_LEAVING,
            "detained_on": datetime.date(2018, 1, 1),
            "detained_on_precision": DatePrecision.YEAR,
            "home_place": Place.objects.get(code="unknown"),
            "verification": DetainedPerson.Verification.REPORTED,
            "notes": WIFE_NOTES,
        },
    )

    for relative_fields, kinship_fields in STORY_RELATIVES:
        relative = changes.sync(
            Relative,
            Relative.objects.filter(
                full_name=relative_fields["full_name"], kinships__person=wife
            ).first(),
            relative_fields,
        )
        changes.sync(
            Kinship,
            Kinship.objects.filter(person=wife, relative=relative).first(),
            {"person": wife, "relative": relative, **kinship_fields},
        )
        if kinship_fields["relationship"] == Kinship.Relationship.SPOUSE:
            kairat = relative

    for code, submitted_on in STORY_PETITIONS:
        authority = Authority.objects.get(code=code)
        petition = changes.sync(
            Petition,
            Petition.objects.filter(
                persons=wife, authority=authority, submitted_on=submitted_on
            ).first(),
            {
                "authority": authority,
                "channel": Petition.Channel.LETTER,
                "submitted_on": submitted_on,
                "status": PetitionStatus.SUBMITTED,
                "response_kind": Petition.ResponseKind.NONE,
                "notes": f"{NO_DATE} Asked for help to bring his wife back from China; "
                "no result by the time of the report.",
            },
        )
        # Adding a row that is already linked would still record a history entry.
        for related, row in ((petition.persons, wife), (petition.petitioners, kairat)):
            if not related.filter(pk=row.pk).exists():
                related.add(row)
                changes.count += 1

    title = f"{REPORT}: press conference in Almaty in support of ethnic Kazakhs held in China"
    changes.sync(
        Source,
        Source.objects.filter(person=wife, title=title).first(),
        {
            "person": wife,
            "kind": Source.Kind.MEDIA_REPORT,
            "title": title,
            "language": "kk",
            "notes": ARTICLE_EXCERPT,
        },
    )

    for position, (label_en, label_kk, label_ru, value) in enumerate(STORY_FIGURES):
        changes.sync(
            PublishedFigure,
            PublishedFigure.objects.filter(label_en=label_en).order_by("pk").first(),
            {
                "label_en": label_en,
                "label_kk": label_kk,
                "label_ru": label_ru,
                "value": value,
                "as_of": datetime.date(2019, 1, 1),
                "as_of_precision": DatePrecision.YEAR,
                "source_name": MFA_SOURCE,
                "position": position,
            },
        )
    return changes.count


# --- Generated cases --------------------------------------------------------------------------

GENERATED_PERSON = "Generated demo case — not a real person."
GENERATED_RELATIVE = "Generated demo relative — not a real person."
GENERATED_PETITION = "Generated demo petition — not a real petition."
GENERATED_OUTCOME = "Generated demo outcome."
DEFAULT_SEED = 2018
BATCH_SIZE = 2000


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
CITIES = [
    "Алматы", "Астана", "Шымкент", "Талдықорған", "Жаркент", "Өскемен", "Аягөз", "Қонаев", "Семей",
    "Зайсан",
]  # fmt: skip


@lru_cache(maxsize=100_000)
def _name_key(*names: str) -> str:
    # Generated families reuse a few hundred names: computing each key once saves much time.
    return combined_name_key(*names)


@lru_cache(maxsize=10_000)
def _latin_word(word: str) -> str:
    return transliterate(word)


def _latin(name: str) -> str:
    # transliterate() maps letter by letter, so word by word gives the same, with far more reuse.
    return " ".join(_latin_word(word) for word in name.split(" "))


@dataclass
class GeneratedPetition:
    petition: Petition
    petitioner: Relative
    events: list[PetitionEvent]


@dataclass
class GeneratedCase:
    person: DetainedPerson
    relatives: list[Relative] = field(default_factory=list)
    kinships: list[Kinship] = field(default_factory=list)
    petitions: list[GeneratedPetition] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


class CaseGenerator:
    """Builds (unsaved) made-up families: a person held, relatives, petitions, outcomes."""

    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.places = {place.code: place for place in Place.objects.all()}
        self.authorities = {authority.code: authority for authority in Authority.objects.all()}
        self.contact_number = 0

    # dates

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        end = min(end, self.today)
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def days_after(self, day: datetime.date, low: int, high: int) -> datetime.date:
        return min(day + datetime.timedelta(days=self.rng.randint(low, high)), self.today)

    def approximate(
        self, day: datetime.date, after: datetime.date | None = None
    ) -> tuple[datetime.date, str]:
        """`day` stored as precisely as a family might know it, but still later than `after`."""
        precision = PRECISION.pick(self.rng)
        stored = normalize_date(day, precision)
        if after is not None and stored <= after:
            return day, DatePrecision.DAY
        return stored, precision

    # names

    def given_name(self, ethnicity: str, gender: str) -> str:
        male, female = GIVEN_NAMES.get(ethnicity, GIVEN_NAMES[Ethnicity.KAZAKH])
        return self.rng.choice(female if gender == Gender.FEMALE else male)

    def surname(self, father: str, gender: str, in_kazakhstan: bool) -> str:
        """Kazakhs in China mostly use the father's name as it is; in Kazakhstan, -ұлы/-қызы or
        a Russian -ов/-ова form are common."""
        roll = self.rng.random()
        if roll < (0.35 if in_kazakhstan else 0.7) or father[-1] in "аеыіоұүәөуи":
            return father
        if roll < (0.6 if in_kazakhstan else 0.85):
            return father + ("қызы" if gender == Gender.FEMALE else "ұлы")
        stem = father[:-1] + "е" if father.endswith("й") else father
        return stem + ("ова" if gender == Gender.FEMALE else "ов")

    # one family

    def case(self) -> GeneratedCase:
        rng = self.rng
        ethnicity = ETHNICITY.pick(rng)
        gender = GENDER.pick(rng)
        birth_year = round(rng.triangular(1940, 2002, 1975))
        name_chinese = ""
        if ethnicity == Ethnicity.HUI:
            full_name, name_chinese = rng.choice(HUI_NAMES[gender == Gender.FEMALE])
            given = father = ""  # Hui relatives get Chinese names of their own
        else:
            given = self.given_name(ethnicity, gender)
            father = self.given_name(ethnicity, Gender.MALE)
            full_name = f"{given} {self.surname(father, gender, in_kazakhstan=False)}"
            if given in CHINESE_FORMS and father in CHINESE_FORMS and rng.random() < 0.5:
                name_chinese = f"{CHINESE_FORMS[given]}·{CHINESE_FORMS[father]}"
        name_latin = _latin(full_name)
        other_names = ""
        if rng.random() < 0.4:
            variants = {
                full_name.translate(RUSSIAN_SPELLING),
                _latin(full_name.translate(LATIN_VARIANT)),
            } - {full_name, name_latin}
            other_names = "\n".join(sorted(variants))

        place = (PLACES.get(ethnicity) or OTHER_PLACES).pick(rng)
        year = DETENTION_YEAR.pick(rng)
        detained = self.day_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        detained_on, detained_precision = self.approximate(detained)
        kinds, status = SCENARIOS.pick(rng)
        if (self.today - detained).days < 60 * (len(kinds) + 1):
            kinds, status = (), Status.CAMP
        person = DetainedPerson(
            full_name=full_name,
            name_latin=name_latin,
            name_chinese=name_chinese,
            other_names=other_names,
            gender=gender,
            birth_year=birth_year,
            ethnicity=ethnicity,
            citizenship=CITIZENSHIP.pick(rng),
            occupation=rng.choice(OCCUPATIONS) if rng.random() < 0.6 else "",
            home_place_id=self.places[place].pk,
            home_detail=(
                rng.choice(COUNTIES[place]) if place in COUNTIES and rng.random() < 0.5 else ""
            ),
            detained_on=detained_on,
            detained_on_precision=detained_precision,
            verification=DetainedPerson.Verification.REPORTED,
            notes=GENERATED_PERSON,
        )
        if rng.random() < 0.5:
            contact = self.day_between(detained, self.today)
            person.last_contact_on, person.last_contact_on_precision = self.approximate(contact)
        # bulk_create skips save(): derive the search key here as save() would.
        person.name_key = _name_key(full_name, name_latin, name_chinese, other_names)

        case = GeneratedCase(person)
        self.add_family(case, given, father, gender, ethnicity, birth_year)
        self.add_petitions(case, detained)
        person.status = self.add_outcomes(case, kinds, detained) or status
        return case

    def add_family(
        self,
        case: GeneratedCase,
        given: str,
        father: str,
        gender: str,
        ethnicity: str,
        birth_year: int,
    ) -> None:
        rng = self.rng
        roles: list[str] = []
        if birth_year < 2000 and rng.random() < 0.8:
            roles.append(Kinship.Relationship.SPOUSE)
        if birth_year < 1998:
            roles += [Kinship.Relationship.CHILD] * rng.randint(0, 3)
        others = [Kinship.Relationship.SIBLING] * rng.randint(0, 2)
        if birth_year > 1960:
            others += [Kinship.Relationship.PARENT] * rng.randint(1, 2)
        rng.shuffle(others)
        roles = (roles + others)[: RELATIVE_COUNT.pick(rng)] or [Kinship.Relationship.SIBLING]

        spouse_name = self.given_name(ethnicity, Gender.MALE)
        parents = iter([Gender.MALE, Gender.FEMALE])
        for role in roles:
            lives_in = LIVES_IN.pick(rng)
            in_kazakhstan = lives_in == Relative.LivesIn.KAZAKHSTAN
            if role == Kinship.Relationship.SPOUSE:
                kin_gender = Gender.MALE if gender == Gender.FEMALE else Gender.FEMALE
                kin_given = self.given_name(ethnicity, kin_gender)
                kin_father = self.given_name(ethnicity, Gender.MALE)
                year = birth_year + rng.randint(-6, 6)
                if kin_gender == Gender.MALE:
                    spouse_name = kin_given
            elif role == Kinship.Relationship.CHILD:
                kin_gender = rng.choice((Gender.MALE, Gender.FEMALE))
                kin_given = self.given_name(ethnicity, kin_gender)
                kin_father = given if gender == Gender.MALE else spouse_name
                year = birth_year + rng.randint(20, 38)
            elif role == Kinship.Relationship.PARENT:
                kin_gender = next(parents, Gender.FEMALE)
                if kin_gender == Gender.MALE:
                    kin_given = father
                else:
                    kin_given = self.given_name(ethnicity, kin_gender)
                kin_father = self.given_name(ethnicity, Gender.MALE)
                year = birth_year - rng.randint(20, 35)
            else:
                kin_gender = rng.choice((Gender.MALE, Gender.FEMALE))
                kin_given = self.given_name(ethnicity, kin_gender)
                kin_father = father
                year = birth_year + rng.randint(-10, 10)
            if ethnicity == Ethnicity.HUI:
                full_name = rng.choice(HUI_NAMES[kin_gender == Gender.FEMALE])[0]
            else:
                full_name = f"{kin_given} {self.surname(kin_father, kin_gender, in_kazakhstan)}"
            name_latin = _latin(full_name)
            relative = Relative(
                full_name=full_name,
                name_latin=name_latin,
                name_key=_name_key(full_name, name_latin),
                birth_year=min(year, self.today.year),
                citizenship=self.relative_citizenship(lives_in, role),
                lives_in=lives_in,
                city=rng.choice(CITIES) if in_kazakhstan and rng.random() < 0.7 else "",
                notes=GENERATED_RELATIVE,
            )
            case.relatives.append(relative)
            # Children in Kazakhstan whose parent is held are the usual separated family members;
            # some children in China are taken to boarding schools.
            separated_chance = 0.85 if lives_in != Relative.LivesIn.CHINA else 0.1
            if role in (Kinship.Relationship.PARENT, Kinship.Relationship.SIBLING):
                separated_chance /= 3
            case.kinships.append(
                Kinship(
                    person=case.person,
                    relative=relative,
                    relationship=role,
                    separated=rng.random() < separated_chance,
                )
            )

        contact = next(
            (k for k in case.kinships if k.relative.lives_in == Relative.LivesIn.KAZAKHSTAN),
            case.kinships[0],
        )
        contact.is_contact = True
        if rng.random() < 0.5:
            self.contact_number += 1
            # Fictional on purpose: +7 000 is no Kazakh operator, example.org no mailbox.
            contact.relative.phone = f"+7 000 {self.contact_number:07d}"
            contact.relative.email = f"demo-{self.contact_number}@example.org"

    def relative_citizenship(self, lives_in: str, role: str) -> str:
        if lives_in == Relative.LivesIn.CHINA:
            # Like the source story: children born in Kazakhstan, kept in China.
            kazakh_chance = 0.3 if role == Kinship.Relationship.CHILD else 0.05
            if self.rng.random() < kazakh_chance:
                return Relative.Citizenship.KAZAKHSTAN
            return Relative.Citizenship.PRC
        if lives_in == Relative.LivesIn.OTHER:
            return Relative.Citizenship.OTHER
        roll = self.rng.random()
        if roll < 0.8:
            return Relative.Citizenship.KAZAKHSTAN
        return Relative.Citizenship.PRC if roll < 0.95 else Relative.Citizenship.UNKNOWN

    def add_petitions(self, case: GeneratedCase, detained: datetime.date) -> None:
        rng = self.rng
        petitioner = next(k.relative for k in case.kinships if k.is_contact)
        for _number in range(PETITION_COUNT.pick(rng)):
            authority = self.authorities[AUTHORITY.pick(rng)]
            status = PETITION_STATUS.pick(rng)
            petition = Petition(
                authority_id=authority.pk,
                channel=CHANNELS[authority.kind].pick(rng),
                status=status,
                notes=GENERATED_PETITION,
            )
            started = self.days_after(detained, 14, 1400)
            timeline: list[tuple[datetime.date, str]] = []
            if status == PetitionStatus.DRAFT:
                timeline.append((started, PetitionStatus.DRAFT))
            else:
                petition.submitted_on = day = started
                timeline.append((day, PetitionStatus.SUBMITTED))
                if status == PetitionStatus.REGISTERED or (
                    status != PetitionStatus.SUBMITTED and rng.random() < 0.6
                ):
                    day = self.days_after(day, 5, 40)
                    petition.their_reference = f"{day.year}-{rng.randint(1, 99999):05d}"
                    timeline.append((day, PetitionStatus.REGISTERED))
                if status == PetitionStatus.FORWARDED:
                    day = self.days_after(day, 5, 60)
                    timeline.append((day, PetitionStatus.FORWARDED))
                answered = status == PetitionStatus.ANSWERED or (
                    status == PetitionStatus.CLOSED and rng.random() < 0.8
                )
                if answered:
                    day = self.days_after(day, 15, 180)
                    petition.response_received_on = day
                    petition.response_kind = RESPONSE.pick(rng)
                    petition.response_summary = RESPONSE_SUMMARY[petition.response_kind]
                    timeline.append((day, PetitionStatus.ANSWERED))
                if status == PetitionStatus.CLOSED:
                    timeline.append((self.days_after(day, 5, 120), PetitionStatus.CLOSED))
                if status in OPEN_STATUSES:
                    petition.follow_up_on = self.follow_up(day)
            events = [PetitionEvent(petition=petition, on=on, status=s) for on, s in timeline]
            case.petitions.append(GeneratedPetition(petition, petitioner, events))

    def follow_up(self, last_event: datetime.date) -> datetime.date:
        """Most open petitions are chased on time; about a third are overdue."""
        if self.rng.random() < 0.35:
            overdue = self.today - datetime.timedelta(days=self.rng.randint(1, 90))
            return max(overdue, last_event + datetime.timedelta(days=1))
        return self.today + datetime.timedelta(days=self.rng.randint(1, 120))

    def add_outcomes(
        self, case: GeneratedCase, kinds: tuple[str, ...], detained: datetime.date
    ) -> str | None:
        """Add the outcomes in order; return the status the last one implies, if any."""
        rng = self.rng
        day = detained
        previous = case.person.detained_on
        status = None
        for position, kind in enumerate(kinds):
            # Mostly within a year or two of the last event, never in the future, each strictly
            # later than the one before so that the last one is the latest.
            latest = self.today - datetime.timedelta(days=len(kinds) - position - 1)
            gap = datetime.timedelta(days=30 + int(rng.expovariate(1 / 365)))
            day = min(day + gap, latest)
            occurred, precision = self.approximate(day, after=previous)
            helped_by = [
                p.petition
                for p in case.petitions
                if p.petition.submitted_on and p.petition.submitted_on < occurred
            ]
            outcome = Outcome(
                person=case.person,
                kind=kind,
                occurred_on=occurred,
                occurred_on_precision=precision,
                sentence_years=SENTENCE_YEARS.pick(rng) if kind == K.SENTENCED else None,
                petition=(
                    rng.choice(helped_by)
                    if kind in PETITION_HELPED and helped_by and rng.random() < 0.3
                    else None
                ),
                notes=GENERATED_OUTCOME,
            )
            case.outcomes.append(outcome)
            previous = occurred
            status = OUTCOME_STATUS[kind] or status
        return status


def save_cases(cases: list[GeneratedCase], counts: Counter) -> None:
    """Insert one batch of generated families with one bulk insert per table.

    Generated data is not entered by anyone, so it gets no simple-history entries: bulk_create
    sends no save signals, and a history of edits that never happened would only mislead."""
    persons = DetainedPerson.objects.bulk_create([c.person for c in cases])
    relatives = Relative.objects.bulk_create([r for c in cases for r in c.relatives])
    kinships = Kinship.objects.bulk_create([k for c in cases for k in c.kinships])
    generated = [p for c in cases for p in c.petitions]
    petitions = Petition.objects.bulk_create([p.petition for p in generated])
    PersonLink = Petition.persons.through
    PetitionerLink = Petition.petitioners.through
    person_links = PersonLink.objects.bulk_create(
        PersonLink(petition_id=p.petition.pk, detainedperson_id=c.person.pk)
        for c in cases
        for p in c.petitions
    )
    petitioner_links = PetitionerLink.objects.bulk_create(
        PetitionerLink(petition_id=p.petition.pk, relative_id=p.petitioner.pk) for p in generated
    )
    events = PetitionEvent.objects.bulk_create([e for p in generated for e in p.events])
    outcomes = Outcome.objects.bulk_create([o for c in cases for o in c.outcomes])
    counts.update(
        persons=len(persons),
        relatives=len(relatives),
        kinships=len(kinships),
        petitions=len(petitions),
        links=len(person_links) + len(petitioner_links),
        events=len(events),
        outcomes=len(outcomes),
    )


def register_is_empty() -> bool:
    """True when the register holds no case but the source story's."""
    return not DetainedPerson.objects.exclude(full_name=WIFE_NAME).exists()


def generate_cases(count: int, seed: int = DEFAULT_SEED, batch_size: int = BATCH_SIZE) -> Counter:
    """Add `count` generated families, the same ones for the same seed (on a given day, since no
    date lies in the future); return the rows inserted per kind."""
    generator = CaseGenerator(random.Random(seed), timezone.localdate())
    counts: Counter = Counter()
    persons: list[int] = []
    # Each batch makes tens of thousands of model instances, which set off Python's cycle
    # collector again and again (a tenth of the time); they hold no cycles that need it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for start in range(0, count, batch_size):
            cases = [generator.case() for _ in range(min(batch_size, count - start))]
            save_cases(cases, counts)
            persons += [case.person.pk for case in cases]
            if settings.DEBUG:
                # With DEBUG on Django keeps the SQL of every query; bulk inserts are large.
                reset_queries()
    finally:
        if collecting:
            gc.enable()
    DetainedPerson.objects.assign_case_numbers()
    # Bulk inserts send no save signals: count the new persons and what is tied to them.
    tallies.refresh(persons=persons)
    return counts

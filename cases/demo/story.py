"""The source story: Kairat Dauitkhan's family as Radio Azattyq reported it, and the Ministry of
Foreign Affairs' figures from the same report; the model case of the register.

`load_story()` records them and can run any number of times: it changes only what differs.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models

from cases.models import (
    Authority,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Gender,
    Kinship,
    Petition,
    PetitionStatus,
    Place,
    PublishedFigure,
    Relative,
    Source,
    Status,
)
from cases.services import save_petition

WIFE_NAME = "Қайрат Дәуітханның әйелі (аты жарияланбаған)"
WIFE_NAME_LATIN = "Wife of Kairat Dauitkhan (name not published)"
REPORT = "Radio Azattyq (RFE/RL Kazakh service)"
REPORT_KK = "Азаттық радиосы (Азат Еуропа / Азаттық радиосының қазақ қызметі)"
REPORT_RU = "Радио Азаттык (казахская служба Радио Свобода)"
NO_DATE = (
    "Approximate: the report gives no date; the year is inferred from her two years in China."
)

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
            "situation": Relative.Situation.IN_KAZAKHSTAN,
            "notes": "Spoke at the press conference in Almaty; wrote several times to the "
            "President of Kazakhstan and to the Ministry of Foreign Affairs asking for help.",
        },
        {"relationship": Kinship.Relationship.SPOUSE, "is_contact": True, "separated": True},
    ),
    (
        {
            "full_name": "Қайрат Дәуітханның сегіз айлық баласы (аты жарияланбаған)",
            "name_latin": "Child of Kairat Dauitkhan aged eight months (name not published)",
            "name_withheld": True,
            "citizenship": Relative.Citizenship.KAZAKHSTAN,
            "lives_in": Relative.LivesIn.CHINA,
            # Stuck in China: she cannot leave without her mother, who is barred from leaving.
            "situation": Relative.Situation.IN_CHINA_BARRED,
            "notes": "Eight months old at the time of the report; a citizen of Kazakhstan; "
            "stayed in China with the mother, who may not leave. Name and birth date not "
            "published.",
        },
        {"relationship": Kinship.Relationship.CHILD, "is_contact": False, "separated": False},
    ),
    (
        {
            "full_name": "Қайрат Дәуітханның төрт жастағы баласы (аты жарияланбаған)",
            "name_latin": "Child of Kairat Dauitkhan aged four (name not published)",
            "name_withheld": True,
            "citizenship": Relative.Citizenship.KAZAKHSTAN,
            "lives_in": Relative.LivesIn.KAZAKHSTAN,
            "situation": Relative.Situation.IN_KAZAKHSTAN,
            "notes": "Four years old at the time of the report; a citizen of Kazakhstan; lives "
            "in Kazakhstan with the father, apart from the mother. Name and birth date not "
            "published.",
        },
        {"relationship": Kinship.Relationship.CHILD, "is_contact": False, "separated": True},
    ),
]

# He wrote "several times" to each, as vaguely as the report says: the report gives no date, and
# she had been kept in China for two years, so a letter to each in 2018 and in 2019, known to
# the year only.
STORY_PETITIONS = [
    ("president", 2018),
    ("president", 2019),
    ("mfa", 2018),
    ("mfa", 2019),
]

MFA = "Ministry of Foreign Affairs of Kazakhstan"
MFA_KK = "Қазақстан Республикасы Сыртқы істер министрлігі"
MFA_RU = "Министерство иностранных дел Республики Казахстан"

# No consent is recorded: the report says that Kairat spoke at a press conference and wrote to
# the President and the Ministry himself, not that the family consented to anything this
# register does (to UN submissions least of all), nor when. The model case is therefore listed
# among the open cases without a valid consent, and a UN submission for it is refused until an
# advocate records the family's consent.


@dataclass(frozen=True)
class StoryFigure:
    """One of the Ministry's figures as the report gives it. Labels read after the number
    ("more than 2,000 ethnic Kazakhs …"), so Russian ones are in the genitive plural and Kazakh
    ones in the singular, as the languages count."""

    labels: tuple[str, str, str]  # en, kk, ru
    value: int
    qualifier: str = PublishedFigure.Qualifier.EXACTLY
    periods: tuple[str, str, str] = ("", "", "")  # en, kk, ru
    parent: int | None = None  # index of the figure this one is a part of
    former_label: str = ""  # the label an earlier version of the story recorded


# The Ministry's figures from the year before the report, reported by Radio Azattyq.
STORY_FIGURES = [
    StoryFigure(
        (
            "applications received from relatives of Kazakhs detained in China",
            "Қытайда қамауда отырған қазақтардың туыстарынан түскен өтініш",
            "обращений родственников казахов, задержанных в Китае",
        ),
        915,
        former_label="Applications received from relatives of Kazakhs detained in China",
    ),
    StoryFigure(
        (
            "ethnic Kazakhs allowed by China to leave",
            "Қытай аумағынан кетуге рұқсат алған этникалық қазақ",
            "этнических казахов, которым Китай разрешил выехать",
        ),
        2000,
        qualifier=PublishedFigure.Qualifier.MORE_THAN,
        periods=("since the start of 2018", "2018 жылдың басынан бері", "с начала 2018 года"),
        former_label=(
            "Ethnic Kazakhs allowed by China to leave since the start of 2018 (more than 2,000)"
        ),
    ),
    StoryFigure(
        (
            "citizens of Kazakhstan detained in China on suspicion of dual citizenship",
            "Қытайда қос азаматтығы бар деген күдікпен ұсталған Қазақстан азаматы",
            "граждан Казахстана, задержанных в Китае по подозрению в двойном гражданстве",
        ),
        29,
        former_label=(
            "Citizens of Kazakhstan detained in China on suspicion of dual citizenship "
            "(15 of them released)"
        ),
    ),
    StoryFigure(
        ("released", "бостандыққа шыққан", "освобождены"),
        15,
        parent=2,
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
        if isinstance(found, Petition):
            save_petition(found)  # with its timeline
        else:
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
            # The report does not publish her name: the register shows a description.
            "name_withheld": True,
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

    for code, year in STORY_PETITIONS:
        authority = Authority.objects.get(code=code)
        petition = changes.sync(
            Petition,
            # Earlier versions of the story recorded made-up days in the same year.
            Petition.objects.filter(persons=wife, authority=authority, submitted_on__year=year)
            .order_by("pk")
            .first(),
            {
                "authority": authority,
                "channel": Petition.Channel.LETTER,
                "submitted_on": datetime.date(year, 1, 1),
                "submitted_on_precision": DatePrecision.YEAR,
                "status": PetitionStatus.SUBMITTED,
                # "No result" is all the report says: not whether an answer came.
                "response_kind": Petition.ResponseKind.UNKNOWN,
                "notes": f"{NO_DATE} Asked for help to bring his wife back from China; "
                "no result by the time of the report, which does not say whether he was "
                "answered.",
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

    _sync_figures(changes)
    return changes.count


def _sync_figures(changes: _Changes) -> None:
    synced: list[PublishedFigure] = []
    for position, figure in enumerate(STORY_FIGURES):
        label_en, label_kk, label_ru = figure.labels
        period_en, period_kk, period_ru = figure.periods
        labels = [label_en] + ([figure.former_label] if figure.former_label else [])
        found = PublishedFigure.objects.filter(label_en__in=labels).order_by("pk").first()
        synced.append(
            changes.sync(
                PublishedFigure,
                found,
                {
                    "label_en": label_en,
                    "label_kk": label_kk,
                    "label_ru": label_ru,
                    "qualifier": figure.qualifier,
                    "value": figure.value,
                    "period_en": period_en,
                    "period_kk": period_kk,
                    "period_ru": period_ru,
                    "parent": None if figure.parent is None else synced[figure.parent],
                    "as_of": datetime.date(2019, 1, 1),
                    "as_of_precision": DatePrecision.YEAR,
                    "publisher_name": MFA,
                    "publisher_name_kk": MFA_KK,
                    "publisher_name_ru": MFA_RU,
                    "source_name": REPORT,
                    "source_name_kk": REPORT_KK,
                    "source_name_ru": REPORT_RU,
                    "position": position,
                },
            )
        )

"""The documents casetracker drafts: to whom, in which languages, and what each must contain.

A kind is named by the code of the authority it goes to (`python manage.py draft_petition C-00001
--to president`). Each names the elements its mechanism requires (a draft is refused without
them) and those it only recommends (the draft leaves a gap the advocate fills in).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import DatePrecision, Petition


class Element:
    """What a document may need from the case, or the statistics count it by; the readiness
    check looks for each."""

    IDENTITY = "identity"
    CITIZENSHIP = "citizenship"
    DETENTION_DATE = "detention_date"
    PLACE = "place"
    FORCES = "forces"
    REASON = "reason"
    STEPS = "steps"
    SUBMITTER = "submitter"
    CONSENT = "consent"
    HOME_PLACE = "home_place"
    ETHNICITY = "ethnicity"


# The order the readiness check lists them in.
ELEMENT_ORDER = (
    Element.IDENTITY,
    Element.CITIZENSHIP,
    Element.DETENTION_DATE,
    Element.PLACE,
    Element.FORCES,
    Element.REASON,
    Element.STEPS,
    Element.SUBMITTER,
    Element.CONSENT,
)

# What the public statistics count a case by (no document asks for them).
STATISTICS_ELEMENTS = (Element.HOME_PLACE, Element.ETHNICITY)


@dataclass(frozen=True)
class Kind:
    code: str  # the authority's code
    title: Promise
    languages: tuple[str, ...]
    channel: str
    required: frozenset[str]
    recommended: frozenset[str]
    # How precisely the detention date must be known to count as given.
    date_precision: str = DatePrecision.YEAR

    @property
    def is_un(self) -> bool:
        return self.channel == Petition.Channel.UN_FORM

    @property
    def elements(self) -> list[str]:
        wanted = self.required | self.recommended
        return [element for element in ELEMENT_ORDER if element in wanted]


_KAZAKHSTAN_LETTER = {
    "languages": ("kk", "ru"),
    "channel": Petition.Channel.LETTER,
    "required": frozenset({Element.SUBMITTER}),
    "recommended": frozenset(
        {
            Element.IDENTITY,
            Element.CITIZENSHIP,
            Element.DETENTION_DATE,
            Element.PLACE,
            Element.STEPS,
            Element.CONSENT,
        }
    ),
}

# What both UN Working Groups require: who, when, where and by whom the person was taken, who
# submits, and the family's consent.
_UN_ARREST = frozenset(
    {
        Element.IDENTITY,
        Element.DETENTION_DATE,
        Element.PLACE,
        Element.FORCES,
        Element.SUBMITTER,
        Element.CONSENT,
    }
)

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind("president", _("Letter to the President of Kazakhstan"), **_KAZAKHSTAN_LETTER),
        Kind("mfa", _("Letter to the Ministry of Foreign Affairs"), **_KAZAKHSTAN_LETTER),
        # The Working Group on Enforced or Involuntary Disappearances: identity, a date of at
        # least month and year, the place of arrest or last seen, the forces believed
        # responsible, the steps taken, who submits, and the family's consent.
        Kind(
            "un_wgeid",
            _("Submission to the UN Working Group on Enforced or Involuntary Disappearances"),
            languages=("en", "ru"),
            channel=Petition.Channel.UN_FORM,
            required=_UN_ARREST | {Element.STEPS},
            recommended=frozenset({Element.CITIZENSHIP, Element.REASON}),
            date_precision=DatePrecision.MONTH,
        ),
        # The Working Group on Arbitrary Detention's model questionnaire: identity, the arrest
        # (when, where, by whom), the reason given, who submits, and consent.
        Kind(
            "un_wgad",
            _("Communication to the UN Working Group on Arbitrary Detention"),
            languages=("en", "ru"),
            channel=Petition.Channel.UN_FORM,
            required=_UN_ARREST | {Element.REASON},
            recommended=frozenset({Element.CITIZENSHIP, Element.STEPS}),
        ),
    )
}

LANGUAGE_NAMES = {"kk": _("Kazakh"), "ru": _("Russian"), "en": _("English")}


def document_choices() -> list[tuple[str, str]]:
    """Every kind and language as 'code:language' and its label, for a select."""
    return [
        (f"{kind.code}:{language}", f"{kind.title} ({LANGUAGE_NAMES[language]})")
        for kind in KINDS.values()
        for language in kind.languages
    ]

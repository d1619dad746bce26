"""Generated families, to try the app at scale: each one marked as generated, never a real person.

`generate_cases()` adds made-up families with their relatives, petitions and outcomes, the same
ones for the same seed, with one bulk insert per table and batch.
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import reset_queries
from django.utils import timezone

from cases import bulk
from cases.demo.distributions import (
    ANSWER_PRECISION,
    AUTHORITY,
    CHANNELS,
    CHINESE_FORMS,
    CITIES,
    CITIZENSHIP,
    CONSENT_METHOD,
    COUNTIES,
    DETAINED_BY,
    DETENTION_YEAR,
    ETHNICITY,
    GENDER,
    GIVEN_NAMES,
    HUI_NAMES,
    LATIN_VARIANT,
    LIVES_IN,
    OCCUPATIONS,
    OPEN_STATUSES,
    OTHER_PLACES,
    PETITION_COUNT,
    PETITION_HELPED,
    PETITION_STATUS,
    PLACES,
    PRECISION,
    REASON,
    RELATIVE_COUNT,
    RESPONSE,
    RESPONSE_SUMMARY,
    RUSSIAN_SPELLING,
    SCENARIOS,
    SENTENCE_YEARS,
    SITUATION_FROM_HOME,
    SITUATION_IN_CHINA,
    SUBMISSION_PRECISION,
    K,
    Weighted,
)
from cases.demo.story import WIFE_NAME
from cases.models import (
    OUTCOME_STATUS,
    Authority,
    Consent,
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
    Relative,
    Status,
    normalize_date,
)
from cases.names import combined_name_key, transliterate
from cases.public import tallies

GENERATED_PERSON = "Generated demo case — not a real person."
GENERATED_RELATIVE = "Generated demo relative — not a real person."
GENERATED_PETITION = "Generated demo petition — not a real petition."
GENERATED_OUTCOME = "Generated demo outcome."
GENERATED_CONSENT = "Generated demo consent."
GENERATED_WITHDRAWAL = "Generated demo withdrawal: the family asked to stop sharing the case."
PARTNERS = ("Demo Partner Foundation", "Example Rights Network")
DEFAULT_SEED = 2018
BATCH_SIZE = 2000


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
    consents: list[Consent] = field(default_factory=list)


class CaseGenerator:
    """Builds (unsaved) made-up families: a person held, relatives, petitions, outcomes."""

    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        # Consents draw from their own sequence: the families, petitions and outcomes stay
        # those that a seed gave before consents were generated.
        self.consent_rng = random.Random(rng.random())
        self.withdrawal_made = False
        self.today = today
        self.places = {place.code: place for place in Place.objects.all()}
        self.authorities = {authority.code: authority for authority in Authority.objects.all()}
        self.authority_ids_un = {a.pk: a.un_body for a in self.authorities.values()}
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
        self,
        day: datetime.date,
        after: datetime.date | None = None,
        precisions: Weighted = PRECISION,
    ) -> tuple[datetime.date, str]:
        """`day` stored as precisely as a family might know it, but still later than `after`."""
        precision = precisions.pick(self.rng)
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
            detained_by=DETAINED_BY.pick(rng),
            reason_given=REASON.pick(rng),
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
        self.add_consent(case)
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
            born_on, born_precision = self.birth_date(min(year, self.today.year))
            relative = Relative(
                full_name=full_name,
                name_latin=name_latin,
                name_key=_name_key(full_name, name_latin),
                born_on=born_on,
                born_on_precision=born_precision,
                birth_year=born_on.year,  # as save() derives it
                citizenship=self.relative_citizenship(lives_in, role),
                lives_in=lives_in,
                situation=SITUATION_FROM_HOME.get(lives_in) or SITUATION_IN_CHINA.pick(rng),
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

    def birth_date(self, year: int) -> tuple[datetime.date, str]:
        """A relative's birth date: the month for young children, whose age is told in months
        and years; the year for everyone else."""
        if year < self.today.year - 5:
            return datetime.date(year, 1, 1), DatePrecision.YEAR
        born = self.day_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        return born.replace(day=1), DatePrecision.MONTH

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
            timeline: list[tuple[datetime.date, str, str]] = []
            if status == PetitionStatus.DRAFT:
                timeline.append((started, PetitionStatus.DRAFT, DatePrecision.DAY))
            else:
                day = started
                petition.submitted_on, petition.submitted_on_precision = self.approximate(
                    day, after=case.person.detained_on, precisions=SUBMISSION_PRECISION
                )
                timeline.append(
                    (
                        petition.submitted_on,
                        PetitionStatus.SUBMITTED,
                        petition.submitted_on_precision,
                    )
                )
                if status == PetitionStatus.REGISTERED or (
                    status != PetitionStatus.SUBMITTED and rng.random() < 0.6
                ):
                    day = self.days_after(day, 5, 40)
                    petition.their_reference = f"{day.year}-{rng.randint(1, 99999):05d}"
                    timeline.append((day, PetitionStatus.REGISTERED, DatePrecision.DAY))
                if status == PetitionStatus.FORWARDED:
                    day = self.days_after(day, 5, 60)
                    timeline.append((day, PetitionStatus.FORWARDED, DatePrecision.DAY))
                answered = status == PetitionStatus.ANSWERED or (
                    status == PetitionStatus.CLOSED and rng.random() < 0.8
                )
                if answered:
                    day = self.days_after(day, 15, 180)
                    answered_on, precision = self.approximate(
                        day, after=petition.submitted_on, precisions=ANSWER_PRECISION
                    )
                    petition.response_received_on = answered_on
                    petition.response_received_on_precision = precision
                    petition.response_kind = RESPONSE.pick(rng)
                    petition.response_summary = RESPONSE_SUMMARY[petition.response_kind]
                    timeline.append(
                        (petition.response_received_on, PetitionStatus.ANSWERED, precision)
                    )
                if status == PetitionStatus.CLOSED:
                    closed = self.days_after(day, 5, 120)
                    timeline.append((closed, PetitionStatus.CLOSED, DatePrecision.DAY))
                if status in OPEN_STATUSES:
                    petition.follow_up_on = self.follow_up(day)
            events = [
                PetitionEvent(petition=petition, on=on, on_precision=precision, status=s)
                for on, s, precision in timeline
            ]
            case.petitions.append(GeneratedPetition(petition, petitioner, events))

    def add_consent(self, case: GeneratedCase) -> None:
        """Most families consent to recording and to petitions; every family whose case went to
        a UN body consented to that before it was sent. Some consents expire within the warning
        period; the first family of a run that has no UN submission withdrew its consent."""
        rng = self.consent_rng
        un_days = [
            p.petition.submitted_on
            for p in case.petitions
            if p.petition.submitted_on and self.authority_ids_un.get(p.petition.authority_id)
        ]
        if not un_days and rng.random() < 0.25:
            return  # not asked yet: today's work lists the open ones
        giver = next(k.relative for k in case.kinships if k.is_contact)
        earliest = min([*un_days, self.today])
        detained = case.person.detained_on or earliest
        given_on = self.day_between(min(detained, earliest), earliest)
        consent = Consent(
            person=case.person,
            given_by=Consent.GivenBy.RELATIVE,
            relative=giver,
            covers_recording=True,
            covers_kazakh_authorities=rng.random() < 0.9,
            covers_un_bodies=bool(un_days) or rng.random() < 0.3,
            covers_public_story=rng.random() < 0.3,
            method=CONSENT_METHOD.pick(rng),
            given_on=given_on,
            notes=GENERATED_CONSENT,
        )
        if rng.random() < 0.15:
            consent.covers_partner, consent.partner_name = True, rng.choice(PARTNERS)
        roll = rng.random()
        if roll < 0.1:
            consent.expires_on = self.today + datetime.timedelta(days=rng.randint(1, 30))
        elif roll < 0.4:
            latest = max([*un_days, given_on])
            consent.expires_on = latest + datetime.timedelta(days=rng.randint(365, 3 * 365))
        if not un_days and not self.withdrawal_made:
            self.withdrawal_made = True
            consent.expires_on = None
            consent.withdrawn_on = self.day_between(given_on, self.today)
            consent.withdrawal_reason = GENERATED_WITHDRAWAL
        case.consents.append(consent)

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
    consents = Consent.objects.bulk_create([k for c in cases for k in c.consents])
    counts.update(
        persons=len(persons),
        relatives=len(relatives),
        kinships=len(kinships),
        petitions=len(petitions),
        links=len(person_links) + len(petitioner_links),
        events=len(events),
        outcomes=len(outcomes),
        consents=len(consents),
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
    with bulk.garbage_collector_paused():
        for start in range(0, count, batch_size):
            cases = [generator.case() for _ in range(min(batch_size, count - start))]
            save_cases(cases, counts)
            persons += [case.person.pk for case in cases]
            if settings.DEBUG:
                # With DEBUG on Django keeps the SQL of every query; bulk inserts are large.
                reset_queries()
    DetainedPerson.objects.assign_case_numbers()
    # Bulk inserts send no save signals: count the new persons and what is tied to them.
    tallies.refresh(persons=persons)
    return counts

"""Attacks on the public statistics, as the attacker of docs/public-statistics.md would run them.

The attacker knows a person's public profile (year of detention, home place, ethnicity, gender,
held or not) and may send any number of requests to /statistics.json. Each attack here builds
random registers, asks what the site offers, and scores how often it learns what it must not.
tests/public/test_disclosure.py asserts bounds on the scores; `bench/attacks.py` prints them, also
for an older version of the site (the same scripts, the same registers).

A register is built in bulk from a seeded random generator, record keys included, so that a
run is repeatable; the site itself draws record keys from a cryptographic source.
"""

import datetime
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from cases.models import (
    HELD_STATUSES,
    Authority,
    DatePrecision,
    DetainedPerson,
    Ethnicity,
    Gender,
    Kinship,
    Petition,
    PetitionStatus,
    Place,
    Relative,
    Status,
)
from cases.public import tallies

# What a reader of /statistics.json gets for a query (a dict of filters), or None for a 400.
Publish = Callable[[dict], dict | None]

PLACES = ["urumqi", "ili", "altay", "tacheng", "kashgar", "shihezi"]
YEARS = list(range(2017, 2024))
ETHNICITIES = [Ethnicity.KAZAKH] * 6 + [Ethnicity.UYGHUR] * 2 + [Ethnicity.KYRGYZ, Ethnicity.HUI]
GENDERS = [Gender.MALE] * 3 + [Gender.FEMALE] * 2
STATUSES = (
    [Status.CAMP] * 3
    + [Status.PRISON] * 2
    + [
        Status.RELEASED,
        Status.LEFT_CHINA,
        Status.BARRED_FROM_LEAVING,
        Status.UNKNOWN,
    ]
)
# Reasons given, spread over the persons by their place in the register (not drawn from the
# generator: the registers of earlier runs stay the same).
REASONS = [DetainedPerson.Reason.DUAL_CITIZENSHIP] * 3 + [
    DetainedPerson.Reason.TRAVEL_ABROAD,
    DetainedPerson.Reason.RELIGIOUS_PRACTICE,
    DetainedPerson.Reason.UNKNOWN,
]
PETITION_STATUSES = (
    [PetitionStatus.DRAFT] + [PetitionStatus.SUBMITTED] * 2 + [PetitionStatus.ANSWERED] * 2
)


@dataclass
class Profile:
    year: int
    place: str
    ethnicity: str
    gender: str
    status: str
    relatives: int = 0

    @property
    def held(self) -> bool:
        return self.status in HELD_STATUSES

    @property
    def status_group(self) -> str:
        return "held" if self.held else "not_held"


def random_profile(rng: random.Random, **fixed) -> Profile:
    profile = Profile(
        year=rng.choice(YEARS),
        place=rng.choice(PLACES),
        ethnicity=rng.choice(ETHNICITIES),
        gender=rng.choice(GENDERS),
        status=rng.choice(STATUSES),
        relatives=rng.randint(0, 4),
    )
    for name, value in fixed.items():
        setattr(profile, name, value)
    return profile


@dataclass
class Register:
    """What was built, for scoring: the profiles and the petitions' statuses."""

    profiles: list[Profile] = field(default_factory=list)
    petition_statuses: Counter = field(default_factory=Counter)


def _has_field(name: str) -> bool:
    return any(f.name == name for f in DetainedPerson._meta.get_fields())


def _has_record_keys() -> bool:
    return _has_field("record_key")


def build_register(rng: random.Random, profiles: list[Profile], petitions: int = 2) -> Register:
    """Write these persons, with their relatives and up to `petitions` petitions each, in bulk,
    and count them (record keys from `rng`)."""
    keyed = _has_record_keys()

    def key() -> dict:
        return {"record_key": rng.randrange(256)} if keyed else {}

    def reason(index: int) -> dict:
        return (
            {"reason_given": REASONS[index % len(REASONS)]} if _has_field("reason_given") else {}
        )

    places = dict(Place.objects.values_list("code", "pk"))
    authorities = list(Authority.objects.values_list("pk", flat=True))
    persons = DetainedPerson.objects.bulk_create(
        DetainedPerson(
            full_name=f"Generated Person {index}",
            detained_on=datetime.date(profile.year, 1, 1),
            detained_on_precision=DatePrecision.YEAR,
            home_place_id=places[profile.place],
            ethnicity=profile.ethnicity,
            gender=profile.gender,
            status=profile.status,
            **key(),
            **reason(index),
        )
        for index, profile in enumerate(profiles)
    )
    DetainedPerson.objects.assign_case_numbers()
    relatives, kinships = [], []
    for person, profile in zip(persons, profiles, strict=True):
        for _ in range(profile.relatives):
            relatives.append(Relative(full_name="Generated Relative", **key()))
            kinships.append((person, len(relatives) - 1))
    relatives = Relative.objects.bulk_create(relatives)
    Kinship.objects.bulk_create(
        Kinship(person=person, relative=relatives[index], relationship=Kinship.Relationship.CHILD)
        for person, index in kinships
    )
    register = Register(profiles=list(profiles))
    links = []
    for person in persons:
        for _ in range(rng.randint(0, petitions)):
            status = rng.choice(PETITION_STATUSES)
            register.petition_statuses[status] += 1
            submitted = None if status == PetitionStatus.DRAFT else datetime.date(2019, 3, 1)
            answered = (
                submitted + datetime.timedelta(days=rng.randint(20, 200))
                if status == PetitionStatus.ANSWERED
                else None
            )
            petition = Petition(
                authority_id=rng.choice(authorities),
                status=status,
                submitted_on=submitted,
                response_received_on=answered,
                **key(),
            )
            links.append((petition, person))
    created = Petition.objects.bulk_create([petition for petition, _person in links])
    Petition.persons.through.objects.bulk_create(
        Petition.persons.through(petition_id=petition.pk, detainedperson_id=person.pk)
        for petition, (_unsaved, person) in zip(created, links, strict=True)
    )
    tallies.rebuild()
    return register


class Trial:
    """One register, built and thrown away: a savepoint rolled back at the end."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        return self

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        self._atomic.__exit__(*exc)
        return False


# --- Reading what is published ------------------------------------------------------------------


def perturbed(data: dict) -> bool:
    return "method" in data


def shown(data: dict | None) -> bool:
    return data is not None and not data.get("too_few", False)


def cell(data: dict, breakdown: str, key: str) -> float:
    """The attacker's reading of a cell: its number; a hidden one as what it most likely holds
    (a count from 1 to 4 under suppression; 0 under perturbation, which publishes 0 for it)."""
    for found in data["breakdowns"][breakdown]:
        if found["key"] == str(key):
            if found["count"] is not None:
                return found["count"]
            return 0 if perturbed(data) else 2.5
    return 0


def total(data: dict, name: str) -> float:
    value = data["totals"][name]
    if value is not None:
        return value
    return 0 if perturbed(data) else 2.5


def place_key(code: str) -> str:
    return code


# --- 1. One request tells membership ------------------------------------------------------------


def most_specific_view(publish: Publish, profile: Profile) -> tuple[dict | None, bool]:
    """The narrowest view the site answers for this profile: all five filters if it takes them,
    else two of them (year and place), the others read from its breakdowns."""
    everything = {
        "year": profile.year,
        "place": profile.place,
        "ethnicity": profile.ethnicity,
        "gender": profile.gender,
        "status_group": profile.status_group,
    }
    data = publish(everything)
    if data is not None:
        return data, True
    return publish({"year": profile.year, "place": profile.place}), False


def guesses_present(publish: Publish, profile: Profile) -> bool:
    data, whole_profile = most_specific_view(publish, profile)
    if data is None or not shown(data):
        return False
    if whole_profile:
        # Suppression: 'fewer than 5' here means 1 to 4 persons of her profile, 0 means none.
        return total(data, "persons") > 0
    return all(
        cell(data, breakdown, key) > 0
        for breakdown, key in (
            ("ethnicity", profile.ethnicity),
            ("gender", profile.gender),
            ("held", profile.status_group),
        )
    )


def membership_attack(publish: Publish, seeds: list[int], others: int = 30) -> float:
    """Coin-flip trials: the target is in the register or not; the share guessed right."""
    right = 0
    for seed in seeds:
        rng = random.Random(seed)
        target = random_profile(rng)
        present = rng.random() < 0.5
        profiles = [random_profile(rng) for _ in range(others)] + ([target] if present else [])
        with Trial():
            build_register(rng, profiles)
            right += guesses_present(publish, target) == present
    return right / len(seeds)


# --- 2. Two views give a person's record ---------------------------------------------------------


def _argmax(before: dict, after: dict, breakdown: str) -> str | None:
    differences = {
        found["key"]: cell(before, breakdown, found["key"]) - cell(after, breakdown, found["key"])
        for found in before["breakdowns"][breakdown]
    }
    return max(differences, key=differences.get) if differences else None


def profile_from_difference(wide: dict | None, narrow: dict | None) -> Profile | None:
    """The one person in `wide` but not in `narrow`, read off cell by cell."""
    if not shown(wide) or not shown(narrow):
        return None
    year, place = _argmax(wide, narrow, "year"), _argmax(wide, narrow, "place")
    status, gender = _argmax(wide, narrow, "status"), _argmax(wide, narrow, "gender")
    relatives = round(total(wide, "relatives") - total(narrow, "relatives"))
    if None in (year, place, status, gender):
        return None
    return Profile(int(year), place, "", gender, status, relatives)


def same_record(found: Profile | None, target: Profile) -> bool:
    return found is not None and (
        found.year,
        found.place,
        found.gender,
        found.status,
        found.relatives,
    ) == (target.year, target.place, target.gender, target.status, target.relatives)


def two_view_attack(publish: Publish, seeds: list[int]) -> float:
    """20 Kazakhs and one Uyghur woman: all cases minus ?ethnicity=kazakh. The share of
    registers (record keys differ each time) whose target is read off whole."""
    found = 0
    for seed in seeds:
        rng = random.Random(seed)
        target = random_profile(rng, ethnicity=Ethnicity.UYGHUR, gender=Gender.FEMALE)
        kazakhs = [random_profile(rng, ethnicity=Ethnicity.KAZAKH) for _ in range(20)]
        with Trial():
            build_register(rng, [*kazakhs, target])
            difference = profile_from_difference(publish({}), publish({"ethnicity": "kazakh"}))
            found += same_record(difference, target)
    return found / len(seeds)


# --- 3. Year ranges ------------------------------------------------------------------------------


def year_range_attack(publish: Publish, seeds: list[int]) -> float:
    """The one person detained in the last year in Ürümqi: ?place=urumqi&year_to=Y minus
    year_to=Y-1, or, where ranges are refused, all of Ürümqi minus each earlier year in turn."""
    found = 0
    last = YEARS[-1] + 1
    for seed in seeds:
        rng = random.Random(seed)
        target = random_profile(rng, place="urumqi", year=last)
        others = [random_profile(rng, place="urumqi") for _ in range(25)]
        others += [random_profile(rng) for _ in range(15)]
        with Trial():
            build_register(rng, [*others, target])
            wide = publish({"place": "urumqi", "year_to": last})
            if wide is not None:
                narrow = publish({"place": "urumqi", "year_to": last - 1})
                found += same_record(profile_from_difference(wide, narrow), target)
                continue
            found += same_record(_subtract_years(publish, last), target)
    return found / len(seeds)


def _subtract_years(publish: Publish, last: int) -> Profile | None:
    """Ürümqi minus each earlier year of Ürümqi, cell by cell, hidden views as nothing."""
    wide = publish({"place": "urumqi"})
    if not shown(wide):
        return None
    rest = {"breakdowns": {}, "totals": {}, "method": True}
    years = [publish({"place": "urumqi", "year": year}) for year in YEARS]
    for name in ("status", "gender", "year", "place"):
        rest["breakdowns"][name] = [
            {"key": found["key"], "count": sum(_read(view, name, found["key"]) for view in years)}
            for found in wide["breakdowns"][name]
        ]
    rest["totals"]["relatives"] = sum(
        total(view, "relatives") if shown(view) else 0 for view in years
    )
    rest["too_few"] = False
    return profile_from_difference(wide, rest)


def _read(view: dict | None, breakdown: str, key: str) -> float:
    return cell(view, breakdown, key) if shown(view) else 0


# --- 4. The answered percentage ------------------------------------------------------------------


def percentage_attack(publish: Publish, seeds: list[int]) -> tuple[float, float]:
    """Drafts worked out as petitions minus answered / share answered, where the draft cell is
    hidden: the share of such registers where it comes out right, and the share a constant
    guess (the most frequent true number, known in hindsight) gets right."""
    right, truths = 0, []
    for seed in seeds:
        rng = random.Random(seed)
        profiles = [random_profile(rng) for _ in range(rng.randint(15, 40))]
        with Trial():
            register = build_register(rng, profiles, petitions=3)
            drafts = register.petition_statuses[PetitionStatus.DRAFT]
            data = publish({})
            if not 0 < drafts < 5 or not shown(data):
                continue
            truths.append(drafts)
            petitions, answered = data["totals"]["petitions"], data["totals"]["petitions_answered"]
            percent = data["totals"]["petitions_answered_percent"]
            if petitions is None or answered is None or not percent:
                continue
            right += round(petitions - answered / (percent / 100)) == drafts
    if not truths:
        return 0.0, 0.0
    return right / len(truths), Counter(truths).most_common(1)[0][1] / len(truths)


# --- 5. Hidden cells by subtraction --------------------------------------------------------------

# The breakdowns that are also filters, and the filter that picks one of their cells.
PARTITIONS = {
    "place": ("place", PLACES),
    "ethnicity": ("ethnicity", sorted(set(ETHNICITIES))),
    "gender": ("gender", [Gender.MALE, Gender.FEMALE]),
    "held": ("status_group", ["held", "not_held"]),
}


def _remembering(publish: Publish) -> Publish:
    """The same answers, each query asked once (the attacker keeps what he was told)."""
    answers: dict = {}

    def ask(query: dict) -> dict | None:
        key = tuple(sorted(query.items()))
        if key not in answers:
            answers[key] = publish(query)
        return answers[key]

    return ask


def subtraction_attack(ask: Publish, seeds: list[int]) -> tuple[float, float]:
    """For each view with at most one filter and each hidden cell of a breakdown that is also a
    filter: the view's total minus the totals of the views narrowed to each other value (pairs
    and partitions). The share of hidden non-zero cells recovered exactly, and the share a
    constant guess gets right."""
    right, truths = 0, []
    for seed in seeds:
        rng = random.Random(seed)
        profiles = [random_profile(rng) for _ in range(40)]
        with Trial():
            build_register(rng, profiles)
            publish = _remembering(ask)
            for base in _views_with_one_filter():
                data = publish(base)
                if not shown(data):
                    continue
                for breakdown, (name, values) in PARTITIONS.items():
                    if name in base:
                        continue
                    for value in values:
                        true = _true_count(profiles, base, name, value)
                        if _hidden(data, breakdown, value) and true > 0:
                            truths.append(true)
                            others = [
                                publish({**base, name: other})
                                for other in values
                                if other != value
                            ]
                            guess = total(data, "persons") - sum(
                                total(view, "persons") if shown(view) else 0 for view in others
                            )
                            right += round(guess) == true
    if not truths:
        return 0.0, 0.0
    return right / len(truths), Counter(truths).most_common(1)[0][1] / len(truths)


def _views_with_one_filter() -> list[dict]:
    views = [{}]
    for name, values in PARTITIONS.values():
        views += [{name: value} for value in values]
    return views


def _hidden(data: dict, breakdown: str, value: str) -> bool:
    for found in data["breakdowns"][breakdown]:
        if found["key"] == value:
            return found["count"] is None
    return True


def _matches(profile: Profile, name: str, value: str) -> bool:
    return str(getattr(profile, name)) == str(value)


def _true_count(profiles: list[Profile], base: dict, name: str, value: str) -> int:
    return sum(
        all(_matches(profile, key, wanted) for key, wanted in base.items())
        and _matches(profile, name, value)
        for profile in profiles
    )

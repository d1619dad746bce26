"""Each family member's own situation: where they are now, their approximate birth date and age,
their documents, their own case when they are held too; and the children with Kazakhstan
citizenship stuck in China, counted."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import DatePrecision, Kinship, Relative
from tests.factories import make_kinship, make_person, make_relative

pytestmark = pytest.mark.django_db

Situation = Relative.Situation
CHILD, GRANDCHILD, SPOUSE = (
    Kinship.Relationship.CHILD,
    Kinship.Relationship.GRANDCHILD,
    Kinship.Relationship.SPOUSE,
)
KAZAKHSTAN, PRC = Relative.Citizenship.KAZAKHSTAN, Relative.Citizenship.PRC


# --- Birth date and age -----------------------------------------------------------------------


def test_the_year_of_birth_follows_the_birth_date_as_precise_as_known():
    relative = make_relative(born_on=datetime.date(2025, 3, 17), born_on_precision="month")

    relative.refresh_from_db()
    assert (relative.born_on, relative.birth_year) == (datetime.date(2025, 3, 1), 2025)
    assert relative.born_on_display == "March 2025"

    relative.born_on = None
    relative.save()
    relative.refresh_from_db()
    assert relative.birth_year is None


TODAY = datetime.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("born_on", "precision", "age"),
    [
        (datetime.date(2026, 3, 1), DatePrecision.MONTH, "8 months"),
        (datetime.date(2026, 11, 1), DatePrecision.MONTH, "0 months"),
        (datetime.date(2025, 1, 1), DatePrecision.MONTH, "22 months"),
        (datetime.date(2024, 11, 1), DatePrecision.MONTH, "2 years"),
        (datetime.date(2020, 12, 15), DatePrecision.DAY, "5 years"),
        (datetime.date(2020, 11, 30), DatePrecision.DAY, "6 years"),
        (datetime.date(2026, 10, 31), DatePrecision.DAY, "0 months"),
        (datetime.date(2020, 1, 1), DatePrecision.YEAR, "about 6 years"),
        (datetime.date(2025, 1, 1), DatePrecision.YEAR, "about 1 year"),
        (datetime.date(2026, 1, 1), DatePrecision.YEAR, "under a year"),
    ],
)
def test_age_is_told_in_months_for_babies_and_about_years_when_only_the_year_is_known(
    born_on, precision, age
):
    relative = make_relative(born_on=born_on, born_on_precision=precision)

    assert relative.age(today=TODAY) == age


def test_no_birth_date_no_age():
    assert make_relative().age(today=TODAY) == ""


@pytest.mark.parametrize("born_on", [datetime.date(1899, 12, 31), datetime.date(2999, 1, 1)])
def test_a_birth_date_in_the_future_or_before_1900_is_refused(born_on):
    with pytest.raises(ValidationError) as error:
        Relative(full_name="X", born_on=born_on).full_clean()
    assert "born_on" in error.value.message_dict


def test_the_database_refuses_a_birth_date_before_1900():
    with pytest.raises(IntegrityError), transaction.atomic():
        Relative.objects.create(full_name="X", born_on=datetime.date(1850, 1, 1))


# --- Their own case ---------------------------------------------------------------------------


def test_a_held_relative_needs_their_own_case():
    with pytest.raises(ValidationError) as error:
        Relative(full_name="Ерлан", situation=Situation.HELD).full_clean()
    assert "held_as" in error.value.message_dict

    Relative(full_name="Ерлан", situation=Situation.HELD, held_as=make_person()).full_clean()


def test_a_relative_is_not_held_as_a_case_they_are_kin_to():
    wife = make_person()
    kairat = make_relative("Қайрат")
    make_kinship(wife, kairat, relationship=SPOUSE)
    kairat.situation, kairat.held_as = Situation.HELD, wife

    with pytest.raises(ValidationError) as error:
        kairat.full_clean()
    assert "held_as" in error.value.message_dict


def test_a_case_is_the_own_case_of_one_relative_record_at_most():
    brother = make_person("Ерлан")
    make_relative("Ерлан", situation=Situation.HELD, held_as=brother)

    with pytest.raises(ValidationError) as error:
        Relative(full_name="Erlan", situation=Situation.HELD, held_as=brother).full_clean()
    assert "held_as" in error.value.message_dict


def test_deleting_the_own_case_keeps_the_relative():
    brother = make_person("Ерлан")
    relative = make_relative("Ерлан", situation=Situation.HELD, held_as=brother)

    brother.delete()
    relative.refresh_from_db()
    assert relative.held_as is None and relative.situation == Situation.HELD


# --- Children with Kazakhstan citizenship stuck in China --------------------------------------


def stuck() -> set[str]:
    return set(Relative.objects.children_stuck_in_china().values_list("full_name", flat=True))


def child_of(person, name: str, relationship=CHILD, **fields) -> Relative:
    fields.setdefault("citizenship", KAZAKHSTAN)
    fields.setdefault("situation", Situation.IN_CHINA_BARRED)
    relative = make_relative(name, **fields)
    make_kinship(person, relative, relationship=relationship)
    return relative


def test_children_of_kazakhstan_in_china_count_whether_free_to_leave_or_not():
    mother = make_person("Mother")
    child_of(mother, "barred")
    child_of(mother, "free", situation=Situation.IN_CHINA_FREE)

    assert stuck() == {"barred", "free"}


def test_near_misses_are_not_counted_as_children_stuck_in_china():
    mother = make_person("Mother")
    child_of(mother, "PRC citizen", citizenship=PRC)
    child_of(mother, "citizenship unknown", citizenship=Relative.Citizenship.UNKNOWN)
    child_of(mother, "in Kazakhstan", situation=Situation.IN_KAZAKHSTAN)
    child_of(mother, "elsewhere", situation=Situation.ELSEWHERE)
    child_of(mother, "situation unknown", situation=Situation.UNKNOWN)
    child_of(mother, "held", situation=Situation.HELD, held_as=make_person("The child's case"))
    child_of(mother, "grandchild", relationship=GRANDCHILD)
    child_of(mother, "spouse", relationship=SPOUSE)
    # Kin only to a case marked a duplicate: counted under the original case, if recorded there.
    duplicate = make_person("Mother again", duplicate_of=mother)
    child_of(duplicate, "of a duplicate")
    # A citizen of Kazakhstan in China, kin to nobody recorded.
    make_relative("nobody's", citizenship=KAZAKHSTAN, situation=Situation.IN_CHINA_BARRED)

    assert stuck() == set()


def test_a_child_of_two_cases_is_counted_once():
    mother, father = make_person("Mother"), make_person("Father")
    child = child_of(mother, "both parents held")
    make_kinship(father, child, relationship=CHILD)
    # The spouse's kinship of another relative to the father does not count either.
    make_kinship(father, make_relative("uncle", citizenship=KAZAKHSTAN), relationship=SPOUSE)

    assert Relative.objects.children_stuck_in_china().count() == 1


def test_a_child_kin_to_a_duplicate_and_to_the_original_counts():
    mother = make_person("Mother")
    child = child_of(make_person("Mother again", duplicate_of=mother), "kept")
    make_kinship(mother, child, relationship=GRANDCHILD)
    assert stuck() == set()  # a grandchild of the original: still no child of a case

    Kinship.objects.filter(person=mother, relative=child).update(relationship=CHILD)
    assert stuck() == {"kept"}


# --- Existing relatives when migrating ---------------------------------------------------------


def test_migration_derives_the_situation_only_where_lives_in_says_it_safely():
    migration = importlib.import_module("cases.migrations.0014_relatives_situation")
    rows = {
        lives_in: make_relative(lives_in, lives_in=lives_in, birth_year=1985)
        for lives_in in Relative.LivesIn.values
    }
    # As the rows stood before the migration: no situation, a year of birth only.
    Relative.objects.update(situation=Situation.UNKNOWN, born_on=None, birth_year=1985)
    Relative.history.update(situation=Situation.UNKNOWN, born_on=None, birth_year=1985)

    migration.derive_situation_and_birth_date(apps, None)

    situations = dict(Relative.objects.values_list("lives_in", "situation"))
    assert situations == {
        "kazakhstan": Situation.IN_KAZAKHSTAN,
        "other": Situation.ELSEWHERE,
        "china": Situation.UNKNOWN,  # free to leave, barred or held: not known
        "unknown": Situation.UNKNOWN,
    }
    for relative in rows.values():
        relative.refresh_from_db()
        assert (relative.born_on_display, relative.birth_year) == ("1985", 1985)
    latest = Relative.history.filter(lives_in="kazakhstan").get()
    assert (latest.situation, latest.born_on) == (
        Situation.IN_KAZAKHSTAN,
        datetime.date(1985, 1, 1),
    )

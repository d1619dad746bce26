"""The labelled name variants (tests/data/names/variants.csv): a person is found under every
spelling documents give her, and a different person is not taken for her."""

import pytest

from cases.models import DetainedPerson
from cases.name_accuracy import load_variants, measure, register_entries, table
from cases.name_search import rank

NAME_FIELDS = ("full_name", "name_latin", "name_chinese", "other_names")


@pytest.fixture
def variants():
    return load_variants()


@pytest.fixture
def register(variants, db):
    labels = {}
    for person, target in register_entries(variants):
        case = DetainedPerson(full_name=target)
        case.save()
        labels[case.pk] = (person, target)
    return labels


def search_with(labels):
    def search(query):
        found = rank(DetainedPerson.objects.all(), [query], NAME_FIELDS)
        scored = [(labels[ranked.pk], ranked.match.score) for ranked in found]
        return scored, bool(found) and found[0].match.likely

    return search


def test_every_spelling_finds_the_person_and_no_other_comes_first(variants, register):
    tallies = measure(variants, search_with(register))
    print("\n" + table(tallies))
    for category, tally in sorted(tallies.items()):
        if tally.misses:
            print(category, tally.misses)
    matching, everything = tallies["matching"], tallies["all"]
    assert matching.queries >= 200
    assert matching.recall >= 0.95
    assert everything.wrong_first_rate <= 0.01

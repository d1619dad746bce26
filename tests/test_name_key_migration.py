"""0017 recomputes the stored name keys of every record with the current matching."""

from importlib import import_module

import pytest
from django.apps import apps

from cases.models import Authority, DetainedPerson, Place, Relative
from cases.names import combined_name_key, reference_name_key
from tests.factories import make_person, make_relative

pytestmark = pytest.mark.django_db

migration = import_module("cases.migrations.0017_recompute_name_keys")


def test_old_keys_are_recomputed_and_names_left_alone():
    person = make_person("Қайрат Дәуітхан", name_chinese="凯拉特·达吾提汗")
    relative = make_relative("Гульбахар Джалилова")
    # Keys as the matching before issue 17 stored them.
    old_key = "kairat dauithan | 凯拉特 达吾提汗"
    DetainedPerson.objects.filter(pk=person.pk).update(name_key=old_key)
    Relative.objects.filter(pk=relative.pk).update(name_key="gulbahar dzhalilova")
    Place.objects.update(name_key="")
    Authority.objects.update(name_key="")

    migration.recompute(apps, None)

    person.refresh_from_db()
    assert person.full_name == "Қайрат Дәуітхан"
    assert person.name_key == combined_name_key("Қайрат Дәуітхан", "", "凯拉特·达吾提汗", "")
    assert person.name_key.startswith("kairat dauitkan | kailate dautikan")
    relative.refresh_from_db()
    assert relative.name_key == combined_name_key("Гүлбахар Жәлилова")
    for reference in (*Place.objects.all(), *Authority.objects.all()):
        assert reference.name_key == reference_name_key(reference)
        assert reference.name_key

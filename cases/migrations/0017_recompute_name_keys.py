"""Recompute every stored name key with the matching of issue 17: the official Kazakh Latin
alphabets, passport forms, Russified endings, Chinese characters read as pinyin, Arabic-script
Kazakh, and the consonant skeletons (~klt) the search narrows by. Persons, relatives, places
and authorities (with their other names) alike; names themselves are not touched.

Going back leaves the new keys: the older code reads them, only finding fewer spellings."""

from django.db import migrations

from cases.names import combined_name_key, reference_name_key

BATCH = 1000

PERSON_NAMES = ("full_name", "name_latin", "name_chinese", "other_names")
RELATIVE_NAMES = ("full_name", "name_latin")


def _recompute(model, fields, key_of) -> None:
    changed = []
    rows = model.objects.only("pk", "name_key", *fields).order_by("pk")
    for row in rows.iterator(chunk_size=BATCH):
        key = key_of(row)
        if key != row.name_key:
            row.name_key = key
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, ["name_key"])
            changed = []
    if changed:
        model.objects.bulk_update(changed, ["name_key"])


def recompute(apps, schema_editor):
    def names_key(fields):
        return lambda row: combined_name_key(*(getattr(row, field) for field in fields))

    _recompute(apps.get_model("cases", "DetainedPerson"), PERSON_NAMES, names_key(PERSON_NAMES))
    _recompute(apps.get_model("cases", "Relative"), RELATIVE_NAMES, names_key(RELATIVE_NAMES))
    reference_fields = ("name_en", "name_kk", "name_ru", "name_zh", "other_names", "code")
    for model_name in ("Place", "Authority"):
        model = apps.get_model("cases", model_name)
        fields = [field for field in reference_fields if hasattr(model, field)]
        _recompute(model, fields, reference_name_key)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_petition_date_precisions"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]

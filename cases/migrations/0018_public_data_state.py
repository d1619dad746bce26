import uuid

from django.db import migrations, models
from django.utils import timezone


def create_state(apps, schema_editor):
    """The one row every public request reads (cases/public/cache.py)."""
    PublicDataState = apps.get_model("cases", "PublicDataState")
    PublicDataState.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_recompute_name_keys"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicDataState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
                ("changed_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "public data state",
                "verbose_name_plural": "public data states",
            },
        ),
        migrations.RunPython(create_state, migrations.RunPython.noop),
    ]

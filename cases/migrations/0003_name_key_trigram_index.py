"""On PostgreSQL, trigram GIN indexes on name_key serve admin search (LIKE '%…%') and similarity
for duplicate detection. Other databases keep the plain index from 0001."""

from django.db import migrations

INDEXES = [
    ("cases_person_name_key_trgm", "cases_detainedperson"),
    ("cases_relative_name_key_trgm", "cases_relative"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (name_key gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_places_and_authorities")]
    operations = [migrations.RunPython(create, drop)]

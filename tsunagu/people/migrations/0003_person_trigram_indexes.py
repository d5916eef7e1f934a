"""PostgreSQL only: pg_trgm GIN indexes on the name and reading search keys.

They serve `LIKE '%…%'` and similarity (`%`) searches in tsunagu.people.search. pg_trgm splits
Japanese into trigrams only under a UTF-8 ctype (C.UTF-8, ja_JP.UTF-8); see docs/performance.md.
SQLite has no equivalent and is searched with LIKE on the same columns.
"""

from django.db import migrations

INDEXES = [
    ("person_name_key_trgm", "name_key"),
    ("person_kana_key_trgm", "kana_key"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON people_person USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_person_address_key_merge"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]

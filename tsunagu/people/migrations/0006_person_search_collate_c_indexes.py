"""PostgreSQL only: btree indexes on the search keys in code-point order (COLLATE "C").

`tsunagu.people.search` runs each match tier as its own LIMITed query in rank order. The prefix tier
(`kana_key COLLATE "C" LIKE 'さとう%'`, the same for `name_key`) becomes an index range on these
indexes, and the tie-break order (reading, written name, id, in code-point order as on SQLite) is the
index order, so PostgreSQL stops after `limit` rows instead of fetching and sorting every person named
佐藤. The database's own collation does not matter: the column collation is explicit.
"""

from django.db import migrations

INDEXES = [
    ("person_muni_kana_c", 'municipality_id, kana_key COLLATE "C", name_key COLLATE "C", id'),
    ("person_muni_name_c", 'municipality_id, name_key COLLATE "C", kana_key COLLATE "C", id'),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON people_person ({columns})")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_person_relationship"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]

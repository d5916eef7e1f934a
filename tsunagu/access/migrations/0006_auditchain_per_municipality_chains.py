"""Schema for one audit chain per municipality (issue 10, item 4) — part 1 of 3.

- `AuditEvent.seq` stops being unique over the installation (0008 makes it unique per municipality, after
  0007 has renumbered the rows);
- the chain head's primary key becomes the chain (a municipality's id, 0 for the system chain), with the
  municipality beside it;
- the object index `AuditObject` (filled by 0007).

SQLite rebuilds a table to change a column, and a rebuilt table has lost its triggers: the append-only
triggers of migrations 0002/0004 are created again after the change (and before it, when reversing).
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS access_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS access_auditevent_no_delete;",
    "CREATE TRIGGER access_auditevent_no_update BEFORE UPDATE ON access_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: UPDATE refused'); END;",
    "CREATE TRIGGER access_auditevent_no_delete BEFORE DELETE ON access_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: DELETE refused'); END;",
]


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0005_audit_head_mac_and_record_limit"),
        ("municipalities", "0006_retention_years"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers),
        migrations.CreateModel(
            name="AuditObject",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40, verbose_name="対象の種類")),
                ("obj_id", models.BigIntegerField(verbose_name="対象ID")),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="access.auditevent"
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="municipalities.municipality",
                    ),
                ),
            ],
            options={"verbose_name": "監査ログの対象索引", "verbose_name_plural": "監査ログの対象索引"},
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["municipality", "seq"],
                "verbose_name": "監査ログ",
                "verbose_name_plural": "監査ログ",
            },
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="municipality",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="municipalities.municipality",
                verbose_name="自治体",
            ),
        ),
        migrations.AlterField(
            model_name="auditchainhead",
            name="id",
            field=models.BigIntegerField(primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name="auditevent", name="seq", field=models.PositiveBigIntegerField(verbose_name="通番")
        ),
        migrations.RunPython(sqlite_triggers, migrations.RunPython.noop),
    ]

"""One audit chain per municipality — part 3 of 3: the constraints that hold once 0007 has renumbered the
rows (a number per row of a city's chain; a head's key is its chain) and the object index's lookup.
SQLite rebuilds the table to add a constraint: the append-only triggers are created again (0006)."""

from importlib import import_module

from django.db import migrations, models

sqlite_triggers = import_module(
    "tsunagu.access.migrations.0006_auditchain_per_municipality_chains"
).sqlite_triggers


class Migration(migrations.Migration):
    dependencies = [("access", "0007_auditchain_reseal_per_municipality")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("municipality", "seq"), name="audit_seq_per_municipality"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditchainhead",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("id", 0), ("municipality__isnull", True)),
                    ("id", models.F("municipality")),
                    _connector="OR",
                ),
                name="audit_head_is_its_chain",
            ),
        ),
        migrations.AddIndex(
            model_name="auditobject", index=models.Index(fields=["event"], name="audit_object_event")
        ),
        migrations.AddConstraint(
            model_name="auditobject",
            constraint=models.UniqueConstraint(
                fields=("municipality", "kind", "obj_id", "event"), name="audit_object_lookup"
            ),
        ),
        migrations.RunPython(sqlite_triggers, migrations.RunPython.noop),
    ]

"""Part 3 of 3: the municipality columns are required and every unique constraint of the meetings app
includes municipality (so that a Citus installation distributed by municipality_id can hold them:
tests/test_it_is_ready_to_distribute_by_municipality.py). The implicit many-to-many table's own unique
index on (agendaitem_id, organization_id) is replaced by agenda_org_once (SQLite rebuilds the table
without it; PostgreSQL drops it by its generated name)."""

import django.db.models.deletion
from django.db import migrations, models

M2M_TABLE = "meetings_agendaitem_organizations"
OLD_UNIQUE = "meetings_agendaitem_organizations_pair_uniq"


def _city() -> models.ForeignKey:
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="municipalities.municipality"
    )


def drop_old_pair_unique(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, M2M_TABLE)
    for name, info in found.items():
        if (
            info["unique"]
            and not info["primary_key"]
            and info["columns"] == ["agendaitem_id", "organization_id"]
        ):
            schema_editor.execute(f'ALTER TABLE "{M2M_TABLE}" DROP CONSTRAINT "{name}"')


def restore_old_pair_unique(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'ALTER TABLE "{M2M_TABLE}" ADD CONSTRAINT "{OLD_UNIQUE}" UNIQUE ("agendaitem_id", "organization_id")'
        )


OLD = {
    "acknowledgement": ["ack_once_per_meeting", "ack_once_per_term"],
    "actionreview": ["review_once_per_action"],
    "agendaitem": ["agenda_case_once"],
    "followupaccess": ["follow_up_once"],
    "invitation": ["invitation_org_once", "invitation_staff_once"],
    "meeting": ["meeting_scheduled_once"],
}


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_auditchain_fill_municipality")]

    operations = [
        migrations.RunPython(drop_old_pair_unique, restore_old_pair_unique),
        *(
            migrations.RemoveConstraint(model_name=model, name=name)
            for model, names in OLD.items()
            for name in names
        ),
        migrations.AlterField(model_name="agendaitemorganization", name="municipality", field=_city()),
        migrations.AlterField(model_name="actionreview", name="municipality", field=_city()),
        migrations.AlterField(model_name="decision", name="municipality", field=_city()),
        migrations.AlterField(model_name="invitation", name="municipality", field=_city()),
        migrations.AddConstraint(
            model_name="acknowledgement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("meeting__isnull", False)),
                fields=("municipality", "staff", "meeting"),
                name="ack_once_per_meeting",
            ),
        ),
        migrations.AddConstraint(
            model_name="acknowledgement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("fiscal_year__isnull", False)),
                fields=("municipality", "staff", "body", "fiscal_year"),
                name="ack_once_per_term",
            ),
        ),
        migrations.AddConstraint(
            model_name="actionreview",
            constraint=models.UniqueConstraint(
                fields=("municipality", "item", "action"), name="review_once_per_action"
            ),
        ),
        migrations.AddConstraint(
            model_name="followupaccess",
            constraint=models.UniqueConstraint(
                fields=("municipality", "item", "staff"), name="follow_up_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("item__isnull", True), ("organization__isnull", False), ("staff__isnull", True)
                ),
                fields=("municipality", "meeting", "organization"),
                name="invitation_org_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("staff__isnull", False)),
                fields=("municipality", "meeting", "staff", "item"),
                name="invitation_staff_once",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "scheduled")),
                fields=("municipality", "body", "area", "starts_at"),
                name="meeting_scheduled_once",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="agendaitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "withdrawn"), _negated=True),
                fields=("municipality", "meeting", "case"),
                name="agenda_case_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="agendaitemorganization",
            constraint=models.UniqueConstraint(
                fields=("municipality", "agendaitem", "organization"), name="agenda_org_once"
            ),
        ),
    ]

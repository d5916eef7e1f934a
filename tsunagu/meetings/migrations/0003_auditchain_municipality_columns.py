"""Every table of the meetings app carries municipality_id (docs/scaling.md; issue 10 item 7) — part 1 of 3:
nullable municipality columns on invitations, action reviews and decisions, and the agenda item's
organizations as an explicit table (the implicit many-to-many table, same name and columns, taken over as
the model AgendaItemOrganization) with its own municipality column. 0003 fills them, 0004 makes them
required and puts municipality into every unique constraint."""

import django.db.models.deletion
from django.db import migrations, models


def _nullable_city() -> models.ForeignKey:
    return models.ForeignKey(
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="municipalities.municipality",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_meeting_body_membership_and_gates"),
        ("meetings", "0002_notebook_threads_posts_reads"),
        ("municipalities", "0004_small_cell_threshold"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AgendaItemOrganization",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "agendaitem",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="meetings.agendaitem",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="directory.organization",
                            ),
                        ),
                    ],
                    options={"db_table": "meetings_agendaitem_organizations"},
                ),
                migrations.AlterField(
                    model_name="agendaitem",
                    name="organizations",
                    field=models.ManyToManyField(
                        related_name="+",
                        through="meetings.AgendaItemOrganization",
                        to="directory.organization",
                        verbose_name="この事案の構成機関",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(model_name="agendaitemorganization", name="municipality", field=_nullable_city()),
        migrations.AddField(model_name="actionreview", name="municipality", field=_nullable_city()),
        migrations.AddField(model_name="decision", name="municipality", field=_nullable_city()),
        migrations.AddField(model_name="invitation", name="municipality", field=_nullable_city()),
    ]

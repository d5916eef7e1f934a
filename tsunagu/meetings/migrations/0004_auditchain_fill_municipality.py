"""Part 2 of 3 (data only): each child row takes its parent's municipality — an invitation its meeting's,
an action review, a decision and an agenda item's organization their agenda item's. Backwards: the columns
are emptied again (0002 reversed then drops them)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

CHILDREN = (
    ("Invitation", "Meeting", "meeting_id"),
    ("ActionReview", "AgendaItem", "item_id"),
    ("Decision", "AgendaItem", "item_id"),
    ("AgendaItemOrganization", "AgendaItem", "agendaitem_id"),
)


def fill(apps, schema_editor):
    for child, parent, link in CHILDREN:
        parent_model = apps.get_model("meetings", parent)
        city = parent_model.objects.filter(pk=OuterRef(link)).values("municipality_id")[:1]
        apps.get_model("meetings", child).objects.update(municipality_id=Subquery(city))


def empty(apps, schema_editor):
    for child, _parent, _link in CHILDREN:
        apps.get_model("meetings", child).objects.update(municipality_id=None)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_auditchain_municipality_columns")]

    operations = [migrations.RunPython(fill, empty)]

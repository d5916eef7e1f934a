"""Existing municipalities get their kind from their name (町 → town, 村 → village, 区 → special ward).

Rows loaded before the kind existed all became "city"; the next profile load sets it too, but screens
should say 町 for a town from the moment the code is deployed.
"""

from django.db import migrations

SUFFIX_KIND = {"町": "town", "村": "village", "区": "special_ward"}


def kind_from_name(apps, schema_editor):
    Municipality = apps.get_model("municipalities", "Municipality")
    for muni in Municipality.objects.filter(kind="city"):
        kind = SUFFIX_KIND.get(muni.name[-1:])
        if kind:
            muni.kind = kind
            muni.save(update_fields=["kind"])


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0002_municipality_kind_and_counted_domains")]

    operations = [migrations.RunPython(kind_from_name, migrations.RunPython.noop)]

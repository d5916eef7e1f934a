"""Data migration: fill Person.address_key for rows saved before the field existed."""

from django.db import migrations

from tsunagu.core.address import address_key


def fill_address_key(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    batch = []
    for person in Person.objects.exclude(address="").only("id", "address").iterator(chunk_size=2000):
        person.address_key = address_key(person.address)
        batch.append(person)
        if len(batch) >= 2000:
            Person.objects.bulk_update(batch, ["address_key"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["address_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_person_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(fill_address_key, migrations.RunPython.noop),
    ]

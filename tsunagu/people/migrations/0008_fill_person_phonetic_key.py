"""Data migration: fill Person.phonetic_key for rows saved before the field existed (名寄せ looks records
up by it). The stored 名寄せ candidates start empty: run `manage.py match_persons` once after upgrading."""

from django.db import migrations

from tsunagu.core.kana import search_key


def fill_phonetic_key(apps, schema_editor):
    from tsunagu.people.matching import phonetic_kana

    Person = apps.get_model("people", "Person")
    batch = []
    for person in (
        Person.objects.filter(phonetic_key="")
        .only("id", "family_kana", "given_kana")
        .iterator(chunk_size=2000)
    ):
        person.phonetic_key = phonetic_kana(search_key(person.family_kana + person.given_kana))
        if person.phonetic_key:
            batch.append(person)
        if len(batch) >= 2000:
            Person.objects.bulk_update(batch, ["phonetic_key"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["phonetic_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_person_phonetic_key_and_match_candidates"),
    ]

    operations = [
        migrations.RunPython(fill_phonetic_key, migrations.RunPython.noop),
    ]

from django.db import migrations

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    head_model = apps.get_model("access", "AuditChainHead")
    head_model.objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS})


def remove_head(apps, schema_editor):
    apps.get_model("access", "AuditChainHead").objects.filter(pk=1, last_seq=0).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0002_audit_append_only_triggers")]

    operations = [migrations.RunPython(create_head, remove_head)]

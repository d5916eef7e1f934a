"""The chain head carries an HMAC under the audit key (issue 9 A4); the read-volume limit counts every
personal record, not households only (issue 9 A6: label only, the column keeps its name).

The existing head is signed as it stands: `verify_audit` still checks it against the rows, and from now on
rolling it back needs the key. The formula is tsunagu.access.auditkey.head_mac, written out here so that
this migration never changes with the code.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models


def _key() -> bytes:
    explicit = getattr(settings, "AUDIT_HMAC_KEY", "")
    if explicit:
        return str(explicit).encode()
    return hashlib.sha256(b"tsunagu-audit-chain:" + settings.SECRET_KEY.encode()).digest()


def sign_head(apps, schema_editor):
    head_model = apps.get_model("access", "AuditChainHead")
    for head in head_model.objects.all():
        data = f"tsunagu-audit-head|{int(head.last_seq)}|{head.last_hash}".encode()
        head.mac = hmac.new(_key(), data, hashlib.sha256).hexdigest()
        head.save(update_fields=["mac"])


class Migration(migrations.Migration):
    dependencies = [("access", "0004_sqlite_delete_trigger_without_escape")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(sign_head, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditalertsetting",
            name="hourly_household_limit",
            field=models.PositiveIntegerField(default=30, verbose_name="1時間あたりの閲覧件数の上限"),
        ),
    ]

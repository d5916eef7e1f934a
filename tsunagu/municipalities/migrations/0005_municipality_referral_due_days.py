from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("municipalities", "0004_small_cell_threshold"),
    ]

    operations = [
        migrations.AddField(
            model_name="municipality",
            name="referral_due_days",
            field=models.PositiveSmallIntegerField(default=14, verbose_name="つなぎの初回連絡までの標準日数"),
        ),
    ]

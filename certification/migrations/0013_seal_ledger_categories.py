"""Ledger lines written from now on seal their hour category too; the lines already sealed
without it are marked so (their seals stay valid)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0012_level_category_minimums'),
    ]

    operations = [
        # Existing lines: their seal does not cover the category.
        migrations.AddField(
            model_name='trainingentry',
            name='category_sealed',
            field=models.BooleanField(default=False, editable=False),
        ),
        # New lines: it does.
        migrations.AlterField(
            model_name='trainingentry',
            name='category_sealed',
            field=models.BooleanField(default=True, editable=False),
        ),
    ]

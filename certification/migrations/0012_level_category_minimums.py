"""A level may require, of its hours, a minimum per hour category; city HR edit them."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _c = Group.objects.get_or_create(name="City HR")
    for model in ("levelcategoryminimum", "cyclecategoryminimum"):
        ct, _c = ContentType.objects.get_or_create(app_label="certification", model=model)
        for action in ("add", "change", "delete", "view"):
            perm, _c = Permission.objects.get_or_create(
                content_type=ct, codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"})
            group.permissions.add(perm)


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0011_backfill_ledger_categories'),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ('courses', '0007_hour_categories'),
    ]

    operations = [
        migrations.CreateModel(
            name='LevelCategoryMinimum',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hours', models.DecimalField(decimal_places=2, max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='minimum hours')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='courses.hourcategory', to_field='code', verbose_name='category')),
                ('level', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='category_minimums', to='certification.certificatelevel', verbose_name='level')),
            ],
            options={
                'verbose_name': "level's minimum hours of a category",
                'verbose_name_plural': "levels' minimum hours per category",
                'ordering': ['level__rank', 'category__order'],
                'constraints': [models.UniqueConstraint(fields=('level', 'category'), name='level_category_minimum_once')],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]

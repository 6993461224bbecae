"""A level may require, of its hours, a minimum per hour category; city HR edit them
(people/roles.py)."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


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
    ]

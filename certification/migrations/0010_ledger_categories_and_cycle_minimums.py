"""Every ledger line carries its hour category (filled for existing lines by the next
migration), declarations point at the categories' data, and a cycle policy may require a
minimum of hours per category."""

import django.core.validators
import django.db.models.deletion
import modelcluster.fields
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0009_merge_offline_and_school_figures'),
        ('courses', '0007_hour_categories'),
    ]

    operations = [
        migrations.AddField(
            model_name='trainingentry',
            name='category',
            field=models.ForeignKey(default='other', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='courses.hourcategory', to_field='code', verbose_name='category'),
        ),
        migrations.AlterField(
            model_name='hourdeclaration',
            name='category',
            field=models.ForeignKey(db_column='category', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='courses.hourcategory', to_field='code', verbose_name='category'),
        ),
        migrations.CreateModel(
            name='CycleCategoryMinimum',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hours', models.DecimalField(decimal_places=2, max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='minimum hours per cycle')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='courses.hourcategory', to_field='code', verbose_name='category')),
                ('policy', modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name='category_minimums', to='certification.cyclepolicy', verbose_name='cycle')),
            ],
            options={
                'verbose_name': 'minimum hours of a category',
                'verbose_name_plural': 'minimum hours per category',
                'constraints': [models.UniqueConstraint(fields=('policy', 'category'), name='cycle_category_minimum_once')],
            },
        ),
    ]
